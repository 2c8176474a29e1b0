"""Schema migrations: the revisions, the upgrade of older databases, the refusals, the lock.

The committed ``tests/data/schema-v1.sqlite3`` was written by the first
release (``co_schema_version`` 1, no Alembic, enum values as labels, a clear
token in a waiting outbox entry). It is upgraded through ``db upgrade`` and
through a factory asked to, on SQLite and, its rows copied over, on
PostgreSQL.
"""

from __future__ import annotations

import enum
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, make_url, select, text
from sqlalchemy.engine import Connection, Engine

from chorus_onboarding import OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.sql import (
    HEAD_REVISION,
    SCHEMA_VERSION,
    SqlUnitOfWork,
    codec,
    current_revision,
    installed_version,
    migrate,
    prepare,
    release_engine,
    schema,
    sqlite_engine,
    url_engine,
)
from chorus_onboarding.adapters.sql.migrations.versions import r0003_codes_not_labels as r0003
from chorus_onboarding.cli import main
from chorus_onboarding.domain import events
from chorus_onboarding.domain.accounts import Account
from chorus_onboarding.domain.attachments import Attachment
from chorus_onboarding.domain.espaces import (
    CategorieBeneficiaire,
    CategoriePrestataire,
    Espace,
    EspaceParameters,
    Habilitation,
    OpenEspace,
    Parameter,
)
from chorus_onboarding.domain.history import ManagerAction, ManagerActionKind
from chorus_onboarding.domain.identifiers import IdentifierType, StructureIdentifier
from chorus_onboarding.domain.states import AttachmentState, SubscriptionState
from chorus_onboarding.domain.structures import Address, Purpose, Structure, StructureStatus
from chorus_onboarding.domain.subscriptions import Subscription
from chorus_onboarding.errors import (
    InvalidInput,
    SchemaOutdated,
    StorageUnavailable,
    StoredDataUnreadable,
    StructureAlreadyRegistered,
)
from chorus_onboarding.testing.contract import NOW, account
from chorus_onboarding.testing.fakes import opened
from chorus_onboarding.testing.world import TEST_SECRET_KEY
from tests.postgres import require_postgres

V1_DATABASE = Path(__file__).parent.parent / "data" / "schema-v1.sqlite3"
V1_TOKEN = "VOu7S95SHwrg8G4idTpLJSeJ8Lfg6NSD0E0i1jdnqtI"
LOUISE = "louise.galfe@dressing-louise.fr"
LOUISE_PASSWORD = "Ma-Boutique-2024!"
TABLES = [table.name for table in schema.metadata.sorted_tables]


def _settings(*, upgrade: bool = False) -> OnboardingSettings:
    return OnboardingSettings(secret_key=TEST_SECRET_KEY, upgrade_database=upgrade)


def _open(target: str | Path, *, upgrade: bool = False) -> OnboardingService:
    parts: dict[str, Any] = {
        "mailer": MemoryMailbox(),
        "captcha": FixedCaptcha(),
        "directory": MemoryCompanyDirectory(),
        "hasher": FastInsecureHasher(),
        "settings": _settings(upgrade=upgrade),
    }
    if isinstance(target, Path):
        return OnboardingService.sqlite(target, **parts)
    return OnboardingService.from_url(target, **parts)


def _engine(target: str | Path) -> Engine:
    return sqlite_engine(target) if isinstance(target, Path) else url_engine(target)


@pytest.fixture
def v1_file(tmp_path: Path) -> Path:
    """A copy of the first release's database (never the committed file itself)."""
    path = tmp_path / "v1.sqlite3"
    shutil.copy(V1_DATABASE, path)
    return path


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of an empty schema of its own on the test server, dropped afterwards."""
    url = make_url(require_postgres())
    name = f"co_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        yield url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """An empty database: a SQLite file not created yet, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return tmp_path / "empty.sqlite3"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def pg_v1(pg_url: str) -> str:
    """The first release's database on PostgreSQL: revision 0001 replayed, the v1 rows copied in."""
    engine = url_engine(pg_url)
    try:
        with engine.begin() as connection:
            command.upgrade(migrate.alembic_config(connection), "0001")
            # The first release knew nothing of Alembic.
            connection.execute(text(f"DROP TABLE {migrate.VERSION_TABLE}"))
            connection.execute(text("DELETE FROM co_schema_version"))
            connection.execute(text("DELETE FROM co_counters"))
            _copy_rows(V1_DATABASE, connection)
    finally:
        release_engine(engine)
    return pg_url


