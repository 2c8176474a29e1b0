"""Unit tests for structure identifiers and their validators."""

from __future__ import annotations

import pytest

from chorus_onboarding.domain.errors import (
    IdentifierNotExpected,
    InvalidEuVat,
    InvalidForeignIdentifier,
    InvalidIdentifier,
    InvalidInput,
    InvalidRidet,
    InvalidSiret,
    InvalidTahiti,
    OnboardingError,
    RcsSirenMismatch,
)
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

VALIDATORS = [Siren, Siret, Rcs, EuVat, Ridet, Tahiti, ForeignIdentifier, Pacage]
Validator = type[Siren | Siret | Rcs | EuVat | Ridet | Tahiti | ForeignIdentifier | Pacage]

JUNK: list[object] = [None, 12345, b"x", [], "", " ", "x" * 10_000, "\x00", "é" * 20]


def reason_of(validator: Validator, text: object) -> str:
    with pytest.raises(InvalidIdentifier) as caught:
        validator.validate(text)
    assert type(caught.value) is validator.error
    return caught.value.reason


# --- IdentifierType ---------------------------------------------------------


@pytest.mark.parametrize("code", [t.value for t in IdentifierType])
def test_each_type_parses_from_its_code_in_any_case_with_spaces_around(code: str) -> None:
    assert IdentifierType.parse(f"  {code.lower()} ") is IdentifierType(code)


def test_a_type_parses_from_itself() -> None:
    assert IdentifierType.parse(IdentifierType.RIDET) is IdentifierType.RIDET


@pytest.mark.parametrize("junk", [None, 3, "", "SIRENE", "Structure avec n° SIRET", ["SIRET"]])
def test_an_unknown_type_is_an_invalid_input_on_identifier_type(junk: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        IdentifierType.parse(junk)
    assert caught.value.field == "identifier_type"


def test_types_carry_the_portal_labels() -> None:
    assert IdentifierType.SIRET.label == "Structure avec n° SIRET"
    assert IdentifierType.UE_HORS_FRANCE.label == "Structure européenne hors France"
    assert IdentifierType.AUTRE.label == "En cours d'immatriculation"
    assert all(t.label for t in IdentifierType)


def test_only_particulier_and_autre_take_no_typed_identifier() -> None:
    no_identifier = {t for t in IdentifierType if not t.takes_identifier}
    assert no_identifier == {IdentifierType.PARTICULIER, IdentifierType.AUTRE}


# --- SIREN and SIRET --------------------------------------------------------


@pytest.mark.parametrize("siren", ["732829320", "552081317", "356000000", "542065479"])
def test_real_sirens_are_valid(siren: str) -> None:
    assert Siren.validate(siren) == siren


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # Danone, head office
        "55208131766522",  # EDF
        "35600000000048",  # La Poste's head office: plain Luhn
        "35600000049837",  # La Poste establishments: digit sum rule, not Luhn
        "35600000052135",
    ],
)
def test_real_sirets_are_valid(siret: str) -> None:
    assert Siret.validate(siret) == siret
    assert Siret.is_valid(siret)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("732 829 320 00074", "73282932000074"),
        ("732.829.320.00074", "73282932000074"),
        ("732-829-320-00074", "73282932000074"),
        ("\t732\u00a0829\u202f320 00074\n", "73282932000074"),
    ],
)
def test_a_siret_is_normalised_to_its_digits(text: str, expected: str) -> None:
    assert Siret.validate(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("73282932000075", "checksum"),
        ("35600000049838", "checksum"),  # La Poste, digit sum not a multiple of 5
        ("7328293200007", "length"),
        ("732829320000740", "length"),
        ("7328293200007A", "format"),
        ("７３２８２９３２０００７４", "format"),  # full-width digits are not digits here
        ("   ", "empty"),
        (73282932000074, "type"),
    ],
)
def test_a_bad_siret_is_refused_with_its_reason(text: object, reason: str) -> None:
    assert reason_of(Siret, text) == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [("732829321", "checksum"), ("73282932", "length"), ("73282932O", "format"), ("", "empty")],
)
def test_a_bad_siren_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(Siren, text) == reason


def test_a_siret_splits_into_siren_and_nic_and_formats_like_insee() -> None:
    siret = Siret.parse("73282932000074")
    assert siret.siren == Siren("732829320")
    assert siret.nic == "00074"
    assert siret.formatted == "732 829 320 00074"
    assert siret.siren.formatted == "732 829 320"


def test_constructing_a_siret_normalises_it_so_equal_numbers_are_equal() -> None:
    assert Siret("732 829 320 00074") == Siret("73282932000074")
    assert str(Siret("732 829 320 00074")) == "73282932000074"


def test_constructing_an_invalid_siret_raises_so_none_can_exist() -> None:
    with pytest.raises(InvalidSiret):
        Siret("73282932000075")


