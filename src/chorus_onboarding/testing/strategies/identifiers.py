"""Strategies for the identifiers of structures, valid and invalid.

The valid ones draw values that the matching validator of
:mod:`chorus_onboarding.domain.identifiers` accepts. Siren and Siret values
come out normalised (digits only); Pacage, Ridet and Tahiti values come out as
a user might type them (spaces, dots, lower case), so that tests exercise
normalisation too. The invalid ones draw ``(text, code)``: what a user might
type, and the code of the error the validator must answer with.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from hypothesis import strategies as st
from stdnum import luhn

from ...domain.errors import (
    IdentifierNotExpected,
    InvalidEuVat,
    InvalidForeignIdentifier,
    InvalidInput,
    InvalidPacage,
    InvalidRcs,
    InvalidRidet,
    InvalidSiren,
    InvalidSiret,
    InvalidTahiti,
)
from ...domain.identifiers import (
    ForeignIdentifier,
    IdentifierType,
    StructureIdentifier,
)
from . import _arguments

LA_POSTE_SIREN = "356000000"
"""La Poste's SIREN: its SIRETs use a digit sum rule instead of Luhn."""

_DIGITS = "0123456789"
_ALNUM = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_DIGITS, min_size=size, max_size=size)


def _with_luhn(body: str) -> str:
    return body + str(luhn.calc_check_digit(body))


def sirens() -> st.SearchStrategy[str]:
    """Valid 9-digit SIRENs (Luhn check digit last)."""
    return _digits(8).map(_with_luhn)


@st.composite
def sirets(draw: st.DrawFn) -> str:
    """Valid 14-digit SIRETs under the Luhn rule (never La Poste's SIREN)."""
    siren = draw(sirens().filter(lambda s: s != LA_POSTE_SIREN))
    return _with_luhn(siren + draw(_digits(4)))


@st.composite
def la_poste_sirets(draw: st.DrawFn) -> str:
    """Valid SIRETs of La Poste's establishments: all digits add up to a multiple of 5."""
    body = LA_POSTE_SIREN + draw(_digits(4))
    remainder = sum(map(int, body)) % 5
    # Two last digits satisfy the rule, d and d + 5: draw either.
    last = (5 - remainder) % 5 + 5 * draw(st.integers(0, 1))
    return body + str(last)


def _spaced(text: str, every: int) -> str:
    return " ".join(text[i : i + every] for i in range(0, len(text), every))


@st.composite
def pacages(draw: st.DrawFn) -> str:
    """Valid PACAGE numbers (9 digits, not all zeros), sometimes grouped by three."""
    number = draw(_digits(9).filter(lambda n: n != "000000000"))
    return _spaced(number, 3) if draw(st.booleans()) else number


@st.composite
def ridets(draw: st.DrawFn) -> str:
    """Valid RIDET numbers as written: 6 or 7-digit company number, then a 3-digit rank."""
    company = draw(st.integers(1, 9_999_999))
    width = draw(st.sampled_from([6, 7])) if company < 1_000_000 else 7
    rank = draw(_digits(3))
    separator = draw(st.sampled_from(["", ".", " ", "-"]))
    return f"{company:0{width}d}{separator}{rank}"


@st.composite
def tahitis(draw: st.DrawFn) -> str:
    """Valid numéros TAHITI: 6 letters or digits, in any case, maybe with a rank."""
    number = draw(st.text(alphabet=_ALNUM, min_size=6, max_size=6))
    rank = draw(st.none() | _digits(3))
    if rank is None:
        return number
    return number + draw(st.sampled_from(["", " ", "."])) + rank


_GREFFES = ("Paris", "Nanterre", "Lyon", "Évry", "Saint-Étienne", "Le Mans", "Aix-en-Provence")


