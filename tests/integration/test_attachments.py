"""Journey 8 and the managers' work on attachments."""

from __future__ import annotations

import pytest

from chorus_onboarding import (
    AccountState,
    Actor,
    AttachmentState,
    EspaceGrant,
    NewStructure,
    StructureNaming,
)
from chorus_onboarding.domain.history import ManagerActionKind
from chorus_onboarding.errors import (
    AlreadyAttached,
    Forbidden,
    InvalidTransition,
    InvitationLapsed,
    NotFound,
    RuleViolation,
)
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, World

PAUL = "paul.martin@exemple.fr"
JEANNE = "jeanne.durand@exemple.fr"


@pytest.fixture
def louise(world: World) -> Actor:
    return world.active_user()


def _structure_id(world: World, manager: Actor) -> str:
    return world.service.managed_structures(manager)[0].id


def _ask(world: World, user: Actor) -> tuple[str, str]:
    (found,) = world.service.search_structures(user, StructureNaming(siret=LOUISE_SIRET))
    return found.id, world.service.request_attachment(user, found.id)


def test_a_user_finds_a_structure_by_siret_and_asks_to_join(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    (pending,) = world.service.pending_attachment_requests(louise, structure_id)
    assert (pending.id, pending.login_email, pending.state) == (
        request_id,
        PAUL,
        AttachmentState.PENDING,
    )
    assert (
        world.mailbox.last_to(LOUISE).subject
        == "Chorus Pro - Demande de rattachement à votre structure"
    )


def test_a_search_that_finds_nothing_returns_nothing(world: World, louise: Actor) -> None:
    assert world.service.search_structures(louise, StructureNaming(siret="90830166600016")) == []


def test_a_validated_request_makes_a_member_and_tells_the_requester(
    world: World, louise: Actor
) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    world.service.validate_attachment(louise, request_id)
    assert world.mailbox.last_to(PAUL).subject == "Chorus Pro - Rattachement validé"
    assert world.service.structure(paul, structure_id).company_name == "LE DRESSING DE LOUISE"
    (mine,) = world.service.my_attachments(paul)
    assert mine.state is AttachmentState.VALIDATED


def test_a_refused_request_tells_the_requester_with_the_reason(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    world.service.refuse_attachment(louise, request_id, reason="Inconnu du service")
    email = world.mailbox.last_to(PAUL)
    assert email.subject == "Chorus Pro - Rattachement refusé"
    assert "Motif : Inconnu du service" in email.body
    with pytest.raises(Forbidden):
        world.service.structure(paul, structure_id)


def test_one_pending_request_per_user_and_structure(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    with pytest.raises(AlreadyAttached):
        world.service.request_attachment(paul, structure_id)
    world.service.withdraw_attachment_request(paul, request_id)
    world.service.request_attachment(paul, structure_id)


def test_only_the_structure_s_managers_decide(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    jeanne = world.user_without_structure(JEANNE)
    _, request_id = _ask(world, paul)
    for stranger in (paul, jeanne, Actor.support(), Actor.user("nobody")):
        with pytest.raises(Forbidden):
            world.service.validate_attachment(stranger, request_id)


def test_a_decided_request_cannot_be_decided_again(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    _, request_id = _ask(world, paul)
    world.service.refuse_attachment(louise, request_id)
    with pytest.raises(InvalidTransition):
        world.service.validate_attachment(louise, request_id)


def test_many_requests_are_decided_at_once_each_on_its_own(world: World, louise: Actor) -> None:
    paul, jeanne = world.user_without_structure(PAUL), world.user_without_structure(JEANNE)
    _, first = _ask(world, paul)
    _, second = _ask(world, jeanne)
    world.service.withdraw_attachment_request(jeanne, second)
    outcomes = world.service.validate_attachments(louise, [first, second, "unknown"])
    assert [(o.attachment_id, o.error) for o in outcomes] == [
        (first, None),
        (second, "invalid_transition"),
        ("unknown", "not_found"),
    ]


def test_a_manager_invites_a_user_who_accepts_then_detaches_them(
    world: World, louise: Actor
) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id = _structure_id(world, louise)
    world.service.invite_user(louise, structure_id, PAUL.upper())
    invitation = world.mailbox.last_to(PAUL)
    assert (
        invitation.subject
        == "Chorus Pro - Invitation à rejoindre la structure LE DRESSING DE LOUISE"
    )
    with pytest.raises(Forbidden):
        world.service.structure(paul, structure_id)  # nothing without their consent
    (offer,) = [a for a in world.service.my_attachments(paul) if a.state.name == "INVITED"]
    world.service.invite_user(louise, structure_id, PAUL)  # again: no second invitation
    assert len([a for a in world.service.my_attachments(paul) if a.state.name == "INVITED"]) == 1
    world.service.accept_invitation(paul, offer.id)
    assert world.mailbox.last_to(LOUISE).subject == "Chorus Pro - Invitation acceptée"
    assert world.service.structure(paul, structure_id).id == structure_id
    world.service.detach_user(louise, structure_id, str(paul.account_id))
    assert world.mailbox.last_to(PAUL).subject == "Chorus Pro - Fin de rattachement"
    with pytest.raises(Forbidden):
        world.service.structure(paul, structure_id)


def test_inviting_someone_who_asked_validates_their_request(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    world.service.invite_user(louise, structure_id, PAUL)
    assert world.service.pending_attachment_requests(louise, structure_id) == []
    assert [(a.id, a.state.name) for a in world.service.my_attachments(paul)] == [
        (request_id, "VALIDATED")
    ]


def test_an_invitation_tells_a_stranger_nothing_about_who_has_an_account(
    world: World, louise: Actor
) -> None:
    world.user_without_structure(PAUL)
    structure_id = _structure_id(world, louise)
    for email in (PAUL, "personne@exemple.fr", LOUISE):
        world.service.invite_user(louise, structure_id, email)  # nothing said back, ever
    history = world.service.manager_history(louise, structure_id)[-3:]
    assert [(a.kind.name, a.target_account_id) for a in history] == [("USER_INVITED", None)] * 3
    users = world.service.structure_users(louise, structure_id)
    assert [u.login_email for u in users] == [LOUISE], "an invitee shows only once they accept"


def test_an_invitation_declined_or_lapsed_attaches_no_one(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id = _structure_id(world, louise)
    world.service.invite_user(louise, structure_id, PAUL)
    (offer,) = world.service.my_attachments(paul)
    world.service.decline_invitation(paul, offer.id)
    assert world.mailbox.last_to(LOUISE).subject == "Chorus Pro - Invitation refusée"
    with pytest.raises(NotFound):
        world.service.accept_invitation(paul, offer.id)
    world.service.invite_user(louise, structure_id, PAUL)
    (again,) = [a for a in world.service.my_attachments(paul) if a.state.name == "INVITED"]
    world.clock.advance(days=31)
    with pytest.raises(InvitationLapsed):
        world.service.accept_invitation(paul, again.id)
    with pytest.raises(Forbidden):
        world.service.structure(paul, structure_id)
    world.service.invite_user(louise, structure_id, PAUL)  # a lapsed one gives way
    assert [a.state.name for a in world.service.my_attachments(paul)].count("INVITED") == 1


def test_only_the_invitee_answers_an_invitation(world: World, louise: Actor) -> None:
    paul, jeanne = world.user_without_structure(PAUL), world.user_without_structure(JEANNE)
    structure_id = _structure_id(world, louise)
    world.service.invite_user(louise, structure_id, PAUL)
    (offer,) = world.service.my_attachments(paul)
    for someone in (jeanne, louise):
        with pytest.raises(NotFound):
            world.service.accept_invitation(someone, offer.id)
    with pytest.raises(InvalidTransition):
        world.service.validate_attachment(louise, offer.id)


def test_the_principal_manager_cannot_be_detached(world: World, louise: Actor) -> None:
    structure_id = _structure_id(world, louise)
    with pytest.raises(RuleViolation):
        world.service.detach_user(louise, structure_id, str(louise.account_id))


def test_a_delegated_manager_validates_attachments_but_grants_no_rights(
    world: World, louise: Actor
) -> None:
    paul, jeanne = world.user_without_structure(PAUL), world.user_without_structure(JEANNE)
    structure_id = _structure_id(world, louise)
    world.attach(louise, structure_id, PAUL)
    world.service.grant_manager(louise, structure_id, str(paul.account_id))
    _, request_id = _ask(world, jeanne)
    with pytest.raises(Forbidden):
        world.service.validate_attachment(paul, request_id, grants=[EspaceGrant("FACTURES_EMISES")])
    world.service.validate_attachment(paul, request_id)
    assert world.service.structure(jeanne, structure_id).id == structure_id


def test_the_principal_manager_grants_rights_with_the_validation(
    world: World, louise: Actor
) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    world.service.validate_attachment(
        louise, request_id, grants=[EspaceGrant("FACTURES_EMISES", "MODIFICATION")]
    )
    assert world.service.can_access(
        str(paul.account_id), structure_id, "FACTURES_EMISES", "MODIFICATION"
    )


def test_a_manager_resends_the_activation_email_of_a_user_asking_to_join(
    world: World, louise: Actor
) -> None:
    from chorus_onboarding import ExistingStructureRegistration

    done = world.service.register_for_existing_structure(
        ExistingStructureRegistration(
            login_email=PAUL,
            login_email_confirmation=PAUL,
            last_name="M",
            first_name="P",
            captcha="XWWXS",
            siret=LOUISE_SIRET,
        )
    )
    world.clock.advance(days=31)
    world.service.expire_overdue_activations()
    world.service.resend_activation(louise, done.account_id)
    world.activate(PAUL)
    assert world.service.account(Actor.support(), done.account_id).state is AccountState.ACTIVE
    with pytest.raises(Forbidden):
        world.service.resend_activation(world.user_without_structure(JEANNE), done.account_id)


def test_journey_8_creates_a_structure_whose_creator_is_principal_manager(world: World) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id = world.service.create_structure(
        paul,
        NewStructure(
            siret="90830166600016", rcs="RCS Bergerac 908 301 666", agricultural_centre=True
        ),
    )
    view = world.service.structure(paul, structure_id)
    assert view.principal_manager_id == paul.account_id
    assert view.company_name == "EARL DES TROIS CHENES"
    assert view.agricultural_centre
    history = world.service.manager_history(paul, structure_id)
    assert [action.kind for action in history] == [ManagerActionKind.STRUCTURE_CREATED]


def test_the_history_keeps_who_did_what_to_whom(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id, request_id = _ask(world, paul)
    world.clock.advance(hours=2)
    world.service.validate_attachment(louise, request_id)
    last = world.service.manager_history(louise, structure_id)[-1]
    assert (last.kind, last.actor, last.target_account_id) == (
        ManagerActionKind.ATTACHMENT_VALIDATED,
        louise.account_id,
        paul.account_id,
    )
    assert last.at == world.clock.now()
    with pytest.raises(Forbidden):
        world.service.manager_history(paul, structure_id)


def test_unknown_ids_are_not_found(world: World, louise: Actor) -> None:
    with pytest.raises(NotFound):
        world.service.validate_attachment(louise, "nope")
    with pytest.raises(NotFound):
        world.service.request_attachment(louise, "nope")


def test_a_search_shows_only_what_identifies_the_structure(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    (found,) = world.service.search_structures(paul, StructureNaming(siret=LOUISE_SIRET))
    assert (found.company_name, found.postal_code, found.city) == (
        "LE DRESSING DE LOUISE",
        "93160",
        "NOISY-LE-GRAND",
    )
    assert not hasattr(found, "espaces")
    assert not hasattr(found, "principal_manager_id")


def test_the_registration_page_shows_an_existing_structure_without_sign_in(
    world: World, louise: Actor
) -> None:
    shown = world.service.registered_structure(StructureNaming(siret=LOUISE_SIRET))
    assert shown is not None
    assert shown.company_name == "LE DRESSING DE LOUISE"
    assert world.service.registered_structure(StructureNaming(siret="90830166600016")) is None


def test_a_transfer_keeps_the_former_principal_manager_working(world: World, louise: Actor) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id = _structure_id(world, louise)
    world.attach(louise, structure_id, PAUL)
    world.service.transfer_principal_manager(louise, structure_id, str(paul.account_id))
    view = world.service.structure(louise, structure_id)
    assert view.principal_manager_id == paul.account_id
    assert view.managers == {louise.account_id}
    assert world.service.can_access(
        str(louise.account_id), structure_id, "FACTURES_EMISES", "MODIFICATION"
    )
    kinds = [a.kind for a in world.service.manager_history(paul, structure_id)]
    assert kinds[-3:] == [
        ManagerActionKind.PRINCIPAL_TRANSFERRED,
        ManagerActionKind.SUBSCRIPTION_GRANTED,
        ManagerActionKind.SUBSCRIPTION_GRANTED,
    ]


def test_support_appoints_a_principal_manager_when_the_last_one_is_gone(
    world: World, louise: Actor
) -> None:
    paul = world.user_without_structure(PAUL)
    structure_id = _structure_id(world, louise)
    world.attach(louise, structure_id, PAUL)
    world.service.deactivate_account(louise)
    with pytest.raises(Forbidden):
        world.service.appoint_principal_manager(paul, structure_id, str(paul.account_id))
    world.service.appoint_principal_manager(
        Actor.support("Nadia"), structure_id, str(paul.account_id)
    )
    view = world.service.structure(paul, structure_id)
    assert (view.principal_manager_id, view.managers) == (paul.account_id, frozenset())
    assert world.service.manager_history(Actor.support(), structure_id)[-1].actor == "support:Nadia"
