"""An offline company register, built from INSEE's SIRENE stock files, for hosts without network.

INSEE publishes the whole register every month on data.gouv.fr (« Base Sirene
des entreprises et de leurs établissements »), under the Licence Ouverte /
Etalab 2.0: ``StockEtablissement_utf8.csv`` (one row per establishment,
about 40 million) and ``StockUniteLegale_utf8.csv`` (one row per legal unit,
about 28 million), comma-separated, UTF-8, with a header of INSEE's variable
names. :func:`load_stock` streams both into one SQLite file (only what a
look-up needs, rows in batches, one transaction, memory bounded whatever the
size); :class:`SireneStockDirectory` looks SIRETs up in it.

The file is built beside its final place and renamed over it only when
complete: a failed load leaves the previous register as it was, and
look-ups running meanwhile keep reading it.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import IO

from attrs import frozen

from ..domain.errors import (
    InvalidInput,
    OnboardingError,
    RegisterFileUnreadable,
    RegisterUnavailable,
)
from ..domain.identifiers import IdentifierType, Siret, StructureIdentifier
from ..domain.structures import Address, CompanyRecord, company_name
from .resilience import count

ESTABLISHMENTS_FILE = "StockEtablissement_utf8.csv"
"""The name INSEE gives the establishments' stock file."""
LEGAL_UNITS_FILE = "StockUniteLegale_utf8.csv"
"""The name INSEE gives the legal units' stock file."""

ESTABLISHMENT_HEADER: tuple[str, ...] = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
    "activitePrincipaleNAF25Etablissement",
)
"""The published header of the establishments' file (54 columns, 2025 layout)."""

LEGAL_UNIT_HEADER: tuple[str, ...] = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
    "activitePrincipaleNAF25UniteLegale",
)
"""The published header of the legal units' file (35 columns, 2025 layout)."""

ESTABLISHMENT_COLUMNS: tuple[str, ...] = (
    "siren",
    "siret",
    "statutDiffusionEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "codePaysEtrangerEtablissement",
    "etatAdministratifEtablissement",
)
"""The columns of the establishments' file the register reads (the file has more)."""

LEGAL_UNIT_COLUMNS: tuple[str, ...] = (
    "siren",
    "statutDiffusionUniteLegale",
    "denominationUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "prenomUsuelUniteLegale",
)
"""The columns of the legal units' file the register reads (the file has more)."""

WITHHELD = "[ND]"
"""What the stock files show in place of a value under diffusion partielle."""

BATCH = 20_000
"""Rows written per statement batch."""

_SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE register (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE legal_unit (
    siren TEXT PRIMARY KEY,
    withheld INTEGER NOT NULL,
    name TEXT
) WITHOUT ROWID;
CREATE TABLE establishment (
    siret TEXT PRIMARY KEY,
    siren TEXT NOT NULL,
    withheld INTEGER NOT NULL,
    active INTEGER NOT NULL,
    street TEXT,
    complement TEXT,
    postal_code TEXT,
    city TEXT
) WITHOUT ROWID;
"""


@frozen
class LoadReport:
    """What :func:`load_stock` wrote: rows of each file, and how long it took."""

    establishments: int
    legal_units: int
    seconds: float
    path: Path


def _path(name: str, value: object) -> Path:
    """A file's path given as text or a path, else :class:`InvalidInput` on ``name``."""
    if isinstance(value, str | os.PathLike) and str(value).strip():
        try:
            path = Path(value)
        except TypeError:  # a PathLike whose __fspath__ gives no text
            pass
        else:
            if str(path).strip() and "\0" not in str(path) and len(str(path)) <= 4096:
                return path
    raise InvalidInput(field=name, expected="chemin de fichier")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system, a path it cannot search
        return False


def _value(text: str) -> str | None:
    text = text.strip()
    return None if not text or text == WITHHELD else text


@contextmanager
def _opened(path: Path) -> Iterator[IO[str]]:
    """The text of a stock file: the CSV itself, or the one CSV of the zip INSEE publishes."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
                if len(names) != 1:
                    raise RegisterFileUnreadable(path=str(path), reason="missing_columns")
                with (
                    archive.open(names[0]) as raw,
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
                ):
                    yield text
        else:
            with path.open(encoding="utf-8", newline="") as text:
                yield text
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise RegisterFileUnreadable(path=str(path), reason="missing_file") from error
    except zipfile.BadZipFile as error:
        raise RegisterFileUnreadable(path=str(path), reason="missing_columns") from error


def _rows(path: Path, columns: Sequence[str]) -> Iterator[list[str | None]]:
    """The wanted columns of each row of a stock file, in the order of ``columns``."""
    with _opened(path) as handle:
        try:
            reader = csv.reader(handle)
            # INSEE's layouts have had stray spaces after names, and a tool may add
            # a byte order mark: neither is part of a name.
            header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
            try:
                where = [header.index(column) for column in columns]
            except ValueError:
                raise RegisterFileUnreadable(path=str(path), reason="missing_columns") from None
            width = max(where) + 1
            for row in reader:
                if len(row) < width:
                    continue  # a truncated line (the file cut short): nothing usable
                yield [_value(row[index]) for index in where]
        except UnicodeDecodeError as error:
            raise RegisterFileUnreadable(path=str(path), reason="not_utf8") from error
        except csv.Error as error:
            raise RegisterFileUnreadable(path=str(path), reason="missing_columns") from error


def _legal_unit(row: list[str | None]) -> tuple[str | None, int, str | None]:
    siren, diffusion, denomination, last_name, used_name, first_name = row
    name = denomination
    if name is None:
        # A person in business: "PRÉNOM NOM", the name in use before the birth name.
        surname = used_name or last_name
        name = " ".join(part for part in (first_name, surname) if part) or None
    return siren, int(diffusion == "P"), name


def _establishment(row: list[str | None]) -> tuple[object, ...]:
    (
        siren,
        siret,
        diffusion,
        complement,
        number,
        repetition,
        street_type,
        street_name,
        postal_code,
        city,
        foreign_country,
        state,
    ) = row
    withheld = diffusion == "P"
    street = " ".join(part for part in (number, repetition, street_type, street_name) if part)
    if withheld or foreign_country:
        # Withheld, or abroad (INSEE's country codes are not ISO ones): the form asks.
        street, complement, postal_code, city = "", None, None, None
    return (
        siret,
        siren,
        int(withheld),
        int(state != "F"),
        street or None,
        complement,
        postal_code,
        city,
    )


def _batches(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_stock(
    establishments: str | os.PathLike[str],
    legal_units: str | os.PathLike[str],
    database: str | os.PathLike[str],
    *,
    progress: Callable[[int], object] | None = None,
    batch: int = BATCH,
) -> LoadReport:
    """Build the offline register ``database`` from the two stock files.

    ``progress`` is told how many rows were just written, batch after batch.
    A missing file, one without the published columns or not in UTF-8
    raises :class:`RegisterFileUnreadable` and leaves ``database`` as it was.
    """
    started = time.perf_counter()
    places_file = _path("establishments", establishments)
    units_file = _path("legal_units", legal_units)
    target = _path("database", database)
    size = count("batch", batch)
    if progress is not None and not callable(progress):
        raise InvalidInput(field="progress", expected="fonction appelée avec un nombre d'éléments")
    for source in (places_file, units_file):
        # Both checked before any work, the establishments first, as they are named.
        if not _is_file(source):
            raise RegisterFileUnreadable(path=str(source), reason="missing_file")
    building = target.with_name(target.name + ".loading")
    told = progress or (lambda _rows: None)
    try:
        building.unlink(missing_ok=True)
        with closing(sqlite3.connect(building, isolation_level=None)) as connection:
            # The file is new and renamed only when complete: no journal needed.
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("BEGIN")
            _create(connection)
            units, places = (
                _write(connection, statement, map(shape, _rows(source, columns)), size, told)
                for statement, shape, source, columns in (
                    (_INSERT_UNIT, _legal_unit, units_file, LEGAL_UNIT_COLUMNS),
                    (_INSERT_PLACE, _establishment, places_file, ESTABLISHMENT_COLUMNS),
                )
            )
            connection.executemany(
                "INSERT INTO register VALUES (?, ?)",
                [
                    ("schema", _SCHEMA_VERSION),
                    ("establishments", str(places)),
                    ("legal_units", str(units)),
                ],
            )
            connection.execute("COMMIT")
        os.replace(building, target)
    except (sqlite3.Error, OSError) as error:
        # No room, no right to write there, a folder in the way: the register stays as it was.
        raise RegisterFileUnreadable(path=str(target), reason="not_writable") from error
    finally:
        with suppress(OSError):
            building.unlink(missing_ok=True)
    return LoadReport(
        establishments=places,
        legal_units=units,
        seconds=time.perf_counter() - started,
        path=target,
    )


_INSERT_UNIT = "INSERT OR REPLACE INTO legal_unit VALUES (?, ?, ?)"
_INSERT_PLACE = "INSERT OR REPLACE INTO establishment VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _create(connection: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)


def _write(
    connection: sqlite3.Connection,
    statement: str,
    rows: Iterable[tuple[object, ...]],
    size: int,
    told: Callable[[int], object],
) -> int:
    written = 0
    for chunk in _batches(rows, size):
        connection.executemany(statement, chunk)
        written += len(chunk)
        told(len(chunk))
    return written


_LOOKUP = """
SELECT e.withheld, e.active, e.street, e.complement, e.postal_code, e.city,
       u.withheld, u.name
FROM establishment AS e LEFT JOIN legal_unit AS u ON u.siren = e.siren
WHERE e.siret = ?
"""


class SireneStockDirectory:
    """A :class:`~chorus_onboarding.ports.CompanyDirectory` on a file :func:`load_stock` built.

    Opened read-only, one connection per thread. A missing file, or one no
    load filled, raises :class:`RegisterFileUnreadable` at once; a file that
    cannot be read later raises :class:`RegisterUnavailable` on look-up.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = _path("path", path)
        self._local = threading.local()
        if not _is_file(self.path):
            raise RegisterFileUnreadable(path=str(self.path), reason="missing_file")
        try:
            found = (
                self._connection()
                .execute("SELECT value FROM register WHERE key = 'schema'")
                .fetchone()
            )
        except sqlite3.Error as error:
            raise RegisterFileUnreadable(path=str(self.path), reason="not_a_register") from error
        if found is None or found[0] != _SCHEMA_VERSION:
            raise RegisterFileUnreadable(path=str(self.path), reason="not_a_register")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            connection = sqlite3.connect(uri, uri=True)
            self._local.connection = connection
        return connection

    def counts(self) -> dict[str, int]:
        """How many establishments and legal units the register holds."""
        with self._reading():
            rows = self._connection().execute(
                "SELECT key, value FROM register WHERE key IN ('establishments', 'legal_units')"
            )
            return {key: int(value) for key, value in rows}

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise RegisterUnavailable(field="siret") from error

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        """What the stock said of ``siret``, or None if it does not hold it."""
        if not isinstance(siret, Siret):
            raise InvalidInput(field="siret", expected="Siret")
        with self._reading():
            row = self._connection().execute(_LOOKUP, (siret.value,)).fetchone()
        if row is None:
            return None
        withheld, active, street, complement, postal_code, city, unit_withheld, name = row
        address = None
        if not withheld and not unit_withheld and street and postal_code and city:
            try:
                address = Address(
                    street=street, postal_code=postal_code, city=city, complement=complement or ""
                )
            except OnboardingError:
                address = None  # the register's own data breaks a rule: the form asks
        try:
            checked_name = None if name is None else company_name(name)
        except OnboardingError:
            checked_name = None
        return CompanyRecord(
            identifier=StructureIdentifier(IdentifierType.SIRET, siret.value),
            name=checked_name,
            address=address,
            active=bool(active),
        )

    def close(self) -> None:
        """Close this thread's connection (others close with their thread)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
