"""Wiring at the edge: the outbox relay of a database, for the worker command and hosts."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from .adapters.runtime import SecretTokenGenerator, SystemClock
from .domain.errors import ExtraNotInstalled, InvalidInput, PortRequired
from .notifications import Links, Notifier, Templates
from .ports import Clock, EventSubscriber, MailSender, TokenGenerator
from .relay import OutboxRelay, RetryPolicy
from .service.core import link_key
from .settings import OnboardingSettings


def database_relay(
    target: str | Path,
    *,
    mailer: MailSender,
    settings: OnboardingSettings,
    links: Links | None = None,
    templates: Templates | None = None,
    language: str = "fr",
    subscribers: Sequence[EventSubscriber] = (),
    policy: RetryPolicy | None = None,
    clock: Clock | None = None,
    tokens: TokenGenerator | None = None,
) -> tuple[OutboxRelay, Callable[[], None]]:
    """The relay of the database at ``target`` (a SQLite path, or a URL), and what closes it.

    Needs the deployment's ``settings.secret_key`` (the links' tokens are
    derived from it) and a real ``mailer``. The database must exist already:
    a mistyped path is refused, never created empty.
    """
    if mailer is None:
        raise PortRequired(field="mailer", port="mailer")
    if not isinstance(settings, OnboardingSettings) or settings.secret_key is None:
        raise PortRequired(field="settings", port="settings.secret_key")
    try:
        sql = importlib.import_module("chorus_onboarding.adapters.sql")
    except ImportError as error:
        raise ExtraNotInstalled(extra="sql").with_cause(error) from None
    if isinstance(target, Path) or "://" not in str(target):
        if not Path(target).is_file():
            raise InvalidInput(field="db", expected="fichier SQLite existant")
        engine = sql.sqlite_engine(target)
    else:
        engine = sql.url_engine(target)
    engine = sql.prepare(engine)
    now = clock or SystemClock()
    notifier = Notifier(
        links=links or Links(settings.portal_url),
        tokens=tokens or _tokens(settings),
        templates=templates,
        language=language,
        support_email=settings.support_email,
    )
    relay = OutboxRelay(
        outbox=sql.SqlOutbox(engine),
        notifier=notifier,
        mailer=mailer,
        clock=now,
        unit_of_work=lambda: sql.SqlUnitOfWork(engine, now.now),
        policy=policy,
        subscribers=subscribers,
    )
    return relay, lambda: sql.release_engine(engine)


def _tokens(settings: OnboardingSettings) -> TokenGenerator:
    return SecretTokenGenerator(link_key(settings))
