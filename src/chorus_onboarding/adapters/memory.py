"""The in-memory store and unit of work: the default that needs no setup.

It behaves like a database where it matters: a loaded entity is a copy, so a
use case that fails half-way changes nothing; commit checks versions (no lost
update) and unique keys, and writes the entities and their events together,
under one lock, all or nothing.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from ..domain.accounts import Account, AccountState
from ..domain.emails import EmailAddress
from ..domain.errors import ConcurrencyConflict, LoginEmailTaken, StructureAlreadyRegistered
from ..domain.identifiers import StructureIdentifier
from ..domain.structures import Structure
from ..ports import OutboxEntry

E = TypeVar("E", Account, Structure)


def _fields(entity: Any) -> tuple[Any, ...]:
    # Entities hold immutable values only, so a shallow tuple is a faithful
    # snapshot; recorded events are not state and are left out.
    return attrs.astuple(
        entity, recurse=False, filter=lambda attribute, _: attribute.name != "_pending_events"
    )


class _Table(Generic[E]):
    """The stored copies of one entity kind, with a unique index."""

    def __init__(
        self, what: str, key: Callable[[E], Hashable], duplicate: Callable[[E], Exception]
    ):
        self.what = what
        self.rows: dict[str, E] = {}
        self.unique: dict[Hashable, str] = {}
        self._key: Callable[[E], Hashable] = key
        self._duplicate: Callable[[E], Exception] = duplicate

    def check(self, entity: E, loaded_version: int | None) -> None:
        stored = self.rows.get(entity.id)
        if loaded_version is None:
            if stored is not None:
                raise ConcurrencyConflict(what=self.what)
        elif stored is None or stored.version != loaded_version:
            raise ConcurrencyConflict(what=self.what)
        owner = self.unique.get(self._key(entity))
        if owner is not None and owner != entity.id:
            raise self._duplicate(entity)

    def write(self, entity: E) -> E | None:
        previous = self.rows.get(entity.id)
        if previous is not None:
            del self.unique[self._key(previous)]
        stored = attrs.evolve(entity)
        self.rows[entity.id] = stored
        self.unique[self._key(stored)] = entity.id
        return previous

    def copy_of(self, entity_id: str) -> E | None:
        stored = self.rows.get(entity_id)
        return None if stored is None else attrs.evolve(stored)


class MemoryStore:
    """Everything the in-memory wiring keeps; share one store between units of work."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: _Table[Account] = _Table(
            "Le compte", lambda a: a.login_email.key, lambda _: LoginEmailTaken(field="login_email")
        )
        self.structures: _Table[Structure] = _Table(
            "La structure",
            lambda s: s.identifier.key,
            lambda s: StructureAlreadyRegistered(field="identifier", identifier=s.identifier.value),
        )
        # Pending activations sorted by deadline, so the expiry batch reads only
        # the overdue head of the list, not every account.
        self.deadlines: list[tuple[datetime, str]] = []
        self.outbox: dict[str, OutboxEntry] = {}
        self._outbox_sequence = 0

    def index_deadline(self, previous: Account | None, current: Account) -> None:
        """Keep :attr:`deadlines` in step with a written account."""
        for account, add in ((previous, False), (current, True)):
            if account is None or account.state is not AccountState.ACTIVATION_PENDING:
                continue
            if account.activation is None:
                continue
            entry = (account.activation.expires_at, account.id)
            if add:
                bisect.insort(self.deadlines, entry)
            else:
                position = bisect.bisect_left(self.deadlines, entry)
                if position < len(self.deadlines) and self.deadlines[position] == entry:
                    del self.deadlines[position]

    def next_outbox_id(self) -> str:
        """Outbox ids grow, so that delivery follows the order of events."""
        self._outbox_sequence += 1
        return f"evt-{self._outbox_sequence:012d}"


