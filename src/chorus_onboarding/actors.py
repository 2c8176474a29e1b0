"""Who performs an operation: the explicit actor of every use case that needs rights."""

from __future__ import annotations

import enum

from attrs import frozen


class ActorKind(enum.Enum):
    """A signed-in user of the portal, or the support team (administrators)."""

    USER = "USER"
    SUPPORT = "SUPPORT"


@frozen
class Actor:
    """The authenticated party behind a call; the host application vouches for it.

    The facade checks, from the stored data, what this actor may do: a user
    acts only while their account is active.
    """

    kind: ActorKind
    account_id: str | None = None
    name: str = ""

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
