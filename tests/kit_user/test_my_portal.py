"""The test suite of a small portal that embeds chorus_onboarding, as its authors would write it.

It uses only what the package ships for them: the pytest plugin's fixtures
(``chorus_world``, ``chorus_any_world``, ``chorus_world_factory``...) and the
public Hypothesis strategies. ``bin/test-kit-install`` runs it from a clean
install of the wheel, outside the source tree.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chorus_onboarding import Actor, IdentifierType, OnboardingService, StructureNaming
from chorus_onboarding.domain.identifiers import Siret, StructureIdentifier
from chorus_onboarding.errors import InvalidForm, OnboardingError
from chorus_onboarding.testing.plugin import WorldFactory
from chorus_onboarding.testing.strategies import (
    accepted_passwords,
    emails,
    invalid_emails,
    person_names,
    sirets,
    structure_identifiers,
)
from chorus_onboarding.testing.world import World

# --- the portal's own code: what its views call -------------------------------


def dashboard(service: OnboardingService, me: Actor) -> list[str]:
    """The names of the structures on the user's home page."""
    return [structure.company_name for structure in service.managed_structures(me)]


def may_send_invoices(service: OnboardingService, me: Actor, structure_id: str) -> bool:
    """Whether the "send an invoice" button is shown."""
    assert me.account_id is not None
    return service.can_access(me.account_id, structure_id, "FACTURES_EMISES", "MODIFICATION")


def find_structure(service: OnboardingService, me: Actor, identifier: StructureIdentifier) -> str:
    """The "join a structure" search box: what the page shows for a typed identifier."""
    try:
        found = service.search_structures(
            me, StructureNaming(identifier_type=identifier.type.value, identifier=identifier.value)
        )
    except OnboardingError as error:
        return str(error)
    return ", ".join(structure.company_name for structure in found) or "aucune structure"


# --- its tests ----------------------------------------------------------------


def test_a_new_manager_sees_her_structure_on_her_dashboard(chorus_world: World) -> None:
    shop = chorus_world.structure_with_manager()
    assert dashboard(chorus_world.service, shop.manager) == ["LE DRESSING DE LOUISE"]


def test_only_a_member_subscribed_for_modification_may_send_invoices(
    chorus_any_world: World,
) -> None:
    shop = chorus_any_world.structure_with_manager()
    paul = chorus_any_world.member(shop, "paul.martin@exemple.fr")
    jeanne = chorus_any_world.subscribed_member(
        shop, "jeanne.durand@exemple.fr", "FACTURES_EMISES", "MODIFICATION", by="invitation"
    )
    assert may_send_invoices(chorus_any_world.service, shop.manager, shop.structure_id)
    assert not may_send_invoices(chorus_any_world.service, paul, shop.structure_id)
    assert may_send_invoices(chorus_any_world.service, jeanne, shop.structure_id)


def test_the_reset_link_is_in_the_last_email_and_sets_the_password(chorus_world: World) -> None:
    chorus_world.active_user("louise@exemple.fr")
    step = chorus_world.service.start_password_reset("louise@exemple.fr", "XWWXS")
    chorus_world.service.answer_secret_question("louise@exemple.fr", step.challenge, "Médor")
    link = chorus_world.follow_last_link("louise@exemple.fr", "reinitialisationMotDePasse")
    chorus_world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password="Un-Autre-Secret-2025!",
        password_confirmation="Un-Autre-Secret-2025!",
    )
    assert chorus_world.log_in("louise@exemple.fr", "Un-Autre-Secret-2025!").account_id


def test_an_activation_link_expires_when_the_clock_moves_on(
    chorus_world_factory: WorldFactory,
) -> None:
    world = chorus_world_factory(activation_validity=timedelta(hours=1))
    world.register("paul.martin@exemple.fr")
    world.clock.advance(hours=2)
    link = world.follow_last_link("paul.martin@exemple.fr")
    try:
        world.activate_with(link)
    except OnboardingError as error:
        assert error.code == "activation_expired"
    else:
        raise AssertionError("an expired link activated the account")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(siret=sirets())
def test_whatever_its_siret_a_registered_structure_is_found_by_it(
    chorus_world_factory: WorldFactory, siret: str
) -> None:
    world = chorus_world_factory()  # a fresh world for each example
    company = {
        "company_name": "Boutique",
        "street": "1 rue",
        "postal_code": "75001",
        "city": "Paris",
    }
    world.register("louise@exemple.fr", siret, **company)
    world.activate("louise@exemple.fr")
    paul = world.user_without_structure("paul.martin@exemple.fr")
    typed = StructureIdentifier(IdentifierType.SIRET, siret)
    assert find_structure(world.service, paul, typed) == "Boutique"


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=structure_identifiers())
def test_the_search_box_finds_nothing_for_an_identifier_nobody_registered(
    chorus_world_factory: WorldFactory, identifier: StructureIdentifier
) -> None:
    world = chorus_world_factory()
    paul = world.user_without_structure("paul.martin@exemple.fr")
    assert find_structure(world.service, paul, identifier) == "aucune structure"


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=emails(), first=person_names(), last=person_names(), data=st.data())
def test_anyone_registers_activates_and_logs_in_with_a_password_the_policy_accepts(
    chorus_world_factory: WorldFactory, email: str, first: str, last: str, data: st.DataObject
) -> None:
    # The policy refuses a password holding the login email: the strategy is told it.
    password = data.draw(accepted_passwords(login_email=email))
    world = chorus_world_factory()
    account_id = world.register(email, first_name=first, last_name=last)
    world.activate_with(world.follow_last_link(email), password)
    assert world.log_in(email, password).account_id == account_id


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(refusal=invalid_emails())
def test_a_hostile_email_never_gets_an_account(
    chorus_world_factory: WorldFactory, refusal: tuple[str, str]
) -> None:
    email, code = refusal
    world = chorus_world_factory()
    with pytest.raises(InvalidForm) as refused:
        world.register(email)
    assert refused.value.codes()["login_email"] == code


# Through Hypothesis's entry point, installed with the package: no import of the strategies needed.
@given(siret=st.from_type(Siret))
def test_the_library_s_types_are_drawn_by_hypothesis(siret: Siret) -> None:
    assert Siret.parse(siret.value) == siret
