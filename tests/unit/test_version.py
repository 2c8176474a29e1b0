"""``chorus_onboarding.__version__``: the installed distribution's, or a version saying there is none."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.version import Version

import chorus_onboarding

ROOT = Path(__file__).resolve().parents[2]


def _installed() -> metadata.Distribution:
    try:
        return metadata.distribution("chorus-onboarding")
    except metadata.PackageNotFoundError:
        pytest.skip("chorus-onboarding is not installed: bin/setup installs it")


def test_the_version_is_the_installed_distributions() -> None:
    assert chorus_onboarding.__version__ == _installed().version
    assert str(Version(chorus_onboarding.__version__)) == chorus_onboarding.__version__


def test_installed_from_this_checkout_the_version_is_the_one_pyproject_declares() -> None:
    origin = json.loads(_installed().read_text("direct_url.json") or "{}")
    if origin.get("url") != ROOT.as_uri():
        pytest.skip("installed from another checkout or from a built package")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # An editable install keeps the metadata of its last install: bin/setup renews it.
    assert chorus_onboarding.__version__ == declared["project"]["version"]


def test_a_source_tree_that_was_never_installed_says_so_with_a_version_below_any_release(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    unknown = chorus_onboarding._installed_version()
    assert unknown == "0+unknown"
    assert Version(unknown) < Version("0.0.1.dev0")
