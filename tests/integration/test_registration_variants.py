"""Journeys 2, 3 and 4: registering without a SIRET, or for a structure already on the portal."""

from __future__ import annotations

from typing import Any

import pytest

from chorus_onboarding import (
    Actor,
    AttachmentState,
    ExistingStructureRegistration,
    IdentifierType,
    NewStructureRegistration,
    StructureNaming,
)
from chorus_onboarding.errors import InvalidForm, StructureAlreadyRegistered, StructureNotFound
from chorus_onboarding.testing.world import LOUISE, World

PAUL = "paul.martin@exemple.fr"


def _new(world: World, email: str, **fields: object) -> str:
    form = NewStructureRegistration(
        login_email=email,
        login_email_confirmation=email,
        last_name="MARTIN",
        first_name="Paul",
        captcha="XWWXS",
        **fields,  # type: ignore[arg-type]
    )
    return world.service.register_with_new_structure(form).account_id


def _existing(world: World, email: str = PAUL, **naming: Any) -> tuple[str, str | None, str | None]:
    done = world.service.register_for_existing_structure(
        ExistingStructureRegistration(
            login_email=email,
            login_email_confirmation=email,
            last_name="MARTIN",
            first_name="Paul",
            captcha="XWWXS",
            **naming,
        )
    )
    return done.account_id, done.structure_id, done.attachment_id


ADDRESS = {
    "company_name": "Bodega Sol",
    "street": "Calle Mayor 1",
    "postal_code": "28013",
    "city": "Madrid",
    "country": "ES",
}


@pytest.mark.parametrize(
    ("identifier_type", "identifier", "stored"),
    [
        ("UE_HORS_FRANCE", "ESA28015865", "ESA28015865"),
        ("HORS_UE", "  CH-123.456.789  ", "CH-123.456.789"),
        ("RIDET", "1234567.001", "1234567001"),
        ("TAHITI", "a12345", "A12345"),
    ],
)
def test_a_structure_without_siret_is_registered_with_its_own_identifier(
    world: World, identifier_type: str, identifier: str, stored: str
) -> None:
    account_id = _new(
        world, PAUL, identifier_type=identifier_type, identifier=identifier, **ADDRESS
    )
    world.activate(PAUL)
    (structure,) = world.service.managed_structures(Actor.user(account_id))
    assert structure.identifier.type is IdentifierType[identifier_type]
    assert structure.identifier.value == stored
    assert structure.company_name == "Bodega Sol"


@pytest.mark.parametrize(
    ("identifier_type", "prefix"), [("PARTICULIER", "PART"), ("AUTRE", "IMMAT")]
)
def test_the_library_assigns_an_identifier_to_a_particulier_or_a_structure_being_registered(
    world: World, identifier_type: str, prefix: str
) -> None:
    first = _new(
        world,
        PAUL,
        identifier_type=identifier_type,
        **{**ADDRESS, "country": "FR", "postal_code": "75001"},
    )
    second = _new(
        world,
        "jeanne@exemple.fr",
        identifier_type=identifier_type,
        **{**ADDRESS, "country": "FR", "postal_code": "75001"},
    )
    values = []
    for email, account_id in ((PAUL, first), ("jeanne@exemple.fr", second)):
        world.activate(email)
        (structure,) = world.service.managed_structures(Actor.user(account_id))
        values.append(structure.identifier.value)
    assert all(value.startswith(prefix) for value in values)
    assert values[0] != values[1]


