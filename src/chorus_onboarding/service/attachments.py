"""Attachments: asking to join a structure, and the managers' decisions (journeys 8 and 11)."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain import membership
from ..domain.accounts import Account
from ..domain.attachments import Attachment, AttachmentState
from ..domain.emails import EmailAddress
from ..domain.errors import (
    InvalidInput,
    InvitationLapsed,
    NotFound,
    OnboardingError,
)
from ..domain.history import ManagerActionKind
from ..domain.structures import Structure
from ..domain.support_log import SupportActionKind
from ..ports import UnitOfWork
from .arguments import note_argument
from .context import Context
from .grants import EspaceGrant, espace_rights, grant
from .loaders import (
    account_to_read,
    acting_account,
    as_manager,
    existing_structure,
    names,
    principal_manager_name,
)


class AttachmentOrigin(enum.Enum):
    """How an attachment came about."""

    REQUEST = "DEMANDE"
    """The user asked to join; a manager decides."""
    INVITATION = "INVITATION"
    """A manager invited the user, who answers."""
    CREATION = "CREATION"
    """The user created the structure: attached at once."""

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOrigin:
        """Where ``attachment`` came from (a creator's attachment is the one they decided themselves)."""
        if attachment.invited_by is not None:
            return cls.INVITATION
        if attachment.decided_by == attachment.account_id:
            return cls.CREATION
        return cls.REQUEST


@frozen
class AttachmentView:
    """An attachment as the pages list it: who, to what, where it stands."""

    id: str
    account_id: str
    user_name: str
    login_email: str
    structure_id: str
    structure_name: str
    state: AttachmentState
    requested_at: datetime
    decided_at: datetime | None
    reason: str
    origin: AttachmentOrigin
    principal_manager_name: str = ""
    """ "Prénom Nom" of the structure's principal manager, who decides (the name only)."""


@frozen
class BatchOutcome:
    """The result of one decision in a batch: ``error`` is the code, or None if done."""

    attachment_id: str
    error: str | None

    @property
    def done(self) -> bool:
        """Whether this decision was carried out."""
        return self.error is None


_MAX_BATCH = 1000
"""How many requests one batch decides."""


# --- helpers ---------------------------------------------------------------


def _view(uow: UnitOfWork, attachment: Attachment) -> AttachmentView:
    user_name, login_email, structure_name = names(
        uow, attachment.account_id, attachment.structure_id
    )
    return AttachmentView(
        id=attachment.id,
        account_id=attachment.account_id,
        user_name=user_name,
        login_email=login_email,
        structure_id=attachment.structure_id,
        structure_name=structure_name,
        state=attachment.state,
        requested_at=attachment.requested_at,
        decided_at=attachment.decided_at,
        reason=attachment.reason,
        origin=AttachmentOrigin.of(attachment),
        principal_manager_name=principal_manager_name(
            uow, uow.structures.get(attachment.structure_id)
        ),
    )


def ask_to_join(
    ctx: Context, uow: UnitOfWork, account: Account, structure: Structure
) -> Attachment:
    """A new pending request of ``account`` to ``structure``, announced to its managers."""
    membership.ensure_may_request_attachment(
        structure, account.id, uow.attachments.for_member(account.id, structure.id), now=ctx.now()
    )
    attachment = Attachment.request(
        attachment_id=ctx.ports.ids.new_id(),
        account_id=account.id,
        structure_id=structure.id,
        now=ctx.now(),
    )
    attachment.announce()
    uow.attachments.add(attachment)
    return attachment


def _pending(
    uow: UnitOfWork, actor: object, attachment_id: object
) -> tuple[Account, Structure, Attachment]:
    """The acting manager, the structure and the attachment they decide on."""
    if not isinstance(attachment_id, str):
        raise InvalidInput(field="attachment_id", expected="identifiant de demande")
    manager = acting_account(uow, actor)
    attachment = uow.attachments.get(attachment_id)
    if attachment is None:
        raise NotFound(field="attachment_id", what="attachment")
    structure = existing_structure(uow, attachment.structure_id)
    membership.ensure_manages(structure, manager.id)
    return manager, structure, attachment


# --- the user's side ---------------------------------------------------------


def request_attachment(ctx: Context, actor: Actor, structure_id: str) -> str:
    """Ask to be attached to a structure found by search; its managers are told.

    Returns the request's id; it stays pending until a manager decides.
    """
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        attachment = ask_to_join(ctx, uow, account, existing_structure(uow, structure_id))
        uow.commit()
    return attachment.id


def withdraw_attachment_request(ctx: Context, actor: Actor, attachment_id: str) -> None:
    """Take back one's own pending request."""
    if not isinstance(attachment_id, str):
        raise InvalidInput(field="attachment_id", expected="identifiant de demande")
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        attachment = uow.attachments.get(attachment_id)
        if attachment is None:
            raise NotFound(field="attachment_id", what="attachment")
        membership.ensure_may_withdraw(account.id, attachment)
        attachment.withdraw(now=ctx.now())
        uow.commit()


def my_attachments(
    ctx: Context, actor: Actor, account_id: str | None = None
) -> list[AttachmentView]:
    """ "Mes rattachements aux structures": the actor's attachments in every state, newest first.

    Readable in any state of the account but deactivated (pending activation
    included); support names the account to read anyone's.
    """
    with ctx.unit_of_work() as uow:
        read = account_to_read(uow, actor, account_id)
        found = attachments_of(uow, read.id)
        ctx.note_support(
            uow, actor, SupportActionKind.ATTACHMENTS_READ, account_id=read.id, commit=True
        )
        return found


def attachments_of(uow: UnitOfWork, account_id: str) -> list[AttachmentView]:
    """Every attachment of the account, newest first, as "Mon compte" lists them."""
    found = sorted(
        uow.attachments.for_account(account_id), key=lambda a: (a.requested_at, a.id), reverse=True
    )
    return [_view(uow, a) for a in found]


# --- the managers' side ------------------------------------------------------


def pending_attachment_requests(
    ctx: Context, actor: Actor, structure_id: str
) -> list[AttachmentView]:
    """ "Les demandes de rattachement à une structure": what waits for a manager, oldest first."""
    with ctx.unit_of_work() as uow:
        _, structure = as_manager(uow, actor, structure_id)
        waiting = [
            a
            for a in uow.attachments.for_structure(structure.id)
            if a.state is AttachmentState.PENDING
        ]
        return [_view(uow, a) for a in sorted(waiting, key=lambda a: (a.requested_at, a.id))]


def validate_attachment(
    ctx: Context, actor: Actor, attachment_id: str, *, grants: Iterable[EspaceGrant] = ()
) -> None:
    """A manager accepts a request; the requester is told.

    ``grants`` give the new member espace rights at once (subscriptions
    validated on the spot); only the principal manager may grant them.
    """
    with ctx.unit_of_work() as uow:
        manager, structure, attachment = _pending(uow, actor, attachment_id)
        rights = espace_rights(grants)
        membership.ensure_may_grant_rights(structure, manager.id, rights)
        now = ctx.now()
        attachment.validate(by=manager.id, now=now)
        ctx.log(
            uow, structure, actor, ManagerActionKind.ATTACHMENT_VALIDATED, attachment.account_id
        )
        grant(ctx, uow, structure, actor, attachment.account_id, rights, now)
        uow.commit()


def refuse_attachment(ctx: Context, actor: Actor, attachment_id: str, *, reason: str = "") -> None:
    """A manager turns a request down; the requester is told (with the reason, if any)."""
    why = note_argument(reason, "reason")
    with ctx.unit_of_work() as uow:
        manager, structure, attachment = _pending(uow, actor, attachment_id)
        attachment.refuse(
            by=manager.id,
            now=ctx.now(),
            reason=why,
        )
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.ATTACHMENT_REFUSED,
            attachment.account_id,
            why,
        )
        uow.commit()


