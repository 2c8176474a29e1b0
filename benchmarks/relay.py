"""The outbox relay on SQLite and PostgreSQL, and full onboardings before and after it.

::

    python benchmarks/relay.py                 # full sizes, about 2 to 3 minutes
    python benchmarks/relay.py --quick         # small sizes, a smoke test
    python benchmarks/relay.py --postgres-url postgresql+psycopg://user@host/db
    python benchmarks/relay.py --before-src /path/to/previous/release/src
    python benchmarks/relay.py --now-src /path/to/another/release/src

``run.py`` runs it with the other benchmarks; run alone, it takes the same
options and prints its own table.

- **relay throughput**: N activation emails wait in the outbox (N accounts
  registered through the facade); :meth:`OutboxRelay.run_once` (batches of
  100) drains them into a local SMTP server (aiosmtpd), once with the
  library's batch session (:meth:`SmtpMailSender.session`: one connection for
  the whole batch) and once with a mail sender whose session sends every
  email over a connection of its own (:meth:`SmtpMailSender.send`), as one
  connection per email did. The same outbox rows are put back before each
  drain, and rounds alternate between the two: emails per second side by
  side, on each database.
- **full onboarding through the facade** on each database, this release
  against the previous one (use cases that sent their own emails), each run
  by ``sql_onboarding.py`` in a process of its own: onboardings per second,
  SQL statements and transactions per onboarding, step by step. This
  release's relay (which the flow runs to read the activation links) is
  counted apart from the use cases.

The SMTP server runs in a process of its own, as a real one would: in this
process its event loop would take the interpreter lock from the relay it
serves, and charge the relay for the server's work.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import persistence
import sql_onboarding
from harness import (
    CHILD_TIMEOUT_S,
    Result,
    Row,
    Settings,
    Unavailable,
    check_library,
    frozen_heap,
    previous_release,
    release_under_test,
    tree_environment,
    tree_origins,
)
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.engine import Engine

from chorus_onboarding.adapters.smtp import SmtpMailSender
from chorus_onboarding.adapters.sql import SqlUnitOfWork, schema
from chorus_onboarding.forms import ExistingStructureRegistration
from chorus_onboarding.ports import MailSession, OutgoingEmail
from chorus_onboarding.relay import OutboxRelay
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.testing.fakes import FrozenClock

TITLE = "the outbox relay: one SMTP connection per batch; full onboardings before and after"

FULL = Settings(accounts=100_000)
"""The default sizes, which the notes of a quick run quote."""

BATCH = 100
"""Entries per :meth:`OutboxRelay.run_once`, the relay worker's default batch."""
WARM_UP_EMAILS = 10
LOOPBACK = "127.0.0.1"
SENDER = "ne-pas-repondre@chorus-pro.gouv.fr"
HELO_NAME = "relay-bench.localhost"
"""The EHLO name, given so that no connection waits for a lookup of the machine's own name."""
SMTP_START_S = 20.0
"""How long the SMTP server may take to listen."""
PREVIOUS_RELEASE = "2e28a600af33d45361a764ec3bfcc553b6260344"
"""The last commit before the relay: use cases sent their emails, one connection each.

Without ``--before-src``, its ``src/chorus_onboarding`` is taken out of the
repository's history (``git archive``) into a temporary folder.
"""

SQLITE = persistence.SQLITE
POSTGRESQL = persistence.POSTGRESQL
BACKENDS = {SQLITE: "sqlite", POSTGRESQL: "postgresql"}
"""Database name in the rows → ``sql_onboarding.py --backend``."""
BATCHED = "batch session"
PER_EMAIL = "one connection per email"
DROPPED = "no mail server"
THIS, BEFORE = "this release", "previous release"
HERE = Path(__file__).resolve().parent

_NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


