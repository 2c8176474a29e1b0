"""The unit of work and repositories on SQLAlchemy Core.

Reads load copies; commit writes, in one transaction, every changed entity
(an UPDATE guarded by the version it was loaded with, so a stale write
changes nothing and raises ``ConcurrencyConflict``), the manager history and
the events (transactional outbox). A unique index refusing a row becomes the
library's duplicate error, a lost race ``ConcurrencyConflict``, any other
failure or wait past its bound ``StorageUnavailable``, a stored document that
cannot be read back ``StoredDataUnreadable``: no database exception leaves
this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ...domain import events
from ...domain.accounts import Account
from ...domain.attachments import Attachment
from ...domain.emails import EmailAddress
from ...domain.errors import (
    ConcurrencyConflict,
    IdentifierReplaced,
    OnboardingError,
    StorageUnavailable,
    StoredDataUnreadable,
)
from ...domain.history import ManagerAction
from ...domain.identifiers import StructureIdentifier
from ...domain.structures import Structure
from ...domain.subscriptions import Subscription
from ...domain.support_log import SupportAction
from ..kinds import KINDS, kind_of
from ..snapshots import E, Entity, TrackingUnitOfWork
from . import codec, schema


def _columns(entity: Entity) -> dict[str, Any]:
    """The indexed columns written beside an entity's document."""
    return kind_of(entity).columns(entity)


def _table(entity_class: type) -> Table:
    return schema.metadata.tables[KINDS[entity_class].table]


class _Repository(Generic[E]):
    def __init__(self, kind: type[E], uow: SqlUnitOfWork) -> None:
        self._kind: type[E] = kind
        self._table = _table(kind)
        self._uow = uow

    def add(self, entity: E) -> None:
        self._uow.track(entity, None)

    def _load(self, row: Any) -> E:
        seen = self._uow.seen.get(row.id)
        if seen is not None:
            entity: E = seen[0]
            return entity
        loaded: E = _decoded(KINDS[self._kind].name, row.id, codec.load, self._kind, row.document)
        loaded.version = row.version
        self._uow.track(loaded, row.version)
        return loaded

    def _where(self, *conditions: Any) -> list[E]:
        query = select(self._table.c.id, self._table.c.version, self._table.c.document)
        stored = all(_keyable(condition.right.value) for condition in conditions)
        rows = self._uow.rows(query.where(*conditions)) if stored else []
        found = [self._load(row) for row in rows]
        known = {entity.id for entity in found}
        # Entities added in this unit of work are not in the database yet.
        staged = [
            entity
            for entity, version, _ in self._uow.seen.values()
            if version is None and isinstance(entity, self._kind) and entity.id not in known
        ]
        return found + [entity for entity in staged if self._matches(entity, conditions)]

    @staticmethod
    def _matches(entity: E, conditions: tuple[Any, ...]) -> bool:
        values = {**_columns(entity), "id": entity.id}
        return all(values.get(c.left.name) == c.right.value for c in conditions)

    def get(self, entity_id: str) -> E | None:
        if not isinstance(entity_id, str):
            return None
        seen = self._uow.seen.get(entity_id)
        if seen is not None:
            # Ids are unique across kinds: one loaded as another kind is none of this one.
            entity: E = seen[0]
            return entity if isinstance(entity, self._kind) else None
        found = self._where(self._table.c.id == entity_id)
        return found[0] if found else None


class SqlAccountRepository(_Repository[Account]):
    """Accounts in the database."""

    def get_by_login_email(self, email: EmailAddress) -> Account | None:
        """The account with this login email, case-insensitively."""
        found = self._where(self._table.c.login_key == email.key)
        return found[0] if found else None

    def overdue_activations(self, now: datetime, limit: int) -> list[str]:
        """Ids of accounts past their activation deadline (read through the deadline index)."""
        table = schema.accounts
        query = (
            select(table.c.id, table.c.version, table.c.document)
            .where(table.c.state == "ACTIVATION_PENDING", table.c.activation_deadline < now)
            .order_by(table.c.activation_deadline, table.c.id)
            .limit(limit)
        )
        # The batch reads them all next: load them now, in the same query,
        # rather than one more round trip per account.
        return [self._load(row).id for row in self._uow.rows(query)]