def _each(attachment_ids: object, decide: Callable[[str], None]) -> list[BatchOutcome]:
    if isinstance(attachment_ids, str | bytes) or not isinstance(attachment_ids, Iterable):
        raise InvalidInput(field="attachment_ids", expected="liste d'identifiants")
    # Never more than asked, never less: too many is refused, not cut short.
    chosen = list(itertools.islice(attachment_ids, _MAX_BATCH + 1))
    if len(chosen) > _MAX_BATCH:
        raise InvalidInput(
            field="attachment_ids", expected="{maximum} identifiants au plus", maximum=_MAX_BATCH
        )
    outcomes = []
    for attachment_id in chosen:
        try:
            decide(attachment_id)
        except OnboardingError as error:
            shown = attachment_id if isinstance(attachment_id, str) else "?"
            outcomes.append(BatchOutcome(shown, error.code))
        else:
            outcomes.append(BatchOutcome(attachment_id, None))
    return outcomes


def validate_attachments(
    ctx: Context, actor: Actor, attachment_ids: Iterable[str]
) -> list[BatchOutcome]:
    """Validate many requests at once; each is decided on its own (one failure stops none)."""
    return _each(attachment_ids, lambda one: validate_attachment(ctx, actor, one))


def refuse_attachments(
    ctx: Context, actor: Actor, attachment_ids: Iterable[str], *, reason: str = ""
) -> list[BatchOutcome]:
    """Refuse many requests at once; each is decided on its own."""
    why = note_argument(reason, "reason")
    return _each(attachment_ids, lambda one: refuse_attachment(ctx, actor, one, reason=why))


