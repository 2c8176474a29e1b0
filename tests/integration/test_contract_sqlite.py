"""The repository contract on SQLite."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from chorus_onboarding.adapters.sql import SqlOutbox, SqlUnitOfWork, prepare, sqlite_engine
from chorus_onboarding.ports import Outbox, UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract


class TestSqliteStore(RepositoryContract):
    """Every contract test, on a fresh SQLite file."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        folder = Path(tempfile.mkdtemp(prefix="chorus-contract-"))
        engine = prepare(sqlite_engine(folder / "store.sqlite3"))
        return (lambda: SqlUnitOfWork(engine)), SqlOutbox(engine)