def test_a_validator_error_has_no_field_unless_one_is_given() -> None:
    with pytest.raises(InvalidSiret) as caught:
        Siret.validate("1")
    assert caught.value.field is None
    with pytest.raises(InvalidSiret) as caught:
        Siret.parse("1", field="siret")
    assert caught.value.field == "siret"


# --- RCS ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RCS Paris B 732 829 320", "RCS PARIS B 732 829 320"),
        ("Paris B 732829320", "RCS PARIS B 732 829 320"),
        ("732 829 320 R.C.S. Nanterre", "RCS NANTERRE 732 829 320"),
        ("732 829 320 RCS Nanterre", "RCS NANTERRE 732 829 320"),
        ("R.C.S. de Paris 732.829.320", "RCS PARIS 732 829 320"),
        ("rcs d'Évry b 732829320", "RCS EVRY B 732 829 320"),
        ("RCS Saint-Étienne, D 552 081 317", "RCS SAINT-ETIENNE D 552 081 317"),
        ("R C S  Le Mans  A 552081317", "RCS LE MANS A 552 081 317"),
    ],
)
def test_common_rcs_spellings_normalise_to_one_canonical_form(text: str, expected: str) -> None:
    assert Rcs.validate(text) == expected
    assert Rcs.validate(expected) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("RCS Paris B 732 829 321", "checksum"),
        ("RCS Paris B", "format"),
        ("RCS 732 829 320", "format"),  # no greffe
        ("RCS Paris 732 829 320 552 081 317", "format"),  # two numbers
        ("RCS Paris A B 732 829 320", "format"),  # two letters
        ("RCS Paris B 73282932", "format"),
        ("RCS P@ris B 732 829 320", "format"),
        ("RCS de de Paris 732 829 320", "format"),  # would not survive a second pass
    ],
)
def test_a_bad_rcs_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(Rcs, text) == reason


def test_an_rcs_exposes_its_siren_and_greffe() -> None:
    with_letter = Rcs.parse("RCS Paris B 732 829 320")
    without_letter = Rcs.parse("732 829 320 RCS Le Mans")
    assert with_letter.siren == Siren("732829320")
    assert with_letter.greffe == "PARIS"
    assert without_letter.greffe == "LE MANS"


def test_an_rcs_matches_a_siret_with_the_same_siren() -> None:
    Rcs.parse("RCS Paris B 732 829 320").check_matches(Siret.parse("73282932000074"))


def test_an_rcs_with_another_siren_than_the_siret_is_a_mismatch_on_field_rcs() -> None:
    with pytest.raises(RcsSirenMismatch) as caught:
        Rcs.parse("RCS Paris B 552 081 317").check_matches(Siret.parse("73282932000074"))
    assert caught.value.field == "rcs"


# --- EU VAT -----------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["DE136695976", "BE0403019261", "ATU13585627", "IT00743110157", "ESA28015865", "IE6388047V"],
)
def test_real_vat_numbers_of_other_member_states_are_valid(number: str) -> None:
    assert EuVat.validate(number) == number


def test_a_vat_number_is_compacted_to_upper_case_with_its_prefix() -> None:
    assert EuVat.validate(" de 136.695-976 ") == "DE136695976"
    assert EuVat.parse("atu 135 856 27").country == "AT"


def test_a_greek_vat_number_always_uses_the_el_prefix_and_country_gr() -> None:
    assert EuVat.validate("GR094259216") == "EL094259216"
    assert EuVat.parse("EL094259216").country == "GR"


@pytest.mark.parametrize(
    "number",
    [
        "FR40303265045",  # valid French VAT: not "outside France"
        "XI123456782",  # Northern Ireland: valid for python-stdnum, not a member state
        "GB980780684",
        "CHE123456789",
        "EU123456789",
    ],
)
def test_vat_numbers_from_france_or_outside_the_member_states_are_refused_for_country(
    number: str,
) -> None:
    assert reason_of(EuVat, number) == "country"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("DE136695977", "checksum"), ("DE13669597", "length"), ("136695976", "format")],
)
def test_a_bad_vat_number_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(EuVat, text) == reason


# --- RIDET, TAHITI, foreign, PACAGE -----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567.001", "1234567001"),
        ("1 234 567 001", "1234567001"),
        ("123456.001", "0123456001"),
        ("0123456001", "0123456001"),
    ],
)
def test_a_ridet_is_normalised_to_ten_digits(text: str, expected: str) -> None:
    assert Ridet.validate(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12345.001", "length"),
        ("12345678.001", "length"),
        ("123456A001", "format"),
        ("0000000.001", "format"),
    ],
)
def test_a_bad_ridet_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(Ridet, text) == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a12345", "A12345"), ("A12345 001", "A12345001"), ("123456.002", "123456002")],
)
def test_a_tahiti_number_is_normalised_upper_case_without_separators(
    text: str, expected: str
) -> None:
    assert Tahiti.validate(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A1234", "length"),
        ("A1234500", "length"),
        ("A12345AB1", "format"),
        ("A1234_", "format"),
        ("Aßßßß1", "format"),
    ],
)
def test_a_bad_tahiti_number_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(Tahiti, text) == reason