def test_without_siret_name_and_address_are_typed_and_checked(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        _new(world, PAUL, identifier_type="HORS_UE", identifier="X-1")
    # The name and the address are reported together: the form shows both to type.
    assert refused.value.codes() == {"company_name": "required", "street": "required"}
    with pytest.raises(InvalidForm) as refused:
        _new(world, PAUL, identifier_type="PARTICULIER", identifier="123", **ADDRESS)
    assert refused.value.codes() == {"identifier": "identifier_not_expected"}


def test_an_eu_vat_number_must_not_be_french(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        _new(world, PAUL, identifier_type="UE_HORS_FRANCE", identifier="FR40303265045", **ADDRESS)
    assert refused.value.codes() == {"identifier": "invalid_eu_vat"}


def test_registering_for_an_existing_siret_structure_sends_an_attachment_request(
    world: World,
) -> None:
    world.active_user()
    account_id, structure_id, attachment_id = _existing(world, siret="52601815500014")
    assert structure_id is not None
    assert attachment_id is not None
    request = world.mailbox.last_to(LOUISE)
    assert request.subject == "Chorus Pro - Demande de rattachement à votre structure"
    assert "Paul MARTIN" in request.body
    world.activate(PAUL)
    (mine,) = world.service.my_attachments(Actor.user(account_id))
    assert mine.state is AttachmentState.PENDING
    assert mine.structure_name == "LE DRESSING DE LOUISE"


def test_registering_for_an_unknown_siret_is_refused_and_creates_nothing(world: World) -> None:
    with pytest.raises(StructureNotFound):
        _existing(world, siret="52601815500014")
    assert world.memory.accounts.rows == {}


def test_registering_for_an_existing_structure_without_siret_creates_the_account_alone(
    world: World,
) -> None:
    _new(world, "owner@exemple.fr", identifier_type="HORS_UE", identifier="CH-1", **ADDRESS)
    account_id, structure_id, attachment_id = _existing(
        world, identifier_type="HORS_UE", identifier="CH-1"
    )
    assert (structure_id, attachment_id) == (None, None)
    world.activate(PAUL)
    assert world.service.my_attachments(Actor.user(account_id)) == []


def test_an_existing_structure_registration_checks_every_field(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.service.register_for_existing_structure(
            ExistingStructureRegistration(
                login_email="x",
                login_email_confirmation="y",
                last_name="",
                first_name="P",
                captcha="no",
            )
        )
    assert set(refused.value.codes()) == {"login_email", "last_name", "captcha", "siret"}


# --- HORS_UE identity: one structure whatever the case, width or compatibility forms ---


@pytest.mark.parametrize(
    "again", ["ａｃｍｅ－１２３", "acme-123", "ＡＣＭＥ－１２３", " Acme-123 "]
)
def test_a_hors_ue_identifier_registers_one_structure_whatever_its_form(
    world: World, again: str
) -> None:
    first = _new(world, PAUL, identifier_type="HORS_UE", identifier="ACME-123", **ADDRESS)
    with pytest.raises(StructureAlreadyRegistered) as refused:
        _new(world, LOUISE, identifier_type="HORS_UE", identifier=again, **ADDRESS)
    assert refused.value.field == "identifier"
    world.activate(PAUL)
    (structure,) = world.service.managed_structures(Actor.user(first))
    assert structure.identifier.value == "ACME-123", "the form first typed is the one shown"


def test_a_hors_ue_structure_is_found_by_any_form_of_its_identifier(world: World) -> None:
    _new(world, PAUL, identifier_type="HORS_UE", identifier="ACME-123", **ADDRESS)
    searcher = world.user_without_structure("jeanne.durand@exemple.fr")
    for typed in ("ACME-123", "acme-123", "ａｃｍｅ－１２３"):
        (found,) = world.service.search_structures(
            searcher, StructureNaming(identifier_type="HORS_UE", identifier=typed)
        )
        assert found.identifier.value == "ACME-123"


def test_folding_hors_ue_identifiers_leaves_other_types_apart(world: World) -> None:
    # The same text under another type is another structure, and a Tahiti
    # number was already upper-cased: nothing there changes.
    _new(world, PAUL, identifier_type="HORS_UE", identifier="a12345", **ADDRESS)
    _new(world, LOUISE, identifier_type="TAHITI", identifier="a12345", **ADDRESS)
    with pytest.raises(StructureAlreadyRegistered):
        _new(
            world,
            "jeanne.durand@exemple.fr",
            identifier_type="TAHITI",
            identifier="A12345",
            **ADDRESS,
        )
