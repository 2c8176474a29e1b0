"""The database schema: one table per aggregate, its state as a JSON document.

Each table keeps, beside the document, the columns that queries and the
database's own guarantees need: versions against lost updates, and unique
indexes (partial where only live rows count) so that the database itself
refuses a second account with the same login email, a second structure
with the same identifier (or one taking an identifier a structure had
before it changed SIRET), a second live attachment (asked, offered or
validated) of one user to one structure, or a second live subscription to
one espace and service.

These tables describe the head revision only. The database gets them from
the migrations (``migrations/versions``): a change here goes with a new
revision, and a test checks that the revisions build exactly these tables.
Enum columns hold member names (``PENDING``), never display labels.
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
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.types import DateTime, TypeDecorator

from . import migrate

SCHEMA_VERSION = migrate.SCHEMA_VERSION
"""The version the head revision records in ``co_schema_version`` (revision ``000n`` records ``n``)."""

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


def _seq() -> Column[int]:
    """The order of writing, for the append-only tables."""
    return Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


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

# Revision 0007: the identifiers structures had before a change of SIRET.
replaced_identifiers = Table(
    "co_replaced_identifiers",
    metadata,
    Column("identifier_key", String(128), primary_key=True),
    Column("structure_id", String(ID), nullable=False, index=True),
    Column("replaced_at", UtcDateTime(), nullable=False),
)

_LIVE_ATTACHMENT = "state IN ('PENDING', 'INVITED', 'VALIDATED')"
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
    _seq(),
    Column("structure_id", String(ID), nullable=False, index=True),
    _document(),
)

support_log = Table(
    "co_support_log",
    metadata,
    _seq(),
    # Revision 0006: who of support did what, on which account or structure.
    Column("account_id", String(ID), nullable=True, index=True),
    Column("structure_id", String(ID), nullable=True, index=True),
    Column("actor", String(200), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    _document(),
)

outbox = Table(
    "co_outbox",
    metadata,
    _seq(),
    Column("id", String(ID), nullable=False, unique=True),
    Column("event", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    _document(),
    # Revision 0002: retries with backoff and dead letters.
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
    """Bring the database to the head revision: create the schema if it has none, upgrade an older one.

    Idempotent: running it on an up-to-date database changes nothing. The
    same as :func:`prepare` with ``upgrade=True``, for deployment scripts.
    """
    migrate.prepare(engine, upgrade=True)


def installed_version(engine: Engine) -> int | None:
    """The highest schema version recorded in ``co_schema_version``, or None if it has none."""
    return migrate.installed_version(engine)


def prepare(engine: Engine, *, upgrade: bool = False) -> Engine:
    """Check the database's schema; create it if the database is empty; upgrade it only if asked.

    Raises the library's errors: ``SchemaOutdated`` for a database at an
    older revision unless ``upgrade`` is true, ``InvalidInput`` (field
    ``database``) for a database made by a newer version, and
    ``StorageUnavailable`` when it cannot be reached.
    """
    return migrate.prepare(engine, upgrade=upgrade)
