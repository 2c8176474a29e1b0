"""This release against a previous one, side by side in one run: can_access, onboardings, accounts.

::

    python benchmarks/compare.py                  # full sizes, against the commit before the facade
    python benchmarks/compare.py --quick          # small sizes, a smoke test
    python benchmarks/compare.py --before-src ../previous/src --now-src ../current/src
    python benchmarks/compare.py --compare-rounds 10 --check

``run.py`` runs it with the other benchmarks; run alone, it takes the same
options and prints its own table and verdicts.

The figures are those of ``access_and_throughput`` and ``account_lifecycle``
that must not fall behind the previous release:

- ``can_access``, µs per call on the small and the large store;
- full onboardings per second through the in-memory facade;
- the account lifecycle: loading stored accounts, firing ``expire``, both,
  loading from raw columns (µs per account, the collector paused; loading,
  and loading and firing, with it on too), and the memory an account keeps
  alive (bytes).

Each tree runs in a process of its own (``compare_side.py``), ``PYTHONPATH``
set to its ``src`` folder: the measuring code is this folder's on both sides,
only the package differs. The two processes of a measure start together and
prepare what they measure (the stores, the stored rows) at the same time; then
the rounds alternate between them (before, now | now, before | ...), part by
part (each loop of the lifecycle is timed on one side, then at once on the
other), the idle one waiting on its input, so that a busier spell of the
machine falls on both. Each figure is the best of the rounds (the median is
in the note), the ratio now's best over before's: the code cannot run faster
than it really is, and on a busy machine the best of many timings moves far
less than their median. The previous release is ``--before-src`` (or
``$CHORUS_BENCH_BEFORE_SRC``), else :data:`PREVIOUS_RELEASE` taken out of the
repository's history; the release compared to it is ``--now-src`` (or
``$CHORUS_BENCH_NOW_SRC``), else the package this process imports.

For every figure, a target: no slower than before, within :data:`TOLERANCE`
(now's time at most 1.10 times before's; a rate at least 1 / 1.10 of it; the
memory at most 1.10 times): the very same code on both sides, on a 2-core
virtual machine shared with other work, gave ratios from 0.94 to 1.03 at a
load average of about 2 (from 0.78 to 1.16 at 4 to 5: read a run made on a
quiet machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal

import access_and_throughput as shape
from harness import (
    CHILD_TIMEOUT_S,
    Result,
    Row,
    Settings,
    Target,
    Unavailable,
    check_library,
    previous_release,
    release_under_test,
    tree_environment,
    tree_origins,
)

from chorus_onboarding.domain.accounts import AccountState

TITLE = "before and after: can_access, full onboardings and the account lifecycle, in memory"

PREVIOUS_RELEASE = "d9302de881f0df95edde7839bed22870f4689366"
"""The last commit before the facade by composition (issue 8), whose figures are the anchors.

Without ``--before-src``, its ``src`` is taken out of the repository's
history (``git archive``) into a temporary folder.
"""
TOLERANCE = 0.10
"""How much slower (or bigger) than before a figure may be and pass: machine noise."""

NOW, BEFORE = "now", "before"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure compared: its key in a side's answers, its name, its unit.

    ``rate`` is a figure per second (more is better); ``once``, a figure
    measured once per side (the memory), not per round.
    """

    key: str
    name: str
    unit: str
    decimals: int = 2
    rate: bool = False
    once: bool = False


@dataclass(frozen=True, slots=True)
class Measure:
    """What one pair of processes measures (``compare_side.py``'s first argument).

    A round asks each side for every one of its ``parts`` in turn, the sides
    alternating part by part: the two timings of a part are made next to
    each other.
    """

    name: str
    figures: tuple[Figure, ...]
    parts: tuple[str, ...]


def store_sizes(settings: Settings) -> tuple[int, int]:
    """The subscriptions of the small and the large store (whole blocks, as they are built)."""
    small = shape.blocks_for(settings.access_small)
    large = max(shape.blocks_for(settings.access_large), small)
    return small * shape.SUBSCRIPTIONS_PER_BLOCK, large * shape.SUBSCRIPTIONS_PER_BLOCK


