"""The password policy of Chorus Pro, and the value a strength meter returns.

The portal's rule, as its guides state it: a minimum length (8 characters on
the seeds' activation screen, 12 on the newer reset screen) and at least three
of four groups of characters: upper case, lower case, digits and *special
characters*, which on the portal include punctuation, spaces and accented
letters (é, à, ç, É are special, not lower or upper case).

On top of it the library refuses what any careful portal refuses: a password
made of the login email (or its local part), a very common password, and
invisible control characters.

Passwords are taken exactly as typed: no Unicode normalisation, no trimming
and no truncation anywhere. Length is the number of code points, so "é" typed
as one precomposed code point counts 1 and typed as "e" plus a combining
accent counts 2.

This module is pure: it knows nothing of zxcvbn, which lives in
``chorus_onboarding.adapters.strength`` behind the strength-meter port.
"""

from __future__ import annotations

import enum
import string
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any, Final, TypeVar, final

import attrs

from .common_passwords import COMMON_PASSWORDS
from .errors import InvalidInput, PasswordRejected

__all__ = [
    "COMMON_PASSWORDS",
    "REASONS",
    "STRENGTH_LABELS",
    "CharacterGroup",
    "LazyCommonPasswords",
    "PasswordPolicy",
    "PasswordStrength",
    "character_groups",
]

REASONS: Final[tuple[str, ...]] = (
    "too_short",
    "too_long",
    "not_enough_groups",
    "contains_login_email",
    "common_password",
    "control_character",
)
"""Every reason code :meth:`PasswordPolicy.check` may return, in its fixed order."""

STRENGTH_LABELS: Final[tuple[str, ...]] = ("Très faible", "Faible", "Moyen", "Fort", "Très fort")
"""The French label of each strength score, from 0 to 4."""

# Lone surrogates (Cs) are refused along with Cc and Cf: one is not a
# character at all (it comes from undecodable input) and cannot be encoded in
# UTF-8, so the password hasher would fail on it later.
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})

# Only ASCII is upper/lower case/digit on the portal; str.isupper() & co
# would count "É" as upper case and "٣" as a digit, which the portal does not.
_UPPER: Final = frozenset(string.ascii_uppercase)
_LOWER: Final = frozenset(string.ascii_lowercase)
_DIGITS: Final = frozenset(string.digits)

# What the common-password rule strips from the end: people "strengthen" a
# common word by appending a year, a counter or "!", which adds no real
# strength against a guessing attack.
_DECORATION: Final = string.digits + string.punctuation

# A local part shorter than this ("jo@...") would match too many unrelated
# passwords to be a useful signal.
_MIN_LOCAL_PART: Final = 4

_MIN_MAX_LENGTH: Final = 128
_GROUP_COUNT: Final = 4

_T = TypeVar("_T")


class CharacterGroup(enum.StrEnum):
    """The four groups of characters the portal counts."""

    UPPER = "upper"
    """ASCII upper-case letters, A to Z."""
    LOWER = "lower"
    """ASCII lower-case letters, a to z."""
    DIGIT = "digit"
    """ASCII digits, 0 to 9."""
    SPECIAL = "special"
    """Every other printable character: punctuation, spaces, accented letters."""


def _is_refused(char: str) -> bool:
    return unicodedata.category(char) in _REFUSED_CATEGORIES


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected="texte")
    return value


def character_groups(password: str) -> frozenset[CharacterGroup]:
    """The groups present in ``password``, for a UI to tick them as the user types.

    Control characters (Unicode categories Cc and Cf, and lone surrogates)
    belong to no group. Raises :class:`InvalidInput` when ``password`` is not
    text.
    """
    text = _text(password, "password")
    groups: set[CharacterGroup] = set()
    for char in text:
        if char in _UPPER:
            groups.add(CharacterGroup.UPPER)
        elif char in _LOWER:
            groups.add(CharacterGroup.LOWER)
        elif char in _DIGITS:
            groups.add(CharacterGroup.DIGIT)
        elif not _is_refused(char):
            groups.add(CharacterGroup.SPECIAL)
    return frozenset(groups)


