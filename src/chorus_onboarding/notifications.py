"""Domain events turned into the portal's emails (French text).

Deadlines are shown in Paris time, as the portal's emails do: "Ce mail sera
valable jusqu'au 03/02/2018 10:05:10 (heure locale France métropolitaine,
GMT+1)". Links carry the login email and the token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import singledispatch
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from attrs import frozen

from .domain import events
from .ports import OutboxEntry, OutgoingEmail

PARIS = ZoneInfo("Europe/Paris")

_SIGNATURE = (
    "\n\nCordialement,\n\nChorus Pro\n\n"
    "Ce courriel a été généré automatiquement par Chorus Pro. Merci de ne pas y répondre."
)


def paris_time(instant: datetime) -> str:
    """``03/02/2018 10:05:10 (heure locale France métropolitaine, GMT+1)``."""
    local = instant.astimezone(PARIS)
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"{local:%d/%m/%Y %H:%M:%S} (heure locale France métropolitaine, GMT{hours:+d})"


@frozen
class Links:
    """Builds the links the emails carry, from the portal's base address."""

    portal_url: str = "https://chorus-pro.gouv.fr"

    def _link(self, page: str, email: str, token: str) -> str:
        return f"{self.portal_url.rstrip('/')}/cpp/{page}?{urlencode({'email': email, 'token': token})}"

    def activation(self, email: str, token: str) -> str:
        """The account activation link."""
        return self._link("activationCompte", email, token)

    def password_reset(self, email: str, token: str) -> str:
        """The forgotten-password link."""
        return self._link("reinitialisationMotDePasse", email, token)

    def reactivation(self, email: str, token: str) -> str:
        """The link that reactivates a deactivated account."""
        return self._link("reactivationCompte", email, token)


Message = tuple[tuple[str, ...], str, str]


@singledispatch
def _compose(event: events.DomainEvent, links: Links) -> list[Message]:
    """Events with no email (account activated, for instance) compose none."""
    return []


@_compose.register
def _(event: events.ActivationEmailIssued, links: Links) -> list[Message]:
    body = (
        f"Bonjour {event.first_name} {event.last_name},\n\n"
        "Votre compte utilisateur a été créé pour le portail Chorus Pro.\n\n"
        "Pour activer votre compte et choisir votre mot de passe, nous vous invitons "
        "à cliquer sur le lien suivant :\n"
        f"{links.activation(event.login_email, event.token)}\n\n"
        f"Ce mail sera valable jusqu'au {paris_time(event.expires_at)}\n"
        "Si cette date est dépassée, merci de contacter votre gestionnaire ou notre équipe "
        "support afin de recevoir un nouveau courriel d'activation."
    )
    if event.resent:
        body += "\n\nCe courriel remplace le précédent : son lien n'est plus valable."
    return [((event.login_email,), "Chorus Pro - Activation de votre compte", body)]


@_compose.register
def _(event: events.ContactEmailChanged, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nL'adresse électronique de contact de votre compte Chorus Pro a été modifiée : "
        f"les notifications iront désormais à {event.new_contact_email} "
        f"(auparavant {event.old_contact_email}).\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support."
    )
    subject = "Chorus Pro - Modification de votre adresse de contact"
    return [
        ((event.old_contact_email,), subject, body),
        ((event.new_contact_email,), subject, body),
    ]


@_compose.register
def _(event: events.PasswordChanged, links: Links) -> list[Message]:
    how = "à l'aide du lien de réinitialisation" if event.through_reset else "depuis « Mon compte »"
    body = (
        f"Bonjour,\n\nLe mot de passe de votre compte Chorus Pro a été modifié {how}.\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support."
    )
    return [((event.contact_email,), "Chorus Pro - Modification de votre mot de passe", body)]


@_compose.register
def _(event: events.SecretQuestionChanged, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nLa question secrète de votre compte Chorus Pro a été modifiée.\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support."
    )
    return [((event.contact_email,), "Chorus Pro - Modification de votre question secrète", body)]


@_compose.register
def _(event: events.PasswordResetLinkIssued, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nVous avez demandé la réinitialisation du mot de passe de votre compte "
        "Chorus Pro. Pour choisir un nouveau mot de passe, cliquez sur le lien suivant :\n"
        f"{links.password_reset(event.login_email, event.token)}\n\n"
        f"Ce lien est valable jusqu'au {paris_time(event.expires_at)}.\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : "
        "votre mot de passe reste inchangé."
    )
    return [((event.login_email,), "Chorus Pro - Réinitialisation de votre mot de passe", body)]


@_compose.register
def _(event: events.LoginThrottled, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nPlusieurs tentatives de connexion à votre compte Chorus Pro ont échoué. "
        f"Par sécurité, les connexions sont suspendues jusqu'au {paris_time(event.until)}.\n"
        "Si ce n'était pas vous, nous vous conseillons de changer votre mot de passe "
        "(procédure « Mot de passe oublié »)."
    )
    return [((event.contact_email,), "Chorus Pro - Tentatives de connexion infructueuses", body)]


