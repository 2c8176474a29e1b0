"""The emails' wording, French and English, as data a host can replace.

Each email is an :class:`EmailTemplate` (subject, text, optional HTML) keyed
by language and name in a :class:`Templates` set. Placeholders are
``{name}`` fields filled from the context the notifier gives (names, the
structure's name, the link, the deadline...). A host changes the wording, the
brand or adds an HTML part without forking::

    templates = Templates.default().replace(
        "fr", "activation", subject="Bienvenue sur Mon Portail", html="<p>{link}</p>"
    )
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
from attrs import frozen

from ..domain.errors import InvalidInput

LANGUAGES = ("fr", "en")
"""The languages the library writes its emails in."""


@frozen
class EmailTemplate:
    """One email: its subject, its plain-text body and, optionally, an HTML body."""

    subject: str
    text: str
    html: str | None = None

    def fields(self) -> frozenset[str]:
        """The placeholders the template uses."""
        parts = [self.subject, self.text, self.html or ""]
        return frozenset(
            name for part in parts for _, name, _, _ in string.Formatter().parse(part) if name
        )


class _Context(dict[str, Any]):
    # A placeholder a host's template names but the event does not provide
    # shows empty rather than failing the delivery.
    def __missing__(self, key: str) -> str:
        return ""


def fill(text: str, context: Mapping[str, Any]) -> str:
    """``text`` with its ``{placeholders}`` replaced from ``context`` (unknown ones empty)."""
    return string.Formatter().vformat(text, (), _Context(context))


@frozen
class Templates:
    """Every email in every language, plus the signature added to each text body."""

    emails: Mapping[tuple[str, str], EmailTemplate]
    signatures: Mapping[str, str]

    @classmethod
    def default(cls) -> Templates:
        """The library's own wording, in French and English."""
        return _DEFAULT

    def get(self, language: str, name: str) -> EmailTemplate:
        """The template ``name`` in ``language`` (French when that language lacks it)."""
        if not isinstance(language, str) or not isinstance(name, str):
            raise InvalidInput(field="template", expected="langue et nom de modèle (texte)")
        found = self.emails.get((language, name)) or self.emails.get(("fr", name))
        if found is None:
            raise InvalidInput(field="template", expected=f"modèle « {name} » connu")
        return found

    def signature(self, language: str) -> str:
        """The text added after every body in ``language``."""
        return self.signatures.get(language, self.signatures.get("fr", ""))

    def replace(self, language: str, name: str, **parts: str | None) -> Templates:
        """A copy with ``subject``, ``text`` and/or ``html`` of one email replaced."""
        unknown = set(parts) - {"subject", "text", "html"}
        if unknown:
            raise InvalidInput(field=sorted(unknown)[0], expected="subject, text ou html")
        if not isinstance(language, str) or not language.isalpha() or len(language) > 8:
            raise InvalidInput(field="language", expected="code de langue (fr, en...)")
        if not isinstance(name, str):
            raise InvalidInput(field="template", expected="nom de modèle (texte)")
        current = self.emails.get((language, name)) or self.get("fr", name)
        for part, value in parts.items():
            _check_template_text(part, value, optional=part == "html")
        changed = EmailTemplate(
            subject=str(parts.get("subject", current.subject)),
            text=str(parts.get("text", current.text)),
            html=parts.get("html", current.html),
        )
        return attrs.evolve(
            self, emails=MappingProxyType({**self.emails, (language, name): changed})
        )

    def with_signature(self, language: str, signature: str) -> Templates:
        """A copy whose ``language`` emails end with ``signature`` (your brand)."""
        if not isinstance(language, str) or not language.isalpha() or len(language) > 8:
            raise InvalidInput(field="language", expected="code de langue (fr, en...)")
        _check_template_text("signature", signature, optional=False)
        return attrs.evolve(
            self, signatures=MappingProxyType({**self.signatures, language: signature})
        )


