"""A company register in memory, standing in for INSEE's SIRENE."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.identifiers import IdentifierType, Siret, StructureIdentifier
from ..domain.structures import Address, CompanyRecord


def _record(
    siret: str, name: str, street: str, postal_code: str, city: str, *, active: bool = True
) -> CompanyRecord:
    return CompanyRecord(
        identifier=StructureIdentifier(IdentifierType.SIRET, siret),
        name=name,
        address=Address(street=street, postal_code=postal_code, city=city),
        active=active,
    )


SAMPLE_COMPANIES: tuple[CompanyRecord, ...] = (
    _record(
        "52601815500014", "LE DRESSING DE LOUISE", "10 RUE DU CENTRE", "93160", "NOISY-LE-GRAND"
    ),
    _record("78299314100038", "URSSAF DE CORSE", "8 AVENUE DU MONT THABOR", "20090", "AJACCIO"),
    _record("90830166600016", "EARL DES TROIS CHENES", "LIEU-DIT LES CHENES", "24100", "BERGERAC"),
    _record("39099603100014", "GAEC DU PLATEAU", "2 CHEMIN DES PRES", "15000", "AURILLAC"),
    _record(
        "13186091800013",
        "CENTRE DE GESTION AGRICOLE DU SUD-OUEST",
        "14 ALLEE DES VIGNES",
        "33000",
        "BORDEAUX",
    ),
    _record("94821993600010", "CABINET MARTIN EXPERTISES", "3 PLACE DU PALAIS", "69005", "LYON"),
    _record(
        "51819093900018",
        "ATELIER DUPONT ET FILS",
        "27 RUE DES ARTISANS",
        "44000",
        "NANTES",
        active=False,
    ),
    _record("35600000000048", "LA POSTE", "9 RUE DU COLONEL PIERRE AVIA", "75015", "PARIS"),
)
"""Real-looking establishments with valid SIRETs; one of them is closed."""


class MemoryCompanyDirectory:
    """Looks establishments up in a fixed list (by default :data:`SAMPLE_COMPANIES`)."""

    def __init__(self, records: Iterable[CompanyRecord] = SAMPLE_COMPANIES) -> None:
        self._records = {record.identifier.value: record for record in records}

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        """The record for ``siret``, or None."""
        return self._records.get(siret.value)

    def add(self, record: CompanyRecord) -> None:
        """Make ``record`` known (tests and demos add their own companies)."""
        self._records[record.identifier.value] = record
