"""The rules of who may do what on a structure, one by one, on entities built in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chorus_onboarding.domain import membership
from chorus_onboarding.domain.accounts import Account, AccountState
from chorus_onboarding.domain.attachments import Attachment, AttachmentState
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.errors import (
    AccountNotActive,
    ActivationResendNotAllowed,
    ActorNotActive,
    AlreadyAttached,
    AlreadyExists,
    EspaceNotOpen,
    Forbidden,
    ManagerNeedsActiveMember,
    ManagersOnly,
    MembersOnly,
    NotAttached,
    NotFound,
    PrincipalHasAllRights,
    PrincipalMustTransferFirst,
    PrincipalOnly,
    PrincipalRoleNeedsActiveMember,
    StructureInactive,
    SubscriptionExists,
    UnknownService,
    WrongCurrentPassword,
)
from chorus_onboarding.domain.espaces import Espace, Habilitation, OpenEspace
from chorus_onboarding.domain.events import InvitationIssued, InvitationLapsed
from chorus_onboarding.domain.identifiers import IdentifierType, StructureIdentifier
from chorus_onboarding.domain.structures import Address, Purpose, Structure, StructureStatus
from chorus_onboarding.domain.subscriptions import EspaceRight, Subscription, SubscriptionState

NOW = datetime(2018, 1, 4, tzinfo=UTC)
FACTURES = Espace.FACTURES_EMISES
SOLLICITATIONS = Espace.SOLLICITATIONS_EMISES
CONSULT = Habilitation.CONSULTATION_UNIQUEMENT
MODIFY = Habilitation.MODIFICATION
BOSS, DEPUTY, PAUL, JEANNE = "boss", "deputy", "paul", "jeanne"


def _account(account_id: str, state: AccountState = AccountState.ACTIVE) -> Account:
    return Account(
        id=account_id,
        login_email=EmailAddress.parse(f"{account_id}@exemple.fr"),
        last_name=account_id.upper(),
        first_name="Test",
        created_at=NOW,
        state=state,
    )


def _structure(structure_id: str = "s1") -> Structure:
    """A structure led by BOSS, DEPUTY its delegated manager, two espaces open."""
    structure = Structure.create(
        structure_id=structure_id,
        identifier=StructureIdentifier(IdentifierType.SIRET, "90830166600016"),
        company_name="EARL",
        address=Address.parse(street="1 rue", postal_code="24100", city="Bergerac"),
        principal_manager_id=BOSS,
        purposes=[Purpose.DEPOSER_DEMANDES_PAIEMENT],
        espaces=[
            OpenEspace(espace=FACTURES, services=frozenset({"DEFAUT"})),
            OpenEspace(espace=SOLLICITATIONS, services=frozenset({"DEFAUT"}), modification=False),
        ],
        now=NOW,
    )
    structure.grant_manager(DEPUTY)
    return structure


def _attachment(
    account_id: str,
    state: AttachmentState = AttachmentState.VALIDATED,
    structure_id: str = "s1",
) -> Attachment:
    return Attachment(
        id=f"a-{account_id}-{structure_id}-{state.name}",
        account_id=account_id,
        structure_id=structure_id,
        requested_at=NOW,
        state=state,
        invited_until=NOW + timedelta(days=30) if state is AttachmentState.INVITED else None,
    )


def _members(*account_ids: str) -> list[Attachment]:
    return [_attachment(account_id) for account_id in account_ids]


def _subscription(
    account_id: str,
    espace: Espace = FACTURES,
    habilitation: Habilitation = CONSULT,
    state: SubscriptionState = SubscriptionState.VALIDE,
    service: str = "DEFAUT",
    structure_id: str = "s1",
) -> Subscription:
    return Subscription(
        id=f"sub-{account_id}-{espace.name}-{service}",
        account_id=account_id,
        structure_id=structure_id,
        espace=espace,
        service=service,
        habilitation=habilitation,
        requested_at=NOW,
        request_date=NOW.date(),
        state=state,
    )


# --- acting at all ---------------------------------------------------------------------


@pytest.mark.parametrize("state", list(AccountState))
def test_only_an_active_account_acts(state: AccountState) -> None:
    account = _account(PAUL, state)
    assert membership.may_act(account) is (state is AccountState.ACTIVE)
    if state is AccountState.ACTIVE:
        assert membership.ensure_may_act(account) is account
    else:
        with pytest.raises(ActorNotActive) as refused:
            membership.ensure_may_act(account)
        assert isinstance(refused.value, Forbidden)
        assert refused.value.code == "actor_not_active"


def test_an_unknown_account_acts_on_nothing() -> None:
    assert not membership.may_act(None)
    with pytest.raises(ActorNotActive):
        membership.ensure_may_act(None)


@pytest.mark.parametrize("state", list(AccountState))
def test_only_an_active_account_logs_in(state: AccountState) -> None:
    account = _account(PAUL, state)
    if state is AccountState.ACTIVE:
        account.ensure_may_log_in()
    else:
        with pytest.raises(AccountNotActive) as refused:
            account.ensure_may_log_in()
        assert refused.value.params["state"] == state.name


# --- belonging ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(AttachmentState))
def test_only_a_validated_attachment_makes_a_member(state: AttachmentState) -> None:
    structure = _structure()
    attached = membership.is_attached(structure, PAUL, [_attachment(PAUL, state)])
    assert attached is (state is AttachmentState.VALIDATED)


def test_someone_else_s_attachment_or_one_to_another_structure_makes_no_member() -> None:
    structure = _structure()
    others = [_attachment(JEANNE), _attachment(PAUL, structure_id="s2")]
    assert not membership.is_attached(structure, PAUL, others)
    assert membership.attachment_of(structure, PAUL, others) is None
    mine = _attachment(PAUL)
    assert membership.attachment_of(structure, PAUL, [*others, mine]) is mine


def test_only_members_see_a_structure_s_data() -> None:
    structure = _structure()
    assert membership.may_see_structure(structure, PAUL, _members(PAUL))
    membership.ensure_may_see_structure(structure, PAUL, _members(PAUL))
    asking = [_attachment(PAUL, AttachmentState.PENDING)]
    assert not membership.may_see_structure(structure, PAUL, asking)
    with pytest.raises(MembersOnly) as refused:
        membership.ensure_may_see_structure(structure, PAUL, asking)
    assert isinstance(refused.value, Forbidden)


# --- managers ------------------------------------------------------------------------------


def test_the_principal_and_delegated_managers_manage_and_no_one_else() -> None:
    structure = _structure()
    assert membership.may_manage(structure, BOSS)
    assert membership.may_manage(structure, DEPUTY)
    assert not membership.may_manage(structure, PAUL)
    membership.ensure_manages(structure, DEPUTY)
    with pytest.raises(ManagersOnly) as refused:
        membership.ensure_manages(structure, PAUL)
    assert isinstance(refused.value, Forbidden)
    assert refused.value.code == "managers_only"


def test_only_the_principal_manager_leads() -> None:
    structure = _structure()
    assert membership.may_lead(structure, BOSS)
    membership.ensure_principal(structure, BOSS)
    for other in (DEPUTY, PAUL):
        assert not membership.may_lead(structure, other)
        with pytest.raises(PrincipalOnly):
            membership.ensure_principal(structure, other)
    with pytest.raises(PrincipalOnly) as refused:
        membership.ensure_principal(structure, DEPUTY, field="grants")
    assert refused.value.field == "grants"


@pytest.mark.parametrize(
    ("account", "attachments"),
    [
        (_account(PAUL, AccountState.DEACTIVATED), _members(PAUL)),
        (_account(PAUL, AccountState.EXPIRED), _members(PAUL)),
        (_account(PAUL), [_attachment(PAUL, AttachmentState.PENDING)]),
        (_account(PAUL), [_attachment(PAUL, AttachmentState.ENDED)]),
        (_account(PAUL), [_attachment(PAUL, structure_id="s2")]),
        (_account(PAUL), []),
    ],
    ids=["deactivated", "expired", "pending", "ended", "elsewhere", "stranger"],
)
def test_managing_rights_go_only_to_an_active_member(
    account: Account, attachments: list[Attachment]
) -> None:
    structure = _structure()
    assert not membership.may_become_manager(structure, account, attachments)
    with pytest.raises(ManagerNeedsActiveMember) as refused:
        membership.delegate_managing(structure, account, attachments)
    assert isinstance(refused.value, NotAttached)
    assert refused.value.field == "account_id"
    assert PAUL not in structure.managers


def test_an_active_member_is_made_a_manager_once() -> None:
    structure = _structure()
    paul = _account(PAUL)
    assert membership.may_become_manager(structure, paul, _members(PAUL))
    membership.delegate_managing(structure, paul, _members(PAUL))
    assert membership.may_manage(structure, PAUL)
    assert not membership.may_become_manager(structure, paul, _members(PAUL))
    with pytest.raises(AlreadyExists):
        membership.delegate_managing(structure, paul, _members(PAUL))


# --- the principal manager role ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "attachments"),
    [
        (_account(PAUL, AccountState.DEACTIVATED), _members(PAUL)),
        (_account(PAUL, AccountState.ACTIVATION_PENDING), _members(PAUL)),
        (_account(PAUL), [_attachment(PAUL, AttachmentState.INVITED)]),
        (_account(PAUL), [_attachment(PAUL, AttachmentState.REFUSED)]),
        (_account(PAUL), []),
    ],
    ids=["deactivated", "not-activated", "invited", "refused", "stranger"],
)
def test_the_principal_role_goes_only_to_an_active_member(
    account: Account, attachments: list[Attachment]
) -> None:
    structure = _structure()
    assert not membership.may_receive_principal_role(structure, account, attachments)
    for hand_over in (membership.transfer_principal_role, membership.appoint_principal_manager):
        with pytest.raises(PrincipalRoleNeedsActiveMember) as refused:
            hand_over(structure, account, attachments)
        assert isinstance(refused.value, NotAttached)
    assert structure.principal_manager_id == BOSS


def test_a_transfer_keeps_the_former_principal_managing_with_explicit_rights() -> None:
    structure = _structure()
    paul = _account(PAUL)
    assert membership.may_receive_principal_role(structure, paul, _members(PAUL))
    rights = membership.transfer_principal_role(structure, paul, _members(PAUL))
    assert structure.principal_manager_id == PAUL
    assert structure.managers == {BOSS, DEPUTY}
    assert rights == (
        EspaceRight(FACTURES, MODIFY, "DEFAUT"),
        EspaceRight(SOLLICITATIONS, CONSULT, "DEFAUT"),
    )
    assert rights == membership.rights_of_former_principal(structure)


def test_a_transfer_to_the_principal_manager_changes_nothing() -> None:
    structure = _structure()
    assert membership.transfer_principal_role(structure, _account(BOSS), _members(BOSS)) == ()
    assert (structure.principal_manager_id, structure.managers) == (BOSS, frozenset({DEPUTY}))


def test_support_s_appointee_takes_the_role_and_the_former_keeps_nothing() -> None:
    structure = _structure()
    membership.appoint_principal_manager(structure, _account(DEPUTY), _members(DEPUTY))
    assert structure.principal_manager_id == DEPUTY
    assert not membership.may_manage(structure, BOSS)
    assert structure.managers == frozenset()


def test_the_creator_of_a_structure_is_its_principal_manager_attached_at_once() -> None:
    structure = _structure()
    creation = Attachment.direct(
        attachment_id="a0", account_id=BOSS, structure_id=structure.id, by=BOSS, now=NOW
    )
    assert membership.may_lead(structure, BOSS)
    assert membership.is_attached(structure, BOSS, [creation])


# --- joining ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(AttachmentState))
def test_one_live_attachment_per_user_and_structure(state: AttachmentState) -> None:
    structure = _structure()
    attachments = [_attachment(PAUL, state)]
    if state.is_live:
        with pytest.raises(AlreadyAttached) as refused:
            membership.ensure_may_request_attachment(structure, PAUL, attachments, now=NOW)
        assert refused.value.field == "structure_id"
    else:
        membership.ensure_no_live_attachment(structure, PAUL, attachments, now=NOW)
        membership.ensure_may_request_attachment(structure, PAUL, attachments, now=NOW)


def test_another_user_s_or_another_structure_s_attachment_does_not_count() -> None:
    structure = _structure()
    others = [_attachment(JEANNE), _attachment(PAUL, structure_id="s2")]
    membership.ensure_may_request_attachment(structure, PAUL, others, now=NOW)


def test_a_lapsed_invitation_gives_way_to_a_new_request() -> None:
    structure = _structure()
    invitation = _attachment(PAUL, AttachmentState.INVITED)
    later = NOW + timedelta(days=31)
    assert membership.live_attachments([invitation], now=NOW) == [invitation]
    membership.ensure_may_request_attachment(structure, PAUL, [invitation], now=later)
    assert invitation.state is AttachmentState.WITHDRAWN
    assert isinstance(invitation.pull_events()[-1], InvitationLapsed)


def test_nothing_new_happens_on_an_inactive_structure() -> None:
    structure = _structure()
    structure.check_active()
    structure.status = StructureStatus.INACTIF
    with pytest.raises(StructureInactive):
        structure.check_active()
    with pytest.raises(StructureInactive):
        membership.ensure_may_request_attachment(structure, PAUL, [], now=NOW)
    with pytest.raises(StructureInactive):
        membership.ensure_may_invite(structure, BOSS)
    with pytest.raises(StructureInactive):
        membership.ensure_subscribable(
            structure,
            PAUL,
            FACTURES,
            "DEFAUT",
            CONSULT,
            attachments=_members(PAUL),
            subscriptions=[],
        )


def test_only_the_requester_withdraws_a_request() -> None:
    request = _attachment(PAUL, AttachmentState.PENDING)
    membership.ensure_may_withdraw(PAUL, request)
    with pytest.raises(NotFound) as refused:
        membership.ensure_may_withdraw(BOSS, request)
    assert refused.value.field == "attachment_id"


def test_only_the_principal_manager_grants_rights_with_a_validation() -> None:
    structure = _structure()
    rights = [EspaceRight(FACTURES, MODIFY, "DEFAUT")]
    membership.ensure_may_grant_rights(structure, BOSS, rights)
    membership.ensure_may_grant_rights(structure, DEPUTY, [])
    with pytest.raises(PrincipalOnly) as refused:
        membership.ensure_may_grant_rights(structure, DEPUTY, rights)
    assert refused.value.field == "grants"
    with pytest.raises(EspaceNotOpen):
        membership.ensure_may_grant_rights(
            structure, BOSS, [EspaceRight(SOLLICITATIONS, MODIFY, "DEFAUT")]
        )
    with pytest.raises(UnknownService):
        membership.ensure_may_grant_rights(
            structure, BOSS, [EspaceRight(FACTURES, CONSULT, "COMPTA")]
        )


def test_only_managers_invite() -> None:
    structure = _structure()
    membership.ensure_may_invite(structure, BOSS)
    membership.ensure_may_invite(structure, DEPUTY)
    with pytest.raises(ManagersOnly):
        membership.ensure_may_invite(structure, PAUL)


def _offer(
    account: Account | None, attachments: list[Attachment], now: datetime = NOW
) -> Attachment | None:
    return membership.offer_attachment(
        _structure(),
        account,
        attachments,
        by=DEPUTY,
        now=now,
        validity=timedelta(days=30),
        new_id=lambda: "invitation",
    )


def test_an_invitation_waits_for_the_user_s_consent() -> None:
    offer = _offer(_account(PAUL), [])
    assert offer is not None
    assert (offer.id, offer.state, offer.invited_by) == (
        "invitation",
        AttachmentState.INVITED,
        DEPUTY,
    )
    assert isinstance(offer.pull_events()[0], InvitationIssued)
    assert not membership.is_attached(_structure(), PAUL, [offer])


def test_inviting_someone_who_asked_validates_their_request() -> None:
    request = _attachment(PAUL, AttachmentState.PENDING)
    assert _offer(_account(PAUL), [request]) is None
    assert (request.state, request.decided_by) == (AttachmentState.VALIDATED, DEPUTY)


@pytest.mark.parametrize(
    ("account", "attachments"),
    [
        (None, []),
        (_account(PAUL, AccountState.DEACTIVATED), []),
        (_account(PAUL, AccountState.ACTIVATION_PENDING), []),
        (_account(PAUL), _members(PAUL)),
        (_account(PAUL), [_attachment(PAUL, AttachmentState.INVITED)]),
    ],
    ids=["unknown", "deactivated", "not-activated", "member", "invited"],
)
def test_an_invitation_offers_nothing_to_an_inactive_account_nor_to_a_member(
    account: Account | None, attachments: list[Attachment]
) -> None:
    assert _offer(account, attachments) is None


def test_a_lapsed_invitation_gives_way_to_a_new_one() -> None:
    lapsed = _attachment(PAUL, AttachmentState.INVITED)
    offer = _offer(_account(PAUL), [lapsed], now=NOW + timedelta(days=31))
    assert offer is not None
    assert lapsed.state is AttachmentState.WITHDRAWN


def test_only_the_invited_user_answers_an_invitation() -> None:
    invitation = _attachment(PAUL, AttachmentState.INVITED)
    membership.ensure_may_answer_invitation(PAUL, invitation)
    with pytest.raises(NotFound):
        membership.ensure_may_answer_invitation(JEANNE, invitation)
    with pytest.raises(NotFound):
        membership.ensure_may_answer_invitation(PAUL, _attachment(PAUL, AttachmentState.PENDING))


# --- leaving ------------------------------------------------------------------------------------


def test_the_principal_manager_never_leaves_nor_is_detached() -> None:
    structure = _structure()
    for by in (BOSS, DEPUTY, PAUL):
        with pytest.raises(PrincipalMustTransferFirst):
            membership.ensure_may_detach(structure, by, BOSS, [])


def test_a_user_leaves_on_their_own_and_the_principal_manager_detaches_anyone_else() -> None:
    structure = _structure()
    granted = [_subscription(PAUL)]
    membership.ensure_may_detach(structure, PAUL, PAUL, granted)
    membership.ensure_may_detach(structure, DEPUTY, DEPUTY, [])
    membership.ensure_may_detach(structure, BOSS, PAUL, granted)
    membership.ensure_may_detach(structure, BOSS, DEPUTY, [])
    with pytest.raises(ManagersOnly):
        membership.ensure_may_detach(structure, JEANNE, PAUL, [])


def test_a_delegated_manager_detaches_plain_members_only() -> None:
    structure = _structure()
    membership.ensure_may_detach(structure, DEPUTY, PAUL, [])
    asked = [_subscription(PAUL, state=SubscriptionState.EN_COURS_DE_VALIDATION)]
    membership.ensure_may_detach(structure, DEPUTY, PAUL, asked)
    with pytest.raises(PrincipalOnly):
        membership.ensure_may_detach(structure, DEPUTY, PAUL, [_subscription(PAUL)])
    structure.grant_manager(JEANNE)
    with pytest.raises(PrincipalOnly):
        membership.ensure_may_detach(structure, DEPUTY, JEANNE, [])


def test_detaching_cancels_the_member_s_subscriptions_and_managing_rights() -> None:
    structure = _structure()
    attachment = _attachment(DEPUTY)
    mine = [
        _subscription(DEPUTY),
        _subscription(DEPUTY, SOLLICITATIONS, state=SubscriptionState.EN_COURS_DE_VALIDATION),
    ]
    refused = _subscription(DEPUTY, Espace.ENGAGEMENTS, state=SubscriptionState.REFUSE)
    others = [_subscription(PAUL), _subscription(DEPUTY, structure_id="s2")]
    membership.detach(structure, attachment, [*mine, refused, *others], by=BOSS, now=NOW)
    assert attachment.state is AttachmentState.ENDED
    assert [s.state for s in mine] == [SubscriptionState.ANNULE, SubscriptionState.ANNULE]
    assert refused.state is SubscriptionState.REFUSE
    assert [s.state for s in others] == [SubscriptionState.VALIDE, SubscriptionState.VALIDE]
    assert not membership.may_manage(structure, DEPUTY)


# --- subscriptions ------------------------------------------------------------------------------


def _ensure_subscribable(
    account_id: str = PAUL,
    espace: Espace = FACTURES,
    service: str = "DEFAUT",
    habilitation: Habilitation = CONSULT,
    attachments: list[Attachment] | None = None,
    subscriptions: list[Subscription] | None = None,
) -> None:
    membership.ensure_subscribable(
        _structure(),
        account_id,
        espace,
        service,
        habilitation,
        attachments=_members(account_id) if attachments is None else attachments,
        subscriptions=subscriptions or [],
    )


def test_a_subscription_needs_a_validated_attachment_and_an_open_espace() -> None:
    _ensure_subscribable()
    _ensure_subscribable(habilitation=MODIFY)
    with pytest.raises(NotAttached) as refused:
        _ensure_subscribable(attachments=[_attachment(PAUL, AttachmentState.PENDING)])
    assert refused.value.field == "structure_id"
    with pytest.raises(EspaceNotOpen):
        _ensure_subscribable(espace=Espace.ENGAGEMENTS)
    with pytest.raises(EspaceNotOpen):
        _ensure_subscribable(espace=SOLLICITATIONS, habilitation=MODIFY)
    with pytest.raises(UnknownService):
        _ensure_subscribable(service="COMPTA")


def test_the_principal_manager_has_every_right_without_subscribing() -> None:
    with pytest.raises(PrincipalHasAllRights):
        _ensure_subscribable(BOSS)
    # A delegated manager subscribes as any member does.
    _ensure_subscribable(DEPUTY)


@pytest.mark.parametrize("state", list(SubscriptionState))
def test_one_live_subscription_per_espace_and_service(state: SubscriptionState) -> None:
    held = [_subscription(PAUL, state=state)]
    if state.is_live:
        with pytest.raises(SubscriptionExists):
            _ensure_subscribable(subscriptions=held)
    else:
        _ensure_subscribable(subscriptions=held)
    # Another espace, another user or another structure does not count.
    _ensure_subscribable(espace=SOLLICITATIONS, subscriptions=held)
    _ensure_subscribable(
        subscriptions=[_subscription(JEANNE), _subscription(PAUL, structure_id="s2")]
    )


def test_rights_already_held_are_not_granted_twice() -> None:
    structure = _structure()
    factures = EspaceRight(FACTURES, MODIFY, "DEFAUT")
    sollicitations = EspaceRight(SOLLICITATIONS, CONSULT, "DEFAUT")
    held = [_subscription(PAUL, FACTURES, CONSULT)]
    assert membership.rights_to_grant(
        structure, PAUL, [factures, sollicitations, sollicitations], held
    ) == [sollicitations]
    ended = [_subscription(PAUL, FACTURES, state=SubscriptionState.REVOQUE)]
    assert membership.rights_to_grant(structure, PAUL, [factures], ended) == [factures]


def test_only_the_principal_manager_decides_subscriptions() -> None:
    structure = _structure()
    asked = _subscription(PAUL, state=SubscriptionState.EN_COURS_DE_VALIDATION)
    assert membership.may_decide_subscriptions(structure, BOSS)
    assert membership.may_decide_subscriptions(structure, BOSS, asked)
    membership.ensure_may_decide_subscriptions(structure, BOSS, asked)
    for other in (DEPUTY, PAUL):
        assert not membership.may_decide_subscriptions(structure, other, asked)
        with pytest.raises(PrincipalOnly):
            membership.ensure_may_decide_subscriptions(structure, other, asked)
    elsewhere = _subscription(PAUL, structure_id="s2")
    assert not membership.may_decide_subscriptions(structure, BOSS, elsewhere)


def test_validating_needs_the_requester_still_attached_and_the_espace_still_open() -> None:
    structure = _structure()
    asked = _subscription(PAUL, FACTURES, MODIFY, SubscriptionState.EN_COURS_DE_VALIDATION)
    membership.ensure_may_validate_subscription(structure, BOSS, asked, _members(PAUL))
    with pytest.raises(PrincipalOnly):
        membership.ensure_may_validate_subscription(structure, DEPUTY, asked, _members(PAUL))
    with pytest.raises(NotAttached) as refused:
        membership.ensure_may_validate_subscription(
            structure, BOSS, asked, [_attachment(PAUL, AttachmentState.ENDED)]
        )
    assert refused.value.field == "subscription_id"
    structure.close(FACTURES)
    with pytest.raises(EspaceNotOpen):
        membership.ensure_may_validate_subscription(structure, BOSS, asked, _members(PAUL))


def test_only_the_holder_cancels_a_subscription() -> None:
    granted = _subscription(PAUL)
    assert membership.may_cancel_subscription(PAUL, granted)
    membership.ensure_may_cancel_subscription(PAUL, granted)
    for other in (BOSS, DEPUTY):
        assert not membership.may_cancel_subscription(other, granted)
        with pytest.raises(NotFound) as refused:
            membership.ensure_may_cancel_subscription(other, granted)
        assert refused.value.field == "subscription_id"


# --- access ---------------------------------------------------------------------------------------


def _can(
    account: Account | None,
    attachments: list[Attachment],
    subscriptions: list[Subscription],
    espace: Espace = FACTURES,
    mode: Habilitation = CONSULT,
    structure: Structure | None = None,
) -> bool:
    return membership.can_access(
        account, structure or _structure(), attachments, subscriptions, espace, mode
    )


def test_the_principal_manager_accesses_every_open_espace_in_its_modes() -> None:
    boss = _account(BOSS)
    assert _can(boss, _members(BOSS), [], FACTURES, MODIFY)
    assert _can(boss, _members(BOSS), [], SOLLICITATIONS, CONSULT)
    assert not _can(boss, _members(BOSS), [], SOLLICITATIONS, MODIFY)
    assert not _can(boss, _members(BOSS), [], Espace.ENGAGEMENTS, CONSULT)


def test_a_member_accesses_what_a_validated_subscription_covers() -> None:
    paul = _account(PAUL)
    modify = [_subscription(PAUL, FACTURES, MODIFY)]
    assert _can(paul, _members(PAUL), modify, FACTURES, MODIFY)
    assert _can(paul, _members(PAUL), modify, FACTURES, CONSULT)
    consult = [_subscription(PAUL, FACTURES, CONSULT)]
    assert not _can(paul, _members(PAUL), consult, FACTURES, MODIFY)
    assert not _can(paul, _members(PAUL), consult, SOLLICITATIONS, CONSULT)
    asked = [_subscription(PAUL, state=SubscriptionState.EN_COURS_DE_VALIDATION)]
    assert not _can(paul, _members(PAUL), asked)
    # A delegated manager needs subscriptions like anyone but the principal manager.
    assert not _can(_account(DEPUTY), _members(DEPUTY), [])


def test_access_ends_at_once_with_the_account_the_structure_the_espace_or_the_attachment() -> None:
    paul, held = _account(PAUL), [_subscription(PAUL)]
    assert _can(paul, _members(PAUL), held)
    assert not _can(None, _members(PAUL), held)
    assert not membership.can_access(paul, None, _members(PAUL), held, FACTURES, CONSULT)
    assert not _can(_account(PAUL, AccountState.DEACTIVATED), _members(PAUL), held)
    assert not _can(paul, [_attachment(PAUL, AttachmentState.ENDED)], held)
    inactive = _structure()
    inactive.status = StructureStatus.INACTIF
    assert not _can(paul, _members(PAUL), held, structure=inactive)
    closed = _structure()
    closed.close(FACTURES)
    assert not _can(paul, _members(PAUL), held, structure=closed)
    # A right on a service the espace is no longer open for gives nothing.
    assert not _can(paul, _members(PAUL), [_subscription(PAUL, service="COMPTA")])


def test_access_reads_only_this_user_s_entries_on_this_structure() -> None:
    paul = _account(PAUL)
    borrowed = [_attachment(JEANNE), _attachment(PAUL, structure_id="s2")]
    assert not _can(paul, borrowed, [_subscription(PAUL)])
    elsewhere = [_subscription(JEANNE), _subscription(PAUL, structure_id="s2")]
    assert not _can(paul, _members(PAUL), elsewhere)


# --- activation emails -----------------------------------------------------------------------------


def test_a_manager_resends_the_activation_only_to_people_joining_or_belonging_to_their_structure() -> (
    None
):
    mine, other = _structure(), _structure("s2")
    for state in (AttachmentState.PENDING, AttachmentState.VALIDATED, AttachmentState.INVITED):
        asking = _attachment(PAUL, state)
        assert membership.may_resend_activation(mine, DEPUTY, asking)
        assert membership.ensure_may_resend_activation(DEPUTY, [(asking, mine)]) is mine
    for state in (AttachmentState.REFUSED, AttachmentState.ENDED, AttachmentState.WITHDRAWN):
        gone = _attachment(PAUL, state)
        assert not membership.may_resend_activation(mine, BOSS, gone)
        with pytest.raises(ActivationResendNotAllowed) as refused:
            membership.ensure_may_resend_activation(BOSS, [(gone, mine)])
        assert isinstance(refused.value, Forbidden)
    elsewhere = _attachment(PAUL, AttachmentState.PENDING, structure_id="s2")
    other.principal_manager_id = JEANNE
    with pytest.raises(ActivationResendNotAllowed):
        membership.ensure_may_resend_activation(BOSS, [(elsewhere, other)])
    assert membership.ensure_may_resend_activation(JEANNE, [(elsewhere, other)]) is other
    with pytest.raises(ActivationResendNotAllowed):
        membership.ensure_may_resend_activation(PAUL, [(_attachment(PAUL), mine)])


# --- credentials ---------------------------------------------------------------------------------------


def test_changing_credentials_needs_the_current_password() -> None:
    account = _account(PAUL)
    account.password_hash = "hash-of-secret"

    def verify(stored: str, typed: str) -> bool:
        return stored == f"hash-of-{typed}"

    account.check_current_password("secret", verify)
    with pytest.raises(WrongCurrentPassword) as refused:
        account.check_current_password("guess", verify)
    assert refused.value.field == "current_password"
    account.password_hash = None
    with pytest.raises(WrongCurrentPassword):
        account.check_current_password("secret", verify)


def test_a_credentials_change_makes_older_sessions_stale() -> None:
    account = _account(PAUL)
    account.password_hash = "h"
    opened_at = account.credentials_version
    assert account.session_is_current(opened_at)
    account.change_password("h2", NOW)
    assert not account.session_is_current(opened_at)
    assert account.session_is_current(account.credentials_version)
    account.deactivate(NOW, by_owner=True)
    assert not account.session_is_current(account.credentials_version)
