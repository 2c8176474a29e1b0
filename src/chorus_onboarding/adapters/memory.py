"""The in-memory store and unit of work: the default that needs no setup.

It behaves like a database where it matters: a loaded entity is a copy, so a
use case that fails half-way changes nothing; commit checks versions (no lost
update) and unique keys, and writes the entities, the manager history and
the events together, under one lock, all or nothing. Secondary indexes keep
every query proportional to what it returns, never to the size of the store.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic

from attrs import define

from ..domain.accounts import Account, AccountState
from ..domain.attachments import Attachment
from ..domain.emails import EmailAddress
from ..domain.errors import ConcurrencyConflict, IdentifierReplaced
from ..domain.history import ManagerAction
from ..domain.identifiers import StructureIdentifier
from ..domain.structures import Structure
from ..domain.subscriptions import Subscription
from ..domain.support_log import SupportAction
from ..ports import DeadLetter, OutboxEntry
from .kinds import ACCOUNTS, ATTACHMENTS, STRUCTURES, SUBSCRIPTIONS, EntityKind
from .snapshots import E, Entity, TrackingUnitOfWork, copy


class _Table(Generic[E]):
    """The stored copies of one entity kind, with its unique rule and its lookups."""

    def __init__(self, kind: EntityKind[E]) -> None:
        self.kind: EntityKind[E] = kind
        self.what = kind.name
        self.rows: dict[str, E] = {}
        self.unique: dict[Hashable, str] = {}
        self.indexes: dict[str, dict[Hashable, set[str]]] = {name: {} for name in kind.lookups}
        self._unique_key: Callable[[E], Hashable | None] = kind.unique_key
        self._duplicate: Callable[[E], Exception] = kind.duplicate
        self._index_keys: Mapping[str, Callable[[E], Iterable[Hashable]]] = kind.lookups

    def check(
        self, entity: E, loaded_version: int | None, rewritten: dict[str, Hashable | None]
    ) -> None:
        stored = self.rows.get(entity.id)
        if loaded_version is None:
            if stored is not None:
                raise ConcurrencyConflict(what=self.what)
        elif stored is None or stored.version != loaded_version:
            raise ConcurrencyConflict(what=self.what)
        key = self._unique_key(entity)
        owner = None if key is None else self.unique.get(key)
        # An owner rewritten in the same commit may be giving the key up
        # (a request withdrawn while a new one is made).
        if owner is not None and owner in rewritten and rewritten[owner] != key:
            owner = None
        if owner is not None and owner != entity.id:
            raise self._duplicate(entity)

    def key_of(self, entity: E) -> Hashable | None:
        return self._unique_key(entity)

    def _unindex(self, entity: E) -> None:
        key = self._unique_key(entity)
        if key is not None:
            self.unique.pop(key, None)
        for name, keys in self._index_keys.items():
            for index_key in keys(entity):
                ids = self.indexes[name].get(index_key)
                if ids is not None:
                    ids.discard(entity.id)
                    if not ids:
                        del self.indexes[name][index_key]

    def write(self, entity: E) -> E | None:
        previous = self.rows.get(entity.id)
        if previous is not None:
            self._unindex(previous)
        stored = copy(entity)
        self.rows[entity.id] = stored
        key = self._unique_key(stored)
        if key is not None:
            self.unique[key] = entity.id
        for name, keys in self._index_keys.items():
            for index_key in keys(stored):
                self.indexes[name].setdefault(index_key, set()).add(entity.id)
        return previous

    def copy_of(self, entity_id: str) -> E | None:
        stored = self.rows.get(entity_id)
        return None if stored is None else copy(stored)

    def index_keys(self, index: str, entity: E) -> Iterable[Hashable]:
        return self._index_keys[index](entity)

    def ids(self, index: str, key: Hashable) -> list[str]:
        return sorted(self.indexes[index].get(key, ()))


@define
class _Queued:
    """An outbox entry and where it stands."""

    entry: OutboxEntry
    due: datetime | None = None
    claimed_until: datetime | None = None
    error: str = ""


class MemoryStore:
    """Everything the in-memory wiring keeps; share one store between units of work."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: _Table[Account] = _Table(ACCOUNTS)
        self.structures: _Table[Structure] = _Table(STRUCTURES)
        self.attachments: _Table[Attachment] = _Table(ATTACHMENTS)
        self.subscriptions: _Table[Subscription] = _Table(SUBSCRIPTIONS)
        self._tables: dict[type, _Table[Any]] = {
            table.kind.entity: table
            for table in (self.accounts, self.structures, self.attachments, self.subscriptions)
        }
        # Pending activations sorted by deadline, so the expiry batch reads only
        # the overdue head of the list, not every account.
        self.deadlines: list[tuple[datetime, str]] = []
        self.history: dict[str, list[ManagerAction]] = {}
        # The support log in order of writing, and where each account's,
        # structure's and agent's actions are in it.
        self.support_log: list[SupportAction] = []
        self.support_index: dict[tuple[str, str], list[int]] = {}
        # Identifier key -> the structure that had it before a change of SIRET.
        self.replaced: dict[str, str] = {}
        # The outbox: entries waiting (in order), sent (until purged), set aside.
        self.outbox: dict[str, _Queued] = {}
        self.sent: dict[str, datetime] = {}
        self.dead: dict[str, DeadLetter] = {}
        self.dead_entries: dict[str, OutboxEntry] = {}
        self._outbox_sequence = 0
        self._assigned_numbers = 0

    def table(self, entity: Entity) -> _Table[Any]:
        """The table that stores ``entity``'s kind."""
        return self._tables[type(entity)]

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

    def check_identifiers(self, structure: Structure) -> None:
        """Refuse a structure taking an identifier some structure had before a change of SIRET."""
        owner = self.replaced.get(structure.identifier.key)
        if owner is not None:
            now_known = self.structures.rows.get(owner)
            raise IdentifierReplaced(
                field="siret",
                identifier=structure.identifier.value,
                replaced_by=now_known.identifier.value if now_known else "",
            )

    def index_replaced(self, structure: Structure) -> None:
        """Keep :attr:`replaced` in step with a written structure's former identifiers."""
        for former in structure.former_identifiers:
            self.replaced[former.identifier.key] = structure.id

    def next_outbox_id(self) -> str:
        """Outbox ids grow, so that delivery follows the order of events."""
        self._outbox_sequence += 1
        return f"evt-{self._outbox_sequence:012d}"

    def next_assigned_number(self) -> int:
        """The next number for identifiers the library assigns (particuliers...)."""
        with self.lock:
            self._assigned_numbers += 1
            return self._assigned_numbers


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
            # Ids are unique across kinds: one loaded as another kind is none of this one.
            entity: E = seen[0]
            return entity if isinstance(entity, self._table.kind.entity) else None
        with self._uow.store.lock:
            copy = self._table.copy_of(entity_id)
        if copy is not None:
            self._uow.track(copy, copy.version)
        return copy

    def _by_unique(self, key: Hashable) -> E | None:
        with self._uow.store.lock:
            entity_id = self._table.unique.get(key)
        return None if entity_id is None else self.get(entity_id)

    def _by_index(self, index: str, key: Hashable) -> list[E]:
        with self._uow.store.lock:
            ids = self._table.ids(index, key)
        found = [entity for entity in map(self.get, ids) if entity is not None]
        # Entities added in this unit of work are not indexed yet.
        staged = [
            entity
            for entity, version, _ in self._uow.seen.values()
            if version is None
            and self._uow.store.table(entity) is self._table
            and entity.id not in ids
            and key in self._table.index_keys(index, entity)
        ]
        return found + staged


