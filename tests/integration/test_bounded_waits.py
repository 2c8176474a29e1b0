"""Bounded waits and uniform storage errors: locks, hung servers, slow statements, damaged rows.

Every wait on a database has a bound (``OnboardingSettings.database_*``), and
the same situation gives the same library error on SQLite and PostgreSQL: a
wait past its bound ``StorageUnavailable``, a lost race ``ConcurrencyConflict``,
a document that cannot be read back ``StoredDataUnreadable``.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import create_engine, make_url, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from chorus_onboarding import Actor, OnboardingService, OnboardingSettings, StructureNaming
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.sql import (
    SqlUnitOfWork,
    database_waits,
    release_engine,
    schema,
    sqlite_engine,
    url_engine,
)
from chorus_onboarding.adapters.sql import engines as sql_engines
from chorus_onboarding.adapters.sql.uow import _failure
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.errors import (
    ConcurrencyConflict,
    InvalidInput,
    StorageUnavailable,
    StoredDataUnreadable,
)
from chorus_onboarding.ports import OutgoingEmail
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, opened
from chorus_onboarding.testing.world import LOUISE, PASSWORD, World
from tests.postgres import empty_postgres, require_postgres

ONE_SECOND = timedelta(seconds=1)
# What a wait may take beyond its bound: thread switches and round trips on a
# busy machine, far below a bound that was not applied at all.
SLACK = 1.0


def _engine_of(service: OnboardingService) -> Engine:
    engine = service.ports.unit_of_work().engine  # type: ignore[attr-defined]
    assert isinstance(engine, Engine)
    return engine


@pytest.fixture
def services() -> Iterator[Callable[..., OnboardingService]]:
    """Builds services on a database; gives their engines back at the end of the test."""
    built: list[OnboardingService] = []

    def build(target: str | Path, **ports: Any) -> OnboardingService:
        ports = {"hasher": FastInsecureHasher(), "ids": SequentialIds(), **ports}
        if isinstance(target, Path):
            service = OnboardingService.sqlite(target, demo_ports=True, **ports)
        else:
            service = OnboardingService.from_url(target, demo_ports=True, **ports)
        built.append(service)
        return service

    yield build
    for service in built:
        release_engine(_engine_of(service))


def _world(service: OnboardingService, clock: FrozenClock, mailbox: MemoryMailbox) -> World:
    """A world on ``service`` where Louise is active and manages her shop."""
    world = World(service, clock, mailbox)
    world.active_user()
    return world


def _louise(world: World) -> str:
    """Louise's account id, read without writing anything."""
    with SqlUnitOfWork(_engine_of(world.service)) as uow:
        account = uow.accounts.get_by_login_email(EmailAddress.parse(LOUISE))
    assert account is not None
    return account.id


def _postgres_world(
    services: Callable[..., OnboardingService], **settings: Any
) -> tuple[World, str]:
    url = require_postgres()
    empty_postgres()
    clock, mailbox = FrozenClock(), MemoryMailbox()
    service = services(url, settings=OnboardingSettings(**settings), clock=clock, mailer=mailbox)
    return _world(service, clock, mailbox), url


def _timed(call: Callable[[], object]) -> tuple[Exception, float]:
    """The error ``call`` raised and the seconds it took."""
    started = time.monotonic()
    try:
        call()
    except Exception as error:
        return error, time.monotonic() - started
    raise AssertionError("expected an error")


# --- settings and engine arguments -----------------------------------------------


def test_the_bounds_have_sensible_defaults_shared_by_the_settings_and_the_engines() -> None:
    settings = OnboardingSettings()
    assert settings.database_connect_timeout == timedelta(seconds=5)
    assert settings.database_lock_timeout == timedelta(seconds=5)
    assert settings.database_statement_timeout == timedelta(seconds=30)
    assert database_waits(settings) == {
        "connect_timeout": sql_engines.DEFAULT_CONNECT_TIMEOUT,
        "lock_timeout": sql_engines.DEFAULT_LOCK_TIMEOUT,
        "statement_timeout": sql_engines.DEFAULT_STATEMENT_TIMEOUT,
    }
    assert database_waits(None) == {}


LONGEST = {
    "connect_timeout": sql_engines.LONGEST_CONNECT_TIMEOUT,
    "lock_timeout": sql_engines.LONGEST_LOCK_TIMEOUT,
    "statement_timeout": sql_engines.LONGEST_STATEMENT_TIMEOUT,
}


