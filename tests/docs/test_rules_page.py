"""docs/rules.md cannot rot: every place it names exists, every test it cites is there."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from chorus_onboarding.domain import membership

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "rules.md"
HEADER = "| Rule of the portal | Where it lives | Shown by |"
_CODE = re.compile(r"`([^`]+)`")


def _rows() -> list[tuple[str, list[str], list[str]]]:
    """Each row of the page's rule tables: the rule, the places, the tests."""
    rows = []
    in_table = False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.strip() == HEADER:
            in_table = True
            continue
        if not in_table or not line.startswith("|"):
            in_table = False
            continue
        if set(line) <= {"|", "-", " "}:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, line
        rule, where, shown = cells
        rows.append((rule, _CODE.findall(where), _CODE.findall(shown)))
    return rows


ROWS = _rows()
PLACES = sorted({place for _, places, _ in ROWS for place in places})
TESTS = sorted({test for _, _, tests in ROWS for test in tests})


def _resolve(dotted: str) -> object:
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise AssertionError(f"nothing importable in {dotted}")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_the_page_has_rule_tables_and_every_row_names_a_place_and_a_test() -> None:
    assert len(ROWS) >= 40
    for rule, places, tests in ROWS:
        assert rule, (rule, places, tests)
        assert places, rule
        assert tests, rule


@pytest.mark.parametrize("place", PLACES)
def test_every_place_the_page_names_exists_in_the_library(place: str) -> None:
    assert place.startswith("chorus_onboarding."), place
    _resolve(place)


@pytest.mark.parametrize("cited", TESTS)
def test_every_test_the_page_cites_exists(cited: str) -> None:
    path, _, name = cited.partition("::")
    assert path.startswith("tests/"), cited
    assert name, cited
    assert name in _test_functions(ROOT / path), cited


def test_every_rule_of_membership_is_in_the_table() -> None:
    public = {
        f"chorus_onboarding.domain.membership.{name}"
        for name, value in vars(membership).items()
        if inspect.isfunction(value)
        and value.__module__ == membership.__name__
        and not name.startswith("_")
    }
    assert public - set(PLACES) == set()


def test_the_page_is_linked_from_the_index() -> None:
    assert "(rules.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