@_compose.register
def _(event: events.SecretAnswersBlocked, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nPlusieurs réponses erronées à votre question secrète ont été données dans "
        "la procédure « Mot de passe oublié ». Par sécurité, la procédure est suspendue "
        f"jusqu'au {paris_time(event.until)}.\n"
        "Si ce n'était pas vous, votre mot de passe reste inchangé ; vous pouvez changer "
        "votre question secrète depuis « Mon compte »."
    )
    return [
        ((event.contact_email,), "Chorus Pro - Procédure « Mot de passe oublié » suspendue", body)
    ]


@_compose.register
def _(event: events.AccountDeactivated, links: Links) -> list[Message]:
    who = "à votre demande" if event.by_owner else "par un administrateur"
    body = (
        f"Bonjour,\n\nVotre compte Chorus Pro a été désactivé {who}.\n"
        "Vous pouvez demander sa réactivation depuis la page de connexion."
    )
    return [((event.login_email,), "Chorus Pro - Désactivation de votre compte", body)]


@_compose.register
def _(event: events.ReactivationRequested, links: Links) -> list[Message]:
    body = (
        "Bonjour,\n\nUne demande de réactivation de votre compte Chorus Pro a été faite. "
        "Pour réactiver votre compte, cliquez sur le lien suivant :\n"
        f"{links.reactivation(event.login_email, event.token)}\n\n"
        f"Ce lien est valable jusqu'au {paris_time(event.expires_at)}."
    )
    return [((event.contact_email,), "Chorus Pro - Réactivation de votre compte", body)]


@_compose.register
def _(event: events.AccountReactivated, links: Links) -> list[Message]:
    body = "Bonjour,\n\nVotre compte Chorus Pro est de nouveau actif."
    return [((event.contact_email,), "Chorus Pro - Réactivation de votre compte", body)]


@_compose.register
def _(event: events.AttachmentRequested, links: Links) -> list[Message]:
    if not event.manager_emails:
        return []
    body = (
        f"Bonjour,\n\n{event.requester_name} ({event.requester_email}) demande à être rattaché(e) "
        f"à la structure {event.structure_name}.\n"
        "Vous pouvez valider ou refuser cette demande depuis « Activités du gestionnaire », "
        "bloc « Mes actions en attente »."
    )
    return [(event.manager_emails, "Chorus Pro - Demande de rattachement à votre structure", body)]


@_compose.register
def _(event: events.AttachmentDecided, links: Links) -> list[Message]:
    if event.validated:
        how = (
            "Un gestionnaire vous a rattaché(e)"
            if event.direct
            else "Votre demande de rattachement"
        )
        verdict = (
            f"{how} à la structure {event.structure_name}."
            if event.direct
            else f"{how} à la structure {event.structure_name} a été validée."
        )
    else:
        verdict = (
            f"Votre demande de rattachement à la structure {event.structure_name} a été refusée."
        )
        if event.reason:
            verdict += f"\nMotif : {event.reason}"
    body = f"Bonjour,\n\n{verdict}"
    subject = "Chorus Pro - Rattachement " + ("validé" if event.validated else "refusé")
    return [((event.contact_email,), subject, body)]


@_compose.register
def _(event: events.UserDetached, links: Links) -> list[Message]:
    body = f"Bonjour,\n\nVotre compte n'est plus rattaché à la structure {event.structure_name}."
    return [((event.contact_email,), "Chorus Pro - Fin de rattachement", body)]


@_compose.register
def _(event: events.SubscriptionRequested, links: Links) -> list[Message]:
    if not event.principal_manager_email:
        return []
    body = (
        f"Bonjour,\n\n{event.requester_name} demande un abonnement à l'espace "
        f"« {event.espace_label} » ({event.habilitation}, service {event.service_name}) "
        f"de la structure {event.structure_name}.\n"
        "En tant que gestionnaire principal, vous pouvez valider ou refuser cette demande."
    )
    return [
        ((event.principal_manager_email,), "Chorus Pro - Demande d'abonnement à un espace", body)
    ]


_OUTCOMES = {"VALIDE": "validé", "REFUSE": "refusé", "REVOQUE": "révoqué"}


@_compose.register
def _(event: events.SubscriptionDecided, links: Links) -> list[Message]:
    outcome = _OUTCOMES.get(event.outcome, event.outcome)
    body = (
        f"Bonjour,\n\nVotre abonnement à l'espace « {event.espace_label} » ({event.habilitation}) "
        f"de la structure {event.structure_name} a été {outcome} par le gestionnaire principal."
    )
    if event.reason:
        body += f"\nMotif : {event.reason}"
    return [((event.contact_email,), f"Chorus Pro - Abonnement {outcome}", body)]


def render(entry: OutboxEntry, links: Links) -> list[OutgoingEmail]:
    """The emails an outbox entry sends; the dedupe key is stable across retries."""
    return [
        OutgoingEmail(
            to=to, subject=subject, body=body + _SIGNATURE, dedupe_key=f"{entry.id}/{index}"
        )
        for index, (to, subject, body) in enumerate(_compose(entry.event, links))
    ]


Renderer = Callable[[OutboxEntry, Links], list[OutgoingEmail]]
