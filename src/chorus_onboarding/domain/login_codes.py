"""The one-time code emailed at each login: what the account keeps of it, and how it is read.

Since September 2024 the portal's password alone opens no session: a code
goes to the login email and the second step checks it. The code is made like
the links' tokens: the ``TokenGenerator`` port draws a random id and derives
a token from it with the deployment's key; the code is a number read from
that token (its SHA-256, modulo 10 to the number of digits).
The account keeps only the code's keyed digest, its deadline and the tries
left, so a copy of the database gives no code, and (the key being elsewhere)
cannot be searched for one among the million six-digit codes either.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import field, frozen

from .errors import InvalidInput
from .tokens import IssuedToken, PendingToken

CODE_LENGTHS = range(6, 11)
"""How many digits a code may have: six, as the portal sends, up to ten."""


def code_from_token(token: str, length: int) -> str:
    """The ``length`` digits a code's token reads as, the same wherever it is computed.

    The token carries 128 bits or more: reduced to ten digits at most, the
    bias of the reduction is far below anything measurable.
    """
    number = int.from_bytes(hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest())
    return str(number % 10**length).zfill(length)


def typed_code(value: object, length: int) -> str | None:
    """The code a person typed, with the spaces and dashes of copying taken out; None if not one."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    digits = "".join(c for c in value if c not in " -\u00a0\t")
    if len(digits) != length or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def _count(_: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field=attribute.name, expected="nombre entier positif ou nul")


def code_digits(_: Any, attribute: attrs.Attribute[int], value: object) -> None:
    """A number of digits a code may have (:data:`CODE_LENGTHS`)."""
    if type(value) is not int or value not in CODE_LENGTHS:
        raise InvalidInput(field=attribute.name, expected="nombre de chiffres de 6 à 10")


@frozen
class CodeRules:
    """How codes are made and tried: how long one is good for, how many tries, how many digits,
    and how long before another may be sent."""

    validity: timedelta
    tries: int
    digits: int
    resend_interval: timedelta


@frozen
class PendingLoginCode:
    """The stored side of a code sent at login: its digest and deadline, the tries left, the resends.

    ``sent_at`` is when the last code went out: a resend waits a moment after
    it, so that the mailbox is not flooded.
    """

    token: PendingToken = field(validator=attrs.validators.instance_of(PendingToken))
    sent_at: datetime
    tries_left: int = field(validator=_count)
    digits: int = field(validator=code_digits)
    resends: int = field(default=0, validator=_count)

    @classmethod
    def issue(
        cls, token: IssuedToken, now: datetime, rules: CodeRules, resends: int = 0
    ) -> PendingLoginCode:
        """A code sent at ``now``, made and tried by ``rules``; ``resends`` before it this login."""
        return cls(
            PendingToken.issue(token, now, rules.validity), now, rules.tries, rules.digits, resends
        )

    @property
    def expires_at(self) -> datetime:
        """The last instant the code is accepted."""
        return self.token.expires_at

    def usable(self, now: datetime) -> bool:
        """Whether the code may still be tried: not past its deadline, tries left."""
        return self.tries_left > 0 and not self.token.expired(now)

    def tried(self) -> PendingLoginCode:
        """The same code with one try fewer."""
        return attrs.evolve(self, tries_left=self.tries_left - 1)
