"""Ports: every outside thing the library talks to, as a ``typing.Protocol``.

Each has an in-memory adapter in ``chorus_onboarding.adapters`` so the whole
library runs with no setup; a host application plugs its own (database,
mail server, company register, captcha service) by satisfying the same
protocol. The records the ports exchange (``OutgoingEmail``, ``OutboxEntry``,
``DeadLetter``, ``Person``, ``StructureFacts``) are here too; the entities
they carry are in ``chorus_onboarding.domain``, and ``Ports``, the bundle a
service is built with, in ``chorus_onboarding.service``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from attrs import frozen

from .domain.accounts import Account
from .domain.attachments import Attachment
from .domain.emails import EmailAddress
from .domain.events import DomainEvent
from .domain.history import ManagerAction
from .domain.identifiers import Siret, StructureIdentifier
from .domain.passwords import PasswordStrength
from .domain.structures import CompanyRecord, Structure
from .domain.subscriptions import Subscription
from .domain.support_log import SupportAction
from .domain.tokens import IssuedToken

__all__ = [
    "AccountRepository",
    "AttachmentRepository",
    "CaptchaVerifier",
    "Clock",
    "CompanyDirectory",
    "DeadLetter",
    "EventSubscriber",
    "HistoryRepository",
    "IdGenerator",
    "MailSender",
    "MailSession",
    "NotificationFacts",
    "Outbox",
    "OutboxEntry",
    "OutgoingEmail",
    "PasswordHasher",
    "PasswordStrengthMeter",
    "Person",
    "StructureFacts",
    "StructureRepository",
    "SubscriptionRepository",
    "SupportLogRepository",
    "TokenGenerator",
    "UnitOfWork",
]


class Clock(Protocol):
    """Where the time comes from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class IdGenerator(Protocol):
    """Where new entity identifiers come from."""

    def new_id(self) -> str:
        """A new identifier, unique across every entity kind."""
        ...


class TokenGenerator(Protocol):
    """Single-use link tokens: derived from a random link id with a secret key, kept as digests.

    What is stored (the link id in the outbox, the digest on the account) is
    no working token: the token exists only in the email and in the hands of
    whoever holds the key.
    """

    def issue(self) -> IssuedToken:
        """A new link: a random id (at least 128 bits) and the digest of its token."""
        ...

    def token_for(self, link_id: str) -> str:
        """The token of the link ``link_id`` (at least 128 bits), to write in the email."""
        ...

    def digest(self, token: str) -> str:
        """The digest of a token a user brings back in a link."""
        ...


class PasswordHasher(Protocol):
    """Slow salted hashing of passwords and secret answers."""

    def hash(self, secret: str) -> str:
        """A self-describing hash (algorithm, parameters, salt) of ``secret``."""
        ...

    def verify(self, hashed: str, secret: str) -> bool:
        """Whether ``secret`` matches ``hashed``; False (never an error) on mismatch."""
        ...

    def needs_rehash(self, hashed: str) -> bool:
        """Whether ``hashed`` was made with weaker parameters than today's."""
        ...


class CaptchaVerifier(Protocol):
    """The captcha check of the public forms (registration, forgotten password)."""

    def verify(self, response: str) -> bool:
        """Whether the person's answer to the captcha is right."""
        ...


class CompanyDirectory(Protocol):
    """The company register (INSEE's SIRENE) used to pre-fill structures."""

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        """What the register knows of this establishment, or None."""
        ...


class PasswordStrengthMeter(Protocol):
    """The "Complexité du mot de passe" meter."""

    def estimate(self, password: str, user_inputs: Sequence[str] = ()) -> PasswordStrength:
        """A score from 0 to 4; ``user_inputs`` (names, email) count as guessable."""
        ...


@frozen
class OutgoingEmail:
    """An email ready to send; ``dedupe_key`` is the same on every retry.

    ``html`` is an optional HTML alternative to the plain-text ``body``.
    """

    to: tuple[str, ...]
    subject: str
    body: str
    dedupe_key: str
    html: str | None = None


class MailSession(Protocol):
    """One open connection to the mail server, for a batch of emails."""

    def send(self, email: OutgoingEmail) -> None:
        """Send ``email``.

        Raise :class:`~chorus_onboarding.domain.errors.DeliveryRefused` when
        the server refuses it for good (an SMTP 5xx: the address does not
        exist...): the relay sets it aside and goes on with the others. Any
        other exception is a passing failure: the email is tried again later.
        """
        ...


