"""Full onboardings through the facade on one database, counted statement by statement.

Run by ``relay.py`` in a process of its own, once with this release's
``chorus_onboarding`` and once with the previous release's (``PYTHONPATH``
pointing at its ``src`` folder), so that both sides run this very file::

    python benchmarks/sql_onboarding.py --backend sqlite --flows 300
    python benchmarks/sql_onboarding.py --backend postgresql --url URL --flows 300

It prints one line of JSON (:class:`FlowFigures`) and nothing else. The
database is made for the run and deleted afterwards: a file in a temporary
folder, or a schema of its own on the PostgreSQL server at ``--url``.

Because both releases run it, this file uses only what both have: the facade, its
public forms, the test fakes and ``link_parameters``, each imported from its own
module (the package's top level does not keep every name from one release to
the next). Which release it runs is
told by the factories: the previous one had no ``demo_ports`` argument. Both
commit a use case's events to an outbox; the previous release then delivered
them before the use case returned (one transaction per entry, one SMTP
connection per email), so its steps include their emails. This one leaves
them to the outbox relay (``deliver_notifications()``), run here where the
flow needs an email (after each registration, to follow the activation link)
and once at the end of the onboarding for the notifications still waiting;
its time and statements are kept apart from the use cases'.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import access_and_throughput as shape
from harness import frozen_heap
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine

import chorus_onboarding
from chorus_onboarding.actors import Actor
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.domain.espaces import Espace, Habilitation
from chorus_onboarding.domain.structures import CompanyRecord
from chorus_onboarding.forms import ExistingStructureRegistration, NewStructureRegistration
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.testing.fakes import FrozenClock, link_parameters

T = TypeVar("T")
P = ParamSpec("P")

STEPS = shape.STEPS
"""The eight facade calls of one onboarding (as in ``access_and_throughput``)."""
RELAY_POINTS = (
    "after registering with a new structure",
    "after registering for the existing structure",
    "at the end of the onboarding",
)
"""Where this release runs the relay in a flow (the previous one has none)."""
WARM_UP_FLOWS = 5
"""Untimed onboardings first, on the same database: connections, compiled statements, caches."""

_NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
_FIRST_COMPANY = 5_000_000
"""SIRETs as in ``access_and_throughput`` (``siret(5_000_000 + i)``), warm-up ones after them."""
VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")
"""The statements counted by their first word; any other counts as ``other``."""


@dataclass(slots=True)
class FlowFigures:
    """What one timed run of ``flows`` onboardings cost, as sent to the parent in JSON.

    Every ``*_ns`` and statement figure is a total over the timed flows.
    ``statements`` counts what SQLAlchemy hands to the driver's cursor (an
    executemany counts once); ``transactions`` counts commits.
    """

    library: str
    relay_apart: bool
    backend: str
    flows: int
    wall_ns: int
    steps_ns: list[int]
    step_statements: list[int]
    relay_ns: list[int]
    relay_statements: list[int]
    use_case_transactions: int
    relay_transactions: int
    verbs: dict[str, int] = field(default_factory=dict)
    """Statements by their first word, use cases and relay apart (``"relay SELECT"``...)."""
    emails: int = 0


class Counter:
    """Counts the statements and commits of one engine, and by which part of the flow."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.commits = 0
        self.verbs: dict[str, int] = {}
        self.prefix = ""
        self._engine = engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args: Any) -> None:
        statement: str = args[2]
        self.statements += 1
        word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        key = f"{self.prefix}{word if word in VERBS else 'other'}"
        self.verbs[key] = self.verbs.get(key, 0) + 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def remove(self) -> None:
        """Stop counting."""
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)


