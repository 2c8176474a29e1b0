"""Persistence on SQLite and PostgreSQL: registrations, access checks and the expiry batch.

Every figure is measured on SQLite (a file in a temporary folder) and on
PostgreSQL (a schema of its own on the server of ``--postgres-url``,
``$CHORUS_BENCH_POSTGRES_URL`` or ``$CHORUS_TEST_POSTGRES_URL``, created for
the run and dropped afterwards; without a server the PostgreSQL rows say
"not run", which never fails the run):

- **registrations**: ``register_with_new_structure`` through the facade
  (``OnboardingService.sqlite`` / ``from_url`` with :class:`FastInsecureHasher`,
  a :class:`FrozenClock` and a :class:`MemoryMailbox` emptied every 100
  registrations), structures named by a HORS_UE identifier with a typed
  company name and address; registrations per second on a fresh database.
- **can_access**: µs per call on a store of the shape of
  ``access_and_throughput`` (blocks of 50 users and 5 structures, 2 validated
  subscriptions per user and structure), written **directly** to the tables
  (one INSERT per table and batch, rows as the unit of work writes them), then
  read through the facade; the in-memory wiring on the same store for
  comparison.
- **expiry batch**: ``expire_overdue_activations()`` over 1,000,000 accounts
  pending activation, exactly 1% past their deadline (the issue's target:
  under 10 s); over a table of a tenth of the size with the same overdue
  accounts (a batch proportional to the expired accounts takes the same time,
  one proportional to the table ten times as long); then, on the large table
  again, twice as many more overdue accounts (proportional: twice the time).
  The tables are written directly with bulk INSERTs of the rows
  ``SqlUnitOfWork`` would write for accounts made by ``Account.register`` and
  ``issue_activation``.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import access_and_throughput as shape
from harness import Result, Row, Settings, Target, frozen_heap, gc_paused
from sqlalchemy import Table, create_engine, delete, event, insert, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.adapters.sql import SqlUnitOfWork, codec, prepare, schema
from chorus_onboarding.adapters.sql import sqlite_engine as library_sqlite_engine
from chorus_onboarding.adapters.sql import url_engine as library_url_engine
from chorus_onboarding.adapters.sql.uow import _columns
from chorus_onboarding.domain.accounts import Account
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.tokens import IssuedToken
from chorus_onboarding.forms import NewStructureRegistration
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.settings import OnboardingSettings
from chorus_onboarding.testing.fakes import FrozenClock

TITLE = "persistence on SQLite and PostgreSQL: registrations, can_access, the expiry batch"

FULL = Settings(accounts=100_000)
"""The default sizes, which the notes of a quick run quote."""

EXPIRY_LIMIT_S = 10.0
"""The issue's target: the expiry batch over 1,000,000 accounts, 1% overdue, under 10 s."""
EXPIRY_TARGET_ACCOUNTS = 1_000_000
"""The table size the 10 s target is set for."""
SAME_WITHIN = 1.5
"""Proportionality: the batch on a table 10× as large, same overdue accounts, at most 1.5×."""
OVERDUE_EVERY = 100
"""One account in 100 is past its deadline."""
SMALL_TABLE_FRACTION = 10
"""The smaller expiry table holds a tenth of the accounts, and the same overdue ones."""
INSERT_BATCH = 10_000
"""Rows per bulk INSERT (one transaction each)."""
EMPTY_MAILBOX_EVERY = 100
WARM_UP_REGISTRATIONS = 5
WARM_UP_CALLS = 20
NO_SERVER = "no server"
ROUND_TRIPS = 200
"""``SELECT 1`` round trips timed to tell how far the PostgreSQL server is."""

SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"

_NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
_VALIDITY = OnboardingSettings().activation_validity
_BATCH = OnboardingSettings().expiry_batch_size
_EXPIRING = 0xE4A  # kind of id of the expiry tables' accounts (see shape.entity_id)
_NAMES = (
    ("Louise", "GALFE"),
    ("Jean-Baptiste", "MARTIN"),
    ("Hélène", "DUBOIS-LEFÈVRE"),
    ("Camille", "ROUSSEAU"),
    ("Mathis", "NGUYEN"),
)

# --- databases -------------------------------------------------------------------


class Unavailable(Exception):
    """A server that cannot be used; the message goes in the rows ("not run: ...")."""


OpenService = Callable[[FrozenClock, MemoryMailbox], OnboardingService]


