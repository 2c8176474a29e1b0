"""The offline company register: loading SIRENE stock files, and SIRET look-ups on it.

::

    python benchmarks/sirene_register.py           # 1,000,000 establishments, about a minute
    python benchmarks/sirene_register.py --quick   # 20,000, a smoke test

``run.py`` runs it with the other benchmarks; run alone, it takes the same
options and prints its own table.

- **the stock files**: N establishment rows (1,000,000; 20,000 with
  ``--quick``) and their legal units (one to three establishments each) are
  written in INSEE's published layout (``StockEtablissement_utf8.csv``, 54
  columns; ``StockUniteLegale_utf8.csv``, 35 columns), with valid SIRENs and
  SIRETs, 3% of establishments closed and 2% of units under diffusion
  partielle.
- **loading**: :func:`load_stock` in a process of its own, so that its peak
  resident memory is its own: seconds, rows per second (both files), the
  size of the register file.
- **look-ups**: :meth:`SireneStockDirectory.lookup` on random SIRETs the
  register holds, and on valid SIRETs it does not hold, then
  ``OnboardingService.lookup_company`` (the facade, text in) on held ones:
  look-ups per second, best of three rounds.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from harness import Result, Row, Settings
from stdnum import luhn

from chorus_onboarding import OnboardingService
from chorus_onboarding.adapters.sirene_stock import (
    ESTABLISHMENT_HEADER,
    ESTABLISHMENTS_FILE,
    LEGAL_UNIT_HEADER,
    LEGAL_UNITS_FILE,
    SireneStockDirectory,
)
from chorus_onboarding.domain.identifiers import Siret

FULL_ROWS = 1_000_000
QUICK_ROWS = 20_000
LOOKUPS = 50_000
"""Look-ups per round, of each kind."""

_STREETS = ("RUE", "AV", "BD", "CHE", "PL", "ALL", "IMP", "RTE")
_CITIES = (
    ("75015", "PARIS 15"),
    ("69003", "LYON 3E ARRONDISSEMENT"),
    ("13001", "MARSEILLE"),
    ("44000", "NANTES"),
    ("33000", "BORDEAUX"),
    ("31000", "TOULOUSE"),
    ("59000", "LILLE"),
    ("67000", "STRASBOURG"),
)


def _siren(number: int) -> str:
    body = f"{number:08d}"
    return body + luhn.calc_check_digit(body)


def _siret(siren: str, nic: int) -> str:
    body = f"{siren}{nic:04d}"
    return body + luhn.calc_check_digit(body)


def _units(rows: int, seed: int) -> Iterator[tuple[str, list[str], int]]:
    """Each legal unit: its SIREN, its row, and how many establishments it has."""
    draw = random.Random(seed)
    index = {name: position for position, name in enumerate(LEGAL_UNIT_HEADER)}
    made, number = 0, 10_000_000
    while made < rows:
        number += 1
        count = min(rows - made, draw.choice((1, 1, 1, 2, 3)))
        siren = _siren(number)
        row = [""] * len(LEGAL_UNIT_HEADER)
        withheld = draw.random() < 0.02
        for name, value in (
            ("siren", siren),
            ("statutDiffusionUniteLegale", "P" if withheld else "O"),
            ("dateCreationUniteLegale", "2015-03-01"),
            ("dateDernierTraitementUniteLegale", "2024-06-01T10:00:00"),
            ("nombrePeriodesUniteLegale", "1"),
            ("categorieEntreprise", "PME"),
            ("anneeCategorieEntreprise", "2022"),
            ("dateDebut", "2015-03-01"),
            ("etatAdministratifUniteLegale", "A"),
            ("denominationUniteLegale", f"ENTREPRISE {number}"),
            ("categorieJuridiqueUniteLegale", "5710"),
            ("activitePrincipaleUniteLegale", "62.01Z"),
            ("nomenclatureActivitePrincipaleUniteLegale", "NAFRev2"),
            ("nicSiegeUniteLegale", _siret(siren, 1)[9:]),
            ("caractereEmployeurUniteLegale", "N"),
            ("activitePrincipaleNAF25UniteLegale", "62.10Y"),
        ):
            row[index[name]] = value
        made += count
        yield siren, row, count


def write_stock(folder: Path, rows: int, seed: int = 7) -> tuple[Path, Path, list[str]]:
    """The two stock files with ``rows`` establishments, and every SIRET written."""
    draw = random.Random(seed + 1)
    index = {name: position for position, name in enumerate(ESTABLISHMENT_HEADER)}
    establishments, legal_units = folder / ESTABLISHMENTS_FILE, folder / LEGAL_UNITS_FILE
    sirets: list[str] = []
    with (
        establishments.open("w", encoding="utf-8", newline="") as places,
        legal_units.open("w", encoding="utf-8", newline="") as units,
    ):
        place_writer, unit_writer = csv.writer(places), csv.writer(units)
        place_writer.writerow(ESTABLISHMENT_HEADER)
        unit_writer.writerow(LEGAL_UNIT_HEADER)
        for siren, unit, count in _units(rows, seed):
            unit_writer.writerow(unit)
            withheld = unit[1] == "P"
            for nic in range(1, count + 1):
                siret = _siret(siren, nic)
                sirets.append(siret)
                postal_code, city = draw.choice(_CITIES)
                row = [""] * len(ESTABLISHMENT_HEADER)
                for name, value in (
                    ("siren", siren),
                    ("nic", siret[9:]),
                    ("siret", siret),
                    ("statutDiffusionEtablissement", "P" if withheld else "O"),
                    ("dateCreationEtablissement", "2015-03-01"),
                    ("dateDernierTraitementEtablissement", "2024-06-01T10:00:00"),
                    ("etablissementSiege", "true" if nic == 1 else "false"),
                    ("nombrePeriodesEtablissement", "1"),
                    ("numeroVoieEtablissement", "[ND]" if withheld else str(draw.randint(1, 200))),
                    ("typeVoieEtablissement", "[ND]" if withheld else draw.choice(_STREETS)),
                    ("libelleVoieEtablissement", "[ND]" if withheld else f"DES TILLEULS {nic}"),
                    ("codePostalEtablissement", "[ND]" if withheld else postal_code),
                    ("libelleCommuneEtablissement", city),
                    ("codeCommuneEtablissement", "75115"),
                    ("dateDebut", "2015-03-01"),
                    ("etatAdministratifEtablissement", "F" if draw.random() < 0.03 else "A"),
                    ("activitePrincipaleEtablissement", "62.01Z"),
                    ("nomenclatureActivitePrincipaleEtablissement", "NAFRev2"),
                    ("caractereEmployeurEtablissement", "N"),
                    ("activitePrincipaleNAF25Etablissement", "62.10Y"),
                ):
                    row[index[name]] = value
                place_writer.writerow(row)
    return establishments, legal_units, sirets


_LOADER = """
import json, resource, sys, time
from chorus_onboarding.adapters.sirene_stock import load_stock
start = time.perf_counter()
report = load_stock(sys.argv[1], sys.argv[2], sys.argv[3])
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "establishments": report.establishments,
    "legal_units": report.legal_units,
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def _load(establishments: Path, legal_units: Path, target: Path) -> dict[str, float]:
    """Load in a process of its own: its figures, its peak memory among them."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADER, str(establishments), str(legal_units), str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _missing(sirets: Sequence[str], count: int, seed: int) -> list[str]:
    """Valid SIRETs the register does not hold (SIRENs past the last one written)."""
    last = max(int(siret[:8]) for siret in sirets[-10:])
    draw = random.Random(seed)
    return [_siret(_siren(last + draw.randint(1, 10**6)), 1) for _ in range(count)]


def _per_second(rounds: int, lookups: Sequence[object], look: object) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for key in lookups:
            look(key)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return len(lookups) / best


def measure(rows: int, lookups: int = LOOKUPS, seed: int = 7) -> dict[str, float]:
    """Every figure of this benchmark, for ``rows`` establishments."""
    with tempfile.TemporaryDirectory(prefix="sirene-bench-") as folder:
        base = Path(folder)
        started = time.perf_counter()
        establishments, legal_units, sirets = write_stock(base, rows, seed)
        written = time.perf_counter() - started
        target = base / "register.sqlite3"
        loaded = _load(establishments, legal_units, target)
        draw = random.Random(seed + 2)
        held = [Siret.parse(siret) for siret in draw.choices(sirets, k=lookups)]
        absent = [Siret.parse(siret) for siret in _missing(sirets, lookups, seed + 3)]
        register = SireneStockDirectory(target)
        assert all(register.lookup(siret) is not None for siret in held[:100])
        assert all(register.lookup(siret) is None for siret in absent[:100])
        service = OnboardingService.in_memory(directory=register)
        texts = [siret.value for siret in held]
        figures = {
            "rows": float(rows),
            "csv_mib": (establishments.stat().st_size + legal_units.stat().st_size) / 2**20,
            "write_seconds": written,
            "load_seconds": loaded["seconds"],
            "legal_units": loaded["legal_units"],
            "rows_per_second": (loaded["establishments"] + loaded["legal_units"])
            / loaded["seconds"],
            "register_mib": target.stat().st_size / 2**20,
            "peak_mib": loaded["peak_kib"] / 1024,
            "held_per_second": _per_second(3, held, register.lookup),
            "absent_per_second": _per_second(3, absent, register.lookup),
            "facade_per_second": _per_second(3, texts, service.lookup_company),
        }
        register.close()
    return figures


def run(settings: Settings) -> Result:
    """Generate the stock files, load them, look SIRETs up; the figures as rows."""
    rows = QUICK_ROWS if settings.quick else FULL_ROWS
    figures = measure(rows, lookups=5_000 if settings.quick else LOOKUPS)
    section = "offline register"
    return Result(
        title="the offline company register: SIRENE stock files loaded, SIRETs looked up",
        scale=f"{rows:,} establishments, {int(figures['legal_units']):,} legal units",
        rows=(
            Row(section, "stock files written (both CSV)", "MiB", figures["csv_mib"], decimals=1),
            Row(section, "load: seconds", "s", figures["load_seconds"], decimals=1),
            Row(
                section,
                "load: rows per second",
                "rows/s",
                figures["rows_per_second"],
                rate=True,
                decimals=0,
            ),
            Row(
                section,
                "load: peak resident memory of the loader",
                "MiB",
                figures["peak_mib"],
                decimals=0,
            ),
            Row(section, "register file", "MiB", figures["register_mib"], decimals=1),
            Row(
                section,
                "lookup(): held SIRETs per second",
                "/s",
                figures["held_per_second"],
                rate=True,
                decimals=0,
            ),
            Row(
                section,
                "lookup(): absent SIRETs per second",
                "/s",
                figures["absent_per_second"],
                rate=True,
                decimals=0,
            ),
            Row(
                section,
                "lookup_company() through the facade, per second",
                "/s",
                figures["facade_per_second"],
                rate=True,
                decimals=0,
            ),
        ),
        notes=(
            "The stock files are generated in INSEE's published layout (54 and 35 columns, "
            "valid SIRENs and SIRETs, 3% closed, 2% diffusion partielle) and are not timed. "
            "The load runs in a process of its own: its peak resident memory is the "
            "interpreter's and the loader's (one batch of rows at a time), whatever the size "
            "of the files. Look-ups: random held SIRETs and valid SIRETs the register does "
            "not hold, best of three rounds, one thread.",
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone, with ``run.py``'s options, and print its table."""
    import run as runner  # the runner imports this module: imported here, not at the top

    return runner.main(argv, (run,), prog="benchmarks/sirene_register.py")


if __name__ == "__main__":
    sys.exit(main())
