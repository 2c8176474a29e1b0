""" "Mon compte" today: my affiliations, my authorisations, the history of my requests; support reads them."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from chorus_onboarding import (
    Actor,
    AttachmentOrigin,
    AttachmentState,
    Espace,
    EspaceGrant,
    Habilitation,
    SubscriptionState,
)
from chorus_onboarding.errors import ActorNotActive, Forbidden, InvalidInput, NotFound
from chorus_onboarding.i18n import label_in
from chorus_onboarding.testing.world import World

PAUL = "paul.martin@exemple.fr"
FARM = "claire.roux@gaec-plateau.fr"
FARM_SIRET = "90830166600016"
C, M = Habilitation.CONSULTATION_UNIQUEMENT, Habilitation.MODIFICATION
INVOICES, TRAVAUX = Espace.FACTURES_EMISES, Espace.FACTURES_TRAVAUX


@pytest.fixture
def world(chorus_any_world: World) -> World:
    """Each test on memory, SQLite and PostgreSQL."""
    return chorus_any_world


@pytest.fixture
def louise(world: World) -> Actor:
    return world.active_user()


@pytest.fixture
def shop(world: World, louise: Actor) -> str:
    structure_id = world.service.managed_structures(louise)[0].id
    world.service.open_espace(louise, structure_id, TRAVAUX)
    return structure_id


def _asks_to_join_at_registration(world: World) -> str:
    """Paul registers for Louise's shop: an account pending activation and a request."""
    return world.register_for_existing(PAUL, siret="52601815500014").account_id


def test_an_account_pending_activation_reads_the_request_its_registration_made(
    world: World, louise: Actor, shop: str
) -> None:
    paul = Actor.user(_asks_to_join_at_registration(world))
    (mine,) = world.service.my_attachments(paul)
    assert (mine.state, mine.origin, mine.structure_id) == (
        AttachmentState.PENDING,
        AttachmentOrigin.REQUEST,
        shop,
    )
    assert world.service.my_requests(paul).attachments == (mine,)
    assert world.service.account(paul).state.name == "ACTIVATION_PENDING"
    # Reading is all it may do: nothing is granted before activation.
    assert world.service.my_authorisations(paul) == []
    with pytest.raises(ActorNotActive):
        world.service.request_attachment(paul, shop)


def test_a_deactivated_account_reads_nothing_of_its_own_but_support_reads_it(
    world: World, louise: Actor, shop: str
) -> None:
    paul = world.user_without_structure(PAUL)
    world.attach(louise, shop, PAUL)
    world.service.deactivate_account(paul)
    for read in (
        world.service.my_attachments,
        world.service.my_subscriptions,
        world.service.my_authorisations,
        world.service.my_requests,
        world.service.account,
    ):
        with pytest.raises(ActorNotActive):
            read(paul)
    support = Actor.support("agent-7")
    (invitation,) = world.service.my_attachments(support, paul.account_id)
    assert (invitation.state, invitation.origin) == (
        AttachmentState.VALIDATED,
        AttachmentOrigin.INVITATION,
    )
    assert world.service.my_requests(support, paul.account_id).attachments == ()


def test_only_support_names_an_account_and_junk_is_refused(
    world: World, louise: Actor, shop: str
) -> None:
    paul = world.user_without_structure(PAUL)
    support = Actor.support("agent-7")
    for read in (
        world.service.my_attachments,
        world.service.my_subscriptions,
        world.service.my_authorisations,
        world.service.my_requests,
    ):
        # Another user's account, or even one's own by id: support's page, not theirs.
        with pytest.raises(Forbidden):
            read(louise, paul.account_id)
        with pytest.raises(Forbidden):
            read(paul, paul.account_id)
        with pytest.raises(NotFound):
            read(support, "no-such-account")
        with pytest.raises(InvalidInput):
            read(support, 42)  # type: ignore[arg-type]
        with pytest.raises(Forbidden):
            read(support)  # support has no account of its own
        with pytest.raises(Forbidden):
            read("louise")  # type: ignore[arg-type]


def test_the_principal_manager_holds_every_right_on_the_open_espaces(
    world: World, louise: Actor, shop: str
) -> None:
    rights = world.service.my_authorisations(louise)
    assert {(r.espace, r.habilitation, r.service, r.as_principal_manager) for r in rights} == {
        (INVOICES, M, None, True),
        (Espace.SOLLICITATIONS_EMISES, M, None, True),  # opened with every new structure
        (TRAVAUX, M, None, True),
    }
    assert all(r.since is None and r.structure_id == shop for r in rights)


