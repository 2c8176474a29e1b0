"""Entities and events to JSON documents and back, guided by their attrs field types.

Stored documents hold plain JSON, written and read by the rules of
:mod:`chorus_onboarding.serialisation` (the views' JSON data follows the
same ones): text, numbers, booleans, ISO dates, enum member names, lists for
tuples and sets, objects for value objects. Loading builds the entity with
its constructor and stored state: no lifecycle code runs.

Enums are stored by member NAME (``STRUCTURE_CREATED``), never by value:
some values are French display labels (« Création de la structure »), and
rewording a label must not become a data migration. A name this version
does not know fails like any other document that is not the library's
(``KeyError``), which the stores report as ``StoredDataUnreadable``.
"""

from __future__ import annotations

from typing import Any

from ...domain import events
from ...domain.accounts import Account
from ...domain.attachments import Attachment
from ...domain.history import ManagerAction
from ...domain.structures import Structure
from ...domain.subscriptions import Subscription
from ...domain.support_log import SupportAction
from ...serialisation import Json, decode
from ...serialisation import to_json_data as encode

__all__ = ["ENTITY_KINDS", "EVENT_KINDS", "decode", "dump", "encode", "load", "load_event"]


def dump(entity: Any) -> dict[str, Json]:
    """The document of an entity, value object or event."""
    encoded = encode(entity)
    assert isinstance(encoded, dict)
    return encoded


def load(kind: type, document: dict[str, Json]) -> Any:
    """Rebuild an instance of ``kind`` from its document."""
    return decode(kind, document)


ENTITY_KINDS: dict[str, type] = {
    kind.__name__: kind
    for kind in (Account, Structure, Attachment, Subscription, ManagerAction, SupportAction)
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
