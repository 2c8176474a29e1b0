"""Email addresses: syntax, normalisation and case-insensitive identity.

>>> EmailAddress.parse(" Louise.Galfe@Exemple.FR ").value
'Louise.Galfe@exemple.fr'
>>> EmailAddress.parse("LOUISE@exemple.fr") == EmailAddress.parse("louise@EXEMPLE.fr")
True
>>> EmailAddress.is_valid("louise@@exemple.fr")
False
"""

from __future__ import annotations

import re
from typing import Self

from attrs import frozen

from .errors import EmailConfirmationMismatch, InvalidEmail

# RFC 5322 dot-atom for the local part: what mail servers accept in practice,
# without the quoted-string forms that no registration form should take.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_MAX_LENGTH = 254
_MAX_LOCAL = 64


def _domain(text: str) -> str:
    try:
        # IDNA turns "exemple.fr" with accents into its ASCII form, so that
        # "café.fr" and "xn--caf-dma.fr" are one and the same address.
        ascii_domain = text.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise InvalidEmail(reason="domain") from error
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidEmail(reason="domain")
    if labels[-1].isdigit():
        raise InvalidEmail(reason="domain")
    return ascii_domain


@frozen(eq=False, weakref_slot=False)
class EmailAddress:
    """A syntactically valid email address.

    ``value`` keeps the local part as typed (some servers are case-sensitive
    there) and the domain in lower-case ASCII; identity (``==``, hashing, the
    unique login key) uses :attr:`key`, which ignores case entirely, as the
    portal does. Only ``value`` is stored: the key is derived when needed,
    which keeps every loaded account a string lighter.
    """

    value: str

    @property
    def key(self) -> str:
        """The case-insensitive identity of the address (its unique login key)."""
        return self.value.casefold()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EmailAddress):
            return NotImplemented
        return self.value.casefold() == other.value.casefold()

    def __hash__(self) -> int:
        return hash(self.value.casefold())

    @classmethod
    def validate(cls, text: object) -> str:
        """Return the normalised address or raise :class:`InvalidEmail`."""
        if not isinstance(text, str):
            raise InvalidEmail(reason="type")
        text = text.strip()
        if not text:
            raise InvalidEmail(reason="empty")
        if len(text) > _MAX_LENGTH:
            raise InvalidEmail(reason="length")
        local, at, domain = text.rpartition("@")
        if not at or not local:
            raise InvalidEmail(reason="format")
        if len(local) > _MAX_LOCAL or not _LOCAL.fullmatch(local):
            raise InvalidEmail(reason="local_part")
        normalised = f"{local}@{_domain(domain)}"
        if len(normalised) > _MAX_LENGTH:
            raise InvalidEmail(reason="length")
        return normalised

    @classmethod
    def is_valid(cls, text: object) -> bool:
        """Whether :meth:`validate` accepts ``text``."""
        try:
            cls.validate(text)
        except InvalidEmail:
            return False
        return True

    @classmethod
    def parse(cls, text: object, *, field: str | None = None) -> Self:
        """Build an address from user input; errors carry ``field``."""
        try:
            value = cls.validate(text)
        except InvalidEmail as error:
            raise InvalidEmail(field=field, reason=error.params["reason"]) from None
        return cls(value)

    @property
    def local_part(self) -> str:
        """What stands before the ``@``."""
        return self.value.rpartition("@")[0]

    def __str__(self) -> str:
        return self.value


def confirmed_login_email(typed: object, confirmation: object) -> EmailAddress:
    """The login email, once its confirmation (typed twice) matches it.

    The two must be the same address; case does not matter, as it does not
    for the login.
    """
    email = EmailAddress.parse(typed, field="login_email")
    if not isinstance(confirmation, str) or not confirmation.strip():
        raise EmailConfirmationMismatch(field="login_email_confirmation")
    if not EmailAddress.is_valid(confirmation) or EmailAddress.parse(confirmation) != email:
        raise EmailConfirmationMismatch(field="login_email_confirmation")
    return email