@dataclass(slots=True)
class Database:
    """One fresh database: an engine for direct writes, and facade services on it.

    ``name`` is what its server knows it by: the SQLite file's path, the
    PostgreSQL schema's name.
    """

    backend: str
    name: str
    engine: Engine
    open_service: OpenService
    services: list[OnboardingService] = field(default_factory=list)

    def service(self, clock: FrozenClock, mailer: MemoryMailbox | None = None) -> OnboardingService:
        """A facade service on this database (built by the library's factory)."""
        made = self.open_service(clock, mailer or MemoryMailbox())
        self.services.append(made)
        return made

    def dispose(self) -> None:
        """Close every connection of the services' engines and of the direct engine."""
        for service in self.services:
            uow = service.ports.unit_of_work()
            if isinstance(uow, SqlUnitOfWork):
                uow.engine.dispose()
        self.services.clear()
        self.engine.dispose()


class Server(Protocol):
    """Where fresh databases come from: a folder of SQLite files, or a PostgreSQL server."""

    name: str
    description: str
    after_load: str
    """What :meth:`after_bulk_load` does, for the notes."""

    def database(self, label: str) -> Database:
        """A new, empty database with the library's schema."""
        ...

    def drop(self, database: Database) -> None:
        """Dispose of the database's connections and delete it."""
        ...

    def after_bulk_load(self, database: Database) -> None:
        """What follows a bulk load before the timings (SQLite: a WAL checkpoint; PostgreSQL:
        ``VACUUM ANALYZE``)."""
        ...

    def explain(self, database: Database, statement: str, parameters: Any) -> str:
        """The plan of ``statement`` as the database reports it, on one line."""
        ...


class SqliteServer:
    """SQLite files in a temporary folder, opened by ``OnboardingService.sqlite``."""

    name = SQLITE
    after_load = "WAL checkpoint"

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._numbers = itertools.count(1)
        self.description = f"SQLite {sqlite3.sqlite_version}, files in a temporary folder"

    def database(self, label: str) -> Database:
        """A new file, with its schema."""
        path = self._folder / f"{label}-{next(self._numbers)}.sqlite3"
        engine = prepare(library_sqlite_engine(path))

        def open_service(clock: FrozenClock, mailer: MemoryMailbox) -> OnboardingService:
            return OnboardingService.sqlite(
                path, clock=clock, hasher=FastInsecureHasher(), mailer=mailer, demo_ports=True
            )

        return Database(SQLITE, str(path), engine, open_service)

    def drop(self, database: Database) -> None:
        """Close its connections and delete the file (and its WAL files)."""
        database.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(database.name + suffix).unlink(missing_ok=True)

    def after_bulk_load(self, database: Database) -> None:
        """Checkpoint the write-ahead log, so that no timed commit copies the load into the file.

        No ``ANALYZE``: the library runs none on SQLite.
        """
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def explain(self, database: Database, statement: str, parameters: Any) -> str:
        """``EXPLAIN QUERY PLAN``, its details joined."""
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "; ".join(str(row[-1]) for row in rows)


class PostgresServer:
    """A PostgreSQL server: each database is a schema of its own, dropped afterwards.

    The library's URL-based factory is given the server's URL with
    ``options=-csearch_path=<schema>``, so every connection of the run works
    in its own schema and nothing else in the database is read or touched.
    """

    name = POSTGRESQL
    after_load = "VACUUM ANALYZE"

    def __init__(self, url: str) -> None:
        try:
            self._url = make_url(url)
            self._admin = create_engine(self._url)
            with self._admin.connect() as connection:
                found = connection.execute(text("SHOW server_version")).scalar_one()
                round_trip = _round_trip_us(connection)
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
            raise Unavailable(f"unusable URL ({type(error).__name__})") from error
        except DBAPIError as error:
            raise Unavailable(f"no server at {self._shown()}") from error
        self._numbers = itertools.count(1)
        self.description = (
            f"PostgreSQL {str(found).split()[0]} at {self._shown()}, "
            "in schemas of its own, dropped afterwards; a round trip (SELECT 1 on the "
            f"driver's cursor, median of {ROUND_TRIPS}) takes {round_trip:,.0f} µs"
        )

    def _shown(self) -> str:
        return self._url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close the connections used to create and drop schemas."""
        self._admin.dispose()

    def database(self, label: str) -> Database:
        """A new schema, with the library's tables."""
        name = f"chorus_bench_{os.getpid()}_{label}_{next(self._numbers)}"
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        options = self._url.query.get("options", "")
        if not isinstance(options, str):
            options = " ".join(options)
        in_schema = self._url.update_query_dict(
            {"options": f"{options} -csearch_path={name}".strip()}
        ).render_as_string(hide_password=False)
        engine = prepare(library_url_engine(in_schema))

        def open_service(clock: FrozenClock, mailer: MemoryMailbox) -> OnboardingService:
            return OnboardingService.from_url(
                in_schema, clock=clock, hasher=FastInsecureHasher(), mailer=mailer, demo_ports=True
            )

        return Database(POSTGRESQL, name, engine, open_service)

    def drop(self, database: Database) -> None:
        """Close its connections and drop its schema."""
        database.dispose()
        with self._admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{database.name}" CASCADE'))

    def after_bulk_load(self, database: Database) -> None:
        """``VACUUM ANALYZE`` the accounts, as autovacuum would soon after a bulk load."""
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(text(f"VACUUM ANALYZE {schema.accounts.name}"))

    def explain(self, database: Database, statement: str, parameters: Any) -> str:
        """``EXPLAIN (COSTS OFF)``, its lines joined."""
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters)
            return "; ".join(str(row[0]).strip().lstrip("->").strip() for row in rows)


