"""The command line: ``demo``, ``diagrams``, the expiry batch, the relay worker and its dead letters, the schema."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import demo
from .domain.accounts import ACCOUNT_LIFECYCLE
from .domain.attachments import ATTACHMENT_LIFECYCLE
from .domain.errors import ExtraNotInstalled, InvalidInput, OnboardingError
from .domain.subscriptions import SUBSCRIPTION_LIFECYCLE
from .relay import OutboxRelay, RelayWorker
from .service import OnboardingService

if TYPE_CHECKING:
    from .adapters.sql.migrate import SchemaStatus

_LIFECYCLES = (
    ("Compte (Account)", ACCOUNT_LIFECYCLE),
    ("Demande de rattachement (Attachment)", ATTACHMENT_LIFECYCLE),
    ("Abonnement à un espace (Subscription)", SUBSCRIPTION_LIFECYCLE),
)


def diagrams() -> str:
    """Every lifecycle as a Mermaid diagram, drawn from the transition tables."""
    return "\n".join(
        f"## {title}\n\n```mermaid\n{lifecycle.mermaid()}```\n" for title, lifecycle in _LIFECYCLES
    )


def _database(command: argparse.ArgumentParser) -> None:
    where = command.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="an existing SQLite file")
    where.add_argument("--url", help="a database URL (postgresql+psycopg://...)")


def _target(arguments: argparse.Namespace) -> str | Path:
    target: str | Path = arguments.url or arguments.db
    return target


def _relay_options(command: argparse.ArgumentParser) -> None:
    _database(command)
    command.add_argument("--smtp-host", default="localhost", help="mail server (%(default)s)")
    command.add_argument("--smtp-port", type=int, default=25, help="its port (%(default)s)")
    command.add_argument("--sender", default="ne-pas-repondre@chorus-pro.gouv.fr", help="From")
    command.add_argument("--smtp-user", help="login (password in CHORUS_SMTP_PASSWORD)")
    command.add_argument("--starttls", action="store_true", help="switch to TLS first")
    command.add_argument("--portal-url", help="the portal's address the links point at")


def _relay(arguments: argparse.Namespace) -> tuple[OutboxRelay, Callable[[], None]]:
    from .adapters.smtp import SmtpMailSender
    from .settings import OnboardingSettings
    from .wiring import database_relay

    key = os.environ.get("CHORUS_SECRET_KEY")
    if not key:
        raise InvalidInput(field="settings", expected="clé secrète dans CHORUS_SECRET_KEY")
    extra = {"portal_url": arguments.portal_url} if arguments.portal_url else {}
    mailer = SmtpMailSender(
        host=arguments.smtp_host,
        port=arguments.smtp_port,
        sender=arguments.sender,
        username=arguments.smtp_user,
        password=os.environ.get("CHORUS_SMTP_PASSWORD") if arguments.smtp_user else None,
        starttls=arguments.starttls,
    )
    return database_relay(
        _target(arguments), mailer=mailer, settings=OnboardingSettings(secret_key=key, **extra)
    )


def _run_relay(arguments: argparse.Namespace) -> None:
    relay, close = _relay(arguments)
    try:
        _deliver(arguments, relay)
    finally:
        close()


def _deliver(arguments: argparse.Namespace, relay: OutboxRelay) -> None:
    if arguments.once:
        report = relay.run_once(arguments.batch_size)
        print(
            f"{report.sent} envoyé(s), {report.retried} à réessayer, "
            f"{report.set_aside} mis de côté, {report.purged} purgé(s)"
        )
        return
    worker = RelayWorker(relay, interval=arguments.interval, batch_size=arguments.batch_size)

    def stop(signum: int, _frame: object) -> None:
        logging.getLogger("chorus_onboarding.relay").info("signal %d: stopping", signum)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run_forever()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="chorus-onboarding", description="Onboarding on Chorus Pro, as a library."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    told = commands.add_parser(
        "demo", help="tell the journeys step by step, printing the emails sent"
    )
    where = told.add_mutually_exclusive_group()
    where.add_argument(
        "--db", type=Path, default=demo.DEFAULT_DATABASE, help="SQLite file (default: %(default)s)"
    )
    where.add_argument("--memory", action="store_true", help="keep everything in memory")
    told.add_argument("--verbose", action="store_true", help="print the emails' whole text")
    commands.add_parser("diagrams", help="print the state diagrams (Mermaid)")
    expire = commands.add_parser("expire", help="expire every activation past its deadline")
    _database(expire)
    relay = commands.add_parser(
        "relay",
        help="deliver the outbox until SIGTERM/SIGINT (secret key in CHORUS_SECRET_KEY)",
    )
    _relay_options(relay)
    relay.add_argument("--interval", type=float, default=5.0, help="pause when idle, seconds")
    relay.add_argument("--batch-size", type=int, default=100, help="entries per batch")
    relay.add_argument("--once", action="store_true", help="one batch, then exit")
    relay.add_argument("--verbose", action="store_true", help="log every batch")
    dead = commands.add_parser("dead-letters", help="list the outbox entries set aside")
    _database(dead)
    requeue = commands.add_parser("requeue", help="send dead letters again")
    _database(requeue)
    requeue.add_argument("entry_ids", nargs="+", help="ids listed by dead-letters")
    db = commands.add_parser("db", help="the database's schema: its revision, its upgrade")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    _database(
        db_commands.add_parser(
            "upgrade", help="upgrade the schema to this version's revision (back it up first)"
        )
    )
    _database(db_commands.add_parser("current", help="print the schema's revision"))
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "demo":
            demo.run(
                sys.stdout, None if arguments.memory else arguments.db, verbose=arguments.verbose
            )
        elif arguments.command == "expire":
            print(
                f"{_admin_service(arguments).expire_overdue_activations()} activation(s) expirée(s)"
            )
        elif arguments.command == "relay":
            logging.basicConfig(
                level=logging.INFO if arguments.verbose else logging.WARNING,
                format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            )
            _run_relay(arguments)
        elif arguments.command == "dead-letters":
            for letter in _admin_service(arguments).relay.dead_letters(1000):
                print(
                    f"{letter.id}\t{letter.event_name}\t{letter.attempts}\t"
                    f"{letter.set_aside_at.isoformat()}\t{letter.error}"
                )
        elif arguments.command == "requeue":
            moved = _admin_service(arguments).relay.requeue(arguments.entry_ids)
            print(f"{moved} entrée(s) remise(s) en file")
        elif arguments.command == "db":
            _schema(arguments)
        else:
            sys.stdout.write(diagrams())
        sys.stdout.flush()
    except OnboardingError as error:
        print(f"chorus-onboarding : {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (``| head``) left early: not an error of ours. Point
        # stdout at devnull so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _admin_service(arguments: argparse.Namespace) -> OnboardingService:
    """A service for an operator's command on an existing database.

    These commands send no email themselves (a database-backed service never
    does; the relay does), so the demo parts it is built with are never used.
    """
    from .wiring import existing_database

    target = existing_database(_target(arguments))
    if isinstance(target, Path):
        return OnboardingService.sqlite(target, demo_ports=True)
    return OnboardingService.from_url(target, demo_ports=True)


def _schema(arguments: argparse.Namespace) -> None:
    """``db upgrade`` and ``db current`` on an existing database."""
    try:
        from .adapters.sql import engines, migrate
    except ImportError as error:
        raise ExtraNotInstalled(extra="sql").with_cause(error) from None
    from .wiring import existing_database

    target = existing_database(_target(arguments))
    engine = (
        engines.sqlite_engine(target) if isinstance(target, Path) else engines.url_engine(target)
    )
    try:
        before = migrate.status(engine)
        if arguments.db_command == "current":
            print(_describe(before))
            return
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        # Alembic's start-up chatter says nothing about this database.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        migrate.prepare(engine, upgrade=True)
        if before.at_head:
            print(f"Schéma déjà à jour : révision {migrate.HEAD_REVISION}.")
        elif before.empty:
            print(f"Schéma créé : révision {migrate.HEAD_REVISION}.")
        else:
            print(f"Schéma mis à jour : révision {before.revision} → {migrate.HEAD_REVISION}.")
    finally:
        engines.release_engine(engine)


def _describe(found: SchemaStatus) -> str:
    """What ``db current`` prints: the revision, and what to do about it."""
    from .adapters.sql.migrate import HEAD_REVISION, UPGRADE_COMMAND

    if found.foreign_tables:
        return "aucune : des tables co_ sans version (base créée par un autre outil ?)"
    if found.empty:
        return f"aucune (base vide : « db upgrade » y crée la révision {HEAD_REVISION})"
    if found.newer:
        return f"{found.revision} (plus récente que cette version, qui connaît {HEAD_REVISION} au plus)"
    if found.at_head:
        return f"{found.revision} (à jour)"
    made = (
        ""
        if found.stamped
        else f", base antérieure à Alembic (co_schema_version {found.recorded_version})"
    )
    return f"{found.revision}{made} : en retard sur {HEAD_REVISION}, lancez « {UPGRADE_COMMAND} »"
