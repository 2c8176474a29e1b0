"""What a stranger can time at login: every refusal, email known or not, with the real argon2id.

::

    python benchmarks/login_timing.py           # 200 rounds, about 2 to 3 minutes
    python benchmarks/login_timing.py --quick   # 30 rounds, a smoke test

``run.py`` runs it with the other benchmarks; run alone, it takes the same
options and prints its own table.

A SQLite service with ``login_code`` on, the tests' fakes (frozen clock,
captcha, directory, mailbox) and ``Argon2Hasher()`` at its default
parameters holds two active accounts: one known, one whose logins are
suspended (five wrong passwords). Each round times every case once, in a
random order, with ``time.perf_counter_ns()`` around the call and its
refusal, the cyclic collector paused:

- **password step** (``login``): an unknown email, the known email with a
  wrong password, the suspended account, a malformed email;
- **code step** (``confirm_login_code``): a forged challenge (right shape and
  deadline, wrong signature) for the known and for an unknown email, and the
  known email's real challenge with a wrong code;
- **resend** (``resend_login_code``): a forged challenge, known vs unknown.

Around the timed cases, untimed, each round opens with the known account's
right password (its real challenge and code) and closes with that code: the
whole login clears the two failures the round added (the wrong password, the
wrong code), so the known account is never suspended and every round sees
it in the same state. The figures are the median and the 90th percentile
over the rounds; the targets compare medians, unknown email against known.
"""

from __future__ import annotations

import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from harness import Result, Row, Settings, Target, gc_paused

from chorus_onboarding.adapters.hashing import Argon2Hasher
from chorus_onboarding.domain.errors import AuthenticationFailed, LoginCodeRejected
from chorus_onboarding.service.second_factor import LoginCodeSent
from chorus_onboarding.testing.world import FARM_SIRET, LOUISE, PASSWORD, World, build_world

SUSPENDED = "paul.martin@ferme-des-tilleuls.fr"
UNKNOWN = "jeanne.dupont@atelier-inconnu.fr"
"""No account: about as long as the known emails."""
MALFORMED = "jeanne.dupont-atelier-inconnu.fr"
WRONG_PASSWORD = "Pas-Le-Bon-2024!"

PASSWORD_CASES = ("unknown email", "known email, wrong password", "logins suspended", "malformed")
CODE_CASES = ("forged challenge, unknown email", "forged challenge, known email")
RESEND_CASES = ("resend, forged challenge, unknown", "resend, forged challenge, known")
VALID_CHALLENGE = "real challenge, wrong code"


def _time(call: Callable[[], object], refusal: type[Exception]) -> int:
    """Nanoseconds until ``call`` refuses with ``refusal`` (anything else stops the benchmark)."""
    start = time.perf_counter_ns()
    try:
        call()
    except refusal:
        return time.perf_counter_ns() - start
    raise AssertionError(f"{call} was not refused with {refusal.__name__}")


def _prepared(world: World) -> None:
    world.active_user(LOUISE)
    world.active_user(SUSPENDED, FARM_SIRET)
    for _ in range(5):
        _time(lambda: world.service.login(SUSPENDED, WRONG_PASSWORD), AuthenticationFailed)
    # Suspended: even the right password is refused now.
    _time(lambda: world.service.login(SUSPENDED, PASSWORD), AuthenticationFailed)


def _round(world: World, draw: random.Random) -> dict[str, int]:
    """One round: every case once, in a random order; nanoseconds by case."""
    service = world.service
    sent = service.login(LOUISE, PASSWORD)
    assert isinstance(sent, LoginCodeSent)
    code = world.last_login_code(LOUISE)
    wrong_code = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
    deadline = int((world.clock.now() + timedelta(minutes=10)).timestamp())
    forged = f"{deadline}.{secrets.token_hex(32)}"
    cases: dict[str, tuple[Callable[[], object], type[Exception]]] = {
        "unknown email": (lambda: service.login(UNKNOWN, WRONG_PASSWORD), AuthenticationFailed),
        "known email, wrong password": (
            lambda: service.login(LOUISE, WRONG_PASSWORD),
            AuthenticationFailed,
        ),
        "logins suspended": (
            lambda: service.login(SUSPENDED, WRONG_PASSWORD),
            AuthenticationFailed,
        ),
        "malformed": (lambda: service.login(MALFORMED, WRONG_PASSWORD), AuthenticationFailed),
        "forged challenge, unknown email": (
            lambda: service.confirm_login_code(UNKNOWN, forged, wrong_code),
            LoginCodeRejected,
        ),
        "forged challenge, known email": (
            lambda: service.confirm_login_code(LOUISE, forged, wrong_code),
            LoginCodeRejected,
        ),
        VALID_CHALLENGE: (
            lambda: service.confirm_login_code(LOUISE, sent.challenge, wrong_code),
            LoginCodeRejected,
        ),
        "resend, forged challenge, unknown": (
            lambda: service.resend_login_code(UNKNOWN, forged),
            LoginCodeRejected,
        ),
        "resend, forged challenge, known": (
            lambda: service.resend_login_code(LOUISE, forged),
            LoginCodeRejected,
        ),
    }
    order = list(cases)
    draw.shuffle(order)
    timings: dict[str, int] = {}
    with gc_paused():
        for name in order:
            timings[name] = _time(*cases[name])
    # The whole login clears this round's two failures: the next round starts the same.
    service.confirm_login_code(LOUISE, sent.challenge, code)
    return timings


