"""The repository contract on SQLite."""

from __future__ import annotations

from collections.abc import Callable

from chorus_onboarding.adapters.sql import (
    SqlOutbox,
    SqlUnitOfWork,
    prepare,
    release_engine,
    sqlite_engine,
)
from chorus_onboarding.ports import Outbox, UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract


class TestSqliteStore(RepositoryContract):
    """Every contract test, on a fresh SQLite file, deleted with its engine after the test."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        engine = prepare(sqlite_engine(self.folder() / "store.sqlite3"))
        self.add_cleanup(lambda: release_engine(engine))
        return (lambda: SqlUnitOfWork(engine)), SqlOutbox(engine)
