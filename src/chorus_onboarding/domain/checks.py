"""Checks on the fields of value objects and events, as attrs validators.

Each raises :class:`InvalidInput` naming the field, never ``TypeError``:
a value object that breaks them cannot be built, whether by a use case or
from a stored document. They cost an ``isinstance`` and a length or flag
test, no regex: events are built on every use case.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from .errors import InvalidInput

ID_MAX = 200
"""The longest id an event or a history entry takes (the actor's id is bounded alike)."""

NOTE_MAX = 1000
"""The longest free note (a reason, a history detail): what the use cases accept."""

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def identifier(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An id: printable text of 1 to 200 characters, not only spaces."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > ID_MAX
        or value.isspace()
        or not value.isprintable()
    ):
        raise InvalidInput(field=attribute.name, expected="identifiant")


def optional_identifier(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None``, or an id as :func:`identifier` takes it."""
    if value is not None:
        identifier(_, attribute, value)


def aware(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A time zone-aware datetime: a naive one cannot be compared with the clock's."""
    # UTC first: the clocks and the stores give it, and asking it is cheap.
    if not isinstance(value, datetime) or (value.tzinfo is not UTC and value.utcoffset() is None):
        raise InvalidInput(field=attribute.name, expected="date et heure avec fuseau")


def flag(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A real bool, never a truthy stand-in."""
    if not isinstance(value, bool):
        raise InvalidInput(field=attribute.name, expected="booléen")


def note(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """Free text, possibly empty: at most 1000 printable characters and newlines."""
    if (
        not isinstance(value, str)
        or len(value) > NOTE_MAX
        or not (value.isprintable() or value.replace("\n", " ").isprintable())
    ):
        raise InvalidInput(
            field=attribute.name, expected="texte de {maximum} caractères au plus", maximum=NOTE_MAX
        )


def member(kind: type[enum.Enum], *allowed: enum.Enum) -> Validator:
    """A member of ``kind`` (one of ``allowed``, if given)."""
    chosen = frozenset(allowed)
    choices = ", ".join(item.name for item in (allowed or tuple(kind)))

    def check(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidInput(
                field=attribute.name, expected="valeur parmi {choices}", choices=choices
            )

    def check_among(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        # isinstance first: ``in`` on a frozenset hashes, and junk may not hash.
        if not isinstance(value, kind) or value not in chosen:
            raise InvalidInput(
                field=attribute.name, expected="valeur parmi {choices}", choices=choices
            )

    return check_among if allowed else check


def instance(kind: type, expected: str | None = None) -> Validator:
    """An instance of ``kind`` (``expected`` words it for the message; by default its name)."""
    wanted = expected or kind.__name__

    def check(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidInput(field=attribute.name, expected=wanted)

    return check


def optional(check: Validator) -> Validator:
    """``None``, or what ``check`` takes."""

    def either(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return either