@st.composite
def rcs_numbers(draw: st.DrawFn) -> str:
    """Valid RCS registrations in the spellings people use (marker first or last)."""
    greffe = draw(st.sampled_from(_GREFFES))
    letter = draw(st.sampled_from(["", "A ", "B ", "C ", "D "]))
    siren = draw(sirens())
    number = _spaced(siren, 3) if draw(st.booleans()) else siren
    marker = draw(st.sampled_from(["RCS", "R.C.S.", "rcs"]))
    if draw(st.booleans()):
        return f"{number} {marker} {greffe}"
    return f"{marker} {greffe} {letter}{number}"


def foreign_identifiers() -> st.SearchStrategy[str]:
    """Valid HORS_UE identifiers: printable, no surrounding or doubled spaces, ≤ 80 chars.

    Their folded identity stays within its 120 characters too (a few
    compatibility characters, such as "ﷺ", fold into many).
    """
    words = st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1, max_size=10
    )
    return (
        st.lists(words, min_size=1, max_size=6)
        .map(" ".join)
        .filter(
            lambda s: (
                len(s) <= 80
                and len(ForeignIdentifier.identity(s)) <= ForeignIdentifier.max_identity_length
            )
        )
    )


# A few real, valid numbers: generating EU VAT numbers for 26 national
# formats would duplicate python-stdnum for little gain.
EU_VAT_EXAMPLES = ("DE136695976", "BE0403019261", "ATU13585627", "IT00743110157", "ESA28015865")


def identifiers_for(kind: IdentifierType | str) -> st.SearchStrategy[str]:
    """Valid identifiers of ``kind`` (a type or its code), as typed.

    For PARTICULIER and AUTRE, those the library assigns (``PART...``,
    ``IMMAT...``), which a search form takes.
    """
    kind = IdentifierType.parse(kind)
    if kind is IdentifierType.SIRET:
        return sirets()
    if kind is IdentifierType.UE_HORS_FRANCE:
        return st.sampled_from(EU_VAT_EXAMPLES)
    if kind is IdentifierType.HORS_UE:
        return foreign_identifiers()
    if kind is IdentifierType.RIDET:
        return ridets()
    if kind is IdentifierType.TAHITI:
        return tahitis()
    return st.integers(0, 999_999_999).map(functools.partial(_assigned, kind))


def _assigned(kind: IdentifierType, number: int) -> str:
    return StructureIdentifier.assigned(kind, number).value


def structure_identifiers(
    kinds: Iterable[IdentifierType | str] = tuple(IdentifierType),
) -> st.SearchStrategy[StructureIdentifier]:
    """Valid structure identifiers of ``kinds`` (every type by default, assigned ones included)."""
    return st.one_of(
        *(
            identifiers_for(kind).map(functools.partial(StructureIdentifier, kind))
            for kind in _arguments.kinds(kinds)
        )
    )


# --- invalid identifiers, each with the code it must be refused with ----------

Refusal = tuple[str, str]
"""What a user typed, and the ``code`` of the error the library must answer with."""

_BLANKS = ("", " ", "  ", "\t")
# Never part of an identifier, and never dropped as a separator or a space:
# control characters, a zero-width space, bidirectional overrides, a BOM.
UNPRINTABLE = "\x00\x07\x1b\x7f\u200b\u202e\u2066\ufeff"
"""Characters no field takes: they hide text or make it display otherwise than it reads."""


def _digit_changed(draw: st.DrawFn, number: str) -> str:
    """``number`` with one digit changed: the Luhn check catches every such change."""
    position = draw(st.integers(0, len(number) - 1))
    digit = (int(number[position]) + draw(st.integers(1, 9))) % 10
    return number[:position] + str(digit) + number[position + 1 :]


def _wrong_length(size: int) -> st.SearchStrategy[str]:
    """Digits, but not ``size`` of them (one at least: blank is a refusal of its own)."""
    return st.one_of(
        st.text(alphabet=_DIGITS, min_size=1, max_size=size - 1),
        st.text(alphabet=_DIGITS, min_size=size + 1, max_size=size + 6),
    )