class Flows:
    """Full onboardings on one service, each facade call and relay run timed and counted."""

    def __init__(self, service: OnboardingService, mailbox: MemoryMailbox, engine: Engine) -> None:
        self.service = service
        self.mailbox = mailbox
        # The previous release delivered inside every use case (its own
        # ``deliver_notifications`` ran before the use case returned): nothing
        # is left for a relay run, which would only add its empty query.
        self.deliver: Callable[[], int] | None = (
            service.deliver_notifications if relay_apart() else None
        )
        self.counter = Counter(engine)
        self.steps_ns = [0] * len(STEPS)
        self.step_statements = [0] * len(STEPS)
        self.relay_ns = [0] * len(RELAY_POINTS)
        self.relay_statements = [0] * len(RELAY_POINTS)
        self.use_case_commits = 0
        self.relay_commits = 0
        self.emails = 0

    def reset(self) -> None:
        """Forget the totals so far (after the warm-up)."""
        self.steps_ns = [0] * len(STEPS)
        self.step_statements = [0] * len(STEPS)
        self.relay_ns = [0] * len(RELAY_POINTS)
        self.relay_statements = [0] * len(RELAY_POINTS)
        self.use_case_commits = self.relay_commits = self.emails = 0
        self.counter.verbs.clear()

    def step(self, number: int, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)``, its time and statements added to step ``number``."""
        counter = self.counter
        statements, commits = counter.statements, counter.commits
        start = time.perf_counter_ns()
        out = call(*args, **kwargs)
        self.steps_ns[number] += time.perf_counter_ns() - start
        self.step_statements[number] += counter.statements - statements
        self.use_case_commits += counter.commits - commits
        return out

    def relay(self, point: int) -> None:
        """On this release, run the relay once (timed and counted apart).

        One run takes up to 100 due entries, far more than one onboarding
        makes (the clock is frozen: every entry is due), so one run empties
        the outbox; a second would only add an empty claim.
        """
        if self.deliver is None:
            return
        counter = self.counter
        statements, commits = counter.statements, counter.commits
        counter.prefix = "relay "
        start = time.perf_counter_ns()
        self.deliver()
        self.relay_ns[point] += time.perf_counter_ns() - start
        counter.prefix = ""
        self.relay_statements[point] += counter.statements - statements
        self.relay_commits += counter.commits - commits

    def activate(self, number: int, email: str) -> None:
        """Follow the activation link emailed to ``email``."""
        link = link_parameters(self.mailbox, email, "activationCompte")
        self.step(
            number,
            self.service.activate_account,
            login_email=link["email"],
            token=link["token"],
            password=shape.PASSWORD,
            password_confirmation=shape.PASSWORD,
            secret_question=shape.QUESTION,
            secret_answer=shape.ANSWER,
        )

    def onboard(self, i: int, record: CompanyRecord) -> None:
        """The ``i``-th full onboarding, on ``record``'s SIRET (the steps of ``STEPS``)."""
        service, step = self.service, self.step
        number = record.identifier.value
        manager_email = f"gerance{i}@entreprise{i}.fr"
        user_email = f"comptable{i}@entreprise{i}.fr"
        created = step(
            0,
            service.register_with_new_structure,
            NewStructureRegistration(
                login_email=manager_email,
                login_email_confirmation=manager_email,
                last_name="GALFE",
                first_name="Louise",
                captcha="XWWXS",
                siret=number,
            ),
        )
        self.relay(0)
        self.activate(1, manager_email)
        joined = step(
            2,
            service.register_for_existing_structure,
            ExistingStructureRegistration(
                login_email=user_email,
                login_email_confirmation=user_email,
                last_name="MARTIN",
                first_name="Jean-Baptiste",
                captcha="XWWXS",
                siret=number,
            ),
        )
        self.relay(1)
        self.activate(3, user_email)
        manager, user = Actor.user(created.account_id), Actor.user(joined.account_id)
        structure, attachment = created.structure_id, joined.attachment_id
        assert structure is not None
        assert attachment is not None
        step(4, service.validate_attachment, manager, attachment)
        asked = step(
            5,
            service.request_subscription,
            user,
            structure,
            Espace.FACTURES_EMISES,
            habilitation=Habilitation.MODIFICATION,
        )
        step(6, service.validate_subscription, manager, asked)
        allowed = step(
            7,
            service.can_access,
            joined.account_id,
            structure,
            Espace.FACTURES_EMISES,
            Habilitation.MODIFICATION,
        )
        assert allowed
        self.relay(2)
        # Reading a link scans the whole mailbox: emptied after each onboarding,
        # it stays a constant cost (and the count tells the emails of one flow).
        self.emails += len(self.mailbox.sent)
        self.mailbox.sent.clear()