class _Repository(Generic[E]):
    def __init__(self, table: _Table[E], uow: MemoryUnitOfWork) -> None:
        self._table: _Table[E] = table
        self._uow = uow

    def add(self, entity: E) -> None:
        self._uow.track(entity, None)

    def get(self, entity_id: str) -> E | None:
        if not isinstance(entity_id, str):
            return None
        seen = self._uow.seen.get(entity_id)
        if seen is not None:
            entity: E = seen[0]
            return entity
        with self._uow.store.lock:
            copy = self._table.copy_of(entity_id)
        if copy is not None:
            self._uow.track(copy, copy.version)
        return copy

    def _by_unique(self, key: Hashable) -> E | None:
        with self._uow.store.lock:
            entity_id = self._table.unique.get(key)
        return None if entity_id is None else self.get(entity_id)


class MemoryAccountRepository(_Repository[Account]):
    """Accounts in a :class:`MemoryStore`."""

    def get_by_login_email(self, email: EmailAddress) -> Account | None:
        """The account with this login email, case-insensitively."""
        return self._by_unique(email.key)

    def overdue_activations(self, now: datetime, limit: int) -> list[str]:
        """Ids of accounts past their activation deadline, oldest deadline first."""
        with self._uow.store.lock:
            # Entries sort by (deadline, id) and every id sorts after "", so this
            # is the first entry whose deadline is not before ``now``: the link
            # stays valid at the deadline itself.
            end = bisect.bisect_left(self._uow.store.deadlines, (now, ""))
            return [account_id for _, account_id in self._uow.store.deadlines[: min(end, limit)]]


class MemoryStructureRepository(_Repository[Structure]):
    """Structures in a :class:`MemoryStore`."""

    def get_by_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure with this identifier."""
        return self._by_unique(identifier.key)

    def managed_by(self, account_id: str) -> list[Structure]:
        """The structures whose principal manager is ``account_id``."""
        with self._uow.store.lock:
            ids = [
                s.id
                for s in self._uow.store.structures.rows.values()
                if s.principal_manager_id == account_id
            ]
        return [s for s in map(self.get, ids) if s is not None]


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.accounts = MemoryAccountRepository(store.accounts, self)
        self.structures = MemoryStructureRepository(store.structures, self)
        # id -> (entity, version when loaded or None if new, snapshot when loaded)
        self.seen: dict[str, tuple[Any, int | None, tuple[Any, ...] | None]] = {}
        self._delivered: list[str] = []

    def track(self, entity: Account | Structure, loaded_version: int | None) -> None:
        """Remember an entity loaded or added in this unit of work."""
        snapshot = None if loaded_version is None else _fields(entity)
        self.seen[entity.id] = (entity, loaded_version, snapshot)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.seen.clear()
        self._delivered.clear()

    def _table(self, entity: Any) -> _Table[Any]:
        return self.store.accounts if isinstance(entity, Account) else self.store.structures

    def commit(self) -> None:
        """Check every change, then write them all with their events."""
        changed = [
            (entity, version)
            for entity, version, snapshot in self.seen.values()
            if version is None or _fields(entity) != snapshot
        ]
        recorded = [
            event
            for entity, _, _ in self.seen.values()
            if isinstance(entity, Account)
            for event in entity.pull_events()
        ]
        with self.store.lock:
            for entity, version in changed:
                self._table(entity).check(entity, version)
            for entity, _ in changed:
                entity.version += 1
                previous = self._table(entity).write(entity)
                if isinstance(entity, Account):
                    self.store.index_deadline(previous, entity)
            for event in recorded:
                entry_id = self.store.next_outbox_id()
                self.store.outbox[entry_id] = OutboxEntry(id=entry_id, event=event)
            for entry_id in self._delivered:
                self.store.outbox.pop(entry_id, None)
        # What was written is now what is stored: later changes compare to it.
        for entity, _, _ in list(self.seen.values()):
            self.track(entity, entity.version)
        self._delivered.clear()

    def pending_outbox(self, limit: int) -> list[OutboxEntry]:
        """The oldest undelivered outbox entries."""
        with self.store.lock:
            return [
                entry for _, entry in zip(range(limit), self.store.outbox.values(), strict=False)
            ]

    def mark_delivered(self, entry_id: str) -> None:
        """Drop the entry from the outbox at commit."""
        self._delivered.append(entry_id)