class SqlStructureRepository(_Repository[Structure]):
    """Structures in the database."""

    def get_by_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure with this identifier."""
        found = self._where(self._table.c.identifier_key == identifier.key)
        return found[0] if found else None

    def get_by_former_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure that had this identifier before a change of SIRET."""
        replaced = schema.replaced_identifiers
        key = identifier.key
        if not _keyable(key):
            return None
        rows = self._uow.rows(
            select(replaced.c.structure_id).where(replaced.c.identifier_key == key)
        )
        return self.get(rows[0].structure_id) if rows else None

    def managed_by(self, account_id: str) -> list[Structure]:
        """The structures ``account_id`` manages (principal or delegated)."""
        managers = schema.structure_managers
        query = select(managers.c.structure_id).where(managers.c.account_id == account_id)
        ids = [row.structure_id for row in self._uow.rows(query)] if _keyable(account_id) else []
        found = [s for s in map(self.get, ids) if s is not None]
        staged = [
            entity
            for entity, version, _ in self._uow.seen.values()
            if version is None and isinstance(entity, Structure) and entity.is_manager(account_id)
        ]
        return found + [s for s in staged if s.id not in ids]

    def next_assigned_number(self) -> int:
        """The next number from a counter the database increments atomically."""
        counters = schema.counters
        self._uow.execute(
            update(counters)
            .where(counters.c.name == "assigned_identifiers")
            .values(value=counters.c.value + 1)
        )
        (row,) = self._uow.rows(
            select(counters.c.value).where(counters.c.name == "assigned_identifiers")
        )
        return int(row.value)


class _MemberRepository(_Repository[E]):
    def for_member(self, account_id: str, structure_id: str) -> list[E]:
        return self._where(
            self._table.c.account_id == account_id, self._table.c.structure_id == structure_id
        )

    def for_structure(self, structure_id: str) -> list[E]:
        return self._where(self._table.c.structure_id == structure_id)

    def for_account(self, account_id: str) -> list[E]:
        return self._where(self._table.c.account_id == account_id)


class SqlAttachmentRepository(_MemberRepository[Attachment]):
    """Attachments in the database (queries by member, structure or account read an index)."""


class SqlSubscriptionRepository(_MemberRepository[Subscription]):
    """Subscriptions in the database (queries by member, structure or account read an index)."""


class SqlHistory:
    """The manager history, append-only."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, action: ManagerAction) -> None:
        """Record ``action``; written at commit."""
        self._uow.staged_history.append(action)

    def for_structure(self, structure_id: str) -> list[ManagerAction]:
        """The structure's actions, oldest first."""
        if not _keyable(structure_id):
            return []
        table = schema.history
        rows = self._uow.rows(
            select(table.c.seq, table.c.document)
            .where(table.c.structure_id == structure_id)
            .order_by(table.c.seq)
        )
        return [
            _decoded("manager_action", row.seq, codec.load, ManagerAction, row.document)
            for row in rows
        ]


