"""The outbox relay: delivers committed events, retries without loss, never lets one block the rest.

A use case commits its changes with their events (the transactional outbox);
the relay, not the use case, then turns each entry into emails (through the
:class:`~chorus_onboarding.notifications.Notifier`), hands them to the mail
server over one connection per batch, and calls the host's event
subscribers. What fails for a while is tried again with a growing delay;
what the server refuses for good, or what failed too often, is set aside as a
dead letter that an operator can list and requeue. Sent entries are purged
after a retention period.

:class:`RelayWorker` runs it as a long-lived job (``python -m chorus_onboarding
relay``), stopping cleanly between batches; :meth:`RelayWorker.start_thread`
runs it beside a single-process host.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from attrs import define, frozen

from .domain.errors import DeliveryRefused, InvalidInput, OnboardingError
from .notifications import Notifier, UnitOfWorkFacts
from .ports import (
    Clock,
    DeadLetter,
    EventSubscriber,
    MailSender,
    MailSession,
    Outbox,
    OutboxEntry,
    OutgoingEmail,
    UnitOfWork,
)

log = logging.getLogger("chorus_onboarding.relay")


@frozen(kw_only=True)
class RetryPolicy:
    """How the relay paces its attempts."""

    lease: timedelta = timedelta(minutes=2)
    """How long a claimed entry stays with this relay before another may take it."""
    first_delay: timedelta = timedelta(seconds=30)
    """The wait after a first failure; it doubles with every further one..."""
    longest_delay: timedelta = timedelta(hours=1)
    """...up to this."""
    max_attempts: int = 16
    """After this many failed attempts the entry is set aside (about nine hours with the defaults)."""
    retention: timedelta = timedelta(days=7)
    """How long sent entries are kept before they are purged."""

    def delay(self, attempts: int) -> timedelta:
        """The wait before the next try, after ``attempts`` failed ones."""
        factor = 2 ** min(max(attempts - 1, 0), 30)
        later: timedelta = min(self.first_delay * factor, self.longest_delay)
        return later


@frozen
class RelayReport:
    """What one relay run did."""

    sent: int = 0
    """Entries delivered (their emails sent, their subscribers called)."""
    retried: int = 0
    """Entries that failed for now and wait for a later try."""
    set_aside: int = 0
    """Entries moved to the dead letters."""
    released: int = 0
    """Entries given back untried (the run stopped early)."""
    purged: int = 0
    """Sent entries deleted after their retention."""

    @property
    def claimed(self) -> int:
        """How many entries the run took."""
        return self.sent + self.retried + self.set_aside + self.released


@define
class _Tally:
    sent: list[str]
    retried: int = 0
    set_aside: int = 0
    released: int = 0


_PURGE_EVERY = timedelta(minutes=1)
"""How often a relay looks for sent entries past their retention."""

_MARK_EVERY = 20
"""Sent entries are marked in groups this big: few writes, little resent after a crash."""


class _Batch:
    """One run's walk through its entries, over at most one mail connection."""

    def __init__(self, relay: OutboxRelay, tally: _Tally) -> None:
        self.relay = relay
        self.tally = tally
        self.session: MailSession | None = None
        self.unreachable: Exception | None = None
        self.broken = False
        self.marked = 0

    def deliver(
        self, entry: OutboxEntry, emails: list[OutgoingEmail], connection: contextlib.ExitStack
    ) -> None:
        relay, tally = self.relay, self.tally
        if self.broken:
            # The connection dropped: the rest go back untried, for the next run.
            relay._release([entry], tally)
            return
        if emails and self.unreachable is not None:
            relay._failed(entry, self.unreachable, tally, quiet=True)
            return
        if emails and self.session is None:
            try:
                self.session = connection.enter_context(relay.mailer.session())
            except Exception as failure:  # the mail server cannot be reached now
                log.warning("mail server unavailable: %s", failure)
                self.unreachable = failure
                relay._failed(entry, failure, tally, quiet=True)
                return
        try:
            for subscriber in relay.subscribers:
                subscriber.handle(entry.event, entry.id)
        except Exception as failure:  # the host's subscriber: try again later
            relay._failed(entry, failure, tally)
            return
        try:
            for email in emails:
                assert self.session is not None
                self.session.send(email)
        except DeliveryRefused as refusal:
            relay._set_aside(entry, str(refusal), tally)
            return
        except Exception as failure:  # passing trouble: try again later
            relay._failed(entry, failure, tally)
            self.broken = True
            return
        tally.sent.append(entry.id)
        if len(tally.sent) - self.marked >= _MARK_EVERY:
            self.mark_rest()

    def mark_rest(self) -> None:
        if len(self.tally.sent) > self.marked:
            self.relay._mark(self.tally.sent[self.marked :])
            self.marked = len(self.tally.sent)


