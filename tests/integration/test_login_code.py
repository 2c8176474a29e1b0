"""Journey 6 as the portal runs it since September 2024: a one-time code emailed at each login.

Every test runs on memory, SQLite and PostgreSQL: what a code is, how long
it lives, how often it may be tried, what a resend does, and that a
stranger learns nothing from the second step that the first would not tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import attrs
import pytest

from chorus_onboarding import Actor, LoginCodeSent, LoginResult, OnboardingSettings
from chorus_onboarding.adapters.hashing import Argon2Hasher
from chorus_onboarding.errors import (
    AuthenticationFailed,
    InvalidInput,
    LoginCodeRejected,
    LoginCodeResendTooSoon,
)
from chorus_onboarding.testing.plugin import WorldFactory
from chorus_onboarding.testing.world import LOUISE, PASSWORD, World

NEW_PASSWORD = "Nouveau-Départ-2025"
STRANGER = "inconnu@exemple.fr"
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(store: str, make_world: WorldFactory) -> World:
    """A world whose logins ask for the emailed code, with Louise active."""
    built = make_world(store, login_code=True)  # type: ignore[arg-type]
    built.active_user()
    return built


def code_sent(world: World, email: str = LOUISE, password: str = PASSWORD) -> LoginCodeSent:
    answer = world.service.login(email, password)
    assert isinstance(answer, LoginCodeSent), answer
    return answer


def other_code(code: str) -> str:
    """A code that is surely not ``code``: each digit moved by one."""
    return "".join(str((int(digit) + 1) % 10) for digit in code)


def test_portal_today_asks_for_the_code_and_the_seeds_settings_do_not() -> None:
    assert OnboardingSettings.portal_today().login_code is True
    assert OnboardingSettings().login_code is False


def test_the_password_opens_no_session_the_emailed_code_does(world: World) -> None:
    sent = code_sent(world)
    assert sent.code_length == 6
    assert sent.expires_at == world.clock.now() + timedelta(minutes=10)
    email = world.mailbox.last_to(LOUISE)
    assert email.to == (LOUISE,)
    code = world.last_login_code(LOUISE)
    assert code.isdigit()
    assert len(code) == 6
    session = world.service.confirm_login_code(LOUISE, sent.challenge, f" {code[:3]} {code[3:]} ")
    assert session.account_id == world.people[LOUISE]
    assert session.remembered_device is None
    assert world.service.session_is_current(session.account_id, session.credentials_version)
    world.clock.advance(hours=1)
    assert world.log_in().previous_login_at == world.clock.now() - timedelta(hours=1)


def test_the_code_goes_to_the_login_email_even_with_another_contact_email(world: World) -> None:
    me = Actor.user(world.people[LOUISE])
    world.service.change_contact_email(me, "contact@dressing-louise.fr")
    code_sent(world)
    assert world.last_login_code(LOUISE)
    with pytest.raises(LookupError):
        world.last_login_code("contact@dressing-louise.fr")


def test_a_code_opens_one_session_only(world: World) -> None:
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    world.service.confirm_login_code(LOUISE, sent.challenge, code)
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, code)


def test_a_code_is_read_with_the_length_it_was_sent_with(
    store: str, make_world: WorldFactory
) -> None:
    """A deployment that changes the length (or runs two versions a while) refuses no code sent."""
    world = make_world(store, login_code=True, login_code_length=8)  # type: ignore[arg-type]
    world.active_user()
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    assert (sent.code_length, len(code)) == (8, 8)
    shorter = attrs.evolve(world.service.settings, login_code_length=6)
    world.service._context.settings = shorter
    assert world.service.confirm_login_code(LOUISE, sent.challenge, code).account_id


def test_a_code_dies_with_its_last_try(world: World) -> None:
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    for _ in range(3):
        with pytest.raises(LoginCodeRejected):
            world.service.confirm_login_code(LOUISE, sent.challenge, other_code(code))
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, code)
    # A new login sends a new code, which works.
    assert world.log_in().account_id == world.people[LOUISE]


def test_a_code_is_refused_one_instant_after_its_deadline(world: World) -> None:
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    world.clock.advance(minutes=10, seconds=1)
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, code)


def test_a_resend_waits_a_minute_and_cancels_the_previous_code(world: World) -> None:
    sent = code_sent(world)
    first = world.last_login_code(LOUISE)
    with pytest.raises(LoginCodeResendTooSoon) as early:
        world.service.resend_login_code(LOUISE, sent.challenge)
    assert "60 secondes" in str(early.value)
    world.clock.advance(seconds=45)
    with pytest.raises(LoginCodeResendTooSoon) as still:
        world.service.resend_login_code(LOUISE, sent.challenge)
    assert "15 secondes" in str(still.value)
    world.clock.advance(seconds=15)
    again = world.service.resend_login_code(LOUISE, sent.challenge)
    assert again.resend_after == world.clock.now() + timedelta(minutes=1)
    second = world.last_login_code(LOUISE)
    assert "remplace le code" in world.mailbox.last_to(LOUISE).body
    if first != second:  # one chance in a million that they are the same digits
        with pytest.raises(LoginCodeRejected):
            world.service.confirm_login_code(LOUISE, again.challenge, first)
    assert world.service.confirm_login_code(LOUISE, again.challenge, second).account_id


def test_after_three_resends_the_password_is_asked_again(world: World) -> None:
    sent = code_sent(world)
    for _ in range(3):
        world.clock.advance(minutes=1)
        sent = world.service.resend_login_code(LOUISE, sent.challenge)
    world.clock.advance(minutes=1)
    with pytest.raises(LoginCodeRejected):
        world.service.resend_login_code(LOUISE, sent.challenge)
    assert world.log_in().account_id == world.people[LOUISE]


def test_wrong_codes_count_as_failed_logins_and_the_owner_is_told(world: World) -> None:
    """Knowing the password buys no more guesses: each login gives back only its own check."""
    for _ in range(2):
        sent = code_sent(world)
        for _ in range(2):
            with pytest.raises(LoginCodeRejected):
                world.service.confirm_login_code(LOUISE, sent.challenge, "x")
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, other_code(code))
    # Five wrong codes in a row: logins are suspended, even with the right code or password.
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, code)
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)
    world.deliver()
    assert "Tentatives de connexion infructueuses" in world.mailbox.last_to(LOUISE).subject
    world.clock.advance(minutes=16)
    assert world.log_in().account_id == world.people[LOUISE]


def _refusals(world: World) -> Iterator[tuple[str, Callable[[], object]]]:
    """Every way the second step can fail, each as (what, the call)."""
    service = world.service
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    yield "wrong code", lambda: service.confirm_login_code(LOUISE, sent.challenge, other_code(code))
    yield "not a code", lambda: service.confirm_login_code(LOUISE, sent.challenge, "abc")
    yield "no challenge", lambda: service.confirm_login_code(LOUISE, "", code)
    yield "forged", lambda: service.confirm_login_code(LOUISE, "9999999999.00", code)
    yield "unknown email", lambda: service.confirm_login_code(STRANGER, sent.challenge, code)
    yield "junk email", lambda: service.confirm_login_code("pas une adresse", sent.challenge, code)
    yield "junk types", lambda: service.confirm_login_code(LOUISE, 12, None)  # type: ignore[arg-type]
    yield "resend, unknown", lambda: service.resend_login_code(STRANGER, sent.challenge)
    yield "resend, forged", lambda: service.resend_login_code(LOUISE, "1.x")


def test_every_refusal_of_the_second_step_is_the_same_answer(world: World) -> None:
    answers = set()
    for what, call in _refusals(world):
        with pytest.raises(LoginCodeRejected) as refused:
            call()
        answers.add((refused.value.code, str(refused.value), refused.value.http_status))
        assert refused.value.field == "code", what
    assert len(answers) == 1


def test_without_a_challenge_of_its_own_the_second_step_reads_no_storage(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a stranger times is the signature check alone: the same for every email."""
    sent = code_sent(world)
    context = world.service._context
    opened: list[object] = []
    real = context.unit_of_work

    def counted() -> object:
        opened.append(1)
        return real()

    monkeypatch.setattr(context, "unit_of_work", counted)
    for email in (LOUISE, STRANGER, "autre@exemple.fr"):
        for challenge in ("", "1.x", "9999999999.00", sent.challenge + "0"):
            with pytest.raises(LoginCodeRejected):
                world.service.confirm_login_code(email, challenge, "123456")
            with pytest.raises(LoginCodeRejected):
                world.service.resend_login_code(email, challenge)
    # The challenge of Louise's login is good for her email only.
    for email in (STRANGER, "autre@exemple.fr"):
        with pytest.raises(LoginCodeRejected):
            world.service.confirm_login_code(email, sent.challenge, "123456")
    assert opened == []


