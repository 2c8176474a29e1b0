"""Email addresses: syntax, normalisation and case-insensitive identity.

Syntax and internationalised domains are checked by ``email-validator``
(IDNA 2008 and UTS 46, as today's mail systems apply them); the domain is
kept in its ASCII form, the one every mail server takes:

>>> EmailAddress.parse(" Louise.Galfe@Exemple.FR ").value
'Louise.Galfe@exemple.fr'
>>> EmailAddress.parse("LOUISE@exemple.fr") == EmailAddress.parse("louise@EXEMPLE.fr")
True
>>> EmailAddress("hans@straße.de").value
'hans@xn--strae-oqa.de'
>>> EmailAddress("marie@café.fr") == EmailAddress("marie@xn--caf-dma.fr")
True
>>> EmailAddress.is_valid("louise@@exemple.fr")
False
"""

from __future__ import annotations

import functools
import re
from typing import Self

import email_validator
from attrs import field, frozen
from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from .errors import EmailConfirmationMismatch, InvalidEmail

_MAX_LENGTH = 254


def _checked(text: str) -> ValidatedEmail:
    # No DNS from a domain library (deliverability is the mail relay's
    # business); no quoted local parts, display names or IP literals (no
    # registration form should take them); ``strict`` enforces the
    # 64-character limit of a local part.
    #
    # No SMTPUTF8: an address with a non-ASCII local part ("élodie@exemple.fr")
    # reaches its owner only if every server on the way speaks SMTPUTF8, which
    # the portal's relay cannot promise, and an account whose activation email
    # never arrives is stuck; refused at the form, the person gives another
    # address. Non-ASCII *domains* are fine: they travel in their ASCII form.
    return validate_email(
        text,
        allow_smtputf8=False,
        allow_quoted_local=False,
        allow_domain_literal=False,
        allow_display_name=False,
        strict=True,
        check_deliverability=False,
    )


# Probes that tell which part of a refused address is at fault: a local part
# and a domain that email-validator accepts whatever is paired with them.
_SOUND_DOMAIN = "exemple.fr"
_SOUND_LOCAL = "a"

# An address that is already in the normal form ``validate`` returns: an
# ASCII dot-atom local part of at most 64 characters, a lower-case LDH domain
# of two labels or more, the last ending with a letter and not a special-use
# name (".test", ".local"...). Loading stored addresses meets only this shape
# (bar A-labels), and matching it costs a regex, not email-validator's full
# pass. Anything with "--" (A-labels "xn--...", reserved R-LDH labels) takes
# the full pass: only IDNA can tell a real A-label.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SPECIAL_USE = email_validator.SPECIAL_USE_DOMAIN_NAMES
_SPECIAL_LABELS = "|".join(re.escape(name) for name in _SPECIAL_USE if "." not in name)
_SPECIAL_SUFFIXES = tuple(
    f"{before}{name}" for name in _SPECIAL_USE if "." in name for before in "@."
)
_NORMAL = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*"
    rf"@(?:{_LABEL}\.)+(?!(?:{_SPECIAL_LABELS})\Z)(?:[a-z0-9][a-z0-9-]{{0,61}})?[a-z]",
    re.ASCII,
)


def _is_normal(text: str) -> bool:
    """Whether ``text`` is an address :meth:`EmailAddress.validate` returns unchanged."""
    return (
        len(text) <= _MAX_LENGTH
        and "--" not in text
        and _NORMAL.fullmatch(text) is not None
        and not text.endswith(_SPECIAL_SUFFIXES)
    )


def _accepts(text: str) -> bool:
    try:
        _checked(text)
    except EmailNotValidError:
        return False
    return True


_LOCAL_NORMAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*", re.ASCII)


@functools.lru_cache(maxsize=4096)
def _domain_in_normal_form(domain: str) -> int | None:
    """For a domain ``validate`` keeps as it is, the UTF-8 length of its Unicode form; else None."""
    try:
        checked = _checked(f"{_SOUND_LOCAL}@{domain}")
    except EmailNotValidError:
        return None
    return len(checked.domain.encode()) if checked.ascii_domain == domain else None


def _normalised(value: object) -> str:
    # The converter of ``EmailAddress.value``. A stored address is already in
    # normal form: most pass on a regex; those with an A-label domain are
    # checked domain by domain, once per domain (accounts share domains), and
    # part by part, as email-validator checks them; anything else is input
    # and gets the full check.
    if type(value) is str:
        if _is_normal(value):
            return value
        local, _, domain = value.rpartition("@")
        if (
            "xn--" in domain
            and len(value) <= _MAX_LENGTH
            and len(local) <= 64
            and _LOCAL_NORMAL.fullmatch(local) is not None
        ):
            unicode_length = _domain_in_normal_form(domain)
            # email-validator also bounds the address with its domain in Unicode.
            if unicode_length is not None and len(local) + 1 + unicode_length <= _MAX_LENGTH:
                return value
    return EmailAddress.validate(value)


@frozen(eq=False, weakref_slot=False)
class EmailAddress:
    """A syntactically valid email address, in normal form.

    Building one validates and normalises: ``EmailAddress(" A@Café.FR ")``
    holds ``"A@xn--caf-dma.fr"``, and ``EmailAddress("not an email")`` raises
    :class:`InvalidEmail`, so an invalid address cannot exist.

    ``value`` keeps the local part as typed (some servers are case-sensitive
    there) and the domain in lower-case ASCII (its A-label form under IDNA
    2008 / UTS 46: ``straße.de`` is ``xn--strae-oqa.de``, not ``strasse.de``);
    identity (``==``, hashing, the unique login key) uses :attr:`key`, which
    ignores case entirely, as the portal does. Only ``value`` is stored: the
    key is derived when needed, which keeps every loaded account a string
    lighter. The local part must be ASCII (see :meth:`validate`).
    """

    value: str = field(converter=_normalised)

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
        """Return the normalised address or raise :class:`InvalidEmail`.

        ``reason`` says what is wrong: ``type`` (not text), ``empty``,
        ``length`` (more than 254 characters), ``format`` (no ``@``, or
        nothing before it), ``local_part`` (what stands before the ``@``:
        not an unquoted ASCII dot-atom of at most 64 characters) or
        ``domain`` (not a domain name mail can reach, IDNA 2008 / UTS 46).
        """
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
        if not domain:
            raise InvalidEmail(reason="domain")
        try:
            checked = _checked(text)
        except EmailNotValidError:
            raise InvalidEmail(reason=_reason(local, domain)) from None
        # email-validator lowers some role names ("Postmaster"); the local
        # part is kept as typed, its case being the owner's.
        return f"{local}@{checked.ascii_domain}"

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


def _reason(local: str, domain: str) -> str:
    """Which part of a refused address is wrong, each tried beside a sound partner."""
    if not _accepts(f"{local}@{_SOUND_DOMAIN}"):
        return "local_part"
    if not _accepts(f"{_SOUND_LOCAL}@{domain}"):
        return "domain"
    return "length"


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