def _round_trip_us(connection: Connection) -> float:
    """Median µs of ``SELECT 1`` on the driver's own cursor: what every statement costs at least."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    timings = []
    for _ in range(ROUND_TRIPS):
        start = time.perf_counter_ns()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        timings.append(time.perf_counter_ns() - start)
    cursor.close()
    connection.rollback()
    return statistics.median(timings) / 1000


@contextmanager
def servers(settings: Settings) -> Iterator[tuple[list[Server], dict[str, str]]]:
    """The servers to measure on, and why any is left out (its name → the reason)."""
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as folder:
        found: list[Server] = [SqliteServer(Path(folder))]
        missing: dict[str, str] = {}
        postgres: PostgresServer | None = None
        if settings.postgres_url:
            try:
                postgres = PostgresServer(settings.postgres_url)
            except Unavailable as reason:
                missing[POSTGRESQL] = str(reason)
            else:
                found.append(postgres)
        else:
            missing[POSTGRESQL] = NO_SERVER
        try:
            yield found, missing
        finally:
            if postgres is not None:
                postgres.close()


@contextmanager
def fresh(server: Server, label: str) -> Iterator[Database]:
    """A new database on ``server``, deleted on the way out."""
    database = server.database(label)
    try:
        yield database
    finally:
        server.drop(database)


def stored_row(entity: Any) -> dict[str, Any]:
    """The row ``SqlUnitOfWork`` inserts for a new entity: id, indexed columns, version 1, document."""
    return {"id": entity.id, **_columns(entity), "version": 1, "document": codec.dump(entity)}


def insert_rows(database: Database, rows: dict[Table, list[dict[str, Any]]]) -> int:
    """One bulk INSERT per table (executemany), in one transaction; nanoseconds taken."""
    start = time.perf_counter_ns()
    with database.engine.begin() as connection:
        for table, table_rows in rows.items():
            if table_rows:
                connection.execute(insert(table), table_rows)
    return time.perf_counter_ns() - start


# --- registrations per second ----------------------------------------------------


def registration_forms(numbers: range) -> list[NewStructureRegistration]:
    """Registrations of new structures outside the EU, every field typed, one per number.

    Each has its own login email and identifier (shaped like a Swiss UID).
    """
    forms = []
    for number in numbers:
        first, last = _NAMES[number % len(_NAMES)]
        email = f"inscription{number}@societe-genevoise.ch"
        forms.append(
            NewStructureRegistration(
                login_email=email,
                login_email_confirmation=email,
                last_name=last,
                first_name=first,
                captcha="XWWXS",
                identifier_type="HORS_UE",
                identifier=f"CHE-{100 + number // 1_000_000}.{number // 1000 % 1000:03d}."
                f"{number % 1000:03d}",
                company_name=f"Société Genevoise {number}",
                street=f"{number % 200 + 1} rue du Rhône",
                postal_code="1204",
                city="Genève",
                country="CH",
            )
        )
    return forms


@dataclass(frozen=True, slots=True)
class Registrations:
    """One timed run of N registrations on a fresh database."""

    count: int
    wall_ns: int
    first_half_ns: int

    @property
    def per_second(self) -> float:
        """Registrations per second over the run."""
        return self.count / (self.wall_ns / 1e9)


def measure_registrations(server: Server, count: int) -> Registrations:
    """N registrations through the facade on a fresh database (GC on, heap frozen)."""
    forms = registration_forms(range(count))
    with fresh(server, "registrations") as database:
        mailbox = MemoryMailbox()
        service = database.service(FrozenClock(_NOW), mailbox)
        warm_up = range(count, count + WARM_UP_REGISTRATIONS)
        for form in registration_forms(warm_up):
            service.register_with_new_structure(form)
        mailbox.sent.clear()
        half = count // 2
        first_half = 0
        with frozen_heap():
            gc.collect()
            start = time.perf_counter_ns()
            for number, form in enumerate(forms):
                if number == half:
                    first_half = time.perf_counter_ns() - start
                service.register_with_new_structure(form)
                if number % EMPTY_MAILBOX_EVERY == EMPTY_MAILBOX_EVERY - 1:
                    mailbox.sent.clear()
            wall = time.perf_counter_ns() - start
    return Registrations(count, wall, first_half)


# --- can_access on a store written directly ---------------------------------------


def block_rows(block: shape.Block) -> dict[Table, list[dict[str, Any]]]:
    """A block's rows for every table, as the unit of work's commit writes them."""
    structures = block.structures
    return {
        schema.accounts: [stored_row(account) for account in block.accounts],
        schema.structures: [stored_row(structure) for structure in structures],
        schema.structure_managers: [
            {"structure_id": structure.id, "account_id": who}
            for structure in structures
            for who in sorted({structure.principal_manager_id, *structure.managers})
        ],
        schema.attachments: [stored_row(attachment) for attachment in block.attachments],
        schema.subscriptions: [stored_row(subscription) for subscription in block.subscriptions],
    }


@dataclass(frozen=True, slots=True)
class AccessFigures:
    """µs per can_access call on each backend (and in memory), and the store's size."""

    us: dict[str, float]
    memory_us: float
    accounts: int
    structures: int
    attachments: int
    subscriptions: int
    calls: int
    rounds: int
    insert_s: dict[str, float]