def _one_replaced(draw: st.DrawFn, text: str, by: str) -> str:
    position = draw(st.integers(0, len(text) - 1))
    return text[:position] + draw(st.sampled_from(by)) + text[position + 1 :]


@st.composite
def _luhn_mistakes(draw: st.DrawFn, valid: st.SearchStrategy[str], size: int) -> str:
    number = draw(valid)
    mistake = draw(st.sampled_from(["digit", "length", "letter", "blank"]))
    if mistake == "digit":
        return _digit_changed(draw, number)
    if mistake == "length":
        return draw(_wrong_length(size))
    if mistake == "letter":
        return _one_replaced(draw, number, "ABXZéO")
    return draw(st.sampled_from(_BLANKS))


def invalid_sirens() -> st.SearchStrategy[Refusal]:
    """SIRENs a user might mistype (a digit changed, a wrong length, a letter, nothing): ``invalid_siren``."""
    return _luhn_mistakes(sirens(), 9).map(lambda text: (text, InvalidSiren.code))


def invalid_sirets() -> st.SearchStrategy[Refusal]:
    """SIRETs a user might mistype, refused with ``invalid_siret``.

    A digit changed, a wrong length, a letter among the digits, nothing at
    all. A changed digit never lands on La Poste's SIREN: its SIRETs follow
    another rule, which the changed number might pass.
    """
    return (
        _luhn_mistakes(sirets(), 14)
        .filter(lambda text: not text.startswith(LA_POSTE_SIREN))
        .map(lambda text: (text, InvalidSiret.code))
    )


@st.composite
def _pacage_mistakes(draw: st.DrawFn) -> str:
    number = draw(pacages()).replace(" ", "")
    mistake = draw(st.sampled_from(["length", "letter", "zeros", "blank"]))
    if mistake == "length":
        return draw(_wrong_length(9))
    if mistake == "letter":
        return _one_replaced(draw, number, "ABXZé.")
    if mistake == "zeros":
        return draw(st.sampled_from(["000000000", "000 000 000"]))
    return draw(st.sampled_from(_BLANKS))


def invalid_pacages() -> st.SearchStrategy[Refusal]:
    """PACAGE numbers refused with ``invalid_pacage``: wrong length, a letter, all zeros, nothing."""
    return _pacage_mistakes().map(lambda text: (text, InvalidPacage.code))


@st.composite
def _ridet_mistakes(draw: st.DrawFn) -> str:
    mistake = draw(st.sampled_from(["length", "letter", "zeros", "blank"]))
    if mistake == "length":
        return draw(
            st.text(alphabet=_DIGITS, min_size=1, max_size=8)
            | st.text(alphabet=_DIGITS, min_size=11, max_size=14)
        )
    if mistake == "letter":
        return _one_replaced(draw, draw(ridets()).replace(".", ""), "ABXZé")
    if mistake == "zeros":
        return "0000000" + draw(_digits(3))
    return draw(st.sampled_from(_BLANKS))


def invalid_ridets() -> st.SearchStrategy[Refusal]:
    """RIDET numbers refused with ``invalid_ridet``: wrong length, a letter, company 0, nothing."""
    return _ridet_mistakes().map(lambda text: (text, InvalidRidet.code))


@st.composite
def _tahiti_mistakes(draw: st.DrawFn) -> str:
    mistake = draw(st.sampled_from(["length", "letter", "blank"]))
    if mistake == "length":
        size = draw(st.sampled_from([1, 2, 3, 4, 5, 7, 8, 10, 11, 12]))
        return draw(st.text(alphabet=_ALNUM, min_size=size, max_size=size))
    if mistake == "letter":
        # Not ASCII, or a letter in the rank.
        number = draw(st.text(alphabet=_ALNUM, min_size=6, max_size=6))
        return draw(
            st.sampled_from([number[:5] + "é", number[:5] + "Ø", number + "00A", number + "A00"])
        )
    return draw(st.sampled_from(_BLANKS))


