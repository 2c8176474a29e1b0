"""Choices from a list: an enum member named by itself or by its code, as forms send it."""

from __future__ import annotations

import enum
from typing import TypeVar

from ..i18n import NP_
from .errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)


def member_of(enum_type: type[E], value: object, *, field: str, expected: str | None = None) -> E:
    """The member of ``enum_type`` that ``value`` is or names (its name, any case, spaces ignored).

    Anything else raises :class:`InvalidInput` on ``field``; ``expected``
    words what was wanted (by default, the list of names).
    """
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str) and value.strip().upper() in enum_type.__members__:
        return enum_type[value.strip().upper()]
    raise InvalidInput(
        field=field,
        expected=expected or NP_("expected", "valeur parmi {choices}"),
        choices=", ".join(enum_type.__members__),
    )
