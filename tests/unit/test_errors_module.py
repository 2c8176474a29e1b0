"""Every error class, and the category each has, is importable from ``chorus_onboarding.errors``."""

from __future__ import annotations

import inspect

from chorus_onboarding import errors
from chorus_onboarding.domain import errors as source


def test_every_error_of_the_library_is_importable_from_the_errors_module() -> None:
    defined = {
        name
        for name, value in vars(source).items()
        if inspect.isclass(value)
        and issubclass(value, source.OnboardingError)
        and value.__module__ == source.__name__
    }
    assert defined | {"ErrorCategory"} == set(errors.__all__)
    assert all(getattr(errors, name) is getattr(source, name) for name in errors.__all__)
