"""Domain events: facts about what happened, recorded by entities with the change.

An event says what changed, to whom and with what outcome, by ids and plain
values: never a mail address to write to, never a message text, never a link
token. Who is told what is decided later, outside the domain, by a notifier
that reads the current facts (names, addresses, managers) when it sends
(``chorus_onboarding.notifications``); a host may subscribe to the same events
to do its own work (end sessions, audit, metrics).

Every event checks its fields when it is built, from a use case or from the
outbox: ids are printable text of 1 to 200 characters, datetimes are time
zone-aware, enums are members (an outcome, one a decision can lead to),
flags are bools, a reason is at most 1000 printable characters and newlines.
A field that breaks them raises :class:`~.errors.InvalidInput` naming it.

The unit of work stores events with the state change that produced them (the
transactional outbox). An event that announces a link carries the link's
``link_id``: the token itself is derived from it only by whoever holds the
deployment's secret key, so a copy of the database sends no working link.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from attrs import field, frozen

from .checks import aware, flag, identifier, member, note, optional_identifier
from .emails import EmailAddress
from .errors import InvalidEmail, InvalidIdentifier, InvalidInput
from .espaces import Espace, Habilitation, service_code
from .history import ManagerActionKind
from .identifiers import Siret
from .login_codes import code_digits
from .states import AttachmentState, SubscriptionState

_espace = member(Espace)
_habilitation = member(Habilitation)
# What a decision leads to: never back to a request.
_attachment_outcome = member(AttachmentState, AttachmentState.VALIDATED, AttachmentState.REFUSED)
_subscription_outcome = member(
    SubscriptionState,
    SubscriptionState.VALIDE,
    SubscriptionState.REFUSE,
    SubscriptionState.REVOQUE,
    SubscriptionState.ANNULE,
)


def _direct(event: AttachmentDecided, attribute: attrs.Attribute[bool], value: object) -> None:
    # Run after the outcome's own check: a direct attachment is valid at once.
    flag(event, attribute, value)
    if value and event.outcome is not AttachmentState.VALIDATED:
        raise InvalidInput(field="outcome", expected="VALIDATED pour un rattachement direct")


def _previous_address(value: object) -> str:
    # An address the account held: valid, in the normal form it was kept in.
    try:
        return EmailAddress(value).value
    except InvalidEmail as error:
        raise error.at("previous_contact_email") from None


@frozen(kw_only=True)
class DomainEvent:
    """Base of every event: when it happened."""

    occurred_at: datetime = field(validator=aware)

    @property
    def name(self) -> str:
        """The event's class name, a stable key for dispatch and storage."""
        return type(self).__name__


@frozen(kw_only=True)
class AccountEvent(DomainEvent):
    """Something that happened to one account."""

    account_id: str = field(validator=identifier)


@frozen(kw_only=True)
class ActivationLinkIssued(AccountEvent):
    """A new activation link was issued (at registration or on a resend, which cancels the last)."""

    link_id: str = field(validator=identifier)
    expires_at: datetime = field(validator=aware)
    resent: bool = field(validator=flag)


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

    previous_contact_email: str = field(converter=_previous_address)


@frozen(kw_only=True)
class SurveyConsentChanged(AccountEvent):
    """The owner gave, or withdrew, their consent to the satisfaction survey ("Mon compte").

    ``consent`` is the new choice: the host's survey mailing list follows it.
    """

    consent: bool = field(validator=flag)


@frozen(kw_only=True)
class PasswordChanged(AccountEvent):
    """The password changed (by the owner in "Mon compte", or through a reset link)."""

    through_reset: bool = field(validator=flag)


@frozen(kw_only=True)
class SecretQuestionChanged(AccountEvent):
    """The secret question and its answer changed."""


@frozen(kw_only=True)
class PasswordResetLinkIssued(AccountEvent):
    """The secret answer was right: a reset link is issued for the login email."""

    link_id: str = field(validator=identifier)
    expires_at: datetime = field(validator=aware)


@frozen(kw_only=True)
class LoginCodeSent(AccountEvent):
    """The password was right: a one-time code goes to the login email (a resend cancels the last)."""

    link_id: str = field(validator=identifier)
    expires_at: datetime = field(validator=aware)
    digits: int = field(validator=code_digits)
    resent: bool = field(default=False, validator=flag)


@frozen(kw_only=True)
class LoginThrottled(AccountEvent):
    """Too many failed logins in a row: logins are refused until ``until``."""

    until: datetime = field(validator=aware)


@frozen(kw_only=True)
class LoginSuspensionLifted(AccountEvent):
    """Support lifted a suspension of logins before its end (the owner asked for help)."""


@frozen(kw_only=True)
class SecretAnswersBlocked(AccountEvent):
    """Too many wrong secret answers: the procedure is refused until ``until``."""

    until: datetime = field(validator=aware)


@frozen(kw_only=True)
class AccountDeactivated(AccountEvent):
    """The account was deactivated, by its owner or by someone with the right."""

    by_owner: bool = field(validator=flag)


