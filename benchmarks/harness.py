"""What every benchmark of this folder shares: settings, result rows, targets, timers.

A benchmark is a function ``(Settings) -> Result``; ``run.py`` lists them and
prints their results side by side. Keeping these types apart from ``run.py``
lets a benchmark module import them without importing the runner (which
imports the benchmarks).

It also finds the two trees a before/after comparison runs, each in a
process of its own (``relay.py``, ``compare.py``): the previous release's
``src`` folder (:func:`previous_release`) and this one's
(:func:`release_under_test`), and checks that a child ran the package it
was pointed at (:func:`check_library`).
"""

from __future__ import annotations

import gc
import importlib.util
import io
import os
import subprocess
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    """How big and how long a run is.

    ``anchor_budget_s`` bounds the time a benchmark may spend on its slow
    reference (the per-instance machine); past it, the reference is measured
    on ``anchor_sample`` entities instead of all of them, and the output says
    so. ``memory_sample`` is the number of reference entities whose memory is
    traced (tracing slows allocation down several times).

    ``access_small`` and ``access_large`` are the subscriptions in the two
    stores ``can_access`` is timed on (rounded up to whole blocks of the
    store's shape), best of ``access_rounds`` rounds of ``access_passes`` calls
    per query of each measured (user, structure) pair; ``onboardings`` is the
    number of full onboardings in one timed run of the facade.

    Persistence (``persistence.py``): ``registrations`` through the facade in
    one timed run on each database; ``sql_store_blocks`` blocks of the access
    store's shape written to each database, ``can_access`` timed on
    ``sql_access_pairs`` (user, structure) pairs, best of ``sql_rounds``
    rounds; ``expiry_accounts`` accounts in the expiry batch's table, 1% of
    them overdue, each batch timed ``expiry_runs`` times (the best kept).
    ``postgres_url`` is the PostgreSQL server to use, or ``None`` to leave
    PostgreSQL out.

    Relay (``relay.py``): ``relay_emails`` activation emails drained from the
    outbox into a local SMTP server by each kind of mail session, best of
    ``relay_rounds`` rounds; ``sql_flows`` full onboardings in one timed run
    on each database, for this release and the previous one, best of
    ``sql_flow_runs`` runs.

    Before and after (``compare.py``): ``can_access``, full onboardings and
    the account lifecycle at the sizes above, in one process per tree,
    ``compare_rounds`` rounds alternating between the trees; its large store
    holds ``compare_subscriptions`` subscriptions (``None``: ``access_large``).

    Login timing (``login_timing.py``): ``login_rounds`` rounds, each timing
    once, in a random order, every refusal a stranger can ask for at login.

    ``before_src`` is the folder holding the previous release's
    ``chorus_onboarding`` package, or ``None`` to take it from the
    repository's history (each comparison names its commit); ``now_src`` is
    the folder holding the release compared to it, or ``None`` for the
    package this process imports.
    """

    accounts: int
    quick: bool = False
    runs: int = 3
    anchor_budget_s: float = 60.0
    anchor_sample: int = 10_000
    memory_sample: int = 2_000
    access_small: int = 1_000
    access_large: int = 1_000_000
    access_rounds: int = 7
    access_passes: int = 4
    onboardings: int = 2_000
    registrations: int = 2_000
    sql_store_blocks: int = 20
    sql_access_pairs: int = 250
    sql_rounds: int = 3
    expiry_accounts: int = 1_000_000
    expiry_runs: int = 1
    postgres_url: str | None = None
    relay_emails: int = 2_000
    relay_rounds: int = 3
    sql_flows: int = 200
    sql_flow_runs: int = 2
    compare_rounds: int = 6
    compare_subscriptions: int | None = None
    before_src: str | None = None
    now_src: str | None = None
    login_rounds: int = 200


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure, with the reference figure it is compared to, if any.

    ``ratio`` is how many times better this library is: ``anchor / value``
    for a cost, ``value / anchor`` for a ``rate`` (a figure per second, where
    more is better). A ``value`` of ``None`` is a figure that was not measured
    (its note says why): the row prints no figure.
    """

    section: str
    measure: str
    unit: str
    value: float | None
    anchor: float | None = None
    note: str = ""
    decimals: int = 2
    rate: bool = False

    @property
    def ratio(self) -> float | None:
        """How many times better: ``anchor / value`` (a rate: the inverse), or ``None``.

        ``None`` without an anchor, or with no or a zero figure to divide by.
        """
        if self.anchor is None or not self.value:
            return None
        if self.rate:
            return self.value / self.anchor if self.anchor else None
        return self.anchor / self.value


@dataclass(frozen=True, slots=True)
class Target:
    """A figure the issue sets a limit on, and whether it is met.

    ``bound`` says which side of ``limit`` passes: ``"max"`` for "at most"
    (a cost), ``"min"`` for "at least" (a speed-up). A target that could not
    be measured (no server to measure it on) has a ``not_run`` reason: its
    verdict is ``SKIP``, and it counts neither as met nor as failed.
    """

    name: str
    figure: float
    unit: str
    limit: float
    bound: Literal["max", "min"]
    decimals: int = 2
    not_run: str = ""

    @property
    def passed(self) -> bool:
        """Whether ``figure`` is on the right side of ``limit`` (the limit itself passes)."""
        if self.bound == "max":
            return self.figure <= self.limit
        return self.figure >= self.limit

    def verdict(self) -> str:
        """``PASS``/``FAIL`` (or ``SKIP``), the target and the measured figure, on one line."""
        sign = "≤" if self.bound == "max" else "≥"
        if self.not_run:
            return f"SKIP  {self.name}: not run ({self.not_run})"
        figure = format_number(self.figure, self.decimals)
        limit = format_number(self.limit, self.decimals if self.limit % 1 else 0)
        word = "PASS" if self.passed else "FAIL"
        # "57× cheaper" reads as one word; "1.68 µs" keeps its space.
        unit = self.unit if self.unit.startswith("×") else f" {self.unit}"
        return f"{word}  {self.name}: {figure}{unit} (target {sign} {limit}{unit})"


@dataclass(frozen=True, slots=True)
class Result:
    """What one benchmark hands back: its rows, its targets and notes for the reader.

    ``scale`` says what the benchmark measured on, under its title; empty, the
    runner prints the number of accounts of the settings. ``value_name`` heads
    the column of the rows' figures.
    """

    title: str
    rows: tuple[Row, ...]
    targets: tuple[Target, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    anchor_name: str = "reference"
    scale: str = ""
    value_name: str = "this library"


Benchmark = Callable[[Settings], Result]
"""A benchmark: measures, then returns its rows and targets (it prints nothing)."""


def format_number(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` decimals."""
    return f"{value:,.{decimals}f}"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then restore its state.

    Why: a collection is triggered by allocation counts and costs time in
    proportion to *every* live container, including the rows prepared for
    the benchmark and the objects it keeps. Left on, it lands at arbitrary
    points of a timed loop and charges that loop for the size of the heap
    rather than for the code under test. Collecting first (``gc.collect``)
    also frees the previous run's cyclic garbage (per-instance machines form
    cycles with their model) so it is not collected inside the next run.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Run the block with every object alive on entry out of the collector's reach.

    Why: the imported libraries and the rows a benchmark prepares are
    scaffolding, not the code under test; frozen (``gc.freeze``), they cost
    nothing to the collections made between runs (:func:`gc_paused`) and to
    those the code under test triggers when the collector is left on. On
    exit they become ordinary old objects again. If the process has frozen
    objects of its own already, they are left alone and nothing is frozen:
    ``gc.unfreeze`` cannot tell whose objects it would release.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def best_ns(runs: int, run_once: Callable[[], object], *, pause_gc: bool = True) -> int:
    """The fastest of ``runs`` timings of ``run_once``, in nanoseconds.

    The best run is the one least disturbed by the rest of the machine
    (scheduler, frequency scaling, a cold allocator on the first run); the
    code under test cannot run faster than it really is. What ``run_once``
    returns is kept until the clock stops, so objects it builds are freed
    outside the timed section, and dropped before the next run.

    With ``pause_gc`` (the default) the collector is off while the clock
    runs (see :func:`gc_paused`); without it, each run starts after a full
    collection and pays for the collections its own allocations trigger, as
    a long-running process would.
    """
    return best_prepared_ns(runs, _nothing, lambda _: run_once(), pause_gc=pause_gc)


