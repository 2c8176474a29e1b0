"""Signed, short-lived proofs that a step of a procedure was passed.

"Mot de passe oublié" has two steps: the captcha (then the question is
shown), and the answer. The first step hands out a challenge that the second
requires, so the answer cannot be tried without passing the captcha. The
challenge is signed, not stored: any process sharing the secret key checks it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime


def _signature(secret: bytes, subject: str, expires: int) -> str:
    message = f"{subject}|{expires}".encode("utf-8", "surrogatepass")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign(secret: bytes, subject: str, expires_at: datetime) -> str:
    """A challenge for ``subject`` (say, an email key), valid until ``expires_at``."""
    expires = int(expires_at.timestamp())
    return f"{expires}.{_signature(secret, subject, expires)}"


def verify(secret: bytes, subject: str, challenge: object, now: datetime) -> bool:
    """Whether ``challenge`` was signed for ``subject`` and is still valid at ``now``."""
    if not isinstance(challenge, str) or len(challenge) > 128:
        return False
    expires_text, _, signature = challenge.partition(".")
    # Twelve digits reach the year 33658: anything longer is forged, and would
    # overflow the conversion to a date.
    if not expires_text.isascii() or not expires_text.isdigit() or len(expires_text) > 12:
        return False
    expires = int(expires_text)
    if now > datetime.fromtimestamp(expires, UTC):
        return False
    return hmac.compare_digest(signature, _signature(secret, subject, expires))
