"""CHANGELOG.md is ready to tag: Unreleased on top naming the next version, dated versions, links."""

from __future__ import annotations

import itertools
import re
import tomllib
from datetime import date
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
DECLARED = Version(
    tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
)

_HEADING = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)
_RELEASE = re.compile(r"^\[(?P<version>\d+\.\d+\.\d+)\] - (?P<day>\d{4}-\d{2}-\d{2})$")
_LINK = re.compile(r"^\[(?P<name>[^\]]+)\]: (?P<target>\S+)$", re.MULTILINE)


def _headings() -> list[str]:
    return [match["title"] for match in _HEADING.finditer(CHANGELOG)]


def _releases() -> list[tuple[Version, date]]:
    found = []
    for title in _headings()[1:]:
        release = _RELEASE.match(title)
        assert release is not None, f"not a '[X.Y.Z] - YYYY-MM-DD' heading: {title!r}"
        found.append((Version(release["version"]), date.fromisoformat(release["day"])))
    return found


def _unreleased() -> str:
    start = CHANGELOG.index("## [Unreleased]")
    return CHANGELOG[start : CHANGELOG.index("\n## ", start + 1)]


def test_unreleased_comes_first_and_the_versions_follow_newest_first_with_their_day() -> None:
    assert _headings()[0] == "[Unreleased]"
    releases = _releases()
    assert releases
    assert releases == sorted(releases, reverse=True)
    assert len({version for version, _ in releases}) == len(releases)


def test_pyproject_declares_the_next_version_as_a_development_release() -> None:
    newest = _releases()[0][0]
    announced = re.search(r"^To be released as (\d+\.\d+\.\d+)\.$", _unreleased(), re.MULTILINE)
    assert announced is not None, "Unreleased says which version it will be released as"
    upcoming = Version(announced[1])
    assert upcoming > newest
    assert DECLARED.is_devrelease
    assert DECLARED.base_version == str(upcoming)


def test_every_heading_links_to_its_comparison_with_the_tag_before() -> None:
    links = {match["name"]: match["target"] for match in _LINK.finditer(CHANGELOG)}
    versions = [str(version) for version, _ in _releases()]
    assert links["Unreleased"] == f"../../compare/v{versions[0]}...HEAD"
    for newer, older in itertools.pairwise(versions):
        assert links[newer] == f"../../compare/v{older}...v{newer}"
    assert links[versions[-1]] == f"../../tree/v{versions[-1]}"
    assert set(links) == {"Unreleased", *versions}