def _strict_int(value: object) -> bool:
    # bool is an int subclass; PasswordPolicy(min_length=True) is a bug.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_min_length(_: Any, __: attrs.Attribute[int], value: int) -> None:
    if not _strict_int(value) or value < 1:
        raise InvalidInput(field="min_length", expected="un entier ≥ 1")


def _check_max_length(instance: PasswordPolicy, _: attrs.Attribute[int], value: int) -> None:
    # Long passphrases must stay possible: the bound protects the hasher,
    # not the user, so it may never drop below 128.
    if not _strict_int(value) or value < _MIN_MAX_LENGTH or value < instance.min_length:
        raise InvalidInput(
            field="max_length",
            expected="un entier ≥ {minimum} et ≥ la longueur minimale",
            minimum=_MIN_MAX_LENGTH,
        )


def _check_min_groups(_: Any, __: attrs.Attribute[int], value: int) -> None:
    if not _strict_int(value) or not 1 <= value <= _GROUP_COUNT:
        raise InvalidInput(
            field="min_groups", expected="un entier de 1 à {maximum}", maximum=_GROUP_COUNT
        )


def _casefolded(entries: Iterable[str]) -> AbstractSet[str]:
    if isinstance(entries, LazyCommonPasswords):
        # It casefolds what it loads; iterating it here would load it now,
        # which is exactly what it exists to put off.
        return entries
    return _casefold_all(entries)


def _casefold_all(entries: Iterable[str]) -> frozenset[str]:
    # Casefolding here keeps the lookup right whatever list a host passes in.
    if isinstance(entries, str):
        raise InvalidInput(field="common_passwords", expected="un ensemble de textes")
    folded: set[str] = set()
    for entry in entries:
        if not isinstance(entry, str):
            raise InvalidInput(field="common_passwords", expected="un ensemble de textes")
        folded.add(entry.casefold())
    return frozenset(folded)


@final
class LazyCommonPasswords(AbstractSet[str]):
    """A set of common passwords read from ``load`` on first use, then kept.

    For a list too costly to build when the policy (or the settings holding
    it) is built: ``load`` runs once, on the first lookup, length, iteration,
    comparison or hash, whichever thread gets there first. What it returns is
    checked and casefolded as any list given to :class:`PasswordPolicy`, so a
    bad entry raises :class:`InvalidInput` then, not when this set is built.
    It compares equal to any set with the same (casefolded) entries.
    """

    __slots__ = ("_load", "_lock", "_words")

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        if not callable(load):
            raise InvalidInput(field="load", expected="une fonction sans argument")
        self._load = load
        self._lock = threading.Lock()
        self._words: frozenset[str] | None = None

    @property
    def loaded(self) -> bool:
        """Whether ``load`` has run (and succeeded) already."""
        return self._words is not None

    def words(self) -> frozenset[str]:
        """The casefolded entries, loading them on the first call."""
        words = self._words
        if words is None:
            with self._lock:
                if self._words is None:
                    self._words = _casefold_all(self._load())
                words = self._words
        return words

    def __contains__(self, entry: object) -> bool:
        return entry in self.words()

    def __iter__(self) -> Iterator[str]:
        return iter(self.words())

    def __len__(self) -> int:
        return len(self.words())

    def __eq__(self, other: object) -> bool:
        # Both loaded as frozensets: one C-level comparison instead of the
        # mixin's entry-by-entry walk.
        if isinstance(other, LazyCommonPasswords):
            return self is other or self.words() == other.words()
        if isinstance(other, AbstractSet):
            return self.words() == frozenset(other)
        return NotImplemented

    def __hash__(self) -> int:
        # The hash of the equal frozenset: the two compare equal, so must hash alike.
        return hash(self.words())

    def __reduce__(self) -> tuple[type[LazyCommonPasswords], tuple[Callable[[], Iterable[str]]]]:
        # The lock cannot be copied or pickled; a copy starts unloaded instead.
        return (LazyCommonPasswords, (self._load,))

    def __repr__(self) -> str:
        state = f"{len(self)} entries" if self.loaded else "not loaded"
        return f"<LazyCommonPasswords {state}>"

    @classmethod
    def _from_iterable(cls, entries: Iterable[_T]) -> frozenset[_T]:
        # What the set operators (| & - ^) build: a plain, already loaded set.
        return frozenset(entries)


