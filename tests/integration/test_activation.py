"""Journey 5: activating the account from the emailed link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from chorus_onboarding import AccountState, Actor
from chorus_onboarding.errors import (
    ActivationExpired,
    Forbidden,
    InvalidForm,
    InvalidInput,
    InvalidTransition,
    TokenInvalid,
)
from chorus_onboarding.testing.world import (
    ANSWER,
    LOUISE,
    PASSWORD,
    QUESTION,
    THIRTY_DAYS,
    World,
)


def _activate_with(world: World, link: dict[str, str], **changes: str) -> None:
    values = {
        "login_email": link["email"],
        "token": link["token"],
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "secret_question": QUESTION,
        "secret_answer": ANSWER,
    }
    values.update(changes)
    world.service.activate_account(**values)


def _state(world: World, account_id: str) -> AccountState:
    return world.service.account(Actor.support(), account_id).state


def test_the_link_activates_the_account_with_the_chosen_password(world: World) -> None:
    account_id = world.register()
    world.activate()
    assert _state(world, account_id) is AccountState.ACTIVE
    assert world.log_in(LOUISE, PASSWORD).account_id == account_id


def test_the_link_is_still_valid_at_the_deadline(world: World) -> None:
    account_id = world.register()
    world.clock.advance(THIRTY_DAYS)
    world.activate()
    assert _state(world, account_id) is AccountState.ACTIVE


def test_the_link_is_refused_one_second_after_the_deadline_and_the_account_expires(
    world: World,
) -> None:
    account_id = world.register()
    world.clock.advance(THIRTY_DAYS + timedelta(seconds=1))
    with pytest.raises(ActivationExpired) as refused:
        world.activate()
    assert "Activation du compte refusée" in str(refused.value)
    assert "03/02/2018 10:05:10" in str(refused.value)
    assert _state(world, account_id) is AccountState.EXPIRED


def test_the_validity_is_configurable_like_the_portal_s_sixty_minutes(
    make_world: Callable[..., World],
) -> None:
    world = make_world(activation_validity=timedelta(minutes=60))
    world.register()
    world.clock.advance(minutes=61)
    with pytest.raises(ActivationExpired):
        world.activate()


def test_a_resend_cancels_the_previous_link_and_restarts_the_window(world: World) -> None:
    account_id = world.register()
    first = world.link(LOUISE)
    world.clock.advance(days=20)
    world.service.resend_activation(Actor.support(), account_id)
    second = world.link(LOUISE)
    assert second["token"] != first["token"]
    with pytest.raises(TokenInvalid):
        _activate_with(world, first)
    world.clock.advance(days=29)
    _activate_with(world, second)
    assert _state(world, account_id) is AccountState.ACTIVE


def test_an_expired_account_comes_back_with_a_resent_email(world: World) -> None:
    account_id = world.register()
    world.clock.advance(days=31)
    with pytest.raises(ActivationExpired):
        world.activate()
    world.service.resend_activation(Actor.support(), account_id)
    assert "remplace le précédent" in world.mailbox.last_to(LOUISE).body
    world.activate()
    assert _state(world, account_id) is AccountState.ACTIVE


def test_only_support_may_resend_for_now(world: World) -> None:
    account_id = world.register()
    with pytest.raises(Forbidden):
        world.service.resend_activation(Actor.user(account_id), account_id)


def test_an_active_account_cannot_be_sent_an_activation_again(world: World) -> None:
    account_id = world.register()
    world.activate()
    with pytest.raises(InvalidTransition) as refused:
        world.service.resend_activation(Actor.support(), account_id)
    assert refused.value.from_state == "ACTIVE"


def test_the_link_is_single_use(world: World) -> None:
    world.register()
    link = world.link(LOUISE)
    _activate_with(world, link)
    with pytest.raises(TokenInvalid):
        _activate_with(world, link)


@pytest.mark.parametrize(
    "tampering",
    [
        {"token": "forged-token"},
        {"login_email": "someone.else@exemple.fr"},
        {"login_email": "not an email"},
        {"token": ""},
    ],
)
def test_a_tampered_link_is_refused_the_same_way(world: World, tampering: dict[str, str]) -> None:
    world.register()
    link = {
        **world.link(LOUISE),
        **{k.replace("login_email", "email"): v for k, v in tampering.items()},
    }
    with pytest.raises(TokenInvalid) as refused:
        _activate_with(world, link)
    assert refused.value.code == "token_invalid"


def test_the_password_must_follow_the_policy_and_be_typed_twice(world: World) -> None:
    account_id = world.register()
    link = world.link(LOUISE)
    with pytest.raises(InvalidForm) as refused:
        _activate_with(
            world, link, password="court", password_confirmation="autre", secret_answer="x"
        )
    assert refused.value.codes() == {
        "password_confirmation": "password_confirmation_mismatch",
        "secret_answer": "invalid_input",
    }
    with pytest.raises(InvalidForm) as refused:
        _activate_with(world, link, password="azerty", password_confirmation="azerty")
    (error,) = refused.value.errors
    assert error.code == "password_rejected"
    assert _state(world, account_id) is AccountState.ACTIVATION_PENDING
    _activate_with(world, link)


def test_the_password_may_not_contain_the_login_email(world: World) -> None:
    world.register()
    password = "Louise.Galfe-2024!"
    with pytest.raises(InvalidForm) as refused:
        _activate_with(world, world.link(LOUISE), password=password, password_confirmation=password)
    assert "contains_login_email" in refused.value.errors[0].reasons  # type: ignore[attr-defined]


def test_the_expiry_batch_expires_only_the_overdue_accounts(world: World) -> None:
    late = world.register()
    world.clock.advance(days=10)
    fresh = world.register("paul@exemple.fr", "90830166600016")
    world.clock.advance(days=20, seconds=1)
    assert world.service.expire_overdue_activations() == 1
    assert _state(world, late) is AccountState.EXPIRED
    assert _state(world, fresh) is AccountState.ACTIVATION_PENDING
    assert world.service.expire_overdue_activations() == 0


def test_the_expiry_batch_works_in_batches(make_world: Callable[..., World]) -> None:
    world = make_world(expiry_batch_size=2)
    sirets = [
        "52601815500014",
        "90830166600016",
        "39099603100014",
        "13186091800013",
        "94821993600010",
    ]
    for number, siret in enumerate(sirets):
        world.register(f"user{number}@exemple.fr", siret)
    world.clock.advance(days=31)
    told: list[int] = []
    assert world.service.expire_overdue_activations(progress=told.append) == 5
    assert told == [2, 2, 1], "each committed batch is told as it ends"


def test_a_progress_callback_that_is_junk_or_fails_is_the_library_s_error(
    make_world: Callable[..., World],
) -> None:
    world = make_world(expiry_batch_size=1)
    world.register("user@exemple.fr", "90830166600016")
    world.clock.advance(days=31)
    with pytest.raises(InvalidInput) as junk:
        world.service.expire_overdue_activations(progress="every batch")  # type: ignore[arg-type]
    assert junk.value.field == "progress"
    with pytest.raises(InvalidInput) as failed:
        world.service.expire_overdue_activations(progress=len)  # type: ignore[arg-type]
    assert failed.value.field == "progress"
    # The batch told before the callback failed stays committed.
    assert world.service.expire_overdue_activations() == 0
