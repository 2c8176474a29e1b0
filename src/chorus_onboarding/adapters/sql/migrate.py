"""Schema migrations with Alembic: where a database stands, and bringing it to the head revision.

The revisions ship inside the package (``migrations/``) and run
programmatically: the Alembic configuration is built here, in code, and
handed the connection to work on; no ``alembic.ini`` is read.

Databases made before Alembic carry only ``co_schema_version`` (1 for the
first release, 2 for the next): they are stamped with the matching
revision, then upgraded like any other. Each revision still records its
number in ``co_schema_version``, so that those earlier releases, which read
only that table, refuse a database upgraded past them.

Preparation is one transaction under a lock: PostgreSQL's advisory lock
:data:`SCHEMA_LOCK_KEY`, SQLite's write lock (``BEGIN IMMEDIATE``). Of two
processes preparing the same empty database at once, one creates the
schema and the other, once the lock is free, finds it done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from attrs import frozen
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ...domain.errors import InvalidInput, SchemaOutdated, StorageUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
"""The Alembic script directory shipped with the package."""

REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
"""Every revision of the schema, oldest first (the files in ``migrations/versions``)."""

HEAD_REVISION = REVISIONS[-1]
"""The revision this version of the library reads and writes."""

SCHEMA_VERSION = len(REVISIONS)
"""What the head revision records in ``co_schema_version``: revision ``000n`` records ``n``."""

VERSION_TABLE = "co_alembic_version"
"""Alembic's version table, prefixed like the library's tables (a host's own Alembic keeps ``alembic_version``)."""

SCHEMA_TABLE = "co_schema_version"
"""The version table of the releases before Alembic, still written by every revision."""

SCHEMA_LOCK_KEY = int.from_bytes(b"chorusOB", "big")
"""The PostgreSQL advisory lock (``pg_advisory_xact_lock``) held while a schema is prepared."""

_SCHEMA_WAIT_MS = 120_000
"""How long preparing a database waits for another process preparing it (two minutes)."""

UPGRADE_COMMAND = "python -m chorus_onboarding db upgrade"
"""The command that upgrades a database, as the library's errors name it."""

_LEGACY = {version: REVISIONS[version - 1] for version in range(1, SCHEMA_VERSION + 1)}

log = logging.getLogger("chorus_onboarding.migrations")


@frozen
class SchemaStatus:
    """Where a database's schema stands.

    ``revision`` is the Alembic revision recorded in ``co_alembic_version``,
    or the one matching ``co_schema_version`` for a database made before
    Alembic (``stamped`` False), or None for a database without the
    library's tables. ``recorded_version`` is the highest number in
    ``co_schema_version``; ``foreign_tables`` the ``co_`` tables of a
    database that has no version at all.
    """

    revision: str | None
    stamped: bool
    recorded_version: int | None
    foreign_tables: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """No schema of the library yet: it is created at the head revision."""
        return self.revision is None and not self.foreign_tables

    @property
    def newer(self) -> bool:
        """Made by a later release: a revision or a version this library does not know."""
        unknown = self.revision is not None and self.revision not in REVISIONS
        return unknown or (self.recorded_version or 0) > SCHEMA_VERSION

    @property
    def at_head(self) -> bool:
        """Up to date: nothing to do."""
        return self.revision == HEAD_REVISION and self.stamped and not self.newer

    @property
    def behind(self) -> bool:
        """At an older revision (stamped or not): an upgrade brings it to the head."""
        return self.revision in REVISIONS and not self.at_head and not self.newer


def status(engine: Engine) -> SchemaStatus:
    """Where the database's schema stands (reads only, takes no lock).

    Raises ``StorageUnavailable`` when the database cannot be reached.
    """
    try:
        with engine.connect() as connection:
            return _status(connection)
    except (DBAPIError, PoolTimeout) as error:
        raise StorageUnavailable() from error


def prepare(engine: Engine, *, upgrade: bool = False) -> Engine:
    """Check the database's schema; create it if empty; upgrade it if behind and ``upgrade``.

    Raises ``SchemaOutdated`` for a database at an older revision without
    ``upgrade``, ``InvalidInput`` (field ``database``) for one newer than
    this library or holding ``co_`` tables it did not make, and
    ``StorageUnavailable`` when the database cannot be reached or fails.
    """
    found = status(engine)
    _check(found, upgrade=upgrade)
    if found.at_head:
        return engine
    try:
        with _locked(engine) as connection:
            # Again under the lock: another process may have done it meanwhile.
            found = _status(connection)
            _check(found, upgrade=upgrade)
            if not found.at_head:
                _upgrade(connection, found)
    except (DBAPIError, PoolTimeout) as error:
        raise StorageUnavailable() from error
    return engine


def _check(found: SchemaStatus, *, upgrade: bool) -> None:
    if found.newer:
        raise InvalidInput(
            field="database",
            expected="base au schéma de version {version} au plus",
            version=SCHEMA_VERSION,
        )
    if found.foreign_tables:
        raise InvalidInput(
            field="database",
            expected="base vide ou créée par chorus-onboarding (co_schema_version)",
        )
    if found.behind and not upgrade:
        raise SchemaOutdated(
            revision=found.revision or "", head=HEAD_REVISION, command=UPGRADE_COMMAND
        )


def _status(connection: Connection) -> SchemaStatus:
    has = connection.dialect.has_table
    recorded = None
    if has(connection, SCHEMA_TABLE):
        recorded = connection.execute(text(f"SELECT MAX(version) FROM {SCHEMA_TABLE}")).scalar()
    if has(connection, VERSION_TABLE):
        stamped = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        revisions = list(stamped)
        if revisions:
            # One line of revisions, hence one row; several would be another
            # tool's branches, which no revision here knows.
            return SchemaStatus(revision=max(revisions), stamped=True, recorded_version=recorded)
    if recorded is not None:
        revision = _LEGACY.get(recorded, f"version {recorded}")
        return SchemaStatus(revision=revision, stamped=False, recorded_version=recorded)
    ours = inspect(connection).get_table_names()
    return SchemaStatus(
        revision=None,
        stamped=False,
        recorded_version=None,
        foreign_tables=tuple(sorted(name for name in ours if name.startswith("co_"))),
    )


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock until it commits."""
    with engine.connect() as connection:
        restore: int | None = None
        if connection.dialect.name == "sqlite":
            # Another process may be upgrading: wait for it as long as an
            # upgrade may take, not the few seconds an ordinary write waits.
            restore = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {_SCHEMA_WAIT_MS}")
            # The write lock now, not at the first write: the second process
            # waits here (the busy timeout) instead of reading a schema that
            # is being created. pysqlite opens no transaction of its own
            # before DDL, so ours is the one every statement runs in.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {_SCHEMA_WAIT_MS}")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        finally:
            if restore is not None:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {restore}")
        connection.commit()


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration of the library's migrations, working on ``connection``.

    Built in code (no ``alembic.ini``): ``script_location`` points into the
    package, and the connection goes to ``migrations/env.py`` through
    ``config.attributes``. For Alembic's own commands (``history``,
    ``upgrade`` to a given revision...) on a connection the caller holds in
    a transaction; :func:`prepare` is what the library itself runs.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, found: SchemaStatus) -> None:
    """Stamp a database made before Alembic, then upgrade it to the head, in the caller's transaction."""
    from alembic import command
    from alembic.util import CommandError

    if connection.dialect.name == "postgresql":
        # Rewriting every document of a large database may take longer than a
        # request may: the statement bound is for use cases, not for upgrades.
        connection.execute(text("SET LOCAL statement_timeout = 0"))
    if connection.dialect.name == "sqlite":
        # Version 1 kept clear link tokens: what a revision erases must not
        # stay behind in the file's free space (the setting is this connection's).
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    config = alembic_config(connection)
    try:
        if found.revision is not None and not found.stamped:
            log.info(
                "database made before Alembic (co_schema_version %s): stamping revision %s",
                found.recorded_version,
                found.revision,
            )
            command.stamp(config, found.revision)
        log.info(
            "upgrading the schema from %s to %s, in one transaction",
            found.revision or "nothing",
            HEAD_REVISION,
        )
        command.upgrade(config, HEAD_REVISION)
    except CommandError as error:  # the scripts and the database disagree
        raise StorageUnavailable() from error
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete = OFF")
    log.info("schema at revision %s", HEAD_REVISION)


def installed_version(engine: Engine) -> int | None:
    """The highest schema version recorded in ``co_schema_version``, or None if it has none."""
    return status(engine).recorded_version


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database (``"0001"``...), or None when it has no schema yet.

    A database made before Alembic reports the revision its
    ``co_schema_version`` matches.
    """
    return status(engine).revision
