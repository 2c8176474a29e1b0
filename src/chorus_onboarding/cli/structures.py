"""``structure ...``: what support reads of a structure: its users and their rights."""

from __future__ import annotations

from pathlib import Path

import click

from ..actors import Actor
from ..service.access import StructureUser
from .base import Commands, operator_service, plain, progress, report, support_command, wants_json

structure = Commands("structure", help="What support reads of a structure.")


def _role(user: StructureUser) -> str:
    if user.principal_manager:
        return "gestionnaire principal"
    return "gestionnaire" if user.manager else "membre"


def _lines(user: StructureUser) -> list[str]:
    person = (
        f"{user.last_name} {user.first_name} <{user.login_email}>  {user.account_id}  "
        f"compte {user.account_state.label}, rattachement {user.attachment_state.value}, "
        f"{_role(user)}"
    )
    return [person] + [
        f"    {r.espace.label} / {r.service} : {r.habilitation.value} ({r.state.value})"
        for r in user.rights
    ]


@support_command(structure, "users", "structure_id", "ID")
@click.option(
    "--csv", "as_csv", is_flag=True, help="Export as CSV (';'-separated), as managers do."
)
def users(structure_id: str, as_csv: bool, database: str | Path, actor: Actor) -> None:
    """List (or export) the users of structure ID.

    With their rights; --csv gives the managers' export.
    """
    if as_csv and wants_json():
        raise click.UsageError("--csv and --json exclude each other")
    document: list[dict[str, object]] | None = None
    with operator_service(database) as service, progress("Utilisateurs lus") as advance:
        if as_csv:
            text = service.export_structure_users(actor, structure_id, progress=advance)
        else:
            found = service.structure_users(actor, structure_id, progress=advance)
            document = [plain(user) for user in found]
            text = "\n".join(line for user in found for line in _lines(user))
    if document is None:
        click.echo(text, nl=False)  # the CSV as managers download it, CRLF lines and all
    else:
        report(document, text or "Aucun utilisateur rattaché.")
