"""Checking what a test passes to a strategy: junk gets the library's error, at once.

A strategy is built when the test module loads and drawn from later: a
mistake reported when it is built names the argument, where one found at the
first draw would surface deep inside Hypothesis.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ...domain.errors import InvalidInput
from ...domain.identifiers import IdentifierType, Siret
from ...domain.passwords import PasswordPolicy

# Every ``expected`` below is a text the catalogues already translate: the
# kit adds no message of its own.


def text(value: object, field: str, *, optional: bool = False) -> str | None:
    """Text (or None, if ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected="texte")
    return value


def policy(value: object) -> PasswordPolicy | None:
    """A password policy, or None for the library's."""
    if value is not None and not isinstance(value, PasswordPolicy):
        raise InvalidInput(field="policy", expected="PasswordPolicy")
    return value


def texts(values: object, field: str) -> list[str] | None:
    """None, or a non-empty collection of texts, sorted (Hypothesis samples from a sequence)."""
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Collection):
        raise InvalidInput(field=field, expected="liste de textes")
    chosen = sorted({text(value, field) or "" for value in values})
    if not chosen:
        raise InvalidInput(field=field, expected="liste de textes")
    return chosen


def sirets(values: object, field: str) -> list[str] | None:
    """None, or SIRETs, each valid (normalised)."""
    chosen = texts(values, field)
    return None if chosen is None else [Siret.validate(value, field=field) for value in chosen]


def kinds(values: object) -> list[IdentifierType]:
    """Identifier types, members or their codes."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="kinds", expected="type d'identifiant")
    chosen = [IdentifierType.parse(value) for value in values]
    if not chosen:
        raise InvalidInput(field="kinds", expected="type d'identifiant")
    return chosen
