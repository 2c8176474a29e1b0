"""The repository contract on the in-memory store."""

from __future__ import annotations

from collections.abc import Callable

from chorus_onboarding.adapters.memory import MemoryOutbox, MemoryStore, MemoryUnitOfWork
from chorus_onboarding.ports import Outbox, UnitOfWork
from chorus_onboarding.testing.contract import RepositoryContract


class TestMemoryStore(RepositoryContract):
    """Every contract test, on a fresh MemoryStore."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        store = MemoryStore()
        return (lambda: MemoryUnitOfWork(store)), MemoryOutbox(store)
