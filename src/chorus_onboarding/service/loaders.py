"""Loading what a use case acts on, and who acts: the checks every use case starts with.

Each loader answers junk and strangers with the library's errors: an actor who
is not an active user is ``Forbidden``, an id that is not text is
``InvalidInput``, an unknown one ``NotFound``.
"""

from __future__ import annotations

from ..actors import Actor
from ..domain import membership
from ..domain.accounts import Account
from ..domain.errors import Forbidden, IdentifierReplaced, InvalidInput, NotFound
from ..domain.identifiers import StructureIdentifier
from ..domain.structures import Structure
from ..ports import UnitOfWork


def acting_account(uow: UnitOfWork, actor: object) -> Account:
    """The active account behind a user actor; anyone else is refused."""
    if not isinstance(actor, Actor) or actor.account_id is None:
        raise Forbidden()
    return membership.ensure_may_act(uow.accounts.get(actor.account_id))


def target_account(uow: UnitOfWork, account_id: object) -> Account:
    """The account a use case acts on, by id."""
    if not isinstance(account_id, str):
        raise InvalidInput(field="account_id", expected="identifiant de compte")
    account = uow.accounts.get(account_id)
    if account is None:
        raise NotFound(what="account")
    return account


def is_support(actor: object) -> bool:
    """Whether ``actor`` is the support team."""
    return isinstance(actor, Actor) and actor.is_support


def require_support(actor: object) -> None:
    """Refuse anyone but the support team."""
    if not is_support(actor):
        raise Forbidden()


def account_to_read(uow: UnitOfWork, actor: object, account_id: object) -> Account:
    """The account whose "Mon compte" pages are read: the actor's own, or (support) any.

    ``account_id`` None names the actor's own account, readable in any state
    but deactivated; naming an account is for support alone.
    """
    if account_id is None:
        if not isinstance(actor, Actor) or actor.account_id is None:
            raise Forbidden()
        return membership.ensure_may_read_own(uow.accounts.get(actor.account_id))
    require_support(actor)
    return target_account(uow, account_id)


def existing_structure(uow: UnitOfWork, structure_id: object) -> Structure:
    """The structure a use case acts on, by id."""
    if not isinstance(structure_id, str):
        raise InvalidInput(field="structure_id", expected="identifiant de structure")
    structure = uow.structures.get(structure_id)
    if structure is None:
        raise NotFound(field="structure_id", what="structure")
    return structure


def structure_named(uow: UnitOfWork, identifier: StructureIdentifier) -> Structure | None:
    """The structure with this identifier, or that had it before it changed SIRET, or None.

    The current identifier is looked for first: a change of SIRET committing
    in between moves the structure to the lookup asked next, so it is never
    missed.
    """
    found = uow.structures.get_by_identifier(identifier)
    return found if found is not None else uow.structures.get_by_former_identifier(identifier)


def ensure_not_replaced(uow: UnitOfWork, identifier: StructureIdentifier) -> None:
    """Raise ``IdentifierReplaced`` if a structure had ``identifier`` before a change of SIRET.

    A replaced SIRET is never given again, to a new structure nor to another
    change: it names the structure that left it.
    """
    replaced = uow.structures.get_by_former_identifier(identifier)
    if replaced is not None:
        raise IdentifierReplaced(
            field="siret", identifier=identifier.value, replaced_by=replaced.identifier.value
        )


def as_manager(uow: UnitOfWork, actor: object, structure_id: object) -> tuple[Account, Structure]:
    """The acting manager (principal or delegated) and the structure they manage."""
    account = acting_account(uow, actor)
    structure = existing_structure(uow, structure_id)
    membership.ensure_manages(structure, account.id)
    return account, structure


def as_manager_or_support(uow: UnitOfWork, actor: object, structure_id: object) -> Structure:
    """The structure whose managers' pages (history, users) a manager of it or support reads."""
    if is_support(actor):
        return existing_structure(uow, structure_id)
    return as_manager(uow, actor, structure_id)[1]


def as_principal(uow: UnitOfWork, actor: object, structure_id: object) -> tuple[Account, Structure]:
    """The acting principal manager and their structure."""
    account = acting_account(uow, actor)
    structure = existing_structure(uow, structure_id)
    membership.ensure_principal(structure, account.id)
    return account, structure


def principal_manager_name(uow: UnitOfWork, structure: Structure | None) -> str:
    """ "Prénom Nom" of the structure's principal manager, as the portal shows it to joiners.

    The name only: someone asking to join learns who will decide, never how
    to write to them ("" if the structure or the account is gone).
    """
    account = uow.accounts.get(structure.principal_manager_id) if structure else None
    return f"{account.first_name} {account.last_name}" if account else ""


def names(uow: UnitOfWork, account_id: str, structure_id: str) -> tuple[str, str, str]:
    """(user's name, login email, structure's name) for the lists the pages show."""
    account = uow.accounts.get(account_id)
    structure = uow.structures.get(structure_id)
    return (
        f"{account.first_name} {account.last_name}" if account else "",
        account.login_email.value if account else "",
        structure.company_name if structure else "",
    )