def best_prepared_ns(
    runs: int,
    prepare: Callable[[], T],
    run_once: Callable[[T], object],
    *,
    pause_gc: bool = True,
) -> int:
    """:func:`best_ns` of ``run_once(prepare())``, with ``prepare`` run before each clock starts.

    For code that consumes its input (firing a transition moves the entity
    on, so each run needs entities in their starting state again).
    """
    best: int | None = None
    for _ in range(runs):
        prepared = prepare()
        with gc_paused() if pause_gc else _collected_first():
            start = time.perf_counter_ns()
            kept = run_once(prepared)
            elapsed = time.perf_counter_ns() - start
        del kept, prepared
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None, "runs must be at least 1"
    return best


def _nothing() -> None:
    return None


@contextmanager
def _collected_first() -> Iterator[None]:
    # The previous run's cyclic garbage is not this run's cost.
    gc.collect()
    yield


def retained_bytes(build: Callable[[], object]) -> int:
    """Bytes still allocated, as traced by :mod:`tracemalloc`, by what ``build`` returns.

    The difference of traced memory before and after, with a full collection
    on each side so that only what the returned object keeps alive counts
    (temporary rows and cyclic garbage made on the way do not). The result is
    kept until the second reading. Objects allocated before tracing started
    (module constants, enum members, shared singletons) are not counted, as
    they are shared by every entity.
    """
    tracing_before = tracemalloc.is_tracing()
    if not tracing_before:
        tracemalloc.start()
    try:
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        kept = build()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        del kept
    finally:
        if not tracing_before:
            tracemalloc.stop()
    return after - before


