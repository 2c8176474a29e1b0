"""Domain events: facts about what happened, recorded by entities with the change.

An event says what changed, to whom and with what outcome, by ids and plain
values: never a mail address to write to, never a message text, never a link
token. Who is told what is decided later, outside the domain, by a notifier
that reads the current facts (names, addresses, managers) when it sends
(``chorus_onboarding.notifications``); a host may subscribe to the same events
to do its own work (end sessions, audit, metrics).

The unit of work stores events with the state change that produced them (the
transactional outbox). An event that announces a link carries the link's
``link_id``: the token itself is derived from it only by whoever holds the
deployment's secret key, so a copy of the database sends no working link.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from .espaces import Espace, Habilitation
from .history import ManagerActionKind
from .states import AttachmentState, SubscriptionState


@frozen(kw_only=True)
class DomainEvent:
    """Base of every event: when it happened."""

    occurred_at: datetime

    @property
    def name(self) -> str:
        """The event's class name, a stable key for dispatch and storage."""
        return type(self).__name__


@frozen(kw_only=True)
class AccountEvent(DomainEvent):
    """Something that happened to one account."""

    account_id: str


@frozen(kw_only=True)
class ActivationLinkIssued(AccountEvent):
    """A new activation link was issued (at registration or on a resend, which cancels the last)."""

    link_id: str
    expires_at: datetime
    resent: bool


@frozen(kw_only=True)
class AccountActivated(AccountEvent):
    """The owner chose a password and a secret question: the account is active."""


@frozen(kw_only=True)
class ActivationExpired(AccountEvent):
    """The activation deadline passed: the link is refused from now on."""


@frozen(kw_only=True)
class ContactEmailChanged(AccountEvent):
    """The contact email changed.

    The previous address is part of the fact (the account no longer knows
    it), so that its owner can be told too.
    """

    previous_contact_email: str


@frozen(kw_only=True)
class PasswordChanged(AccountEvent):
    """The password changed (by the owner in "Mon compte", or through a reset link)."""

    through_reset: bool


@frozen(kw_only=True)
class SecretQuestionChanged(AccountEvent):
    """The secret question and its answer changed."""


@frozen(kw_only=True)
class PasswordResetLinkIssued(AccountEvent):
    """The secret answer was right: a reset link is issued for the login email."""

    link_id: str
    expires_at: datetime


@frozen(kw_only=True)
class LoginThrottled(AccountEvent):
    """Too many failed logins in a row: logins are refused until ``until``."""

    until: datetime


@frozen(kw_only=True)
class SecretAnswersBlocked(AccountEvent):
    """Too many wrong secret answers: the procedure is refused until ``until``."""

    until: datetime


@frozen(kw_only=True)
class AccountDeactivated(AccountEvent):
    """The account was deactivated, by its owner or by someone with the right."""

    by_owner: bool


@frozen(kw_only=True)
class ReactivationLinkIssued(AccountEvent):
    """The owner of a deactivated account asked to come back: a link is issued."""

    link_id: str
    expires_at: datetime


@frozen(kw_only=True)
class ReactivationAskedOfSupport(AccountEvent):
    """The owner of an account support deactivated asks to come back: support decides."""


@frozen(kw_only=True)
class AccountReactivated(AccountEvent):
    """The account is active again (by the owner's link, or by support)."""

    by_owner: bool


@frozen(kw_only=True)
class MembershipEvent(AccountEvent):
    """Something that happened to one user's place in one structure."""

    structure_id: str


@frozen(kw_only=True)
class AttachmentRequested(MembershipEvent):
    """A user asked to be attached to a structure; it waits for a manager."""

    attachment_id: str


@frozen(kw_only=True)
class AttachmentDecided(MembershipEvent):
    """An attachment was validated or refused by ``by``, or made directly.

    ``direct`` attachments are made at a structure's creation, for the user
    creating it (``by`` is then the user themselves).
    """

    attachment_id: str
    outcome: AttachmentState
    by: str
    direct: bool = False
    reason: str = ""


@frozen(kw_only=True)
class AttachmentWithdrawn(MembershipEvent):
    """The requester took a pending request back."""

    attachment_id: str


@frozen(kw_only=True)
class InvitationIssued(MembershipEvent):
    """A manager (``by``) invited the user to join the structure, until ``expires_at``."""

    attachment_id: str
    by: str
    expires_at: datetime


@frozen(kw_only=True)
class InvitationAnswered(MembershipEvent):
    """The invited user accepted (they are attached) or declined."""

    attachment_id: str
    accepted: bool
    invited_by: str


@frozen(kw_only=True)
class InvitationLapsed(MembershipEvent):
    """An invitation was not answered in time."""

    attachment_id: str


@frozen(kw_only=True)
class UserDetached(MembershipEvent):
    """The user is no longer attached to the structure; their rights there ended."""

    attachment_id: str
    by: str


@frozen(kw_only=True)
class SubscriptionRequested(MembershipEvent):
    """A user asked for a right on an espace; it waits for the principal manager."""

    subscription_id: str
    espace: Espace
    service: str
    habilitation: Habilitation


@frozen(kw_only=True)
class SubscriptionDecided(MembershipEvent):
    """A subscription reached ``outcome``: validated, refused, revoked or cancelled."""

    subscription_id: str
    espace: Espace
    habilitation: Habilitation
    outcome: SubscriptionState
    by: str
    reason: str = ""


@frozen(kw_only=True)
class StructureChanged(DomainEvent):
    """A manager (or support) acted on a structure: the entry of its history, as a fact."""

    structure_id: str
    kind: ManagerActionKind
    actor: str
    target_account_id: str | None = None


class RecordsEvents:
    """Mixed into entities: keeps the events they record until the unit of work takes them.

    Each entity declares ``_pending_events`` (None until the first event, so
    a loaded entity carries no empty list).
    """

    __slots__ = ()
    _pending_events: list[DomainEvent] | None

    # The slot itself is each entity's own (attrs builds it); mypy sees only
    # this mixin's empty __slots__, hence the ignores below.

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the recorded events and forget them (the unit of work stores them)."""
        recorded, self._pending_events = self._pending_events or [], None  # type: ignore[misc]
        return recorded

    def _record(self, event: DomainEvent) -> None:
        if self._pending_events is None:
            self._pending_events = []  # type: ignore[misc]
        self._pending_events.append(event)
