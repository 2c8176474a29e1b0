"""``db upgrade`` and ``db current``: the database's schema, on an existing database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.errors import ExtraNotInstalled
from .base import Commands, database_options, json_option, opening, report

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ..adapters.sql.migrate import SchemaStatus

db = Commands("db", help="The database's schema: its revision, its upgrade.")


@contextmanager
def _engine(database: str | Path) -> Iterator[Engine]:
    """An engine on the existing ``database``; whatever fails on it, the database is unavailable.

    Reading or upgrading the schema is all these commands do, so a refusal
    anywhere in them (a schema newer than this version...) is about the
    database itself.
    """
    with opening():
        try:
            from ..adapters.sql import engines
        except ImportError as error:
            raise ExtraNotInstalled(extra="sql").with_cause(error) from None
        from ..wiring import existing_database

        target = existing_database(database)
        engine = (
            engines.sqlite_engine(target)
            if isinstance(target, Path)
            else engines.url_engine(target)
        )
        try:
            yield engine
        finally:
            engines.release_engine(engine)


@db.command("current")
@database_options
@json_option
def current(database: str | Path) -> None:
    """Print the schema's revision.

    And what to do about it.
    """
    with _engine(database) as engine:
        from ..adapters.sql import migrate  # importable now: _engine checked the extra

        found = migrate.status(engine)
    report(_status_document(found), _describe(found))


@db.command("upgrade")
@database_options
@json_option
def upgrade(database: str | Path) -> None:
    """Upgrade the schema to the library's revision.

    Back the database up first.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic's start-up chatter says nothing about this database.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    with _engine(database) as engine:
        from ..adapters.sql import migrate  # importable now: _engine checked the extra

        before = migrate.status(engine)
        migrate.prepare(engine, upgrade=True)
        head = migrate.HEAD_REVISION
    if before.at_head:
        outcome, text = "current", f"Schéma déjà à jour : révision {head}."
    elif before.empty:
        outcome, text = "created", f"Schéma créé : révision {head}."
    else:
        outcome, text = "upgraded", f"Schéma mis à jour : révision {before.revision} → {head}."
    report({"outcome": outcome, "before": before.revision, "revision": head}, text)


def _status_document(found: SchemaStatus) -> dict[str, Any]:
    from ..adapters.sql.migrate import HEAD_REVISION

    return {
        "revision": found.revision,
        "head": HEAD_REVISION,
        "at_head": found.at_head,
        "behind": found.behind,
        "newer": found.newer,
        "empty": found.empty,
        "stamped": found.stamped,
        "recorded_version": found.recorded_version,
        "foreign_tables": list(found.foreign_tables),
    }


def _describe(found: SchemaStatus) -> str:
    """What ``db current`` prints: the revision, and what to do about it."""
    from ..adapters.sql.migrate import HEAD_REVISION, UPGRADE_COMMAND

    if found.foreign_tables:
        return "aucune : des tables co_ sans version (base créée par un autre outil ?)"
    if found.empty:
        return f"aucune (base vide : « db upgrade » y crée la révision {HEAD_REVISION})"
    if found.newer:
        return f"{found.revision} (plus récente que cette version, qui connaît {HEAD_REVISION} au plus)"
    if found.at_head:
        return f"{found.revision} (à jour)"
    made = (
        ""
        if found.stamped
        else f", base antérieure à Alembic (co_schema_version {found.recorded_version})"
    )
    return f"{found.revision}{made} : en retard sur {HEAD_REVISION}, lancez « {UPGRADE_COMMAND} »"
