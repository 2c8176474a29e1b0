"""Checking every field of a form and reporting all failures at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ..domain.errors import InvalidForm, ValidationError

T = TypeVar("T")


class _SkippedError(Exception):
    """A check that needed a field which had already failed."""


class Checked(Generic[T]):
    """The outcome of one field's check; read :attr:`value` only once all passed."""

    __slots__ = ("_ok", "_value")

    def __init__(self, value: T | None, ok: bool) -> None:
        self._value = value
        self._ok = ok

    @property
    def value(self) -> T:
        """The checked value (inside a dependent check, skips it if this failed)."""
        if not self._ok:
            raise _SkippedError
        return self._value  # type: ignore[return-value]


class FieldChecks:
    """Runs field checks, keeping every :class:`ValidationError` for one report.

    A web form shows all its mistakes at once; :meth:`done` raises
    :class:`InvalidForm` with each field's error.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def __call__(self, field: str, check: Callable[[], T]) -> Checked[T]:
        """Run ``check``; a failure is kept under ``field`` unless it names its own."""
        try:
            return Checked(check(), True)
        except _SkippedError:
            return Checked(None, False)
        except ValidationError as error:
            self.errors.append(error if error.field else error.at(field))
            return Checked(None, False)

    def done(self) -> None:
        """Raise :class:`InvalidForm` if any check failed."""
        if self.errors:
            raise InvalidForm(self.errors)