@attrs.frozen
class PasswordPolicy:
    """The rules a new password must follow.

    ``check`` lists every rule a password breaks, as stable codes in this
    fixed order (see :data:`REASONS`):

    - ``too_short``: fewer than ``min_length`` code points;
    - ``too_long``: more than ``max_length`` code points;
    - ``not_enough_groups``: fewer than ``min_groups`` of the four
      :class:`CharacterGroup` (accented letters are *special*);
    - ``contains_login_email``: the casefolded password contains the
      casefolded login email, or its local part (before the last "@") when
      that local part has at least 4 characters once casefolded;
    - ``common_password``: the casefolded password, or the casefolded password
      with its trailing digits and ASCII punctuation stripped, is one of
      ``common_passwords`` ("Azerty123!" and "MotDePasse2024" are common);
    - ``control_character``: it holds a character of Unicode category Cc
      (NUL, tab, newline...) or Cf (zero-width space, soft hyphen, bidi
      marks...), or a lone surrogate.

    Length counts Unicode code points of the password as typed: no
    normalisation, no trimming, and no truncation anywhere, so two 128-character
    passwords that differ only in their last character are different passwords.
    ``max_length`` is at least 128 so that passphrases are always possible.
    """

    min_length: int = attrs.field(default=12, validator=_check_min_length)
    """Fewest code points accepted: 12 by default, 8 on the seeds' activation screen."""
    max_length: int = attrs.field(default=128, validator=_check_max_length)
    """Most code points accepted; at least 128 and at least ``min_length``."""
    min_groups: int = attrs.field(default=3, validator=_check_min_groups)
    """How many of the four character groups must be present (1 to 4)."""
    common_passwords: AbstractSet[str] = attrs.field(
        default=COMMON_PASSWORDS, converter=_casefolded, repr=False
    )
    """Refused passwords, casefolded (entries given in any case are casefolded).

    A frozenset, or the :class:`LazyCommonPasswords` given, kept as is so
    that its list loads on the first check rather than now.
    """

    @classmethod
    def seeds(cls, *, common_passwords: Iterable[str] = COMMON_PASSWORDS) -> PasswordPolicy:
        """The seeds' activation screen: at least 8 characters, 3 groups of 4."""
        return cls(min_length=8, common_passwords=common_passwords)

    @classmethod
    def default(cls, *, common_passwords: Iterable[str] = COMMON_PASSWORDS) -> PasswordPolicy:
        """At least 12 characters (the seeds' newer reset screen), 3 groups of 4.

        Stricter than the guides' activation screen (:meth:`seeds`); with the
        common-password list, a stricter choice than the guides altogether.
        """
        return cls(min_length=12, common_passwords=common_passwords)

    def check(self, password: object, *, login_email: str | None = None) -> tuple[str, ...]:
        """Every rule ``password`` breaks, as codes in :data:`REASONS` order; () if none.

        Raises :class:`InvalidInput` when ``password`` (or ``login_email``,
        unless None) is not text.
        """
        text = _text(password, "password")
        email = None if login_email is None else _text(login_email, "login_email")
        failed = {
            "too_short": len(text) < self.min_length,
            "too_long": len(text) > self.max_length,
            "not_enough_groups": len(character_groups(text)) < self.min_groups,
            "contains_login_email": email is not None and _contains_email(text, email),
            "common_password": self._is_common(text),
            "control_character": any(_is_refused(char) for char in text),
        }
        return tuple(reason for reason in REASONS if failed[reason])

    def validate(self, password: object, *, login_email: str | None = None) -> str:
        """``password`` unchanged if acceptable, else :class:`PasswordRejected` (every reason)."""
        text = _text(password, "password")
        reasons = self.check(text, login_email=login_email)
        if reasons:
            raise PasswordRejected(reasons)
        return text

    def is_valid(self, password: object, *, login_email: str | None = None) -> bool:
        """Whether ``password`` breaks no rule; non-text still raises :class:`InvalidInput`."""
        return not self.check(password, login_email=login_email)

    def _is_common(self, password: str) -> bool:
        folded = password.casefold()
        return (
            folded in self.common_passwords or folded.rstrip(_DECORATION) in self.common_passwords
        )


