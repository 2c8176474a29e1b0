"""``chorus-onboarding register load`` and ``register lookup``, on the sample stock files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from chorus_onboarding.adapters.sirene_stock import ESTABLISHMENTS_FILE, LEGAL_UNITS_FILE
from chorus_onboarding.cli.app import chorus

STOCK = Path(__file__).resolve().parent.parent / "data" / "registers" / "stock"
FILES = ("--establishments", str(STOCK / ESTABLISHMENTS_FILE))
UNITS = ("--legal-units", str(STOCK / LEGAL_UNITS_FILE))


def _run(*arguments: str) -> Result:
    return CliRunner().invoke(chorus, list(arguments))


def test_load_builds_the_register_and_says_what_it_holds(tmp_path: Path) -> None:
    target = tmp_path / "register.sqlite3"
    result = _run("register", "load", *FILES, *UNITS, "--db", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("8 établissement(s) et 7 unité(s) légale(s) chargés en ")
    loaded = _run("register", "load", *FILES, *UNITS, "--db", str(target), "--json")
    document = json.loads(loaded.stdout)
    assert (document["establishments"], document["legal_units"]) == (8, 7)
    assert document["path"] == str(target)


def test_lookup_shows_the_record_and_what_is_left_to_type(tmp_path: Path) -> None:
    target = str(tmp_path / "register.sqlite3")
    _run("register", "load", *FILES, *UNITS, "--db", target)
    assert _run("register", "lookup", "51819093900018", "--db", target).stdout == (
        "ATELIER DUPONT ET FILS ; 27 RUE DES ARTISANS, 44000 NANTES ; fermé\n"
    )
    assert _run("register", "lookup", "81234567600017", "--db", target).stdout == (
        "raison sociale non diffusée : à saisir ; adresse non diffusée : à saisir ; actif\n"
    )
    assert _run("register", "lookup", "39099603100014", "--db", target).stdout == (
        "SIRET inconnu du répertoire.\n"
    )
    found = json.loads(
        _run("register", "lookup", "35600000000048", "--db", target, "--json").stdout
    )
    assert found["name"] == "LA POSTE"
    assert found["address"]["city"] == "PARIS 15"


def test_a_missing_file_is_the_library_s_refusal_not_a_traceback(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.csv")
    result = _run(
        "register", "load", "--establishments", missing, *UNITS, "--db", str(tmp_path / "r")
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"chorus-onboarding : Le fichier « {missing} » ne peut pas servir de répertoire "
        "SIRENE : fichier introuvable.\n"
    )
    assert list(tmp_path.iterdir()) == []
    lookup = _run("register", "lookup", "35600000000048", "--db", missing, "--json")
    assert lookup.exit_code == 1
    assert json.loads(lookup.stderr)["error"]["code"] == "register_file_unreadable"


def test_a_junk_siret_is_refused_with_the_library_s_message(tmp_path: Path) -> None:
    target = str(tmp_path / "register.sqlite3")
    _run("register", "load", *FILES, *UNITS, "--db", target)
    result = _run("register", "lookup", "123", "--db", target)
    assert result.exit_code == 1
    assert "SIRET" in result.stderr
