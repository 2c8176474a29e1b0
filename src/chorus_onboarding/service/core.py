"""What every use case shares: the wired ports, units of work, rights and delivery."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Self

from attrs import frozen

from ..actors import Actor
from ..domain.accounts import SUGGESTED_SECRET_QUESTIONS, Account, AccountState, secret_question
from ..domain.emails import EmailAddress
from ..domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PasswordConfirmationMismatch,
    RequiredField,
)
from ..domain.history import ManagerAction, ManagerActionKind
from ..domain.structures import Structure
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


def text_argument(value: object, field: str, *, maximum: int = 1024) -> str:
    """A plain text argument: anything else is the caller's mistake, said clearly."""
    if value is None or (isinstance(value, str) and not value):
        raise RequiredField(field=field)
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected="texte")
    if len(value) > maximum:
        raise InvalidInput(field=field, expected=f"texte de {maximum} caractères au plus")
    return value


def flag_argument(value: object, field: str) -> bool:
    """A yes/no argument: a real bool, never a truthy stand-in."""
    if not isinstance(value, bool):
        raise InvalidInput(field=field, expected="booléen")
    return value


def note_argument(text: object, field: str) -> str:
    """An optional free note (a reason, a comment): up to 1000 printable characters and newlines."""
    if text is None:
        return ""
    if not isinstance(text, str) or len(text) > 1000 or not text.replace("\n", " ").isprintable():
        raise InvalidInput(field=field, expected="texte de 1000 caractères au plus")
    return text.strip()


def confirmed_password(password: object, confirmation: object) -> str:
    """The password, once its confirmation (typed twice) is identical."""
    typed = text_argument(password, "password")
    if confirmation != typed:
        raise PasswordConfirmationMismatch(field="password_confirmation")
    return typed


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


def typed_question(text: object) -> str:
    """The secret question typed by the owner, checked."""
    return secret_question(text_argument(text, "secret_question"))


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