def measures(settings: Settings) -> tuple[Measure, ...]:
    """The three measures and their figures, named after the run's sizes."""
    small, large = store_sizes(settings)
    loops = "µs per account"
    lifecycle = (
        Figure("load", "lifecycle: load Account(**stored fields)", loops),
        Figure("load_fire", 'lifecycle: load + fire "expire"', loops),
        Figure("fire", 'lifecycle: fire "expire" on loaded accounts', loops),
        Figure("load_columns", "lifecycle: load from raw columns", loops),
        Figure("load_gc", "lifecycle: load, GC on", loops),
        Figure("load_fire_gc", 'lifecycle: load + fire "expire", GC on', loops),
    )
    return (
        Measure(
            "access",
            (
                Figure("small_us", f"can_access, {small:,} subscriptions", "µs per call"),
                Figure("large_us", f"can_access, {large:,} subscriptions", "µs per call"),
            ),
            ("calls",),
        ),
        Measure(
            "onboarding",
            (
                Figure(
                    "per_second",
                    "full onboardings per second, in memory",
                    "/s",
                    decimals=0,
                    rate=True,
                ),
            ),
            ("run",),
        ),
        Measure(
            "lifecycle",
            (
                *lifecycle,
                *(
                    Figure(
                        f"memory_{state.name}",
                        f"lifecycle: memory per {state.name} account",
                        "B",
                        decimals=0,
                        once=True,
                    )
                    for state in (AccountState.ACTIVATION_PENDING, AccountState.ACTIVE)
                ),
            ),
            tuple(figure.key for figure in lifecycle),
        ),
    )


# --- the two processes ------------------------------------------------------------------