class OutboxRelay:
    """Delivers the outbox: claim a batch, send it over one connection, mark, retry, set aside."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        notifier: Notifier,
        mailer: MailSender,
        clock: Clock,
        unit_of_work: Callable[[], UnitOfWork],
        policy: RetryPolicy | None = None,
        subscribers: Sequence[EventSubscriber] = (),
    ) -> None:
        self.outbox = outbox
        self.notifier = notifier
        self.mailer = mailer
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.subscribers = tuple(subscribers)
        self._unit_of_work = unit_of_work
        self._purged_at: datetime | None = None

    def run_once(self, batch_size: int = 100) -> RelayReport:
        """Deliver up to ``batch_size`` due entries; never raises for a delivery problem."""
        _check_batch_size(batch_size)
        try:
            entries = self.outbox.claim(batch_size, self.clock.now(), self.policy.lease)
        except OnboardingError:
            log.exception("the outbox cannot be read; delivery waits for the next run")
            return RelayReport()
        tally = _Tally(sent=[])
        if entries:
            self._deliver(entries, tally)
        purged = self._purge()
        return RelayReport(
            sent=len(tally.sent),
            retried=tally.retried,
            set_aside=tally.set_aside,
            released=tally.released,
            purged=purged,
        )

    # --- one batch ------------------------------------------------------------------

    def _deliver(self, entries: list[OutboxEntry], tally: _Tally) -> None:
        drafts = self._compose(entries, tally)
        batch = _Batch(self, tally)
        try:
            with contextlib.ExitStack() as connection:
                for entry, emails in drafts:
                    batch.deliver(entry, emails, connection)
        except Exception:  # closing the connection failed: what was sent, was sent
            log.exception("the mail connection did not close cleanly")
        finally:
            batch.mark_rest()

    def _compose(
        self, entries: list[OutboxEntry], tally: _Tally
    ) -> list[tuple[OutboxEntry, list[OutgoingEmail]]]:
        drafts: list[tuple[OutboxEntry, list[OutgoingEmail]]] = []
        with UnitOfWorkFacts(self._unit_of_work) as facts:
            for entry in entries:
                try:
                    drafts.append((entry, self.notifier.emails(entry, facts)))
                except OnboardingError as failure:
                    # The store could not be read: the others likely neither.
                    self._failed(entry, failure, tally)
                except Exception as failure:  # a template or event that cannot be written
                    log.exception("entry %s cannot be turned into emails", entry.id)
                    self._set_aside(entry, f"{type(failure).__name__}: {failure}", tally)
        return drafts

    def _mark(self, entry_ids: list[str]) -> None:
        try:
            self.outbox.mark_sent(entry_ids, self.clock.now())
        except OnboardingError:
            # Sent but not marked: the lease ends and they go again, with the
            # same dedupe keys, which receivers use to drop the repeat.
            log.exception("%d sent entries could not be marked", len(entry_ids))

    def _failed(
        self, entry: OutboxEntry, failure: BaseException, tally: _Tally, *, quiet: bool = False
    ) -> None:
        attempts = entry.attempts + 1
        reason = f"{type(failure).__name__}: {failure}"[:500]
        if attempts >= self.policy.max_attempts:
            self._set_aside(entry, f"{attempts} tentatives ; dernière erreur : {reason}", tally)
            return
        retry_at = self.clock.now() + self.policy.delay(attempts)
        if not quiet:
            log.warning("entry %s failed (%s); retry at %s", entry.id, reason, retry_at)
        try:
            self.outbox.retry_later(entry.id, reason, retry_at)
        except OnboardingError:
            log.exception("entry %s could not be rescheduled; its lease will end", entry.id)
        tally.retried += 1

    def _set_aside(self, entry: OutboxEntry, reason: str, tally: _Tally) -> None:
        log.error("entry %s (%s) set aside: %s", entry.id, entry.event.name, reason)
        try:
            self.outbox.set_aside(entry.id, reason[:500], self.clock.now())
        except OnboardingError:
            log.exception("entry %s could not be set aside; its lease will end", entry.id)
        tally.set_aside += 1

    def _release(self, entries: list[OutboxEntry], tally: _Tally) -> None:
        if not entries:
            return
        try:
            self.outbox.release([entry.id for entry in entries])
        except OnboardingError:
            log.exception("%d entries could not be released; their lease will end", len(entries))
        tally.released += len(entries)

    def _purge(self) -> int:
        # Retention is counted in days: a look once a minute is plenty, and
        # spares a busy relay a statement per batch.
        now = self.clock.now()
        if self._purged_at is not None and now - self._purged_at < _PURGE_EVERY:
            return 0
        self._purged_at = now
        try:
            return self.outbox.purge_sent(now - self.policy.retention, 1000)
        except OnboardingError:
            log.exception("sent entries could not be purged this time")
            return 0

    # --- for operators ----------------------------------------------------------------

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """The entries set aside, oldest first (at most ``limit``, up to 10,000)."""
        _check_batch_size(limit, "limit")
        return self.outbox.dead_letters(limit)

    def requeue(self, entry_ids: Sequence[str]) -> int:
        """Send dead letters again at the next run; how many were requeued."""
        if (
            isinstance(entry_ids, str | bytes)
            or not isinstance(entry_ids, Sequence)
            or len(entry_ids) > 10_000
            or not all(isinstance(i, str) and i.isprintable() for i in entry_ids)
        ):
            raise InvalidInput(field="entry_ids", expected="liste d'au plus 10 000 identifiants")
        return self.outbox.requeue(list(entry_ids), self.clock.now())


def _check_batch_size(value: object, field: str = "batch_size") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise InvalidInput(field=field, expected="nombre entier de 1 à 10 000")


class RelayWorker:
    """Runs a relay until told to stop: batch after batch, then a pause when the outbox is empty.

    :meth:`stop` (or SIGTERM/SIGINT, with :meth:`run_forever`'s caller
    wiring them) ends it between batches: nothing half-sent is abandoned.
    """

    def __init__(self, relay: OutboxRelay, *, interval: float = 5.0, batch_size: int = 100) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int | float):
            raise InvalidInput(field="interval", expected="durée en secondes de 0,01 à 3 600")
        if not 0.01 <= interval <= 3600:
            raise InvalidInput(field="interval", expected="durée en secondes de 0,01 à 3 600")
        _check_batch_size(batch_size)
        if not isinstance(relay, OutboxRelay):
            raise InvalidInput(field="relay", expected="OutboxRelay")
        self.relay = relay
        self.interval = float(interval)
        self.batch_size = batch_size
        self.totals = RelayReport()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stop(self) -> None:
        """Ask the worker to stop after the batch in hand."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def run_forever(self) -> RelayReport:
        """Deliver until :meth:`stop`; return the totals."""
        log.info("relay started (batch %d, interval %.2fs)", self.batch_size, self.interval)
        while not self._stop.is_set():
            started = time.monotonic()
            report = self.relay.run_once(self.batch_size)
            self._add(report)
            if report.claimed:
                log.info(
                    "sent %d, retried %d, set aside %d, released %d, purged %d in %.2fs",
                    report.sent,
                    report.retried,
                    report.set_aside,
                    report.released,
                    report.purged,
                    time.monotonic() - started,
                )
            # A full batch means more may be waiting: go on at once.
            if report.claimed < self.batch_size or report.retried or report.released:
                self._stop.wait(self.interval)
        log.info(
            "relay stopped: %d sent, %d retried, %d set aside in all",
            self.totals.sent,
            self.totals.retried,
            self.totals.set_aside,
        )
        return self.totals

    def _add(self, report: RelayReport) -> None:
        t = self.totals
        self.totals = RelayReport(
            sent=t.sent + report.sent,
            retried=t.retried + report.retried,
            set_aside=t.set_aside + report.set_aside,
            released=t.released + report.released,
            purged=t.purged + report.purged,
        )

    def start_thread(self) -> RelayWorker:
        """Run in a daemon thread beside the host; :meth:`close` stops and joins it."""
        if self._thread is not None:
            raise InvalidInput(field="worker", expected="relais non démarré")
        self._thread = threading.Thread(
            target=self.run_forever, name="chorus-onboarding-relay", daemon=True
        )
        self._thread.start()
        return self

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop and wait for the thread (if any) to finish its batch."""
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)
