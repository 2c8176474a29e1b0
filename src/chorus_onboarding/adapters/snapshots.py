"""Snapshots and copies of entities, shared by the stores."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ..domain.accounts import Account
from ..domain.attachments import Attachment
from ..domain.structures import Structure
from ..domain.subscriptions import Subscription

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