class Process:
    """``compare_side.py`` for one measure, in a process of its own on one tree's ``src``.

    Its answers are read by a thread into a queue, so that waiting for one
    can time out: a hung side must not hang the benchmarks. What it writes
    on its standard error goes to ``errors`` (its last line tells why it
    failed).
    """

    def __init__(self, measure: str, source: Path, settings: Settings, errors: IO[str]) -> None:
        # What a side needs of the settings: the sizes (not the server's URL).
        sizes = replace(settings, postgres_url=None, before_src=None, now_src=None)
        self._errors = errors
        self._process = subprocess.Popen(
            [sys.executable, str(HERE / "compare_side.py"), measure, json.dumps(asdict(sizes))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            encoding="utf-8",
            env=tree_environment(source),
        )
        self._answers: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._answers.put(line)
        self._answers.put("")  # the end of its output

    def answer(self) -> dict[str, Any]:
        """The side's next answer, or :class:`Unavailable` if it ended or hung."""
        try:
            line = self._answers.get(timeout=CHILD_TIMEOUT_S)
        except queue.Empty:
            raise Unavailable(f"no answer within {CHILD_TIMEOUT_S:.0f} s") from None
        if not line:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(10)
            self._errors.seek(0)
            lines = self._errors.read().strip().splitlines()
            raise Unavailable(
                f"failed: {lines[-1] if lines else f'exit status {self._process.returncode}'}"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> None:
        """Send ``command`` (``round`` or ``quit``); a side that ended cannot take it."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
        except OSError as error:  # the side has ended: its answer says why
            raise Unavailable("ended early") from error

    def close(self) -> None:
        """Ask the side to quit, make sure it has, and close its pipes."""
        with contextlib.suppress(Unavailable, OSError):
            self.ask("quit")
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(10)  # the side has ended: its output ends too
        self._process.stdout.close()


@dataclass(slots=True)
class Sides:
    """One measure on both trees: each side's rounds, its figures measured once, or why not.

    A round is the figures of every part, merged.
    """

    rounds: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    once: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def values(self, side: str, figure: Figure) -> list[float]:
        """Every value of ``figure`` measured on ``side`` (one if measured once)."""
        if figure.once:
            return [self.once[side][figure.key]]
        return [answers[figure.key] for answers in self.rounds[side]]

    def paired_ratios(self, figure: Figure) -> list[float]:
        """Each round's now over its before: two timings made next to each other."""
        pairs = zip(self.values(NOW, figure), self.values(BEFORE, figure), strict=True)
        return [now / before for now, before in pairs]


def compare(
    measure: Measure, sources: dict[str, Path], missing: dict[str, str], settings: Settings
) -> Sides:
    """Both sides prepare together, then ``compare_rounds`` rounds alternate between them."""
    sides = Sides(missing=dict(missing))
    with contextlib.ExitStack() as stack:
        processes: dict[str, Process] = {}
        for side, source in sources.items():
            errors = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            processes[side] = Process(measure.name, source, settings, errors)
            stack.callback(processes[side].close)
        for side, process in processes.items():
            try:
                ready = process.answer()
                check_library(ready, sources[side])
            except Unavailable as reason:
                sides.missing[side] = str(reason)
                continue
            sides.once[side] = ready["once"]
            sides.rounds[side] = []
        order = [side for side in (BEFORE, NOW) if side in sides.rounds]
        for number in range(settings.compare_rounds):
            for side in order:
                sides.rounds[side].append({})
            # before, now | now, before | ...: each goes first as often.
            for part in measure.parts:
                for side in order if number % 2 == 0 else reversed(order):
                    if side in sides.missing:
                        continue
                    try:
                        processes[side].ask(f"round {part}")
                        sides.rounds[side][-1].update(processes[side].answer())
                    except Unavailable as reason:
                        sides.missing[side] = str(reason)
    return sides


# --- the result ----------------------------------------------------------------------


def _best(values: Sequence[float], figure: Figure) -> float:
    return max(values) if figure.rate else min(values)


def _ratio_note(figure: Figure) -> str:
    if figure.rate:
        return "below 1: now is slower (a rate: more is better)"
    if figure.once:
        return "above 1: now takes more memory"
    return "above 1: now is slower"


def _figure_rows(figure: Figure, sides: Sides, settings: Settings) -> tuple[list[Row], Target]:
    how = "measured once" if figure.once else f"best of {settings.compare_rounds} rounds"
    section = f"{figure.name}: {figure.unit} ({how})"
    name = f"no slower than before: {figure.name}"
    limit = 1 / (1 + TOLERANCE) if figure.rate else 1 + TOLERANCE
    bound: Literal["max", "min"] = "min" if figure.rate else "max"
    rows: list[Row] = []
    best: dict[str, float] = {}
    median: dict[str, float] = {}
    for side in (BEFORE, NOW):
        if side in sides.missing or side not in sides.rounds:
            reason = sides.missing.get(side, "no round")
            rows.append(Row(section, side, figure.unit, None, note=f"not run: {reason}"))
            continue
        values = sides.values(side, figure)
        best[side] = _best(values, figure)
        median[side] = statistics.median(values)
        note = "" if figure.once else f"median {median[side]:,.{figure.decimals}f}"
        rows.append(
            Row(section, side, figure.unit, best[side], note=note, decimals=figure.decimals)
        )
    if len(best) < 2:
        why = "; ".join(f"{side}: {reason}" for side, reason in sides.missing.items())
        return rows, Target(name, 0.0, "×", limit, bound, not_run=why or "a side did not run")
    ratio = best[NOW] / best[BEFORE]
    note = _ratio_note(figure)
    if not figure.once:
        paired = sides.paired_ratios(figure)
        note += (
            f"; of the medians {median[NOW] / median[BEFORE]:.2f}, "
            f"round by round {min(paired):.2f} to {max(paired):.2f}"
        )
    rows.append(Row(section, "now / before", "×", ratio, note=note))
    unit = "× before's rate" if figure.rate else "× before's"
    return rows, Target(name, ratio, unit, limit, bound)


def load_average() -> str:
    """The system's load average over the last minute, or a word saying it is unknown."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (OSError, AttributeError):  # not every system has one
        return "unknown"


def run(settings: Settings) -> Result:
    """Every measure on both trees, rounds alternating; a row triple and a target per figure."""
    load_before = load_average()
    settings = replace(
        settings, access_large=settings.compare_subscriptions or settings.access_large
    )
    sources: dict[str, Path] = {}
    missing: dict[str, str] = {}
    rows: list[Row] = []
    targets: list[Target] = []
    with contextlib.ExitStack() as stack:
        try:
            sources[BEFORE] = stack.enter_context(previous_release(settings, PREVIOUS_RELEASE))
        except Unavailable as reason:
            missing[BEFORE] = str(reason)
        try:
            sources[NOW] = release_under_test(settings)
        except Unavailable as reason:
            missing[NOW] = str(reason)
        for measure in measures(settings):
            sides = compare(measure, sources, missing, settings)
            for figure in measure.figures:
                figure_rows, target = _figure_rows(figure, sides, settings)
                rows += figure_rows
                targets.append(target)
    notes = [
        "trees: " + tree_origins(NOW, BEFORE, sources, missing, settings, PREVIOUS_RELEASE) + ".",
        f"load average over a minute: {load_before} at the start, {load_average()} at the "
        f"end, on {os.cpu_count()} processors (other work on the machine slows the timings "
        "and spreads the rounds).",
        "each tree runs compare_side.py in a process of its own, PYTHONPATH set to its src "
        "folder (the measuring code is this folder's on both sides). The two processes of a "
        "measure prepare together, then the rounds alternate (before, now | now, before | ...), "
        "part by part (each loop of the lifecycle is timed on one side, then on the other), "
        "the idle side waiting on its input. A figure is the best of the rounds, the median "
        "in its note; memory, the same every time, is traced once per side.",
        f"can_access: a round's figure is the best of {settings.access_rounds} interleaved "
        f"passes over both stores of the same {len(shape.QUERIES)} queries on every (user, "
        "structure) pair of the small store, GC paused (access_and_throughput's rounds). "
        f"Onboarding: one run of {settings.onboardings:,} full onboardings on a fresh "
        "in-memory service, the collector on. Lifecycle: each loop over "
        f"{settings.accounts:,} stored ACTIVATION_PENDING accounts, best of {settings.runs}, "
        "GC paused (on where said), after one untimed pass; memory traced over "
        f"{settings.accounts:,} accounts.",
        "ratio: now's best / before's; its note gives the ratio of the medians and the range "
        "of the rounds' own ratios (a round's now over its before, timed next to each other).",
        f"Target: no slower than before within {TOLERANCE:.0%} (a time or "
        f"a size at most {1 + TOLERANCE:.2f}× before's, a rate at least 1/{1 + TOLERANCE:.2f}): "
        "the very same code on both sides, on a 2-core virtual machine shared with other "
        "work, gave ratios from 0.94 to 1.03 at a load average of about 2 (0.78 to 1.16 at "
        "4 to 5: read a run made on a quiet machine).",
    ]
    if settings.quick:
        notes.append(
            f"quick mode: {settings.compare_rounds} rounds, small sizes: the ratios are noisy."
        )
    small, large = store_sizes(settings)
    return Result(
        TITLE,
        tuple(rows),
        tuple(targets),
        tuple(notes),
        value_name="figure",
        scale=f"{settings.compare_rounds} rounds alternating between the trees; "
        f"{small:,} and {large:,} subscriptions, {settings.onboardings:,} onboardings a "
        f"round, {settings.accounts:,} accounts",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone, with ``run.py``'s options: its table and its verdicts."""
    import run as runner  # the runner imports this module: imported here, not at the top

    return runner.main(argv, (run,), prog="benchmarks/compare.py")


if __name__ == "__main__":
    sys.exit(main())
