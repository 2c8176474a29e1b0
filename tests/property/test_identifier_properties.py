"""Property-based tests for the identifier validators."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chorus_onboarding.domain.errors import InvalidSiren, InvalidSiret
from chorus_onboarding.domain.identifiers import (
    EuVat,
    ForeignIdentifier,
    IdentifierType,
    Pacage,
    Rcs,
    Ridet,
    Siren,
    Siret,
    StructureIdentifier,
    Tahiti,
)
from chorus_onboarding.testing import strategies as ids

VALIDATORS = [Siren, Siret, Rcs, EuVat, Ridet, Tahiti, ForeignIdentifier, Pacage]
Validator = type[Siren | Siret | Rcs | EuVat | Ridet | Tahiti | ForeignIdentifier | Pacage]


def with_digit(number: str, position: int, digit: int) -> str:
    return number[:position] + str(digit) + number[position + 1 :]


single_digit_change = st.tuples(st.integers(0, 13), st.integers(1, 9))


# --- SIRET and SIREN ----------------------------------------------------------


@given(ids.sirets())
def test_generated_sirets_validate_unchanged(siret: str) -> None:
    assert Siret.validate(siret) == siret


@given(ids.sirets(), single_digit_change)
def test_any_single_digit_change_to_a_siret_is_rejected(
    siret: str, change: tuple[int, int]
) -> None:
    """Luhn catches every single-digit change, except one that lands on La Poste's SIREN.

    Landing on SIREN 356000000 switches the check to La Poste's digit sum rule,
    which such a number may well satisfy: those cases are skipped.
    """
    position, shift = change
    changed = with_digit(siret, position, (int(siret[position]) + shift) % 10)
    assume(not changed.startswith(ids.LA_POSTE_SIREN))
    with pytest.raises(InvalidSiret):
        Siret.validate(changed)


@given(ids.la_poste_sirets())
def test_generated_la_poste_sirets_validate(siret: str) -> None:
    assert Siret.validate(siret) == siret
    assert Siret.parse(siret).siren.value == ids.LA_POSTE_SIREN


@given(ids.la_poste_sirets(), single_digit_change)
def test_a_la_poste_siret_with_a_digit_changed_by_other_than_five_is_rejected(
    siret: str, change: tuple[int, int]
) -> None:
    """The digit sum moves off a multiple of 5, unless the change lands on the head office.

    35600000000048 is checked with plain Luhn (it is valid), so a change that
    happens to produce it is skipped.
    """
    position, shift = change
    new_digit = (int(siret[position]) + shift) % 10
    assume((new_digit - int(siret[position])) % 5 != 0)
    changed = with_digit(siret, position, new_digit)
    assume(changed != "35600000000048")
    assert not Siret.is_valid(changed)


@given(ids.la_poste_sirets(), st.integers(9, 13))
def test_a_la_poste_nic_digit_changed_by_five_still_validates(siret: str, position: int) -> None:
    """The digit sum rule's known blind spot, pinned down so that it stays visible."""
    changed = with_digit(siret, position, (int(siret[position]) + 5) % 10)
    assume(changed != "35600000000048")
    assert Siret.is_valid(changed)


@given(ids.sirens(), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_to_a_siren_is_rejected(
    siren: str, position: int, shift: int
) -> None:
    with pytest.raises(InvalidSiren):
        Siren.validate(with_digit(siren, position, (int(siren[position]) + shift) % 10))


@given(ids.sirets())
def test_an_rcs_built_from_a_sirets_siren_matches_it(siret: str) -> None:
    rcs = Rcs.parse(f"RCS Lyon B {siret[:9]}")
    rcs.check_matches(Siret(siret))
    assert Rcs.validate(rcs.value) == rcs.value


# --- round trips ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "valid"),
    [
        pytest.param(Siren, ids.sirens(), id="Siren"),
        pytest.param(Siret, ids.sirets(), id="Siret"),
        pytest.param(Rcs, ids.rcs_numbers(), id="Rcs"),
        pytest.param(Pacage, ids.pacages(), id="Pacage"),
        pytest.param(Ridet, ids.ridets(), id="Ridet"),
        pytest.param(Tahiti, ids.tahitis(), id="Tahiti"),
        pytest.param(ForeignIdentifier, ids.foreign_identifiers(), id="ForeignIdentifier"),
    ],
)
@given(data=st.data())
def test_validating_a_generated_value_is_idempotent(
    validator: Validator, valid: st.SearchStrategy[str], data: st.DataObject
) -> None:
    normalised = validator.validate(data.draw(valid))
    assert validator.validate(normalised) == normalised
    assert validator(normalised).value == normalised


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@given(text=st.text())
def test_is_valid_agrees_with_validate_and_validate_is_idempotent_on_any_text(
    validator: Validator, text: str
) -> None:
    if validator.is_valid(text):
        normalised = validator.validate(text)
        assert validator.validate(normalised) == normalised
    else:
        with pytest.raises(validator.error):
            validator.validate(text)


@given(ids.structure_identifiers())
def test_a_structure_identifier_parses_back_from_its_type_and_value(
    identifier: StructureIdentifier,
) -> None:
    if identifier.type.takes_identifier:
        assert StructureIdentifier.parse(identifier.type, identifier.value) == identifier
    else:
        assert StructureIdentifier(identifier.type, identifier.value) == identifier
    assert identifier.key.startswith(f"{identifier.type.value}:")


def _full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _ascii_case_swapped(text: str) -> str:
    return "".join(c.swapcase() if c.isascii() else c for c in text)


@given(ids.foreign_identifiers())
def test_a_hors_ue_identity_ignores_ascii_case_and_width_and_folds_once(text: str) -> None:
    identity = ForeignIdentifier.identity(text)
    # Folding a folded value changes nothing: revision 0004 relies on it.
    assert ForeignIdentifier.identity(identity) == identity
    for variant in (_full_width(text), _ascii_case_swapped(text)):
        if ForeignIdentifier.is_valid(variant):
            same = StructureIdentifier(IdentifierType.HORS_UE, variant)
            assert same.key == StructureIdentifier(IdentifierType.HORS_UE, text).key