@pytest.mark.parametrize("name", sorted(LONGEST))
def test_settings_and_engines_accept_the_same_bounds_and_refuse_the_same_junk(
    name: str, tmp_path: Path
) -> None:
    longest = LONGEST[name]
    setting = f"database_{name}"
    widest: dict[str, Any] = {setting: longest}
    assert getattr(OnboardingSettings(**widest), setting) == longest
    release_engine(sqlite_engine(tmp_path / "bounds.sqlite3", **{name: longest}))
    for junk in (timedelta(0), -ONE_SECOND, longest + timedelta(milliseconds=1), 5, 5.0, None):
        wrong: dict[str, Any] = {name: junk}
        wrong_setting: dict[str, Any] = {setting: junk}
        with pytest.raises(InvalidInput) as refused:
            OnboardingSettings(**wrong_setting)
        assert refused.value.field == setting
        with pytest.raises(InvalidInput) as refused:
            sqlite_engine(tmp_path / "bounds.sqlite3", **wrong)
        assert refused.value.field == name
        with pytest.raises(InvalidInput) as refused:
            url_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", **wrong)
        assert refused.value.field == name


def test_the_engine_cache_keys_on_the_bounds_and_forgets_an_engine_its_last_user_released(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    first = sqlite_engine(path)
    assert sqlite_engine(path) is first
    assert url_engine(f"sqlite:///{path}") is first  # one file, one engine, however named
    other = sqlite_engine(path, lock_timeout=2 * ONE_SECOND)
    assert other is not first
    # The other bounds do not apply to SQLite: they make no second engine.
    assert sqlite_engine(path, statement_timeout=ONE_SECOND) is first
    for _ in range(4):
        assert first in _cached()
        release_engine(first)
    assert first not in _cached()
    assert other in _cached()
    release_engine(other)
    release_engine(other)  # released already: nothing happens
    assert other not in _cached()
    again = sqlite_engine(path)
    assert again is not first
    release_engine(again)
    with pytest.raises(InvalidInput):
        release_engine("engine")  # type: ignore[arg-type]


def _cached() -> list[Engine]:
    return [held.engine for held in sql_engines._ENGINES.values()]


def test_a_released_engine_still_works_on_a_pool_of_its_own(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "released.sqlite3")
    release_engine(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_a_service_that_cannot_be_built_gives_its_engine_back(tmp_path: Path) -> None:
    before = set(map(id, _cached()))
    with pytest.raises(StorageUnavailable):
        OnboardingService.sqlite(tmp_path / "missing-folder" / "db.sqlite3", demo_ports=True)
    assert set(map(id, _cached())) == before


# --- the URL kept whole ------------------------------------------------------------


def test_a_sqlite_url_keeps_its_query_a_shared_memory_database_and_no_stray_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: Callable[..., OnboardingService]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///file:bounded-waits-shared?mode=memory&cache=shared&uri=true"
    clock, mailbox = FrozenClock(), MemoryMailbox()
    world = _world(services(url, clock=clock, mailer=mailbox), clock, mailbox)
    other = services(url, clock=clock, mailer=MemoryMailbox())
    assert _engine_of(other) is _engine_of(world.service)
    assert opened(other.login(LOUISE, PASSWORD)).account_id is not None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:private?mode=memory&uri=true",  # each connection its own database
        "sqlite:///file::memory:?uri=true",
        "sqlite:///stray.sqlite3?mode=memory&cache=shared",  # without uri=true: a file
    ],
)
def test_a_sqlite_url_each_connection_would_see_differently_is_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput) as refused:
        OnboardingService.from_url(url, demo_ports=True)
    assert refused.value.field == "url"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://chorus@127.0.0.1:port/base",  # a port that is not a number
        "sqlite:///kept.sqlite3?timeout=longtemps",  # a driver argument of the wrong type
        "nosuchdb://somewhere/base",
    ],
)
def test_a_url_the_driver_cannot_use_is_the_library_s_error(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput) as refused:
        url_engine(url)
    assert refused.value.field == "url"


def test_a_postgres_url_keeps_its_options_and_gets_the_bounds(
    services: Callable[..., OnboardingService],
) -> None:
    url = require_postgres()
    empty_postgres()
    settings = OnboardingSettings(
        database_lock_timeout=timedelta(milliseconds=1500),
        database_statement_timeout=timedelta(seconds=7),
    )
    named = make_url(url).update_query_dict({"options": "-c application_name=bounded-waits"})
    service = services(named.render_as_string(hide_password=False), settings=settings)
    with _engine_of(service).connect() as connection:
        shown = {
            name: connection.execute(text(f"SHOW {name}")).scalar()
            for name in ("lock_timeout", "statement_timeout", "application_name")
        }
    assert shown == {
        "lock_timeout": "1500ms",
        "statement_timeout": "7s",
        "application_name": "bounded-waits",
    }


