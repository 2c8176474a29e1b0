"""Snapshots, copies and change tracking of entities, shared by the stores."""

from __future__ import annotations

import operator
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from ..domain.accounts import Account
from ..domain.attachments import Attachment
from ..domain.events import DomainEvent, StructureChanged
from ..domain.history import ManagerAction
from ..domain.structures import Structure
from ..domain.subscriptions import Subscription
from ..domain.support_log import SupportAction

Entity = Account | Structure | Attachment | Subscription
"""Every aggregate a store keeps."""

E = TypeVar("E", Account, Structure, Attachment, Subscription)

_STATE_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _state_of(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    getter = _STATE_GETTERS.get(kind)
    if getter is None:
        # Recorded events are not state; every other field is an init argument, in order.
        names = [field.name for field in attrs.fields(kind) if field.init]
        getter = _STATE_GETTERS[kind] = operator.attrgetter(*names)
    return getter


def snapshot(entity: Any) -> tuple[Any, ...]:
    """A snapshot of ``entity``: entities hold immutable values only, so a shallow tuple is faithful."""
    return _state_of(type(entity))(entity)


def copy(entity: E) -> E:
    """A detached copy of ``entity``, built from its snapshot (no lifecycle code runs)."""
    return type(entity)(*snapshot(entity))


class TrackingUnitOfWork:
    """What every unit of work does alike: track entities, find what changed, collect events.

    A store's unit of work subclasses it and writes :meth:`changes` at commit,
    then calls :meth:`settle`; :meth:`abandon` is its hook for a rollback.
    """

    def __init__(self) -> None:
        # id -> (entity, version when loaded or None if new, snapshot when loaded)
        self.seen: dict[str, tuple[Any, int | None, tuple[Any, ...] | None]] = {}
        self.staged_history: list[ManagerAction] = []
        self.staged_support: list[SupportAction] = []

    def track(self, entity: Entity, loaded_version: int | None) -> None:
        """Remember an entity loaded or added in this unit of work."""
        self.seen[entity.id] = (
            entity,
            loaded_version,
            None if loaded_version is None else snapshot(entity),
        )

    def changes(self) -> tuple[list[tuple[Any, int | None]], list[DomainEvent]]:
        """The entities to write (with the version they were loaded at) and their events.

        Every manager action staged for the history is an event too
        (:class:`StructureChanged`): structures change only through them.
        """
        changed = [
            (entity, version)
            for entity, version, taken in self.seen.values()
            if version is None or snapshot(entity) != taken
        ]
        recorded = [event for entity, _, _ in self.seen.values() for event in entity.pull_events()]
        recorded += [
            StructureChanged(
                occurred_at=action.at,
                structure_id=action.structure_id,
                kind=action.kind,
                actor=action.actor,
                target_account_id=action.target_account_id,
            )
            for action in self.staged_history
        ]
        return changed, recorded

    def settle(self) -> None:
        """After a commit: what was written is what is stored; later changes compare to it."""
        for entity, _, _ in list(self.seen.values()):
            self.track(entity, entity.version)
        self.staged_history.clear()
        self.staged_support.clear()

    def abandon(self) -> None:
        """Give up what was not committed (a store's rollback goes here)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abandon()
        self.seen.clear()
        self.staged_history.clear()
        self.staged_support.clear()
