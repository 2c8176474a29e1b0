"""The PostgreSQL server of the test run: never silently missing in CI."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import Engine

from chorus_onboarding.testing.world import empty_database

URL = os.environ.get("CHORUS_TEST_POSTGRES_URL", "")


def require_postgres() -> str:
    """The server's URL; skips the test outside CI when there is none, fails in CI."""
    if not URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CHORUS_TEST_POSTGRES_URL is not set: bin/test starts PostgreSQL in CI")
        pytest.skip("no PostgreSQL server (bin/test starts one when the binaries are installed)")
    return URL


def empty_postgres() -> Engine:
    """An engine on the test database, emptied of the library's rows (the kit's emptying)."""
    return empty_database(require_postgres())
