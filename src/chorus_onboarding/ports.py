"""Ports: every outside thing the library talks to, as a ``typing.Protocol``.

Each has an in-memory adapter in ``chorus_onboarding.adapters`` so the whole
library runs with no setup; a host application plugs its own (database,
mail server, company register, captcha service) by satisfying the same
protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
from .domain.tokens import IssuedToken


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
    """Single-use link tokens: drawn from a CSPRNG, kept only as digests."""

    def issue(self) -> IssuedToken:
        """A new token of at least 128 bits of entropy, with its digest."""
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
    """An email ready to send; ``dedupe_key`` is the same on every retry."""

    to: tuple[str, ...]
    subject: str
    body: str
    dedupe_key: str


class MailSender(Protocol):
    """Hands emails to the outside world."""

    def send(self, email: OutgoingEmail) -> None:
        """Send ``email``; raise on failure so that delivery is retried later."""
        ...


@frozen
class OutboxEntry:
    """An event stored with the state change that produced it, waiting for delivery."""

    id: str
    event: DomainEvent


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


class UnitOfWork(Protocol):
    """One atomic use case: everything is written at :meth:`commit`, or nothing.

    Leaving the ``with`` block without committing rolls back. Commit checks
    versions (a stale write raises ``ConcurrencyConflict``) and unique keys,
    and stores the recorded events in the outbox in the same transaction.
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

    def pending_outbox(self, limit: int) -> list[OutboxEntry]:
        """Claim up to ``limit`` undelivered entries, oldest first, and return them.

        A claimed entry is not returned again (to this or another relay) until
        it is released or its claim expires; the claim is kept at once, not at
        commit.
        """
        ...

    def release(self, entry_ids: list[str]) -> None:
        """Give claimed entries back at once, for the next delivery attempt."""
        ...

    def mark_delivered(self, entry_id: str) -> None:
        """Record that the entry was delivered (written at commit)."""
        ...
