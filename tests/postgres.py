"""The PostgreSQL server of the test run: never silently missing in CI."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from chorus_onboarding.adapters.sql import prepare, url_engine
from chorus_onboarding.adapters.sql.schema import metadata

URL = os.environ.get("CHORUS_TEST_POSTGRES_URL", "")


def require_postgres() -> str:
    """The server's URL; skips the test outside CI when there is none, fails in CI."""
    if not URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CHORUS_TEST_POSTGRES_URL is not set: bin/test starts PostgreSQL in CI")
        pytest.skip("no PostgreSQL server (bin/test starts one when the binaries are installed)")
    return URL


_ENGINE: Engine | None = None


def empty_postgres() -> Engine:
    """An engine on the test database, emptied of the library's rows."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = prepare(url_engine(require_postgres()), upgrade=True)
    tables = ", ".join(
        table.name for table in metadata.sorted_tables if table.name != "co_schema_version"
    )
    with _ENGINE.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
        connection.execute(
            text("INSERT INTO co_counters (name, value) VALUES ('assigned_identifiers', 0)")
        )
    return _ENGINE