def _check_template_text(field: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > 100_000:
        raise InvalidInput(field=field, expected="texte de 100 000 caractères au plus")
    try:
        list(string.Formatter().parse(value))
    except ValueError:
        raise InvalidInput(field=field, expected="texte aux {champs} bien formés") from None


_FR = {
    "activation": EmailTemplate(
        "Chorus Pro - Activation de votre compte",
        "Bonjour {first_name} {last_name},\n\n"
        "Votre compte utilisateur a été créé pour le portail Chorus Pro.\n\n"
        "Pour activer votre compte et choisir votre mot de passe, nous vous invitons "
        "à cliquer sur le lien suivant :\n{link}\n\n"
        "Ce mail sera valable jusqu'au {deadline}\n"
        "Si cette date est dépassée, merci de contacter votre gestionnaire ou notre équipe "
        "support afin de recevoir un nouveau courriel d'activation.{resent_note}",
    ),
    "activation_resent_note": EmailTemplate(
        "", "\n\nCe courriel remplace le précédent : son lien n'est plus valable."
    ),
    "contact_email_changed": EmailTemplate(
        "Chorus Pro - Modification de votre adresse de contact",
        "Bonjour,\n\nL'adresse électronique de contact de votre compte Chorus Pro a été "
        "modifiée : les notifications iront désormais à {new_contact_email} "
        "(auparavant {previous_contact_email}).\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
    ),
    "password_changed": EmailTemplate(
        "Chorus Pro - Modification de votre mot de passe",
        "Bonjour,\n\nLe mot de passe de votre compte Chorus Pro a été modifié {how}.\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
    ),
    "password_changed_through_reset": EmailTemplate("", "à l'aide du lien de réinitialisation"),
    "password_changed_in_account": EmailTemplate("", "depuis « Mon compte »"),
    "secret_question_changed": EmailTemplate(
        "Chorus Pro - Modification de votre question secrète",
        "Bonjour,\n\nLa question secrète de votre compte Chorus Pro a été modifiée.\n"
        "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
    ),
    "password_reset": EmailTemplate(
        "Chorus Pro - Réinitialisation de votre mot de passe",
        "Bonjour,\n\nVous avez demandé la réinitialisation du mot de passe de votre compte "
        "Chorus Pro. Pour choisir un nouveau mot de passe, cliquez sur le lien suivant :\n"
        "{link}\n\nCe lien est valable jusqu'au {deadline}.\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : "
        "votre mot de passe reste inchangé.",
    ),
    "login_throttled": EmailTemplate(
        "Chorus Pro - Tentatives de connexion infructueuses",
        "Bonjour,\n\nPlusieurs tentatives de connexion à votre compte Chorus Pro ont échoué. "
        "Par sécurité, les connexions sont suspendues jusqu'au {until}.\n"
        "Si ce n'était pas vous, nous vous conseillons de changer votre mot de passe "
        "(procédure « Mot de passe oublié »).",
    ),
    "secret_answers_blocked": EmailTemplate(
        "Chorus Pro - Procédure « Mot de passe oublié » suspendue",
        "Bonjour,\n\nPlusieurs réponses erronées à votre question secrète ont été données dans "
        "la procédure « Mot de passe oublié ». Par sécurité, la procédure est suspendue "
        "jusqu'au {until}.\n"
        "Si ce n'était pas vous, votre mot de passe reste inchangé ; vous pouvez changer "
        "votre question secrète depuis « Mon compte ».",
    ),
    "account_deactivated": EmailTemplate(
        "Chorus Pro - Désactivation de votre compte",
        "Bonjour,\n\nVotre compte Chorus Pro a été désactivé {who}.\n"
        "Vous pouvez demander sa réactivation depuis la page de connexion.",
    ),
    "deactivated_by_owner": EmailTemplate("", "à votre demande"),
    "deactivated_by_administrator": EmailTemplate("", "par un administrateur"),
    "reactivation": EmailTemplate(
        "Chorus Pro - Réactivation de votre compte",
        "Bonjour,\n\nUne demande de réactivation de votre compte Chorus Pro a été faite. "
        "Pour réactiver votre compte, cliquez sur le lien suivant :\n{link}\n\n"
        "Ce lien est valable jusqu'au {deadline}.",
    ),
    "reactivation_asked_of_support": EmailTemplate(
        "Chorus Pro - Demande de réactivation d'un compte désactivé par le support",
        "Bonjour,\n\n{first_name} {last_name} ({login_email}, compte {account_id}) demande la "
        "réactivation de son compte, désactivé par le support. Seul le support peut le "
        "réactiver, après vérification.",
    ),
    "account_reactivated": EmailTemplate(
        "Chorus Pro - Réactivation de votre compte",
        "Bonjour,\n\nVotre compte Chorus Pro est de nouveau actif.",
    ),
    "attachment_requested": EmailTemplate(
        "Chorus Pro - Demande de rattachement à votre structure",
        "Bonjour,\n\n{requester_name} ({requester_email}) demande à être rattaché(e) "
        "à la structure {structure_name}.\n"
        "Vous pouvez valider ou refuser cette demande depuis « Activités du gestionnaire », "
        "bloc « Mes actions en attente ».",
    ),
    "attachment_validated": EmailTemplate(
        "Chorus Pro - Rattachement validé",
        "Bonjour,\n\nVotre demande de rattachement à la structure {structure_name} a été validée.",
    ),
    "attachment_refused": EmailTemplate(
        "Chorus Pro - Rattachement refusé",
        "Bonjour,\n\nVotre demande de rattachement à la structure {structure_name} "
        "a été refusée.{reason_line}",
    ),
    "reason_line": EmailTemplate("", "\nMotif : {reason}"),
    "invitation": EmailTemplate(
        "Chorus Pro - Invitation à rejoindre la structure {structure_name}",
        "Bonjour {first_name} {last_name},\n\n{inviter_name}, gestionnaire de la structure "
        "{structure_name}, vous invite à la rejoindre.\n"
        "Acceptez ou refusez cette invitation depuis « Mon compte », rubrique "
        "« Mes rattachements aux structures », jusqu'au {deadline}.\n"
        "Si vous ne connaissez pas cette structure, refusez l'invitation : rien ne change "
        "pour votre compte sans votre accord.",
    ),
    "invitation_accepted": EmailTemplate(
        "Chorus Pro - Invitation acceptée",
        "Bonjour,\n\n{invited_name} a accepté votre invitation à rejoindre la structure "
        "{structure_name}.",
    ),
    "invitation_declined": EmailTemplate(
        "Chorus Pro - Invitation refusée",
        "Bonjour,\n\n{invited_name} a refusé votre invitation à rejoindre la structure "
        "{structure_name}.",
    ),
    "user_detached": EmailTemplate(
        "Chorus Pro - Fin de rattachement",
        "Bonjour,\n\nVotre compte n'est plus rattaché à la structure {structure_name}.",
    ),
    "subscription_requested": EmailTemplate(
        "Chorus Pro - Demande d'abonnement à un espace",
        "Bonjour,\n\n{requester_name} demande un abonnement à l'espace « {espace} » "
        "({habilitation}, service {service_name}) de la structure {structure_name}.\n"
        "En tant que gestionnaire principal, vous pouvez valider ou refuser cette demande.",
    ),
    "subscription_decided": EmailTemplate(
        "Chorus Pro - Abonnement {outcome}",
        "Bonjour,\n\nVotre abonnement à l'espace « {espace} » ({habilitation}) "
        "de la structure {structure_name} a été {outcome} par le gestionnaire principal."
        "{reason_line}",
    ),
    "outcome_VALIDE": EmailTemplate("", "validé"),
    "outcome_REFUSE": EmailTemplate("", "refusé"),
    "outcome_REVOQUE": EmailTemplate("", "révoqué"),
    "local_time": EmailTemplate("", "{when} (heure locale France métropolitaine, GMT{offset})"),
}

_EN = {
    "activation": EmailTemplate(
        "Chorus Pro - Activate your account",
        "Hello {first_name} {last_name},\n\n"
        "A user account was created for you on the Chorus Pro portal.\n\n"
        "To activate your account and choose your password, please follow this link:\n"
        "{link}\n\n"
        "This email is valid until {deadline}\n"
        "Past that date, ask your manager or our support team for a new activation "
        "email.{resent_note}",
    ),
    "activation_resent_note": EmailTemplate(
        "", "\n\nThis email replaces the previous one: its link no longer works."
    ),
    "contact_email_changed": EmailTemplate(
        "Chorus Pro - Your contact address changed",
        "Hello,\n\nThe contact email address of your Chorus Pro account was changed: "
        "notifications will now go to {new_contact_email} "
        "(previously {previous_contact_email}).\n"
        "If you did not make this change, contact support.",
    ),
    "password_changed": EmailTemplate(
        "Chorus Pro - Your password changed",
        "Hello,\n\nThe password of your Chorus Pro account was changed {how}.\n"
        "If you did not make this change, contact support.",
    ),
    "password_changed_through_reset": EmailTemplate("", "through the reset link"),
    "password_changed_in_account": EmailTemplate("", "from “My account”"),
    "secret_question_changed": EmailTemplate(
        "Chorus Pro - Your secret question changed",
        "Hello,\n\nThe secret question of your Chorus Pro account was changed.\n"
        "If you did not make this change, contact support.",
    ),
    "password_reset": EmailTemplate(
        "Chorus Pro - Reset your password",
        "Hello,\n\nYou asked to reset the password of your Chorus Pro account. "
        "To choose a new password, follow this link:\n{link}\n\n"
        "This link is valid until {deadline}.\n"
        "If you did not ask for this, ignore this email: your password stays as it is.",
    ),
    "login_throttled": EmailTemplate(
        "Chorus Pro - Failed login attempts",
        "Hello,\n\nSeveral attempts to log in to your Chorus Pro account failed. "
        "For your safety, logins are suspended until {until}.\n"
        "If this was not you, we advise you to change your password "
        "(“Forgotten password” procedure).",
    ),
    "secret_answers_blocked": EmailTemplate(
        "Chorus Pro - “Forgotten password” suspended",
        "Hello,\n\nSeveral wrong answers to your secret question were given in the "
        "“Forgotten password” procedure. For your safety, the procedure is suspended "
        "until {until}.\n"
        "If this was not you, your password has not changed; you can change your secret "
        "question from “My account”.",
    ),
    "account_deactivated": EmailTemplate(
        "Chorus Pro - Your account was deactivated",
        "Hello,\n\nYour Chorus Pro account was deactivated {who}.\n"
        "You can ask for its reactivation from the login page.",
    ),
    "deactivated_by_owner": EmailTemplate("", "at your request"),
    "deactivated_by_administrator": EmailTemplate("", "by an administrator"),
    "reactivation": EmailTemplate(
        "Chorus Pro - Reactivate your account",
        "Hello,\n\nSomeone asked to reactivate your Chorus Pro account. "
        "To reactivate it, follow this link:\n{link}\n\nThis link is valid until {deadline}.",
    ),
    "reactivation_asked_of_support": EmailTemplate(
        "Chorus Pro - Reactivation asked for an account support deactivated",
        "Hello,\n\n{first_name} {last_name} ({login_email}, account {account_id}) asks for the "
        "reactivation of their account, which support deactivated. Only support can "
        "reactivate it, after checking.",
    ),
    "account_reactivated": EmailTemplate(
        "Chorus Pro - Your account is active again",
        "Hello,\n\nYour Chorus Pro account is active again.",
    ),
    "attachment_requested": EmailTemplate(
        "Chorus Pro - Request to join your structure",
        "Hello,\n\n{requester_name} ({requester_email}) asks to join the structure "
        "{structure_name}.\n"
        "You can accept or refuse this request from “Manager activities”, "
        "“My pending actions”.",
    ),
    "attachment_validated": EmailTemplate(
        "Chorus Pro - Membership accepted",
        "Hello,\n\nYour request to join the structure {structure_name} was accepted.",
    ),
    "attachment_refused": EmailTemplate(
        "Chorus Pro - Membership refused",
        "Hello,\n\nYour request to join the structure {structure_name} was refused.{reason_line}",
    ),
    "reason_line": EmailTemplate("", "\nReason: {reason}"),
    "invitation": EmailTemplate(
        "Chorus Pro - Invitation to join {structure_name}",
        "Hello {first_name} {last_name},\n\n{inviter_name}, manager of the structure "
        "{structure_name}, invites you to join it.\n"
        "Accept or decline this invitation from “My account”, “My structures”, "
        "until {deadline}.\n"
        "If you do not know this structure, decline: nothing changes for your account "
        "without your consent.",
    ),
    "invitation_accepted": EmailTemplate(
        "Chorus Pro - Invitation accepted",
        "Hello,\n\n{invited_name} accepted your invitation to join the structure {structure_name}.",
    ),
    "invitation_declined": EmailTemplate(
        "Chorus Pro - Invitation declined",
        "Hello,\n\n{invited_name} declined your invitation to join the structure {structure_name}.",
    ),
    "user_detached": EmailTemplate(
        "Chorus Pro - Membership ended",
        "Hello,\n\nYour account no longer belongs to the structure {structure_name}.",
    ),
    "subscription_requested": EmailTemplate(
        "Chorus Pro - Request for a workspace right",
        "Hello,\n\n{requester_name} asks for a right on the workspace “{espace}” "
        "({habilitation}, service {service_name}) of the structure {structure_name}.\n"
        "As principal manager, you can accept or refuse this request.",
    ),
    "subscription_decided": EmailTemplate(
        "Chorus Pro - Workspace right {outcome}",
        "Hello,\n\nYour right on the workspace “{espace}” ({habilitation}) of the structure "
        "{structure_name} was {outcome} by the principal manager.{reason_line}",
    ),
    "outcome_VALIDE": EmailTemplate("", "granted"),
    "outcome_REFUSE": EmailTemplate("", "refused"),
    "outcome_REVOQUE": EmailTemplate("", "revoked"),
    "local_time": EmailTemplate("", "{when} (Paris time, UTC{offset})"),
}

_DEFAULT = Templates(
    emails=MappingProxyType(
        {("fr", name): t for name, t in _FR.items()} | {("en", name): t for name, t in _EN.items()}
    ),
    signatures=MappingProxyType(
        {
            "fr": "\n\nCordialement,\n\nChorus Pro\n\nCe courriel a été généré automatiquement "
            "par Chorus Pro. Merci de ne pas y répondre.",
            "en": "\n\nKind regards,\n\nChorus Pro\n\nThis email was sent automatically by "
            "Chorus Pro. Please do not reply.",
        }
    ),
)
