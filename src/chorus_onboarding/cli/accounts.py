"""``account ...``: support's operations on one account; ``expire``: the expiry batch."""

from __future__ import annotations

from pathlib import Path

import click

from ..actors import Actor
from ..domain.accounts import AccountState
from ..service.account_management import AccountView
from .base import (
    Commands,
    database_options,
    json_option,
    moment,
    operator_service,
    plain,
    progress,
    report,
    support_command,
)

account = Commands("account", help="Support's operations on one account.")


def _shown(view: AccountView) -> dict[str, object]:
    """What support is shown of an account: never a hash, a token or the secret question."""
    return plain(view, leave_out={"secret_question", "credentials_version"})


@support_command(account, "find", "email", "EMAIL")
def find(email: str, database: str | Path, actor: Actor) -> None:
    """Show the account whose login email is EMAIL."""
    with operator_service(database) as service:
        view = service.find_account(actor, email)
    shown = _shown(view)
    lines = [
        ("Compte", view.id),
        ("Nom", f"{view.last_name} {view.first_name}"),
        ("Connexion", view.login_email),
        ("Contact", view.contact_email),
        ("État", f"{view.state.label} ({view.state.value})"),
        ("Créé le", shown["created_at"]),
        ("Dernière connexion", shown["last_login_at"] or "jamais"),
    ]
    report(shown, "\n".join(f"{label:<20}{value}" for label, value in lines))


@support_command(account, "resend-activation", "account_id", "ID")
def resend_activation(account_id: str, database: str | Path, actor: Actor) -> None:
    """Send account ID a new activation link.

    The previous link dies; the relay worker sends the email. The link is derived from the
    deployment's key: set CHORUS_SECRET_KEY as for the relay.
    """
    with operator_service(database, needs_key=True) as service:
        deadline = service.resend_activation(actor, account_id)
    report(
        {"account_id": account_id, "activation_deadline": moment(deadline)},
        f"Nouveau lien d'activation pour le compte {account_id}, valable jusqu'au "
        f"{moment(deadline)} ; le relais envoie le courriel.",
    )


@support_command(account, "unblock", "account_id", "ID")
def unblock(account_id: str, database: str | Path, actor: Actor) -> None:
    """Lift the login suspension of account ID.

    Logins are suspended after too many failures; the failure count starts
    again as well.
    """
    with operator_service(database) as service:
        lifted = service.lift_login_suspension(actor, account_id)
    report(
        {"account_id": account_id, "lifted": lifted},
        f"Suspension des connexions levée pour le compte {account_id}."
        if lifted
        else f"Les connexions du compte {account_id} n'étaient pas suspendues ; "
        "son compteur d'échecs repart de zéro.",
    )


@support_command(account, "deactivate", "account_id", "ID")
def deactivate(account_id: str, database: str | Path, actor: Actor) -> None:
    """Deactivate account ID.

    Only support can then reactivate it; the relay tells its owner.
    """
    with operator_service(database) as service:
        service.deactivate_account(actor, account_id)
    _state_changed(account_id, AccountState.DEACTIVATED)


@support_command(account, "reactivate", "account_id", "ID")
def reactivate(account_id: str, database: str | Path, actor: Actor) -> None:
    """Reactivate the deactivated account ID.

    The relay tells its owner.
    """
    with operator_service(database) as service:
        service.reactivate_account(actor, account_id)
    _state_changed(account_id, AccountState.ACTIVE)


def _state_changed(account_id: str, state: AccountState) -> None:
    report(
        {"account_id": account_id, "state": state.value},
        f"Compte {account_id} : {state.label} (le relais prévient son titulaire).",
    )


@click.command(cls=account.command_class)
@database_options
@json_option
def expire(database: str | Path) -> None:
    """Expire the activations past their deadline.

    The batch to run daily; a progress bar on a terminal.
    """
    with (
        operator_service(database) as service,
        progress("Activations expirées") as advance,
    ):
        expired = service.expire_overdue_activations(progress=advance)
    report({"expired": expired}, f"{expired} activation(s) expirée(s)")