# --- waits past their bound: StorageUnavailable --------------------------------------


def test_a_row_lock_held_by_another_session_is_storage_unavailable_within_the_bound(
    services: Callable[..., OnboardingService],
) -> None:
    world, url = _postgres_world(services, database_lock_timeout=ONE_SECOND)
    holder = create_engine(url)
    try:
        with holder.connect() as connection, connection.begin():
            connection.execute(
                text("SELECT id FROM co_accounts WHERE login_key = :key FOR UPDATE"),
                {"key": LOUISE},
            )
            # A failed login writes the account: it waits for the row.
            error, took = _timed(lambda: world.service.login(LOUISE, "Pas-Le-Bon-1!"))
        assert type(error) is StorageUnavailable, error
        assert 1.0 - 0.1 <= took < 1.0 + SLACK
    finally:
        holder.dispose()
    assert world.log_in(LOUISE, PASSWORD).account_id is not None  # lock gone: works


def test_a_statement_past_its_bound_is_storage_unavailable_even_a_read(
    services: Callable[..., OnboardingService],
) -> None:
    world, url = _postgres_world(
        services, database_lock_timeout=5 * ONE_SECOND, database_statement_timeout=ONE_SECOND
    )
    holder = create_engine(url)
    try:
        with holder.connect() as connection, connection.begin():
            # Even readers wait behind this lock: the statement bound ends the wait.
            connection.execute(text("LOCK TABLE co_accounts IN ACCESS EXCLUSIVE MODE"))
            error, took = _timed(lambda: world.service.login(LOUISE, PASSWORD))
        assert type(error) is StorageUnavailable, error
        assert 1.0 - 0.1 <= took < 1.0 + SLACK
        cause = error.__cause__
        assert isinstance(cause, OperationalError)
        assert getattr(cause.orig, "sqlstate", None) == "57014"
    finally:
        holder.dispose()


