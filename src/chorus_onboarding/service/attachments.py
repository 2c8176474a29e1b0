"""Attachments: asking to join a structure, and the managers' decisions (journeys 8 and 11)."""

from __future__ import annotations

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
    AlreadyAttached,
    Forbidden,
    InvalidInput,
    InvitationLapsed,
    NotFound,
    OnboardingError,
    StructureInactive,
)
from ..domain.history import ManagerActionKind
from ..domain.structures import Structure
from ..ports import UnitOfWork
from .core import note_argument
from .grants import EspaceGrant, GrantChecks


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


@frozen
class BatchOutcome:
    """The result of one decision in a batch: ``error`` is the code, or None if done."""

    attachment_id: str
    error: str | None

    @property
    def done(self) -> bool:
        """Whether this decision was carried out."""
        return self.error is None


def _live(uow: UnitOfWork, member: str, structure_id: str, now: datetime) -> list[Attachment]:
    """The member's live attachments to the structure; an invitation past its time lapses first."""
    live = [a for a in uow.attachments.for_member(member, structure_id) if a.state.is_live]
    for lapsed in [a for a in live if a.lapsed(now)]:
        lapsed.lapse(now=now)
        live.remove(lapsed)
    return live


_MAX_BATCH = 1000
"""How many requests one batch decides."""


