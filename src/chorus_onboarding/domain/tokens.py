"""Single-use links: what is announced (a link id), what is sent (the token), what is kept (its digest).

The ``TokenGenerator`` port draws a random link id and derives the token from
it with the deployment's secret key; entities only ever see the link id
(recorded in the event that announces the link) and keep the token's digest,
with the deadline after which it is refused. Nothing stored is a working token.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from attrs import frozen


@frozen
class IssuedToken:
    """A freshly issued link: its id (announced in an event) and its token's digest (kept).

    The token is not here: it is derived from ``link_id`` with a key the
    domain never sees, when the email is written.
    """

    link_id: str
    digest: str


@frozen
class PendingToken:
    """A digest with its deadline: the stored side of a single-use link."""

    digest: str
    expires_at: datetime

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