class SqlSupportLog:
    """The support desk's log, append-only."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, action: SupportAction) -> None:
        """Record ``action``; written at commit."""
        self._uow.staged_support.append(action)

    def _where(self, column: str, value: str) -> list[SupportAction]:
        if not isinstance(value, str) or not _keyable(value):
            return []
        table = schema.support_log
        rows = self._uow.rows(
            select(table.c.seq, table.c.document)
            .where(table.c[column] == value)
            .order_by(table.c.seq)
        )
        return [
            _decoded("support_action", row.seq, codec.load, SupportAction, row.document)
            for row in rows
        ]

    def for_account(self, account_id: str) -> list[SupportAction]:
        """The actions on this account, oldest first."""
        return self._where("account_id", account_id)

    def for_structure(self, structure_id: str) -> list[SupportAction]:
        """The actions on this structure, oldest first."""
        return self._where("structure_id", structure_id)

    def by_actor(self, actor: str) -> list[SupportAction]:
        """The actions of this agent, oldest first."""
        return self._where("actor", actor)


class SqlUnitOfWork(TrackingUnitOfWork):
    """One transaction on the database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self.accounts = SqlAccountRepository(Account, self)
        self.structures = SqlStructureRepository(Structure, self)
        self.attachments = SqlAttachmentRepository(Attachment, self)
        self.subscriptions = SqlSubscriptionRepository(Subscription, self)
        self.history = SqlHistory(self)
        self.support_log = SqlSupportLog(self)
        self._connection: Connection | None = None

    # --- connection ---------------------------------------------------------------

    def _open(self) -> Connection:
        if self._connection is None:
            try:
                self._connection = self.engine.connect()
                self._connection.begin()
            except DBAPIError as error:
                raise _failure(error) from error
            except PoolTimeout as error:  # every pooled connection busy past the pool's wait
                raise StorageUnavailable() from error
        return self._connection

    def rows(self, query: Any) -> list[Any]:
        """Run a read and return its rows, database errors as the library's."""
        try:
            return list(self._open().execute(query))
        except DBAPIError as error:
            raise _failure(error) from error

    def execute(self, statement: Any) -> Any:
        """Run a write statement inside this unit of work's transaction."""
        try:
            return self._open().execute(statement)
        except DBAPIError as error:
            raise _failure(error) from error

    def abandon(self) -> None:
        """Roll back what was not committed."""
        self._close(commit=False)

    def _close(self, *, commit: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            connection.close()

    # --- commit -----------------------------------------------------------------------

    def commit(self) -> None:
        """Write every change with its history and events, all or nothing."""
        changed, recorded = self.changes()
        try:
            # Updates first: a row giving a unique key up (a request withdrawn)
            # must do so before a new row takes it.
            updates: dict[type, list[tuple[Entity, int]]] = {}
            for entity, version in changed:
                if version is not None:
                    updates.setdefault(type(entity), []).append((entity, version))
            for kind, batch in updates.items():
                self._update(kind, batch)
            for entity, version in changed:
                if version is None:
                    self._write(entity, version)
            self._check_identifiers(changed)
            self._append(recorded)
            self._close(commit=True)
        except IntegrityError as error:
            self._safely_roll_back()
            raise self._explain(changed) from error
        except DBAPIError as error:
            self._safely_roll_back()
            raise _failure(error) from error
        except BaseException:
            self._close(commit=False)
            raise
        for entity, _ in changed:
            entity.version = (entity.version or 0) + 1
        self.settle()

    def _safely_roll_back(self) -> None:
        try:
            self._close(commit=False)
        except DBAPIError:
            self._connection = None  # the connection is gone with the error

    def _write(self, entity: Entity, version: None) -> None:
        table = _table(type(entity))
        values = {**_columns(entity), "document": codec.dump(entity), "version": 1}
        self._open().execute(insert(table).values(id=entity.id, **values))
        self._sync_managers(entity, new=True)

    def _update(self, kind: type, batch: list[tuple[Entity, int]]) -> None:
        """One version-guarded UPDATE for every changed entity of a kind (executemany)."""
        table = _table(kind)
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_loaded"))
            .values(
                {name: bindparam(name) for name in [*_columns(batch[0][0]), "document", "version"]}
            )
        )
        rows = [
            {
                **_columns(entity),
                "document": codec.dump(entity),
                "version": version + 1,
                "_id": entity.id,
                "_loaded": version,
            }
            for entity, version in batch
        ]
        done = self._open().execute(statement, rows)
        if done.rowcount != len(rows):
            raise ConcurrencyConflict(what=KINDS[kind].name)
        for entity, _ in batch:
            self._sync_managers(entity)

    def _sync_managers(self, entity: Entity, *, new: bool = False) -> None:
        connection = self._open()
        if isinstance(entity, Structure):
            self._sync_replaced(connection, entity)
            managers = schema.structure_managers
            if not new:  # a structure just inserted has no manager rows to clear
                connection.execute(delete(managers).where(managers.c.structure_id == entity.id))
            connection.execute(
                insert(managers),
                [
                    {"structure_id": entity.id, "account_id": who}
                    for who in sorted({entity.principal_manager_id, *entity.managers})
                ],
            )

    @staticmethod
    def _sync_replaced(connection: Connection, structure: Structure) -> None:
        # Former identifiers only grow: a structure with none has no rows to keep.
        if not structure.former_identifiers:
            return
        replaced = schema.replaced_identifiers
        connection.execute(delete(replaced).where(replaced.c.structure_id == structure.id))
        connection.execute(
            insert(replaced),
            [
                {
                    "identifier_key": former.identifier.key,
                    "structure_id": structure.id,
                    "replaced_at": former.replaced_at,
                }
                for former in structure.former_identifiers
            ],
        )

    def _check_identifiers(self, changed: list[tuple[Entity, int | None]]) -> None:
        """Refuse a structure that takes an identifier some structure had before.

        Run after the writes, in their transaction: a change of SIRET that
        frees the identifier commits its replaced row with it, and a write
        that waited for that commit on the unique index reads the row here
        (PostgreSQL reads each statement afresh; SQLite has one writer).
        Only new structures and those that changed SIRET can take one.
        """
        for entity, version in changed:
            if not isinstance(entity, Structure):
                continue
            if version is not None and not entity.former_identifiers:
                continue
            rows = self.rows(_replacing(entity))
            if rows:
                raise _replaced(entity, rows[0])

    def _append(self, recorded: list[events.DomainEvent]) -> None:
        connection = self._open()
        if self.staged_history:
            connection.execute(
                insert(schema.history),
                [
                    {"structure_id": a.structure_id, "document": codec.dump(a)}
                    for a in self.staged_history
                ],
            )
        if self.staged_support:
            connection.execute(
                insert(schema.support_log),
                [
                    {
                        "account_id": a.account_id,
                        "structure_id": a.structure_id,
                        "actor": a.actor,
                        "at": a.at,
                        "document": codec.dump(a),
                    }
                    for a in self.staged_support
                ],
            )
        if recorded:
            now = self._clock()
            connection.execute(
                insert(schema.outbox),
                [
                    {
                        "id": _outbox_id(),
                        "event": event.name,
                        "created_at": now,
                        "document": codec.dump(event),
                    }
                    for event in recorded
                ],
            )

    def _explain(self, changed: list[tuple[Entity, int | None]]) -> OnboardingError:
        """Which unique key refused the write: the library's duplicate error for it."""
        try:
            return self._find_duplicate(changed)
        except (DBAPIError, PoolTimeout) as error:
            return StorageUnavailable().with_cause(error)

    def _find_duplicate(self, changed: list[tuple[Entity, int | None]]) -> OnboardingError:
        with self.engine.connect() as connection:
            for entity, _ in changed:
                table = _table(type(entity))
                unique = _unique_condition(table, entity)
                if (
                    unique is not None
                    and connection.execute(
                        select(func.count()).select_from(table).where(unique)
                    ).scalar()
                ):
                    return kind_of(entity).duplicate(entity)
                # The structure that held the identifier changed SIRET since.
                if isinstance(entity, Structure):
                    replacing = connection.execute(_replacing(entity)).first()
                    if replacing is not None:
                        return _replaced(entity, replacing)
        return ConcurrencyConflict(what="data")