def relay_apart() -> bool:
    """Whether the ``chorus_onboarding`` imported leaves delivery to the relay (this release).

    The previous release had an outbox too, but every use case delivered its
    entries before returning; its factories had no ``demo_ports`` argument.
    """
    return "demo_ports" in inspect.signature(OnboardingService.sqlite).parameters


def open_service(
    backend: str, where: str, mailbox: MemoryMailbox, directory: MemoryCompanyDirectory
) -> OnboardingService:
    """A service on the SQLite file or the database URL ``where``, the cheap hasher, the fakes."""
    factory: Callable[..., OnboardingService] = (
        OnboardingService.sqlite if backend == "sqlite" else OnboardingService.from_url
    )
    # This release refuses the demo parts (captcha XWWXS, no secret key) on a
    # database unless asked for on purpose; the previous one took them.
    extra: dict[str, Any] = {"demo_ports": True} if relay_apart() else {}
    return factory(
        where,
        clock=FrozenClock(_NOW),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
        directory=directory,
        **extra,
    )


@contextmanager
def database(backend: str, url: str | None) -> Iterator[str]:
    """A fresh database for the run: a SQLite file's path, or a PostgreSQL URL.

    On PostgreSQL, a schema of its own (every connection of the URL works in
    it through ``search_path``), dropped on the way out with what it holds.
    """
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chorus-bench-flow-") as folder:
            yield str(Path(folder) / "onboarding.sqlite3")
        return
    assert url is not None, "--url is needed on PostgreSQL"
    base = make_url(url)
    name = f"chorus_bench_{os.getpid()}_flow"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        options = base.query.get("options", "")
        if not isinstance(options, str):
            options = " ".join(options)
        in_schema = base.update_query_dict({"options": f"{options} -csearch_path={name}".strip()})
        try:
            yield in_schema.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        admin.dispose()


def release(service: OnboardingService, engine: Engine) -> None:
    """Close the service's connections (this release has ``close()``; the previous one not)."""
    close: Callable[[], None] | None = getattr(service, "close", None)
    if close is not None:
        close()
    engine.dispose()


def run_flows(backend: str, url: str | None, flows: int) -> FlowFigures:
    """Warm up, then one timed run of ``flows`` onboardings on a fresh database (GC on)."""
    records = shape.companies(flows + WARM_UP_FLOWS)
    timed, warm_up = records[:flows], records[flows:]
    mailbox = MemoryMailbox()
    with database(backend, url) as where:
        service = open_service(backend, where, mailbox, MemoryCompanyDirectory(records))
        engine = getattr(service.ports.unit_of_work(), "engine", None)
        assert isinstance(engine, Engine), "a database-backed service's unit of work has an engine"
        try:
            run = Flows(service, mailbox, engine)
            numbers = itertools.count()
            for record in warm_up:
                run.onboard(flows + next(numbers), record)
            run.reset()
            with frozen_heap():
                gc.collect()
                start = time.perf_counter_ns()
                for i, record in enumerate(timed):
                    run.onboard(i, record)
                wall = time.perf_counter_ns() - start
            run.counter.remove()
        finally:
            release(service, engine)
    return FlowFigures(
        library=str(Path(chorus_onboarding.__file__).resolve().parent),
        relay_apart=run.deliver is not None,
        backend=backend,
        flows=flows,
        wall_ns=wall,
        steps_ns=run.steps_ns,
        step_statements=run.step_statements,
        relay_ns=run.relay_ns,
        relay_statements=run.relay_statements,
        use_case_transactions=run.use_case_commits,
        relay_transactions=run.relay_commits,
        verbs=dict(run.counter.verbs),
        emails=run.emails,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run, print the figures as one line of JSON."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/sql_onboarding.py",
        description="Full onboardings through the facade on a fresh database; prints JSON.",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--url", default=None, help="the PostgreSQL server (a schema is made)")
    parser.add_argument("--flows", type=int, default=300, help="onboardings in the timed run")
    options = parser.parse_args(argv)
    if options.backend == "postgresql" and not options.url:
        parser.error("--url is needed with --backend postgresql")
    figures = run_flows(options.backend, options.url, max(1, options.flows))
    print(json.dumps(asdict(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
