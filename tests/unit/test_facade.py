"""The facade is composition: each method delegates to one use-case function of a journey module."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.domain.errors import ActivationExpired
from chorus_onboarding.forms import NewStructureRegistration
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.service.context import Context
from chorus_onboarding.testing.fakes import FrozenClock, link_parameters
from chorus_onboarding.testing.world import ANSWER, LOUISE, LOUISE_SIRET, PASSWORD, QUESTION

_PLUMBING = {
    "close",
    "deliver_notifications",
    "from_url",
    "in_memory",
    "notifier",
    "ports",
    "relay",
    "settings",
    "sqlite",
    "start_relay",
}


def _use_cases() -> dict[str, object]:
    return {
        name: value
        for name, value in vars(OnboardingService).items()
        if not name.startswith("_") and name not in _PLUMBING
    }


def test_the_facade_inherits_nothing_but_object() -> None:
    assert OnboardingService.__mro__ == (OnboardingService, object)


def test_there_are_use_cases_to_delegate_to() -> None:
    assert len(_use_cases()) >= 55


@pytest.mark.parametrize("name", sorted(_use_cases()))
def test_each_method_delegates_to_a_function_of_a_journey_module(name: str) -> None:
    method = _use_cases()[name]
    use_case = inspect.unwrap(method)  # type: ignore[arg-type]
    assert use_case is not method, f"{name} is written on the facade instead of delegated"
    assert use_case.__name__ == name
    module = use_case.__module__
    assert module.startswith("chorus_onboarding.service."), module
    assert module.rsplit(".", 1)[1] not in {"facade", "context", "use_cases"}
    first = next(iter(inspect.signature(use_case).parameters.values()))
    assert first.name == "ctx"
    assert first.annotation in (Context, "Context")
    assert use_case.__doc__
    assert method.__doc__ == use_case.__doc__


def test_a_bound_method_shows_the_use_case_signature_without_its_context() -> None:
    with OnboardingService.in_memory() as service:
        shown = inspect.signature(service.invite_user)
    assert list(shown.parameters) == ["actor", "structure_id", "login_email"]


class _Heard:
    def __init__(self) -> None:
        self.events: list[str] = []

    def handle(self, event: object, entry_id: str) -> None:
        self.events.append(type(event).__name__)


def test_a_command_hands_its_events_over_even_when_it_fails_after_committing() -> None:
    # Following a link past its deadline records ActivationExpired, commits it,
    # then refuses: the subscriber hears of it at once, not at the next call.
    heard = _Heard()
    clock = FrozenClock()
    mailbox = MemoryMailbox()
    with OnboardingService.in_memory(
        clock=clock, hasher=FastInsecureHasher(), mailer=mailbox, subscribers=[heard]
    ) as service:
        service.register_with_new_structure(
            NewStructureRegistration(
                login_email=LOUISE,
                login_email_confirmation=LOUISE,
                last_name="GALFE",
                first_name="Louise",
                captcha="XWWXS",
                siret=LOUISE_SIRET,
            )
        )
        link = link_parameters(mailbox, LOUISE, "activationCompte")
        clock.advance(service.settings.activation_validity + timedelta(seconds=1))
        with pytest.raises(ActivationExpired):
            service.activate_account(
                login_email=LOUISE,
                token=link["token"],
                password=PASSWORD,
                password_confirmation=PASSWORD,
                secret_question=QUESTION,
                secret_answer=ANSWER,
            )
        assert heard.events[-1] == "ActivationExpired"