def _unique_condition(table: Table, entity: Entity) -> Any:
    """The rows, other than ``entity``'s, that its unique rule forbids (None if it does not apply)."""
    kind = kind_of(entity)
    key = kind.unique_key(entity)
    if key is None:
        return None
    same = [table.c[name] == value for name, value in zip(kind.unique, key, strict=True)]
    if kind.live_states is not None:
        same.append(table.c.state.in_(sorted(kind.live_states)))
    return and_(*same, table.c.id != entity.id)


def _replacing(structure: Structure) -> Any:
    """The current identifier key of the structure that had ``structure``'s identifier before."""
    replaced, structures = schema.replaced_identifiers, schema.structures
    return (
        select(structures.c.identifier_key)
        .select_from(replaced)
        .join(structures, structures.c.id == replaced.c.structure_id)
        .where(replaced.c.identifier_key == structure.identifier.key)
    )


def _replaced(structure: Structure, replacing: Any) -> IdentifierReplaced:
    # A replaced identifier was a SIRET, whose key is "SIRET:" and its value.
    return IdentifierReplaced(
        field="siret",
        identifier=structure.identifier.value,
        replaced_by=replacing.identifier_key.partition(":")[2],
    )


def _failure(error: DBAPIError) -> OnboardingError:
    """The library's error for a failed statement: on both databases, one error per situation."""
    if _lost_a_race(error):
        return ConcurrencyConflict(what="database")
    return StorageUnavailable()


# PostgreSQL's serialization failure and deadlock: another transaction won.
# A lock wait that timed out (55P03), a cancelled statement (57014) and a
# lost connection are the database being unavailable, not a race.
_RACE_SQLSTATES = {"40001", "40P01"}


def _lost_a_race(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RACE_SQLSTATES
    # SQLite's "database is locked" is a race lost only when a transaction's
    # snapshot went stale before it could write (SQLITE_BUSY_SNAPSHOT): it
    # cannot wait. A plain SQLITE_BUSY is a writer that waited the whole busy
    # timeout for the one ahead, like PostgreSQL's lock timeout: the units of
    # work read outside any transaction, so their first write always waits.
    return getattr(error.orig, "sqlite_errorname", None) == "SQLITE_BUSY_SNAPSHOT"


# What rebuilding an object from a document that is not one of its own
# raises: a missing field, a value of the wrong type or shape, an unknown
# enum value or event, a value the domain's own checks refuse.
_UNREADABLE = (LookupError, TypeError, ValueError, AttributeError, AssertionError, OnboardingError)


def _decoded(what: str, row_id: object, load: Callable[..., Any], *args: Any) -> Any:
    """``load(*args)``, a document it cannot rebuild as the library's error naming the row."""
    try:
        return load(*args)
    except _UNREADABLE as error:
        raise StoredDataUnreadable(what=what, id=str(row_id)) from error


def _keyable(value: object) -> bool:
    """Whether a key can be looked for in the database at all.

    A NUL or a lone surrogate cannot be sent to either database (PostgreSQL
    refuses the one, UTF-8 the other), and no stored key holds them: the
    answer is "none", as the memory store gives it.
    """
    if not isinstance(value, str):
        return True
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _outbox_id() -> str:
    # Unique across processes; delivery order comes from the ``seq`` column.
    return f"evt-{uuid.uuid4().hex}"
