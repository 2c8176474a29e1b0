"""What every use case shares: the wired ports, the settings, units of work and delivery."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain.accounts import SUGGESTED_SECRET_QUESTIONS
from ..domain.emails import EmailAddress
from ..domain.errors import (
    InvalidInput,
)
from ..domain.history import ManagerAction, ManagerActionKind
from ..domain.structures import Structure
from ..domain.support_log import SupportAction, SupportActionKind
from ..notifications import Links, Notifier, Templates
from ..ports import (
    CaptchaVerifier,
    Clock,
    CompanyDirectory,
    EventSubscriber,
    IdGenerator,
    MailSender,
    Outbox,
    PasswordHasher,
    PasswordStrengthMeter,
    TokenGenerator,
    UnitOfWork,
)
from ..relay import OutboxRelay, RelayWorker, RetryPolicy
from ..settings import OnboardingSettings
from .arguments import confirmed_password
from .checks import FieldChecks


@frozen(kw_only=True)
class Ports:
    """Every outside thing the service needs, wired by a factory at the edge."""

    unit_of_work: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    tokens: TokenGenerator
    hasher: PasswordHasher
    captcha: CaptchaVerifier
    directory: CompanyDirectory
    mailer: MailSender
    strength: PasswordStrengthMeter
    outbox: Outbox


@functools.cache
def _process_secret() -> str:
    """One random key for the whole process when ``settings.secret_key`` is unset."""
    return secrets.token_urlsafe(32)


def deployment_key(settings: OnboardingSettings) -> bytes:
    """The deployment's secret key (``settings.secret_key``, or one drawn for this process)."""
    return (settings.secret_key or _process_secret()).encode()


def link_key(settings: OnboardingSettings) -> bytes:
    """The key link tokens are derived with: its own, so that no other use can reveal it."""
    return hmac.new(deployment_key(settings), b"chorus-onboarding/links", hashlib.sha256).digest()


@frozen(kw_only=True)
class Delivery:
    """How a service delivers its events: wording, language, subscribers, pacing."""

    inline: bool = False
    """Run the relay after every use case (in memory), or leave it to a worker."""
    links: Links | None = None
    templates: Templates | None = None
    language: str = "fr"
    subscribers: tuple[EventSubscriber, ...] = ()
    retry_policy: RetryPolicy | None = None
    closers: tuple[Callable[[], None], ...] = ()


def build_relay(
    settings: OnboardingSettings,
    delivery: Delivery,
    *,
    outbox: Outbox,
    mailer: MailSender,
    clock: Clock,
    tokens: TokenGenerator,
    unit_of_work: Callable[[], UnitOfWork],
) -> OutboxRelay:
    """The outbox relay of a deployment: its notifier's wording, links and subscribers."""
    notifier = Notifier(
        links=delivery.links or Links(settings.portal_url),
        tokens=tokens,
        templates=delivery.templates,
        language=delivery.language,
        support_email=settings.support_email,
        time_zone=settings.time_zone,
    )
    return OutboxRelay(
        outbox=outbox,
        notifier=notifier,
        mailer=mailer,
        clock=clock,
        unit_of_work=unit_of_work,
        policy=delivery.retry_policy,
        subscribers=delivery.subscribers,
    )


