"""Structures: search, creation from "Mon compte", and the principal manager's settings (journeys 8 and 9)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain import membership
from ..domain.accounts import Account
from ..domain.attachments import Attachment
from ..domain.choices import member_of
from ..domain.errors import InvalidInput, RequiredField
from ..domain.espaces import (
    CategorieBeneficiaire,
    CategoriePrestataire,
    Espace,
    EspaceParameters,
    OpenEspace,
    RegimeStatut,
)
from ..domain.history import ManagerAction, ManagerActionKind
from ..domain.identifiers import Rcs, StructureIdentifier
from ..domain.structures import (
    COUNTRY_CODES,
    DEFAULT_SERVICE,
    Address,
    FormerIdentifier,
    Purpose,
    Service,
    Structure,
    StructureStatus,
    service_code,
)
from ..domain.structures import (
    company_name as checked_company_name,
)
from ..domain.support_log import SupportActionKind
from ..domain.text import printable_text
from ..forms import NewStructure, StructureFilters, StructureNaming
from ..ports import UnitOfWork
from .access import csv_export
from .arguments import flag_argument
from .building import check_structure_fields, create_structure_of, naming, purposes
from .checks import FieldChecks
from .context import Context
from .grants import grant
from .loaders import (
    acting_account,
    as_manager_or_support,
    as_principal,
    existing_structure,
    is_support,
    require_support,
    structure_named,
    target_account,
)


@frozen
class StructureView:
    """What the pages show of a structure."""

    id: str
    identifier: StructureIdentifier
    company_name: str
    label: str
    address: Address
    rcs: Rcs | None
    status: StructureStatus
    agricultural_centre: bool
    purposes: frozenset[Purpose]
    services: tuple[Service, ...]
    espaces: tuple[OpenEspace, ...]
    principal_manager_id: str
    managers: frozenset[str]
    created_at: datetime
    former_identifiers: tuple[FormerIdentifier, ...] = ()
    """The identifiers it had before its changes of SIRET, oldest first."""

    @classmethod
    def of(cls, structure: Structure) -> StructureView:
        """The view of ``structure``."""
        return cls(
            id=structure.id,
            identifier=structure.identifier,
            company_name=structure.company_name,
            label=structure.label,
            address=structure.address,
            rcs=structure.rcs,
            status=structure.status,
            agricultural_centre=structure.agricultural_centre,
            purposes=structure.purposes,
            services=structure.services,
            espaces=structure.espaces,
            principal_manager_id=structure.principal_manager_id,
            managers=structure.managers,
            created_at=structure.created_at,
            former_identifiers=structure.former_identifiers,
        )

    def opened(self, espace: Espace) -> OpenEspace | None:
        """The espace as opened on the structure, or None if it is not open."""
        return next((open_ for open_ in self.espaces if open_.espace is espace), None)


def _services(values: object, structure: Structure) -> frozenset[str]:
    if values is None:
        return frozenset({DEFAULT_SERVICE})
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="services", expected="liste de codes de service")
    chosen = frozenset(service_code(value) for value in values)
    if not chosen:
        raise RequiredField(field="services")
    return chosen


@frozen
class StructureSummary:
    """What a search shows of a structure: enough to recognise it, nothing more."""

    id: str
    identifier: StructureIdentifier
    company_name: str
    postal_code: str
    city: str
    country: str
    status: StructureStatus
    replaced_identifier: StructureIdentifier | None = None
    """The identifier searched for, when the structure had it before a change of SIRET:
    it is "remplacé par" :attr:`identifier`."""

    @classmethod
    def of(
        cls, structure: Structure, searched: StructureIdentifier | None = None
    ) -> StructureSummary:
        """The summary of ``structure``, found by ``searched`` (its identifier or a former one)."""
        return cls(
            id=structure.id,
            identifier=structure.identifier,
            company_name=structure.company_name,
            postal_code=structure.address.postal_code,
            city=structure.address.city,
            country=structure.address.country,
            status=structure.status,
            replaced_identifier=(
                searched if searched is not None and searched != structure.identifier else None
            ),
        )


# --- reading ---------------------------------------------------------------


def search_structures(
    ctx: Context,
    actor: Actor,
    naming_form: StructureNaming,
    filters: StructureFilters | None = None,
) -> list[StructureSummary]:
    """ "Demander un rattachement": find a structure by identifier type and identifier.

    ``filters`` narrows the results by postal code, city and country, as the
    search screen's other fields do.
    """
    with ctx.unit_of_work() as uow:
        acting_account(uow, actor)
    return _filtered(_find(ctx, naming_form), filters)


_SEARCH_HEADER = (
    "Identifiant",
    "Type d'identifiant",
    "Raison sociale",
    "Code postal",
    "Ville",
    "Pays",
    "Statut",
)


def export_structure_search(
    ctx: Context,
    actor: Actor,
    naming_form: StructureNaming,
    filters: StructureFilters | None = None,
) -> str:
    """The search's "Exporter les résultats": what :func:`search_structures` finds, as CSV.

    ``;``-separated with a header line, formulas defused, like
    ``export_structure_users``.
    """
    found = search_structures(ctx, actor, naming_form, filters)
    return csv_export(
        _SEARCH_HEADER,
        (
            [
                summary.identifier.value,
                summary.identifier.type.label,
                summary.company_name,
                summary.postal_code,
                summary.city,
                summary.country,
                summary.status.value,
            ]
            for summary in found
        ),
    )


def registered_structure(ctx: Context, naming_form: StructureNaming) -> StructureSummary | None:
    """Journey 3's form: the structure already on the portal, shown (not editable) to the registrant.

    Public, like the company register: a structure's identifier, name and
    town are public facts; nothing else is shown. A SIRET replaced by a
    change of SIRET finds the structure under its new one
    (``replaced_identifier``), for search too.
    """
    found = _find(ctx, naming_form)
    return found[0] if found else None


def _find(ctx: Context, naming_form: object) -> list[StructureSummary]:
    if not isinstance(naming_form, StructureNaming):
        raise InvalidInput(field="form", expected="StructureNaming")
    named = naming(naming_form, searching=True)
    with ctx.unit_of_work() as uow:
        found = structure_named(uow, named.identifier) if named.identifier else None
        return [StructureSummary.of(found, named.identifier)] if found is not None else []


@frozen
class _Criteria:
    postal_code: str
    city: str
    country: str

    def match(self, summary: StructureSummary) -> bool:
        return (
            summary.postal_code.upper().startswith(self.postal_code)
            and self.city in _folded(summary.city)
            and (not self.country or summary.country == self.country)
        )


_FILTER_MAX = 200


def _criteria(filters: object) -> _Criteria:
    if not isinstance(filters, StructureFilters):
        raise InvalidInput(field="filters", expected="StructureFilters")
    code = printable_text(filters.postal_code, "postal_code", _FILTER_MAX, required=False)
    city = printable_text(filters.city, "city", _FILTER_MAX, required=False)
    country = printable_text(filters.country, "country", _FILTER_MAX, required=False).upper()
    if country and country not in COUNTRY_CODES:
        raise InvalidInput(field="country", expected="code pays ISO à deux lettres")
    return _Criteria(code.replace(" ", "").upper(), _folded(city), country)


def _folded(text: str) -> str:
    # Case, accents, hyphens and apostrophes do not matter to someone typing a
    # town's name: "Noisy le Grand" is NOISY-LE-GRAND.
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_SEPARATORS).split())


_SEPARATORS = str.maketrans("-'’", "   ")


def _filtered(
    found: list[StructureSummary], filters: StructureFilters | None
) -> list[StructureSummary]:
    if filters is None:
        return found
    criteria = _criteria(filters)
    return [summary for summary in found if criteria.match(summary)]


def structure(ctx: Context, actor: Actor, structure_id: str) -> StructureView:
    """A structure as its members see it (support sees them all)."""
    with ctx.unit_of_work() as uow:
        structure = existing_structure(uow, structure_id)
        if not is_support(actor):
            account = acting_account(uow, actor)
            membership.ensure_may_see_structure(
                structure, account.id, uow.attachments.for_member(account.id, structure.id)
            )
        ctx.note_support(
            uow, actor, SupportActionKind.STRUCTURE_READ, structure_id=structure.id, commit=True
        )
        return StructureView.of(structure)


def managed_structures(ctx: Context, actor: Actor) -> list[StructureView]:
    """The structures the actor manages (as principal or delegated manager), oldest first."""
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        structures = uow.structures.managed_by(account.id)
    return [StructureView.of(s) for s in sorted(structures, key=lambda s: (s.created_at, s.id))]


def manager_history(ctx: Context, actor: Actor, structure_id: str) -> list[ManagerAction]:
    """Every manager action on the structure, oldest first (managers and support)."""
    with ctx.unit_of_work() as uow:
        structure = as_manager_or_support(uow, actor, structure_id)
        actions = uow.history.for_structure(structure.id)
        ctx.note_support(
            uow,
            actor,
            SupportActionKind.MANAGER_HISTORY_READ,
            structure_id=structure.id,
            commit=True,
        )
        return actions


# --- journey 8 ---------------------------------------------------------------


def create_structure(ctx: Context, actor: Actor, form: NewStructure) -> str:
    """ "Saisir une nouvelle structure": the creator becomes its principal manager.

    Data are pre-filled from the company register for a SIRET; the status
    is "actif"; the "centre de gestion agricole" flag is optional. The
    registration's default espaces are opened (those that ask for no
    parameter; the others are opened with :meth:`open_espace`).
    """
    if not isinstance(form, NewStructure):
        raise InvalidInput(field="form", expected="NewStructure")
    check = FieldChecks()
    named, rcs, described = check_structure_fields(ctx, check, form, form)
    chosen_purposes = check("purposes", lambda: purposes(form.purposes))
    centre = check(
        "agricultural_centre",
        lambda: flag_argument(form.agricultural_centre, "agricultural_centre"),
    )
    check.done()
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        now = ctx.now()
        structure = create_structure_of(
            ctx,
            uow,
            named=named.value,
            described=described.value,
            rcs=rcs.value,
            chosen_purposes=chosen_purposes.value,
            espaces=[
                OpenEspace(espace=espace, services=frozenset({DEFAULT_SERVICE}))
                for espace in sorted(ctx.settings.registration_espaces, key=lambda e: e.value)
                # Espaces that ask for parameters are opened later, with them.
                if espace.required_parameter is None
            ],
            creator_id=account.id,
            now=now,
            agricultural_centre=centre.value,
        )
        ctx.log(uow, structure, actor, ManagerActionKind.STRUCTURE_CREATED, account.id)
        uow.commit()
    return structure.id


# --- the principal manager's settings ----------------------------------------


def modify_structure(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    *,
    company_name: str | None = None,
    label: str | None = None,
    address: Address | None = None,
    status: StructureStatus | str | None = None,
) -> None:
    """Change the structure's general information (principal manager only); None keeps a value."""
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        check = FieldChecks()
        name = check(
            "company_name",
            lambda: (
                structure.company_name
                if company_name is None
                else checked_company_name(company_name)
            ),
        )
        text = check(
            "label",
            lambda: (
                structure.label
                if label is None
                else printable_text(label, "label", 200, required=False)
            ),
        )
        place = check(
            "address", lambda: structure.address if address is None else _address(address)
        )
        state = check("status", lambda: structure.status if status is None else _status(status))
        check.done()
        structure.modify(
            company_name=name.value, label=text.value, address=place.value, status=state.value
        )
        ctx.log(uow, structure, actor, ManagerActionKind.STRUCTURE_MODIFIED)
        uow.commit()