class AttachmentUseCases(GrantChecks):
    """Asking to join a structure, and everything managers do about members."""

    # --- helpers ---------------------------------------------------------------

    def _view(self, uow: UnitOfWork, attachment: Attachment) -> AttachmentView:
        user_name, login_email, structure_name = self._names(
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
        )

    def _ask(self, uow: UnitOfWork, account: Account, structure: Structure) -> Attachment:
        """A new pending request of ``account`` to ``structure``, announced to its managers."""
        if not structure.is_active:
            raise StructureInactive(field="structure_id")
        if _live(uow, account.id, structure.id, self._now()):
            raise AlreadyAttached(field="structure_id")
        attachment = Attachment.request(
            attachment_id=self.ports.ids.new_id(),
            account_id=account.id,
            structure_id=structure.id,
            now=self._now(),
        )
        attachment.announce()
        uow.attachments.add(attachment)
        return attachment

    def _pending(
        self, uow: UnitOfWork, actor: object, attachment_id: object
    ) -> tuple[Account, Structure, Attachment]:
        """The acting manager, the structure and the attachment they decide on."""
        if not isinstance(attachment_id, str):
            raise InvalidInput(field="attachment_id", expected="identifiant de demande")
        manager = self._acting_account(uow, actor)
        attachment = uow.attachments.get(attachment_id)
        if attachment is None:
            raise NotFound(field="attachment_id", what="La demande de rattachement")
        structure = self._structure(uow, attachment.structure_id)
        if not structure.is_manager(manager.id):
            raise Forbidden()
        return manager, structure, attachment

    # --- the user's side ---------------------------------------------------------

    def request_attachment(self, actor: Actor, structure_id: str) -> str:
        """Ask to be attached to a structure found by search; its managers are told.

        Returns the request's id; it stays pending until a manager decides.
        """
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            attachment = self._ask(uow, account, self._structure(uow, structure_id))
            uow.commit()
        self._hand_over()
        return attachment.id

    def withdraw_attachment_request(self, actor: Actor, attachment_id: str) -> None:
        """Take back one's own pending request."""
        if not isinstance(attachment_id, str):
            raise InvalidInput(field="attachment_id", expected="identifiant de demande")
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            attachment = uow.attachments.get(attachment_id)
            if attachment is None or attachment.account_id != account.id:
                raise NotFound(field="attachment_id", what="La demande de rattachement")
            attachment.withdraw(now=self._now())
            uow.commit()

    def my_attachments(self, actor: Actor) -> list[AttachmentView]:
        """ "Mes rattachements aux structures": the actor's attachments, newest first."""
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            found = sorted(
                uow.attachments.for_account(account.id),
                key=lambda a: (a.requested_at, a.id),
                reverse=True,
            )
            return [self._view(uow, a) for a in found]

    # --- the managers' side ------------------------------------------------------

    def pending_attachment_requests(self, actor: Actor, structure_id: str) -> list[AttachmentView]:
        """ "Les demandes de rattachement à une structure": what waits for a manager, oldest first."""
        with self._uow() as uow:
            _, structure = self._managed(uow, actor, structure_id)
            waiting = [
                a
                for a in uow.attachments.for_structure(structure.id)
                if a.state is AttachmentState.PENDING
            ]
            return [
                self._view(uow, a) for a in sorted(waiting, key=lambda a: (a.requested_at, a.id))
            ]

    def validate_attachment(
        self, actor: Actor, attachment_id: str, *, grants: Iterable[EspaceGrant] = ()
    ) -> None:
        """A manager accepts a request; the requester is told.

        ``grants`` give the new member espace rights at once (subscriptions
        validated on the spot); only the principal manager may grant them.
        """
        with self._uow() as uow:
            manager, structure, attachment = self._pending(uow, actor, attachment_id)
            rights = self._checked_grants(structure, grants)
            if rights and not structure.is_principal(manager.id):
                raise Forbidden(field="grants")
            now = self._now()
            attachment.validate(by=manager.id, now=now)
            self._log(
                uow, structure, actor, ManagerActionKind.ATTACHMENT_VALIDATED, attachment.account_id
            )
            self._grant(uow, structure, actor, attachment.account_id, rights, now)
            uow.commit()
        self._hand_over()

    def refuse_attachment(self, actor: Actor, attachment_id: str, *, reason: str = "") -> None:
        """A manager turns a request down; the requester is told (with the reason, if any)."""
        why = note_argument(reason, "reason")
        with self._uow() as uow:
            manager, structure, attachment = self._pending(uow, actor, attachment_id)
            attachment.refuse(
                by=manager.id,
                now=self._now(),
                reason=why,
            )
            self._log(
                uow,
                structure,
                actor,
                ManagerActionKind.ATTACHMENT_REFUSED,
                attachment.account_id,
                why,
            )
            uow.commit()
        self._hand_over()

    def _each(self, attachment_ids: object, decide: Callable[[str], None]) -> list[BatchOutcome]:
        if isinstance(attachment_ids, str | bytes) or not isinstance(attachment_ids, Iterable):
            raise InvalidInput(field="attachment_ids", expected="liste d'identifiants")
        # Never more than asked, never less: too many is refused, not cut short.
        chosen = list(itertools.islice(attachment_ids, _MAX_BATCH + 1))
        if len(chosen) > _MAX_BATCH:
            raise InvalidInput(
                field="attachment_ids", expected=f"{_MAX_BATCH} identifiants au plus"
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
        self, actor: Actor, attachment_ids: Iterable[str]
    ) -> list[BatchOutcome]:
        """Validate many requests at once; each is decided on its own (one failure stops none)."""
        return self._each(attachment_ids, lambda one: self.validate_attachment(actor, one))

    def refuse_attachments(
        self, actor: Actor, attachment_ids: Iterable[str], *, reason: str = ""
    ) -> list[BatchOutcome]:
        """Refuse many requests at once; each is decided on its own."""
        why = note_argument(reason, "reason")
        return self._each(
            attachment_ids, lambda one: self.refuse_attachment(actor, one, reason=why)
        )

    def invite_user(self, actor: Actor, structure_id: str, login_email: str) -> None:
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
        with self._uow() as uow:
            manager, structure = self._managed(uow, actor, structure_id)
            if not structure.is_active:
                raise StructureInactive(field="structure_id")
            now = self._now()
            account = uow.accounts.get_by_login_email(email)
            if account is not None and account.is_active:
                self._offer(uow, structure, manager.id, account.id, now)
            self._log(uow, structure, actor, ManagerActionKind.USER_INVITED, details=email.value)
            uow.commit()
        self._hand_over()

    def _offer(
        self, uow: UnitOfWork, structure: Structure, by: str, member: str, now: datetime
    ) -> None:
        live = _live(uow, member, structure.id, now)
        if any(a.state is AttachmentState.PENDING for a in live):
            # They asked to join: the invitation is their consent already given.
            next(a for a in live if a.state is AttachmentState.PENDING).validate(by=by, now=now)
        elif not live:
            uow.attachments.add(
                Attachment.invite(
                    attachment_id=self.ports.ids.new_id(),
                    account_id=member,
                    structure_id=structure.id,
                    by=by,
                    now=now,
                    validity=self.settings.invitation_validity,
                )
            )

    def accept_invitation(self, actor: Actor, attachment_id: str) -> None:
        """The invited user accepts: they are attached; the manager who invited them is told."""
        self._answer_invitation(actor, attachment_id, accept=True)

    def decline_invitation(self, actor: Actor, attachment_id: str) -> None:
        """The invited user declines; the manager who invited them is told."""
        self._answer_invitation(actor, attachment_id, accept=False)

    def _answer_invitation(self, actor: object, attachment_id: object, *, accept: bool) -> None:
        if not isinstance(attachment_id, str):
            raise InvalidInput(field="attachment_id", expected="identifiant d'invitation")
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            invitation = uow.attachments.get(attachment_id)
            if (
                invitation is None
                or invitation.account_id != account.id
                or invitation.state is not AttachmentState.INVITED
            ):
                raise NotFound(field="attachment_id", what="L'invitation")
            now = self._now()
            if invitation.lapsed(now):
                invitation.lapse(now=now)
                uow.commit()
                self._hand_over()
                raise InvitationLapsed(field="attachment_id")
            if accept:
                invitation.accept(now=now)
            else:
                invitation.decline(now=now)
            uow.commit()
        self._hand_over()

    def detach_user(self, actor: Actor, structure_id: str, account_id: str) -> None:
        """A manager detaches a user who left: their rights on the structure end with it.

        The principal manager cannot be detached (the role must be
        transferred first); a delegated manager detaches plain members only
        (see :func:`~chorus_onboarding.domain.membership.ensure_may_detach`).
        """
        if not isinstance(account_id, str):
            raise InvalidInput(field="account_id", expected="identifiant de compte")
        with self._uow() as uow:
            manager, structure = self._managed(uow, actor, structure_id)
            self._end_membership(uow, structure, manager.id, account_id)
            self._log(uow, structure, actor, ManagerActionKind.USER_DETACHED, account_id)
            uow.commit()
        self._hand_over()

    def leave_structure(self, actor: Actor, structure_id: str) -> None:
        """The actor leaves a structure they are attached to; their rights there end.

        The principal manager cannot leave before handing the role over.
        """
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            structure = self._structure(uow, structure_id)
            self._end_membership(uow, structure, account.id, account.id)
            self._log(uow, structure, actor, ManagerActionKind.USER_LEFT, account.id)
            uow.commit()
        self._hand_over()

    def _end_membership(self, uow: UnitOfWork, structure: Structure, by: str, member: str) -> None:
        valid = [a for a in uow.attachments.for_member(member, structure.id) if a.is_valid]
        if not valid:
            raise NotFound(field="account_id", what="Le rattachement")
        subscriptions = uow.subscriptions.for_member(member, structure.id)
        membership.ensure_may_detach(structure, by, member, subscriptions)
        membership.detach(structure, valid[0], subscriptions, by=by, now=self._now())
