"""The facade: every use case of onboarding as one object, and its wiring."""

from __future__ import annotations

from ..adapters.captcha import FixedCaptcha
from ..adapters.directory import MemoryCompanyDirectory
from ..adapters.hashing import Argon2Hasher
from ..adapters.mail import MemoryMailbox
from ..adapters.memory import MemoryStore, MemoryUnitOfWork
from ..adapters.runtime import SecretTokenGenerator, SystemClock, UuidIdGenerator
from ..adapters.strength import ZxcvbnStrengthMeter
from ..domain.errors import InvalidInput
from ..ports import (
    CaptchaVerifier,
    Clock,
    CompanyDirectory,
    IdGenerator,
    MailSender,
    PasswordHasher,
    PasswordStrengthMeter,
    TokenGenerator,
)
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
        cls,
        *,
        settings: OnboardingSettings | None = None,
        store: MemoryStore | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        tokens: TokenGenerator | None = None,
        hasher: PasswordHasher | None = None,
        captcha: CaptchaVerifier | None = None,
        directory: CompanyDirectory | None = None,
        mailer: MailSender | None = None,
        strength: PasswordStrengthMeter | None = None,
    ) -> OnboardingService:
        """A service keeping everything in memory; any port may be replaced.

        Defaults: the system clock, random ids and tokens, argon2id, the
        captcha answer ``XWWXS``, a small company register
        (:data:`~chorus_onboarding.adapters.directory.SAMPLE_COMPANIES`), a
        :class:`~chorus_onboarding.adapters.mail.MemoryMailbox` and the zxcvbn
        strength meter.
        """
        if store is not None and not isinstance(store, MemoryStore):
            raise InvalidInput(field="store", expected="MemoryStore")
        shared = store or MemoryStore()
        ports = Ports(
            unit_of_work=lambda: MemoryUnitOfWork(shared),
            clock=clock or SystemClock(),
            ids=ids or UuidIdGenerator(),
            tokens=tokens or SecretTokenGenerator(),
            hasher=hasher or Argon2Hasher(),
            captcha=captcha or FixedCaptcha(),
            directory=directory or MemoryCompanyDirectory(),
            mailer=mailer or MemoryMailbox(),
            strength=strength or ZxcvbnStrengthMeter(),
        )
        return cls(ports, settings)
