"""``relay``: the worker that sends the outbox; ``mail ...``: the emails it set aside."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import click

from ..relay import OutboxRelay, RelayReport, RelayWorker
from .base import (
    Commands,
    database_options,
    json_option,
    moment,
    opening,
    operator_service,
    progress,
    report,
    secret_key,
)

mail = Commands("mail", help="Emails the relay set aside (dead letters).")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@mail.command("dead-letters")
@click.option(
    "--limit",
    type=int,
    default=1000,
    show_default=True,
    help="How many to list at most (up to 10,000).",
)
@database_options
@json_option
def dead_letters(limit: int, database: str | Path) -> None:
    """List the emails the relay set aside.

    Oldest first: id, event, attempts, when, and the last error.
    """
    with operator_service(database) as service:
        letters = service.relay.dead_letters(limit)
    report(
        [
            {
                "id": letter.id,
                "event": letter.event_name,
                "attempts": letter.attempts,
                "set_aside_at": moment(letter.set_aside_at),
                "error": letter.error,
            }
            for letter in letters
        ],
        "\n".join(
            f"{letter.id}\t{letter.event_name}\t{letter.attempts}\t"
            f"{moment(letter.set_aside_at)}\t{letter.error}"
            for letter in letters
        )
        or "Aucun courriel mis de côté.",
    )


@mail.command("requeue")
@click.argument("entry_ids", metavar="[ID]...", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Requeue every dead letter.")
@database_options
@json_option
def requeue(entry_ids: tuple[str, ...], every: bool, database: str | Path) -> None:
    """Send dead letters again.

    The ids are those dead-letters lists (or --all); the relay sends them at
    its next run.
    """
    if every == bool(entry_ids):
        raise click.UsageError("give the ids of the dead letters, or --all (one of them)")
    with operator_service(database) as service:
        moved = _requeue_all(service.relay) if every else service.relay.requeue(list(entry_ids))
    report({"requeued": moved}, f"{moved} entrée(s) remise(s) en file")


def _requeue_all(relay: OutboxRelay) -> int:
    moved = 0
    # A requeued letter leaves the list: each round reads the next ones.
    while letters := relay.dead_letters(10_000):
        done = relay.requeue([letter.id for letter in letters])
        moved += done
        if done < len(letters):  # another operator got there first: stop rather than spin
            break
    return moved


# --- the relay worker ----------------------------------------------------------------


@click.command(cls=mail.command_class)
@database_options
@click.option("--smtp-host", default="localhost", show_default=True, help="The mail server.")
@click.option("--smtp-port", type=int, default=25, show_default=True, help="Its port.")
@click.option(
    "--sender", default="ne-pas-repondre@chorus-pro.gouv.fr", show_default=True, help="From."
)
@click.option("--smtp-user", help="Login on the mail server (password in CHORUS_SMTP_PASSWORD).")
@click.option("--starttls", is_flag=True, help="Switch to TLS first.")
@click.option("--portal-url", help="The portal's address the links point at.")
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Pause when idle, seconds."
)
@click.option("--batch-size", type=int, default=100, show_default=True, help="Entries per batch.")
@click.option("--once", is_flag=True, help="Send what is due now, batch after batch, then stop.")
@click.option("--verbose", is_flag=True, help="Log every batch.")
@json_option
def relay(database: str | Path, once: bool, verbose: bool, **options: Any) -> None:
    """Send the outbox's emails (the worker).

    Runs until SIGTERM or SIGINT, stopping cleanly between batches, then
    prints what it did; with --once, sends what is due now and stops. The
    secret key is read from CHORUS_SECRET_KEY.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=_LOG_FORMAT)
    outbox_relay, close = _database_relay(database, **options)
    try:
        worker = RelayWorker(
            outbox_relay, interval=options["interval"], batch_size=options["batch_size"]
        )
        with _stopped_by_signals(worker):
            totals = _catch_up(outbox_relay, worker) if once else worker.run_forever()
    finally:
        close()
    report(
        attrs.asdict(totals),
        f"{totals.sent} envoyé(s), {totals.retried} à réessayer, "
        f"{totals.set_aside} mis de côté, {totals.purged} purgé(s)",
    )


def _database_relay(
    database: str | Path,
    *,
    smtp_host: str,
    smtp_port: int,
    sender: str,
    smtp_user: str | None,
    starttls: bool,
    portal_url: str | None,
    **_pacing: Any,
) -> tuple[OutboxRelay, Callable[[], None]]:
    from ..adapters.smtp import SmtpMailSender
    from ..settings import OnboardingSettings
    from ..wiring import database_relay

    key = secret_key()
    extra: dict[str, Any] = {"portal_url": portal_url} if portal_url else {}
    mailer = SmtpMailSender(
        host=smtp_host,
        port=smtp_port,
        sender=sender,
        username=smtp_user,
        password=os.environ.get("CHORUS_SMTP_PASSWORD") if smtp_user else None,
        starttls=starttls,
    )
    settings = OnboardingSettings(secret_key=key, **extra)
    with opening():
        return database_relay(database, mailer=mailer, settings=settings)


@contextmanager
def _stopped_by_signals(worker: RelayWorker) -> Iterator[None]:
    """SIGTERM and SIGINT ask the worker to stop after its batch; the old handlers come back."""

    def stop(signum: int, _frame: object) -> None:
        logging.getLogger("chorus_onboarding.relay").info("signal %d: stopping", signum)
        worker.stop()

    previous = {sent: signal.signal(sent, stop) for sent in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sent, handler in previous.items():
            signal.signal(sent, handler)


def _catch_up(relay: OutboxRelay, worker: RelayWorker) -> RelayReport:
    """Run batches until nothing more is due now (where the worker would pause), or a signal."""
    totals = RelayReport()
    with progress("Courriels envoyés", relay.outbox.backlog) as advance:
        while not worker.stopping:
            done = relay.run_once(worker.batch_size)
            totals = RelayReport(
                *(a + b for a, b in zip(attrs.astuple(totals), attrs.astuple(done), strict=True))
            )
            advance(done.claimed)
            if done.claimed < worker.batch_size or done.retried or done.released:
                break
    return totals
