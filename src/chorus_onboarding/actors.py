"""Who performs an operation: the explicit actor of every use case that needs rights."""

from __future__ import annotations

import enum
from typing import Any

import attrs
from attrs import field, frozen

from .domain.errors import InvalidInput


class ActorKind(enum.Enum):
    """A signed-in user of the portal, or the support team (administrators)."""

    USER = "USER"
    SUPPORT = "SUPPORT"


def _kind(_: Any, attribute: attrs.Attribute[ActorKind], value: object) -> None:
    if not isinstance(value, ActorKind):
        raise InvalidInput(field="actor", expected="ActorKind")


def _account_id(_: Any, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 200):
        raise InvalidInput(field="actor", expected="identifiant de compte")


def _name(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or len(value) > 100 or not value.isprintable():
        raise InvalidInput(field="actor", expected="nom de 100 caractères imprimables au plus")


@frozen
class Actor:
    """The authenticated party behind a call; the host application vouches for it.

    The facade checks, from the stored data, what this actor may do: a user
    acts only while their account is active.
    """

    kind: ActorKind = field(validator=_kind)
    account_id: str | None = field(default=None, validator=_account_id)
    name: str = field(default="", validator=_name)

    @classmethod
    def user(cls, account_id: str) -> Actor:
        """The user whose account is ``account_id`` (as returned by ``login``)."""
        return cls(ActorKind.USER, account_id)

    @classmethod
    def support(cls, name: str = "support") -> Actor:
        """An agent of the support team, with the administrator's rights."""
        return cls(ActorKind.SUPPORT, None, name)

    @property
    def is_support(self) -> bool:
        """Whether this actor is the support team."""
        return self.kind is ActorKind.SUPPORT

    @property
    def label(self) -> str:
        """Who acted, as the history of manager actions keeps it: ``support:NAME`` or the account id."""
        return f"support:{self.name}" if self.is_support else str(self.account_id)