def test_a_remembered_device_skips_the_code_until_the_password_changes(world: World) -> None:
    sent = code_sent(world)
    first = world.service.confirm_login_code(
        LOUISE, sent.challenge, world.last_login_code(LOUISE), remember_device=True
    )
    device = first.remembered_device
    assert device is not None
    sent_before = len(world.mailbox.sent)
    assert isinstance(world.service.login(LOUISE, PASSWORD, device), LoginResult)
    assert len(world.mailbox.sent) == sent_before  # no code
    # The token alone opens nothing: the password is still asked.
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, "Pas-Le-Bon-2024", device)
    # Another account's device token is not this one's.
    other = world.active_user("paul.martin@earl-trois-chenes.fr", "39099603100014")
    assert other.account_id
    assert isinstance(
        world.service.login("paul.martin@earl-trois-chenes.fr", PASSWORD, device), LoginCodeSent
    )
    me = Actor.user(world.people[LOUISE])
    world.service.change_password(
        me, current_password=PASSWORD, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert isinstance(world.service.login(LOUISE, NEW_PASSWORD, device), LoginCodeSent)


def test_a_remembered_device_is_forgotten_after_its_time(
    store: str, make_world: WorldFactory
) -> None:
    world = make_world(store, login_code=True, remembered_device_validity=timedelta(days=7))  # type: ignore[arg-type]
    world.active_user()
    device = world.log_in(remember_device=True).remembered_device
    world.clock.advance(days=7)
    assert isinstance(world.service.login(LOUISE, PASSWORD, device), LoginResult)
    world.clock.advance(seconds=1)
    assert isinstance(world.service.login(LOUISE, PASSWORD, device), LoginCodeSent)
    with pytest.raises(InvalidInput):
        world.service.confirm_login_code(LOUISE, "x", "123456", remember_device="yes")  # type: ignore[arg-type]


def test_a_deactivation_kills_the_code_waiting(world: World) -> None:
    sent = code_sent(world)
    code = world.last_login_code(LOUISE)
    world.service.deactivate_account(Actor.support("Agnès"), world.people[LOUISE])
    with pytest.raises(LoginCodeRejected):
        world.service.confirm_login_code(LOUISE, sent.challenge, code)


def test_the_code_step_works_with_the_real_argon2(store: str, make_world: WorldFactory) -> None:
    weak = Argon2Hasher(**CHEAP_ARGON2)
    world = make_world(store, login_code=True, hasher=weak)  # type: ignore[arg-type]
    world.active_user()
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, "Pas-Le-Bon-2024")
    with pytest.raises(AuthenticationFailed):
        world.service.login(STRANGER, PASSWORD)
    assert world.log_in().account_id == world.people[LOUISE]


def test_logging_in_again_within_the_minute_sends_no_new_code(world: World) -> None:
    first = code_sent(world)
    code = world.last_login_code(LOUISE)
    sent_before = len(world.mailbox.to(LOUISE))
    again = code_sent(world)
    assert len(world.mailbox.to(LOUISE)) == sent_before  # the waiting code stands
    assert again.expires_at == first.expires_at
    world.clock.advance(minutes=1)
    code_sent(world)
    world.deliver()
    assert len(world.mailbox.to(LOUISE)) == sent_before + 1
    if world.last_login_code(LOUISE) != code:  # one chance in a million to be the same
        with pytest.raises(LoginCodeRejected):
            world.service.confirm_login_code(LOUISE, again.challenge, code)


def test_no_new_code_goes_out_while_logins_are_suspended(world: World) -> None:
    sent = code_sent(world)
    for _ in range(5):
        with pytest.raises(LoginCodeRejected):
            world.service.confirm_login_code(LOUISE, sent.challenge, "x")
    world.clock.advance(minutes=1)
    with pytest.raises(LoginCodeRejected):
        world.service.resend_login_code(LOUISE, sent.challenge)
