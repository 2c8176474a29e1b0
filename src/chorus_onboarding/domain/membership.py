"""Rules of membership, by name: who may do what on a structure, and what follows from it.

Pure functions over entities already loaded; the use cases call them and
never restate them. ``may_*`` functions answer yes or no; ``ensure_*``
functions raise the rule's own error (a stable ``code``, a French message);
the others carry a change out once its rule is checked. Each docstring quotes
the rule of the portal it keeps; ``docs/rules.md`` lists them all, with the
tests that show them.

The functions are given only what they need: the structure, the account (or
its id) and that user's attachments and subscriptions on that structure.
They also filter what they are given by account and structure, so a wider
list gives the same answer.

Who the support team is (``Actor.is_support``) is the host's word, not the
domain's: the use cases let support through before calling these rules where
DOMAIN.md gives support the right ("support appoints one", "a manager ... or
support can resend it").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from attrs import frozen

from .accounts import Account, AccountState
from .attachments import Attachment, AttachmentState
from .errors import (
    ActivationResendNotAllowed,
    ActorNotActive,
    AlreadyAttached,
    ManagerNeedsActiveMember,
    ManagersOnly,
    MembersOnly,
    NotAttached,
    NotFound,
    PrincipalHasAllRights,
    PrincipalMustTransferFirst,
    PrincipalOnly,
    PrincipalRoleNeedsActiveMember,
    SubscriptionExists,
)
from .espaces import Espace, Habilitation
from .structures import Structure
from .subscriptions import EspaceRight, Subscription

# --- acting at all -------------------------------------------------------------


def may_act(account: Account | None) -> bool:
    """Whether this account may do anything on the portal: only an ACTIVE account has rights.

    An account pending activation, expired or deactivated (or unknown:
    ``None``) acts on nothing, whatever it held before.
    """
    return account is not None and account.is_active


def ensure_may_act(account: Account | None) -> Account:
    """The account, once :func:`may_act` holds; else :class:`ActorNotActive`."""
    if account is None or not account.is_active:
        raise ActorNotActive()
    return account


def ensure_may_read_own(account: Account | None) -> Account:
    """The account, for reading its own "Mon compte" pages; else :class:`ActorNotActive`.

    Reading asks less than acting: an account pending activation sees the
    requests its registration made, an expired one what it had. A
    deactivated account has left the portal (support still reads it).
    """
    if account is None or account.state is AccountState.DEACTIVATED:
        raise ActorNotActive()
    return account


# --- belonging to a structure --------------------------------------------------


def _theirs(
    structure: Structure, account_id: str, attachments: Iterable[Attachment]
) -> list[Attachment]:
    return [a for a in attachments if a.account_id == account_id and a.structure_id == structure.id]


def attachment_of(
    structure: Structure, account_id: str, attachments: Iterable[Attachment]
) -> Attachment | None:
    """The validated attachment that makes ``account_id`` a member of ``structure``, if any."""
    return next((a for a in _theirs(structure, account_id, attachments) if a.is_valid), None)


def is_attached(structure: Structure, account_id: str, attachments: Iterable[Attachment]) -> bool:
    """Whether ``account_id`` has a validated attachment ("rattachement") to ``structure``.

    A request still pending, an invitation not yet accepted, a refused or
    ended attachment do not count.
    """
    return attachment_of(structure, account_id, attachments) is not None


def may_see_structure(
    structure: Structure, account_id: str, attachments: Iterable[Attachment]
) -> bool:
    """Whether ``account_id`` may see the structure's data: its members do (support too).

    Someone who only asked to join sees what a search shows, not more.
    """
    return is_attached(structure, account_id, attachments)


def ensure_may_see_structure(
    structure: Structure, account_id: str, attachments: Iterable[Attachment]
) -> None:
    """Raise :class:`MembersOnly` unless :func:`may_see_structure`."""
    if not may_see_structure(structure, account_id, attachments):
        raise MembersOnly()


# --- managers ------------------------------------------------------------------


def may_manage(structure: Structure, account_id: str) -> bool:
    """Whether ``account_id`` manages the structure: its principal manager or a delegated one.

    "A manager (principal, or one with delegated rights) validates
    attachments": managers decide attachment requests, invite and detach
    users, resend activation emails, list and export the users, read the
    history of manager actions.
    """
    return structure.is_manager(account_id)


def ensure_manages(structure: Structure, account_id: str) -> None:
    """Raise :class:`ManagersOnly` unless :func:`may_manage`."""
    if not may_manage(structure, account_id):
        raise ManagersOnly()


def may_lead(structure: Structure, account_id: str) -> bool:
    """Whether ``account_id`` is the structure's principal manager ("gestionnaire principal").

    "Only the principal manager opens espaces and validates subscriptions";
    the principal manager also modifies the structure, adds services, flags
    a centre de gestion agricole, delegates managing rights and takes them
    back, transfers the role, and grants espace rights with an attachment.
    """
    return structure.is_principal(account_id)


def ensure_principal(structure: Structure, account_id: str, *, field: str | None = None) -> None:
    """Raise :class:`PrincipalOnly` (on ``field``) unless :func:`may_lead`."""
    if not may_lead(structure, account_id):
        raise PrincipalOnly(field=field)


def may_become_manager(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> bool:
    """Whether ``account`` may be given delegated managing rights on the structure.

    Only an active user validly attached to it, who does not manage it yet.
    """
    return (
        account.is_active
        and is_attached(structure, account.id, attachments)
        and not structure.is_manager(account.id)
    )


def ensure_may_become_manager(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> None:
    """Raise :class:`ManagerNeedsActiveMember` unless ``account`` is an active member.

    (Someone who manages already is refused by :meth:`Structure.grant_manager`
    with ``AlreadyExists``.)
    """
    if not account.is_active or not is_attached(structure, account.id, attachments):
        raise ManagerNeedsActiveMember(field="account_id")


def delegate_managing(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> None:
    """Delegate managing rights to an active member (the principal manager's decision)."""
    ensure_may_become_manager(structure, account, attachments)
    structure.grant_manager(account.id)


# --- the principal manager role --------------------------------------------------


def may_receive_principal_role(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> bool:
    """Whether ``account`` may become the structure's principal manager.

    "Transfer the principal manager role to another active attached user (if
    the principal manager is gone, support appoints one)": an active account
    with a validated attachment to the structure.
    """
    return account.is_active and is_attached(structure, account.id, attachments)


def ensure_may_receive_principal_role(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> None:
    """Raise :class:`PrincipalRoleNeedsActiveMember` unless :func:`may_receive_principal_role`."""
    if not may_receive_principal_role(structure, account, attachments):
        raise PrincipalRoleNeedsActiveMember(field="account_id")


def rights_of_former_principal(structure: Structure) -> tuple[EspaceRight, ...]:
    """The rights a former principal manager is given so that a transfer takes nothing away.

    The principal manager needs no subscription; as a delegated manager,
    the former one keeps working through explicit rights: every espace open
    now, on each of its services, in the widest mode it is open in.
    """
    return tuple(
        EspaceRight(
            opened.espace,
            Habilitation.MODIFICATION
            if opened.modification
            else Habilitation.CONSULTATION_UNIQUEMENT,
            service,
        )
        for opened in structure.espaces
        for service in sorted(opened.services)
    )


def transfer_principal_role(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> tuple[EspaceRight, ...]:
    """The principal manager hands the role to another active member; returns the former's rights.

    The former principal manager stays a delegated manager, and is to be
    given the returned rights (:func:`rights_of_former_principal`, none when
    the role stays with the same person) as validated subscriptions.
    """
    ensure_may_receive_principal_role(structure, account, attachments)
    if structure.is_principal(account.id):
        return ()
    rights = rights_of_former_principal(structure)
    structure.make_principal(account.id, keep_former=True)
    return rights


def appoint_principal_manager(
    structure: Structure, account: Account, attachments: Iterable[Attachment]
) -> None:
    """Support appoints a principal manager when the previous one is gone.

    The appointed user must be an active member; the former principal
    manager keeps no managing right.
    """
    ensure_may_receive_principal_role(structure, account, attachments)
    structure.make_principal(account.id, keep_former=False)


# --- joining a structure ---------------------------------------------------------


def live_attachments(attachments: Iterable[Attachment], *, now: datetime) -> list[Attachment]:
    """The attachments still live (asked, offered or validated) at ``now``.

    An invitation past its time to answer lapses here (it records
    ``InvitationLapsed``) and gives way: it no longer counts.
    """
    live = [a for a in attachments if a.state.is_live]
    for lapsed in [a for a in live if a.lapsed(now)]:
        lapsed.lapse(now=now)
        live.remove(lapsed)
    return live


def ensure_no_live_attachment(
    structure: Structure, account_id: str, attachments: Iterable[Attachment], *, now: datetime
) -> None:
    """Raise :class:`AlreadyAttached` if the user has a live attachment to the structure.

    One live attachment per user and structure: a member, someone whose
    request is pending and someone invited who has not answered yet are not
    asked again. A lapsed invitation gives way (:func:`live_attachments`).
    """
    if live_attachments(_theirs(structure, account_id, attachments), now=now):
        raise AlreadyAttached(field="structure_id")


def ensure_may_request_attachment(
    structure: Structure, account_id: str, attachments: Iterable[Attachment], *, now: datetime
) -> None:
    """What asking to join a structure needs ("demande de rattachement").

    The structure is active (:class:`StructureInactive`) and the user has no
    live attachment to it (:func:`ensure_no_live_attachment`).
    """
    structure.check_active()
    ensure_no_live_attachment(structure, account_id, attachments, now=now)


def ensure_may_withdraw(account_id: str, attachment: Attachment) -> None:
    """Only the requester takes their request back; to anyone else it does not exist.

    Raises :class:`NotFound` rather than a refusal, so that no one learns of
    someone else's request.
    """
    if attachment.account_id != account_id:
        raise NotFound(field="attachment_id", what="attachment")


def ensure_may_grant_rights(
    structure: Structure, account_id: str, rights: Iterable[EspaceRight]
) -> None:
    """Only the principal manager gives espace rights together with an attachment's validation.

    Every right must be offered by the structure
    (:meth:`Structure.check_offers`, checked first); a delegated manager
    validates attachments, but without rights (:class:`PrincipalOnly` on
    ``grants``).
    """
    given = list(rights)
    for right in given:
        structure.check_offers(right.espace, right.service, right.habilitation)
    if given and not may_lead(structure, account_id):
        raise PrincipalOnly(field="grants")


def ensure_may_invite(structure: Structure, account_id: str) -> None:
    """A manager invites users, and only to an active structure."""
    ensure_manages(structure, account_id)
    structure.check_active()


def offer_attachment(
    structure: Structure,
    account: Account | None,
    attachments: Iterable[Attachment],
    *,
    by: str,
    now: datetime,
    validity: timedelta,
    new_id: Callable[[], str],
) -> Attachment | None:
    """What a manager's invitation of ``account`` does; returns a new invitation to add, if any.

    No one is attached without their consent: the user gets an invitation to
    accept or decline. A pending request of theirs is validated at once
    (they asked: the invitation is their consent already given). Nothing
    happens for an account that is unknown or not active, nor for someone
    who is already a member or already invited: the inviting manager is told
    the same either way.
    """
    if account is None or not account.is_active:
        return None
    live = live_attachments(_theirs(structure, account.id, attachments), now=now)
    pending = next((a for a in live if a.state is AttachmentState.PENDING), None)
    if pending is not None:
        pending.validate(by=by, now=now)
        return None
    if live:
        return None
    return Attachment.invite(
        attachment_id=new_id(),
        account_id=account.id,
        structure_id=structure.id,
        by=by,
        now=now,
        validity=validity,
    )


def ensure_may_answer_invitation(account_id: str, attachment: Attachment) -> None:
    """Only the invited user answers an invitation, and only while it is one.

    To anyone else it does not exist (:class:`NotFound`). An invitation past
    its time is refused by :meth:`Attachment.accept` and
    :meth:`Attachment.decline` (``InvitationLapsed``).
    """
    if attachment.account_id != account_id or attachment.state is not AttachmentState.INVITED:
        raise NotFound(field="attachment_id", what="invitation")


# --- leaving ---------------------------------------------------------------------


def ensure_may_detach(
    structure: Structure, by: str, member: str, subscriptions: Iterable[Subscription]
) -> None:
    """Raise unless ``by`` may end ``member``'s attachment to ``structure``.

    - The principal manager never leaves nor is detached: the role is
      transferred first (:class:`PrincipalMustTransferFirst`).
    - A user may leave on their own.
    - The principal manager may detach anyone else.
    - A delegated manager may detach a plain member only: not another manager,
      and not someone holding rights the principal manager granted, which the
      detachment would end (:class:`PrincipalOnly`).
    - Nobody else may (:class:`ManagersOnly`).
    """
    if structure.is_principal(member):
        raise PrincipalMustTransferFirst(field="account_id")
    if by == member or structure.is_principal(by):
        return
    if not structure.is_manager(by):
        raise ManagersOnly()
    if structure.is_manager(member) or any(
        s.grants and s.account_id == member and s.structure_id == structure.id
        for s in subscriptions
    ):
        raise PrincipalOnly(field="account_id")


def detach(
    structure: Structure,
    attachment: Attachment,
    subscriptions: Iterable[Subscription],
    *,
    by: str,
    now: datetime,
) -> None:
    """End a member's attachment, and with it everything it carried on the structure.

    Their live subscriptions there are cancelled (asked and granted alike)
    and their delegated managing rights taken back.
    """
    attachment.detach(by=by, now=now)
    for subscription in subscriptions:
        if (
            subscription.state.is_live
            and subscription.account_id == attachment.account_id
            and subscription.structure_id == structure.id
        ):
            subscription.cancel(by=by, now=now)
    if attachment.account_id in structure.managers:
        structure.revoke_manager(attachment.account_id)


# --- subscriptions ---------------------------------------------------------------


def holds_live_subscription(
    structure: Structure,
    account_id: str,
    subscriptions: Iterable[Subscription],
    espace: Espace,
    service: str,
) -> bool:
    """Whether the user has a live subscription (asked or granted) to ``espace`` for ``service``."""
    return any(
        s.state.is_live
        and s.account_id == account_id
        and s.structure_id == structure.id
        and s.espace is espace
        and s.service == service
        for s in subscriptions
    )


def ensure_subscribable(
    structure: Structure,
    account_id: str,
    espace: Espace,
    service: str,
    habilitation: Habilitation,
    *,
    attachments: Iterable[Attachment],
    subscriptions: Iterable[Subscription],
) -> None:
    """What asking for a subscription needs ("abonnement à un espace").

    "A subscription needs a validated attachment and an open espace", and:

    - the structure is active (:class:`StructureInactive`);
    - the user is attached to it (:class:`NotAttached`);
    - the user is not its principal manager, who "has every right without
      subscribing" (:class:`PrincipalHasAllRights`);
    - the service exists and the espace is open on it in the mode asked
      (:class:`UnknownService`, :class:`EspaceNotOpen`);
    - one live subscription per espace and service: none is asked or granted
      already (:class:`SubscriptionExists`).
    """
    structure.check_active()
    if not is_attached(structure, account_id, attachments):
        raise NotAttached(field="structure_id")
    if structure.is_principal(account_id):
        raise PrincipalHasAllRights(field="structure_id")
    structure.check_offers(espace, service, habilitation)
    if holds_live_subscription(structure, account_id, subscriptions, espace, service):
        raise SubscriptionExists(field="espace")


def rights_to_grant(
    structure: Structure,
    account_id: str,
    rights: Iterable[EspaceRight],
    subscriptions: Iterable[Subscription],
) -> list[EspaceRight]:
    """Of ``rights``, those to give as new subscriptions: one live per espace and service.

    A right on an espace and service the user already holds or asked for is
    skipped, and so is a second one in ``rights`` for the same pair.
    """
    held = {
        (s.espace, s.service)
        for s in subscriptions
        if s.state.is_live and s.account_id == account_id and s.structure_id == structure.id
    }
    given = []
    for right in rights:
        if (right.espace, right.service) not in held:
            held.add((right.espace, right.service))
            given.append(right)
    return given


def may_decide_subscriptions(
    structure: Structure, account_id: str, subscription: Subscription | None = None
) -> bool:
    """Whether ``account_id`` validates, refuses and revokes subscriptions on the structure.

    "Only the principal manager opens espaces and validates subscriptions":
    the principal manager decides; a delegated manager does not, and cannot
    cancel what the principal manager granted either (it may not detach a
    member holding such rights: :func:`ensure_may_detach`). With
    ``subscription``, also that it is one of this structure's.
    """
    if subscription is not None and subscription.structure_id != structure.id:
        return False
    return may_lead(structure, account_id)


def ensure_may_decide_subscriptions(
    structure: Structure, account_id: str, subscription: Subscription | None = None
) -> None:
    """Raise :class:`PrincipalOnly` unless :func:`may_decide_subscriptions`."""
    if not may_decide_subscriptions(structure, account_id, subscription):
        raise PrincipalOnly()


def ensure_may_validate_subscription(
    structure: Structure,
    account_id: str,
    subscription: Subscription,
    attachments: Iterable[Attachment],
) -> None:
    """What validating a subscription needs, besides its state (``EN_COURS_DE_VALIDATION``).

    The principal manager decides (:func:`ensure_may_decide_subscriptions`);
    the requester is still attached (:class:`NotAttached` on
    ``subscription_id``) and the espace still open as asked
    (:meth:`Structure.check_offers`).
    """
    ensure_may_decide_subscriptions(structure, account_id, subscription)
    if not is_attached(structure, subscription.account_id, attachments):
        raise NotAttached(field="subscription_id")
    structure.check_offers(subscription.espace, subscription.service, subscription.habilitation)


def may_cancel_subscription(account_id: str, subscription: Subscription) -> bool:
    """Whether ``account_id`` may give the subscription up: only its holder.

    (A subscription also ends with its holder's attachment: :func:`detach`.)
    """
    return subscription.account_id == account_id


def ensure_may_cancel_subscription(account_id: str, subscription: Subscription) -> None:
    """Raise :class:`NotFound` unless :func:`may_cancel_subscription`.

    Not found rather than refused: no one learns of another's subscription.
    """
    if not may_cancel_subscription(account_id, subscription):
        raise NotFound(field="subscription_id", what="subscription")


# --- access ----------------------------------------------------------------------


def can_access(
    account: Account | None,
    structure: Structure | None,
    attachments: Iterable[Attachment],
    subscriptions: Iterable[Subscription],
    espace: Espace,
    mode: Habilitation,
) -> bool:
    """Whether the account may use ``espace`` of the structure in ``mode`` right now.

    True only when every condition holds: the account is active; the
    structure is active; the espace is open on it in that mode; the account
    has a validated attachment to it; and the account is its principal
    manager ("every right without subscribing") or holds a validated
    subscription covering the mode (modification implies consultation) on a
    service the espace is open for. Computed from the data each time: a
    revoked right, a closed espace or an ended attachment count at once.

    ``attachments`` and ``subscriptions`` need hold only this user's on this
    structure; others are ignored.
    """
    if account is None or structure is None:
        return False
    if not account.is_active or not structure.is_active:
        return False
    opened = structure.opened(espace)
    if opened is None or not opened.allows(mode):
        return False
    if not is_attached(structure, account.id, attachments):
        return False
    if structure.is_principal(account.id):
        return True
    return any(
        s.account_id == account.id
        and s.structure_id == structure.id
        and s.covers(espace, mode)
        and s.service in opened.services
        for s in subscriptions
    )


@frozen
class HeldRight:
    """A right an account holds now on an espace of a structure: what :func:`can_access` grants.

    ``subscription`` is the validated subscription that gives it, None for
    the principal manager, who holds every right on the open espaces
    without subscribing (``service`` is then None: every service).
    """

    espace: Espace
    habilitation: Habilitation
    service: str | None
    subscription: Subscription | None


_STRONGEST_FIRST = (Habilitation.MODIFICATION, Habilitation.CONSULTATION_UNIQUEMENT)


def held_rights(
    account: Account | None,
    structure: Structure | None,
    attachments: Iterable[Attachment],
    subscriptions: Iterable[Subscription],
) -> list[HeldRight]:
    """Every right ``can_access`` grants the account on the structure now, each in its strongest mode.

    Asked of :func:`can_access` itself, for each open espace and each thing
    that may give a right (the principal manager's role, or one validated
    subscription), so that "Mes habilitations" never shows a right the
    portal would refuse, nor hides one it grants.
    """
    if account is None or structure is None:
        return []
    held_attachments = list(attachments)
    # The principal manager holds its rights without subscribing; anyone else
    # through each of their subscriptions.
    givers: list[Subscription | None] = (
        [None]
        if structure.is_principal(account.id)
        else [s for s in subscriptions if s.account_id == account.id]
    )
    held: list[HeldRight] = []
    for opened in structure.espaces:
        for giver in givers:
            given = [giver] if giver is not None else []
            mode = next(
                (
                    m
                    for m in _STRONGEST_FIRST
                    if can_access(account, structure, held_attachments, given, opened.espace, m)
                ),
                None,
            )
            if mode is not None:
                service = giver.service if giver is not None else None
                held.append(HeldRight(opened.espace, mode, service, giver))
    return held


# --- activation emails -------------------------------------------------------------


def may_resend_activation(structure: Structure, by: str, attachment: Attachment) -> bool:
    """Whether manager ``by`` may resend, through this attachment, its user's activation email.

    "A manager of the user's structure (or support) can resend it": the
    attachment is live (the user belongs to the structure, asks to join it
    or is invited to it) and ``by`` manages that structure.
    """
    return (
        attachment.state.is_live
        and attachment.structure_id == structure.id
        and structure.is_manager(by)
    )


def ensure_may_resend_activation(
    by: str, memberships: Iterable[tuple[Attachment, Structure]]
) -> Structure:
    """The structure through which ``by`` may resend a user's activation email.

    ``memberships`` are the user's attachments with their structures (a
    generator is read only up to the first that allows it). The action goes
    into that structure's history. Raises
    :class:`ActivationResendNotAllowed` when none allows it (support is let
    through by the use case).
    """
    for attachment, structure in memberships:
        if may_resend_activation(structure, by, attachment):
            return structure
    raise ActivationResendNotAllowed()
