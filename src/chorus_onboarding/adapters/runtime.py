"""The real clock, identifiers and tokens of a running system."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from ..domain.tokens import IssuedToken

TOKEN_BYTES = 32
"""256 bits drawn from the operating system's CSPRNG: twice the 128 required."""


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        return datetime.now(UTC)


class UuidIdGenerator:
    """Random UUIDs (version 4) as text."""

    def new_id(self) -> str:
        """A new random identifier."""
        return str(uuid.uuid4())


class SecretTokenGenerator:
    """URL-safe tokens from :mod:`secrets`, kept as SHA-256 digests.

    A fast digest is right here (unlike for passwords): the token carries 256
    random bits, so there is nothing to guess from its digest.
    """

    def issue(self) -> IssuedToken:
        """A new token and its digest."""
        plain = secrets.token_urlsafe(TOKEN_BYTES)
        return IssuedToken(plain=plain, digest=self.digest(plain))

    def digest(self, token: str) -> str:
        """The hex SHA-256 of ``token``."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
