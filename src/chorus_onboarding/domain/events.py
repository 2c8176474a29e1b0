"""Domain events: what happened, recorded by entities, turned into emails later.

Events are frozen values. The unit of work stores them with the state change
that produced them; delivery happens after commit (see ``adapters.mail``).
Events that carry a link carry its token in clear, because the email needs it;
only its digest is ever stored on the entity.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class Notice:
    """Who hears of news about a user and a structure: the structure's name, the user's address."""

    structure_name: str
    contact_email: str


@frozen(kw_only=True)
class DomainEvent:
    """Base of every event: when it happened and to which account."""

    occurred_at: datetime
    account_id: str

    @property
    def name(self) -> str:
        """The event's class name, a stable key for dispatch and storage."""
        return type(self).__name__


@frozen(kw_only=True)
class ActivationEmailIssued(DomainEvent):
    """A new activation link was issued (at registration or on a resend)."""

    login_email: str
    first_name: str
    last_name: str
    token: str
    expires_at: datetime
    resent: bool


@frozen(kw_only=True)
class AccountActivated(DomainEvent):
    """The owner chose a password and a secret question."""


@frozen(kw_only=True)
class ContactEmailChanged(DomainEvent):
    """The contact email changed; both addresses are told."""

    old_contact_email: str
    new_contact_email: str


@frozen(kw_only=True)
class PasswordChanged(DomainEvent):
    """The password changed (by the owner, or through a reset link)."""

    contact_email: str
    through_reset: bool


@frozen(kw_only=True)
class SecretQuestionChanged(DomainEvent):
    """The secret question and its answer changed."""

    contact_email: str


@frozen(kw_only=True)
class PasswordResetLinkIssued(DomainEvent):
    """The secret answer was right: a reset link goes to the login email."""

    login_email: str
    token: str
    expires_at: datetime


@frozen(kw_only=True)
class LoginThrottled(DomainEvent):
    """Too many failed logins in a row: logins are refused until ``until``."""

    contact_email: str
    until: datetime


@frozen(kw_only=True)
class SecretAnswersBlocked(DomainEvent):
    """Too many wrong secret answers: the procedure is refused until ``until``."""

    contact_email: str
    until: datetime


@frozen(kw_only=True)
class AccountDeactivated(DomainEvent):
    """The account was deactivated by its owner or by someone with the right."""

    login_email: str
    by_owner: bool


@frozen(kw_only=True)
class ReactivationRequested(DomainEvent):
    """The owner of a deactivated account asked to come back: a link is sent."""

    login_email: str
    contact_email: str
    token: str
    expires_at: datetime


@frozen(kw_only=True)
class AccountReactivated(DomainEvent):
    """The account is active again."""

    contact_email: str


@frozen(kw_only=True)
class AttachmentRequested(DomainEvent):
    """A user asked to be attached to a structure; its managers are told."""

    structure_id: str
    structure_name: str
    requester_name: str
    requester_email: str
    manager_emails: tuple[str, ...]


@frozen(kw_only=True)
class AttachmentDecided(DomainEvent):
    """A manager validated or refused an attachment (or attached the user directly)."""

    structure_id: str
    structure_name: str
    contact_email: str
    validated: bool
    direct: bool = False
    reason: str = ""


@frozen(kw_only=True)
class UserDetached(DomainEvent):
    """The user is no longer attached to the structure."""

    structure_id: str
    structure_name: str
    contact_email: str


@frozen(kw_only=True)
class SubscriptionRequested(DomainEvent):
    """A user asked for a right on an espace; the principal manager is told."""

    structure_id: str
    structure_name: str
    espace_label: str
    service_name: str
    habilitation: str
    requester_name: str
    principal_manager_email: str


@frozen(kw_only=True)
class SubscriptionDecided(DomainEvent):
    """The principal manager validated, refused or revoked a subscription."""

    structure_id: str
    structure_name: str
    espace_label: str
    habilitation: str
    contact_email: str
    outcome: str
    reason: str = ""


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
