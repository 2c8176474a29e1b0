"""Run every benchmark of this folder in one go and print their figures side by side.

::

    python benchmarks/run.py                  # 100,000 accounts, 1,000,000 subscriptions
    python benchmarks/run.py --accounts 20000 --subscriptions 200000 --onboardings 500
    python benchmarks/run.py --postgres-url postgresql+psycopg://user@host/db
    python benchmarks/run.py --relay-emails 5000 --flows 500 --before-src ../previous/src
    python benchmarks/run.py --before-src ../previous/src --now-src ../current/src
    python benchmarks/run.py --quick          # about a minute, for a smoke test
    python benchmarks/run.py --check          # exit status 1 if a target fails

A test can call :func:`main` directly: ``main(["--quick"])`` returns the exit
status. To add a benchmark, write a module here with a ``run(settings) ->
Result`` function (see ``harness.py``) and list it in :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The benchmarks are plain modules next to this file, not a package: when
# this file is imported from elsewhere (a smoke test) rather than run as a
# script, its folder is not on the path yet (run as a script, it is already
# first, and a second entry changes nothing).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import access_and_throughput
import account_lifecycle
import compare
import login_timing
import persistence
import relay
import sirene_register
from harness import Benchmark, Result, Row, Settings, format_number

BENCHMARKS: tuple[Benchmark, ...] = (
    account_lifecycle.run,
    access_and_throughput.run,
    persistence.run,
    relay.run,
    compare.run,
    sirene_register.run,
    login_timing.run,
)
"""Every benchmark, in the order their tables are printed."""

DEFAULT_ACCOUNTS = 100_000
QUICK = Settings(
    accounts=2_000,
    quick=True,
    anchor_budget_s=1.0,
    anchor_sample=300,
    memory_sample=200,
    access_large=100_000,
    access_rounds=3,
    access_passes=2,
    onboardings=100,
    registrations=100,
    sql_store_blocks=2,
    sql_access_pairs=25,
    sql_rounds=1,
    expiry_accounts=20_000,
    expiry_runs=2,
    relay_emails=200,
    relay_rounds=1,
    sql_flows=20,
    sql_flow_runs=1,
    compare_rounds=2,
    compare_subscriptions=10_000,
    login_rounds=30,
)
"""Small enough for a smoke test (a few seconds), big enough to exercise every path."""

POSTGRES_URL_VARIABLES = ("CHORUS_BENCH_POSTGRES_URL", "CHORUS_TEST_POSTGRES_URL")
"""Where the PostgreSQL server's URL is looked for without ``--postgres-url``, in order."""
BEFORE_SRC_VARIABLE = "CHORUS_BENCH_BEFORE_SRC"
"""Where the previous release's ``src`` folder is looked for without ``--before-src``."""
NOW_SRC_VARIABLE = "CHORUS_BENCH_NOW_SRC"
"""Where the compared release's ``src`` folder is looked for without ``--now-src``."""