def set_agricultural_centre(ctx: Context, actor: Actor, structure_id: str, flag: bool) -> None:
    """Flag (or unflag) the structure as a centre de gestion agricole (principal manager only).

    Refused while "Demande de remboursement TIC" is open on it.
    """
    chosen = flag_argument(flag, "agricultural_centre")
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        structure.flag_agricultural_centre(chosen)
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.STRUCTURE_MODIFIED,
            details=f"centre de gestion agricole : {chosen}",
        )
        uow.commit()


def add_service(ctx: Context, actor: Actor, structure_id: str, code: str, name: str) -> None:
    """Add a service to the structure (principal manager only)."""
    service = Service(code, name)
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        structure.add_service(service)
        ctx.log(uow, structure, actor, ManagerActionKind.SERVICE_ADDED, details=service.code)
        uow.commit()


def open_espace(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    espace: Espace | str,
    *,
    services: Iterable[str] | None = None,
    consultation: bool = True,
    modification: bool = True,
    categorie_prestataire: CategoriePrestataire | str | None = None,
    categorie_beneficiaire: CategorieBeneficiaire | str | None = None,
    pacage: str | None = None,
    regime_statut: RegimeStatut | str | None = None,
) -> None:
    """Journey 9: open an espace on the structure (principal manager only).

    For consultation and/or modification, on one or more services (the
    default one if none is named). "Demande de remboursement TIC" asks for
    the catégorie de bénéficiaire and, if needed, the PACAGE number, and
    is refused on a centre de gestion agricole. "Mémoires de frais de
    justice" asks for the catégorie de prestataire and, on a structure
    without a SIRET, the régime/statut (optional with a SIRET). Opening an espace already
    open changes how it is open.
    """
    chosen = Espace.parse(espace)
    modes = (
        flag_argument(consultation, "consultation"),
        flag_argument(modification, "modification"),
    )
    if not any(modes):
        raise RequiredField(field="consultation")
    parameters = EspaceParameters.for_espace(
        chosen,
        categorie_prestataire=categorie_prestataire,
        categorie_beneficiaire=categorie_beneficiaire,
        pacage=pacage,
        regime_statut=regime_statut,
    )
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        structure.open(
            OpenEspace(
                espace=chosen,
                services=_services(services, structure),
                consultation=modes[0],
                modification=modes[1],
                parameters=parameters,
            )
        )
        ctx.log(uow, structure, actor, ManagerActionKind.ESPACE_OPENED, details=chosen.label)
        uow.commit()