# --- the SMTP server -----------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on right now (the system picks it, then lets it go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_server() -> Iterator[int]:
    """An aiosmtpd server that accepts and drops every email, in a child process; its port.

    It is aiosmtpd's own command with its ``Sink`` handler: the server
    answers 250 to every message, and the relay counts an email as sent only
    on that answer.
    """
    if importlib.util.find_spec("aiosmtpd") is None:
        raise Unavailable("aiosmtpd not installed")
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
    server = subprocess.Popen(
        [*command, "-l", f"{LOOPBACK}:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + SMTP_START_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise Unavailable("the SMTP server did not start")
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


# --- the two ways to send ---------------------------------------------------------------


class _Counted:
    """A session that counts what it sends for its sender."""

    def __init__(self, sender: Mailer, session: MailSession) -> None:
        self._sender = sender
        self._session = session

    def send(self, email: OutgoingEmail) -> None:
        """Send through the wrapped session, then count the email."""
        self._session.send(email)
        self._sender.emails += 1


class _OwnConnection:
    """A session in name only: every email goes over a connection of its own."""

    def __init__(self, sender: Mailer) -> None:
        self._sender = sender

    def send(self, email: OutgoingEmail) -> None:
        """``SmtpMailSender.send``: connect, greet, send, quit, for this email alone."""
        self._sender.smtp.send(email)
        self._sender.connections += 1


class _Dropped:
    """A session that sends nothing: the relay's own cost, without a mail server.

    It keeps the emails, so that building their messages can be timed apart.
    """

    def __init__(self, kept: list[OutgoingEmail]) -> None:
        self._kept = kept

    def send(self, email: OutgoingEmail) -> None:
        """Keep ``email`` instead of sending it."""
        self._kept.append(email)


class Mailer:
    """A mail sender for the relay: one of the ways to send that are compared.

    ``BATCHED`` is the library's batch session (one connection a run),
    ``PER_EMAIL`` a connection for each email, ``DROPPED`` no mail server at
    all. All count the emails and connections, at the same small cost, so
    that every drain can be checked and the timings differ by the sending.
    """

    def __init__(self, smtp: SmtpMailSender, way: str) -> None:
        self.smtp = smtp
        self.way = way
        self.emails = 0
        self.connections = 0
        self.kept: list[OutgoingEmail] = []

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        """One connection for the batch (``SmtpMailSender.session``), one per email, or none."""
        if self.way == DROPPED:
            yield _Counted(self, _Dropped(self.kept))
        elif self.way == PER_EMAIL:
            yield _Counted(self, _OwnConnection(self))
        else:
            with self.smtp.session() as session:
                self.connections += 1
                yield _Counted(self, session)


# --- relay throughput -------------------------------------------------------------------


def registration(number: int) -> ExistingStructureRegistration:
    """An account registered alone: one outbox entry, the activation email, and nothing else.

    The structure is named by a foreign identifier, which registration does
    not look up: the account is created without an attachment (the person
    asks for one later), so every entry of the outbox is one email.
    """
    email = f"inscrit{number}@societe-genevoise.ch"
    return ExistingStructureRegistration(
        login_email=email,
        login_email_confirmation=email,
        last_name="MARTIN",
        first_name="Jean-Baptiste",
        captcha="XWWXS",
        identifier_type="HORS_UE",
        identifier=f"CHE-{100 + number // 1_000_000}.{number // 1000 % 1000:03d}."
        f"{number % 1000:03d}",
    )


def engine_of(service: OnboardingService) -> Engine:
    """The engine of a database-backed service."""
    uow = service.ports.unit_of_work()
    assert isinstance(uow, SqlUnitOfWork)
    return uow.engine


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every row of the outbox, as stored."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(schema.outbox))]


def put_back(database: persistence.Database, rows: Sequence[dict[str, Any]]) -> None:
    """The outbox as it was stored (every entry waiting), then the step after a bulk load.

    A drain updates every row twice (claimed, then sent): PostgreSQL is left
    with dead row versions, SQLite with a write-ahead log to copy back, which
    would weigh on the next drain. ``VACUUM ANALYZE`` and a checkpoint clear
    them, as autovacuum and SQLite's own checkpoints would between bursts.
    """
    with database.engine.begin() as connection:
        connection.execute(delete(schema.outbox))
        connection.execute(insert(schema.outbox), list(rows))
    if database.backend == POSTGRESQL:
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(text(f"VACUUM ANALYZE {schema.outbox.name}"))
    else:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass(slots=True)
class Drain:
    """One drain of the whole outbox by one relay."""

    ns: int
    emails: int
    connections: int
    statements: int
    transactions: int
    runs: int

    @property
    def per_second(self) -> float:
        """Emails sent per second over the drain."""
        return self.emails / (self.ns / 1e9)


@dataclass(slots=True)
class RelayFigures:
    """One database's drains: the best of each way of sending, and what registering took."""

    emails: int
    best: dict[str, Drain]
    register_s: float
    message_ns: int
    """Building and serializing the MIME messages of every email, as the SMTP session does."""


class Statements:
    """Counts an engine's statements and commits while it is listened to."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.commits = 0
        self._engine = engine

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    @contextlib.contextmanager
    def listening(self) -> Iterator[Statements]:
        """Count within the block."""
        event.listen(self._engine, "before_cursor_execute", self._statement)
        event.listen(self._engine, "commit", self._commit)
        try:
            yield self
        finally:
            event.remove(self._engine, "before_cursor_execute", self._statement)
            event.remove(self._engine, "commit", self._commit)


def drain(relay: OutboxRelay, mailer: Mailer, engine: Engine, expected: int) -> Drain:
    """Run the relay until the outbox is empty; timed with the collector on."""
    mailer.emails = mailer.connections = 0
    mailer.kept.clear()
    counter = Statements(engine)
    runs = 0
    with counter.listening():
        gc.collect()
        start = time.perf_counter_ns()
        while True:
            report = relay.run_once(BATCH)
            runs += 1
            assert report.sent == report.claimed, report
            if not report.claimed:
                break
        elapsed = time.perf_counter_ns() - start
    assert mailer.emails == expected, (mailer.emails, expected)
    return Drain(
        elapsed, mailer.emails, mailer.connections, counter.statements, counter.commits, runs
    )


def measure_relay(server: persistence.Server, port: int, settings: Settings) -> RelayFigures:
    """Register N accounts, keep their outbox rows, then drain them both ways, rounds alternating."""
    count = settings.relay_emails
    with persistence.fresh(server, "relay") as database:
        clock = FrozenClock(_NOW)
        service = database.service(clock)
        start = time.perf_counter()
        for number in range(count):
            service.register_for_existing_structure(registration(number))
        register_s = time.perf_counter() - start
        stored = outbox_rows(database.engine)
        assert len(stored) == count, (len(stored), count)
        smtp = SmtpMailSender(
            host=LOOPBACK, port=port, sender=SENDER, timeout=10.0, local_hostname=HELO_NAME
        )
        mailers = {way: Mailer(smtp, way) for way in (BATCHED, PER_EMAIL, DROPPED)}
        # The service's own relay, with another mail sender: the same outbox,
        # notifier, clock and units of work.
        relays = {
            name: OutboxRelay(
                outbox=service.ports.outbox,
                notifier=service.notifier,
                mailer=mailer,
                clock=service.ports.clock,
                unit_of_work=service.ports.unit_of_work,
            )
            for name, mailer in mailers.items()
        }
        engine = engine_of(service)
        for relay in relays.values():
            relay.run_once(WARM_UP_EMAILS)  # connections, compiled statements, templates
        best: dict[str, Drain] = {}
        with frozen_heap():
            for round_number in range(settings.relay_rounds):
                # Alternate the order: a slow spell hits each in turn.
                names = list(relays) if round_number % 2 == 0 else list(reversed(relays))
                for name in names:
                    put_back(database, stored)
                    took = drain(relays[name], mailers[name], engine, count)
                    if name not in best or took.ns < best[name].ns:
                        best[name] = took
            message_ns = time_messages(smtp, mailers[DROPPED].kept)
    return RelayFigures(count, best, register_s, message_ns)


def time_messages(smtp: SmtpMailSender, emails: Sequence[OutgoingEmail]) -> int:
    """Nanoseconds to build and serialize every email's message, no network (collector on).

    The batch session's ``send`` does the same before it writes to the socket
    (``smtplib`` serializes with a generator, as ``as_bytes`` does).
    """
    gc.collect()
    start = time.perf_counter_ns()
    for email in emails:
        smtp.build_message(email).as_bytes()
    return time.perf_counter_ns() - start


# --- full onboardings, before and after ----------------------------------------------------


def run_flow(source: Path, backend: str, url: str | None, flows: int) -> dict[str, Any]:
    """``sql_onboarding.py`` in a child process with ``source`` first on its path; its JSON."""
    command = [
        sys.executable,
        str(HERE / "sql_onboarding.py"),
        "--backend",
        BACKENDS[backend],
        "--flows",
        str(flows),
    ]
    if url is not None:
        command += ["--url", url]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=tree_environment(source),
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise Unavailable(f"no answer within {CHILD_TIMEOUT_S:.0f} s") from error
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise Unavailable(f"failed: {lines[-1] if lines else f'exit status {done.returncode}'}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    check_library(figures, source)
    return figures


@dataclass(frozen=True, slots=True)
class Flow:
    """One timed run of ``sql_onboarding.py``: per-onboarding figures."""

    flows: int
    wall_ms: float
    use_case_ms: float
    relay_ms: float
    steps_ms: tuple[float, ...]
    step_statements: tuple[float, ...]
    relay_point_ms: tuple[float, ...]
    relay_statements: tuple[float, ...]
    use_case_transactions: float
    relay_transactions: float
    verbs: dict[str, float]
    emails: float

    @classmethod
    def parse(cls, figures: dict[str, Any]) -> Flow:
        """Totals over the run → figures per onboarding."""
        n = int(figures["flows"])

        def each(values: Sequence[int], scale: float = 1.0) -> tuple[float, ...]:
            return tuple(value / n / scale for value in values)

        steps = each(figures["steps_ns"], 1e6)
        relay_points = each(figures["relay_ns"], 1e6)
        return cls(
            flows=n,
            wall_ms=figures["wall_ns"] / n / 1e6,
            use_case_ms=sum(steps),
            relay_ms=sum(relay_points),
            steps_ms=steps,
            step_statements=each(figures["step_statements"]),
            relay_point_ms=relay_points,
            relay_statements=each(figures["relay_statements"]),
            use_case_transactions=figures["use_case_transactions"] / n,
            relay_transactions=figures["relay_transactions"] / n,
            verbs={verb: count / n for verb, count in figures["verbs"].items()},
            emails=figures["emails"] / n,
        )

    @property
    def statements(self) -> float:
        """Use cases' statements per onboarding."""
        return sum(self.step_statements)

    @property
    def relay_statement_total(self) -> float:
        """The relay's statements per onboarding."""
        return sum(self.relay_statements)


@dataclass(slots=True)
class Flows:
    """Each side's best run on one database (by the time of its use cases and relay)."""

    best: dict[str, Flow] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def keep(self, side: str, flow: Flow) -> None:
        """Keep ``flow`` if it is this side's fastest so far."""
        kept = self.best.get(side)
        if kept is None or flow.use_case_ms + flow.relay_ms < kept.use_case_ms + kept.relay_ms:
            self.best[side] = flow


def measure_flows(
    backends: dict[str, str | None], sources: dict[str, Path], settings: Settings
) -> dict[str, Flows]:
    """Both releases on every database, runs alternating (this release first, then second).

    ``sources`` maps each side to its ``src`` folder; a side left out is not run.
    """
    results = {backend: Flows() for backend in backends}
    for run_number in range(settings.sql_flow_runs):
        sides = list(sources) if run_number % 2 == 0 else list(reversed(sources))
        for backend, url in backends.items():
            for side in sides:
                if side in results[backend].missing:
                    continue
                try:
                    figures = run_flow(sources[side], backend, url, settings.sql_flows)
                except Unavailable as reason:
                    results[backend].missing[side] = str(reason)
                    continue
                results[backend].keep(side, Flow.parse(figures))
    return results


# --- the result ----------------------------------------------------------------------


def _relay_rows(
    figures: dict[str, RelayFigures], missing: dict[str, str], settings: Settings
) -> list[Row]:
    section = (
        f"outbox relay: {settings.relay_emails:,} activation emails, run_once({BATCH}) until "
        f"empty, into a local SMTP server (best of {settings.relay_rounds}); "
        f"reference: {PER_EMAIL}"
    )
    rows: list[Row] = []
    for name in (SQLITE, POSTGRESQL):
        if name in missing:
            rows.append(Row(section, name, "", None, note=f"not run: {missing[name]}"))
            continue
        f = figures[name]
        batched, single, dropped = f.best[BATCHED], f.best[PER_EMAIL], f.best[DROPPED]
        rows += [
            Row(
                section,
                f"{name}: emails per second",
                "/s",
                batched.per_second,
                single.per_second,
                decimals=0,
                rate=True,
            ),
            Row(
                section,
                f"{name}: per email",
                "µs",
                batched.ns / batched.emails / 1000,
                single.ns / single.emails / 1000,
                decimals=0,
                note="relay and SMTP together",
            ),
            Row(
                section,
                f"{name}: per email, the relay alone",
                "µs",
                dropped.ns / dropped.emails / 1000,
                decimals=0,
                note="the same drain, emails dropped instead of sent: the database's part",
            ),
            Row(
                section,
                f"{name}: per email, its MIME message alone",
                "µs",
                f.message_ns / f.emails / 1000,
                decimals=0,
                note="SmtpMailSender.build_message(email).as_bytes(), no network",
            ),
            Row(
                section,
                f"{name}: SMTP connections opened",
                "",
                batched.connections,
                single.connections,
                decimals=0,
            ),
            Row(
                section,
                f"{name}: SQL statements per email (relay)",
                "",
                batched.statements / batched.emails,
                note=f"{batched.transactions / batched.emails * BATCH:,.1f} transactions "
                f"per {BATCH} emails; the same with either session",
            ),
        ]
    return rows


def _flow_rows(name: str, flows: Flows | None, reason: str, settings: Settings) -> list[Row]:
    section = (
        f"full onboarding through the facade, {name} ({settings.sql_flows:,} a run, "
        f"best of {settings.sql_flow_runs}); reference: the {BEFORE}"
    )
    if flows is None or THIS not in flows.best:
        why = reason or (flows.missing.get(THIS, "") if flows else "")
        return [Row(section, name, "", None, note=f"not run: {why}")]
    after = flows.best[THIS]
    before = flows.best.get(BEFORE)
    no_before = f"{BEFORE} not run: {flows.missing.get(BEFORE, '')}" if before is None else ""

    def anchor(value: Callable[[Flow], float]) -> float | None:
        return None if before is None else value(before)

    rows = [
        Row(
            section,
            "onboardings per second, use cases + relay",
            "/s",
            1000 / (after.use_case_ms + after.relay_ms),
            anchor(lambda f: 1000 / f.use_case_ms),
            note=no_before
            or f"previous: its use cases sent their own emails; emails an onboarding: "
            f"{after.emails:,.0f} vs {before.emails if before else 0:,.0f}",
            decimals=1,
            rate=True,
        ),
        Row(
            section,
            "onboardings per second, use cases alone",
            "/s",
            1000 / after.use_case_ms,
            anchor(lambda f: 1000 / f.use_case_ms),
            note="the relay left to a worker",
            decimals=1,
            rate=True,
        ),
        Row(
            section,
            "per onboarding: use cases",
            "ms",
            after.use_case_ms,
            anchor(lambda f: f.use_case_ms),
        ),
        Row(
            section,
            "per onboarding: relay (3 runs)",
            "ms",
            after.relay_ms,
            note="run where the flow reads a link, and at the end",
        ),
        Row(
            section,
            "SQL statements per onboarding: use cases",
            "",
            after.statements,
            anchor(lambda f: f.statements),
            decimals=1,
            note=_verbs(after.verbs, ""),
        ),
        Row(
            section,
            "SQL statements per onboarding: relay",
            "",
            after.relay_statement_total,
            decimals=1,
            note=_verbs(after.verbs, "relay "),
        ),
        Row(
            section,
            "SQL statements per onboarding: all",
            "",
            after.statements + after.relay_statement_total,
            anchor(lambda f: f.statements),
            decimals=1,
            note="" if before is None else f"previous: {_verbs(before.verbs, '')}",
        ),
        Row(
            section,
            "transactions per onboarding: all",
            "",
            after.use_case_transactions + after.relay_transactions,
            anchor(lambda f: f.use_case_transactions),
            decimals=1,
            note=f"use cases {after.use_case_transactions:,.1f}, "
            f"relay {after.relay_transactions:,.1f}",
        ),
    ]
    for number, step in enumerate(sql_onboarding.STEPS):
        rows.append(
            Row(
                section,
                f"statements: {step}",
                "",
                after.step_statements[number],
                None if before is None else before.step_statements[number],
                decimals=0,
                note=f"{after.steps_ms[number]:,.2f} ms"
                + ("" if before is None else f" vs {before.steps_ms[number]:,.2f} ms"),
            )
        )
    for number, point in enumerate(sql_onboarding.RELAY_POINTS):
        rows.append(
            Row(
                section,
                f"statements: relay {point}",
                "",
                after.relay_statements[number],
                decimals=0,
                note=f"{after.relay_point_ms[number]:,.2f} ms",
            )
        )
    return rows


def _verbs(verbs: dict[str, float], prefix: str) -> str:
    words = (*sql_onboarding.VERBS, "other")
    shown = [f"{verbs[prefix + word]:,.0f} {word}" for word in words if verbs.get(prefix + word)]
    return ", ".join(shown)


def run(settings: Settings) -> Result:
    """Relay throughput on every database, then full onboardings before and after."""
    relay: dict[str, RelayFigures] = {}
    with persistence.servers(settings) as (found, missing_databases):
        relay_missing = dict(missing_databases)
        described = [server.description for server in found]
        try:
            with smtp_server() as port:
                for server in found:
                    relay[server.name] = measure_relay(server, port, settings)
        except Unavailable as reason:
            relay_missing.update(dict.fromkeys((server.name for server in found), str(reason)))
    gc.collect()
    backends: dict[str, str | None] = {SQLITE: None}
    if POSTGRESQL not in missing_databases:
        backends[POSTGRESQL] = settings.postgres_url
    sources: dict[str, Path] = {}
    missing_sides: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        try:
            sources[THIS] = release_under_test(settings)
        except Unavailable as reason:
            missing_sides[THIS] = str(reason)
        try:
            sources[BEFORE] = stack.enter_context(previous_release(settings, PREVIOUS_RELEASE))
        except Unavailable as reason:
            missing_sides[BEFORE] = str(reason)
        flows = measure_flows(backends, sources, settings)
    for results in flows.values():
        results.missing.update(missing_sides)
    rows = _relay_rows(relay, relay_missing, settings)
    for name in (SQLITE, POSTGRESQL):
        rows += _flow_rows(name, flows.get(name), missing_databases.get(name, ""), settings)
    notes = [f"databases: {'; '.join(described)}."]
    notes += [f"{name} not run: {reason}." for name, reason in missing_databases.items()]
    notes.append(_relay_note(relay, settings))
    notes.append(_flow_note(sources, missing_sides, settings))
    if settings.quick:
        notes.append(
            f"quick mode: {settings.relay_emails:,} emails (full: {FULL.relay_emails:,}), "
            f"{settings.sql_flows:,} onboardings a run (full: {FULL.sql_flows:,}), "
            f"one round each."
        )
    return Result(
        TITLE,
        tuple(rows),
        (),
        tuple(notes),
        anchor_name="reference",
        scale=f"{settings.relay_emails:,} emails through the relay; {settings.sql_flows:,} "
        "onboardings a run on each database, this release and the previous one",
    )


def _relay_note(figures: dict[str, RelayFigures], settings: Settings) -> str:
    registered = "; ".join(f"{name} {f.register_s:,.1f} s" for name, f in figures.items())
    return (
        f"relay: {settings.relay_emails:,} accounts registered through the facade "
        "(register_for_existing_structure, a foreign identifier: the account alone, one "
        f"outbox entry and one activation email each; {registered or 'not run'}); their outbox "
        "rows are kept and put back before every drain (then VACUUM ANALYZE / a WAL "
        "checkpoint). Each drain is OutboxRelay.run_once(100) until it claims nothing, on the "
        "service's outbox, notifier and units of work, the collector on; the batch session "
        "is SmtpMailSender.session() (one connection a run), the reference a session whose "
        "send() is SmtpMailSender.send() (connect, EHLO, MAIL, RCPT, DATA, QUIT for each "
        "email); 'the relay alone' drains the same rows with a session that drops every "
        "email (no MIME message, no network). The server: aiosmtpd's Sink handler in a process of its own on the loopback "
        f"interface; EHLO name {HELO_NAME}. Rounds alternate the order of the drains."
    )


def _flow_note(sources: dict[str, Path], missing: dict[str, str], settings: Settings) -> str:
    origin = tree_origins(THIS, BEFORE, sources, missing, settings, PREVIOUS_RELEASE)
    return (
        "onboarding: sql_onboarding.py in a process of its own for each run and side, "
        "PYTHONPATH set to the package's folder (" + origin + "); a fresh database each "
        f"run, {sql_onboarding.WARM_UP_FLOWS} untimed onboardings first, FastInsecureHasher, "
        "FrozenClock, a MemoryMailbox and a company register knowing every SIRET; the "
        "collector on. The previous release delivered inside each use case, so its steps "
        "include their emails. This release runs the relay (deliver_notifications()) after "
        "each registration, to read the activation link, and after the last step: three "
        "runs an onboarding, where a worker would share each run between many. Statements: "
        "every cursor execute (executemany once; commits are counted as transactions); the "
        "per-step figures are the same in every onboarding. The ratio of the per-second rows "
        "is this release over the previous one; of the others, the previous over this one."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone, with ``run.py``'s options, and print its table."""
    import run as runner  # the runner imports this module: imported here, not at the top

    return runner.main(argv, (run,), prog="benchmarks/relay.py")


if __name__ == "__main__":
    sys.exit(main())
