"""Structures: the legal entities users act for, with their espaces and managers."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime

from attrs import define, frozen

from .errors import InvalidInput, RuleViolation
from .espaces import Espace, OpenEspace
from .identifiers import Rcs, StructureIdentifier
from .text import printable_text

_FRENCH_POSTAL_CODE = re.compile(r"(?!00)\d{5}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_TEXT_MAX = 200

DEFAULT_SERVICE = "DEFAUT"
"""Code of the service every structure has: "Service par défaut de la structure"."""


def _text(value: object, field: str, *, required: bool = True) -> str:
    return printable_text(value, field, _TEXT_MAX, required=required)


@frozen
class Address:
    """A postal address; French postal codes are checked (5 digits)."""

    street: str
    postal_code: str
    city: str
    country: str = "FR"
    complement: str = ""

    @classmethod
    def parse(
        cls,
        *,
        street: object,
        postal_code: object,
        city: object,
        country: object = "FR",
        complement: object = None,
    ) -> Address:
        """Check each part of an address typed in a form."""
        country_code = _text(country, "country").upper()
        if not _COUNTRY.fullmatch(country_code):
            raise InvalidInput(field="country", expected="code pays ISO à deux lettres")
        code = _text(postal_code, "postal_code").replace(" ", "")
        if country_code == "FR" and not _FRENCH_POSTAL_CODE.fullmatch(code):
            raise InvalidInput(field="postal_code", expected="code postal français à 5 chiffres")
        return cls(
            street=_text(street, "street"),
            postal_code=code,
            city=_text(city, "city"),
            country=country_code,
            complement=_text(complement, "complement", required=False),
        )


def company_name(value: object) -> str:
    """The raison sociale: required, printable, at most 200 characters."""
    return _text(value, "company_name")


class Purpose(enum.Enum):
    """Why the structure registers (at least one; the first is checked by default)."""

    DEPOSER_DEMANDES_PAIEMENT = "Déposer des demandes de paiement"
    DUME = "Créer et/ou consulter des DUME"


class StructureStatus(enum.Enum):
    """Whether the structure can be used."""

    ACTIF = "ACTIF"
    INACTIF = "INACTIF"


@frozen
class Service:
    """A sub-unit of a structure."""

    code: str
    name: str


@frozen
class CompanyRecord:
    """What the company register (SIRENE) knows of an establishment."""

    identifier: StructureIdentifier
    name: str
    address: Address
    active: bool = True


@define(eq=False, weakref_slot=False)
class Structure:
    """A legal entity on the portal.

    Collections are immutable (tuples, frozensets) and replaced, never mutated
    in place, so a loaded copy can be compared with what was stored.
    """

    id: str
    identifier: StructureIdentifier
    company_name: str
    address: Address
    created_at: datetime
    principal_manager_id: str
    purposes: frozenset[Purpose]
    rcs: Rcs | None = None
    status: StructureStatus = StructureStatus.ACTIF
    agricultural_centre: bool = False
    services: tuple[Service, ...] = (
        Service(DEFAULT_SERVICE, "Service par défaut de la structure"),
    )
    espaces: tuple[OpenEspace, ...] = ()
    version: int = 0

    @classmethod
    def create(
        cls,
        *,
        structure_id: str,
        identifier: StructureIdentifier,
        company_name: str,
        address: Address,
        principal_manager_id: str,
        purposes: Iterable[Purpose],
        espaces: Iterable[OpenEspace],
        now: datetime,
        rcs: Rcs | None = None,
    ) -> Structure:
        """A new active structure whose creator is its principal manager."""
        chosen = frozenset(purposes)
        if not chosen:
            raise RuleViolation(field="purposes")
        return cls(
            id=structure_id,
            identifier=identifier,
            company_name=company_name,
            address=address,
            created_at=now,
            principal_manager_id=principal_manager_id,
            purposes=chosen,
            rcs=rcs,
            espaces=tuple(sorted(espaces, key=lambda open_: open_.espace.value)),
        )

    def open_espace(self, espace: Espace) -> OpenEspace | None:
        """The espace as opened here, or None if it is not open."""
        return next((open_ for open_ in self.espaces if open_.espace is espace), None)