class Context:
    """The ports, settings and delivery one service's use cases share.

    Every use case is a function of a context and its own arguments
    (``register_with_new_structure(context, form)``); :class:`OnboardingService`
    holds one context and delegates to them.
    """

    def __init__(
        self,
        ports: Ports,
        settings: OnboardingSettings | None = None,
        *,
        delivery: Delivery | None = None,
    ) -> None:
        if settings is not None and not isinstance(settings, OnboardingSettings):
            raise InvalidInput(field="settings", expected="OnboardingSettings")
        self.ports = ports
        self.settings = settings or OnboardingSettings()
        wiring = delivery or Delivery()
        # Keys the decoy question shown for an unknown email (unpredictable,
        # yet the same on every try) and the forgotten-password challenges.
        self.secret = deployment_key(self.settings)
        self._dummy_hash: str | None = None
        self.relay = build_relay(
            self.settings,
            wiring,
            outbox=ports.outbox,
            mailer=ports.mailer,
            clock=ports.clock,
            tokens=ports.tokens,
            unit_of_work=ports.unit_of_work,
        )
        self.inline_delivery = wiring.inline
        self.workers: list[RelayWorker] = []
        self.closers: list[Callable[[], None]] = list(wiring.closers)

    def close(self) -> None:
        """Stop the relay threads started on this context and release its database."""
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.close()
        closers, self.closers = self.closers, []
        for closer in closers:
            closer()

    def now(self) -> datetime:
        """The clock's time."""
        return self.ports.clock.now()

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on the store."""
        return self.ports.unit_of_work()

    def hand_over(self) -> None:
        """After a command: deliver at once when this service delivers inline (in memory)."""
        if self.inline_delivery:
            self.relay.run_once(100)

    def acceptable_password(
        self, password: object, confirmation: object, login: EmailAddress
    ) -> str:
        """The new password, typed twice, under the policy."""
        typed = confirmed_password(password, confirmation)
        return self.settings.password_policy.validate(typed, login_email=login.value)

    def new_password(self, password: object, confirmation: object, login: EmailAddress) -> str:
        """Like :meth:`acceptable_password`, failures reported as a form (``InvalidForm``)."""
        check = FieldChecks()
        chosen = check("password", lambda: self.acceptable_password(password, confirmation, login))
        check.done()
        return chosen.value

    def prepare_dummy(self) -> str:
        """The hash :meth:`waste_a_verification` checks against, made on the first call.

        The procedures that may waste a check call it first, whatever comes
        next: the one-time cost of making it then falls on the first
        attempt of every kind alike, not on the first unknown email alone.
        """
        if self._dummy_hash is None:
            self._dummy_hash = self.ports.hasher.hash("chorus-onboarding-dummy")
        return self._dummy_hash

    def waste_a_verification(self, secret: str) -> None:
        """Spend the time a real check takes, so timing does not reveal unknown emails."""
        self.ports.hasher.verify(self.prepare_dummy(), secret)

    def decoy_question(self, email: EmailAddress) -> str:
        """The question shown for an email with no account: always the same for that email."""
        digest = hmac.new(self.secret, email.key.encode(), hashlib.sha256).digest()
        return SUGGESTED_SECRET_QUESTIONS[digest[0] % len(SUGGESTED_SECRET_QUESTIONS)]

    def log(
        self,
        uow: UnitOfWork,
        structure: Structure,
        actor: object,
        kind: ManagerActionKind,
        target: str | None = None,
        details: str = "",
    ) -> None:
        """Keep a manager action in the structure's history (written with the change)."""
        label = actor.label if isinstance(actor, Actor) else "?"
        uow.history.add(
            ManagerAction(
                structure_id=structure.id,
                at=self.now(),
                actor=label,
                kind=kind,
                target_account_id=target,
                details=details,
            )
        )

    def note_support(
        self,
        uow: UnitOfWork,
        actor: object,
        kind: SupportActionKind,
        *,
        account_id: str | None = None,
        structure_id: str | None = None,
        details: str = "",
        commit: bool = False,
    ) -> None:
        """Keep a support agent's action in the support log, written with the change.

        Anyone else's call leaves no trace here: a manager's actions go to
        the structure's history, a user's own to its events. A read by
        support is an action too (who looked at whose data): a query calls
        this once its read has succeeded, with ``commit``, so that its unit
        of work, which changed no entity, writes that row alone.
        """
        if not (isinstance(actor, Actor) and actor.is_support):
            return
        uow.support_log.add(
            SupportAction(
                at=self.now(),
                actor=actor.label,
                kind=kind,
                account_id=account_id,
                structure_id=structure_id,
                details=details,
            )
        )
        if commit:
            uow.commit()