class MemoryAccountRepository(_Repository[Account]):
    """Accounts in a :class:`MemoryStore`."""

    def get_by_login_email(self, email: EmailAddress) -> Account | None:
        """The account with this login email, case-insensitively."""
        return self._by_unique((email.key,))

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
        return self._by_unique((identifier.key,))

    def get_by_former_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure that had this identifier before a change of SIRET."""
        with self._uow.store.lock:
            structure_id = self._uow.store.replaced.get(identifier.key)
        return None if structure_id is None else self.get(structure_id)

    def managed_by(self, account_id: str) -> list[Structure]:
        """The structures ``account_id`` manages (as principal or delegated manager)."""
        return self._by_index("manager", account_id)

    def next_assigned_number(self) -> int:
        """A number never handed out before, for an identifier the library assigns."""
        return self._uow.store.next_assigned_number()


class MemoryAttachmentRepository(_Repository[Attachment]):
    """Attachments in a :class:`MemoryStore`."""

    def for_member(self, account_id: str, structure_id: str) -> list[Attachment]:
        """Every attachment of this user to this structure, whatever its state."""
        return self._by_index("member", (account_id, structure_id))

    def for_structure(self, structure_id: str) -> list[Attachment]:
        """Every attachment to this structure."""
        return self._by_index("structure", structure_id)

    def for_account(self, account_id: str) -> list[Attachment]:
        """Every attachment of this user."""
        return self._by_index("account", account_id)


class MemorySubscriptionRepository(_Repository[Subscription]):
    """Subscriptions in a :class:`MemoryStore`."""

    def for_member(self, account_id: str, structure_id: str) -> list[Subscription]:
        """Every subscription of this user on this structure, whatever its state."""
        return self._by_index("member", (account_id, structure_id))

    def for_structure(self, structure_id: str) -> list[Subscription]:
        """Every subscription on this structure."""
        return self._by_index("structure", structure_id)

    def for_account(self, account_id: str) -> list[Subscription]:
        """Every subscription of this user."""
        return self._by_index("account", account_id)


class MemoryHistory:
    """The manager actions of each structure, append-only."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, action: ManagerAction) -> None:
        """Record ``action``; written at commit with the change it describes."""
        self._uow.staged_history.append(action)

    def for_structure(self, structure_id: str) -> list[ManagerAction]:
        """The structure's actions, oldest first."""
        with self._uow.store.lock:
            return list(self._uow.store.history.get(structure_id, ()))


