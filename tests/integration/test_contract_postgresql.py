"""The repository contract on PostgreSQL (a real server, started by bin/test)."""

from __future__ import annotations

from collections.abc import Callable

from chorus_onboarding.adapters.sql import SqlOutbox, SqlUnitOfWork
from chorus_onboarding.ports import Outbox, UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract
from tests.postgres import empty_postgres


class TestPostgresqlStore(RepositoryContract):
    """Every contract test, on an emptied PostgreSQL database."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        engine = empty_postgres()
        return (lambda: SqlUnitOfWork(engine)), SqlOutbox(engine)
