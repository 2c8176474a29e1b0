"""One tree's side of ``compare.py``: can_access, full onboardings or the account lifecycle.

``compare.py`` runs this file in a process of its own for each tree it
compares, ``PYTHONPATH`` set to that tree's ``src`` folder, so that both run
the very same measuring code (this folder's modules) and only the package
differs::

    python benchmarks/compare_side.py access '{"accounts": 2000, "quick": true, ...}'

The first argument is the measure (``access``, ``onboarding``,
``lifecycle``), the second the run's :class:`Settings` as JSON. The side
prepares what its measure needs (the stores, the stored rows), then prints
one line of JSON: ``library``, the folder of the ``chorus_onboarding`` it
imported, and ``once``, the figures measured once (the lifecycle's memory;
the others warm up instead). Then, for each line ``round PART`` on its
standard input, it measures that part of a round and prints its figures as
one line of JSON; ``quit`` or the end of its input ends it. While it waits,
it uses no CPU: the other side's part runs on a quiet machine. It prints
nothing else on its standard output; the heap made while preparing is
frozen (``gc.freeze``) for the rounds, as the benchmarks run alone do.

The parts of a round, by measure, and their figures:

- ``access``: ``calls``: ``small_us`` and ``large_us``, µs per
  ``can_access`` call on the small and the large store (the same calls),
  each the best of ``access_rounds`` interleaved passes
  (``access_and_throughput``'s rounds);
- ``onboarding``: ``run``: ``per_second`` and ``us``, one timed run of
  ``onboardings`` full onboardings on a fresh service (the collector on);
- ``lifecycle``: one part per loop of the library (``load``, ``load_fire``,
  ``fire``, ``load_columns``, ``load_gc``, ``load_fire_gc``:
  ``account_lifecycle``'s rows, collector paused or on as there): µs per
  account over ``accounts`` stored accounts, the best of ``runs`` timings;
  once: every loop untimed (the first timing of a loop pays for cold
  caches), then ``memory_<STATE>``, traced bytes per account.

Because both trees run it, it (and every module it imports) imports each name
of ``chorus_onboarding`` from its own module, never from the package's top
level, which does not keep every name from one release to the next.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

import access_and_throughput as shape
import account_lifecycle as lifecycle
from harness import Settings, frozen_heap

import chorus_onboarding
from chorus_onboarding.domain.accounts import AccountState

Figures = dict[str, float]


class Side(Protocol):
    """What one tree measures: once, after preparing, then round after round, part by part."""

    def once(self) -> Figures:
        """Warm up, and measure what is measured once."""
        ...

    def round(self, part: str) -> Figures:
        """Measure ``part`` of a round."""
        ...


class AccessSide:
    """``can_access`` on the small and the large store, the same calls on both."""

    def __init__(self, settings: Settings) -> None:
        self.series = shape.access_stores(settings, spread=False).series
        self.rounds = settings.access_rounds

    def once(self) -> Figures:
        """Untimed calls on both stores."""
        shape.warm_up_calls(self.series)
        return {}

    def round(self, part: str) -> Figures:
        """``calls``: µs per call on each store, the best of the round's interleaved passes."""
        assert part == "calls", part
        small_us, large_us = shape.best_round_us(self.series, self.rounds)
        return {"small_us": small_us, "large_us": large_us}


class OnboardingSide:
    """Full onboardings through the facade, on a fresh in-memory service each round."""

    def __init__(self, settings: Settings) -> None:
        self.records = shape.companies(settings.onboardings)

    def once(self) -> Figures:
        """A few untimed onboardings."""
        shape.warm_up_onboardings()
        return {}

    def round(self, part: str) -> Figures:
        """``run``: one timed run, onboardings per second and µs per onboarding."""
        assert part == "run", part
        wall_ns = shape.timed_run(self.records).wall_ns
        count = len(self.records)
        return {"per_second": count / (wall_ns / 1e9), "us": wall_ns / count / 1000}


class LifecycleSide:
    """Loading and moving stored accounts, and their memory."""

    STATES = (AccountState.ACTIVATION_PENDING, AccountState.ACTIVE)

    def __init__(self, settings: Settings) -> None:
        self.count = settings.accounts
        self.runs = settings.runs
        self.rows, self.columns = lifecycle.pending_account_rows(settings.accounts)
        self.loops = lifecycle.library_loops(self.rows, self.columns)

    def once(self) -> Figures:
        """Every loop once, untimed, then bytes per account for each state (always the same)."""
        for loop in self.loops.values():
            loop(1)
        return {
            f"memory_{state.name}": lifecycle.account_bytes(state, self.count)
            for state in self.STATES
        }

    def round(self, part: str) -> Figures:
        """The loop named ``part``: µs per account, the best of ``runs`` timings."""
        return {part: self.loops[part](self.runs)}


MEASURES: dict[str, Callable[[Settings], Side]] = {
    "access": AccessSide,
    "onboarding": OnboardingSide,
    "lifecycle": LifecycleSide,
}
"""Each measure's side, by the name ``compare.py`` gives on the command line."""


def serve(side: Side, commands: TextIO, out: TextIO) -> None:
    """Say it is ready (with the figures measured once), then answer every ``round``."""

    def say(message: object) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    with frozen_heap():
        once = side.once()
        say({"library": str(Path(chorus_onboarding.__file__).resolve().parent), "once": once})
        for line in commands:
            command, _, part = line.strip().partition(" ")
            if command == "quit":
                return
            if command != "round":
                raise SystemExit(f"unknown command: {line.strip()!r}")
            say(side.round(part))


def main(argv: Sequence[str] | None = None) -> int:
    """``compare_side.py MEASURE SETTINGS_JSON``: prepare, then serve rounds."""
    measure, settings_json = sys.argv[1:] if argv is None else argv
    settings = Settings(**json.loads(settings_json))
    serve(MEASURES[measure](settings), sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