@frozen(kw_only=True)
class ReactivationLinkIssued(AccountEvent):
    """The owner of a deactivated account asked to come back: a link is issued."""

    link_id: str = field(validator=identifier)
    expires_at: datetime = field(validator=aware)


@frozen(kw_only=True)
class ReactivationAskedOfSupport(AccountEvent):
    """The owner of an account support deactivated asks to come back: support decides."""


@frozen(kw_only=True)
class AccountReactivated(AccountEvent):
    """The account is active again (by the owner's link, or by support)."""

    by_owner: bool = field(validator=flag)


@frozen(kw_only=True)
class MembershipEvent(AccountEvent):
    """Something that happened to one user's place in one structure."""

    structure_id: str = field(validator=identifier)


@frozen(kw_only=True)
class AttachmentRequested(MembershipEvent):
    """A user asked to be attached to a structure; it waits for a manager."""

    attachment_id: str = field(validator=identifier)


@frozen(kw_only=True)
class AttachmentDecided(MembershipEvent):
    """An attachment was validated or refused by ``by``, or made directly.

    ``direct`` attachments are made at a structure's creation, for the user
    creating it (``by`` is then the user themselves).
    """

    attachment_id: str = field(validator=identifier)
    outcome: AttachmentState = field(validator=_attachment_outcome)
    by: str = field(validator=identifier)
    direct: bool = field(default=False, validator=_direct)
    reason: str = field(default="", validator=note)


@frozen(kw_only=True)
class AttachmentWithdrawn(MembershipEvent):
    """The requester took a pending request back."""

    attachment_id: str = field(validator=identifier)


@frozen(kw_only=True)
class InvitationIssued(MembershipEvent):
    """A manager (``by``) invited the user to join the structure, until ``expires_at``."""

    attachment_id: str = field(validator=identifier)
    by: str = field(validator=identifier)
    expires_at: datetime = field(validator=aware)


@frozen(kw_only=True)
class InvitationAnswered(MembershipEvent):
    """The invited user accepted (they are attached) or declined."""

    attachment_id: str = field(validator=identifier)
    accepted: bool = field(validator=flag)
    invited_by: str = field(validator=identifier)


@frozen(kw_only=True)
class InvitationLapsed(MembershipEvent):
    """An invitation was not answered in time."""

    attachment_id: str = field(validator=identifier)


@frozen(kw_only=True)
class UserDetached(MembershipEvent):
    """The user is no longer attached to the structure; their rights there ended."""

    attachment_id: str = field(validator=identifier)
    by: str = field(validator=identifier)


@frozen(kw_only=True)
class SubscriptionRequested(MembershipEvent):
    """A user asked for a right on an espace; it waits for the principal manager."""

    subscription_id: str = field(validator=identifier)
    espace: Espace = field(validator=_espace)
    service: str = field(converter=service_code)
    habilitation: Habilitation = field(validator=_habilitation)


@frozen(kw_only=True)
class SubscriptionDecided(MembershipEvent):
    """A subscription reached ``outcome``: validated, refused, revoked or cancelled."""

    subscription_id: str = field(validator=identifier)
    espace: Espace = field(validator=_espace)
    habilitation: Habilitation = field(validator=_habilitation)
    outcome: SubscriptionState = field(validator=_subscription_outcome)
    by: str = field(validator=identifier)
    reason: str = field(default="", validator=note)


@frozen(kw_only=True)
class StructureChanged(DomainEvent):
    """A manager (or support) acted on a structure: the entry of its history, as a fact."""

    structure_id: str = field(validator=identifier)
    kind: ManagerActionKind = field(validator=member(ManagerActionKind))
    actor: str = field(validator=identifier)
    target_account_id: str | None = field(default=None, validator=optional_identifier)


def _siret(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    try:
        Siret.validate(value, field=attribute.name)
    except InvalidIdentifier as error:
        raise InvalidInput(field=attribute.name, expected="numéro SIRET") from error


def _account_ids(_: object, attribute: attrs.Attribute[tuple[str, ...]], value: object) -> None:
    if not isinstance(value, tuple) or len(value) > _TOLD_MAX:
        raise InvalidInput(field=attribute.name, expected="liste d'identifiants")
    for account_id in value:
        identifier(None, attribute, account_id)


# How many people one event may name: far more than any structure holds.
_TOLD_MAX = 100_000


@frozen(kw_only=True)
class SiretChanged(DomainEvent):
    """The principal manager (``by``) declared the structure's new SIRET.

    ``told`` are the accounts attached to the structure or asking to be
    when it changed: each is told. The structure, its id and everything
    keyed by it stay the same.
    """

    structure_id: str = field(validator=identifier)
    previous_siret: str = field(validator=_siret)
    new_siret: str = field(validator=_siret)
    by: str = field(validator=identifier)
    told: tuple[str, ...] = field(default=(), validator=_account_ids)


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
