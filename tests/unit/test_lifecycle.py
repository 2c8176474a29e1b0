"""The transition tables and the single machine per entity class."""

from __future__ import annotations

import enum

import pytest

from chorus_onboarding import AccountState
from chorus_onboarding.domain.accounts import ACCOUNT_LIFECYCLE
from chorus_onboarding.domain.lifecycle import Lifecycle, Transition
from chorus_onboarding.errors import InvalidTransition


class Light(enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


class Lamp:
    def __init__(self, state: Light) -> None:
        self.state = state


LIGHTS = Lifecycle(
    "feu",
    Light,
    [Transition("go", (Light.RED,), Light.GREEN), Transition("stop", (Light.GREEN,), Light.RED)],
)


def test_one_machine_drives_any_number_of_entities() -> None:
    lamps = [Lamp(Light.RED) for _ in range(3)]
    for lamp in lamps:
        LIGHTS.fire(lamp, "go")
    assert {lamp.state for lamp in lamps} == {Light.GREEN}
    assert not hasattr(lamps[0], "go"), "no trigger method is glued on the entity"


def test_an_illegal_move_raises_the_library_s_error_not_the_machine_s() -> None:
    lamp = Lamp(Light.GREEN)
    with pytest.raises(InvalidTransition) as refused:
        LIGHTS.fire(lamp, "go")
    assert (refused.value.entity, refused.value.from_state, refused.value.event) == (
        "feu",
        "GREEN",
        "go",
    )
    assert lamp.state is Light.GREEN


def test_an_unknown_event_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        LIGHTS.fire(Lamp(Light.RED), "fly")


def test_an_ambiguous_table_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        Lifecycle(
            "x",
            Light,
            [
                Transition("go", (Light.RED,), Light.GREEN),
                Transition("go", (Light.RED,), Light.RED),
            ],
        )


def test_the_account_table_allows_exactly_the_documented_moves() -> None:
    moves = {
        (source, row.event, row.dest) for row in ACCOUNT_LIFECYCLE.table for source in row.sources
    }
    s = AccountState
    assert moves == {
        (s.CREATED, "send_activation", s.ACTIVATION_PENDING),
        (s.ACTIVATION_PENDING, "resend_activation", s.ACTIVATION_PENDING),
        (s.EXPIRED, "resend_activation", s.ACTIVATION_PENDING),
        # Support reopens an account it closed before activation with a new link.
        (s.DEACTIVATED, "resend_activation", s.ACTIVATION_PENDING),
        (s.ACTIVATION_PENDING, "activate", s.ACTIVE),
        (s.ACTIVATION_PENDING, "expire", s.EXPIRED),
        (s.ACTIVE, "deactivate", s.DEACTIVATED),
        # Support closes an account still pending activation, or expired.
        (s.ACTIVATION_PENDING, "deactivate", s.DEACTIVATED),
        (s.EXPIRED, "deactivate", s.DEACTIVATED),
        (s.DEACTIVATED, "reactivate", s.ACTIVE),
    }


def test_the_diagram_is_drawn_from_the_table() -> None:
    diagram = ACCOUNT_LIFECYCLE.mermaid()
    assert diagram.startswith("stateDiagram-v2\n")
    assert "    ACTIVATION_PENDING --> EXPIRED: expire" in diagram
    assert diagram.count("-->") == 10


def test_allowed_events_are_listed_in_table_order() -> None:
    assert ACCOUNT_LIFECYCLE.allowed_events(AccountState.ACTIVATION_PENDING) == (
        "resend_activation",
        "activate",
        "expire",
        "deactivate",
    )
    assert ACCOUNT_LIFECYCLE.allowed_events(AccountState.DEACTIVATED) == (
        "resend_activation",
        "reactivate",
    )
