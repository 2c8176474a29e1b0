"""The offline register built from a small sample of INSEE's stock files, in their published format."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chorus_onboarding.adapters.sirene_stock import (
    ESTABLISHMENT_COLUMNS,
    ESTABLISHMENT_HEADER,
    ESTABLISHMENTS_FILE,
    LEGAL_UNIT_COLUMNS,
    LEGAL_UNIT_HEADER,
    LEGAL_UNITS_FILE,
    SireneStockDirectory,
    load_stock,
)
from chorus_onboarding.domain.identifiers import Siret
from chorus_onboarding.domain.structures import Address, CompanyRecord
from chorus_onboarding.errors import RegisterFileUnreadable, RegisterUnavailable

STOCK = Path(__file__).resolve().parent.parent / "data" / "registers" / "stock"
ESTABLISHMENTS = STOCK / ESTABLISHMENTS_FILE
LEGAL_UNITS = STOCK / LEGAL_UNITS_FILE


@pytest.fixture
def register(tmp_path: Path) -> SireneStockDirectory:
    load_stock(ESTABLISHMENTS, LEGAL_UNITS, tmp_path / "register.sqlite3")
    return SireneStockDirectory(tmp_path / "register.sqlite3")


def look(register: SireneStockDirectory, siret: str) -> object:
    return register.lookup(Siret.parse(siret))


def found(register: SireneStockDirectory, siret: str) -> CompanyRecord:
    """The record the register holds for ``siret`` (it must hold one)."""
    record = register.lookup(Siret.parse(siret))
    assert record is not None
    return record


def address(record: CompanyRecord) -> Address:
    """The record's address (it must have one)."""
    assert record.address is not None
    return record.address


def test_the_sample_has_the_published_headers() -> None:
    with ESTABLISHMENTS.open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == ESTABLISHMENT_HEADER
    with LEGAL_UNITS.open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == LEGAL_UNIT_HEADER
    assert set(ESTABLISHMENT_COLUMNS) <= set(ESTABLISHMENT_HEADER)
    assert set(LEGAL_UNIT_COLUMNS) <= set(LEGAL_UNIT_HEADER)


def test_loading_counts_the_rows_of_both_files_and_tells_the_progress(tmp_path: Path) -> None:
    told: list[int] = []
    report = load_stock(ESTABLISHMENTS, LEGAL_UNITS, tmp_path / "r.sqlite3", progress=told.append)
    assert (report.establishments, report.legal_units) == (8, 7)
    assert sum(told) == 15
    assert SireneStockDirectory(tmp_path / "r.sqlite3").counts() == {
        "establishments": 8,
        "legal_units": 7,
    }


def test_an_active_establishment_has_its_company_name_and_address(
    register: SireneStockDirectory,
) -> None:
    record = found(register, "35600000000048")
    assert (record.name, record.active) == ("LA POSTE", True)
    assert address(record).street == "9 RUE DU COLONEL PIERRE AVIA"
    assert address(record).complement == "DIRECTION GENERALE DE LA POSTE"
    assert (address(record).postal_code, address(record).city) == ("75015", "PARIS 15")


def test_a_closed_establishment_is_known_as_closed(register: SireneStockDirectory) -> None:
    assert not found(register, "51819093900018").active


@pytest.mark.parametrize(
    ("siret", "name"),
    [
        ("84512345400025", "HOLDING DISCRETE"),
        ("81234567600017", None),
        ("79988776500037", "ACME EXPORT LTD"),
    ],
    ids=["partial-diffusion-company", "partial-diffusion-person", "abroad"],
)
def test_what_is_withheld_or_not_french_is_left_to_type(
    register: SireneStockDirectory, siret: str, name: str | None
) -> None:
    record = found(register, siret)
    assert (record.name, record.address) == (name, None)


def test_a_person_in_business_is_named_by_first_name_and_name(
    register: SireneStockDirectory,
) -> None:
    record = found(register, "90112233300015")
    assert record.name == "JEANNE MARTIN"
    assert address(record).street == "4 B AV JEAN JAURES"


