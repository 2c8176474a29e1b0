"""The repository contract on the in-memory store."""

from __future__ import annotations

from collections.abc import Callable

from chorus_onboarding.adapters.memory import MemoryStore, MemoryUnitOfWork
from chorus_onboarding.ports import UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract


class TestMemoryStore(RepositoryContract):
    """Every contract test, on a fresh MemoryStore."""

    def unit_of_work_factory(self) -> Callable[[], UnitOfWork]:
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)
