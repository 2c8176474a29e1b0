"""The database schema: one table per aggregate, its state as a JSON document.

Each table keeps, beside the document, the columns that queries and the
database's own guarantees need: versions against lost updates, and unique
indexes (partial where only live rows count) so that the database itself
refuses a second account with the same login email, a second structure
with the same identifier, a second pending request of one user to one
structure, or a second live subscription to one espace and service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import DateTime, TypeDecorator

from ...domain.errors import InvalidInput, StorageUnavailable

SCHEMA_VERSION = 2
"""Bumped by every change of the schema; a migration takes one version to the next."""

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, read back as aware UTC (SQLite and PostgreSQL alike)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _document() -> Column[Any]:
    return Column("document", JSON, nullable=False)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False)


ID = 64

accounts = Table(
    "co_accounts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("login_key", String(320), nullable=False, unique=True),
    Column("state", String(32), nullable=False),
    Column("activation_deadline", UtcDateTime(), nullable=True),
    _version(),
    _document(),
)
Index(
    "co_accounts_pending_deadline",
    accounts.c.activation_deadline,
    postgresql_where=accounts.c.state == "ACTIVATION_PENDING",
    sqlite_where=accounts.c.state == "ACTIVATION_PENDING",
)

structures = Table(
    "co_structures",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("identifier_key", String(128), nullable=False, unique=True),
    _version(),
    _document(),
)

structure_managers = Table(
    "co_structure_managers",
    metadata,
    Column("structure_id", String(ID), primary_key=True),
    Column("account_id", String(ID), primary_key=True, index=True),
)

_LIVE_ATTACHMENT = "state IN ('PENDING', 'VALIDATED')"
attachments = Table(
    "co_attachments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), nullable=False, index=True),
    Column("structure_id", String(ID), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    _version(),
    _document(),
)
Index("co_attachments_member", attachments.c.account_id, attachments.c.structure_id)
Index(
    "co_attachments_one_live",
    attachments.c.account_id,
    attachments.c.structure_id,
    unique=True,
    postgresql_where=text(_LIVE_ATTACHMENT),
    sqlite_where=text(_LIVE_ATTACHMENT),
)

_LIVE_SUBSCRIPTION = "state IN ('EN_COURS_DE_VALIDATION', 'VALIDE')"
subscriptions = Table(
    "co_subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), nullable=False, index=True),
    Column("structure_id", String(ID), nullable=False, index=True),
    Column("service", String(64), nullable=False),
    Column("espace", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    _version(),
    _document(),
)
Index("co_subscriptions_member", subscriptions.c.account_id, subscriptions.c.structure_id)
Index(
    "co_subscriptions_one_live",
    subscriptions.c.account_id,
    subscriptions.c.structure_id,
    subscriptions.c.service,
    subscriptions.c.espace,
    unique=True,
    postgresql_where=text(_LIVE_SUBSCRIPTION),
    sqlite_where=text(_LIVE_SUBSCRIPTION),
)

history = Table(
    "co_history",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("structure_id", String(ID), nullable=False, index=True),
    _document(),
)

outbox = Table(
    "co_outbox",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", String(ID), nullable=False, unique=True),
    Column("event", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    _document(),
    # Version 2: retries with backoff and dead letters.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("dead_at", UtcDateTime(), nullable=True),
)
_WAITING = and_(outbox.c.delivered_at.is_(None), outbox.c.dead_at.is_(None))
OUTBOX_INDEXES = (
    Index(
        "co_outbox_waiting",
        outbox.c.seq,
        postgresql_where=_WAITING,
        sqlite_where=_WAITING,
    ),
    Index(
        "co_outbox_sent",
        outbox.c.delivered_at,
        postgresql_where=outbox.c.delivered_at.is_not(None),
        sqlite_where=outbox.c.delivered_at.is_not(None),
    ),
    Index(
        "co_outbox_dead",
        outbox.c.dead_at,
        postgresql_where=outbox.c.dead_at.is_not(None),
        sqlite_where=outbox.c.dead_at.is_not(None),
    ),
)

counters = Table(
    "co_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

schema_version = Table(
    "co_schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UtcDateTime(), nullable=False),
)


def create_schema(engine: Engine) -> None:
    """Create every table and index that does not exist yet, upgrade an older schema, record the version.

    Idempotent: running it on an up-to-date database changes nothing.
    """
    with engine.begin() as connection:
        found = _version_in(connection)
        if found is not None and found < 2:
            _upgrade_1_to_2(connection)
        metadata.create_all(connection)
        _record_version(connection)


def _version_in(connection: Connection) -> int | None:
    if not connection.dialect.has_table(connection, schema_version.name):
        return None
    rows = connection.execute(schema_version.select()).all()
    return max((row.version for row in rows), default=None)


def _upgrade_1_to_2(connection: Connection) -> None:
    """Version 1 to 2: the outbox learns retries and dead letters; no clear token stays.

    Version 1 events carried mail addresses and clear link tokens; version 2
    events are facts read by the notifier. Entries still waiting are set
    aside (listed by ``relay dead-letters``: resend the activation or reset
    from the library) with their tokens erased, delivered ones are kept as
    history with their tokens erased.
    """
    now = datetime.now(UTC)
    for column in (
        "attempts INTEGER NOT NULL DEFAULT 0",
        "due_at TIMESTAMP NULL",
        "last_error VARCHAR(500) NULL",
        "dead_at TIMESTAMP NULL",
    ):
        connection.execute(text(f"ALTER TABLE co_outbox ADD COLUMN {column}"))
    connection.execute(text("DROP INDEX IF EXISTS co_outbox_undelivered"))
    for index in OUTBOX_INDEXES:
        index.create(connection, checkfirst=True)
    rows = connection.execute(
        select(outbox.c.id, outbox.c.event, outbox.c.delivered_at, outbox.c.document)
    ).all()
    for row in rows:
        document = {k: ("" if k == "token" else v) for k, v in dict(row.document).items()}
        values: dict[str, Any] = {"document": document}
        if row.delivered_at is None:
            values |= {"dead_at": now, "last_error": f"format 1 : {row.event}", "attempts": 0}
        connection.execute(update(outbox).where(outbox.c.id == row.id).values(**values))


def _record_version(connection: Connection) -> None:
    found = connection.execute(
        schema_version.select().where(schema_version.c.version == SCHEMA_VERSION)
    )
    if found.first() is None:
        connection.execute(
            schema_version.insert().values(version=SCHEMA_VERSION, applied_at=datetime.now(UTC))
        )
    seeded = connection.execute(counters.select().where(counters.c.name == "assigned_identifiers"))
    if seeded.first() is None:
        connection.execute(counters.insert().values(name="assigned_identifiers", value=0))


def installed_version(engine: Engine) -> int | None:
    """The highest schema version recorded in the database, or None if it has none."""
    with engine.connect() as connection:
        return _version_in(connection)


def prepare(engine: Engine) -> Engine:
    """Check that the database is not newer than this library, create what is missing.

    Raises the library's errors: ``InvalidInput`` for a database made by a
    newer version, ``StorageUnavailable`` when it cannot be reached.
    """
    try:
        found = installed_version(engine)
        if found is not None and found > SCHEMA_VERSION:
            raise InvalidInput(
                field="database", expected=f"base au schéma de version {SCHEMA_VERSION} au plus"
            )
        create_schema(engine)
    except DBAPIError as error:
        raise StorageUnavailable() from error
    return engine
