"""Single-use links: what is announced (a link id), what is sent (the token), what is kept (its digest).

The ``TokenGenerator`` port draws a random link id and derives the token from
it with the deployment's secret key; entities only ever see the link id
(recorded in the event that announces the link) and keep the token's digest,
with the deadline after which it is refused. Nothing stored is a working token.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import field, frozen

from .errors import InvalidInput


def _text(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    # Digests and link ids come from the token port, whose format is its own:
    # only an empty or non-text one is surely wrong.
    if not isinstance(value, str) or not value:
        raise InvalidInput(field=attribute.name, expected="texte non vide")


def _aware(_: Any, attribute: attrs.Attribute[datetime], value: object) -> None:
    # A naive deadline cannot be compared with the clock's aware "now".
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(field=attribute.name, expected="date et heure avec fuseau")


@frozen
class IssuedToken:
    """A freshly issued link: its id (announced in an event) and its token's digest (kept).

    The token is not here: it is derived from ``link_id`` with a key the
    domain never sees, when the email is written. Both are non-empty text.
    """

    link_id: str = field(validator=_text)
    digest: str = field(validator=_text)


@frozen
class PendingToken:
    """A digest with its deadline: the stored side of a single-use link.

    The digest is non-empty text, the deadline a time zone-aware datetime.
    """

    digest: str = field(validator=_text)
    expires_at: datetime = field(validator=_aware)

    @classmethod
    def issue(cls, token: IssuedToken, now: datetime, validity: timedelta) -> PendingToken:
        """The stored side of ``token``, valid ``validity`` from ``now``."""
        return cls(digest=token.digest, expires_at=now + validity)

    def matches(self, digest: str) -> bool:
        """Constant-time comparison, so response time tells nothing of the digest."""
        return hmac.compare_digest(self.digest, digest)

    def expired(self, now: datetime) -> bool:
        """Valid up to and including the deadline, refused one instant after."""
        return now > self.expires_at
