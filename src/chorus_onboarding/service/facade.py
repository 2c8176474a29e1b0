"""The facade: every use case of onboarding as one object, and its wiring."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypedDict, Unpack

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

from ..relay import RetryPolicy
from ..settings import OnboardingSettings
from .access import AccessUseCases
from .account_management import AccountManagementUseCases
from .authentication import AuthenticationUseCases
from .core import Delivery, Ports, link_key
from .registration import RegistrationUseCases
from .structures import StructureUseCases
from .subscriptions import SubscriptionUseCases


class OnboardingService(
    RegistrationUseCases,
    AuthenticationUseCases,
    AccountManagementUseCases,
    StructureUseCases,
    SubscriptionUseCases,
    AccessUseCases,
):
    """Everything a portal does to get people and companies onto Chorus Pro.

    Each method is one use case in one unit of work: it checks its input and
    the actor's rights, changes the entities and commits them with their
    events; the outbox relay then delivers the emails (at once in memory, by
    the relay worker or :meth:`start_relay` on a database).
    Bad input raises the library's errors (``OnboardingError``), never anything
    else, and a failed call leaves nothing half-written.

    Build one with a factory: :meth:`in_memory` needs no setup.
    """

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
