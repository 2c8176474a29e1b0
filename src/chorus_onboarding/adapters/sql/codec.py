"""Entities and events to JSON documents and back, guided by their attrs field types.

Stored documents hold plain JSON: text, numbers, booleans, ISO dates, enum
member names, lists for tuples and sets, objects for value objects. Loading
builds the entity with its constructor and stored state: no lifecycle code
runs.

Enums are stored by member NAME (``STRUCTURE_CREATED``), never by value:
some values are French display labels (« Création de la structure »), and
rewording a label must not become a data migration. A name this version
does not know fails like any other document that is not the library's
(``KeyError``), which the stores report as ``StoredDataUnreadable``.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ...domain import events
from ...domain.accounts import Account
from ...domain.attachments import Attachment
from ...domain.history import ManagerAction
from ...domain.structures import Structure
from ...domain.subscriptions import Subscription

Json = Any


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    # Modules use ``from __future__ import annotations``: resolve the strings once.
    return typing.get_type_hints(kind)


def _fields(kind: type) -> list[attrs.Attribute[Any]]:
    return [field for field in attrs.fields(kind) if field.init]


def encode(value: Any) -> Json:
    """``value`` as JSON-ready data."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((encode(item) for item in value), key=repr)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if attrs.has(type(value)):
        return {field.name: encode(getattr(value, field.name)) for field in _fields(type(value))}
    raise TypeError(f"cannot store {type(value).__name__}")


def decode(hint: Any, data: Json) -> Any:
    """The value of type ``hint`` that :func:`encode` turned into ``data``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        return decode(options[0], data)
    if origin in (frozenset, set):
        (item,) = typing.get_args(hint)
        return frozenset(decode(item, element) for element in data)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(decode(item, element) for element in data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(data, str):
            raise TypeError(f"{hint.__name__} name expected, not {type(data).__name__}")
        return hint[data]
    if isinstance(hint, type) and attrs.has(hint):
        return load(hint, data)
    if hint in _SCALARS and (type(data) is not hint and not (hint is float and type(data) is int)):
        # Stored by other hands: a wrong type would only fail later, far from here.
        raise TypeError(f"{hint.__name__} expected, not {type(data).__name__}")
    return data


_SCALARS = (str, int, bool, float)


def dump(entity: Any) -> dict[str, Json]:
    """The document of an entity, value object or event."""
    encoded = encode(entity)
    assert isinstance(encoded, dict)
    return encoded


def load(kind: type, document: dict[str, Json]) -> Any:
    """Rebuild an instance of ``kind`` from its document."""
    hints = _hints(kind)
    values = {}
    for field in _fields(kind):
        if field.name in document:
            values[field.alias or field.name] = decode(hints[field.name], document[field.name])
    return kind(**values)


ENTITY_KINDS: dict[str, type] = {
    kind.__name__: kind for kind in (Account, Structure, Attachment, Subscription, ManagerAction)
}


def _event_kinds() -> dict[str, type[events.DomainEvent]]:
    found: dict[str, type[events.DomainEvent]] = {}
    pending = list(events.DomainEvent.__subclasses__())
    while pending:
        kind = pending.pop()
        found[kind.__name__] = kind
        pending.extend(kind.__subclasses__())
    return found


EVENT_KINDS = _event_kinds()
"""Every domain event class by name, for the outbox."""


def load_event(name: str, document: dict[str, Json]) -> events.DomainEvent:
    """Rebuild an outbox event from its class name and document."""
    event = load(EVENT_KINDS[name], document)
    assert isinstance(event, events.DomainEvent)
    return event
