"""The stateful kit drives the change of SIRET, and catches a portal that forgets a former one.

:class:`~chorus_onboarding.testing.stateful.SiretChangeMachine` runs the base
machine's programs with changes of SIRET besides: the library passes; a
store that no longer finds structures by their former SIRET fails.
"""

from __future__ import annotations

import inspect
import re

import pytest
from hypothesis.stateful import run_state_machine_as_test

from chorus_onboarding import OnboardingService
from chorus_onboarding.adapters.memory import MemoryStructureRepository
from chorus_onboarding.testing.stateful import (
    OPERATIONS,
    SIRET_OPERATIONS,
    SiretChangeMachine,
)
from tests.property.bounded import bounded


def test_the_library_keeps_the_rules_of_a_change_of_siret() -> None:
    run_state_machine_as_test(SiretChangeMachine, settings=bounded(100))


def test_a_store_that_forgets_former_sirets_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        MemoryStructureRepository, "get_by_former_identifier", lambda self, identifier: None
    )
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(SiretChangeMachine, settings=bounded(300))
    assert re.match(
        r"(registered_structure|register_with_new_structure|declare_siret_change)\(.*siret",
        str(failure.value),
    )


def test_the_change_of_siret_is_a_facade_method_taking_an_actor_and_those_arguments() -> None:
    assert not SIRET_OPERATIONS.keys() & OPERATIONS.keys()
    for operation, arguments in SIRET_OPERATIONS.items():
        parameters = inspect.signature(getattr(OnboardingService, operation)).parameters
        assert {"actor", *arguments} <= parameters.keys(), operation