class ServiceCore:
    """State and helpers shared by the use-case groups of :class:`OnboardingService`."""

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
        self.links = wiring.links or Links(self.settings.portal_url)
        # Keys the decoy question shown for an unknown email (unpredictable,
        # yet the same on every try) and the forgotten-password challenges.
        self._secret = deployment_key(self.settings)
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
        self.notifier = self.relay.notifier
        self._inline_delivery = wiring.inline
        self._workers: list[RelayWorker] = []
        self._closers: list[Callable[[], None]] = list(wiring.closers)

    # --- plumbing ------------------------------------------------------------

    def _now(self) -> datetime:
        return self.ports.clock.now()

    def _uow(self) -> UnitOfWork:
        return self.ports.unit_of_work()

    def deliver_notifications(self, limit: int = 100) -> int:
        """Run the outbox relay once now: send up to ``limit`` due entries; how many went.

        The in-memory service does this after every use case; a database-backed
        one leaves it to the relay worker (``python -m chorus_onboarding relay``)
        or to :meth:`start_relay`, so that no use case waits for the mail server.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidInput(field="limit", expected="nombre entier de 1 à 10 000")
        return self.relay.run_once(limit).sent

    def _hand_over(self) -> None:
        """After a use case: deliver at once when this service delivers inline (in memory)."""
        if self._inline_delivery:
            self.relay.run_once(100)

    def start_relay(self, *, interval: float = 5.0, batch_size: int = 100) -> RelayWorker:
        """Run the outbox relay in a background thread of this process; :meth:`close` stops it.

        For a single-process host; a deployment with several processes runs
        one worker instead (``python -m chorus_onboarding relay``).
        """
        worker = RelayWorker(self.relay, interval=interval, batch_size=batch_size).start_thread()
        self._workers.append(worker)
        return worker

    def close(self) -> None:
        """Stop the relay threads started here and release the database connections."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
        closers, self._closers = self._closers, []
        for closer in closers:
            closer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _acceptable_password(
        self, password: object, confirmation: object, login: EmailAddress
    ) -> str:
        """The new password, typed twice, under the policy."""
        typed = confirmed_password(password, confirmation)
        return self.settings.password_policy.validate(typed, login_email=login.value)

    def _new_password(self, password: object, confirmation: object, login: EmailAddress) -> str:
        """Like :meth:`_acceptable_password`, failures reported as a form (``InvalidForm``)."""
        check = FieldChecks()
        chosen = check("password", lambda: self._acceptable_password(password, confirmation, login))
        check.done()
        return chosen.value

    # --- secrets -------------------------------------------------------------

    def _waste_a_verification(self, secret: str) -> None:
        """Spend the time a real check takes, so timing does not reveal unknown emails."""
        if self._dummy_hash is None:
            self._dummy_hash = self.ports.hasher.hash("chorus-onboarding-dummy")
        self.ports.hasher.verify(self._dummy_hash, secret)

    def _decoy_question(self, email: EmailAddress) -> str:
        digest = hmac.new(self._secret, email.key.encode(), hashlib.sha256).digest()
        return SUGGESTED_SECRET_QUESTIONS[digest[0] % len(SUGGESTED_SECRET_QUESTIONS)]

    # --- rights --------------------------------------------------------------

    def _acting_account(self, uow: UnitOfWork, actor: object) -> Account:
        """The active account behind a user actor; anyone else is refused."""
        if not isinstance(actor, Actor) or actor.account_id is None:
            raise Forbidden()
        account = uow.accounts.get(actor.account_id)
        if account is None or account.state is not AccountState.ACTIVE:
            raise Forbidden()
        return account

    def _target_account(self, uow: UnitOfWork, account_id: object) -> Account:
        if not isinstance(account_id, str):
            raise InvalidInput(field="account_id", expected="identifiant de compte")
        account = uow.accounts.get(account_id)
        if account is None:
            raise NotFound(what="Le compte")
        return account

    @staticmethod
    def _require_support(actor: object) -> None:
        if not isinstance(actor, Actor) or not actor.is_support:
            raise Forbidden()

    # --- structures ------------------------------------------------------------

    @staticmethod
    def _structure(uow: UnitOfWork, structure_id: object) -> Structure:
        if not isinstance(structure_id, str):
            raise InvalidInput(field="structure_id", expected="identifiant de structure")
        structure = uow.structures.get(structure_id)
        if structure is None:
            raise NotFound(field="structure_id", what="La structure")
        return structure

    def _managed(
        self, uow: UnitOfWork, actor: object, structure_id: object
    ) -> tuple[Account, Structure]:
        """The acting manager (principal or delegated) and the structure they manage."""
        account = self._acting_account(uow, actor)
        structure = self._structure(uow, structure_id)
        if not structure.is_manager(account.id):
            raise Forbidden()
        return account, structure

    def _principal(
        self, uow: UnitOfWork, actor: object, structure_id: object
    ) -> tuple[Account, Structure]:
        """The acting principal manager and their structure."""
        account = self._acting_account(uow, actor)
        structure = self._structure(uow, structure_id)
        if not structure.is_principal(account.id):
            raise Forbidden()
        return account, structure

    @staticmethod
    def _names(uow: UnitOfWork, account_id: str, structure_id: str) -> tuple[str, str, str]:
        """(user's name, login email, structure's name) for the lists the pages show."""
        account = uow.accounts.get(account_id)
        structure = uow.structures.get(structure_id)
        return (
            f"{account.first_name} {account.last_name}" if account else "",
            account.login_email.value if account else "",
            structure.company_name if structure else "",
        )

    @staticmethod
    def _is_member(uow: UnitOfWork, account_id: str, structure_id: str) -> bool:
        return any(a.is_valid for a in uow.attachments.for_member(account_id, structure_id))

    def _log(
        self,
        uow: UnitOfWork,
        structure: Structure,
        actor: object,
        kind: ManagerActionKind,
        target: str | None = None,
        details: str = "",
    ) -> None:
        """Keep a manager action in the structure's history (written with the change)."""
        if isinstance(actor, Actor) and actor.is_support:
            label = f"support:{actor.name}"
        else:
            label = str(actor.account_id) if isinstance(actor, Actor) else "?"
        uow.history.add(
            ManagerAction(
                structure_id=structure.id,
                at=self._now(),
                actor=label,
                kind=kind,
                target_account_id=target,
                details=details,
            )
        )