def _copy_rows(source: Path, target: Connection) -> None:
    reader = create_engine(f"sqlite:///{source}")
    try:
        with reader.connect() as connection:
            # The first release had fewer tables than the head revision.
            present = set(inspect(connection).get_table_names())
            for name in (name for name in TABLES if name in present):
                found = Table(name, MetaData(), autoload_with=connection)
                rows = [dict(row._mapping) for row in connection.execute(select(found))]
                if rows:
                    copy = Table(name, MetaData(), autoload_with=target)
                    target.execute(copy.insert(), rows)
    finally:
        reader.dispose()
    for name in ("co_history", "co_outbox"):
        target.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'seq'), "
                f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM {name}), false)"
            )
        )


def _rows(target: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the library's tables, in a stable order."""
    engine = _engine(target)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return {
                name: sorted(
                    (
                        tuple(repr(value) for value in row)
                        for row in connection.execute(text(f"SELECT * FROM {name}"))
                    ),
                )
                for name in [*TABLES, migrate.VERSION_TABLE]
                if name in present
            }
    finally:
        release_engine(engine)


# --- the revisions ------------------------------------------------------------------


def test_the_library_knows_every_revision_the_scripts_hold() -> None:
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    walked = [revision.revision for revision in script.walk_revisions()]
    assert tuple(reversed(walked)) == migrate.REVISIONS
    assert script.get_current_head() == HEAD_REVISION == "0007"
    assert SCHEMA_VERSION == 7
    assert sorted(path.name for path in (migrate.MIGRATIONS / "versions").glob("r*.py")) == [
        "r0001_version_1.py",
        "r0002_outbox_retries.py",
        "r0003_codes_not_labels.py",
        "r0004_invitations.py",
        "r0005_folded_foreign_identifiers.py",
        "r0006_support_log.py",
        "r0007_replaced_identifiers.py",
    ]


def _predicate(clause: Any) -> tuple[frozenset[str], frozenset[str], int, int]:
    """What a partial index's condition says: its literals, columns and NULL tests.

    PostgreSQL gives the condition back rewritten (casts, ``= ANY (ARRAY[...])``),
    SQLite as written: these are what both keep.
    """
    words = str(clause)
    nulls = len(re.findall(r"IS NULL", words, re.IGNORECASE))
    not_nulls = len(re.findall(r"IS NOT NULL", words, re.IGNORECASE))
    columns = frozenset(re.findall(r"\b([a-z_]+_at|state)\b", words))
    return frozenset(re.findall(r"'([^']*)'", words)), columns, nulls, not_nulls


def _assert_schema_is_the_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": migrate.VERSION_TABLE,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        assert compare_metadata(context, schema.metadata) == []
        # Alembic does not compare partial indexes' conditions: compare them here.
        dialect = connection.dialect.name
        reflected = {
            index["name"]: index.get("dialect_options", {}).get(f"{dialect}_where")
            for table in schema.metadata.sorted_tables
            for index in inspect(connection).get_indexes(table.name)
        }
    for table in schema.metadata.sorted_tables:
        for index in table.indexes:
            where = index.dialect_options[dialect]["where"]
            if where is None:
                assert reflected[index.name] is None, index.name
                continue
            compiled = where.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            assert _predicate(reflected[index.name]) == _predicate(compiled), index.name


def test_an_empty_database_gets_the_head_schema_which_is_the_metadata(
    empty_database: str | Path,
) -> None:
    engine = _engine(empty_database)
    try:
        assert current_revision(engine) is None
        prepare(engine)  # no setting needed for an empty database
        assert current_revision(engine) == HEAD_REVISION
        assert installed_version(engine) == SCHEMA_VERSION
        _assert_schema_is_the_metadata(engine)
        with engine.connect() as connection:
            recorded = connection.execute(text("SELECT version FROM co_schema_version")).scalars()
            assert sorted(recorded) == list(range(1, SCHEMA_VERSION + 1))
        prepare(engine)  # idempotent
        assert current_revision(engine) == HEAD_REVISION
    finally:
        release_engine(engine)


# --- the first release's database ---------------------------------------------------


def _assert_upgraded_people(target: str | Path) -> None:
    """Louise logs in, the history reads back as members, no clear token is left."""
    with _open(target) as service:  # no setting: at the head now
        assert opened(service.login(LOUISE, LOUISE_PASSWORD)).account_id == "v1-000001"
        engine = service.ports.unit_of_work().engine  # type: ignore[attr-defined]
        with SqlUnitOfWork(engine) as work:
            (created,) = work.history.for_structure("v1-000002")
        assert created.kind is ManagerActionKind.STRUCTURE_CREATED
        (dead,) = service.relay.dead_letters()
        assert dead.event_name == "ActivationEmailIssued"
        with engine.connect() as connection:
            documents = connection.execute(select(schema.outbox.c.document)).scalars().all()
            states = connection.execute(select(schema.attachments.c.state)).scalars().all()
        assert all(document.get("token", "") == "" for document in documents)
        assert sorted(states) == ["VALIDATED", "VALIDATED"]
        _assert_schema_is_the_metadata(engine)


def _assert_no_clear_token_in(path: Path) -> None:
    for file in path.parent.glob(path.name + "*"):  # the WAL files too, if any
        assert V1_TOKEN.encode() not in file.read_bytes(), file.name


def test_the_version_1_file_upgrades_through_db_upgrade(
    v1_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert V1_TOKEN.encode() in v1_file.read_bytes()
    assert main(["db", "current", "--db", str(v1_file)]) == 0
    assert "0001, base antérieure à Alembic (co_schema_version 1)" in capsys.readouterr().out

    assert main(["db", "upgrade", "--db", str(v1_file)]) == 0
    assert f"Schéma mis à jour : révision 0001 → {HEAD_REVISION}." in capsys.readouterr().out

    _assert_upgraded_people(v1_file)
    _assert_no_clear_token_in(v1_file)
    assert main(["db", "upgrade", "--db", str(v1_file)]) == 0
    assert f"Schéma déjà à jour : révision {HEAD_REVISION}." in capsys.readouterr().out


def test_the_version_1_file_upgrades_through_a_factory_asked_to(v1_file: Path) -> None:
    with _open(v1_file, upgrade=True) as service:
        assert opened(service.login(LOUISE, LOUISE_PASSWORD)).account_id == "v1-000001"
    _assert_upgraded_people(v1_file)
    _assert_no_clear_token_in(v1_file)


def test_a_factory_not_asked_to_refuses_the_version_1_file_and_leaves_it_untouched(
    v1_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _rows(v1_file)
    with pytest.raises(SchemaOutdated) as refused:
        _open(v1_file)
    error = refused.value
    assert (error.code, error.field) == ("schema_outdated", "database")
    assert error.params == {
        "revision": "0001",
        "head": HEAD_REVISION,
        "command": "python -m chorus_onboarding db upgrade",
    }
    assert "« python -m chorus_onboarding db upgrade »" in str(error)
    assert "'python -m chorus_onboarding db upgrade'" in error.message("en")
    # The operator's commands refuse it the same way, pointing at the upgrade
    # (exit code 3: the database cannot be used as it is).
    assert main(["expire", "--db", str(v1_file)]) == 3
    assert "db upgrade" in capsys.readouterr().err
    assert _rows(v1_file) == before
    assert migrate.VERSION_TABLE not in before


def test_the_version_1_database_on_postgresql_is_refused_then_upgrades(
    pg_v1: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _rows(pg_v1)
    with pytest.raises(SchemaOutdated):
        _open(pg_v1)
    assert _rows(pg_v1) == before

    assert main(["db", "upgrade", "--url", pg_v1]) == 0
    assert f"Schéma mis à jour : révision 0001 → {HEAD_REVISION}." in capsys.readouterr().out
    _assert_upgraded_people(pg_v1)


def test_the_version_1_database_on_postgresql_upgrades_through_a_factory_asked_to(
    pg_v1: str,
) -> None:
    with _open(pg_v1, upgrade=True) as service:
        assert opened(service.login(LOUISE, LOUISE_PASSWORD)).account_id == "v1-000001"
    _assert_upgraded_people(pg_v1)


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_a_failed_upgrade_changes_nothing(
    where: str, v1_file: Path, request: pytest.FixtureRequest
) -> None:
    target: str | Path = v1_file if where == "sqlite" else request.getfixturevalue("pg_v1")
    engine = _engine(target)
    try:
        with engine.begin() as connection:
            # The last step of revision 0003 fails: everything before it must be undone.
            if where == "sqlite":
                connection.exec_driver_sql(
                    "CREATE TRIGGER refuse_3 BEFORE INSERT ON co_schema_version "
                    "WHEN NEW.version = 3 BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            else:
                connection.exec_driver_sql(
                    "CREATE FUNCTION refuse_3() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF NEW.version = 3 THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$"
                )
                connection.exec_driver_sql(
                    "CREATE TRIGGER refuse_3 BEFORE INSERT ON co_schema_version "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_3()"
                )
        before = _rows(target)
        with pytest.raises(StorageUnavailable):
            prepare(engine, upgrade=True)
        assert _rows(target) == before
        assert current_revision(engine) == "0001"
    finally:
        release_engine(engine)


# --- a database of the release before this one: every enum member ------------------


def _by_value(value: Any) -> Any:
    """What the codec wrote before revision 0003: enums by value, the label of that time.

    A member relabelled since (the TIC catégories, reworded after the guides)
    is written with the label revision 0003 knows it by.
    """
    if isinstance(value, enum.Enum):
        then = {code: label for label, code in r0003.ENUMS.get(type(value).__name__, {}).items()}
        return then.get(value.name, value.value)
    if isinstance(value, frozenset | set | tuple | list):
        return [_by_value(item) for item in value]
    if attrs.has(type(value)):
        return {
            field.name: _by_value(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.init
        }
    return codec.encode(value)


# Catégories added after revision 0003 were never stored by value: not in its table.
_BENEFICIAIRES_AT_0003 = [
    member
    for member in CategorieBeneficiaire
    if member.name in r0003.ENUMS["CategorieBeneficiaire"].values()
]


def _structures() -> list[Structure]:
    prestataires, beneficiaires = list(CategoriePrestataire), _BENEFICIAIRES_AT_0003
    return [
        Structure(
            id=f"s{number}",
            identifier=StructureIdentifier(IdentifierType.HORS_UE, f"ENTREPRISE-{number}"),
            company_name="ENTREPRISE",
            address=Address(street="1 rue", postal_code="1200", city="Genève", country="CH"),
            created_at=NOW,
            principal_manager_id="a1",
            purposes=frozenset(Purpose),
            status=list(StructureStatus)[number % 2],
            espaces=tuple(
                OpenEspace(
                    espace=espace,
                    services=frozenset({"DEFAUT"}),
                    # Each espace carries the parameter it asks for, so every
                    # member of both catégories is stored somewhere.
                    parameters=EspaceParameters(
                        categorie_prestataire=prestataires[number]
                        if espace.required_parameter is Parameter.CATEGORIE_PRESTATAIRE
                        else None,
                        categorie_beneficiaire=beneficiaires[number % len(beneficiaires)]
                        if espace.required_parameter is Parameter.CATEGORIE_BENEFICIAIRE
                        else None,
                    ),
                )
                for espace in Espace
            ),
        )
        for number in range(len(prestataires))
    ]


def _subscription(number: int, state: SubscriptionState) -> Subscription:
    return Subscription(
        id=f"x{number}",
        account_id=f"a{number}",
        structure_id="s0",
        espace=list(Espace)[number],
        service="DEFAUT",
        habilitation=list(Habilitation)[number % 2],
        requested_at=NOW,
        request_date=date(2018, 1, 11),
        state=state,
    )


# Kinds added after revision 0003 were never stored by value: not in its table.
_KINDS_AT_0003 = [
    kind
    for kind in ManagerActionKind
    if kind
    not in (
        ManagerActionKind.USER_LEFT,
        ManagerActionKind.USER_INVITED,
        ManagerActionKind.SIRET_CHANGED,
    )
]
_STATES_AT_0003 = [
    state
    for state in AttachmentState
    if state not in (AttachmentState.INVITED, AttachmentState.DECLINED)
]


def _events() -> list[events.DomainEvent]:
    at: dict[str, Any] = {"occurred_at": NOW, "account_id": "a1", "structure_id": "s0"}
    found: list[events.DomainEvent] = [
        events.StructureChanged(occurred_at=NOW, structure_id="s0", kind=kind, actor="a1")
        for kind in _KINDS_AT_0003
    ]
    # A decision's outcome is one a decision can lead to (the events refuse
    # others); the entities' documents carry every state.
    found += [
        events.AttachmentDecided(**at, attachment_id="r1", outcome=outcome, by="a1")
        for outcome in (AttachmentState.VALIDATED, AttachmentState.REFUSED)
    ]
    decided = [s for s in SubscriptionState if s is not SubscriptionState.EN_COURS_DE_VALIDATION]
    rights = list(Habilitation)
    found += [
        events.SubscriptionDecided(
            **at,
            subscription_id="x1",
            espace=espace,
            habilitation=rights[number % len(rights)],
            outcome=decided[number % len(decided)],
            by="a1",
        )
        for number, espace in enumerate(Espace)
    ]
    found.append(
        events.SubscriptionRequested(
            **at,
            subscription_id="x1",
            espace=Espace.FACTURES_RECUES,
            service="DEFAUT",
            habilitation=Habilitation.CONSULTATION_UNIQUEMENT,
        )
    )
    found.append(events.AccountActivated(occurred_at=NOW, account_id="a1"))
    return found


def _previous_release(target: str | Path) -> Engine:
    """A database as the release before this one left it: revision 0002, no Alembic."""
    engine = _engine(target)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # DDL inside this transaction
        command.upgrade(migrate.alembic_config(connection), "0002")
        connection.execute(text(f"DROP TABLE {migrate.VERSION_TABLE}"))
        connection.execute(text("DELETE FROM co_schema_version WHERE version = 1"))
    return engine


def test_every_enum_member_of_every_document_reads_back_after_the_upgrade(
    empty_database: str | Path,
) -> None:
    engine = _previous_release(empty_database)
    try:
        assert current_revision(engine) == "0002"
        louise = account()
        structures = _structures()
        attachments = [
            Attachment(
                id=f"r{number}",
                account_id=f"a{number}",
                structure_id="s0",
                requested_at=NOW,
                state=state,
            )
            for number, state in enumerate(_STATES_AT_0003)
        ]
        subscriptions = [_subscription(n, state) for n, state in enumerate(SubscriptionState)]
        actions = [
            ManagerAction(structure_id="s0", at=NOW, actor="a1", kind=kind)
            for kind in _KINDS_AT_0003
        ]
        recorded = _events()
        with engine.begin() as connection:
            connection.execute(
                schema.accounts.insert().values(
                    id=louise.id,
                    login_key=louise.login_email.key,
                    state=louise.state.value,
                    version=1,
                    document=_by_value(louise),
                )
            )
            for built in structures:
                connection.execute(
                    schema.structures.insert().values(
                        id=built.id,
                        identifier_key=built.identifier.key,
                        version=1,
                        document=_by_value(built),
                    )
                )
            for made in attachments:
                connection.execute(
                    schema.attachments.insert().values(
                        id=made.id,
                        account_id=made.account_id,
                        structure_id=made.structure_id,
                        state=made.state.value,
                        version=1,
                        document=_by_value(made),
                    )
                )
            for asked in subscriptions:
                connection.execute(
                    schema.subscriptions.insert().values(
                        id=asked.id,
                        account_id=asked.account_id,
                        structure_id=asked.structure_id,
                        service=asked.service,
                        espace=asked.espace.value,
                        state=asked.state.value,
                        version=1,
                        document=_by_value(asked),
                    )
                )
            connection.execute(
                schema.history.insert(),
                [{"structure_id": "s0", "document": _by_value(a)} for a in actions],
            )
            connection.execute(
                schema.outbox.insert(),
                [
                    {
                        "id": f"evt-{number}",
                        "event": event.name,
                        "created_at": NOW,
                        "document": _by_value(event),
                    }
                    for number, event in enumerate(recorded)
                ],
            )

        prepare(engine, upgrade=True)

        def same(kind: type, document: dict[str, Any], original: Any) -> None:
            assert codec.dump(codec.load(kind, document)) == codec.dump(original)

        rows: Any
        with engine.connect() as connection:
            (stored,) = connection.execute(select(schema.accounts.c.document)).scalars()
            same(Account, stored, louise)
            rows = connection.execute(
                select(schema.structures.c.id, schema.structures.c.document)
            ).all()
            by_id = {row.id: row.document for row in rows}
            for built in structures:
                same(Structure, by_id[built.id], built)
            rows = connection.execute(
                select(
                    schema.attachments.c.id,
                    schema.attachments.c.state,
                    schema.attachments.c.document,
                )
            ).all()
            by_id = {row.id: row for row in rows}
            for made in attachments:
                same(Attachment, by_id[made.id].document, made)
                assert by_id[made.id].state == made.state.name
            rows = connection.execute(select(schema.subscriptions)).all()
            by_id = {row.id: row for row in rows}
            for asked in subscriptions:
                same(Subscription, by_id[asked.id].document, asked)
                assert (by_id[asked.id].state, by_id[asked.id].espace) == (
                    asked.state.name,
                    asked.espace.name,
                )
            documents = connection.execute(
                select(schema.history.c.document).order_by(schema.history.c.seq)
            ).scalars()
            for action, document in zip(actions, documents, strict=True):
                same(ManagerAction, document, action)
            rows = connection.execute(
                select(schema.outbox.c.event, schema.outbox.c.document).order_by(
                    schema.outbox.c.seq
                )
            ).all()
            for event, row in zip(recorded, rows, strict=True):
                assert codec.load_event(row.event, row.document) == event
            history_kinds = [
                document["kind"]
                for document in connection.execute(select(schema.history.c.document)).scalars()
            ]
        assert history_kinds == [kind.name for kind in _KINDS_AT_0003]
        _assert_schema_is_the_metadata(engine)
    finally:
        release_engine(engine)


# --- what the codec writes and reads --------------------------------------------------


def test_documents_hold_enum_names_and_an_unknown_name_is_unreadable(tmp_path: Path) -> None:
    action = ManagerAction(
        structure_id="s1", at=NOW, actor="a1", kind=ManagerActionKind.STRUCTURE_CREATED
    )
    assert codec.dump(action)["kind"] == "STRUCTURE_CREATED"
    made = Attachment(id="r1", account_id="a1", structure_id="s1", requested_at=NOW)
    assert codec.dump(made)["state"] == "PENDING"

    engine = prepare(sqlite_engine(tmp_path / "db.sqlite3"))
    try:
        with engine.begin() as connection:
            connection.execute(
                schema.history.insert(),
                [
                    {"structure_id": "s1", "document": codec.dump(action)},
                    {"structure_id": "s2", "document": {**codec.dump(action), "kind": "UNKNOWN"}},
                    # A label, as the release before stored it: no longer a name.
                    {
                        "structure_id": "s3",
                        "document": {**codec.dump(action), "kind": "Création de la structure"},
                    },
                ],
            )
            connection.execute(
                schema.attachments.insert().values(
                    id="r1",
                    account_id="a1",
                    structure_id="s1",
                    state="PENDING",
                    version=1,
                    document={**codec.dump(made), "state": "EN_ATTENTE"},
                )
            )
        with SqlUnitOfWork(engine) as work:
            assert work.history.for_structure("s1") == [action]
            for structure_id in ("s2", "s3"):
                with pytest.raises(StoredDataUnreadable) as refused:
                    work.history.for_structure(structure_id)
                assert refused.value.params["what"] == "manager_action"
            with pytest.raises(StoredDataUnreadable) as refused:
                work.attachments.get("r1")
            assert refused.value.params == {"what": "attachment", "id": "r1"}
    finally:
        release_engine(engine)


# --- revision 0004: folded HORS_UE keys ----------------------------------------------


def _at_revision_0003(target: str | Path, named: dict[str, tuple[IdentifierType, str]]) -> Engine:
    """A database at revision 0003 holding one structure per id, keyed as 0003 keyed them."""
    engine = _engine(target)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # DDL inside this transaction
        command.upgrade(migrate.alembic_config(connection), "0003")
        for structure_id, (kind, typed) in named.items():
            (built,) = _structures()[:1]
            built = attrs.evolve(
                built, id=structure_id, identifier=StructureIdentifier(kind, typed)
            )
            connection.execute(
                schema.structures.insert().values(
                    id=structure_id,
                    identifier_key=f"{kind.value}:{built.identifier.value}",
                    version=1,
                    document=codec.dump(built),
                )
            )
    return engine


def _keys(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        found = connection.execute(
            select(schema.structures.c.id, schema.structures.c.identifier_key)
        )
        return {str(structure_id): str(key) for structure_id, key in found}


def test_revision_0004_folds_the_keys_of_hors_ue_structures_only(
    empty_database: str | Path,
) -> None:
    engine = _at_revision_0003(
        empty_database,
        {
            "s1": (IdentifierType.HORS_UE, "ＡＣＭＥ－１２３"),
            "s2": (IdentifierType.HORS_UE, "Globex  Ltd"),
            "s3": (IdentifierType.HORS_UE, "acme-124"),
            "s4": (IdentifierType.SIRET, "73282932000074"),
            "s5": (IdentifierType.UE_HORS_FRANCE, "ESA28015865"),
        },
    )
    try:
        prepare(engine, upgrade=True)
        assert current_revision(engine) == HEAD_REVISION
        assert _keys(engine) == {
            "s1": "HORS_UE:acme-123",
            "s2": "HORS_UE:globex ltd",
            "s3": "HORS_UE:acme-124",
            "s4": "SIRET:73282932000074",
            "s5": "UE_HORS_FRANCE:ESA28015865",
        }
        with SqlUnitOfWork(engine) as work:
            for typed in ("ACME-123", "acme-123", "ＡＣＭＥ－１２３"):
                found = work.structures.get_by_identifier(
                    StructureIdentifier(IdentifierType.HORS_UE, typed)
                )
                assert found is not None
                assert (found.id, found.identifier.value) == ("s1", "ＡＣＭＥ－１２３")
    finally:
        release_engine(engine)


def test_revision_0004_stops_on_identifiers_that_fold_alike_and_changes_nothing(
    empty_database: str | Path,
) -> None:
    engine = _at_revision_0003(
        empty_database,
        {
            "s1": (IdentifierType.HORS_UE, "ACME-123"),
            "s2": (IdentifierType.HORS_UE, "acme-123"),
            "s3": (IdentifierType.HORS_UE, "Globex"),
        },
    )
    try:
        before = _rows(empty_database)
        with pytest.raises(StructureAlreadyRegistered) as refused:
            prepare(engine, upgrade=True)
        assert refused.value.field == "identifier"
        assert refused.value.params["identifier"] == "ACME-123 (id s1), acme-123 (id s2)"
        assert _rows(empty_database) == before
        assert current_revision(engine) == "0003"
    finally:
        release_engine(engine)


# --- refusals -----------------------------------------------------------------------


def test_a_database_newer_than_the_library_is_refused(
    empty_database: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = prepare(_engine(empty_database))
    try:
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0099'"))
        for upgrade in (False, True):
            with pytest.raises(InvalidInput) as refused:
                _open(empty_database, upgrade=upgrade)
            assert refused.value.field == "database"
            assert refused.value.params["version"] == SCHEMA_VERSION
            assert f"(base au schéma de version {SCHEMA_VERSION} au plus attendu)" in str(
                refused.value
            )
        option = "--db" if isinstance(empty_database, Path) else "--url"
        assert main(["db", "current", option, str(empty_database)]) == 0
        assert "0099 (plus récente que cette version" in capsys.readouterr().out
        assert main(["db", "upgrade", option, str(empty_database)]) == 3
        assert f"base au schéma de version {SCHEMA_VERSION} au plus" in capsys.readouterr().err
    finally:
        release_engine(engine)


def test_tables_of_the_library_without_any_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE co_accounts (id TEXT)")
    connection.close()
    with pytest.raises(InvalidInput) as refused:
        _open(path, upgrade=True)
    assert refused.value.field == "database"


def test_db_upgrade_never_creates_a_missing_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.sqlite3"
    for arguments in (
        ["db", "upgrade", "--db", str(missing)],
        ["db", "current", "--db", str(missing)],
        ["db", "upgrade", "--url", f"sqlite:///{missing}"],
    ):
        assert main(arguments) == 3
        assert "fichier SQLite existant" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_creates_the_schema_of_an_existing_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.sqlite3"
    path.touch()
    assert main(["db", "current", "--db", str(path)]) == 0
    assert "aucune (base vide" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert f"Schéma créé : révision {HEAD_REVISION}." in capsys.readouterr().out
    assert main(["db", "current", "--db", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{HEAD_REVISION} (à jour)"


def test_the_demo_upgrades_its_file_on_its_own(
    v1_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", str(v1_file)]) == 0
    assert "passage n° 2" in capsys.readouterr().out  # the v1 file holds a first run's shop
    engine = sqlite_engine(v1_file)
    try:
        assert current_revision(engine) == HEAD_REVISION
    finally:
        release_engine(engine)


# --- two processes preparing one empty database at once ---------------------------------

PREPARE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    from chorus_onboarding import OnboardingService

    target, barrier, me = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    (barrier / me).touch()
    deadline = time.monotonic() + 60
    while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    if target.startswith("postgresql"):
        service = OnboardingService.from_url(target, demo_ports=True)
    else:
        service = OnboardingService.sqlite(target, demo_ports=True)
    service.close()
    print("prepared")
    """
)


def test_two_processes_preparing_one_empty_database_at_once_both_succeed(
    empty_database: str | Path, tmp_path: Path
) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", PREPARE, str(empty_database), str(barrier), name],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == "prepared"
    engine = _engine(empty_database)
    try:
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as connection:
            recorded = connection.execute(text("SELECT version FROM co_schema_version")).scalars()
            assert sorted(recorded) == list(range(1, SCHEMA_VERSION + 1))
            counters = connection.execute(text("SELECT name, value FROM co_counters")).all()
            assert [tuple(row) for row in counters] == [("assigned_identifiers", 0)]
        _assert_schema_is_the_metadata(engine)
    finally:
        release_engine(engine)


def test_upgrade_database_is_a_yes_or_no() -> None:
    with pytest.raises(InvalidInput) as refused:
        OnboardingSettings(upgrade_database="yes")  # type: ignore[arg-type]
    assert refused.value.field == "upgrade_database"
    assert OnboardingSettings().upgrade_database is False
