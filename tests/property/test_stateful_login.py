"""The stateful kit drives the code emailed at login, and catches a layer that breaks its rules.

:class:`~chorus_onboarding.testing.stateful.LoginCodeMachine` runs the base
machine's programs on a portal that asks for the code, with the login steps
besides: the library passes; a library that forgets wrong passwords once the
right one is typed, or a page that refuses codes typed in groups, fail, and
the message names the step.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from hypothesis.stateful import run_state_machine_as_test

from chorus_onboarding import OnboardingService
from chorus_onboarding.domain.accounts import Account
from chorus_onboarding.testing.stateful import (
    LOGIN_OPERATIONS,
    LoginCodeMachine,
    OnboardingMachine,
    Outcome,
)
from tests.property.bounded import bounded


class TightLogins(LoginCodeMachine):
    """Two failures suspend, two tries per code: suspensions within most programs."""

    world_settings: ClassVar[Mapping[str, Any]] = {
        "login_code": True,
        "max_failed_logins": 2,
        "login_code_tries": 2,
    }


class LoginsOnly(TightLogins):
    """Every step a go at logging in (or a deactivation): a broken count shows within a program.

    The base machine's membership rules are left out (a rule overridden by
    a plain attribute is no rule to Hypothesis); its checks still run.
    """


for _membership_rule in (
    "ask_to_join",
    "withdraw_a_request",
    "decide_a_request",
    "invite",
    "answer_an_invitation",
    "detach",
    "leave",
    "ask_for_a_subscription",
    "decide_a_subscription",
    "delegate",
    "transfer",
    "appoint",
    "open_or_close",
):
    assert callable(getattr(LoginCodeMachine, _membership_rule)), _membership_rule
    setattr(LoginsOnly, _membership_rule, None)


def test_the_library_keeps_the_login_rules() -> None:
    run_state_machine_as_test(LoginCodeMachine, settings=bounded(100))


def test_the_library_keeps_the_login_rules_near_suspension() -> None:
    run_state_machine_as_test(TightLogins, settings=bounded(100))
    run_state_machine_as_test(LoginsOnly, settings=bounded(50))


STEP = r"(login|confirm_login_code|resend_login_code)\(.*\) for user\d .*: "
"""How a failure names a login step and who took it."""


def failure_of(machine: type[LoginCodeMachine]) -> str:
    """The message ``machine`` fails with, within 300 programs (failing the test if it passes)."""
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(machine, settings=bounded(300))
    return str(failure.value)


def test_a_library_whose_right_password_forgets_the_wrong_ones_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send = Account.send_login_code

    def forgetful(self: Account, *arguments: Any, **keywords: Any) -> None:
        send(self, *arguments, **keywords)
        self.failed_logins = 0  # knowing the password would buy fresh guesses at the code

    monkeypatch.setattr(Account, "send_login_code", forgetful)
    assert re.match(STEP + "the rules refuse it, the library did it", failure_of(LoginsOnly))


def test_a_library_that_counts_no_wrong_code_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    check = Account.try_login_code

    def uncounted(self: Account, *arguments: Any) -> bool:
        right = check(self, *arguments)
        if not right and self.failed_logins:
            self.failed_logins -= 1  # a wrong code would then be a free guess
        return right

    monkeypatch.setattr(Account, "try_login_code", uncounted)
    assert re.match(STEP + "the rules refuse it, the library did it", failure_of(LoginsOnly))


class StrictCodePage(LoginsOnly):
    """A host page that takes digits only: a code typed in groups never reaches the library."""

    def perform_login(self, operation: str, **arguments: Any) -> Outcome:
        if operation == "confirm_login_code" and not arguments["code"].isdigit():
            return Outcome.of_http(400, {"code": "login_code_rejected"})
        return super().perform_login(operation, **arguments)


def test_a_code_page_refusing_codes_typed_in_groups_fails() -> None:
    # The first code typed in groups that the rules allow, or a later step the
    # page's uncounted refusals put out of step with the rules.
    assert re.match(
        STEP + "the rules (allow|refuse) it, the host layer (refused|did) it",
        failure_of(StrictCodePage),
    )


def test_every_login_step_is_a_facade_method_taking_those_arguments() -> None:
    for operation, arguments in LOGIN_OPERATIONS.items():
        parameters = inspect.signature(getattr(OnboardingService, operation)).parameters
        assert "actor" not in parameters
        assert set(arguments) <= parameters.keys(), operation


def test_the_base_machine_keeps_the_default_settings() -> None:
    assert OnboardingMachine.world_settings == {}
    assert LoginCodeMachine.world_settings == {"login_code": True}