# --- the trees a before/after comparison runs -------------------------------------

REPOSITORY = Path(__file__).resolve().parent.parent
"""The repository this folder belongs to, whose history holds the previous releases."""
CHILD_TIMEOUT_S = 900.0
"""Bound on one answer of a child process (a hung child must not hang the benchmarks)."""


class Unavailable(Exception):
    """Something a part of a benchmark needs is missing; the message says what."""


def package_folder(src: str | Path) -> Path:
    """``src`` resolved, once checked to hold a ``chorus_onboarding`` package."""
    folder = Path(src).resolve()
    if not (folder / "chorus_onboarding" / "__init__.py").is_file():
        raise Unavailable(f"no chorus_onboarding package in {folder}")
    return folder


@contextmanager
def previous_release(settings: Settings, commit: str) -> Iterator[Path]:
    """The folder holding the previous release's ``chorus_onboarding`` package.

    ``settings.before_src`` (``--before-src``, else ``$CHORUS_BENCH_BEFORE_SRC``)
    names it; otherwise ``commit``'s ``src`` is taken out of this repository's
    history (``git archive``) into a temporary folder, removed afterwards.
    Raises :class:`Unavailable` when neither can be had (a copy of the
    sources without their history).
    """
    if settings.before_src:
        yield package_folder(settings.before_src)
        return
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPOSITORY), "archive", "--format=tar", commit, "src"],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable(
            f"previous release {commit[:10]} not found in the repository's history "
            "(give its src folder with --before-src)"
        ) from error
    with tempfile.TemporaryDirectory(prefix="chorus-bench-before-") as extracted:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            # The "data" filter (Python 3.11.4+) refuses links and paths out of the folder.
            if hasattr(tarfile, "data_filter"):
                tar.extractall(extracted, filter="data")
            else:
                tar.extractall(extracted)
        yield Path(extracted) / "src"


def release_under_test(settings: Settings) -> Path:
    """The folder holding the release compared to the previous one.

    ``settings.now_src`` (``--now-src``, else ``$CHORUS_BENCH_NOW_SRC``), or
    the folder of the ``chorus_onboarding`` this process imports (found
    without importing it).
    """
    if settings.now_src:
        return package_folder(settings.now_src)
    spec = importlib.util.find_spec("chorus_onboarding")
    if spec is None or spec.origin is None:
        raise Unavailable("chorus_onboarding is not importable")
    return Path(spec.origin).resolve().parent.parent


def tree_environment(source: Path) -> dict[str, str]:
    """This process's environment, with ``source`` (a ``src`` folder) as the Python path.

    A child started with it imports that tree's ``chorus_onboarding``: the
    path comes before the installed packages (an editable install included).
    """
    return {**os.environ, "PYTHONPATH": str(source)}


def check_library(figures: Mapping[str, Any], source: Path) -> None:
    """Raise :class:`Unavailable` unless ``figures["library"]`` is the package in ``source``.

    A child reports the folder of the ``chorus_onboarding`` it imported: a
    tree whose package did not come first on its path must not pass for it.
    """
    library = Path(str(figures["library"])).resolve()
    if library.parent != source.resolve():
        raise Unavailable(f"ran {library}, not the package in {source}")


def tree_origins(
    now: str,
    before: str,
    sources: Mapping[str, Path],
    missing: Mapping[str, str],
    settings: Settings,
    commit: str,
) -> str:
    """Where each side's package came from, or why it did not run, for a note.

    ``now`` and ``before`` are the sides' names, the keys of ``sources``
    (their ``src`` folders) and ``missing`` (the reasons); ``commit`` is the
    previous release taken out of the history without ``--before-src``.
    """
    parts = []
    for side in (now, before):
        if side in missing:
            parts.append(f"{side}: not run ({missing[side]})")
        elif side == before and not settings.before_src:
            parts.append(f"{side}: commit {commit[:10]} (git archive)")
        else:
            parts.append(f"{side}: {sources[side]}")
    return "; ".join(parts)
