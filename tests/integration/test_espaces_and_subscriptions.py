"""Journeys 9, 10 and 11: espaces, subscriptions, centres de gestion, and access computed live."""

from __future__ import annotations

from datetime import date

import pytest

from chorus_onboarding import (
    Actor,
    Address,
    Espace,
    ExistingStructureRegistration,
    NewStructure,
    StructureStatus,
    SubscriptionState,
)
from chorus_onboarding.domain.errors import InvalidPacage, RequiredField
from chorus_onboarding.errors import (
    EspaceNotOpen,
    Forbidden,
    InvalidForm,
    InvalidInput,
    InvalidTransition,
    NotAttached,
    NotFound,
    PrincipalHasAllRights,
    SubscriptionExists,
    TicOnAgriculturalCentre,
    UnknownService,
)
from chorus_onboarding.testing.world import LOUISE, World

PAUL = "paul.martin@exemple.fr"
C, M = "CONSULTATION_UNIQUEMENT", "MODIFICATION"


@pytest.fixture
def louise(world: World) -> Actor:
    return world.active_user()


@pytest.fixture
def structure_id(world: World, louise: Actor) -> str:
    return world.service.managed_structures(louise)[0].id


@pytest.fixture
def paul(world: World, louise: Actor, structure_id: str) -> Actor:
    paul = world.user_without_structure(PAUL)
    world.attach(louise, structure_id, PAUL)
    return paul


def _can(world: World, user: Actor, structure_id: str, espace: str, mode: str) -> bool:
    return world.service.can_access(str(user.account_id), structure_id, espace, mode)


# --- journey 9 -------------------------------------------------------------------


def test_the_principal_manager_opens_tic_with_its_parameters(
    world: World, louise: Actor, structure_id: str
) -> None:
    world.service.open_espace(
        louise,
        structure_id,
        "DEMANDE_REMBOURSEMENT_TIC",
        categorie_beneficiaire="EXPLOITANT_INDIVIDUEL",
        pacage="012 345 678",
    )
    tic = world.service.structure(louise, structure_id).opened(Espace.DEMANDE_REMBOURSEMENT_TIC)
    assert tic is not None
    assert tic.parameters.pacage is not None
    assert tic.parameters.pacage.value == "012345678"


def test_tic_asks_for_the_categorie_and_checks_the_pacage(
    world: World, louise: Actor, structure_id: str
) -> None:
    with pytest.raises(RequiredField):
        world.service.open_espace(louise, structure_id, "DEMANDE_REMBOURSEMENT_TIC")
    with pytest.raises(InvalidPacage):
        world.service.open_espace(
            louise,
            structure_id,
            "DEMANDE_REMBOURSEMENT_TIC",
            categorie_beneficiaire="SOCIETE_AGRICOLE",
            pacage="12",
        )


def test_tic_cannot_be_opened_on_a_centre_de_gestion_nor_the_reverse(
    world: World, louise: Actor, structure_id: str
) -> None:
    world.service.set_agricultural_centre(louise, structure_id, True)
    with pytest.raises(TicOnAgriculturalCentre) as refused:
        world.service.open_espace(
            louise, structure_id, "DEMANDE_REMBOURSEMENT_TIC", categorie_beneficiaire="AUTRE"
        )
    assert "centre de gestion agricole" in str(refused.value)
    world.service.set_agricultural_centre(louise, structure_id, False)
    world.service.open_espace(
        louise, structure_id, "DEMANDE_REMBOURSEMENT_TIC", categorie_beneficiaire="AUTRE"
    )
    with pytest.raises(TicOnAgriculturalCentre):
        world.service.set_agricultural_centre(louise, structure_id, True)