def close_espace(ctx: Context, actor: Actor, structure_id: str, espace: Espace | str) -> None:
    """Close an espace (principal manager only); subscriptions to it stop giving access."""
    chosen = Espace.parse(espace)
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        structure.close(chosen)
        ctx.log(uow, structure, actor, ManagerActionKind.ESPACE_CLOSED, details=chosen.label)
        uow.commit()


# --- managers ------------------------------------------------------------------


def grant_manager(ctx: Context, actor: Actor, structure_id: str, account_id: str) -> None:
    """Delegate managing rights to an active attached user (principal manager only)."""
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        target = target_account(uow, account_id)
        membership.delegate_managing(structure, target, _attachments(uow, target, structure))
        ctx.log(uow, structure, actor, ManagerActionKind.MANAGER_GRANTED, target.id)
        uow.commit()


def revoke_manager(ctx: Context, actor: Actor, structure_id: str, account_id: str) -> None:
    """Take delegated managing rights back (principal manager only)."""
    if not isinstance(account_id, str):
        raise InvalidInput(field="account_id", expected="identifiant de compte")
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        structure.revoke_manager(account_id)
        ctx.log(uow, structure, actor, ManagerActionKind.MANAGER_REVOKED, account_id)
        uow.commit()


def transfer_principal_manager(
    ctx: Context, actor: Actor, structure_id: str, account_id: str
) -> None:
    """Hand the principal manager role to another active attached user.

    The former principal manager stays a (delegated) manager and is given
    validated subscriptions to every espace open at the time, so that the
    transfer takes no access away from them.
    """
    with ctx.unit_of_work() as uow:
        _, structure = as_principal(uow, actor, structure_id)
        target = target_account(uow, account_id)
        former = structure.principal_manager_id
        rights = membership.transfer_principal_role(
            structure, target, _attachments(uow, target, structure)
        )
        ctx.log(uow, structure, actor, ManagerActionKind.PRINCIPAL_TRANSFERRED, target.id)
        grant(ctx, uow, structure, actor, former, rights, ctx.now())
        uow.commit()