class MemorySupportLog:
    """The support desk's log, append-only."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, action: SupportAction) -> None:
        """Record ``action``; written at commit with what it describes."""
        self._uow.staged_support.append(action)

    def _find(self, key: tuple[str, str]) -> list[SupportAction]:
        if not isinstance(key[1], str):
            return []
        store = self._uow.store
        with store.lock:
            return [store.support_log[i] for i in store.support_index.get(key, ())]

    def for_account(self, account_id: str) -> list[SupportAction]:
        """The actions on this account, oldest first."""
        return self._find(("account", account_id))

    def for_structure(self, structure_id: str) -> list[SupportAction]:
        """The actions on this structure, oldest first."""
        return self._find(("structure", structure_id))

    def by_actor(self, actor: str) -> list[SupportAction]:
        """The actions of this agent, oldest first."""
        return self._find(("actor", actor))


def _support_keys(action: SupportAction) -> list[tuple[str, str]]:
    keys = [("actor", action.actor)]
    if action.account_id is not None:
        keys.append(("account", action.account_id))
    if action.structure_id is not None:
        keys.append(("structure", action.structure_id))
    return keys


class MemoryUnitOfWork(TrackingUnitOfWork):
    """A unit of work over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__()
        self.store = store
        self.accounts = MemoryAccountRepository(store.accounts, self)
        self.structures = MemoryStructureRepository(store.structures, self)
        self.attachments = MemoryAttachmentRepository(store.attachments, self)
        self.subscriptions = MemorySubscriptionRepository(store.subscriptions, self)
        self.history = MemoryHistory(self)
        self.support_log = MemorySupportLog(self)

    def commit(self) -> None:
        """Check every change, then write them all with their history and events."""
        changed, recorded = self.changes()
        with self.store.lock:
            rewritten = {
                entity.id: self.store.table(entity).key_of(entity)
                for entity, version in changed
                if version is not None
            }
            for entity, version in changed:
                if isinstance(entity, Structure):
                    self.store.check_identifiers(entity)
                self.store.table(entity).check(entity, version, rewritten)
            for entity, _ in changed:
                entity.version += 1
                previous = self.store.table(entity).write(entity)
                if isinstance(entity, Account):
                    self.store.index_deadline(previous, entity)
                elif isinstance(entity, Structure):
                    self.store.index_replaced(entity)
            for action in self.staged_history:
                self.store.history.setdefault(action.structure_id, []).append(action)
            for support in self.staged_support:
                for key in _support_keys(support):
                    self.store.support_index.setdefault(key, []).append(len(self.store.support_log))
                self.store.support_log.append(support)
            for event in recorded:
                entry_id = self.store.next_outbox_id()
                self.store.outbox[entry_id] = _Queued(OutboxEntry(id=entry_id, event=event))
        self.settle()


