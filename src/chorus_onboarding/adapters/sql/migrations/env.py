"""Alembic's entry point for the library's migrations: always on a connection the library passes.

The library builds its Alembic configuration in code
(``chorus_onboarding.adapters.sql.migrate``) and hands over a connection
already inside its transaction, under its lock: Alembic then neither opens
nor commits a transaction of its own, so that finding where the database
stands, stamping a database made before Alembic and upgrading it are one
transaction.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

VERSION_TABLE = "co_alembic_version"
"""Prefixed like the library's tables: a host's own Alembic keeps its ``alembic_version``."""


def run() -> None:
    """Run the migrations Alembic asks for on the connection the library passed."""
    if context.is_offline_mode():
        raise RuntimeError("the library's migrations run on a live connection only")
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("pass a connection in config.attributes['connection']")
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run()
