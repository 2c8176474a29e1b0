"""Guesses sent in parallel are answered like sequential ones, and counted all the same."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chorus_onboarding import LoginCodeSent, OnboardingError, OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.errors import AuthenticationFailed, LoginCodeRejected
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds
from chorus_onboarding.testing.world import LOUISE, PASSWORD, TEST_SECRET_KEY, World
from tests.postgres import empty_postgres, require_postgres

GUESSES = 40


class CountingHasher(FastInsecureHasher):
    """Counts the checks made against real stored hashes (not the dummy one)."""

    def __init__(self) -> None:
        self.real_checks = 0
        self._lock = threading.Lock()
        self._dummy: str | None = None

    def hash(self, secret: str) -> str:
        made = super().hash(secret)
        if secret == "chorus-onboarding-dummy":
            self._dummy = made
        return made

    def verify(self, hashed: str, secret: str) -> bool:
        if hashed != self._dummy:
            with self._lock:
                self.real_checks += 1
        return super().verify(hashed, secret)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, CountingHasher]]:
    hasher, clock, mailbox = CountingHasher(), FrozenClock(), MemoryMailbox()
    # Logins ask for the emailed code: the password step is the same, the code step is tried too.
    settings = OnboardingSettings(secret_key=TEST_SECRET_KEY, login_code=True)
    ports = {
        "clock": clock,
        "mailer": mailbox,
        "hasher": hasher,
        "ids": SequentialIds(),
        "settings": settings,
    }
    real = {"captcha": FixedCaptcha(), "directory": MemoryCompanyDirectory()}
    if request.param == "memory":
        service = OnboardingService.in_memory(**ports)  # type: ignore[arg-type]
    elif request.param == "sqlite":
        service = OnboardingService.sqlite(tmp_path / "db.sqlite3", **ports, **real)  # type: ignore[arg-type]
    else:
        require_postgres()
        url = empty_postgres().url.render_as_string(hide_password=False)
        service = OnboardingService.from_url(url, **ports, **real)  # type: ignore[arg-type]
    with service:
        yield World(service, clock, mailbox), hasher


def test_forty_parallel_wrong_passwords_get_one_answer_and_five_checks(
    world: tuple[World, CountingHasher],
) -> None:
    scene, hasher = world
    scene.active_user()
    hasher.real_checks = 0
    barrier = threading.Barrier(GUESSES)

    def guess(number: int) -> str:
        barrier.wait(timeout=30)
        try:
            scene.service.login(LOUISE, f"Pas-Le-Bon-{number}-2024")
        except OnboardingError as refused:
            return refused.code
        return "logged in"

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))

    assert set(answers) == {AuthenticationFailed.code}, "as for an unknown email"
    assert hasher.real_checks <= 5, f"{hasher.real_checks} checks ran"
    with pytest.raises(AuthenticationFailed):
        scene.service.login(LOUISE, PASSWORD)  # suspended, even with the right password
    scene.service.deliver_notifications(10_000)
    warnings = [e for e in scene.mailbox.to(LOUISE) if "infructueuses" in e.subject]
    assert len(warnings) == 1, "the owner is told once"
    scene.clock.advance(minutes=16)
    assert scene.service.login(LOUISE, PASSWORD)


def test_forty_parallel_wrong_codes_get_one_answer_and_suspend_logins_once(
    world: tuple[World, CountingHasher],
) -> None:
    scene, _ = world
    scene.active_user()
    sent = scene.service.login(LOUISE, PASSWORD)
    assert isinstance(sent, LoginCodeSent)
    code = scene.last_login_code(LOUISE)
    wrong = "".join(str((int(digit) + 1) % 10) for digit in code)
    barrier = threading.Barrier(GUESSES)

    def guess(_: int) -> str:
        barrier.wait(timeout=30)
        try:
            scene.service.confirm_login_code(LOUISE, sent.challenge, wrong)
        except OnboardingError as refused:
            return refused.code
        return "logged in"

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))

    assert set(answers) == {LoginCodeRejected.code}
    with pytest.raises(LoginCodeRejected):
        scene.service.confirm_login_code(LOUISE, sent.challenge, code)  # dead, and suspended
    with pytest.raises(AuthenticationFailed):
        scene.service.login(LOUISE, PASSWORD)
    scene.service.deliver_notifications(10_000)
    warnings = [e for e in scene.mailbox.to(LOUISE) if "infructueuses" in e.subject]
    assert len(warnings) == 1, "the owner is told once"
    scene.clock.advance(minutes=16)
    assert isinstance(scene.service.login(LOUISE, PASSWORD), LoginCodeSent)