def _positive(text: str) -> int:
    try:
        number = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_settings(
    argv: Sequence[str] | None, prog: str = "benchmarks/run.py"
) -> tuple[Settings, bool]:
    """The run's :class:`Settings` and whether failed targets make the exit status 1.

    ``prog`` is the command named in the help (a benchmark run alone takes
    the same options).
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the benchmarks of chorus_onboarding and print their figures.",
    )
    parser.add_argument(
        "--accounts",
        type=_positive,
        default=None,
        metavar="N",
        help=f"accounts in account_lifecycle (default {DEFAULT_ACCOUNTS:,}; "
        f"{QUICK.accounts:,} with --quick)",
    )
    parser.add_argument(
        "--subscriptions",
        type=_positive,
        default=None,
        metavar="N",
        help=f"subscriptions in the large store can_access is timed on (default "
        f"{Settings(accounts=1).access_large:,}; {QUICK.access_large:,} with --quick, "
        f"{QUICK.compare_subscriptions:,} in its before/after comparison)",
    )
    parser.add_argument(
        "--onboardings",
        type=_positive,
        default=None,
        metavar="N",
        help=f"full onboardings per timed run (default {Settings(accounts=1).onboardings:,}; "
        f"{QUICK.onboardings:,} with --quick)",
    )
    parser.add_argument(
        "--registrations",
        type=_positive,
        default=None,
        metavar="N",
        help=f"registrations through the facade on each database (default "
        f"{Settings(accounts=1).registrations:,}; {QUICK.registrations:,} with --quick)",
    )
    parser.add_argument(
        "--expiry-accounts",
        type=_positive,
        default=None,
        metavar="N",
        help=f"accounts in the expiry batch's table, 1%% overdue (default "
        f"{Settings(accounts=1).expiry_accounts:,}; {QUICK.expiry_accounts:,} with --quick)",
    )
    parser.add_argument(
        "--relay-emails",
        type=_positive,
        default=None,
        metavar="N",
        help=f"emails drained by the outbox relay on each database (default "
        f"{Settings(accounts=1).relay_emails:,}; {QUICK.relay_emails:,} with --quick)",
    )
    parser.add_argument(
        "--flows",
        type=_positive,
        default=None,
        metavar="N",
        help=f"full onboardings per timed run on each database, this release and the "
        f"previous one (default {Settings(accounts=1).sql_flows:,}; {QUICK.sql_flows:,} "
        "with --quick)",
    )
    parser.add_argument(
        "--compare-rounds",
        type=_positive,
        default=None,
        metavar="N",
        help=f"rounds of the before/after comparison, alternating between the trees (default "
        f"{Settings(accounts=1).compare_rounds:,}; {QUICK.compare_rounds:,} with --quick)",
    )
    parser.add_argument(
        "--login-rounds",
        type=_positive,
        default=None,
        metavar="N",
        help=f"rounds of the login timing, every refusal once a round (default "
        f"{Settings(accounts=1).login_rounds:,}; {QUICK.login_rounds:,} with --quick)",
    )
    parser.add_argument(
        "--before-src",
        default=None,
        metavar="PATH",
        help=f"the previous release's src folder, for the relay benchmark and the before/after "
        f"comparison (default: ${BEFORE_SRC_VARIABLE}, else taken from the repository's "
        "history: each names its commit)",
    )
    parser.add_argument(
        "--now-src",
        default=None,
        metavar="PATH",
        help=f"the src folder of the release compared to the previous one, in the relay's "
        f"onboardings and the before/after comparison (default: ${NOW_SRC_VARIABLE}, else "
        "the chorus_onboarding this command imports)",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        metavar="URL",
        help="PostgreSQL server for the persistence and relay benchmarks (default: $"
        + " or $".join(POSTGRES_URL_VARIABLES)
        + "; without one, PostgreSQL is not run); its tables go to a schema of their "
        "own, dropped afterwards",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke test: figures are indicative only",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when a target is not met",
    )
    options = parser.parse_args(argv)
    settings = QUICK if options.quick else Settings(accounts=DEFAULT_ACCOUNTS)
    if options.accounts is not None:
        settings = replace(settings, accounts=options.accounts)
    if options.subscriptions is not None:
        settings = replace(settings, access_large=options.subscriptions, compare_subscriptions=None)
    if options.onboardings is not None:
        settings = replace(settings, onboardings=options.onboardings)
    if options.registrations is not None:
        settings = replace(settings, registrations=options.registrations)
    if options.expiry_accounts is not None:
        settings = replace(settings, expiry_accounts=options.expiry_accounts)
    if options.relay_emails is not None:
        settings = replace(settings, relay_emails=options.relay_emails)
    if options.flows is not None:
        settings = replace(settings, sql_flows=options.flows)
    if options.compare_rounds is not None:
        settings = replace(settings, compare_rounds=options.compare_rounds)
    if options.login_rounds is not None:
        settings = replace(settings, login_rounds=options.login_rounds)
    before_src = options.before_src or os.environ.get(BEFORE_SRC_VARIABLE) or None
    now_src = options.now_src or os.environ.get(NOW_SRC_VARIABLE) or None
    settings = replace(settings, before_src=before_src, now_src=now_src)
    postgres_url = options.postgres_url or next(
        (os.environ[name] for name in POSTGRES_URL_VARIABLES if os.environ.get(name)), None
    )
    settings = replace(settings, postgres_url=postgres_url)
    return settings, bool(options.check)


def _cells(row: Row, anchored: bool) -> list[str]:
    ratio = row.ratio
    value = "" if row.value is None else format_number(row.value, row.decimals)
    figures = [row.measure, row.unit, value]
    if anchored:
        figures += [
            "" if row.anchor is None else format_number(row.anchor, row.decimals),
            "" if ratio is None else f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:,.1f}×",
        ]
    return [*figures, row.note]


def render(result: Result, settings: Settings) -> str:
    """One benchmark's table: a column per side, rows grouped by section, then its notes.

    The reference and ratio columns are left out when no row has a reference.
    """
    anchored = any(row.anchor is not None for row in result.rows)
    header = ["measure", "unit", result.value_name]
    if anchored:
        header += [result.anchor_name, "ratio"]
    header.append("note")
    body = [_cells(row, anchored) for row in result.rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    # Text columns are aligned left, figures right.
    left = {0, 1, len(header) - 1}

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    out = [
        f"== {result.title}",
        f"   {result.scale or f'{settings.accounts:,} accounts'}, {result.seconds:,.1f} s",
        "",
        line(header),
    ]
    section = None
    for row, cells in zip(result.rows, body, strict=True):
        if row.section != section:
            section = row.section
            out.append(f"-- {section}")
        out.append(line(cells))
    out.extend(f"note: {note}" for note in result.notes)
    if anchored:
        out.append(f"ratio: {result.anchor_name} divided by this library (× cheaper).")
        if any(row.rate and row.anchor is not None for row in result.rows):
            out.append("  For a rate (per second): this library divided by the reference.")
    return "\n".join(out)


def _version(name: str) -> str:
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return f"{name} not installed"


def _environment() -> str:
    packages = ", ".join(
        _version(name) for name in ("transitions", "attrs", "SQLAlchemy", "psycopg")
    )
    return (
        f"Python {platform.python_version()} ({platform.machine()}, {platform.system()}); "
        f"{packages}; SQLite {sqlite3.sqlite_version}"
    )


def main(
    argv: Sequence[str] | None = None,
    benchmarks: Sequence[Benchmark] = BENCHMARKS,
    prog: str = "benchmarks/run.py",
) -> int:
    """Run the benchmarks, print the tables and one verdict line per target.

    Returns the exit status: 0, or 1 with ``--check`` when a target fails.
    A benchmark run alone passes itself as ``benchmarks``, and its command as
    ``prog`` (named in the help).
    """
    settings, check = parse_settings(argv, prog=prog)
    print(_environment())
    if settings.quick:
        print("quick mode: small sizes, figures are indicative only")
    results: list[Result] = []
    for benchmark in benchmarks:
        start = time.perf_counter()
        result = benchmark(settings)
        result = replace(result, seconds=time.perf_counter() - start)
        results.append(result)
        print()
        print(render(result, settings), flush=True)
    targets = [target for result in results for target in result.targets]
    print()
    print("== verdicts")
    for target in targets:
        print(target.verdict())
    measured = [target for target in targets if not target.not_run]
    failed = sum(not target.passed for target in measured)
    skipped = len(targets) - len(measured)
    print(
        f"{len(measured) - failed} of {len(measured)} targets met"
        + (f" ({skipped} not run)." if skipped else ".")
    )
    return 1 if check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