def measure(rounds: int, seed: int = 19) -> dict[str, list[int]]:
    """Nanoseconds of every case, one per round, after one untimed round."""
    draw = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="chorus-login-timing-") as folder:
        world = build_world(
            store="sqlite",
            path=Path(folder) / "login.sqlite",
            hasher=Argon2Hasher(),
            login_code=True,
        )
        try:
            _prepared(world)
            # Warm-up: the first refusal without an account makes the dummy hash.
            _round(world, draw)
            samples: dict[str, list[int]] = {}
            for _ in range(rounds):
                for name, elapsed in _round(world, draw).items():
                    samples.setdefault(name, []).append(elapsed)
        finally:
            world.close()
    return samples


def _p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def _compared(
    samples: dict[str, list[int]], section: str, label: str, pair: tuple[str, str], limit: float
) -> tuple[Row, Target]:
    """``pair[0]`` / ``pair[1]``: the median ratio (a row, and a target of ±``limit`` %)."""
    first, second = samples[pair[0]], samples[pair[1]]
    ratio = statistics.median(first) / statistics.median(second)
    p90 = _p90(first) / _p90(second)
    row = Row(section, f"{label}, median", "×", ratio, note=f"p90: {p90:.3f}×", decimals=3)
    target = Target(
        f"login timing, {label}, median ratio {ratio:.3f}",
        abs(ratio - 1) * 100,
        "% apart",
        limit,
        "max",
        decimals=1,
    )
    return row, target


def run(settings: Settings) -> Result:
    """Time every refusal over ``settings.login_rounds`` rounds; medians, p90s, ratios."""
    rounds = settings.login_rounds
    samples = measure(rounds)
    rows: list[Row] = []
    for section, unit, scale, cases in (
        ("password step", "ms", 1e6, PASSWORD_CASES),
        ("code step", "µs", 1e3, (*CODE_CASES, VALID_CHALLENGE)),
        ("resend", "µs", 1e3, RESEND_CASES),
    ):
        for case in cases:
            median = statistics.median(samples[case]) / scale
            p90 = _p90(samples[case]) / scale
            rows.append(Row(section, f"{case}, median", unit, median, note=f"p90: {p90:,.2f}"))
    known = "known email, wrong password"
    comparisons = (
        ("password step: unknown / known email", ("unknown email", known), 10.0),
        ("password step: suspended / known email", ("logins suspended", known), 10.0),
        ("password step: malformed / known email", ("malformed", known), 10.0),
        ("code step, forged challenge: unknown / known email", CODE_CASES, 20.0),
        ("resend, forged challenge: unknown / known email", RESEND_CASES, 20.0),
    )
    targets: list[Target] = []
    for label, pair, limit in comparisons:
        row, target = _compared(samples, "ratios", label, pair, limit)
        rows.append(row)
        targets.append(target)
    return Result(
        title="login timing: what a stranger can time, email known or not (argon2id, SQLite)",
        scale=f"{rounds:,} rounds, every case once a round in a random order",
        value_name="time",
        rows=tuple(rows),
        targets=tuple(targets),
        notes=(
            "Argon2Hasher() at its default parameters on a SQLite file, login_code on. Each "
            "round opens with the known account's right password (untimed) and closes with "
            "its code, which clears the round's two failures (wrong password, wrong code): "
            "the known account is never suspended. A forged challenge has the real shape and "
            "a deadline ahead, only its signature is wrong. The real challenge with a wrong "
            "code reads and writes the account: only whoever typed the password gets there.",
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone, with ``run.py``'s options, and print its table."""
    import run as runner  # the runner imports this module: imported here, not at the top

    return runner.main(argv, (run,), prog="benchmarks/login_timing.py")


if __name__ == "__main__":
    sys.exit(main())
