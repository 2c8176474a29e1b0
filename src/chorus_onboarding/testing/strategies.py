"""Hypothesis strategies that generate valid identifiers.

Every strategy here draws values that the matching validator of
:mod:`chorus_onboarding.domain.identifiers` accepts. Siren and Siret values
come out normalised (digits only); Pacage, Ridet and Tahiti values come out as
a user might type them (spaces, dots, lower case), so that tests exercise
normalisation too.
"""

from __future__ import annotations

from hypothesis import strategies as st
from stdnum import luhn

from chorus_onboarding.domain.identifiers import (
    ForeignIdentifier,
    IdentifierType,
    StructureIdentifier,
)

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


def structure_identifiers() -> st.SearchStrategy[StructureIdentifier]:
    """Valid structure identifiers of every type, assigned ones included."""
    typed = [
        sirets().map(lambda v: StructureIdentifier(IdentifierType.SIRET, v)),
        st.sampled_from(EU_VAT_EXAMPLES).map(
            lambda v: StructureIdentifier(IdentifierType.UE_HORS_FRANCE, v)
        ),
        foreign_identifiers().map(lambda v: StructureIdentifier(IdentifierType.HORS_UE, v)),
        ridets().map(lambda v: StructureIdentifier(IdentifierType.RIDET, v)),
        tahitis().map(lambda v: StructureIdentifier(IdentifierType.TAHITI, v)),
    ]
    assigned = st.builds(
        StructureIdentifier.assigned,
        st.sampled_from([IdentifierType.PARTICULIER, IdentifierType.AUTRE]),
        st.integers(0, 999_999_999),
    )
    return st.one_of(*typed, assigned)