def measure_access(found: Sequence[Server], settings: Settings) -> AccessFigures:
    """Write the store to every database, then time the same calls on each, rounds interleaved."""
    blocks = settings.sql_store_blocks
    hasher = FastInsecureHasher()
    counts = [0, 0, 0, 0]
    inserted_ns = dict.fromkeys((server.name for server in found), 0)
    with ExitStack() as stack:
        databases = [stack.enter_context(fresh(server, "access")) for server in found]
        pending: dict[Table, list[dict[str, Any]]] = {}
        for number in range(blocks):
            built = shape.build_block(number, hasher)
            counts[0] += len(built.accounts)
            counts[1] += len(built.structures)
            counts[2] += len(built.attachments)
            counts[3] += len(built.subscriptions)
            for table, rows in block_rows(built).items():
                pending.setdefault(table, []).extend(rows)
            if sum(map(len, pending.values())) >= INSERT_BATCH or number == blocks - 1:
                for database in databases:
                    inserted_ns[database.backend] += insert_rows(database, pending)
                pending = {}
        memory_store = MemoryStore()
        shape.populate(memory_store, blocks)
        in_memory = OnboardingService.in_memory(
            store=memory_store, clock=FrozenClock(_NOW), hasher=hasher
        )
        calls, granted = shape.calls_for(shape.spread_pairs(blocks, settings.sql_access_pairs), 1)
        series = [(d.backend, d.service(FrozenClock(_NOW))) for d in databases]
        series.append(("memory", in_memory))
        best = dict.fromkeys((name for name, _ in series), float("inf"))
        with frozen_heap():
            for _, service in series:
                shape.time_calls(service, calls[:WARM_UP_CALLS])
            for _ in range(settings.sql_rounds):
                for name, service in series:
                    with gc_paused():
                        elapsed, answered = shape.time_calls(service, calls)
                    assert answered == granted, (name, answered, granted)
                    best[name] = min(best[name], elapsed / len(calls) / 1000)
    memory_us = best.pop("memory")
    return AccessFigures(
        us=best,
        memory_us=memory_us,
        accounts=counts[0],
        structures=counts[1],
        attachments=counts[2],
        subscriptions=counts[3],
        calls=len(calls),
        rounds=settings.sql_rounds,
        insert_s={name: ns / 1e9 for name, ns in inserted_ns.items()},
    )


# --- the expiry batch --------------------------------------------------------------


@functools.cache
def _drawn_ranks(accounts: int, drawn: int) -> dict[int, int]:
    # Fixed seed: the same positions every time the table is built.
    positions = random.Random(accounts).sample(range(accounts), drawn)
    return {position: rank for rank, position in enumerate(positions)}


