"""``register ...``: the offline company register, built from INSEE's SIRENE stock files."""

from __future__ import annotations

from pathlib import Path

import click

from ..adapters.sirene_stock import (
    ESTABLISHMENTS_FILE,
    LEGAL_UNITS_FILE,
    SireneStockDirectory,
    load_stock,
)
from ..domain.identifiers import Siret
from ..domain.structures import CompanyRecord
from .base import Commands, json_option, plain, progress, report

register = Commands(
    "register",
    help="The offline company register: load INSEE's SIRENE stock files, look a SIRET up.",
)

_REGISTER_FILE = click.option(
    "--db",
    "database",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The offline register's SQLite file.",
)


@register.command("load")
@click.option(
    "--establishments",
    required=True,
    type=click.Path(path_type=Path),
    help=f"INSEE's {ESTABLISHMENTS_FILE} (or the .zip it is published in).",
)
@click.option(
    "--legal-units",
    required=True,
    type=click.Path(path_type=Path),
    help=f"INSEE's {LEGAL_UNITS_FILE} (or the .zip it is published in).",
)
@_REGISTER_FILE
@json_option
def load(establishments: Path, legal_units: Path, database: Path) -> None:
    """Build the offline register from the two stock files.

    The file is replaced only once the load is complete: a failed load
    leaves the previous register as it was.
    """
    with progress("Lignes chargées") as advance:
        loaded = load_stock(establishments, legal_units, database, progress=advance)
    report(
        {
            "establishments": loaded.establishments,
            "legal_units": loaded.legal_units,
            "seconds": round(loaded.seconds, 3),
            "path": str(loaded.path),
        },
        f"{loaded.establishments} établissement(s) et {loaded.legal_units} unité(s) légale(s) "
        f"chargés en {loaded.seconds:.1f} s dans {loaded.path}.",
    )


def _text(record: CompanyRecord | None) -> str:
    if record is None:
        return "SIRET inconnu du répertoire."
    where = record.address
    address = (
        " ".join(part for part in (where.complement, where.street) if part)
        + f", {where.postal_code} {where.city}"
        if where is not None
        else "adresse non diffusée : à saisir"
    )
    name = record.name or "raison sociale non diffusée : à saisir"
    return f"{name} ; {address} ; {'actif' if record.active else 'fermé'}"


@register.command("lookup")
@click.argument("siret")
@_REGISTER_FILE
@json_option
def lookup(siret: str, database: Path) -> None:
    """What the offline register holds of SIRET."""
    record = SireneStockDirectory(database).lookup(Siret.parse(siret, field="siret"))
    report(None if record is None else plain(record), _text(record))
