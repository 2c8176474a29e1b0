"""The facade: every use case of onboarding as one object, and its wiring."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Self, TypedDict, Unpack

import attrs

from ..adapters.captcha import FixedCaptcha
from ..adapters.directory import MemoryCompanyDirectory
from ..adapters.hashing import Argon2Hasher
from ..adapters.mail import MemoryMailbox
from ..adapters.memory import MemoryOutbox, MemoryStore, MemoryUnitOfWork
from ..adapters.runtime import SecretTokenGenerator, SystemClock, UuidIdGenerator
from ..adapters.strength import ZxcvbnStrengthMeter
from ..domain.errors import ExtraNotInstalled, InvalidInput, PortRequired
from ..notifications import Links, Templates
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

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from ..notifications import Notifier
from ..relay import OutboxRelay, RelayWorker, RetryPolicy
from ..settings import OnboardingSettings
from . import (
    access,
    account_management,
    attachments,
    authentication,
    my_account,
    registration,
    second_factor,
    siret_change,
    structures,
    subscriptions,
    support_desk,
)
from .context import Context, Delivery, Ports, link_key
from .use_cases import command, query


class OnboardingService:
    """Everything a portal does to get people and companies onto Chorus Pro.

    Each method is one use case in one unit of work: it checks its input and
    the actor's rights, changes the entities and commits them with their
    events; the outbox relay then delivers the emails (at once in memory, by
    the relay worker or :meth:`start_relay` on a database).
    Bad input raises the library's errors (``OnboardingError``), never anything
    else, and a failed call leaves nothing half-written.

    The use cases are functions of a shared :class:`~.context.Context`, one
    module per journey (``service/registration.py``, ``service/attachments.py``...);
    this class holds the context and delegates each method to its function.
    Build one with a factory: :meth:`in_memory` needs no setup.
    """

    def __init__(
        self,
        ports: Ports,
        settings: OnboardingSettings | None = None,
        *,
        delivery: Delivery | None = None,
    ) -> None:
        self._context = Context(ports, settings, delivery=delivery)

    # --- journeys 1 to 4: registration -------------------------------------------

    lookup_company = query(registration.lookup_company)
    register_with_new_structure = command(registration.register_with_new_structure)
    register_for_existing_structure = command(registration.register_for_existing_structure)
    registered_structure = query(structures.registered_structure)

    # --- journeys 5 to 7: activation, login, forgotten password ------------------

    activate_account = command(authentication.activate_account)
    login = command(authentication.login)
    confirm_login_code = command(second_factor.confirm_login_code)
    resend_login_code = command(second_factor.resend_login_code)
    session_is_current = query(authentication.session_is_current)
    start_password_reset = query(authentication.start_password_reset)
    answer_secret_question = command(authentication.answer_secret_question)
    reset_password = command(authentication.reset_password)
    request_reactivation = command(authentication.request_reactivation)
    reactivate_with_link = command(authentication.reactivate_with_link)

    # --- journey 12: "Mon compte", and support's part ---------------------------

    account = query(account_management.account)
    find_account = query(account_management.find_account)
    password_strength = query(account_management.password_strength)
    change_contact_email = command(account_management.change_contact_email)
    change_survey_consent = command(account_management.change_survey_consent)
    change_password = command(account_management.change_password)
    change_secret_question = command(account_management.change_secret_question)
    deactivate_account = command(account_management.deactivate_account)
    reactivate_account = command(account_management.reactivate_account)
    resend_activation = command(account_management.resend_activation)
    lift_login_suspension = command(account_management.lift_login_suspension)
    support_history = query(support_desk.support_history)
    expire_overdue_activations = command(account_management.expire_overdue_activations)

    # --- journeys 8 and 9: structures and their settings --------------------------

    search_structures = query(structures.search_structures)
    export_structure_search = query(structures.export_structure_search)
    structure = query(structures.structure)
    managed_structures = query(structures.managed_structures)
    manager_history = query(structures.manager_history)
    create_structure = command(structures.create_structure)
    modify_structure = command(structures.modify_structure)
    set_agricultural_centre = command(structures.set_agricultural_centre)
    add_service = command(structures.add_service)
    open_espace = command(structures.open_espace)
    close_espace = command(structures.close_espace)
    grant_manager = command(structures.grant_manager)
    revoke_manager = command(structures.revoke_manager)
    transfer_principal_manager = command(structures.transfer_principal_manager)
    appoint_principal_manager = command(structures.appoint_principal_manager)
    declare_siret_change = command(siret_change.declare_siret_change)

    # --- journeys 8 and 11: attachments, invitations, leaving ----------------------

    request_attachment = command(attachments.request_attachment)
    withdraw_attachment_request = command(attachments.withdraw_attachment_request)
    my_attachments = query(attachments.my_attachments)
    pending_attachment_requests = query(attachments.pending_attachment_requests)
    validate_attachment = command(attachments.validate_attachment)
    refuse_attachment = command(attachments.refuse_attachment)
    validate_attachments = command(attachments.validate_attachments)
    refuse_attachments = command(attachments.refuse_attachments)
    invite_user = command(attachments.invite_user)
    accept_invitation = command(attachments.accept_invitation)
    decline_invitation = command(attachments.decline_invitation)
    detach_user = command(attachments.detach_user)
    leave_structure = command(attachments.leave_structure)

    # --- journey 10: subscriptions to espaces ------------------------------------

    request_subscription = command(subscriptions.request_subscription)
    cancel_subscription = command(subscriptions.cancel_subscription)
    validate_subscription = command(subscriptions.validate_subscription)
    refuse_subscription = command(subscriptions.refuse_subscription)
    revoke_subscription = command(subscriptions.revoke_subscription)
    pending_subscription_requests = query(subscriptions.pending_subscription_requests)
    my_subscriptions = query(subscriptions.my_subscriptions)

    # --- "Mon compte": my authorisations, the history of my requests ------------

    my_authorisations = query(my_account.my_authorisations)
    my_requests = query(my_account.my_requests)

    # --- access, computed live ---------------------------------------------------

    can_access = query(access.can_access)
    structure_users = query(access.structure_users)
    export_structure_users = query(access.export_structure_users)

    # --- wiring and delivery -------------------------------------------------------

    @property
    def ports(self) -> Ports:
        """The ports this service was wired with."""
        return self._context.ports

    @property
    def settings(self) -> OnboardingSettings:
        """The settings this service was wired with."""
        return self._context.settings

    @property
    def relay(self) -> OutboxRelay:
        """The outbox relay that delivers this service's events."""
        return self._context.relay

    @property
    def notifier(self) -> Notifier:
        """What turns events into emails: recipients, wording, links."""
        return self._context.relay.notifier

    def deliver_notifications(self, limit: int = 100) -> int:
        """Run the outbox relay once now: send up to ``limit`` due entries; how many went.

        The in-memory service does this after every use case; a database-backed
        one leaves it to the relay worker (``python -m chorus_onboarding relay``)
        or to :meth:`start_relay`, so that no use case waits for the mail server.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidInput(field="limit", expected="nombre entier de 1 à 10 000")
        return self._context.relay.run_once(limit).sent

    def start_relay(self, *, interval: float = 5.0, batch_size: int = 100) -> RelayWorker:
        """Run the outbox relay in a background thread of this process; :meth:`close` stops it.

        For a single-process host; a deployment with several processes runs
        one worker instead (``python -m chorus_onboarding relay``).
        """
        worker = RelayWorker(
            self._context.relay, interval=interval, batch_size=batch_size
        ).start_thread()
        self._context.workers.append(worker)
        return worker

    def close(self) -> None:
        """Stop the relay threads started here and release the database connections."""
        self._context.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- factories -------------------------------------------------------------

    @classmethod
    def in_memory(
        cls, *, store: MemoryStore | None = None, **overrides: Unpack[PortOverrides]
    ) -> OnboardingService:
        """A service keeping everything in memory, with demo parts; any port may be replaced.

        Defaults: the system clock, random ids and tokens, argon2id, the
        captcha answer ``XWWXS``, a small company register
        (:data:`~chorus_onboarding.adapters.directory.SAMPLE_COMPANIES`), a
        :class:`~chorus_onboarding.adapters.mail.MemoryMailbox` and the zxcvbn
        strength meter. ``store`` shares data between services. Emails go out
        (to the mailbox) at the end of every use case.
        """
        if store is not None and not isinstance(store, MemoryStore):
            raise InvalidInput(field="store", expected="MemoryStore")
        shared = store or MemoryStore()
        return cls._wired(
            lambda _clock: lambda: MemoryUnitOfWork(shared),
            MemoryOutbox(shared),
            overrides,
            inline=True,
            demo=True,
        )

    @classmethod
    def sqlite(
        cls, path: str | Path, *, demo_ports: bool = False, **overrides: Unpack[PortOverrides]
    ) -> OnboardingService:
        """A service on a SQLite file (created, with its schema, if missing): the embedded default.

        Needs the ``sql`` extra. A database keeps real people's data, so the
        demo parts are refused: pass a real ``mailer``, ``captcha`` and
        ``directory`` and settings with a ``secret_key`` (``PortRequired``
        otherwise), or ``demo_ports=True`` to ask for the demo ones on purpose.
        Use cases never wait for the mail server: run the relay worker
        (``python -m chorus_onboarding relay``) or :meth:`start_relay`.
        """
        return cls._on_engine(
            lambda sql, waits: sql.sqlite_engine(path, **waits), overrides, demo_ports
        )

    @classmethod
    def from_url(
        cls, url: str, *, demo_ports: bool = False, **overrides: Unpack[PortOverrides]
    ) -> OnboardingService:
        """A service on the database at ``url`` (``postgresql+psycopg://user@host/db``...).

        The schema is created if missing. Needs the ``postgresql`` extra for
        PostgreSQL. Ports and ``demo_ports`` as for :meth:`sqlite`.
        """
        return cls._on_engine(
            lambda sql, waits: sql.url_engine(url, **waits), overrides, demo_ports
        )

    @classmethod
    def _on_engine(
        cls,
        make: Callable[[ModuleType, dict[str, timedelta]], Engine],
        overrides: PortOverrides,
        demo: object,
    ) -> OnboardingService:
        if not isinstance(demo, bool):
            raise InvalidInput(field="demo_ports", expected="booléen")
        if not demo:
            _require_real_parts(overrides)
        try:
            sql = importlib.import_module("chorus_onboarding.adapters.sql")
        except ImportError as error:
            raise ExtraNotInstalled(extra="sql").with_cause(error) from None
        settings = overrides.get("settings")
        engine = make(sql, sql.database_waits(settings))
        try:
            upgrade = isinstance(settings, OnboardingSettings) and settings.upgrade_database
            sql.prepare(engine, upgrade=upgrade)
        except BaseException:
            sql.release_engine(engine)
            raise
        unit_of_work = sql.SqlUnitOfWork
        return cls._wired(
            lambda clock: lambda: unit_of_work(engine, clock.now),
            sql.SqlOutbox(engine),
            overrides,
            inline=False,
            demo=demo,
            closers=(lambda: sql.release_engine(engine),),
        )

    @classmethod
    def _wired(
        cls,
        unit_of_work: Callable[[Clock], Callable[[], UnitOfWork]],
        outbox: Outbox,
        overrides: PortOverrides,
        *,
        inline: bool,
        demo: bool,
        closers: tuple[Callable[[], None], ...] = (),
    ) -> OnboardingService:
        unknown = set(overrides) - set(PortOverrides.__annotations__)
        if unknown:
            raise InvalidInput(field=sorted(unknown)[0], expected="port connu")
        settings = overrides.get("settings") or OnboardingSettings()
        if not isinstance(settings, OnboardingSettings):
            raise InvalidInput(field="settings", expected="OnboardingSettings")
        if demo and settings.secret_key is None and not inline:
            # Several processes of a demo on one file must derive the same links.
            settings = attrs.evolve(settings, secret_key=DEMO_SECRET_KEY)
        clock = overrides.get("clock") or SystemClock()
        ports = Ports(
            unit_of_work=unit_of_work(clock),
            clock=clock,
            ids=overrides.get("ids") or UuidIdGenerator(),
            tokens=overrides.get("tokens") or SecretTokenGenerator(link_key(settings)),
            hasher=overrides.get("hasher") or Argon2Hasher(),
            captcha=overrides.get("captcha") or FixedCaptcha(),
            directory=overrides.get("directory") or MemoryCompanyDirectory(),
            mailer=overrides.get("mailer") or MemoryMailbox(),
            strength=overrides.get("strength") or ZxcvbnStrengthMeter(),
            outbox=outbox,
        )
        delivery = Delivery(
            inline=inline,
            links=overrides.get("links"),
            templates=overrides.get("templates"),
            language=overrides.get("language") or "fr",
            subscribers=tuple(overrides.get("subscribers") or ()),
            retry_policy=overrides.get("retry_policy"),
            closers=closers,
        )
        return cls(ports, settings, delivery=delivery)


DEMO_SECRET_KEY = "chorus-onboarding-demo-key-known-to-everyone-never-use-it"
"""The key a demo on a database uses when none is given: public, so demo links are guessable."""

_REAL_PARTS = ("mailer", "captcha", "directory")


def _require_real_parts(overrides: PortOverrides) -> None:
    for port in _REAL_PARTS:
        if overrides.get(port) is None:
            raise PortRequired(field=port, port=port)
    settings = overrides.get("settings")
    if not isinstance(settings, OnboardingSettings) or settings.secret_key is None:
        raise PortRequired(field="settings", port="settings.secret_key")


class PortOverrides(TypedDict, total=False):
    """What a factory may be given instead of its defaults (None: the default).

    The ports, the settings, and how events are delivered: the links'
    address and paths, the emails' wording and language, the host's event
    subscribers and the relay's retry policy.
    """

    settings: OnboardingSettings | None
    clock: Clock | None
    ids: IdGenerator | None
    tokens: TokenGenerator | None
    hasher: PasswordHasher | None
    captcha: CaptchaVerifier | None
    directory: CompanyDirectory | None
    mailer: MailSender | None
    strength: PasswordStrengthMeter | None
    links: Links | None
    templates: Templates | None
    language: str | None
    subscribers: Sequence[EventSubscriber] | None
    retry_policy: RetryPolicy | None
