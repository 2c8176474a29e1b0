"""The facade: every use case of onboarding as one object, and its wiring."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypedDict, Unpack

from ..adapters.captcha import FixedCaptcha
from ..adapters.directory import MemoryCompanyDirectory
from ..adapters.hashing import Argon2Hasher
from ..adapters.mail import MemoryMailbox
from ..adapters.memory import MemoryStore, MemoryUnitOfWork
from ..adapters.runtime import SecretTokenGenerator, SystemClock, UuidIdGenerator
from ..adapters.strength import ZxcvbnStrengthMeter
from ..domain.errors import ExtraNotInstalled, InvalidInput
from ..ports import (
    CaptchaVerifier,
    Clock,
    CompanyDirectory,
    IdGenerator,
    MailSender,
    PasswordHasher,
    PasswordStrengthMeter,
    TokenGenerator,
    UnitOfWork,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from ..settings import OnboardingSettings
from .access import AccessUseCases
from .account_management import AccountManagementUseCases
from .authentication import AuthenticationUseCases
from .core import Ports
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
    the actor's rights, changes the entities, commits, then sends the emails.
    Bad input raises the library's errors (``OnboardingError``), never anything
    else, and a failed call leaves nothing half-written.

    Build one with a factory: :meth:`in_memory` needs no setup.
    """

    @classmethod
    def in_memory(
        cls, *, store: MemoryStore | None = None, **overrides: Unpack[PortOverrides]
    ) -> OnboardingService:
        """A service keeping everything in memory; any port may be replaced.

        Defaults: the system clock, random ids and tokens, argon2id, the
        captcha answer ``XWWXS``, a small company register
        (:data:`~chorus_onboarding.adapters.directory.SAMPLE_COMPANIES`), a
        :class:`~chorus_onboarding.adapters.mail.MemoryMailbox` and the zxcvbn
        strength meter. ``store`` shares data between services.
        """
        if store is not None and not isinstance(store, MemoryStore):
            raise InvalidInput(field="store", expected="MemoryStore")
        shared = store or MemoryStore()
        return cls._wired(lambda _clock: lambda: MemoryUnitOfWork(shared), overrides)

    @classmethod
    def sqlite(cls, path: str | Path, **overrides: Unpack[PortOverrides]) -> OnboardingService:
        """A service on a SQLite file (created, with its schema, if missing): the embedded default.

        Needs the ``sql`` extra. Other ports as for :meth:`in_memory`.
        """
        return cls._on_engine(lambda sql, waits: sql.sqlite_engine(path, **waits), overrides)

    @classmethod
    def from_url(cls, url: str, **overrides: Unpack[PortOverrides]) -> OnboardingService:
        """A service on the database at ``url`` (``postgresql+psycopg://user@host/db``...).

        The schema is created if missing. Needs the ``postgresql`` extra for
        PostgreSQL. Other ports as for :meth:`in_memory`.
        """
        return cls._on_engine(lambda sql, waits: sql.url_engine(url, **waits), overrides)

    @classmethod
    def _on_engine(
        cls, make: Callable[[ModuleType, dict[str, timedelta]], Engine], overrides: PortOverrides
    ) -> OnboardingService:
        try:
            sql = importlib.import_module("chorus_onboarding.adapters.sql")
        except ImportError as error:
            raise ExtraNotInstalled(extra="sql").with_cause(error) from None
        engine = make(sql, sql.database_waits(overrides.get("settings")))
        try:
            sql.prepare(engine)
        except BaseException:
            sql.release_engine(engine)
            raise
        unit_of_work = sql.SqlUnitOfWork
        return cls._wired(lambda clock: lambda: unit_of_work(engine, clock.now), overrides)

    @classmethod
    def _wired(
        cls, unit_of_work: Callable[[Clock], Callable[[], UnitOfWork]], overrides: PortOverrides
    ) -> OnboardingService:
        unknown = set(overrides) - set(PortOverrides.__annotations__)
        if unknown:
            raise InvalidInput(field=sorted(unknown)[0], expected="port connu")
        clock = overrides.get("clock") or SystemClock()
        ports = Ports(
            unit_of_work=unit_of_work(clock),
            clock=clock,
            ids=overrides.get("ids") or UuidIdGenerator(),
            tokens=overrides.get("tokens") or SecretTokenGenerator(),
            hasher=overrides.get("hasher") or Argon2Hasher(),
            captcha=overrides.get("captcha") or FixedCaptcha(),
            directory=overrides.get("directory") or MemoryCompanyDirectory(),
            mailer=overrides.get("mailer") or MemoryMailbox(),
            strength=overrides.get("strength") or ZxcvbnStrengthMeter(),
        )
        return cls(ports, overrides.get("settings"))


class PortOverrides(TypedDict, total=False):
    """The ports (and settings) a factory may be given instead of its defaults (None: the default)."""

    settings: OnboardingSettings | None
    clock: Clock | None
    ids: IdGenerator | None
    tokens: TokenGenerator | None
    hasher: PasswordHasher | None
    captcha: CaptchaVerifier | None
    directory: CompanyDirectory | None
    mailer: MailSender | None
    strength: PasswordStrengthMeter | None