def test_only_the_principal_manager_opens_and_closes_espaces(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    world.service.grant_manager(louise, structure_id, str(paul.account_id))
    with pytest.raises(Forbidden):
        world.service.open_espace(paul, structure_id, "FACTURES_TRAVAUX")
    with pytest.raises(Forbidden):
        world.service.close_espace(paul, structure_id, "FACTURES_EMISES")
    world.service.close_espace(louise, structure_id, "FACTURES_EMISES")
    with pytest.raises(EspaceNotOpen):
        world.service.close_espace(louise, structure_id, "FACTURES_EMISES")


def test_an_espace_is_opened_per_service_and_mode(
    world: World, louise: Actor, structure_id: str
) -> None:
    world.service.add_service(louise, structure_id, "COMPTA", "Service comptabilité")
    world.service.open_espace(
        louise, structure_id, "FACTURES_TRAVAUX", services=["COMPTA"], modification=False
    )
    opened = world.service.structure(louise, structure_id).opened(Espace.FACTURES_TRAVAUX)
    assert opened is not None
    assert (opened.services, opened.consultation, opened.modification) == (
        frozenset({"COMPTA"}),
        True,
        False,
    )
    with pytest.raises(UnknownService):
        world.service.open_espace(louise, structure_id, "ENGAGEMENTS", services=["NOPE"])
    with pytest.raises(RequiredField):
        world.service.open_espace(
            louise, structure_id, "ENGAGEMENTS", consultation=False, modification=False
        )


def test_the_principal_manager_modifies_the_structure(
    world: World, louise: Actor, structure_id: str
) -> None:
    address = Address.parse(street="1 place Neuve", postal_code="93160", city="Noisy-le-Grand")
    world.service.modify_structure(louise, structure_id, label="Boutique", address=address)
    view = world.service.structure(louise, structure_id)
    assert (view.label, view.address.street, view.company_name) == (
        "Boutique",
        "1 place Neuve",
        "LE DRESSING DE LOUISE",
    )
    with pytest.raises(InvalidForm) as refused:
        world.service.modify_structure(louise, structure_id, status="FERME")
    assert refused.value.codes() == {"status": "invalid_input"}


def test_a_bidirectional_override_never_reaches_a_structure_s_address(
    world: World, louise: Actor, structure_id: str
) -> None:
    # "1 place \u202eenueN" would show as "1 place Neuve": refused when built...
    with pytest.raises(InvalidInput) as refused:
        Address(street="1 place \u202eenueN", postal_code="93160", city="Noisy-le-Grand")
    assert refused.value.field == "street"
    # ...and when an instance was pieced together around the constructor.
    forged = Address(street="1 place Neuve", postal_code="93160", city="Noisy-le-Grand")
    object.__setattr__(forged, "street", "1 place \u202eenueN")
    with pytest.raises(InvalidForm) as refused_form:
        world.service.modify_structure(louise, structure_id, label="Boutique", address=forged)
    assert refused_form.value.codes() == {"street": "invalid_input"}
    view = world.service.structure(louise, structure_id)
    assert (view.label, view.address.street) == ("", "10 RUE DU CENTRE")


# --- journey 10 ------------------------------------------------------------------


def test_a_member_asks_for_a_subscription_and_the_principal_manager_validates_it(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    request = world.service.request_subscription(
        paul,
        structure_id,
        "FACTURES_EMISES",
        habilitation=M,
        request_date=date(2018, 1, 11),
        comment="Pour la facturation",
    )
    assert world.mailbox.last_to(LOUISE).subject == "Chorus Pro - Demande d'abonnement à un espace"
    (waiting,) = world.service.pending_subscription_requests(louise, structure_id)
    assert (waiting.id, waiting.state, waiting.request_date) == (
        request,
        SubscriptionState.EN_COURS_DE_VALIDATION,
        date(2018, 1, 11),
    )
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    world.service.validate_subscription(louise, request)
    assert world.mailbox.last_to(PAUL).subject == "Chorus Pro - Abonnement validé"
    assert _can(world, paul, structure_id, "FACTURES_EMISES", M)
    assert _can(world, paul, structure_id, "FACTURES_EMISES", C), (
        "modification implies consultation"
    )


def test_a_consultation_subscription_does_not_give_modification(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    world.service.validate_subscription(
        louise, world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    )
    assert _can(world, paul, structure_id, "FACTURES_EMISES", C)
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", M)


def test_a_subscription_needs_an_attachment_and_an_open_espace(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    stranger = world.user_without_structure("stranger@exemple.fr")
    with pytest.raises(NotAttached):
        world.service.request_subscription(stranger, structure_id, "FACTURES_EMISES")
    with pytest.raises(EspaceNotOpen):
        world.service.request_subscription(paul, structure_id, "ENGAGEMENTS")
    with pytest.raises(PrincipalHasAllRights):
        world.service.request_subscription(louise, structure_id, "FACTURES_EMISES")


def test_one_live_subscription_per_espace_and_service(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    first = world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    with pytest.raises(SubscriptionExists):
        world.service.request_subscription(paul, structure_id, "FACTURES_EMISES", habilitation=M)
    world.service.cancel_subscription(paul, first)
    world.service.request_subscription(paul, structure_id, "FACTURES_EMISES", habilitation=M)


def test_only_the_principal_manager_validates_subscriptions(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    jeanne = world.user_without_structure("jeanne@exemple.fr")
    world.attach(louise, structure_id, "jeanne@exemple.fr")
    world.service.grant_manager(louise, structure_id, str(jeanne.account_id))
    request = world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    for someone in (jeanne, paul, Actor.support()):
        with pytest.raises(Forbidden):
            world.service.validate_subscription(someone, request)
    world.service.refuse_subscription(louise, request, reason="Pas besoin")
    assert "Motif : Pas besoin" in world.mailbox.last_to(PAUL).body
    with pytest.raises(InvalidTransition):
        world.service.validate_subscription(louise, request)


def test_revoking_or_detaching_ends_access_at_once(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    request = world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    world.service.validate_subscription(louise, request)
    world.service.revoke_subscription(louise, request)
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    again = world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    world.service.validate_subscription(louise, again)
    world.service.detach_user(louise, structure_id, str(paul.account_id))
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    assert [s.state for s in world.service.my_subscriptions(paul)] == [
        SubscriptionState.ANNULE,
        SubscriptionState.REVOQUE,
    ]


def test_access_follows_the_account_the_structure_and_the_espace(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    world.service.validate_subscription(
        louise, world.service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    )
    assert _can(world, louise, structure_id, "SOLLICITATIONS_EMISES", M), (
        "the principal manager has every right"
    )
    world.service.close_espace(louise, structure_id, "FACTURES_EMISES")
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    world.service.open_espace(louise, structure_id, "FACTURES_EMISES")
    assert _can(world, paul, structure_id, "FACTURES_EMISES", C)
    world.service.deactivate_account(paul)
    assert not _can(world, paul, structure_id, "FACTURES_EMISES", C)
    world.service.modify_structure(louise, structure_id, status=StructureStatus.INACTIF)
    assert not _can(world, louise, structure_id, "FACTURES_EMISES", C)


def test_access_checks_refuse_junk_and_answer_false_for_unknowns(
    world: World, structure_id: str
) -> None:
    assert not world.service.can_access("nobody", structure_id, "FACTURES_EMISES", C)
    with pytest.raises(InvalidInput):
        world.service.can_access("nobody", structure_id, "FACTURES_EMISES", "READ")


# --- journey 11 ------------------------------------------------------------------


def test_a_centre_de_gestion_files_tic_for_two_farms(world: World) -> None:
    centre = world.user_without_structure("agent1@cga-sud-ouest.fr")
    colleague = world.user_without_structure("agent2@cga-sud-ouest.fr")
    centre_id = world.service.create_structure(
        centre, NewStructure(siret="13186091800013", agricultural_centre=True)
    )
    with pytest.raises(TicOnAgriculturalCentre):
        world.service.open_espace(
            centre, centre_id, "DEMANDE_REMBOURSEMENT_TIC", categorie_beneficiaire="AUTRE"
        )
    farms = []
    for email, siret in (
        ("earl@trois-chenes.fr", "90830166600016"),
        ("gaec@plateau.fr", "39099603100014"),
    ):
        farmer = world.user_without_structure(email)
        farm_id = world.service.create_structure(farmer, NewStructure(siret=siret))
        world.service.open_espace(
            farmer, farm_id, "DEMANDE_REMBOURSEMENT_TIC", categorie_beneficiaire="SOCIETE_AGRICOLE"
        )
        for agent in (centre, colleague):
            request = world.service.request_attachment(agent, farm_id)
            world.service.validate_attachment(farmer, request)
            world.service.validate_subscription(
                farmer,
                world.service.request_subscription(
                    agent, farm_id, "DEMANDE_REMBOURSEMENT_TIC", habilitation=M
                ),
            )
        farms.append(farm_id)
    for farm_id in farms:
        for agent in (centre, colleague):
            assert _can(world, agent, farm_id, "DEMANDE_REMBOURSEMENT_TIC", M)
    assert not _can(world, centre, centre_id, "DEMANDE_REMBOURSEMENT_TIC", C)


# --- users of a structure ------------------------------------------------------------


def test_managers_list_and_export_the_users_with_their_rights(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    world.service.validate_subscription(
        louise,
        world.service.request_subscription(paul, structure_id, "FACTURES_EMISES", habilitation=M),
    )
    users = world.service.structure_users(louise, structure_id)
    assert [(u.login_email, u.principal_manager, len(u.rights)) for u in users] == [
        (LOUISE, True, 0),
        (PAUL, False, 1),
    ]
    csv_text = world.service.export_structure_users(louise, structure_id)
    lines = csv_text.splitlines()
    assert lines[0].startswith("Nom;Prénom;Adresse de connexion")
    assert any("Factures émises;DEFAUT;MODIFICATION;VALIDE" in line for line in lines)
    with pytest.raises(Forbidden):
        world.service.export_structure_users(paul, structure_id)


def test_support_lists_and_exports_the_users_and_the_progress_is_told(
    world: World, louise: Actor, structure_id: str, paul: Actor
) -> None:
    support = Actor.support("Nadia")
    read: list[int] = []
    users = world.service.structure_users(support, structure_id, progress=read.append)
    assert [u.login_email for u in users] == [LOUISE, PAUL]
    assert read == [1, 1]
    exported: list[int] = []
    csv_text = world.service.export_structure_users(support, structure_id, progress=exported.append)
    assert csv_text == world.service.export_structure_users(louise, structure_id)
    assert sum(exported) == 2
    with pytest.raises(NotFound):
        world.service.export_structure_users(support, "no-such-structure")


def test_the_export_defuses_spreadsheet_formulas(
    world: World, louise: Actor, structure_id: str
) -> None:
    done = world.service.register_for_existing_structure(
        ExistingStructureRegistration(
            login_email="evil@exemple.fr",
            login_email_confirmation="evil@exemple.fr",
            last_name="=HYPERLINK(1)",
            first_name="Eve",
            captcha="XWWXS",
            siret="52601815500014",
        )
    )
    assert done.attachment_id is not None
    csv_text = world.service.export_structure_users(louise, structure_id)
    assert "'=HYPERLINK(1)" in csv_text
