"""Checking the fields that name and describe a structure, and creating it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from ..domain.attachments import Attachment
from ..domain.choices import member_of
from ..domain.errors import (
    CompanyClosed,
    InvalidInput,
    PurposeRequired,
    RegisterUnavailable,
    StructureAlreadyRegistered,
)
from ..domain.espaces import OpenEspace
from ..domain.identifiers import IdentifierType, Rcs, Siret, StructureIdentifier
from ..domain.structures import Address, CompanyRecord, Purpose, Structure, company_name
from ..domain.text import printable_text
from ..forms import CompanyFields, StructureNaming
from ..ports import UnitOfWork
from .checks import Checked, FieldChecks
from .context import Context
from .loaders import ensure_not_replaced


def blank(value: object) -> bool:
    """None, or text with nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def purposes(values: object) -> frozenset[Purpose]:
    """The checked purposes of a registration (at least one)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="purposes", expected="liste d'objectifs")
    chosen = {
        member_of(Purpose, value, field="purposes", expected="objectif d'inscription")
        for value in values
    }
    if not chosen:
        raise PurposeRequired(field="purposes")
    return frozenset(chosen)


@frozen
class Naming:
    """A checked structure name: its identifier, or the type whose identifier is assigned."""

    type: IdentifierType
    identifier: StructureIdentifier | None

    @property
    def siret(self) -> Siret | None:
        """The SIRET, when the structure is named by one."""
        if self.identifier is not None and self.type is IdentifierType.SIRET:
            return Siret(self.identifier.value)
        return None


def naming(form: StructureNaming, *, searching: bool = False) -> Naming:
    """The structure a form names, by SIRET or by another identifier type."""
    if not blank(form.siret):
        siret = Siret.parse(form.siret, field="siret")
        return Naming(IdentifierType.SIRET, StructureIdentifier(IdentifierType.SIRET, siret.value))
    if blank(form.identifier_type):
        raise InvalidInput(field="siret", expected="numéro SIRET ou type d'identifiant")
    kind = IdentifierType.parse(form.identifier_type)
    if searching:
        return Naming(kind, StructureIdentifier.searched(kind, form.identifier))
    return Naming(kind, StructureIdentifier.parse(kind, form.identifier))


@frozen
class Description:
    """A structure's checked general information: raison sociale, libellé, address."""

    company_name: str
    label: str
    address: Address


def check_structure_fields(
    ctx: Context, check: FieldChecks, form: StructureNaming, company: CompanyFields
) -> tuple[Checked[Naming], Checked[Rcs | None], Checked[Description]]:
    """Check the fields naming and describing a structure, each under its own name.

    The name and the address are checked apart, so that a form the register
    could not fill reports both when both are to be typed.
    """
    named = check("siret", lambda: naming(form))
    rcs = check("rcs", lambda: None if blank(company.rcs) else _rcs(company.rcs, named.value))
    record = check("siret", lambda: _record(ctx, named.value))
    name = check("company_name", lambda: _name(company, record.value))
    label = check(
        "label", lambda: printable_text(company.label, "label", _LABEL_MAX, required=False)
    )
    address = check("street", lambda: _address(company, record.value))
    described = check("company_name", lambda: Description(name.value, label.value, address.value))
    return named, rcs, described


_LABEL_MAX = 200


def _rcs(text: object, named: Naming) -> Rcs:
    rcs = Rcs.parse(text)
    siret = named.siret
    if siret is not None:
        rcs.check_matches(siret)
    return rcs


def _record(ctx: Context, named: Naming) -> CompanyRecord | None:
    """What the company register knows of a SIRET, to fill what was left blank.

    None when the register does not know it or does not answer: then what
    was typed is used, as on the portal, and a blank name or address part is
    a required field. A closed establishment cannot register.
    """
    siret = named.siret
    try:
        record = ctx.ports.directory.lookup(siret) if siret is not None else None
    except RegisterUnavailable:
        record = None
    if record is not None and not record.active:
        raise CompanyClosed(field="siret")
    return record


def _pick(value: object, known: str | None) -> object:
    return known if blank(value) and known else value


def _name(typed: CompanyFields, record: CompanyRecord | None) -> str:
    # Under diffusion partielle a person's name is withheld: it is typed.
    return company_name(_pick(typed.company_name, record.name if record else None))


def _address(typed: CompanyFields, record: CompanyRecord | None) -> Address:
    # Under diffusion partielle the address is withheld: it is typed.
    known = record.address if record else None
    return Address.parse(
        street=_pick(typed.street, known.street if known else None),
        complement=_pick(typed.complement, known.complement if known else None),
        complement_2=_pick(typed.complement_2, known.complement_2 if known else None),
        postal_code=_pick(typed.postal_code, known.postal_code if known else None),
        city=_pick(typed.city, known.city if known else None),
        country=_pick(typed.country, known.country if known else "FR"),
    )


def create_structure_of(
    ctx: Context,
    uow: UnitOfWork,
    *,
    named: Naming,
    described: Description,
    rcs: Rcs | None,
    chosen_purposes: frozenset[Purpose],
    espaces: Iterable[OpenEspace],
    creator_id: str,
    now: datetime,
    agricultural_centre: bool = False,
) -> Structure:
    """A new structure, its creator principal manager and attached; not yet added."""
    identifier = named.identifier or StructureIdentifier.assigned(
        named.type, uow.structures.next_assigned_number()
    )
    if uow.structures.get_by_identifier(identifier) is not None:
        field = "siret" if named.type is IdentifierType.SIRET else "identifier"
        raise StructureAlreadyRegistered(field=field, identifier=identifier.value)
    ensure_not_replaced(uow, identifier)
    structure = Structure.create(
        structure_id=ctx.ports.ids.new_id(),
        identifier=identifier,
        company_name=described.company_name,
        label=described.label,
        address=described.address,
        principal_manager_id=creator_id,
        purposes=chosen_purposes,
        espaces=espaces,
        rcs=rcs,
        now=now,
        agricultural_centre=agricultural_centre,
    )
    uow.structures.add(structure)
    uow.attachments.add(
        Attachment.direct(
            attachment_id=ctx.ports.ids.new_id(),
            account_id=creator_id,
            structure_id=structure.id,
            by=creator_id,
            now=now,
        )
    )
    return structure
