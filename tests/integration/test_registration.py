"""Journey 1: registering with a new structure that has a SIRET."""

from __future__ import annotations

import pytest

from chorus_onboarding import Actor, Espace, Purpose, StructureView
from chorus_onboarding.domain.accounts import AccountState
from chorus_onboarding.domain.structures import DEFAULT_SERVICE
from chorus_onboarding.errors import (
    InvalidForm,
    InvalidIdentifier,
    LoginEmailTaken,
    StructureAlreadyRegistered,
)
from chorus_onboarding.testing.world import FARM_SIRET, LOUISE, LOUISE_SIRET, World


def _structure_of(world: World, account_id: str) -> StructureView:
    """The one structure the account manages, as its principal manager sees it."""
    world.activate(world.service.account(Actor.support(), account_id).login_email)
    (structure,) = world.service.managed_structures(Actor.user(account_id))
    return structure


def test_registration_creates_an_account_pending_activation_and_sends_the_link(
    world: World,
) -> None:
    account_id = world.register()
    view = world.service.account(Actor.support(), account_id)
    assert view.state is AccountState.ACTIVATION_PENDING
    assert view.contact_email == LOUISE
    email = world.mailbox.last_to(LOUISE)
    assert email.subject == "Chorus Pro - Activation de votre compte"
    assert "Ce mail sera valable jusqu'au 03/02/2018 10:05:10" in email.body
    assert "heure locale France métropolitaine, GMT+1" in email.body
    assert set(world.link(LOUISE)) == {"email", "token"}


def test_the_registrant_becomes_principal_manager_of_a_structure_prefilled_from_sirene(
    world: World,
) -> None:
    account_id = world.register()
    structure = _structure_of(world, account_id)
    assert structure.principal_manager_id == account_id
    assert structure.company_name == "LE DRESSING DE LOUISE"
    assert structure.address.postal_code == "93160"
    assert structure.purposes == {Purpose.DEPOSER_DEMANDES_PAIEMENT}


def test_factures_and_sollicitations_emises_are_opened_by_default_on_the_default_service(
    world: World,
) -> None:
    structure = _structure_of(world, world.register())
    assert {open_.espace for open_ in structure.espaces} == {
        Espace.FACTURES_EMISES,
        Espace.SOLLICITATIONS_EMISES,
    }
    assert all(open_.services == {DEFAULT_SERVICE} for open_ in structure.espaces)


def test_the_default_espaces_follow_the_settings(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(registration_espaces=frozenset({Espace.FACTURES_TRAVAUX}))
    structure = _structure_of(world, world.register())
    assert [open_.espace for open_ in structure.espaces] == [Espace.FACTURES_TRAVAUX]


def test_the_company_data_typed_in_the_form_replace_the_register_values(world: World) -> None:
    account_id = world.register(company_name="Le Dressing de Louise SARL", street="12 rue Neuve")
    structure = _structure_of(world, account_id)
    assert structure.company_name == "Le Dressing de Louise SARL"
    assert structure.address.street == "12 rue Neuve"
    assert structure.address.city == "NOISY-LE-GRAND"


def test_a_siret_unknown_to_the_register_needs_name_and_address_typed(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.register(siret="08246281300013")
    assert set(refused.value.codes()) >= {"company_name"}
    account_id = world.register(
        siret="08246281300013",
        company_name="Ferme Nouvelle",
        street="1 route de la ferme",
        postal_code="12000",
        city="Rodez",
    )
    assert _structure_of(world, account_id).company_name == "Ferme Nouvelle"


def test_a_closed_establishment_cannot_register(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.register(siret="51819093900018")
    assert refused.value.codes()["siret"] == "company_closed"


def test_memoires_de_frais_de_justice_asks_for_the_categorie_de_prestataire(world: World) -> None:
    espaces = [Espace.FACTURES_EMISES, "MEMOIRES_FRAIS_JUSTICE"]
    with pytest.raises(InvalidForm) as refused:
        world.register(espaces=espaces)
    assert refused.value.codes() == {"categorie_prestataire": "required"}
    account_id = world.register(espaces=espaces, categorie_prestataire="EXPERT")
    memoires = _structure_of(world, account_id).opened(Espace.MEMOIRES_FRAIS_JUSTICE)
    assert memoires is not None
    assert memoires.parameters.categorie_prestataire is not None
    assert memoires.parameters.categorie_prestataire.name == "EXPERT"


def test_every_wrong_field_is_reported_at_once(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.register(
            login_email_confirmation="autre@exemple.fr",
            last_name=" ",
            captcha="WRONG",
            siret="52601815500015",
            purposes=[],
            contact_email="pas-une-adresse",
        )
    assert refused.value.codes() == {
        "login_email_confirmation": "email_confirmation_mismatch",
        "last_name": "required",
        "captcha": "captcha_rejected",
        "siret": "invalid_siret",
        "purposes": "purpose_required",
        "contact_email": "invalid_email",
    }
    assert world.mailbox.sent == []


def test_the_login_email_is_unique_whatever_its_case(world: World) -> None:
    world.register()
    with pytest.raises(LoginEmailTaken):
        world.register(email=LOUISE.upper(), siret=FARM_SIRET)


def test_a_refused_registration_leaves_nothing_behind(world: World) -> None:
    world.register()
    with pytest.raises(LoginEmailTaken):
        world.register(email=LOUISE, siret=FARM_SIRET)
    other = world.register(email="paul@exemple.fr", siret=FARM_SIRET)
    assert _structure_of(world, other).identifier.value == FARM_SIRET


def test_a_structure_already_on_the_portal_cannot_be_created_twice(world: World) -> None:
    world.register()
    with pytest.raises(StructureAlreadyRegistered):
        world.register(email="paul@exemple.fr", siret=LOUISE_SIRET)


def test_a_separate_contact_email_receives_nothing_of_the_activation(world: World) -> None:
    account_id = world.register(contact_email="contact@dressing-louise.fr")
    assert (
        world.service.account(Actor.support(), account_id).contact_email
        == "contact@dressing-louise.fr"
    )
    assert world.mailbox.to("contact@dressing-louise.fr") == []
    assert len(world.mailbox.to(LOUISE)) == 1


def test_the_rcs_number_must_carry_the_siret_s_siren(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.register(rcs="RCS Bobigny B 732 829 320")
    assert refused.value.codes() == {"rcs": "rcs_siren_mismatch"}
    account_id = world.register(rcs="RCS Bobigny B 526 018 155")
    rcs = _structure_of(world, account_id).rcs
    assert rcs is not None
    assert rcs.siren.value == "526018155"


def test_the_company_lookup_pre_fills_the_form(world: World) -> None:
    record = world.service.lookup_company("526 018 155 00014")
    assert record is not None
    assert record.name == "LE DRESSING DE LOUISE"
    assert world.service.lookup_company("08246281300013") is None


def test_the_company_lookup_refuses_a_malformed_siret(world: World) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        world.service.lookup_company("123")
    assert refused.value.field == "siret"