class MailSender(Protocol):
    """Hands emails to the outside world."""

    def session(self) -> AbstractContextManager[MailSession]:
        """Open one connection for a batch of emails; closed when the block ends.

        Raise (any exception) when the server cannot be reached: every email
        of the batch is then tried again later.
        """
        ...


@frozen
class OutboxEntry:
    """An event stored with the state change that produced it, waiting for delivery."""

    id: str
    event: DomainEvent
    attempts: int = 0


@frozen
class DeadLetter:
    """An outbox entry set aside: refused for good by the mail server, or failed too often."""

    id: str
    event_name: str
    attempts: int
    error: str
    set_aside_at: datetime


class Outbox(Protocol):
    """The relay's side of the transactional outbox (units of work append to it at commit).

    Every method acts at once, in its own short transaction: the relay never
    holds a database transaction open while it talks to the mail server.
    """

    def claim(self, limit: int, now: datetime, lease: timedelta) -> list[OutboxEntry]:
        """Claim up to ``limit`` entries due at ``now``, oldest first, for ``lease``.

        A claimed entry is not handed to another relay until it is released,
        marked, or its lease ends (so a crashed relay's entries come back).
        """
        ...

    def mark_sent(self, entry_ids: Sequence[str], now: datetime) -> None:
        """Record that these entries were delivered; they are purged after the retention."""
        ...

    def retry_later(self, entry_id: str, error: str, at: datetime) -> None:
        """Count a failed attempt and make the entry due again at ``at``."""
        ...

    def set_aside(self, entry_id: str, error: str, now: datetime) -> None:
        """Move the entry to the dead letters: it holds nothing back and waits for an operator."""
        ...

    def release(self, entry_ids: Sequence[str]) -> None:
        """Give claimed entries back untouched (no attempt counted)."""
        ...

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        """The entries set aside, oldest first."""
        ...

    def requeue(self, entry_ids: Sequence[str], now: datetime) -> int:
        """Put dead letters back in the queue, due at ``now``, attempts reset; how many moved."""
        ...

    def purge_sent(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` entries delivered before ``before``; how many went."""
        ...

    def backlog(self) -> int:
        """How many entries wait for delivery (due or not), dead letters excepted."""
        ...


@frozen
class Person:
    """What a notification needs to know of an account, read when it is sent."""

    login_email: str
    contact_email: str
    first_name: str
    last_name: str
    active: bool


@frozen
class StructureFacts:
    """What a notification needs to know of a structure, read when it is sent."""

    name: str
    principal_manager_id: str
    manager_ids: frozenset[str]
    services: dict[str, str]
    """Service code -> name."""


class NotificationFacts(Protocol):
    """Read access to the current facts a notifier turns events into emails with."""

    def person(self, account_id: str) -> Person | None:
        """The account with this id, or None if it is gone."""
        ...

    def structure(self, structure_id: str) -> StructureFacts | None:
        """The structure with this id, or None if it is gone."""
        ...


class EventSubscriber(Protocol):
    """A host's own reaction to domain events (end sessions, audit, metrics...).

    Called by the outbox relay for every committed event, at least once and
    in the order of commit, except that an entry waiting for a retry does not
    hold back the ones after it: ``entry_id`` is the same on every retry, for
    idempotence, and ``event.occurred_at`` dates the fact. Raising makes the
    relay try the entry again later (its emails keep their dedupe keys).
    """

    def handle(self, event: DomainEvent, entry_id: str) -> None:
        """React to ``event``."""
        ...


class AccountRepository(Protocol):
    """Accounts, inside one unit of work."""

    def add(self, account: Account) -> None:
        """Register a new account; written at commit."""
        ...

    def get(self, account_id: str) -> Account | None:
        """The account with this id, or None."""
        ...

    def get_by_login_email(self, email: EmailAddress) -> Account | None:
        """The account whose login email is ``email`` (case-insensitive), or None."""
        ...

    def overdue_activations(self, now: datetime, limit: int) -> list[str]:
        """Ids of at most ``limit`` accounts pending activation past their deadline."""
        ...


class StructureRepository(Protocol):
    """Structures, inside one unit of work."""

    def add(self, structure: Structure) -> None:
        """Register a new structure; written at commit."""
        ...

    def get(self, structure_id: str) -> Structure | None:
        """The structure with this id, or None."""
        ...

    def get_by_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure with this identifier (type and value), or None."""
        ...

    def get_by_former_identifier(self, identifier: StructureIdentifier) -> Structure | None:
        """The structure that had this identifier until it declared a new SIRET, or None.

        Commit keeps the lookup in step with each structure's
        ``former_identifiers``, and refuses a structure (new or changed)
        whose identifier is one some structure had before
        (``IdentifierReplaced``), even when the change that replaced it
        commits at the same time.
        """
        ...

    def managed_by(self, account_id: str) -> list[Structure]:
        """The structures ``account_id`` manages, as principal or delegated manager."""
        ...

    def next_assigned_number(self) -> int:
        """A number never handed out before, for identifiers the library assigns."""
        ...


class AttachmentRepository(Protocol):
    """Attachments (requests included), inside one unit of work."""

    def add(self, attachment: Attachment) -> None:
        """Register a new attachment; written at commit."""
        ...

    def get(self, attachment_id: str) -> Attachment | None:
        """The attachment with this id, or None."""
        ...

    def for_member(self, account_id: str, structure_id: str) -> list[Attachment]:
        """Every attachment of this user to this structure, whatever its state."""
        ...

    def for_structure(self, structure_id: str) -> list[Attachment]:
        """Every attachment to this structure."""
        ...

    def for_account(self, account_id: str) -> list[Attachment]:
        """Every attachment of this user."""
        ...


class SubscriptionRepository(Protocol):
    """Subscriptions, inside one unit of work."""

    def add(self, subscription: Subscription) -> None:
        """Register a new subscription; written at commit."""
        ...

    def get(self, subscription_id: str) -> Subscription | None:
        """The subscription with this id, or None."""
        ...

    def for_member(self, account_id: str, structure_id: str) -> list[Subscription]:
        """Every subscription of this user on this structure (must not scan the others)."""
        ...

    def for_structure(self, structure_id: str) -> list[Subscription]:
        """Every subscription on this structure."""
        ...

    def for_account(self, account_id: str) -> list[Subscription]:
        """Every subscription of this user."""
        ...


class HistoryRepository(Protocol):
    """The manager actions of each structure, append-only."""

    def add(self, action: ManagerAction) -> None:
        """Record ``action``; written at commit with the change it describes."""
        ...

    def for_structure(self, structure_id: str) -> list[ManagerAction]:
        """The structure's actions, oldest first."""
        ...


class SupportLogRepository(Protocol):
    """The support desk's log of its agents' actions, append-only.

    Every query answers oldest first, in the order the actions were written.
    """

    def add(self, action: SupportAction) -> None:
        """Record ``action``; written at commit with the change (or the read) it describes."""
        ...

    def for_account(self, account_id: str) -> list[SupportAction]:
        """The actions on this account, oldest first."""
        ...

    def for_structure(self, structure_id: str) -> list[SupportAction]:
        """The actions on this structure, oldest first."""
        ...

    def by_actor(self, actor: str) -> list[SupportAction]:
        """The actions of this agent (``support:NAME``), oldest first."""
        ...


class UnitOfWork(Protocol):
    """One atomic use case: everything is written at :meth:`commit`, or nothing.

    Leaving the ``with`` block without committing rolls back. Commit checks
    versions (a stale write raises ``ConcurrencyConflict``) and unique keys,
    and appends the recorded events (and a :class:`StructureChanged` event
    for every manager action) to the outbox in the same transaction.
    """

    @property
    def accounts(self) -> AccountRepository:
        """The accounts seen through this unit of work."""
        ...

    @property
    def structures(self) -> StructureRepository:
        """The structures seen through this unit of work."""
        ...

    @property
    def attachments(self) -> AttachmentRepository:
        """The attachments seen through this unit of work."""
        ...

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """The subscriptions seen through this unit of work."""
        ...

    @property
    def history(self) -> HistoryRepository:
        """The manager history, appended to in this unit of work."""
        ...

    @property
    def support_log(self) -> SupportLogRepository:
        """The support desk's log, appended to in this unit of work."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Write every change of this unit of work, atomically."""
        ...
