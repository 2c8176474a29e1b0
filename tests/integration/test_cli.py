"""The command line: the demo tells the journeys, the diagrams come from the tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorus_onboarding.cli import diagrams, main


def test_the_demo_tells_every_journey_of_this_release(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    told = capsys.readouterr().out
    for heading in (
        "Parcours 1 ",
        "Parcours 5 ",
        "Parcours 5 bis",
        "Parcours 6 ",
        "Parcours 7 ",
        "Parcours 12 ",
    ):
        assert heading in told
    assert "[activation_expired] Activation du compte refusée" in told
    assert "comptes expirés par le lot : 1" in told
    assert told.count("  ✉ ") >= 10


def test_the_diagrams_command_prints_the_account_lifecycle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diagrams"]) == 0
    printed = capsys.readouterr().out
    assert printed == diagrams()
    assert "stateDiagram-v2" in printed


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fly"])
    assert exited.value.code == 2


def test_a_second_demo_run_on_the_same_file_finds_the_first_run_s_people(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "demo.sqlite3"
    assert main(["demo", "--db", str(database)]) == 0
    first = capsys.readouterr().out
    assert "passage n° 1" in first
    assert main(["demo", "--db", str(database)]) == 0
    second = capsys.readouterr().out
    assert "passage n° 2" in second
    assert "Louise (inscrite au passage précédent) se connecte : ses données sont là." in second
    assert "Agent 2      GAEC" in second.split("Table des accès")[1]


def test_the_expiry_command_runs_the_batch_on_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "batch.sqlite3"
    assert main(["expire", "--db", str(database)]) == 1, "a mistyped file is not created"
    assert not database.exists()
    assert main(["demo", "--db", str(database)]) == 0
    capsys.readouterr()
    assert main(["expire", "--db", str(database)]) == 0
    assert capsys.readouterr().out == "0 activation(s) expirée(s)\n"
