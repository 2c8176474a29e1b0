"""Password hashers: argon2id for real use, a fast one for tests only.

argon2-cffi is imported when the first :class:`Argon2Hasher` is built, not
with this module: a host that passes its own hasher, or the tests with the
fast one, never load it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def _bytes(secret: str) -> bytes:
    # argon2-cffi encodes text as strict UTF-8, which a lone surrogate breaks:
    # such text is still text a person (or an attacker) can send.
    return secret.encode("utf-8", "surrogatepass")


class Argon2Hasher:
    """argon2id with argon2-cffi's recommended parameters (RFC 9106, low memory).

    ``needs_rehash`` turns true for hashes made with other parameters, so that
    the service upgrades them at the next successful login.
    """

    def __init__(
        self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4
    ) -> None:
        from argon2 import PasswordHasher as _Argon2
        from argon2 import Type

        self._hasher = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )

    def hash(self, secret: str) -> str:
        """A fresh salted argon2id hash."""
        return self._hasher.hash(_bytes(secret))

    def verify(self, hashed: str, secret: str) -> bool:
        """Whether ``secret`` matches; a malformed hash is a mismatch, not an error."""
        # Loaded already by __init__: this import is a lookup, not a load.
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return self._hasher.verify(hashed, _bytes(secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """Whether ``hashed`` uses other parameters than this hasher's."""
        from argon2.exceptions import InvalidHashError

        try:
            return self._hasher.check_needs_rehash(hashed)
        except InvalidHashError:
            return True


class FastInsecureHasher:
    """Salted SHA-256 in one round: **for tests and benchmarks only**.

    It keeps the hasher's contract (salted, self-describing, verifiable) at a
    cost of microseconds, where argon2id costs tens of milliseconds on purpose.
    """

    PREFIX = "fast-insecure$"

    def hash(self, secret: str) -> str:
        """``fast-insecure$<salt>$<digest>``."""
        salt = secrets.token_hex(8)
        return f"{self.PREFIX}{salt}${self._digest(salt, secret)}"

    def verify(self, hashed: str, secret: str) -> bool:
        """Whether ``secret`` matches ``hashed``."""
        if not hashed.startswith(self.PREFIX) or hashed.count("$") != 2:
            return False
        _, salt, digest = hashed.split("$")
        return hmac.compare_digest(digest, self._digest(salt, secret))

    def needs_rehash(self, hashed: str) -> bool:
        """Only hashes of another scheme need redoing."""
        return not hashed.startswith(self.PREFIX)

    @staticmethod
    def _digest(salt: str, secret: str) -> str:
        return hashlib.sha256(f"{salt}:{secret}".encode("utf-8", "surrogatepass")).hexdigest()
