"""Postal addresses, services and register records: checked however they are built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chorus_onboarding.domain.errors import InvalidInput, RequiredField, ValidationError
from chorus_onboarding.domain.identifiers import IdentifierType, StructureIdentifier
from chorus_onboarding.domain.structures import COUNTRY_CODES, Address, CompanyRecord, Service

PARTS = {"street": "10 RUE DU CENTRE", "postal_code": "93160", "city": "NOISY-LE-GRAND"}
# Bidirectional embeddings, overrides and isolates: they make a line display
# otherwise than it reads ("1 rue \u202eeniS" shows as "1 rue Sine").
BIDI_CONTROLS = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


def test_an_address_built_directly_is_normalised_as_a_parsed_one() -> None:
    built = Address(street="  10  rue du Centre ", postal_code="93 160", city="Noisy", country="fr")
    assert built == Address.parse(
        street="10 rue du Centre", postal_code="93160", city="Noisy", country="FR"
    )
    assert (built.street, built.postal_code, built.country, built.complement) == (
        "10 rue du Centre",
        "93160",
        "FR",
        "",
    )
    london = Address(**{**PARTS, "country": "GB", "postal_code": "SW1A 1AA"})
    assert london.postal_code == "SW1A1AA"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"postal_code": "ABC"}, "postal_code"),
        ({"postal_code": "00123"}, "postal_code"),
        ({"postal_code": "٩٣١٦٠"}, "postal_code"),  # Arabic-Indic digits are not French digits
        ({"postal_code": "1" * 13, "country": "CH"}, "postal_code"),
        ({"postal_code": "12/34", "country": "CH"}, "postal_code"),
        ({"country": "ZZZ"}, "country"),
        ({"country": "ZZ"}, "country"),  # two letters, but no country
        ({"country": 33}, "country"),
        ({"street": "x" * 1_000_000}, "street"),
        ({"street": "1 rue\x00"}, "street"),
        ({"city": ["Paris"]}, "city"),
        ({"complement": "bât.\x07B"}, "complement"),
    ],
)
def test_an_invalid_address_cannot_be_built(changes: dict[str, object], field: str) -> None:
    for build in (Address, Address.parse):
        with pytest.raises(InvalidInput) as refused:
            build(**{**PARTS, **changes})
        assert refused.value.field == field
        assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["street", "city", "complement"])
def test_bidirectional_controls_are_refused_in_every_line(control: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Address(**{**PARTS, field: f"1 rue {control}eniS"})
    assert refused.value.field == field


def test_required_lines_are_required() -> None:
    with pytest.raises(RequiredField) as refused:
        Address(**{**PARTS, "city": "  "})
    assert refused.value.field == "city"


def test_every_country_code_is_two_upper_case_letters() -> None:
    assert len(COUNTRY_CODES) == 250  # the 249 of ISO 3166-1, and XK
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in COUNTRY_CODES)


_PART = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=30),
    st.text(alphabet="0123456789 AZaz-", max_size=14),
    st.sampled_from(["FR", "fr", "CH", "ZZ", "93160", "1200", ""]),
)


@given(street=_PART, postal_code=_PART, city=_PART, country=_PART, complement=_PART)
def test_building_and_parsing_agree_on_any_parts(
    street: object, postal_code: object, city: object, country: object, complement: object
) -> None:
    parts = {
        "street": street,
        "postal_code": postal_code,
        "city": city,
        "country": country,
        "complement": complement,
    }
    try:
        parsed = Address.parse(**parts)
    except ValidationError as error:
        with pytest.raises(type(error)):
            Address(**parts)
        return
    assert Address(**parts) == parsed
    # What is kept builds back to itself: a loaded address is what was stored.
    assert (
        Address(
            street=parsed.street,
            postal_code=parsed.postal_code,
            city=parsed.city,
            country=parsed.country,
            complement=parsed.complement,
        )
        == parsed
    )


def test_a_service_is_checked_when_built() -> None:
    assert Service(" COMPTA ", "  Comptabilité  ") == Service("COMPTA", "Comptabilité")
    for code, name, field in [
        ("", "Compta", "service"),
        ("C" * 51, "Compta", "service"),
        ("COMPTA", "\u202eatpmoC", "name"),
        ("COMPTA", None, "name"),
    ]:
        with pytest.raises(ValidationError) as refused:
            Service(code, name)
        assert refused.value.field == field


def test_a_register_record_is_checked_when_built() -> None:
    siret = StructureIdentifier(IdentifierType.SIRET, "73282932000074")
    address = Address(**PARTS)
    assert CompanyRecord(siret, "  ACME  SA ", address).name == "ACME SA"
    with pytest.raises(InvalidInput):
        CompanyRecord(siret, "\u202eAS EMCA", address)
    for identifier, named, where, active, field in [
        ("73282932000074", "ACME", address, True, "identifier"),
        (siret, "ACME", PARTS, True, "address"),
        (siret, "ACME", address, "oui", "active"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            CompanyRecord(identifier, named, where, active)  # type: ignore[arg-type]
        assert refused.value.field == field
