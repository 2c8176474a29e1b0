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
    """Link tokens derived from random link ids with a secret key, kept as keyed digests.

    ``issue`` draws a 256-bit link id from :mod:`secrets`; the token is the
    HMAC-SHA256 of that id under a key derived from ``key``, and what the
    account keeps is the HMAC-SHA256 of the token under another key derived
    from it. The outbox keeps only the link id and the account only the
    digest, so a copy of the database (its WAL and backups included) holds no
    working token: deriving one needs the key, which lives in the settings,
    never in the database. A new key invalidates every outstanding link, even
    for whoever holds the old key and a copy of the database.

    A fast digest is right here (unlike for passwords): the token carries 256
    bits, so there is nothing to guess from its digest.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 32:
            raise InvalidInput(field="key", expected="clé d'au moins 32 octets")
        self._tokens = hmac.new(key, b"tokens", hashlib.sha256).digest()
        self._digests = hmac.new(key, b"digests", hashlib.sha256).digest()

    def issue(self) -> IssuedToken:
        """A new link id and the digest of its token."""
        link_id = secrets.token_urlsafe(TOKEN_BYTES)
        return IssuedToken(link_id=link_id, digest=self.digest(self.token_for(link_id)))

    def token_for(self, link_id: str) -> str:
        """The token of ``link_id``: base64url of its HMAC-SHA256, unpadded."""
        mac = hmac.new(self._tokens, link_id.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def digest(self, token: str) -> str:
        """The keyed digest (hex HMAC-SHA256) of ``token``."""
        data = token.encode("utf-8", "surrogatepass")
        return hmac.new(self._digests, data, hashlib.sha256).hexdigest()
