"""A structure's change of SIRET: the principal manager declares the new one (issue 11).

An establishment that moves, or changes its legal form, gets a new SIRET
from INSEE. The structure on the portal stays the same one: it keeps its id,
and so its attachments, managers, services, espaces, subscriptions and the
requests waiting on it; its former SIRET stays findable ("remplacé par" the
new one) and is never given to another structure.
"""

from __future__ import annotations

from ..actors import Actor
from ..domain.accounts import Account
from ..domain.errors import (
    CompanyClosed,
    IdentifierReplaced,
    SiretChangeNeedsSiret,
    SiretNotInRegister,
    SiretTakenByAnotherStructure,
    SiretUnchanged,
    StructureAlreadyRegistered,
)
from ..domain.history import ManagerActionKind
from ..domain.identifiers import IdentifierType, Siret, StructureIdentifier
from ..domain.structures import CompanyRecord, Structure
from ..ports import UnitOfWork
from .context import Context
from .loaders import as_principal, ensure_not_replaced


def declare_siret_change(ctx: Context, actor: Actor, structure_id: str, new_siret: str) -> None:
    """The principal manager declares the structure's new SIRET.

    The SIRET is checked as at registration and looked up in the company
    register: unknown there (``SiretNotInRegister``) or closed
    (``CompanyClosed``), it is refused, and when the register does not
    answer (``RegisterUnavailable``) nothing changes: declare it again later.
    The name and the address become the register's where it gives them.

    Refused when the structure is not identified by a SIRET
    (``SiretChangeNeedsSiret``), when the SIRET is its own already
    (``SiretUnchanged``), when another structure has it
    (``SiretTakenByAnotherStructure``: the portal asks the new establishment
    not to be registered yet, so support merges the two) and when some
    structure had it before (``IdentifierReplaced``). The change is kept in
    the structure's history, and everyone attached to it, asking to be or
    invited is told by email.
    """
    identifier = StructureIdentifier(IdentifierType.SIRET, Siret.validate(new_siret, field="siret"))
    # Who acts and what they name is checked before the register is asked,
    # and again with the change: the register is not asked inside a transaction.
    with ctx.unit_of_work() as uow:
        _checked(uow, actor, structure_id, identifier)
    record = _record(ctx, identifier)
    with ctx.unit_of_work() as uow:
        account, structure = _checked(uow, actor, structure_id, identifier)
        previous = structure.identifier.value
        told = [
            attachment.account_id
            for attachment in uow.attachments.for_structure(structure.id)
            if attachment.state.is_live
        ]
        structure.change_siret(identifier, record, by=account.id, told=told, now=ctx.now())
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.SIRET_CHANGED,
            details=f"{previous} → {identifier.value}",
        )
        try:
            uow.commit()
        except IdentifierReplaced:
            raise
        except StructureAlreadyRegistered as taken:
            # A structure registered with this SIRET while the change was made.
            raise SiretTakenByAnotherStructure(
                field="siret", identifier=identifier.value
            ) from taken


def _checked(
    uow: UnitOfWork, actor: object, structure_id: object, identifier: StructureIdentifier
) -> tuple[Account, Structure]:
    account, structure = as_principal(uow, actor, structure_id)
    if structure.identifier.type is not IdentifierType.SIRET:
        raise SiretChangeNeedsSiret(field="structure_id")
    if structure.identifier == identifier:
        raise SiretUnchanged(field="siret")
    ensure_not_replaced(uow, identifier)
    if uow.structures.get_by_identifier(identifier) is not None:
        raise SiretTakenByAnotherStructure(field="siret", identifier=identifier.value)
    return account, structure


def _record(ctx: Context, identifier: StructureIdentifier) -> CompanyRecord:
    record = ctx.ports.directory.lookup(Siret(identifier.value))
    if record is None:
        raise SiretNotInRegister(field="siret")
    if not record.active:
        raise CompanyClosed(field="siret")
    return record