@dataclass(frozen=True, slots=True)
class ExpiryTable:
    """A table of accounts pending activation, some past their deadline at the clocks below.

    Every account registered at ``_NOW`` plus its *rank* in seconds, and its
    link expires ``_VALIDITY`` later. The ``overdue`` accounts of rank
    0 … overdue-1 (placed at random positions of the table, fixed seed) are
    past their deadline at :attr:`first_clock`; at :attr:`second_clock`, the
    ``more`` accounts of the next ranks are too. Every other account's rank
    follows its position, after all of those: later in the table, later
    deadline.
    """

    label: str
    accounts: int
    overdue: int
    more: int

    def ranks(self) -> dict[int, int]:
        """Position in the table → rank, for the overdue and the "more" accounts."""
        return _drawn_ranks(self.accounts, self.overdue + self.more)

    def rank(self, position: int, ranks: dict[int, int]) -> int:
        """The rank of the account at ``position``."""
        return ranks.get(position, self.overdue + self.more + position)

    def rows(self, start: int) -> tuple[list[dict[str, Any]], int]:
        """The stored rows of positions ``start`` … ``start + INSERT_BATCH``, and the ns taken."""
        began = time.perf_counter_ns()
        ranks = self.ranks()
        rows = [
            expiring_row(position, self.rank(position, ranks))
            for position in range(start, min(start + INSERT_BATCH, self.accounts))
        ]
        return rows, time.perf_counter_ns() - began

    def overdue_rows(self) -> list[dict[str, Any]]:
        """The stored rows of the accounts overdue at :attr:`first_clock`."""
        ranks = self.ranks()
        return [
            expiring_row(position, rank) for position, rank in ranks.items() if rank < self.overdue
        ]

    def _clock(self, overdue: int) -> datetime:
        # Half a second before the deadline of rank ``overdue``: ranks below it are past.
        return _NOW + _VALIDITY + timedelta(seconds=overdue - 0.5)

    @property
    def first_clock(self) -> datetime:
        """When exactly ``overdue`` accounts are past their deadline."""
        return self._clock(self.overdue)

    @property
    def second_clock(self) -> datetime:
        """When ``more`` further accounts are past their deadline."""
        return self._clock(self.overdue + self.more)


def expiring_row(number: int, rank: int) -> dict[str, Any]:
    """The stored row of an account registered ``rank`` seconds after ``_NOW``, link emailed."""
    created = _NOW + timedelta(seconds=rank)
    first, last = _NAMES[number % len(_NAMES)]
    account = Account.register(
        account_id=shape.entity_id(_EXPIRING, number),
        login_email=EmailAddress(f"inscrit{number}@exemple-sarl.fr"),
        last_name=last,
        first_name=first,
        contact_email=None,
        survey_consent=False,
        now=created,
    )
    digest = hashlib.sha256(f"jeton-{number}".encode()).hexdigest()
    account.issue_activation(
        IssuedToken(link_id=f"jeton-{number}", digest=digest), created, _VALIDITY
    )
    account.pull_events()  # the activation emails went out when they registered
    return stored_row(account)


@dataclass(slots=True)
class Build:
    """What writing the expiry tables cost (time per backend, rows generated)."""

    accounts: int = 0
    generate_ns: int = 0
    insert_ns: dict[str, int] = field(default_factory=dict)
    after_ns: dict[str, int] = field(default_factory=dict)
    after_what: dict[str, str] = field(default_factory=dict)


def build_table(
    table: ExpiryTable, databases: Sequence[Database], servers: Sequence[Server], build: Build
) -> None:
    """Make the table's rows a batch at a time and insert each batch into every database.

    Then the step an operator runs after a bulk load. The rows are made once
    for all the databases.
    """
    for start in range(0, table.accounts, INSERT_BATCH):
        rows, made_ns = table.rows(start)
        build.generate_ns += made_ns
        build.accounts += len(rows)
        for database in databases:
            took = insert_rows(database, {schema.accounts: rows})
            build.insert_ns[database.backend] = build.insert_ns.get(database.backend, 0) + took
    for server, database in zip(servers, databases, strict=True):
        began = time.perf_counter_ns()
        server.after_bulk_load(database)
        took = time.perf_counter_ns() - began
        build.after_ns[database.backend] = build.after_ns.get(database.backend, 0) + took
        build.after_what[database.backend] = server.after_load


def overdue_plan(server: Server, database: Database, now: datetime) -> str:
    """The plan of the library's own overdue query (captured as it runs), on one line."""
    captured: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        _connection, _cursor, statement, parameters, _context, _many = args
        captured.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with SqlUnitOfWork(database.engine) as uow:
            uow.accounts.overdue_activations(now, _BATCH)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    statement, parameters = next(
        (sql, params) for sql, params in captured if "activation_deadline" in sql
    )
    return server.explain(database, statement, parameters)


