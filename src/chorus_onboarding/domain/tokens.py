"""Single-use links: what is sent (the token) and what is kept (its digest).

The token itself comes from a cryptographic random source through the
``TokenGenerator`` port; entities only ever see and keep its digest, with the
deadline after which it is refused.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from attrs import frozen


@frozen(repr=False)
class IssuedToken:
    """A freshly drawn token and its digest; the clear text leaves only by email."""

    plain: str
    digest: str

    def __repr__(self) -> str:
        # Keeps the clear token out of logs and tracebacks.
        return f"IssuedToken(digest={self.digest[:8]}...)"


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
