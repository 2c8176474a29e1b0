"""Importing the package loads no hasher, meter or database driver until one is used.

Each test runs a fresh interpreter: the test process itself has loaded
everything long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import chorus_onboarding

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