def test_a_deadlock_is_a_concurrency_conflict_even_outside_the_commit(
    services: Callable[..., OnboardingService],
) -> None:
    world, _ = _postgres_world(services)
    world.active_user("paul.martin@exemple.fr", "90830166600016")
    engine = _engine_of(world.service)
    with engine.connect() as connection:
        ids = list(connection.execute(select(schema.accounts.c.id).order_by(schema.accounts.c.id)))
    first, second = (row.id for row in ids)
    barrier = threading.Barrier(2, timeout=20)
    results: list[object] = [None, None]

    def touch(index: int, order: tuple[str, str]) -> None:
        table = schema.accounts
        try:
            with SqlUnitOfWork(engine) as uow:
                for position, account_id in enumerate(order):
                    uow.execute(
                        update(table)
                        .where(table.c.id == account_id)
                        .values(version=table.c.version)
                    )
                    if position == 0:
                        barrier.wait()
                results[index] = "done"
        except (ConcurrencyConflict, StorageUnavailable) as error:
            results[index] = error

    threads = [
        threading.Thread(target=touch, args=(0, (first, second))),
        threading.Thread(target=touch, args=(1, (second, first))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(type, results), key=str) == sorted([str, ConcurrencyConflict], key=str)


class _SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                self.accepted.append(self.socket.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self.accepted:
            connection.close()
        self.socket.close()


def test_a_server_that_never_answers_is_storage_unavailable_within_the_connect_bound() -> None:
    server = _SilentServer()
    before = set(map(id, _cached()))
    try:
        # psycopg waits 2 seconds at least, whatever is asked.
        settings = OnboardingSettings(database_connect_timeout=2 * ONE_SECOND)
        error, took = _timed(
            lambda: OnboardingService.from_url(
                f"postgresql+psycopg://chorus@127.0.0.1:{server.port}/hung",
                settings=settings,
                demo_ports=True,
            )
        )
        assert type(error) is StorageUnavailable, error
        assert took < 2.0 + SLACK
        assert server.accepted, "the connection reached the silent server"
    finally:
        server.close()
    assert set(map(id, _cached())) == before


def test_a_write_transaction_held_on_sqlite_is_storage_unavailable_within_the_bound(
    tmp_path: Path, services: Callable[..., OnboardingService]
) -> None:
    path = tmp_path / "held.sqlite3"
    clock, mailbox = FrozenClock(), MemoryMailbox()
    settings = OnboardingSettings(database_lock_timeout=ONE_SECOND)
    world = _world(services(path, settings=settings, clock=clock, mailer=mailbox), clock, mailbox)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        # A read goes on: WAL readers never wait for the writer.
        assert world.service.account(Actor.user(_louise(world))).login_email == LOUISE
        # A write waits for the bound; so does a read by support, which logs itself.
        for call in (
            lambda: world.service.login(LOUISE, "Pas-Le-Bon-1!"),
            lambda: world.service.account(Actor.support(), _louise(world)),
        ):
            error, took = _timed(call)
            assert type(error) is StorageUnavailable, error
            assert 1.0 - 0.1 <= took < 1.0 + SLACK
    finally:
        holder.close()
    assert world.log_in(LOUISE, PASSWORD).account_id is not None


@attrs.frozen
class _Orig:
    """What a driver's exception carries: PostgreSQL's SQLSTATE or SQLite's error name."""

    sqlstate: str | None = None
    sqlite_errorname: str | None = None


@pytest.mark.parametrize(
    ("orig", "expected"),
    [
        (_Orig(sqlstate="40001"), ConcurrencyConflict),  # serialization failure
        (_Orig(sqlstate="40P01"), ConcurrencyConflict),  # deadlock
        (_Orig(sqlite_errorname="SQLITE_BUSY_SNAPSHOT"), ConcurrencyConflict),  # stale snapshot
        (_Orig(sqlstate="55P03"), StorageUnavailable),  # lock wait past lock_timeout
        (_Orig(sqlstate="57014"), StorageUnavailable),  # statement past statement_timeout
        (_Orig(sqlstate="08006"), StorageUnavailable),  # connection lost
        (_Orig(sqlite_errorname="SQLITE_BUSY"), StorageUnavailable),  # past the busy timeout
        (_Orig(sqlite_errorname="SQLITE_IOERR"), StorageUnavailable),
    ],
)
def test_one_situation_one_error_on_both_databases(orig: _Orig, expected: type) -> None:
    assert type(_failure(OperationalError("statement", {}, orig))) is expected  # type: ignore[arg-type]


# --- damaged documents: StoredDataUnreadable ---------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, services: Callable[..., OnboardingService]
) -> Callable[..., OnboardingService]:
    """Builds services on one database of the backend under test."""
    if request.param == "postgresql":
        url = require_postgres()
        empty_postgres()
        return lambda **ports: services(url, **ports)
    return lambda **ports: services(tmp_path / "damaged.sqlite3", **ports)


class _FlakyMailer(MemoryMailbox):
    """Fails while ``down``: the events wait in the outbox."""

    down = False

    def send(self, email: OutgoingEmail) -> None:
        if self.down:
            raise ConnectionError("mail server unavailable")
        super().send(email)


@attrs.frozen
class _Rows:
    world: World
    engine: Engine
    ids: dict[str, str]


@pytest.fixture
def rows(database: Callable[..., OnboardingService]) -> _Rows:
    """A structure with a manager, a member, an attachment and a subscription."""
    clock, mailbox = FrozenClock(), _FlakyMailer()
    world = _world(database(clock=clock, mailer=mailbox), clock, mailbox)
    louise = Actor.user(_louise(world))
    paul = world.user_without_structure("paul.martin@exemple.fr")
    (shop,) = world.service.search_structures(paul, StructureNaming(siret="52601815500014"))
    attachment = world.service.request_attachment(paul, shop.id)
    world.service.validate_attachment(louise, attachment)
    subscription = world.service.request_subscription(paul, shop.id, "FACTURES_EMISES")
    ids = {
        "account": str(louise.account_id),
        "structure": shop.id,
        "attachment": attachment,
        "subscription": subscription,
    }
    return _Rows(world, _engine_of(world.service), ids)


TABLES = {
    "account": (schema.accounts, "accounts", "login_email", "state"),
    "structure": (schema.structures, "structures", "identifier", "status"),
    "attachment": (schema.attachments, "attachments", "account_id", "state"),
    "subscription": (schema.subscriptions, "subscriptions", "espace", "state"),
}


def _damages(document: dict[str, Any], required: str, enum_field: str) -> list[object]:
    return [
        {key: value for key, value in document.items() if key != required},  # a missing field
        {**document, enum_field: "PAS_UNE_VALEUR"},  # an unknown enum value
        {**document, "created_at": "hier", "requested_at": "hier"},  # not a date
        {**document, "id": ["a", "list"]},  # a wrong type
        ["not", "an", "object"],  # a wrong shape
        "texte",
        42,
    ]


@pytest.mark.parametrize("what", sorted(TABLES))
def test_a_damaged_document_in_each_entity_table_is_stored_data_unreadable_naming_it(
    what: str, rows: _Rows
) -> None:
    table, repository, required, enum_field = TABLES[what]
    row_id = rows.ids[what]
    with rows.engine.connect() as connection:
        original = connection.execute(
            select(table.c.document).where(table.c.id == row_id)
        ).scalar_one()
    for damaged in _damages(original, required, enum_field):
        with rows.engine.begin() as connection:
            connection.execute(update(table).where(table.c.id == row_id).values(document=damaged))
        with SqlUnitOfWork(rows.engine) as uow, pytest.raises(StoredDataUnreadable) as refused:
            getattr(uow, repository).get(row_id)
        assert refused.value.params == {"what": what, "id": row_id}, damaged
        assert refused.value.code == "stored_data_unreadable"
        assert isinstance(refused.value, StorageUnavailable)
    with rows.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == row_id).values(document=original))
    with SqlUnitOfWork(rows.engine) as uow:
        assert getattr(uow, repository).get(row_id) is not None


