"""Everything the portal's rules leave configurable, with the guides' values as defaults.

Except passwords: the default policy is stricter than the guides (see
:class:`OnboardingSettings` and :meth:`OnboardingSettings.seeds`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
from attrs import field, frozen

from .adapters.strength import default_policy
from .domain.emails import EmailAddress
from .domain.errors import InvalidEmail, InvalidInput
from .domain.espaces import DEFAULT_REGISTRATION_ESPACES, REGISTRATION_ESPACES, Espace
from .domain.login_codes import code_digits
from .domain.passwords import PasswordPolicy
from .i18n import time_zone_named


def _duration(_: Any, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(field=attribute.name, expected="durée positive (timedelta)")


def _time_zone(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidInput(field=attribute.name, expected="fuseau horaire (Europe/Paris...)")
    time_zone_named(value)


def _count(_: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidInput(field=attribute.name, expected="nombre entier de 1 à 1 000 000")


def _espaces(_: Any, attribute: attrs.Attribute[frozenset[Espace]], value: object) -> None:
    if not isinstance(value, frozenset) or not all(isinstance(item, Espace) for item in value):
        raise InvalidInput(field=attribute.name, expected="frozenset d'Espace")
    if not value <= frozenset(REGISTRATION_ESPACES):
        raise InvalidInput(field=attribute.name, expected="espace proposé à l'inscription")


def _policy(_: Any, attribute: attrs.Attribute[PasswordPolicy], value: object) -> None:
    if not isinstance(value, PasswordPolicy):
        raise InvalidInput(field=attribute.name, expected="PasswordPolicy")


def _url(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if (
        not isinstance(value, str)
        or not value.startswith(("https://", "http://"))
        or len(value) > 500
    ):
        raise InvalidInput(field=attribute.name, expected="adresse http(s)")


def _optional_address(_: Any, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is None:
        return
    try:
        EmailAddress.validate(value)
    except InvalidEmail:
        raise InvalidInput(field=attribute.name, expected="adresse électronique") from None


def _secret(_: Any, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or len(value) < 32):
        raise InvalidInput(field=attribute.name, expected="secret d'au moins 32 caractères")


@frozen(kw_only=True)
class OnboardingSettings:
    """The tunable rules of onboarding, checked when built.

    Activation links are valid 30 days, as in the guides; the portal today
    uses 60 minutes: see :meth:`portal_today`. The password policy is
    stricter than the guides by default: 12 characters and a list of about
    10,000 common passwords refused
    (:func:`~chorus_onboarding.adapters.strength.default_policy`, the list
    read on its first check rather than here). :meth:`seeds` is the guides'
    rules: 8 characters, 3 groups of 4, no list of refused passwords unless
    asked for.
    """

    activation_validity: timedelta = field(default=timedelta(days=30), validator=_duration)
    password_reset_validity: timedelta = field(default=timedelta(hours=1), validator=_duration)
    reactivation_validity: timedelta = field(default=timedelta(days=7), validator=_duration)
    invitation_validity: timedelta = field(default=timedelta(days=30), validator=_duration)
    """How long a user has to accept or decline a manager's invitation."""
    reactivation_request_interval: timedelta = field(
        default=timedelta(minutes=5), validator=_duration
    )
    """At most one reactivation request per account in this time: the rest are not heard."""
    support_email: str | None = field(default=None, validator=_optional_address)
    """Where a reactivation request for an account support deactivated goes (None: to no one
    but the host's event subscribers)."""
    time_zone: str = field(default="Europe/Paris", validator=_time_zone)
    """The zone the emails show dates in, labelled with it (« heure de New York »)."""
    reset_challenge_validity: timedelta = field(default=timedelta(minutes=15), validator=_duration)
    max_failed_logins: int = field(default=5, validator=_count)
    login_block: timedelta = field(default=timedelta(minutes=15), validator=_duration)
    login_code: bool = field(default=False)
    """Whether a login needs the one-time code emailed to the login email (the portal's since
    19 September 2024, on in :meth:`portal_today`); off, the password alone opens the session."""
    login_code_validity: timedelta = field(default=timedelta(minutes=10), validator=_duration)
    login_code_length: int = field(default=6, validator=code_digits)
    """How many digits a code has (6 to 10)."""
    login_code_tries: int = field(default=3, validator=_count)
    """How many times one code may be tried; a wrong try also counts as a failed login."""
    login_code_resend_interval: timedelta = field(default=timedelta(minutes=1), validator=_duration)
    login_code_resends: int = field(default=3, validator=_count)
    """How many new codes one login may ask for before the password is asked again."""
    remembered_device_validity: timedelta = field(default=timedelta(days=30), validator=_duration)
    """How long a device the user asked to remember logs in without a code (the host offers it
    or not: see :meth:`OnboardingService.confirm_login_code`)."""
    max_wrong_answers: int = field(default=3, validator=_count)
    answer_block: timedelta = field(default=timedelta(hours=1), validator=_duration)
    registration_espaces: frozenset[Espace] = field(
        default=DEFAULT_REGISTRATION_ESPACES, validator=_espaces
    )
    password_policy: PasswordPolicy = field(factory=default_policy, validator=_policy)
    portal_url: str = field(default="https://chorus-pro.gouv.fr", validator=_url)
    expiry_batch_size: int = field(default=1000, validator=_count)
    secret_key: str | None = field(default=None, repr=False, validator=_secret)
    """Keys the emailed links' tokens, the decoy secret questions and the forgotten-password challenges.

    Required by the database-backed services: the relay derives each link's
    token from it, so it must never be stored in the database or its backups.

    Give every process of one deployment the same value (at least 32
    characters, kept secret): unset, each process draws its own at random, and
    an unknown email's decoy question would change from one process to the
    next, telling it apart from a real account.
    """

    # --- database waits (SQLite and PostgreSQL stores; the memory store never waits) ---
    database_connect_timeout: timedelta = field(default=timedelta(seconds=5))
    """How long opening a connection to PostgreSQL may take (whole seconds, at most 1 minute).

    psycopg waits at least 2 seconds whatever is asked.
    """
    database_lock_timeout: timedelta = field(default=timedelta(seconds=5))
    """How long a statement waits for a lock another session holds (at most 10 minutes).

    PostgreSQL's ``lock_timeout``; on SQLite, the busy timeout (the wait for
    the writer ahead).
    """
    database_statement_timeout: timedelta = field(default=timedelta(seconds=30))
    """How long one statement may run on PostgreSQL (at most 1 hour; SQLite has no such bound)."""
    upgrade_database: bool = field(default=False)
    """Whether the database factories upgrade a database whose schema is behind the library.

    Off, ``OnboardingService.sqlite`` and ``from_url`` refuse such a database
    with ``SchemaOutdated`` (upgrade it with ``python -m chorus_onboarding
    db upgrade``, after a backup); on, they upgrade it in place first. An
    empty database gets the schema either way.
    """

    @login_code.validator
    @upgrade_database.validator
    def _yes_or_no(self, attribute: attrs.Attribute[bool], value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidInput(field=attribute.name, expected="booléen")

    @database_connect_timeout.validator
    @database_lock_timeout.validator
    @database_statement_timeout.validator
    def _database_wait(self, attribute: attrs.Attribute[timedelta], value: object) -> None:
        longest = {
            "database_connect_timeout": timedelta(minutes=1),
            "database_lock_timeout": timedelta(minutes=10),
            "database_statement_timeout": timedelta(hours=1),
        }[attribute.name]
        if not isinstance(value, timedelta) or not timedelta(0) < value <= longest:
            raise InvalidInput(
                field=attribute.name,
                expected="durée positive d'au plus {seconds} secondes (timedelta)",
                seconds=int(longest.total_seconds()),
            )

    @classmethod
    def seeds(
        cls, *, refuse_common_passwords: bool = False, **overrides: Any
    ) -> OnboardingSettings:
        """The guides' rules: passwords of 8 characters with 3 of the 4 groups.

        What the guides' activation screen accepts is accepted ("Abcdef1!"):
        no list of common passwords, unless ``refuse_common_passwords``
        (the default policy's list of about 10,000). Other settings are the
        defaults (activation links valid 30 days, as in the guides), or
        ``overrides``.
        """
        if not isinstance(refuse_common_passwords, bool):
            raise InvalidInput(field="refuse_common_passwords", expected="booléen")
        policy = (
            default_policy(seeds=True)
            if refuse_common_passwords
            else PasswordPolicy.seeds(common_passwords=())
        )
        return cls._preset({"password_policy": policy}, overrides)

    @classmethod
    def _preset(cls, preset: dict[str, Any], overrides: dict[str, Any]) -> OnboardingSettings:
        values: dict[str, Any] = {**preset, **overrides}
        unknown = set(values) - {a.name for a in attrs.fields(cls)}
        if unknown:
            raise InvalidInput(field=sorted(unknown)[0], expected="réglage connu")
        return cls(**values)

    @classmethod
    def portal_today(cls, **overrides: Any) -> OnboardingSettings:
        """The portal's current behaviour: activation links valid 60 minutes, a code at each login."""
        return cls._preset(
            {"activation_validity": timedelta(minutes=60), "login_code": True}, overrides
        )
