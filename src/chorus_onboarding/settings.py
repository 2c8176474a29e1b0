"""Everything the portal's rules leave configurable, with the seeds' defaults."""

from __future__ import annotations

from datetime import timedelta

from attrs import field, frozen

from .adapters.strength import default_policy
from .domain.espaces import DEFAULT_REGISTRATION_ESPACES, Espace
from .domain.passwords import PasswordPolicy


@frozen(kw_only=True)
class OnboardingSettings:
    """The tunable rules of onboarding.

    The defaults are the seeds' (activation links valid 30 days); the portal
    today uses 60 minutes: see :meth:`portal_today`. The password policy
    defaults to 12 characters and a list of about 10,000 common passwords
    (:func:`~chorus_onboarding.adapters.strength.default_policy`); the seeds'
    8 characters are ``default_policy(seeds=True)``.
    """

    activation_validity: timedelta = timedelta(days=30)
    password_reset_validity: timedelta = timedelta(hours=1)
    reactivation_validity: timedelta = timedelta(days=7)
    max_failed_logins: int = 5
    login_block: timedelta = timedelta(minutes=15)
    max_wrong_answers: int = 3
    answer_block: timedelta = timedelta(hours=1)
    registration_espaces: frozenset[Espace] = DEFAULT_REGISTRATION_ESPACES
    password_policy: PasswordPolicy = field(factory=default_policy)
    portal_url: str = "https://chorus-pro.gouv.fr"
    expiry_batch_size: int = 1000

    @classmethod
    def portal_today(cls, **overrides: object) -> OnboardingSettings:
        """The portal's current behaviour: activation links valid 60 minutes."""
        values: dict[str, object] = {"activation_validity": timedelta(minutes=60)}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