class MemoryOutbox:
    """The relay's side of a :class:`MemoryStore`'s outbox."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def claim(self, limit: int, now: datetime, lease: timedelta) -> list[OutboxEntry]:
        """Claim the oldest due entries that no relay holds."""
        claimed: list[OutboxEntry] = []
        with self.store.lock:
            for queued in self.store.outbox.values():
                if len(claimed) >= limit:
                    break
                if queued.due is not None and queued.due > now:
                    continue
                if queued.claimed_until is not None and queued.claimed_until > now:
                    continue
                queued.claimed_until = now + lease
                claimed.append(queued.entry)
        return claimed

    def mark_sent(self, entry_ids: Sequence[str], now: datetime) -> None:
        """Move these entries to the sent ones."""
        with self.store.lock:
            for entry_id in entry_ids:
                if self.store.outbox.pop(entry_id, None) is not None:
                    self.store.sent[entry_id] = now

    def retry_later(self, entry_id: str, error: str, at: datetime) -> None:
        """Count a failed attempt; due again at ``at``."""
        with self.store.lock:
            queued = self.store.outbox.get(entry_id)
            if queued is not None:
                entry = queued.entry
                queued.entry = OutboxEntry(entry.id, entry.event, entry.attempts + 1)
                queued.due, queued.claimed_until, queued.error = at, None, error

    def set_aside(self, entry_id: str, error: str, now: datetime) -> None:
        """Move the entry to the dead letters."""
        with self.store.lock:
            queued = self.store.outbox.pop(entry_id, None)
            if queued is not None:
                entry = queued.entry
                self.store.dead_entries[entry_id] = entry
                self.store.dead[entry_id] = DeadLetter(
                    entry_id, entry.event.name, entry.attempts + 1, error, now
                )

    def release(self, entry_ids: Sequence[str]) -> None:
        """Drop the claims on these entries."""
        with self.store.lock:
            for entry_id in entry_ids:
                queued = self.store.outbox.get(entry_id)
                if queued is not None:
                    queued.claimed_until = None

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        """The entries set aside, oldest first."""
        with self.store.lock:
            return list(self.store.dead.values())[:limit]

    def requeue(self, entry_ids: Sequence[str], now: datetime) -> int:
        """Put dead letters back in the queue (in their original order), attempts reset."""
        moved = 0
        with self.store.lock:
            for entry_id in entry_ids:
                entry = self.store.dead_entries.pop(entry_id, None)
                if entry is None:
                    continue
                del self.store.dead[entry_id]
                self.store.outbox[entry_id] = _Queued(OutboxEntry(entry.id, entry.event), now)
                moved += 1
            ordered = sorted(self.store.outbox.items())
            self.store.outbox.clear()
            self.store.outbox.update(ordered)
        return moved

    def purge_sent(self, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` entries sent before ``before``."""
        with self.store.lock:
            old = [i for i, at in self.store.sent.items() if at < before][:limit]
            for entry_id in old:
                del self.store.sent[entry_id]
        return len(old)

    def backlog(self) -> int:
        """How many entries wait."""
        with self.store.lock:
            return len(self.store.outbox)