def test_a_foreign_identifier_is_stripped_with_inner_whitespace_collapsed() -> None:
    assert ForeignIdentifier.validate("  EIN  12-3456789\t(US) ") == "EIN 12-3456789 (US)"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("x" * 81, "length"), ("ABC\x07", "format"), ("ABC\u200b", "format"), ("\n\t ", "empty")],
)
def test_a_bad_foreign_identifier_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(ForeignIdentifier, text) == reason


def test_a_foreign_identifier_of_exactly_80_characters_is_accepted() -> None:
    assert ForeignIdentifier.is_valid("x" * 80)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("000000000", "format"),
        ("12345678", "length"),
        ("12345678X", "format"),
        ("123.456.789", "format"),
    ],
)
def test_a_bad_pacage_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason_of(Pacage, text) == reason


def test_a_pacage_loses_its_spaces() -> None:
    assert Pacage.parse(" 012 345 678 ").value == "012345678"


# --- junk, for every validator ----------------------------------------------


# Accented letters are a legitimate foreign identifier (printable text).
JUNK_CASES = [
    pytest.param(validator, junk, id=f"{validator.__name__}-{junk!r:.20}")
    for validator in VALIDATORS
    for junk in JUNK
    if not (validator is ForeignIdentifier and junk == "é" * 20)
]


def test_accented_text_is_a_valid_foreign_identifier() -> None:
    assert ForeignIdentifier.is_valid("é" * 20)


@pytest.mark.parametrize(("validator", "junk"), JUNK_CASES)
def test_junk_raises_the_validators_own_error_never_a_type_error(
    validator: Validator, junk: object
) -> None:
    with pytest.raises(validator.error) as caught:
        validator.validate(junk)
    assert isinstance(caught.value, OnboardingError)
    assert isinstance(caught.value, ValueError)
    assert not validator.is_valid(junk)
    with pytest.raises(validator.error):
        validator(junk)  # type: ignore[arg-type]


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
def test_non_text_is_refused_for_type_and_blank_text_for_empty(validator: Validator) -> None:
    assert reason_of(validator, None) == "type"
    assert reason_of(validator, b"73282932000074") == "type"
    assert reason_of(validator, " \t") == "empty"


# --- StructureIdentifier ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "expected", "identity"),
    [
        ("SIRET", "732 829 320 00074", "73282932000074", "73282932000074"),
        ("UE_HORS_FRANCE", "de136695976", "DE136695976", "DE136695976"),
        ("HORS_UE", " EIN  12-3456789 ", "EIN 12-3456789", "ein 12-3456789"),
        ("RIDET", "123456.001", "0123456001", "0123456001"),
        ("TAHITI", "a12345", "A12345", "A12345"),
    ],
)
def test_parse_dispatches_to_the_validator_of_the_type(
    kind: str, text: str, expected: str, identity: str
) -> None:
    identifier = StructureIdentifier.parse(kind, text)
    assert identifier == StructureIdentifier(IdentifierType(kind), expected)
    assert identifier is not None
    assert identifier.key == f"{kind}:{identity}"
    assert str(identifier) == expected


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (IdentifierType.SIRET, InvalidSiret),
        (IdentifierType.UE_HORS_FRANCE, InvalidEuVat),
        (IdentifierType.HORS_UE, InvalidForeignIdentifier),
        (IdentifierType.RIDET, InvalidRidet),
        (IdentifierType.TAHITI, InvalidTahiti),
    ],
)
def test_parse_raises_the_types_error_on_field_identifier(
    kind: IdentifierType, error: type[InvalidIdentifier]
) -> None:
    with pytest.raises(error) as caught:
        StructureIdentifier.parse(kind, "\x00")
    assert caught.value.field == "identifier"


def test_a_vat_number_is_not_a_siret() -> None:
    with pytest.raises(InvalidSiret):
        StructureIdentifier.parse(IdentifierType.SIRET, "DE136695976")


@pytest.mark.parametrize("kind", [IdentifierType.PARTICULIER, IdentifierType.AUTRE])
@pytest.mark.parametrize("text", [None, "", "   "])
def test_types_without_identifier_accept_no_text_and_leave_it_to_be_assigned(
    kind: IdentifierType, text: str | None
) -> None:
    assert StructureIdentifier.parse(kind, text) is None