def appoint_principal_manager(
    ctx: Context, actor: Actor, structure_id: str, account_id: str
) -> None:
    """Support appoints a principal manager when the previous one is gone.

    The former principal manager keeps no managing right.
    """
    require_support(actor)
    with ctx.unit_of_work() as uow:
        structure = existing_structure(uow, structure_id)
        target = target_account(uow, account_id)
        membership.appoint_principal_manager(
            structure, target, _attachments(uow, target, structure)
        )
        ctx.log(uow, structure, actor, ManagerActionKind.PRINCIPAL_APPOINTED, target.id)
        ctx.note_support(
            uow,
            actor,
            SupportActionKind.PRINCIPAL_APPOINTED,
            account_id=target.id,
            structure_id=structure.id,
        )
        uow.commit()


def _attachments(uow: UnitOfWork, account: Account, structure: Structure) -> list[Attachment]:
    return uow.attachments.for_member(account.id, structure.id)


def _address(value: object) -> Address:
    if not isinstance(value, Address):
        raise InvalidInput(field="address", expected="Address")
    # Built anew, so that an instance of a subclass, or one pieced together
    # around the constructor, is checked like any other before it is stored.
    return Address.parse(
        street=value.street,
        postal_code=value.postal_code,
        city=value.city,
        country=value.country,
        complement=value.complement,
        complement_2=value.complement_2,
    )


def _status(value: object) -> StructureStatus:
    return member_of(StructureStatus, value, field="status", expected="ACTIF ou INACTIF")