def restore(database: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Put these accounts back as they were stored (pending activation), for another run."""
    table = schema.accounts
    ids = [row["id"] for row in rows]
    with database.engine.begin() as connection:
        for start in range(0, len(ids), 1000):
            connection.execute(delete(table).where(table.c.id.in_(ids[start : start + 1000])))
        connection.execute(insert(table), list(rows))


@dataclass(slots=True)
class Batch:
    """A service on one expiry table, with the clock it reads; warmed up when made."""

    server: Server
    database: Database
    clock: FrozenClock
    service: OnboardingService

    @classmethod
    def on(cls, server: Server, database: Database) -> Batch:
        """A service on ``database``, warmed up by one untimed batch with nothing overdue.

        The clock stands before every deadline: the call opens connections and
        compiles the overdue query, and expires nothing.
        """
        clock = FrozenClock(_NOW)
        batch = cls(server, database, clock, database.service(clock))
        assert batch.service.expire_overdue_activations() == 0
        return batch

    def time(
        self, at: datetime, expected: int, runs: int, originals: Sequence[dict[str, Any]]
    ) -> float:
        """The best of ``runs`` timings (s) of ``expire_overdue_activations()`` at ``at``.

        Each run must expire ``expected`` accounts; before each run but the
        first, the ``originals`` (the rows of the accounts it expires) are put
        back, and the step that follows a bulk load is run again (the rows
        put back would otherwise weigh on the next run: WAL to checkpoint,
        dead row versions).
        """
        self.clock.set(at)
        best = float("inf")
        for run in range(runs):
            if run:
                restore(self.database, originals)
                self.server.after_bulk_load(self.database)
            gc.collect()
            start = time.perf_counter()
            expired = self.service.expire_overdue_activations()
            seconds = time.perf_counter() - start
            assert expired == expected, (self.database.backend, expired, expected)
            best = min(best, seconds)
        return best


@dataclass(frozen=True, slots=True)
class Expiry:
    """One backend's expiry timings, in seconds."""

    large_s: float
    small_s: float
    more_s: float | None
    large_plan: str

    @property
    def ratio(self) -> float:
        """Large table's time over the small table's, the same accounts overdue."""
        return self.large_s / self.small_s


def measure_expiry(
    found: Sequence[Server], settings: Settings
) -> tuple[ExpiryTable, ExpiryTable, dict[str, Expiry], Build]:
    """Write both tables to every database, then time the batch on each (GC on)."""
    accounts = settings.expiry_accounts
    overdue = max(1, accounts // OVERDUE_EVERY)
    # The second run on the large table (twice as many more overdue) is left out of
    # quick runs: it would be the slowest part of a smoke test.
    large = ExpiryTable("large", accounts, overdue, 0 if settings.quick else 2 * overdue)
    small = ExpiryTable("small", max(overdue, accounts // SMALL_TABLE_FRACTION), overdue, 0)
    build = Build()
    results: dict[str, Expiry] = {}
    runs = settings.expiry_runs
    with ExitStack() as stack:
        larges = [stack.enter_context(fresh(server, f"expiry_{large.label}")) for server in found]
        smalls = [stack.enter_context(fresh(server, f"expiry_{small.label}")) for server in found]
        build_table(large, larges, found, build)
        build_table(small, smalls, found, build)
        # What to put back between runs (only made when there is more than one run).
        small_rows = small.overdue_rows() if runs > 1 else []
        large_rows = large.overdue_rows() if runs > 1 else []
        for server, on_large, on_small in zip(found, larges, smalls, strict=True):
            plan = overdue_plan(server, on_large, large.first_clock)
            on_small_table = Batch.on(server, on_small)
            on_large_table = Batch.on(server, on_large)
            small_s = on_small_table.time(small.first_clock, small.overdue, runs, small_rows)
            large_s = on_large_table.time(large.first_clock, large.overdue, runs, large_rows)
            # Then the clock moves on, on the table as the first batch left it.
            more_s = None
            if large.more:
                more_s = on_large_table.time(large.second_clock, large.more, 1, ())
            results[server.name] = Expiry(large_s, small_s, more_s, plan)
    return large, small, results, build


# --- the result ------------------------------------------------------------------


def _not_run(section: str, name: str, reason: str) -> Row:
    return Row(section, name, "", None, note=f"not run: {reason}")


def _registration_rows(
    figures: dict[str, Registrations], missing: dict[str, str], count: int
) -> list[Row]:
    section = f"registrations through the facade ({count:,} on a fresh database, one run, GC on)"
    rows = []
    for name in (SQLITE, POSTGRESQL):
        if name in missing:
            rows.append(_not_run(section, name, missing[name]))
            continue
        r = figures[name]
        half = r.count // 2
        rows.append(
            Row(section, f"{name}: registrations per second", "/s", r.per_second, decimals=0)
        )
        rows.append(Row(section, f"{name}: per registration", "ms", r.wall_ns / r.count / 1e6))
        if half:
            first = r.first_half_ns / half
            second = (r.wall_ns - r.first_half_ns) / (r.count - half)
            rows.append(
                Row(
                    section,
                    f"{name}: second half vs first half",
                    "×",
                    second / first,
                    note="per registration; the database grows during the run",
                )
            )
    return rows


def _access_rows(a: AccessFigures, missing: dict[str, str]) -> list[Row]:
    section = f"can_access, µs per call (best of {a.rounds}, GC paused, {a.calls:,} calls a round)"
    rows = []
    for name in (SQLITE, POSTGRESQL):
        if name in missing:
            rows.append(_not_run(section, name, missing[name]))
            continue
        rows.append(
            Row(
                section,
                name,
                "µs",
                a.us[name],
                note=f"{a.us[name] / a.memory_us:,.0f}× in memory",
                decimals=0,
            )
        )
    rows.append(Row(section, "in memory, the same store", "µs", a.memory_us, note="for comparison"))
    return rows


def _expiry_rows(
    large: ExpiryTable,
    small: ExpiryTable,
    figures: dict[str, Expiry],
    missing: dict[str, str],
    quick: bool,
) -> list[Row]:
    section = (
        f"expire_overdue_activations(): {large.accounts:,} accounts pending activation, "
        f"{large.overdue:,} (1%) past their deadline"
    )
    rows = []
    for name in (SQLITE, POSTGRESQL):
        if name in missing:
            rows.append(_not_run(section, name, missing[name]))
            continue
        e = figures[name]
        target = (
            "figure only in quick mode"
            if quick
            else f"target < {EXPIRY_LIMIT_S:.0f} s at {EXPIRY_TARGET_ACCOUNTS:,}"
        )
        rows += [
            Row(
                section,
                f"{name}: {large.accounts:,} accounts, {large.overdue:,} overdue",
                "s",
                e.large_s,
                note=target,
            ),
            Row(
                section,
                f"{name}: per expired account",
                "µs",
                e.large_s / large.overdue * 1e6,
                decimals=0,
            ),
            Row(
                section,
                f"{name}: {small.accounts:,} accounts, the same {small.overdue:,} overdue",
                "s",
                e.small_s,
            ),
            Row(
                section,
                f"{name}: {large.accounts:,} vs {small.accounts:,} accounts",
                "×",
                e.ratio,
                note=f"same overdue: ∝ the table would be {SMALL_TABLE_FRACTION}×; "
                f"target ≤ {SAME_WITHIN:.1f}",
            ),
        ]
        if e.more_s is not None:
            rows.append(
                Row(
                    section,
                    f"{name}: {large.more:,} more overdue, {large.accounts:,} accounts",
                    "s",
                    e.more_s,
                    note=f"{e.more_s / e.large_s:.2f}× the {large.overdue:,}: "
                    f"∝ the expired would be {large.more / large.overdue:.0f}×",
                )
            )
    return rows


def _build_notes(large: ExpiryTable, small: ExpiryTable, build: Build, runs: int) -> list[str]:
    per_account = build.generate_ns / build.accounts / 1000
    inserted = "; ".join(
        f"{name} {ns / 1e9:,.1f} s ({ns / build.accounts / 1000:,.0f} µs per row"
        + f", then {build.after_what[name]} {build.after_ns[name] / 1e9:,.2f} s)"
        for name, ns in build.insert_ns.items()
    )
    return [
        f"expiry tables built directly, not through the facade: {large.accounts:,} + "
        f"{small.accounts:,} accounts made with Account.register + issue_activation "
        f"(their emails dropped) and stored as SqlUnitOfWork writes them "
        f"(uow._columns + codec.dump, version 1): {build.generate_ns / 1e9:,.1f} s "
        f"({per_account:,.0f} µs per account) to make the rows, once for every database; "
        f"inserted with insert(co_accounts) executemany, {INSERT_BATCH:,} rows a "
        f"transaction: {inserted}.",
        f"overdue accounts are at random positions of each table (fixed seed); "
        f"the clock (FrozenClock) is set half a second before the next deadline, so exactly "
        f"{large.overdue:,} are overdue"
        + (
            f"; the second run on the large table moves it on until {large.more:,} more are"
            if large.more
            else ""
        )
        + f". Batches of {_BATCH:,} (the default expiry_batch_size). Before the timings, one "
        "untimed call with nothing overdue on each table (connections, compiled queries). "
        + (
            f"Each time is the best of {runs} runs, the expired accounts put back between runs "
            "(then the WAL checkpoint or VACUUM ANALYZE again)."
            if runs > 1
            else "Each time is one run (seconds long at full size)."
        ),
    ]


def run(settings: Settings) -> Result:
    """Registrations, can_access and the expiry batch on every available database."""
    with servers(settings) as (found, missing):
        registrations = {
            server.name: measure_registrations(server, settings.registrations) for server in found
        }
        gc.collect()
        access = measure_access(found, settings)
        gc.collect()
        large, small, expiry, build = measure_expiry(found, settings)
        described = [server.description for server in found]
    notes = [f"databases: {'; '.join(described)}."]
    notes += [f"{name} not run: {reason}." for name, reason in missing.items()]
    notes.append(
        "registrations: register_with_new_structure, a HORS_UE identifier, company name "
        "and address typed; FastInsecureHasher, FrozenClock, the MemoryMailbox emptied every "
        f"{EMPTY_MAILBOX_EVERY} registrations; {WARM_UP_REGISTRATIONS} untimed registrations "
        "first."
    )
    notes.append(
        f"can_access store written directly (rows as SqlUnitOfWork's commit writes them, one "
        f"INSERT per table and {INSERT_BATCH:,} rows), not through the facade: "
        f"{settings.sql_store_blocks} blocks of {shape.USERS_PER_BLOCK} users and "
        f"{shape.STRUCTURES_PER_BLOCK} structures, {access.accounts:,} accounts, "
        f"{access.structures:,} structures, {access.attachments:,} attachments, "
        f"{access.subscriptions:,} subscriptions, written in "
        + ", ".join(f"{name} {s:,.2f} s" for name, s in access.insert_s.items())
        + f"; {access.calls // len(shape.QUERIES):,} (user, structure) pairs drawn over "
        f"the store, {len(shape.QUERIES)} queries each (one granted, one refused at the last "
        "check); the in-memory row is the same store in a MemoryStore."
    )
    notes += _build_notes(large, small, build, settings.expiry_runs)
    notes += [f"plan of the overdue query, {name}: {e.large_plan}" for name, e in expiry.items()]
    if settings.quick:
        notes.append(
            f"quick mode: {settings.registrations:,} registrations (full: "
            f"{FULL.registrations:,}), {large.accounts:,} accounts with {large.overdue:,} "
            f"overdue (full: {FULL.expiry_accounts:,} with "
            f"{FULL.expiry_accounts // OVERDUE_EVERY:,}), and no second run with twice as many "
            f"more overdue; the {EXPIRY_LIMIT_S:.0f} s target is only checked at full size."
        )
    targets: list[Target] = []
    for name in (SQLITE, POSTGRESQL):
        proportional = (
            f"expiry batch, {large.accounts:,} vs {small.accounts:,} accounts with the same "
            f"{large.overdue:,} overdue, {name}"
        )
        under = f"expiry batch over {large.accounts:,} accounts ({large.overdue:,} overdue), {name}"
        checks_limit = not settings.quick and large.accounts >= EXPIRY_TARGET_ACCOUNTS
        if name in missing:
            targets.append(
                Target(proportional, 0.0, "×", SAME_WITHIN, "max", not_run=missing[name])
            )
            if checks_limit:
                targets.append(
                    Target(under, 0.0, "s", EXPIRY_LIMIT_S, "max", not_run=missing[name])
                )
            continue
        e = expiry[name]
        targets.append(
            Target(proportional, e.ratio, "× the smaller table's time", SAME_WITHIN, "max")
        )
        if checks_limit:
            targets.append(Target(under, e.large_s, "s", EXPIRY_LIMIT_S, "max"))
    if not settings.quick and large.accounts < EXPIRY_TARGET_ACCOUNTS:
        notes.append(
            f"the {EXPIRY_LIMIT_S:.0f} s target is set for {EXPIRY_TARGET_ACCOUNTS:,} accounts: "
            f"not checked on {large.accounts:,}."
        )
    rows = (
        _registration_rows(registrations, missing, settings.registrations)
        + _access_rows(access, missing)
        + _expiry_rows(large, small, expiry, missing, settings.quick)
    )
    return Result(
        TITLE,
        tuple(rows),
        tuple(targets),
        tuple(notes),
        scale=f"{settings.registrations:,} registrations; can_access on "
        f"{access.subscriptions:,} subscriptions; expiry over {large.accounts:,} accounts",
    )