@pytest.mark.parametrize("kind", ["PARTICULIER", "AUTRE"])
@pytest.mark.parametrize("text", ["73282932000074", "PART0000000001", 0])
def test_types_without_identifier_refuse_any_typed_identifier(kind: str, text: object) -> None:
    with pytest.raises(IdentifierNotExpected) as caught:
        StructureIdentifier.parse(kind, text)
    assert caught.value.field == "identifier"


def test_parse_with_an_unknown_type_is_an_invalid_input_on_identifier_type() -> None:
    with pytest.raises(InvalidInput) as caught:
        StructureIdentifier.parse("SIREN", "732829320")
    assert caught.value.field == "identifier_type"


def test_assigned_identifiers_are_zero_padded_with_their_prefix() -> None:
    particulier = StructureIdentifier.assigned(IdentifierType.PARTICULIER, 42)
    autre = StructureIdentifier.assigned("autre", 42)
    assert particulier.value == "PART0000000042"
    assert autre.value == "IMMAT000000042"
    assert autre.key == "AUTRE:IMMAT000000042"
    assert StructureIdentifier.assigned(IdentifierType.AUTRE, 999_999_999).value == "IMMAT999999999"


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (IdentifierType.PARTICULIER, -1),
        (IdentifierType.PARTICULIER, 10**10),
        (IdentifierType.AUTRE, 10**9),
        (IdentifierType.AUTRE, True),
        (IdentifierType.AUTRE, "12"),
        (IdentifierType.SIRET, 1),
        ("nonsense", 1),
    ],
)
def test_assigned_refuses_other_types_and_out_of_range_numbers(kind: object, number: int) -> None:
    with pytest.raises(InvalidInput):
        StructureIdentifier.assigned(kind, number)


def test_a_structure_identifier_rebuilt_from_storage_is_checked() -> None:
    assert StructureIdentifier(IdentifierType.PARTICULIER, "PART0000000042").value
    with pytest.raises(IdentifierNotExpected):
        StructureIdentifier(IdentifierType.PARTICULIER, "IMMAT000000042")
    with pytest.raises(InvalidSiret):
        StructureIdentifier(IdentifierType.SIRET, "73282932000075")
    with pytest.raises(InvalidInput):
        StructureIdentifier("SIRET", "73282932000074")  # type: ignore[arg-type]


def test_the_key_tells_apart_equal_values_of_different_types() -> None:
    tahiti = StructureIdentifier(IdentifierType.TAHITI, "123456001")
    hors_ue = StructureIdentifier(IdentifierType.HORS_UE, "123456001")
    assert tahiti.key != hors_ue.key
    assert tahiti != hors_ue


# --- HORS_UE identity: folded, the typed form kept for display -------------------


@pytest.mark.parametrize(
    "typed", ["ACME-123", "acme-123", "ＡＣＭＥ－１２３", "ａｃｍｅ－１２３", "  Acme-123 "]
)
def test_a_hors_ue_identifier_folds_case_width_and_compatibility_forms(typed: str) -> None:
    identifier = StructureIdentifier.parse(IdentifierType.HORS_UE, typed)
    assert identifier is not None
    assert identifier.key == "HORS_UE:acme-123"
    assert identifier.value == typed.strip(), "shown as typed"
    assert identifier == StructureIdentifier(IdentifierType.HORS_UE, "ACME-123")
    assert hash(identifier) == hash(StructureIdentifier(IdentifierType.HORS_UE, "ACME-123"))


def test_folding_collapses_the_spaces_compatibility_forms_bring() -> None:
    # NFKC turns "¨" into a space and a combining diaeresis, "ß" folds to "ss".
    assert ForeignIdentifier.identity("Straße ¨ Nr ①") == "strasse ̈ nr 1"
    assert ForeignIdentifier.identity("ﬁrma Ⅻ") == "firma xii"


def test_a_hors_ue_identifier_whose_folded_form_is_too_long_is_refused() -> None:
    # Each "ﷺ" folds into 18 characters: the key would not fit its column.
    assert ForeignIdentifier.is_valid("ﷺ" * 6)
    assert reason_of(ForeignIdentifier, "ﷺ" * 7) == "length"


def test_the_keys_of_other_types_are_their_normalised_values() -> None:
    assert StructureIdentifier(IdentifierType.SIRET, "732 829 320 00074").key == (
        "SIRET:73282932000074"
    )
    assert StructureIdentifier(IdentifierType.TAHITI, "a12345").key == "TAHITI:A12345"
    assert StructureIdentifier(IdentifierType.UE_HORS_FRANCE, "esa28015865").key == (
        "UE_HORS_FRANCE:ESA28015865"
    )
    assert StructureIdentifier.assigned(IdentifierType.PARTICULIER, 7).key == (
        "PARTICULIER:PART0000000007"
    )
    for kind in (Siren, Siret, Rcs, EuVat, Ridet, Tahiti, Pacage):
        assert kind.identity("ANY value") == "ANY value"
