"""Backoff and circuit breaker, on a clock the tests move by hand."""

from __future__ import annotations

from chorus_onboarding.adapters.resilience import Backoff, CircuitBreaker, CircuitState


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """The breaker's state now (read through a call, so each read is a new one)."""
    return breaker.state


def test_the_waits_double_up_to_the_cap_and_are_drawn_below_it() -> None:
    backoff = Backoff(base=0.25, cap=2.0)
    assert [backoff.delay(n, lambda: 1.0) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert backoff.delay(3, lambda: 0.0) == 0.0
    assert backoff.delay(1, lambda: 0.5) == 0.25


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_success_resets_the_count_of_failures_in_a_row() -> None:
    breaker = CircuitBreaker(threshold=2, cool_down=10.0, clock=Clock())
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert state_of(breaker) is CircuitState.CLOSED
    breaker.failed()
    assert state_of(breaker) is CircuitState.OPEN
    assert not breaker.allow()


def test_half_open_lets_one_trial_through_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cool_down=10.0, clock=clock)
    breaker.failed()
    clock.now += 10.0
    assert state_of(breaker) is CircuitState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # a second caller waits for the trial's outcome
    breaker.succeeded()
    assert state_of(breaker) is CircuitState.CLOSED
    assert breaker.allow()
