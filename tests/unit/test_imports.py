"""What the package exports, and what importing it loads.

The top level holds what callers of the service pass and receive, every
error is importable from ``chorus_onboarding.errors`` and every port from
``chorus_onboarding.ports``.

Importing the package loads no hasher, meter or database driver until one is
used: those tests run a fresh interpreter, the test process itself has loaded
everything long ago.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
import types
import typing
from pathlib import Path

import chorus_onboarding
from chorus_onboarding import errors, ports

HEAVY = ("argon2", "zxcvbn", "sqlalchemy", "psycopg", "smtplib")

# The checkout's sources first, whatever is installed in the environment.
SRC = Path(chorus_onboarding.__file__).resolve().parents[1]

PROBE = f"""
import sys

def loaded():
    return [name for name in {HEAVY!r} if name in sys.modules]
"""


def _run(code: str) -> str:
    pythonpath = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE + textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_package_loads_none_of_them() -> None:
    printed = _run(
        """
        import json
        import chorus_onboarding
        print(json.dumps([chorus_onboarding.__file__, loaded()]))
        """
    )
    origin, loaded = json.loads(printed)
    assert Path(origin).resolve().is_relative_to(SRC)
    assert loaded == []


def test_each_loads_on_first_use_only() -> None:
    printed = _run(
        """
        import json
        from chorus_onboarding import OnboardingService, OnboardingSettings
        from chorus_onboarding.adapters.hashing import FastInsecureHasher

        stages = {}
        OnboardingSettings()
        OnboardingService.in_memory(hasher=FastInsecureHasher())
        stages["built"] = loaded()
        service = OnboardingService.in_memory()
        common = service.settings.password_policy.common_passwords
        service.ports.hasher.hash("Tulipe-Verte-42")
        stages["hashed"] = loaded()
        service.password_strength("Tulipe-Verte-42")
        stages["measured"] = [loaded(), common.loaded]
        service.settings.password_policy.check("Tulipe-Verte-42")
        stages["checked"] = common.loaded
        print(json.dumps(stages))
        """
    )
    assert json.loads(printed) == {
        "built": [],
        "hashed": ["argon2"],
        "measured": [["argon2", "zxcvbn"], False],
        "checked": True,
    }


# --- what the package exports ---------------------------------------------------------


def _import_every_module() -> None:
    """Import every module of the library (``__main__`` aside: it runs the command line)."""
    for module in pkgutil.walk_packages(chorus_onboarding.__path__, "chorus_onboarding."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def test_the_top_level_is_short_sorted_and_every_name_resolves() -> None:
    names = chorus_onboarding.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert len(names) <= 40
    assert all(getattr(chorus_onboarding, name, None) is not None for name in names)


def test_the_top_level_exports_nothing_outside_its_all() -> None:
    public = {
        name
        for name, value in vars(chorus_onboarding).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(chorus_onboarding.__all__)


def test_the_only_error_at_the_top_level_is_the_root() -> None:
    exported = [getattr(chorus_onboarding, name) for name in chorus_onboarding.__all__]
    assert [
        value
        for value in exported
        if inspect.isclass(value) and issubclass(value, errors.OnboardingError)
    ] == [errors.OnboardingError]


def test_every_error_of_the_library_is_importable_from_the_errors_module() -> None:
    _import_every_module()
    found: list[type[errors.OnboardingError]] = []
    pending = [errors.OnboardingError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("chorus_onboarding."):
            found.append(cls)
        pending.extend(cls.__subclasses__())
    assert len(found) > 40
    assert [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in found
        if cls.__name__ not in errors.__all__ or getattr(errors, cls.__name__) is not cls
    ] == []
    assert errors.__all__ == sorted(errors.__all__)


def test_every_port_is_in_the_ports_module_all() -> None:
    protocols = {
        name
        for name, value in vars(ports).items()
        if inspect.isclass(value)
        and value is not typing.Protocol
        and typing.Protocol in value.__bases__
    }
    assert {"UnitOfWork", "MailSender", "CompanyDirectory", "EventSubscriber"} <= protocols
    assert protocols <= set(ports.__all__)
    assert ports.__all__ == sorted(ports.__all__)
    assert all(getattr(ports, name, None) is not None for name in ports.__all__)


def test_every_class_the_ports_module_defines_is_in_its_all() -> None:
    defined = {
        name
        for name, value in vars(ports).items()
        if inspect.isclass(value) and value.__module__ == ports.__name__
    }
    assert defined == set(ports.__all__)
