"""Who may do what, computed live: access checks, the users of a structure and their export."""

from __future__ import annotations

import csv
import io

from attrs import frozen

from ..actors import Actor
from ..domain.accounts import AccountState
from ..domain.attachments import AttachmentState
from ..domain.errors import InvalidInput
from ..domain.espaces import Espace, Habilitation
from ..domain.subscriptions import SubscriptionState
from ..ports import UnitOfWork
from .context import Context
from .grants import parse_habilitation
from .loaders import (
    as_manager,
)


@frozen
class Right:
    """One espace right a user holds or asked for on a structure."""

    espace: Espace
    service: str
    habilitation: Habilitation
    state: SubscriptionState


@frozen
class StructureUser:
    """A user of a structure with their attachment and rights, as managers list them."""

    account_id: str
    last_name: str
    first_name: str
    login_email: str
    account_state: AccountState
    attachment_state: AttachmentState
    principal_manager: bool
    manager: bool
    rights: tuple[Right, ...]


_CSV_HEADER = (
    "Nom",
    "Prénom",
    "Adresse de connexion",
    "État du compte",
    "Rattachement",
    "Gestionnaire",
    "Espace",
    "Service",
    "Habilitation",
    "Statut de l'abonnement",
)


_LISTED = frozenset({AttachmentState.PENDING, AttachmentState.VALIDATED})
"""The attachments whose people a structure's managers see."""


def can_access(
    ctx: Context, account_id: str, structure_id: str, espace: Espace | str, mode: Habilitation | str
) -> bool:
    """Whether the account may use ``espace`` of the structure in ``mode`` right now.

    True only for an active account with a validated attachment to an
    active structure on which the espace is open in that mode, and which
    is its principal manager or holds a validated subscription covering
    the mode (on a service the espace is open for). Reads only this user's
    attachments and subscriptions on this structure, however many others
    the store holds.
    """
    wanted_espace = Espace.parse(espace)
    wanted = parse_habilitation(mode)
    for value, field in ((account_id, "account_id"), (structure_id, "structure_id")):
        if not isinstance(value, str):
            raise InvalidInput(field=field, expected="identifiant")
    with ctx.unit_of_work() as uow:
        return _grants(uow, account_id, structure_id, wanted_espace, wanted)


def _grants(
    uow: UnitOfWork, account_id: str, structure_id: str, espace: Espace, wanted: Habilitation
) -> bool:
    account = uow.accounts.get(account_id)
    structure = uow.structures.get(structure_id)
    if account is None or not account.is_active or structure is None or not structure.is_active:
        return False
    opened = structure.opened(espace)
    if opened is None or not opened.allows(wanted):
        return False
    if not any(a.is_valid for a in uow.attachments.for_member(account_id, structure_id)):
        return False
    if structure.is_principal(account_id):
        return True
    return any(
        s.covers(espace, wanted) and s.service in opened.services
        for s in uow.subscriptions.for_member(account_id, structure_id)
    )


def structure_users(ctx: Context, actor: Actor, structure_id: str) -> list[StructureUser]:
    """The users attached to (or asking to join) the structure, with their rights (managers).

    Someone merely invited is not shown: until they accept, the structure
    learns nothing of them (not even that the address has an account).
    """
    with ctx.unit_of_work() as uow:
        _, structure = as_manager(uow, actor, structure_id)
        users = []
        for attachment in uow.attachments.for_structure(structure.id):
            if attachment.state not in _LISTED:
                continue
            account = uow.accounts.get(attachment.account_id)
            if account is None:
                continue
            rights = tuple(
                Right(s.espace, s.service, s.habilitation, s.state)
                for s in sorted(
                    uow.subscriptions.for_member(account.id, structure.id),
                    key=lambda s: (s.espace.value, s.service, s.requested_at),
                )
                if s.state.is_live
            )
            users.append(
                StructureUser(
                    account_id=account.id,
                    last_name=account.last_name,
                    first_name=account.first_name,
                    login_email=account.login_email.value,
                    account_state=account.state,
                    attachment_state=attachment.state,
                    principal_manager=structure.is_principal(account.id),
                    manager=structure.is_manager(account.id),
                    rights=rights,
                )
            )
        return sorted(
            users, key=lambda u: (u.last_name.casefold(), u.first_name.casefold(), u.account_id)
        )


def export_structure_users(ctx: Context, actor: Actor, structure_id: str) -> str:
    """The users of the structure and their rights as CSV (";"-separated, one line per right).

    Cells that a spreadsheet would run as a formula are quoted with a
    leading apostrophe, so an export cannot carry a formula injection.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_CSV_HEADER)
    for user in structure_users(ctx, actor, structure_id):
        role = "principal" if user.principal_manager else ("oui" if user.manager else "non")
        person = [
            user.last_name,
            user.first_name,
            user.login_email,
            user.account_state.value,
            user.attachment_state.value,
            role,
        ]
        rows = [
            [r.espace.label, r.service, r.habilitation.value, r.state.value] for r in user.rights
        ] or [["", "", "", ""]]
        for row in rows:
            writer.writerow([_cell(value) for value in person + row])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
