"""Journeys 6 and 7: logging in, and the forgotten-password procedure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from chorus_onboarding import Actor, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.domain.accounts import SUGGESTED_SECRET_QUESTIONS
from chorus_onboarding.errors import (
    AccountNotActive,
    AuthenticationFailed,
    CaptchaRejected,
    ChallengeInvalid,
    InvalidForm,
    ResetLinkExpired,
    SecretAnswerRejected,
    TokenInvalid,
)
from chorus_onboarding.testing.fakes import opened
from chorus_onboarding.testing.world import LOUISE, PASSWORD, QUESTION, World, build_world

NEW_PASSWORD = "Nouveau-Départ-2025"


# --- journey 6 -----------------------------------------------------------------


def test_login_is_case_insensitive_on_the_email(world: World) -> None:
    actor = world.active_user()
    result = world.log_in("  LOUISE.Galfe@Dressing-Louise.FR ", PASSWORD)
    assert result.account_id == actor.account_id
    assert result.previous_login_at is None
    world.clock.advance(hours=1)
    assert world.log_in(LOUISE, PASSWORD).previous_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [(LOUISE, "Mauvais-Mot-2024"), ("inconnu@exemple.fr", PASSWORD), ("pas une adresse", PASSWORD)],
)
def test_a_failed_login_never_tells_whether_the_email_exists(
    world: World, email: str, password: str
) -> None:
    world.active_user()
    with pytest.raises(AuthenticationFailed) as refused:
        world.service.login(email, password)
    assert refused.value.code == "authentication_failed"
    assert str(refused.value) == "Adresse électronique ou mot de passe incorrect."


def test_an_account_not_yet_activated_cannot_log_in(world: World) -> None:
    world.register()
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)


def test_five_failures_block_logins_for_a_while_and_tell_the_owner(world: World) -> None:
    world.active_user()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Mauvais-Mot-2024")
    notice = world.mailbox.last_to(LOUISE)
    assert notice.subject == "Chorus Pro - Tentatives de connexion infructueuses"
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)
    world.clock.advance(minutes=15)
    assert world.service.login(LOUISE, PASSWORD)


def test_a_success_resets_the_failure_count(world: World) -> None:
    world.active_user()
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Mauvais-Mot-2024")
    world.service.login(LOUISE, PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Mauvais-Mot-2024")
    assert world.service.login(LOUISE, PASSWORD)


def test_the_failure_limit_is_configurable(make_world: Callable[..., World]) -> None:
    world = make_world(max_failed_logins=2, login_block=timedelta(hours=2))
    world.active_user()
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Mauvais-Mot-2024")
    world.clock.advance(hours=1)
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)


def test_a_deactivated_account_cannot_log_in_even_with_its_password(world: World) -> None:
    actor = world.active_user()
    world.service.deactivate_account(actor)
    with pytest.raises(AccountNotActive) as refused:
        world.service.login(LOUISE, PASSWORD)
    assert "désactivé" in str(refused.value)


class _UpgradedHasher(FastInsecureHasher):
    """Today's parameters; still verifies the hashes made with yesterday's."""

    PREFIX = "fast-insecure-v2$"

    def verify(self, hashed: str, secret: str) -> bool:
        return super().verify(hashed, secret) or FastInsecureHasher().verify(hashed, secret)


def test_a_hash_made_with_old_parameters_is_redone_at_login(world: World) -> None:
    actor = world.active_user()
    old_hash = _stored_hash(world, actor)
    upgraded = OnboardingService.in_memory(
        store=world.memory, clock=world.clock, hasher=_UpgradedHasher(), mailer=world.mailbox
    )
    upgraded.login(LOUISE, PASSWORD)
    new_hash = _stored_hash(world, actor)
    assert new_hash != old_hash
    assert new_hash.startswith(_UpgradedHasher.PREFIX)
    assert opened(upgraded.login(LOUISE, PASSWORD)).account_id == actor.account_id


def _stored_hash(world: World, actor: Actor) -> str:
    assert actor.account_id is not None
    stored = world.memory.accounts.rows[actor.account_id].password_hash
    assert stored is not None
    return stored


# --- journey 7 -----------------------------------------------------------------


def _ask_reset(world: World, answer: str = "medor") -> dict[str, str]:
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    assert step.question == QUESTION
    world.service.answer_secret_question(LOUISE, step.challenge, answer)
    return world.link(LOUISE, "reinitialisationMotDePasse")


def test_a_right_answer_emails_a_link_that_sets_a_new_password(world: World) -> None:
    world.active_user()
    link = _ask_reset(world, "  MÉDOR ")
    world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )
    assert world.service.login(LOUISE, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)
    assert (
        world.mailbox.last_to(LOUISE).subject == "Chorus Pro - Modification de votre mot de passe"
    )


def test_the_answer_alone_never_changes_the_password(world: World) -> None:
    world.active_user()
    _ask_reset(world)
    assert world.service.login(LOUISE, PASSWORD)


def test_the_captcha_is_checked_first(world: World) -> None:
    world.active_user()
    with pytest.raises(CaptchaRejected):
        world.service.start_password_reset(LOUISE, "nope")


def test_an_unknown_email_gets_a_plausible_question_always_the_same(world: World) -> None:
    first = world.service.start_password_reset("inconnu@exemple.fr", "XWWXS")
    assert first.question in SUGGESTED_SECRET_QUESTIONS
    again = world.service.start_password_reset("INCONNU@exemple.fr", "XWWXS")
    assert again.question == first.question
    with pytest.raises(SecretAnswerRejected):
        world.service.answer_secret_question("inconnu@exemple.fr", first.challenge, "medor")
    assert world.mailbox.sent == []


def test_the_decoy_question_is_the_same_in_every_process_sharing_the_secret_key() -> None:
    key = "k" * 32
    questions = {
        build_world(secret_key=key)
        .service.start_password_reset("inconnu@exemple.fr", "XWWXS")
        .question
        for _ in range(6)
    }
    assert len(questions) == 1


def test_the_answer_needs_the_challenge_of_the_captcha_step(world: World) -> None:
    world.active_user()
    for challenge in ("", "forged", "99999999999.abc", None):
        with pytest.raises(ChallengeInvalid):
            world.service.answer_secret_question(LOUISE, challenge, "medor")  # type: ignore[arg-type]
    other = world.service.start_password_reset("autre@exemple.fr", "XWWXS")
    with pytest.raises(ChallengeInvalid):
        world.service.answer_secret_question(LOUISE, other.challenge, "medor")
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    world.clock.advance(minutes=15, seconds=1)
    with pytest.raises(ChallengeInvalid):
        world.service.answer_secret_question(LOUISE, step.challenge, "medor")


def test_wrong_answers_are_limited_and_a_block_looks_like_a_wrong_answer(world: World) -> None:
    world.active_user()
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    for _ in range(3):
        with pytest.raises(SecretAnswerRejected):
            world.service.answer_secret_question(LOUISE, step.challenge, "Rex")
    with pytest.raises(SecretAnswerRejected):
        world.service.answer_secret_question(LOUISE, step.challenge, "medor")
    assert (
        world.mailbox.last_to(LOUISE).subject
        == "Chorus Pro - Procédure « Mot de passe oublié » suspendue"
    )
    world.clock.advance(hours=1)
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    world.service.answer_secret_question(LOUISE, step.challenge, "medor")
    assert world.link(LOUISE, "reinitialisationMotDePasse")


def test_the_reset_link_is_single_use_and_expires(world: World) -> None:
    world.active_user()
    link = _ask_reset(world)
    world.clock.advance(hours=1, seconds=1)
    with pytest.raises(ResetLinkExpired):
        world.service.reset_password(
            login_email=link["email"],
            token=link["token"],
            new_password=NEW_PASSWORD,
            password_confirmation=NEW_PASSWORD,
        )
    link = _ask_reset(world)
    world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )
    with pytest.raises(TokenInvalid):
        world.service.reset_password(
            login_email=link["email"],
            token=link["token"],
            new_password=PASSWORD,
            password_confirmation=PASSWORD,
        )


def test_the_new_password_follows_the_policy(world: World) -> None:
    world.active_user()
    link = _ask_reset(world)
    with pytest.raises(InvalidForm) as refused:
        world.service.reset_password(
            login_email=link["email"],
            token=link["token"],
            new_password="azerty",
            password_confirmation="azerty",
        )
    assert refused.value.codes() == {"password": "password_rejected"}
    world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )


def test_a_reset_lifts_a_login_block(world: World) -> None:
    world.active_user()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Mauvais-Mot-2024")
    link = _ask_reset(world)
    world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )
    assert world.service.login(LOUISE, NEW_PASSWORD)


class _HashCounter(FastInsecureHasher):
    """Counts the hashes made: the dummy one is made once, on a service's first login."""

    def __init__(self) -> None:
        self.made = 0

    def hash(self, secret: str) -> str:
        self.made += 1
        return super().hash(secret)


@pytest.mark.parametrize("email", [LOUISE, "inconnu@exemple.fr"])
def test_a_fresh_service_s_first_failed_login_costs_the_same_for_any_email(email: str) -> None:
    """The dummy hash is made on the first login whatever its outcome, not on the first unknown one."""
    hasher = _HashCounter()
    world = build_world(hasher=hasher)
    world.active_user()
    before = hasher.made
    with pytest.raises(AuthenticationFailed):
        world.service.login(email, "Pas-Le-Bon-2024")
    assert hasher.made - before == 1
