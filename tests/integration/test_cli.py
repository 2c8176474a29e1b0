"""The command line: the demo tells the journeys, the diagrams come from the tables."""

from __future__ import annotations

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
    assert "Ce courriel remplace le précédent" in told
    assert "comptes expirés par le lot : 1" in told
    assert told.count("✉  À :") >= 10


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