def invite_user(ctx: Context, actor: Actor, structure_id: str, login_email: str) -> None:
    """A manager invites a user by login email; the user accepts or declines.

    No one is attached without their consent: the owner of the address
    gets an invitation, valid ``settings.invitation_validity``, to answer
    from "Mon compte" (:meth:`accept_invitation`, :meth:`decline_invitation`).
    A pending request of theirs is validated at once (they asked). The
    answer is the same (none) whether the address has an account or not,
    is already a member or is already invited: an invitation tells a
    stranger nothing. The structure's history keeps the address invited.
    """
    email = EmailAddress.parse(login_email, field="login_email")
    with ctx.unit_of_work() as uow:
        manager = acting_account(uow, actor)
        structure = existing_structure(uow, structure_id)
        membership.ensure_may_invite(structure, manager.id)
        account = uow.accounts.get_by_login_email(email)
        invitation = membership.offer_attachment(
            structure,
            account,
            uow.attachments.for_member(account.id, structure.id) if account else (),
            by=manager.id,
            now=ctx.now(),
            validity=ctx.settings.invitation_validity,
            new_id=ctx.ports.ids.new_id,
        )
        if invitation is not None:
            uow.attachments.add(invitation)
        ctx.log(uow, structure, actor, ManagerActionKind.USER_INVITED, details=email.value)
        uow.commit()


def accept_invitation(ctx: Context, actor: Actor, attachment_id: str) -> None:
    """The invited user accepts: they are attached; the manager who invited them is told."""
    _answer_invitation(ctx, actor, attachment_id, accept=True)


def decline_invitation(ctx: Context, actor: Actor, attachment_id: str) -> None:
    """The invited user declines; the manager who invited them is told."""
    _answer_invitation(ctx, actor, attachment_id, accept=False)


def _answer_invitation(ctx: Context, actor: object, attachment_id: object, *, accept: bool) -> None:
    if not isinstance(attachment_id, str):
        raise InvalidInput(field="attachment_id", expected="identifiant d'invitation")
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        invitation = uow.attachments.get(attachment_id)
        if invitation is None:
            raise NotFound(field="attachment_id", what="invitation")
        membership.ensure_may_answer_invitation(account.id, invitation)
        now = ctx.now()
        if invitation.lapsed(now):
            invitation.lapse(now=now)
            uow.commit()
            raise InvitationLapsed(field="attachment_id")
        if accept:
            invitation.accept(now=now)
        else:
            invitation.decline(now=now)
        uow.commit()


def detach_user(ctx: Context, actor: Actor, structure_id: str, account_id: str) -> None:
    """A manager detaches a user who left: their rights on the structure end with it.

    The principal manager cannot be detached (the role must be
    transferred first); a delegated manager detaches plain members only
    (see :func:`~chorus_onboarding.domain.membership.ensure_may_detach`).
    """
    if not isinstance(account_id, str):
        raise InvalidInput(field="account_id", expected="identifiant de compte")
    with ctx.unit_of_work() as uow:
        manager, structure = as_manager(uow, actor, structure_id)
        _end_membership(ctx, uow, structure, manager.id, account_id)
        ctx.log(uow, structure, actor, ManagerActionKind.USER_DETACHED, account_id)
        uow.commit()


def leave_structure(ctx: Context, actor: Actor, structure_id: str) -> None:
    """The actor leaves a structure they are attached to; their rights there end.

    The principal manager cannot leave before handing the role over.
    """
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        structure = existing_structure(uow, structure_id)
        _end_membership(ctx, uow, structure, account.id, account.id)
        ctx.log(uow, structure, actor, ManagerActionKind.USER_LEFT, account.id)
        uow.commit()


def _end_membership(
    ctx: Context, uow: UnitOfWork, structure: Structure, by: str, member: str
) -> None:
    attachment = membership.attachment_of(
        structure, member, uow.attachments.for_member(member, structure.id)
    )
    if attachment is None:
        raise NotFound(field="account_id", what="membership")
    subscriptions = uow.subscriptions.for_member(member, structure.id)
    membership.ensure_may_detach(structure, by, member, subscriptions)
    membership.detach(structure, attachment, subscriptions, by=by, now=ctx.now())
