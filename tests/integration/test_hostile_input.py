"""Inputs an attacker crafts on purpose: forged challenges, lone surrogates, NULs, endless lists."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from chorus_onboarding import Actor, OnboardingError, OnboardingService
from chorus_onboarding.adapters.hashing import Argon2Hasher
from chorus_onboarding.errors import (
    AuthenticationFailed,
    ChallengeInvalid,
    Forbidden,
    InvalidInput,
    NotFound,
    TokenInvalid,
)
from chorus_onboarding.testing.fakes import SequentialIds
from chorus_onboarding.testing.world import LOUISE, PASSWORD, World, build_world

# argon2id at its cheapest: the real code path, in milliseconds.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
SURROGATE = "Mot-De-Passe-\ud800-2024"


@pytest.mark.parametrize("forged", ["52601815500014", "9" * 20 + ".x", "99999999999999.", "-1.x"])
def test_a_forged_challenge_is_refused_as_a_challenge(forged: str) -> None:
    world = build_world()
    world.active_user()
    with pytest.raises(ChallengeInvalid):
        world.service.answer_secret_question(LOUISE, forged, "Médor")


def test_a_lone_surrogate_in_a_password_is_an_answer_under_the_real_argon2() -> None:
    world = build_world()
    world.service = OnboardingService.in_memory(
        store=world.memory,
        clock=world.clock,
        mailer=world.mailbox,
        ids=SequentialIds("argon"),
        hasher=Argon2Hasher(**CHEAP_ARGON2),
    )
    me = world.active_user()
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, SURROGATE)
    with pytest.raises(AuthenticationFailed):
        world.service.login("personne@exemple.fr", SURROGATE)
    with pytest.raises(OnboardingError):
        world.service.change_password(
            me,
            current_password=PASSWORD,
            new_password=SURROGATE,
            password_confirmation=SURROGATE,
        )
    assert world.log_in(LOUISE, PASSWORD).account_id == me.account_id


def test_batches_take_a_thousand_and_refuse_more_rather_than_cut() -> None:
    world = build_world()
    me = world.active_user()
    outcomes = world.service.validate_attachments(me, [f"nope-{n}" for n in range(1000)])
    assert len(outcomes) == 1000
    with pytest.raises(InvalidInput) as refused:
        world.service.validate_attachments(me, (f"nope-{n}" for n in range(1500)))
    assert refused.value.field == "attachment_ids"


def test_an_endless_list_of_names_gets_an_answer() -> None:
    with pytest.raises(InvalidInput):
        build_world().service.password_strength("azerty", names=itertools.repeat("Louise"))


def test_a_junk_reset_token_tells_nothing_of_the_account_s_state() -> None:
    world = build_world()
    world.register("pending@exemple.fr", "39099603100014")
    gone = world.active_user()
    world.service.deactivate_account(gone)
    for email in ("pending@exemple.fr", LOUISE, "personne@exemple.fr"):
        with pytest.raises(TokenInvalid):
            world.service.reset_password(
                login_email=email,
                token="not-a-token",
                new_password="Un-Autre-2024!x",
                password_confirmation="Un-Autre-2024!x",
            )


@pytest.fixture
def any_store(chorus_any_world: World) -> World:
    """A world on each store (the kit's), so that the same junk gets the same answer everywhere."""
    return chorus_any_world


@pytest.mark.parametrize("junk", ["\x00", "id\x00", "\ud800", "a\udfff", "x" * 10_000])
def test_an_id_no_store_can_hold_is_not_found_on_every_store(any_store: World, junk: str) -> None:
    me = any_store.active_user()
    calls: list[Callable[[], object]] = [
        lambda: any_store.service.structure(me, junk),
        lambda: any_store.service.request_attachment(me, junk),
        lambda: any_store.service.manager_history(me, junk),
        lambda: any_store.service.can_access(
            junk, junk, "FACTURES_EMISES", "CONSULTATION_UNIQUEMENT"
        ),
        lambda: any_store.service.managed_structures(Actor.user(junk)),
        lambda: any_store.service.validate_attachment(me, junk),
        lambda: any_store.service.cancel_subscription(me, junk),
    ]
    for call in calls:
        try:
            call()
        except OnboardingError as error:
            # Refusals may be the more specific Forbidden of a rule (actor_not_active...).
            assert isinstance(error, NotFound | Forbidden | InvalidInput), error.code