def test_an_establishment_without_its_legal_unit_has_an_address_but_no_name(
    register: SireneStockDirectory,
) -> None:
    orphan = found(register, "88877766100016")
    assert orphan.name is None
    assert address(orphan).city == "AURILLAC"


def test_a_siret_the_stock_does_not_hold_is_none(register: SireneStockDirectory) -> None:
    assert look(register, "39099603100014") is None


def test_look_ups_run_from_several_threads(register: SireneStockDirectory) -> None:
    sirets = ["35600000000048", "51819093900018", "39099603100014"] * 20
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda siret: look(register, siret) is not None, sirets))
    assert found == [True, True, False] * 20


def test_the_zip_insee_publishes_is_read_as_it_is(tmp_path: Path) -> None:
    zipped = []
    for source in (ESTABLISHMENTS, LEGAL_UNITS):
        archive = tmp_path / source.with_suffix(".zip").name
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writing:
            writing.write(source, source.name)
        zipped.append(archive)
    report = load_stock(zipped[0], zipped[1], tmp_path / "r.sqlite3")
    assert report.establishments == 8


def test_stray_spaces_a_byte_order_mark_and_a_truncated_last_line_are_tolerated(
    tmp_path: Path,
) -> None:
    text = ESTABLISHMENTS.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    changed = tmp_path / ESTABLISHMENTS_FILE
    changed.write_text(
        "\ufeff" + header.replace(",", " ,") + "\n" + rest + "526018155,00022,5260181", "utf-8"
    )
    report = load_stock(changed, LEGAL_UNITS, tmp_path / "r.sqlite3")
    assert report.establishments == 8


def _failed_load(tmp_path: Path, establishments: Path, reason: str) -> None:
    target = tmp_path / "register.sqlite3"
    load_stock(ESTABLISHMENTS, LEGAL_UNITS, target)
    with pytest.raises(RegisterFileUnreadable) as refused:
        load_stock(establishments, LEGAL_UNITS, target)
    assert refused.value.params == {"path": str(establishments), "reason": reason}
    # The register loaded before is untouched, and nothing half-built is left.
    assert SireneStockDirectory(target).counts()["establishments"] == 8
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        {"register.sqlite3", establishments.name} - {"missing.csv"}
    )


def test_a_missing_file_is_refused_and_the_previous_register_stays(tmp_path: Path) -> None:
    _failed_load(tmp_path, tmp_path / "missing.csv", "missing_file")


def test_a_file_of_another_layout_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("siret,nom\n35600000000048,LA POSTE\n", encoding="utf-8")
    _failed_load(tmp_path, other, "missing_columns")


def test_a_file_not_in_utf8_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    text = ESTABLISHMENTS.read_text(encoding="utf-8").replace("DU CENTRE", "DE L'ÉGLISE")
    latin.write_bytes(text.encode("latin-1"))
    _failed_load(tmp_path, latin, "not_utf8")


def test_a_missing_or_foreign_database_is_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(RegisterFileUnreadable) as missing:
        SireneStockDirectory(tmp_path / "nothing.sqlite3")
    assert missing.value.params["reason"] == "missing_file"
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    text = tmp_path / "text.sqlite3"
    shutil.copy(ESTABLISHMENTS, text)
    for path in (other, text):
        with pytest.raises(RegisterFileUnreadable) as foreign:
            SireneStockDirectory(path)
        assert foreign.value.params["reason"] == "not_a_register"


def test_a_register_file_damaged_after_opening_is_unavailable(tmp_path: Path) -> None:
    target = tmp_path / "register.sqlite3"
    load_stock(ESTABLISHMENTS, LEGAL_UNITS, target)
    register = SireneStockDirectory(target)
    with sqlite3.connect(target) as writing:
        writing.execute("DROP TABLE establishment")
    with pytest.raises(RegisterUnavailable):
        look(register, "35600000000048")