def test_a_use_case_reading_a_damaged_account_says_which_in_both_languages(rows: _Rows) -> None:
    account_id = rows.ids["account"]
    table = schema.accounts
    with rows.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == account_id).values(document=[]))
    with pytest.raises(StoredDataUnreadable) as refused:
        rows.world.service.account(Actor.support(), account_id)
    assert str(refused.value) == (
        f"Donnée enregistrée illisible : compte {account_id}. "
        "Signalez-le à l'administrateur du service."
    )
    assert refused.value.to_dict("en") == {
        "code": "stored_data_unreadable",
        "field": None,
        "message": f"Unreadable stored data: account {account_id}. "
        "Report it to the service's administrator.",
        "params": {"what": "account", "id": account_id},
    }


# Documents of the right shape holding what the value objects refuse when built.
_REFUSED_VALUES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "naive-datetime": lambda document: {
        **document,
        **{key: "2018-01-04T09:05:10" for key in ("occurred_at", "at") if key in document},
    },
    "empty-ids": lambda document: {
        **document,
        **{key: "" for key in document if key.endswith("_id") or key == "actor"},
    },
    "id-too-long": lambda document: {
        **document,
        **{key: "x" * 201 for key in document if key.endswith("_id") or key == "actor"},
    },
}


@pytest.mark.parametrize(
    "damage", [lambda _: {}, *_REFUSED_VALUES.values()], ids=["empty", *_REFUSED_VALUES]
)
def test_a_damaged_history_entry_is_stored_data_unreadable(
    damage: Callable[[dict[str, Any]], dict[str, Any]], rows: _Rows
) -> None:
    history = schema.history
    with rows.engine.begin() as connection:
        seq, document = connection.execute(
            select(history.c.seq, history.c.document).order_by(history.c.seq).limit(1)
        ).one()
        connection.execute(
            update(history).where(history.c.seq == seq).values(document=damage(document))
        )
    louise = Actor.user(rows.ids["account"])
    with pytest.raises(StoredDataUnreadable) as refused:
        rows.world.service.manager_history(louise, rows.ids["structure"])
    assert refused.value.params == {"what": "manager_action", "id": str(seq)}


@pytest.mark.parametrize(
    "damage",
    [
        {"document": {"login_email": 5}},
        {"event": "NoSuchEvent"},
        {"document": "texte"},
        *_REFUSED_VALUES.values(),
    ],
    ids=["bad-document", "unknown-event", "not-an-object", *_REFUSED_VALUES],
)
def test_a_damaged_outbox_entry_is_unreadable_and_does_not_hold_up_the_ones_behind_it(
    damage: dict[str, object] | Callable[[dict[str, Any]], dict[str, Any]], rows: _Rows
) -> None:
    world = rows.world
    mailer = world.mailbox
    assert isinstance(mailer, _FlakyMailer)
    mailer.down = True
    world.register("jeanne@gaec-plateau.fr", "39099603100014")
    world.register("marc@cabinet-martin.fr", "94821993600010")
    outbox = schema.outbox
    with rows.engine.begin() as connection:
        waiting = list(
            connection.execute(
                select(outbox.c.id).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.seq)
            ).scalars()
        )
        damaged = waiting[0]  # Jeanne's, the oldest
        if callable(damage):
            document = connection.execute(
                select(outbox.c.document).where(outbox.c.id == damaged)
            ).scalar_one()
            damage = {"document": damage(document)}
        connection.execute(update(outbox).where(outbox.c.id == damaged).values(**damage))
    mailer.down = False
    world.clock.advance(minutes=5)  # past the retry of the failed sends
    # The damaged entry is set aside; the relay sends the ones behind it.
    assert world.service.deliver_notifications() >= 1
    assert mailer.sent[-1].to == ("marc@cabinet-martin.fr",)
    (dead,) = world.service.relay.dead_letters()
    assert dead.id == damaged
