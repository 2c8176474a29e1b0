"""The registers' entry points answer junk with the library's own errors, never a bare exception."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from chorus_onboarding.adapters.resilience import Backoff, CircuitBreaker
from chorus_onboarding.adapters.sirene_api import RechercheEntreprisesDirectory
from chorus_onboarding.adapters.sirene_stock import (
    ESTABLISHMENTS_FILE,
    LEGAL_UNITS_FILE,
    SireneStockDirectory,
    load_stock,
)
from chorus_onboarding.errors import OnboardingError
from tests.integration.test_robustness import JUNK

STOCK = Path(__file__).resolve().parent.parent / "data" / "registers" / "stock"
DURATIONS = {"timeout", "base", "cap", "longest_retry_after", "cool_down"}
TOLERANT = {"progress", "backoff", "breaker", "transport", "database", "path"}
"""Parts that take None (their default) or a path that a junk text may well name."""


def _nothing(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"results": []})


def _calls(tmp_path: Path) -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    """Each entry point, with valid arguments a junk value replaces one at a time."""
    target = tmp_path / "register.sqlite3"
    stock: dict[str, Any] = {
        "establishments": STOCK / ESTABLISHMENTS_FILE,
        "legal_units": STOCK / LEGAL_UNITS_FILE,
        "database": target,
    }
    load_stock(**stock)
    api = RechercheEntreprisesDirectory(transport=httpx.MockTransport(_nothing))
    offline = SireneStockDirectory(target)
    return {
        "load_stock": (load_stock, {**stock, "batch": 100, "progress": None}),
        "SireneStockDirectory": (SireneStockDirectory, {"path": target}),
        "SireneStockDirectory.lookup": (offline.lookup, {"siret": None}),
        "RechercheEntreprisesDirectory": (
            RechercheEntreprisesDirectory,
            {
                "base_url": "https://recherche-entreprises.api.gouv.fr",
                "timeout": 1.0,
                "backoff": None,
                "breaker": None,
                "transport": httpx.MockTransport(_nothing),
                "sleep": lambda _s: None,
                "draw": lambda: 0.5,
                "user_agent": "tests",
            },
        ),
        "RechercheEntreprisesDirectory.lookup": (api.lookup, {"siret": None}),
        "Backoff": (Backoff, {"attempts": 3, "base": 0.1, "cap": 1.0, "longest_retry_after": 2}),
        "CircuitBreaker": (CircuitBreaker, {"threshold": 2, "cool_down": 1.0, "clock": lambda: 0}),
    }


@pytest.mark.parametrize(
    "entry",
    [
        "load_stock",
        "SireneStockDirectory",
        "SireneStockDirectory.lookup",
        "RechercheEntreprisesDirectory",
        "RechercheEntreprisesDirectory.lookup",
        "Backoff",
        "CircuitBreaker",
    ],
)
def test_junk_in_any_argument_gives_the_library_s_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    # A junk text may well be a valid file name: the registers it names are written here.
    monkeypatch.chdir(tmp_path)
    function, arguments = _calls(tmp_path)[entry]
    for name in arguments:
        for junk in [*JUNK, "x" * 300, tmp_path]:
            try:
                function(**{**arguments, name: junk})
            except OnboardingError:
                continue
            except Exception as error:  # pragma: no cover - the failure being tested for
                pytest.fail(f"{entry}({name}={junk!r:.40}) raised {error!r}")
            # Accepted: then it must have been a value that makes sense there (a
            # number for a duration, None for a part with a default, a path).
            number = not isinstance(junk, bool) and isinstance(junk, int | float) and junk >= 0
            header = (
                isinstance(junk, str)
                and junk.isascii()
                and junk.isprintable()
                and 0 < len(junk.strip()) <= 200
            )
            assert (
                (name in DURATIONS and number)
                or (name == "user_agent" and header)
                or name in TOLERANT
            ), f"{entry} accepted {name}={junk!r:.40}"
