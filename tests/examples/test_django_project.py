"""The Django example's own tests, run by Django's test runner in a process of their own.

A process of their own because Django's settings are set once per process, and
the docs' Django snippet (tests/docs) sets others in this one. Each test of the
project's ``tests.py`` must be reported "ok" by the runner.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")
pytest.importorskip("sqlalchemy")

ROOT = Path(__file__).resolve().parents[2]
PROJECT_TESTS = ROOT / "examples" / "django_project" / "onboarding" / "tests.py"


def _test_names() -> list[str]:
    """The test methods ``tests.py`` defines, read from its source."""
    tree = ast.parse(PROJECT_TESTS.read_text(encoding="utf-8"))
    return [
        f"{cls.name}.{node.name}"
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What ``python -m django test`` prints for the project, which must succeed."""
    folder = tmp_path_factory.mktemp("django")
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        # Neither database of a developer's run of the project is touched.
        "DJANGO_DATABASE": str(folder / "django.sqlite3"),
        "CHORUS_ONBOARDING_DATABASE": str(folder / "onboarding.sqlite3"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "test",
            "examples.django_project.onboarding.tests",
            "--settings=examples.django_project.settings",
            "--verbosity=2",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stderr


def test_the_project_defines_the_tests_this_file_expects() -> None:
    assert len(_test_names()) == 5


@pytest.mark.parametrize("name", _test_names())
def test_each_test_of_the_project_passes_under_django_s_runner(report: str, name: str) -> None:
    method = name.split(".")[1]
    assert f"{method} (examples.django_project.onboarding.tests.{name}) ... ok" in report


def test_the_runner_ran_them_all_with_testcase(report: str) -> None:
    assert f"Ran {len(_test_names())} tests" in report
    assert "\nOK" in report