def _contains_email(password: str, login_email: str) -> bool:
    # Surrounding blanks are never part of an address; without the strip an
    # email of " " would be "contained" in every password with a space.
    email = login_email.strip().casefold()
    if not email:
        return False
    folded = password.casefold()
    if email in folded:
        return True
    local, at, _ = email.rpartition("@")
    return bool(at) and len(local) >= _MIN_LOCAL_PART and local in folded


def _check_score(_: Any, __: attrs.Attribute[int], value: int) -> None:
    if not _strict_int(value) or not 0 <= value < len(STRENGTH_LABELS):
        raise InvalidInput(field="score", expected="un entier de 0 à 4")


def _check_label(instance: PasswordStrength, _: attrs.Attribute[str], value: str) -> None:
    if value != STRENGTH_LABELS[instance.score]:
        raise InvalidInput(field="label", expected=f"« {STRENGTH_LABELS[instance.score]} »")


def _check_guesses(_: Any, __: attrs.Attribute[float], value: object) -> None:
    # A logarithm of a count of guesses (at least one): a finite number, 0 or more.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value < float("inf")
    ):
        raise InvalidInput(field="guesses_log10", expected="un nombre positif ou nul")


def _check_warning(_: Any, __: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidInput(field="warning", expected="texte")


def _suggestions(values: object) -> tuple[str, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="suggestions", expected="liste de textes")
    found = tuple(values)
    if not all(isinstance(value, str) for value in found):
        raise InvalidInput(field="suggestions", expected="liste de textes")
    return found


@attrs.frozen
class PasswordStrength:
    """What a strength meter says of a password: the "Complexité du mot de passe" gauge.

    A hint for the user, not a rule: the policy decides what is accepted.
    ``warning`` and ``suggestions`` are the meter's own text (zxcvbn's is in
    English); ``label`` is the French word for ``score``.
    """

    score: int = attrs.field(validator=_check_score)
    """From 0 (guessed at once) to 4 (very hard to guess)."""
    label: str = attrs.field(validator=_check_label)
    """The French label of ``score``: one of :data:`STRENGTH_LABELS`."""
    guesses_log10: float = attrs.field(validator=_check_guesses)
    """Decimal logarithm of the estimated number of guesses needed (finite, 0 or more)."""
    warning: str = attrs.field(default="", validator=_check_warning)
    """What makes the password weak, or "" when nothing in particular does."""
    suggestions: tuple[str, ...] = attrs.field(default=(), converter=_suggestions)
    """How to make it stronger."""

    @classmethod
    def of(
        cls,
        score: int,
        *,
        guesses_log10: float,
        warning: str = "",
        suggestions: Iterable[str] = (),
    ) -> PasswordStrength:
        """A strength with the French label of ``score`` filled in."""
        if not _strict_int(score) or not 0 <= score < len(STRENGTH_LABELS):
            raise InvalidInput(field="score", expected="un entier de 0 à 4")
        return cls(
            score=score,
            label=STRENGTH_LABELS[score],
            guesses_log10=guesses_log10,
            warning=warning,
            suggestions=suggestions,
        )
