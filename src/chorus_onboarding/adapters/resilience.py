"""Calling a remote service that may be slow or down: backoff between tries, a circuit breaker.

Both take their clock and their randomness as arguments, so that tests run
instantly and the same way every time. Written here rather than taken from a
library: together they are about a hundred lines, and what a register needs
of them (honouring ``Retry-After``, one trial call when half open, safe
across threads) is exactly this.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from attrs import Attribute, field, frozen

from ..domain.errors import InvalidInput


def count(name: str, value: object) -> int:
    """``value`` if it is a whole number of at least 1, else :class:`InvalidInput` on ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(field=name, expected="un entier ≥ 1")
    return value


def seconds(name: str, value: object) -> float:
    """``value`` if it is a finite number of seconds, 0 or more, else :class:`InvalidInput`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        raise InvalidInput(field=name, expected="un nombre positif ou nul")
    return float(value)


def _count(_: Any, attribute: Attribute[Any], value: object) -> None:
    count(attribute.name, value)


def _seconds(_: Any, attribute: Attribute[Any], value: object) -> None:
    seconds(attribute.name, value)


@frozen
class Backoff:
    """How long to wait before each new try: exponential, capped, with full jitter.

    The n-th retry (from 0) waits a random time between 0 and
    ``min(cap, base * 2**n)`` seconds, so that many clients that failed
    together do not come back together. A server's ``Retry-After`` is honoured
    when it is at most ``longest_retry_after``; a longer one ends the tries
    (a person is waiting at the form).
    """

    attempts: int = field(default=3, validator=_count)
    """Tries in all, the first one included."""
    base: float = field(default=0.25, validator=_seconds)
    cap: float = field(default=2.0, validator=_seconds)
    longest_retry_after: float = field(default=5.0, validator=_seconds)

    def delay(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``retry`` (0 for the first retry)."""
        return draw() * min(self.cap, self.base * 2.0**retry)


class CircuitState(enum.Enum):
    """Where a circuit breaker stands."""

    CLOSED = "closed"
    """Calls go through."""
    OPEN = "open"
    """Calls are refused at once, until the cool-down has passed."""
    HALF_OPEN = "half_open"
    """One trial call goes through; its outcome closes or reopens the circuit."""


class CircuitBreaker:
    """Stops calling a service after ``threshold`` failures in a row, for ``cool_down`` seconds.

    After the cool-down one trial call is let through (half open): a success
    closes the circuit, a failure opens it again for another cool-down.
    Safe to share between threads. ``clock`` gives seconds (monotonic).
    """

    def __init__(
        self,
        threshold: int = 5,
        cool_down: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not callable(clock):
            raise InvalidInput(field="clock", expected="une fonction sans argument")
        self.threshold = count("threshold", threshold)
        self.cool_down = seconds("cool_down", cool_down)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> CircuitState:
        """The state now (an open circuit past its cool-down reads as half open)."""
        with self._lock:
            return self._state()

    def _state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at >= self.cool_down:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half open, only the first caller's may."""
        with self._lock:
            state = self._state()
            if state is CircuitState.CLOSED:
                return True
            if state is CircuitState.HALF_OPEN and not self._trial:
                self._trial = True
                return True
            return False

    def succeeded(self) -> None:
        """Record a call that worked: the circuit closes."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failed(self) -> None:
        """Record a call that failed: past the threshold (or in trial) the circuit opens."""
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial = False
