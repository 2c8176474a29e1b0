"""What the user guides show and the first version of the library left out (issue 11, point 6).

Each test drives the facade on memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io

import pytest

from chorus_onboarding import Actor, Espace, IdentifierType, StructureNaming
from chorus_onboarding.domain.espaces import (
    REGISTRATION_ESPACES,
    CategorieBeneficiaire,
    RegimeStatut,
)
from chorus_onboarding.errors import (
    Forbidden,
    InvalidForm,
    InvalidInput,
    PasswordRejected,
    RequiredField,
)
from chorus_onboarding.forms import StructureFilters
from chorus_onboarding.settings import OnboardingSettings
from chorus_onboarding.testing.plugin import WorldFactory
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, World

PAUL = "paul.martin@exemple.fr"
EXPERT = "expert@cabinet-nyc.com"
ABROAD = {
    "siret": None,
    "identifier_type": "HORS_UE",
    "identifier": "NY-EXPERT-42",
    "company_name": "Expert Witness LLC",
    "street": "1 Main Street",
    "postal_code": "10001",
    "city": "New York",
    "country": "US",
}


@pytest.fixture
def world(chorus_any_world: World) -> World:
    """Each test on memory, SQLite and PostgreSQL."""
    return chorus_any_world


def _form_fields(error: InvalidForm) -> set[str]:
    return {str(failure.field) for failure in error.errors}


def _password_reasons(error: InvalidForm) -> set[str]:
    (rejected,) = error.errors
    assert isinstance(rejected, PasswordRejected)
    return set(rejected.reasons)


# --- 1. the survey consent, withdrawn and given again from "Mon compte" ----------------


def test_the_survey_consent_is_withdrawn_and_given_again_from_mon_compte(world: World) -> None:
    world.register(survey_consent=True)
    world.activate()
    me = Actor.user(world.people[LOUISE])
    assert world.service.account(me).survey_consent is True

    assert world.service.change_survey_consent(me, False) is True
    assert world.service.account(me).survey_consent is False
    assert world.service.change_survey_consent(me, False) is False  # nothing to change
    assert world.service.change_survey_consent(me, True) is True
    assert world.service.account(me).survey_consent is True


def test_the_survey_consent_is_a_yes_or_no_of_ones_own(world: World) -> None:
    me = world.active_user()
    for junk in ("non", 0, None, "False"):
        with pytest.raises(InvalidInput) as refused:
            world.service.change_survey_consent(me, junk)  # type: ignore[arg-type]
        assert refused.value.field == "survey_consent"
    with pytest.raises(Forbidden):
        world.service.change_survey_consent(Actor.support(), False)
    assert world.service.account(me).survey_consent is False


# --- 2. "Mémoires de frais de justice" without a SIRET: the régime/statut too ----------


def _justice_without_siret(world: World, **more: object) -> str:
    return world.register(
        EXPERT,
        espaces=["MEMOIRES_FRAIS_JUSTICE", "SOLLICITATIONS_EMISES"],
        categorie_prestataire="EXPERT",
        **{**ABROAD, **more},  # type: ignore[arg-type]
    )


def test_without_a_siret_justice_asks_for_the_regime_and_keeps_it(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        _justice_without_siret(world)
    assert "regime_statut" in _form_fields(refused.value)

    _justice_without_siret(world, regime_statut="COLLABORATEUR_OCCASIONNEL")
    world.activate(EXPERT)
    me = Actor.user(world.people[EXPERT])
    (structure,) = world.service.managed_structures(me)
    opened = structure.opened(Espace.MEMOIRES_FRAIS_JUSTICE)
    assert opened is not None
    assert opened.parameters.regime_statut is RegimeStatut.COLLABORATEUR_OCCASIONNEL
    assert opened.parameters.regime_statut.value == (
        "Collaborateur occasionnel du service public (COSP)"
    )

    # Opening it again from the structure's page asks for it too.
    with pytest.raises(RequiredField) as again:
        world.service.open_espace(
            me, structure.id, "MEMOIRES_FRAIS_JUSTICE", categorie_prestataire="MEDECIN"
        )
    assert again.value.field == "regime_statut"


def test_a_siret_given_as_identifier_type_and_identifier_needs_no_regime(world: World) -> None:
    world.register(
        EXPERT,
        siret="",
        identifier_type="SIRET",
        identifier=LOUISE_SIRET,
        espaces=["MEMOIRES_FRAIS_JUSTICE"],
        categorie_prestataire="EXPERT",
    )
    assert world.registrations[EXPERT].structure_id is not None


def test_with_a_siret_the_regime_may_be_given_and_junk_is_refused(world: World) -> None:
    manager = world.structure_with_manager()
    service = world.service
    service.open_espace(
        manager.manager,
        manager.structure_id,
        "MEMOIRES_FRAIS_JUSTICE",
        categorie_prestataire="EXPERT",
    )
    service.open_espace(
        manager.manager,
        manager.structure_id,
        "MEMOIRES_FRAIS_JUSTICE",
        categorie_prestataire="EXPERT",
        regime_statut="travailleur_independant",
    )
    opened = service.structure(manager.manager, manager.structure_id).opened(
        Espace.MEMOIRES_FRAIS_JUSTICE
    )
    assert opened is not None
    assert opened.parameters.regime_statut is RegimeStatut.TRAVAILLEUR_INDEPENDANT
    for espace, junk in (("MEMOIRES_FRAIS_JUSTICE", "SALARIE"), ("FACTURES_TRAVAUX", "AUTRE")):
        with pytest.raises(InvalidInput) as refused:
            service.open_espace(
                manager.manager,
                manager.structure_id,
                espace,
                categorie_prestataire="EXPERT" if espace == "MEMOIRES_FRAIS_JUSTICE" else None,
                regime_statut=junk,
            )
        assert refused.value.field == "regime_statut"


# --- 3. the TIC catégorie de bénéficiaire: "Cotisant solidaire" ---------------------------


def test_a_cotisant_solidaire_opens_the_tic_espace(world: World) -> None:
    farm = world.structure_with_manager()
    world.service.open_espace(
        farm.manager,
        farm.structure_id,
        "DEMANDE_REMBOURSEMENT_TIC",
        categorie_beneficiaire="COTISANT_SOLIDAIRE",
    )
    opened = world.service.structure(farm.manager, farm.structure_id).opened(
        Espace.DEMANDE_REMBOURSEMENT_TIC
    )
    assert opened is not None
    assert opened.parameters.categorie_beneficiaire is CategorieBeneficiaire.COTISANT_SOLIDAIRE
    assert [c.value for c in CategorieBeneficiaire] == [
        "Exploitant agricole à titre individuel",
        "Exploitant agricole à titre sociétaire",
        "Entreprise de travaux agricoles ou forestiers",
        "Coopérative d'utilisation de matériel agricole",
        "Cotisant solidaire",
        "Autre bénéficiaire",
    ]


# --- 4. the registration forms as the guides show them ----------------------------------


def test_the_structure_form_keeps_its_label_and_both_address_complements(world: World) -> None:
    world.register(
        label="Boutique de Noisy",
        complement="Bâtiment B",
        complement_2="3e étage",
    )
    world.activate()
    me = Actor.user(world.people[LOUISE])
    (structure,) = world.service.managed_structures(me)
    assert structure.label == "Boutique de Noisy"
    assert (structure.address.complement, structure.address.complement_2) == (
        "Bâtiment B",
        "3e étage",
    )


def test_a_second_complement_that_is_not_printable_is_refused_with_the_rest(world: World) -> None:
    with pytest.raises(InvalidForm) as refused:
        world.register(complement_2="a\u202eb", label="x" * 201)
    assert {"complement_2", "label"} <= _form_fields(refused.value)


def test_the_identifier_types_read_as_the_portal_writes_them() -> None:
    assert [t.label for t in IdentifierType] == [
        "Structure avec n° SIRET",
        "Structure européenne hors France",
        "Structure hors union européenne",
        "Structure avec un RIDET",
        "Structure avec numéro TAHITI",
        "Particulier",
        "En cours d'immatriculation",
    ]
    assert IdentifierType.parse("HORS_UE") is IdentifierType.HORS_UE  # codes unchanged


def test_registration_offers_exactly_the_espaces_the_guides_list(world: World) -> None:
    assert [e.label for e in REGISTRATION_ESPACES] == [
        "Demande de remboursement TIC",
        "Engagements",
        "Factures à valider",
        "Factures de travaux",
        "Factures émises",
        "Mémoires de frais de justice",
        "Raccordement EDI et API",
        "Sollicitations émises",
        "Suivi des flux",
    ]
    assert Espace.SOLLICITATIONS_EMISES.description == "Échanges avec ses clients ou partenaires"
    with pytest.raises(InvalidForm) as refused:
        world.register(espaces=["FACTURES_EMISES", "FACTURES_RECUES"])
    assert "espaces" in _form_fields(refused.value)
    with pytest.raises(InvalidInput):
        OnboardingSettings(registration_espaces=frozenset({Espace.SOLLICITATIONS_RECUES}))


# --- 5. the search's other criteria and its export -----------------------------------------


def test_the_search_filters_by_postal_code_city_and_country(world: World) -> None:
    world.structure_with_manager()
    paul = world.user_without_structure(PAUL)
    named = StructureNaming(siret=LOUISE_SIRET)

    def found(**criteria: str) -> int:
        return len(world.service.search_structures(paul, named, StructureFilters(**criteria)))

    assert found() == 1
    assert found(postal_code="93160", city="Noisy-le-Grand", country="fr") == 1
    assert found(postal_code="93", city="noisy") == 1
    assert found(postal_code="75001") == 0
    assert found(city="Paris") == 0
    assert found(country="BE") == 0
    for junk in (
        StructureFilters(country="France"),
        StructureFilters(city="a\x00b"),
        StructureFilters(postal_code=93),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidInput):
            world.service.search_structures(paul, named, junk)
    with pytest.raises(InvalidInput):
        world.service.search_structures(paul, named, {"city": "Noisy"})  # type: ignore[arg-type]


def test_the_search_results_are_exported_as_csv(world: World) -> None:
    world.structure_with_manager()
    paul = world.user_without_structure(PAUL)
    named = StructureNaming(siret=LOUISE_SIRET)
    rows = list(
        csv.reader(io.StringIO(world.service.export_structure_search(paul, named)), delimiter=";")
    )
    header = "Identifiant;Type d'identifiant;Raison sociale;Code postal;Ville;Pays;Statut"
    assert rows == [
        header.split(";"),
        [
            LOUISE_SIRET,
            "Structure avec n° SIRET",
            "LE DRESSING DE LOUISE",
            "93160",
            "NOISY-LE-GRAND",
            "FR",
            "ACTIF",
        ],
    ]
    nothing = world.service.export_structure_search(paul, named, StructureFilters(city="Lyon"))
    assert nothing.splitlines() == [header]
    with pytest.raises(Forbidden):
        world.service.export_structure_search(Actor.support(), named)


# --- 6. who decides: the principal manager's name, and nothing more ----------------------


def test_a_person_asking_to_join_is_shown_the_principal_managers_name(world: World) -> None:
    shop = world.structure_with_manager()
    done = world.register_for_existing(PAUL, siret=LOUISE_SIRET)
    assert done.principal_manager_name == "Louise GALFE"
    world.activate(PAUL)
    (asked,) = world.service.my_attachments(Actor.user(done.account_id))
    assert asked.principal_manager_name == "Louise GALFE"
    assert LOUISE not in repr(asked)  # never the manager's address
    (pending,) = world.service.pending_attachment_requests(shop.manager, shop.structure_id)
    assert pending.principal_manager_name == "Louise GALFE"
    assert world.registrations[LOUISE].principal_manager_name == "Louise GALFE"


# --- 7. passwords as the guides accept them -------------------------------------------------


@pytest.mark.parametrize("refuse_common", [False, True])
def test_the_guides_preset_accepts_what_the_guides_accept(
    chorus_world_factory: WorldFactory, refuse_common: bool
) -> None:
    guides = OnboardingSettings.seeds(refuse_common_passwords=refuse_common)
    world = chorus_world_factory(password_policy=guides.password_policy)
    world.register()
    link = world.link(LOUISE)
    if refuse_common:
        with pytest.raises(InvalidForm) as refused:
            world.activate_with(link, "Abcdef1!")
        assert _password_reasons(refused.value) == {"common_password"}
        world.activate_with(link, "Brume-Ocre7")
    else:
        world.activate_with(link, "Abcdef1!")
    assert world.service.login(LOUISE, "Brume-Ocre7" if refuse_common else "Abcdef1!")


def test_the_default_policy_is_stricter_than_the_guides(world: World) -> None:
    world.register()
    with pytest.raises(InvalidForm) as refused:
        world.activate_with(world.link(LOUISE), "Abcdef1!")
    assert _password_reasons(refused.value) == {"too_short", "common_password"}