def test_a_member_s_authorisations_follow_validations_revocations_and_closures(
    world: World, louise: Actor, shop: str
) -> None:
    paul = world.user_without_structure(PAUL)
    world.attach(louise, shop, PAUL)
    assert world.service.my_authorisations(paul) == []
    asked = world.service.request_subscription(paul, shop, TRAVAUX, habilitation=M)
    assert world.service.my_authorisations(paul) == []  # asked is not granted
    world.clock.advance(timedelta(hours=2))
    world.service.validate_subscription(louise, asked)
    (right,) = world.service.my_authorisations(paul)
    assert (right.espace, right.habilitation, right.service, right.as_principal_manager) == (
        TRAVAUX,
        M,
        "DEFAUT",
        False,
    )
    assert right.since == world.clock.now()
    assert right.structure_name == "LE DRESSING DE LOUISE"
    world.service.close_espace(louise, shop, TRAVAUX)
    assert world.service.my_authorisations(paul) == []
    world.service.open_espace(louise, shop, TRAVAUX, modification=False)
    # Opened for consultation only: the modification subscription gives consultation.
    (right,) = world.service.my_authorisations(paul)
    assert right.habilitation is C
    world.service.revoke_subscription(louise, asked)
    assert world.service.my_authorisations(paul) == []


def test_authorisations_are_exactly_what_can_access_grants(
    world: World, louise: Actor, shop: str
) -> None:
    paul = world.user_without_structure(PAUL)
    world.attach(louise, shop, PAUL)
    world.service.validate_subscription(
        louise, world.service.request_subscription(paul, shop, INVOICES, habilitation=C)
    )
    world.service.refuse_subscription(
        louise, world.service.request_subscription(paul, shop, TRAVAUX, habilitation=M)
    )
    farmer = world.active_user(FARM, FARM_SIRET)
    farm = world.service.managed_structures(farmer)[0].id
    world.service.validate_attachment(
        farmer, world.service.request_attachment(paul, farm), grants=[EspaceGrant(INVOICES, M)]
    )
    for user in (louise, paul, farmer):
        listed = world.service.my_authorisations(user)
        for structure, espace, mode in itertools.product((shop, farm), Espace, (C, M)):
            granted = world.service.can_access(str(user.account_id), structure, espace, mode)
            covered = any(
                r.structure_id == structure and r.espace is espace and r.habilitation.covers(mode)
                for r in listed
            )
            assert granted == covered, (user, structure, espace, mode)


def test_the_history_lists_what_was_asked_and_what_came_of_it_newest_first(
    world: World, louise: Actor, shop: str
) -> None:
    paul = world.user_without_structure(PAUL)
    farmer = world.active_user(FARM, FARM_SIRET)
    farm = world.service.managed_structures(farmer)[0].id
    world.clock.advance(timedelta(minutes=5))
    asked = world.service.request_attachment(paul, farm)
    world.clock.advance(timedelta(minutes=5))
    world.service.refuse_attachment(farmer, asked, reason="Inconnu de nos services")
    world.clock.advance(timedelta(minutes=5))
    world.attach(louise, shop, PAUL)  # an invitation: not a request of Paul's
    world.clock.advance(timedelta(minutes=5))
    wanted = world.service.request_subscription(paul, shop, TRAVAUX, habilitation=M)
    world.clock.advance(timedelta(minutes=5))
    world.service.refuse_subscription(louise, wanted, reason="Consultation suffit")
    world.clock.advance(timedelta(minutes=5))
    again = world.service.request_subscription(paul, shop, TRAVAUX)

    history = world.service.my_requests(paul)
    (refused,) = history.attachments
    assert (refused.id, refused.state, refused.reason) == (
        asked,
        AttachmentState.REFUSED,
        "Inconnu de nos services",
    )
    assert refused.decided_at == refused.requested_at + timedelta(minutes=5)
    assert [(s.id, s.state) for s in history.subscriptions] == [
        (again, SubscriptionState.EN_COURS_DE_VALIDATION),
        (wanted, SubscriptionState.REFUSE),
    ]
    assert history.subscriptions[0].decided_at is None
    assert history.subscriptions[1].reason == "Consultation suffit"
    # The structures' own attachments: Louise's made when she created the shop.
    (created,) = world.service.my_attachments(louise)
    assert created.origin is AttachmentOrigin.CREATION
    assert world.service.my_requests(louise).attachments == ()


def test_states_have_labels_in_french_and_english() -> None:
    assert label_in(AttachmentState.PENDING) == "en attente de validation"
    assert label_in(AttachmentState.PENDING, "en") == "awaiting validation"
    assert label_in(SubscriptionState.REVOQUE, "en") == "revoked"
    assert label_in(M, "en") == "view and modify"
    assert label_in(INVOICES, "en") == "Invoices issued"
    for value in (*AttachmentState, *SubscriptionState):
        assert label_in(value) == value.label
        assert label_in(value, "en") != value.label or value.label.isascii()
    with pytest.raises(InvalidInput):
        label_in(AttachmentOrigin.REQUEST)
