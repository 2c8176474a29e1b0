"""The benchmark command runs end to end (its figures are read by people, not asserted here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def test_the_quick_benchmark_runs_and_prints_a_verdict_per_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    printed = capsys.readouterr().out
    assert "== verdicts" in printed
    assert printed.count("PASS") + printed.count("FAIL") >= 6
    assert "machines per account" in printed
    assert "can_access with 100,000 vs 1,000 subscriptions" in printed
    assert "full onboardings per second" in printed
    assert "SQLite: registrations per second" in printed
    assert "expire_overdue_activations()" in printed
    assert "20,000 vs 2,000 accounts with the same 200 overdue, SQLite" in printed
    assert "the outbox relay: one SMTP connection per batch" in printed
    assert "SQLite: emails per second" in printed
    assert "onboardings per second, use cases + relay" in printed
    assert "before and after: can_access, full onboardings and the account lifecycle" in printed
    assert "no slower than before: can_access, 10,000 subscriptions" in printed
    assert "no slower than before: full onboardings per second, in memory" in printed
    assert "no slower than before: lifecycle: load Account(**stored fields)" in printed
    assert "the offline company register: SIRENE stock files loaded, SIRETs looked up" in printed
    assert "lookup(): held SIRETs per second" in printed
    assert "login timing: what a stranger can time, email known or not" in printed
    assert "password step: unknown / known email, median" in printed
    assert "login timing, code step, forged challenge: unknown / known email" in printed