def invalid_tahitis() -> st.SearchStrategy[Refusal]:
    """Numéros TAHITI refused with ``invalid_tahiti``: wrong length, a foreign character, nothing."""
    return _tahiti_mistakes().map(lambda text: (text, InvalidTahiti.code))


@st.composite
def _foreign_mistakes(draw: st.DrawFn) -> str:
    mistake = draw(st.sampled_from(["long", "unprintable", "blank"]))
    if mistake == "long":
        return draw(st.text(alphabet=_ALNUM, min_size=81, max_size=120))
    if mistake == "unprintable":
        return _one_replaced(draw, draw(foreign_identifiers()) + "x", UNPRINTABLE)
    return draw(st.sampled_from(_BLANKS))


def invalid_foreign_identifiers() -> st.SearchStrategy[Refusal]:
    """HORS_UE identifiers refused with ``invalid_foreign_identifier``: over 80 characters, unprintable, blank."""
    return _foreign_mistakes().map(lambda text: (text, InvalidForeignIdentifier.code))


# French numbers are not "outside France"; US and CH are not EU members;
# too short, or not a VAT number at all.
_NOT_EU_VATS = ("FR40303265045", "US123456789", "CH123456789", "DE12", "BE04", "1234567", "ESPAÑA")


def invalid_eu_vats() -> st.SearchStrategy[Refusal]:
    """Numbers refused as VAT numbers of another EU state, ``invalid_eu_vat``."""
    return st.sampled_from(_NOT_EU_VATS + _BLANKS).map(lambda text: (text, InvalidEuVat.code))


@st.composite
def _rcs_mistakes(draw: st.DrawFn) -> str:
    greffe = draw(st.sampled_from(_GREFFES))
    mistake = draw(st.sampled_from(["no_siren", "bad_siren", "two_sirens", "blank"]))
    if mistake == "no_siren":
        return f"RCS {greffe}"
    if mistake == "bad_siren":
        return f"RCS {greffe} {_digit_changed(draw, draw(sirens()))}"
    if mistake == "two_sirens":
        return f"RCS {greffe} {draw(sirens())} {draw(sirens())}"
    return draw(st.sampled_from(_BLANKS))


def invalid_rcs_numbers() -> st.SearchStrategy[Refusal]:
    """RCS registrations refused with ``invalid_rcs``: no SIREN, a wrong one, two, nothing."""
    return _rcs_mistakes().map(lambda text: (text, InvalidRcs.code))


def invalid_structure_identifiers() -> st.SearchStrategy[tuple[tuple[str, str], str]]:
    """``((identifier_type, identifier), code)`` that ``StructureIdentifier.parse`` must refuse.

    Each typed identifier is wrong for its type; PARTICULIER and AUTRE take
    no identifier (``identifier_not_expected``); an unknown type is
    ``invalid_input``.
    """

    def typed(
        kind: IdentifierType, refusals: st.SearchStrategy[Refusal]
    ) -> st.SearchStrategy[tuple[tuple[str, str], str]]:
        return refusals.map(lambda refusal: ((kind.value, refusal[0]), refusal[1]))

    assigned = st.tuples(
        st.sampled_from([IdentifierType.PARTICULIER.value, IdentifierType.AUTRE.value]),
        st.sampled_from(["PART0000000042", "IMMAT000000042", "123"]),
    ).map(lambda named: (named, IdentifierNotExpected.code))
    unknown = st.tuples(
        st.sampled_from(["SIREN", "TVA", "", "hors ue"]), st.sampled_from(["123", "A12345"])
    ).map(lambda named: (named, InvalidInput.code))
    return st.one_of(
        typed(IdentifierType.SIRET, invalid_sirets()),
        typed(IdentifierType.UE_HORS_FRANCE, invalid_eu_vats()),
        typed(IdentifierType.HORS_UE, invalid_foreign_identifiers()),
        typed(IdentifierType.RIDET, invalid_ridets()),
        typed(IdentifierType.TAHITI, invalid_tahitis()),
        assigned,
        unknown,
    )
