"""Who may do what, computed live: access checks, the users of a structure and their export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from attrs import frozen

from ..actors import Actor
from ..domain import membership
from ..domain.accounts import AccountState
from ..domain.attachments import AttachmentState
from ..domain.errors import InvalidInput
from ..domain.espaces import Espace, Habilitation
from ..domain.subscriptions import SubscriptionState
from ..domain.support_log import SupportActionKind
from .arguments import progress_argument
from .context import Context
from .grants import parse_habilitation
from .loaders import as_manager_or_support


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


T = TypeVar("T")

_LISTED = frozenset({AttachmentState.PENDING, AttachmentState.VALIDATED})
"""The attachments whose people a structure's managers see."""


def can_access(
    ctx: Context, account_id: str, structure_id: str, espace: Espace | str, mode: Habilitation | str
) -> bool:
    """Whether the account may use ``espace`` of the structure in ``mode`` right now.

    True only for an active account with a validated attachment to an
    active structure on which the espace is open in that mode, and which
    is its principal manager or holds a validated subscription covering
    the mode (on a service the espace is open for): the rule is
    :func:`~chorus_onboarding.domain.membership.can_access`. Reads only this
    user's attachments and subscriptions on this structure, however many
    others the store holds, and only once the cheaper conditions hold.
    """
    wanted_espace = Espace.parse(espace)
    wanted = parse_habilitation(mode)
    for value, field in ((account_id, "account_id"), (structure_id, "structure_id")):
        if not isinstance(value, str):
            raise InvalidInput(field=field, expected="identifiant")
    with ctx.unit_of_work() as uow:
        account = uow.accounts.get(account_id)
        structure = uow.structures.get(structure_id)
        return membership.can_access(
            account,
            structure,
            _later(lambda: uow.attachments.for_member(account_id, structure_id)),
            _later(lambda: uow.subscriptions.for_member(account_id, structure_id)),
            wanted_espace,
            wanted,
        )


def _later(load: Callable[[], Iterable[T]]) -> Iterator[T]:
    """``load()``'s items, read only if the rule gets that far (the store is asked then)."""
    yield from load()


def structure_users(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    *,
    progress: Callable[[int], object] | None = None,
) -> list[StructureUser]:
    """The users attached to (or asking to join) the structure, with their rights.

    For its managers, and for support. Someone merely invited is not shown:
    until they accept, the structure learns nothing of them (not even that
    the address has an account). ``progress``, if given, is called with 1
    for each user read.
    """
    return _users(ctx, actor, structure_id, progress, SupportActionKind.STRUCTURE_USERS_READ)


def _users(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    progress: Callable[[int], object] | None,
    kind: SupportActionKind,
) -> list[StructureUser]:
    """The users of the structure; support's read goes into its log as ``kind``."""
    tell = progress_argument(progress)
    with ctx.unit_of_work() as uow:
        structure = as_manager_or_support(uow, actor, structure_id)
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
            tell(1)
        ctx.note_support(uow, actor, kind, structure_id=structure.id, commit=True)
    return sorted(
        users, key=lambda u: (u.last_name.casefold(), u.first_name.casefold(), u.account_id)
    )


def export_structure_users(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    *,
    progress: Callable[[int], object] | None = None,
) -> str:
    """The users of the structure and their rights as CSV (";"-separated, one line per right).

    For its managers, and for support. Cells that a spreadsheet would run as
    a formula are quoted with a leading apostrophe, so an export cannot
    carry a formula injection. ``progress`` as for :func:`structure_users`.
    """
    exported = _users(
        ctx, actor, structure_id, progress, SupportActionKind.STRUCTURE_USERS_EXPORTED
    )
    return csv_export(_CSV_HEADER, _user_rows(exported))


def _user_rows(users: Iterable[StructureUser]) -> Iterator[list[str]]:
    for user in users:
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
            yield person + row


def csv_export(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """The pages' "Exporter les résultats": ``;``-separated CSV, one line per row.

    Cells that a spreadsheet would run as a formula are quoted with a
    leading apostrophe, so an export cannot carry a formula injection.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
