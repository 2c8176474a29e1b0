"""Wiring at the edge: a database's relay and operators' service, for the command line and hosts."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from .adapters.runtime import SecretTokenGenerator, SystemClock
from .domain.errors import ExtraNotInstalled, InvalidInput, PortRequired
from .notifications import Links, Templates
from .ports import Clock, EventSubscriber, MailSender, TokenGenerator
from .relay import OutboxRelay, RetryPolicy
from .service import OnboardingService
from .service.context import Delivery, build_relay, link_key
from .settings import OnboardingSettings


def existing_database(target: str | Path) -> str | Path:
    """``target`` as an existing SQLite file (a path, or a plain ``sqlite:///`` URL) or a URL.

    An operator's command never creates a database: connecting to a mistyped
    SQLite path would leave an empty file behind, so a missing one is refused.
    """
    if not isinstance(target, str | Path):
        raise InvalidInput(field="db", expected="fichier SQLite existant")
    if isinstance(target, str) and "://" in target:
        try:
            from sqlalchemy import make_url
            from sqlalchemy.exc import ArgumentError
        except ImportError as error:
            raise ExtraNotInstalled(extra="sql").with_cause(error) from None
        try:
            url = make_url(target)
        except (ArgumentError, ValueError) as error:
            raise InvalidInput(field="url", expected="URL de base de données") from error
        if url.get_backend_name() != "sqlite" or url.query or not url.database:
            return target
        target = url.database
    path = Path(target)
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system names no file either
        found = False
    if not found:
        raise InvalidInput(field="db", expected="fichier SQLite existant")
    return path


def existing_service(
    target: str | Path, *, settings: OnboardingSettings | None = None
) -> OnboardingService:
    """The service an operator's command acts through, on the existing database at ``target``.

    An operator's commands send no email themselves (a database-backed
    service never does: the relay worker sends what they record), so it is
    built with the demo parts, which are never used. ``settings`` should
    carry the deployment's ``secret_key`` whenever the command issues a link
    (a resent activation): its digest must match the token the relay derives.
    """
    found = existing_database(target)
    if isinstance(found, Path):
        return OnboardingService.sqlite(found, demo_ports=True, settings=settings)
    return OnboardingService.from_url(found, demo_ports=True, settings=settings)


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
    found = existing_database(target)
    engine = sql.sqlite_engine(found) if isinstance(found, Path) else sql.url_engine(found)
    engine = sql.prepare(engine)
    now = clock or SystemClock()
    delivery = Delivery(
        links=links,
        templates=templates,
        language=language,
        subscribers=tuple(subscribers),
        retry_policy=policy,
    )
    relay = build_relay(
        settings,
        delivery,
        outbox=sql.SqlOutbox(engine),
        mailer=mailer,
        clock=now,
        tokens=tokens or SecretTokenGenerator(link_key(settings)),
        unit_of_work=lambda: sql.SqlUnitOfWork(engine, now.now),
    )
    return relay, lambda: sql.release_engine(engine)
