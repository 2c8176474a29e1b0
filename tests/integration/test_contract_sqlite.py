"""The repository contract on SQLite."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from chorus_onboarding.adapters.sql import SqlUnitOfWork, prepare, sqlite_engine
from chorus_onboarding.ports import UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract


class TestSqliteStore(RepositoryContract):
    """Every contract test, on a fresh SQLite file."""

    def unit_of_work_factory(self) -> Callable[[], UnitOfWork]:
        folder = Path(tempfile.mkdtemp(prefix="chorus-contract-"))
        engine = prepare(sqlite_engine(folder / "store.sqlite3"))
        return lambda: SqlUnitOfWork(engine)
