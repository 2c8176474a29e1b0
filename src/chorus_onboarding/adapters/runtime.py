"""The real clock, identifiers and tokens of a running system."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from ..domain.errors import InvalidInput
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
    """Link tokens derived from random link ids with a secret key, kept as SHA-256 digests.

    ``issue`` draws a 256-bit link id from :mod:`secrets`; the token is the
    HMAC-SHA256 of that id under ``key``. The outbox keeps only the link id and
    the account only the token's digest, so a copy of the database (its WAL
    and backups included) holds no working token: deriving one needs the key,
    which lives in the settings, never in the database.

    A fast digest is right here (unlike for passwords): the token carries 256
    bits, so there is nothing to guess from its digest.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 32:
            raise InvalidInput(field="key", expected="clé d'au moins 32 octets")
        self._key = key

    def issue(self) -> IssuedToken:
        """A new link id and the digest of its token."""
        link_id = secrets.token_urlsafe(TOKEN_BYTES)
        return IssuedToken(link_id=link_id, digest=self.digest(self.token_for(link_id)))

    def token_for(self, link_id: str) -> str:
        """The token of ``link_id``: base64url of its HMAC-SHA256 under the key, unpadded."""
        mac = hmac.new(self._key, link_id.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def digest(self, token: str) -> str:
        """The hex SHA-256 of ``token``."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
