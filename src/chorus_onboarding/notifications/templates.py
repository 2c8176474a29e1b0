"""The emails' wording, from the catalogues, as data a host can replace.

Each email is an :class:`EmailTemplate` (subject, text, optional HTML) keyed
by language and name in a :class:`Templates` set. The library's own wording
is French (the msgids) translated by the gettext catalogues
(:mod:`chorus_onboarding.i18n`): English ships with the library, a host adds
a language with a catalogue. Placeholders are
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

import attrs
from attrs import frozen

from ..domain.errors import InvalidInput
from ..i18n import NP_, translate

LANGUAGES = ("fr", "en")
"""The languages the library ships catalogues for; a host's catalogue adds others."""


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


@frozen
class Templates:
    """The emails a host reworded, by language and name, over the catalogues' wording.

    ``emails`` and ``signatures`` hold only what :meth:`replace` and
    :meth:`with_signature` set; every other email comes from the catalogue
    of its language when it is asked for.
    """

    emails: Mapping[tuple[str, str], EmailTemplate]
    signatures: Mapping[str, str]

    @classmethod
    def default(cls) -> Templates:
        """The library's own wording: French, and every language a catalogue is found for."""
        return _DEFAULT

    def get(self, language: str, name: str) -> EmailTemplate:
        """The template ``name`` in ``language``: the host's, else the catalogue's.

        A text the language's catalogue lacks (or a language without one) is French.
        """
        if not isinstance(language, str) or not isinstance(name, str):
            raise InvalidInput(field="template", expected="langue et nom de modèle (texte)")
        found = self.emails.get((language, name))
        if found is not None:
            return found
        french = _FR.get(name)
        if french is None:
            raise InvalidInput(field="template", expected="nom de modèle connu")
        context = f"email {name}"
        return EmailTemplate(
            subject=translate(language, french.subject, context) if french.subject else "",
            text=translate(language, french.text, context),
        )

    def signature(self, language: str) -> str:
        """The text added after every body in ``language``."""
        found = self.signatures.get(language)
        return found if found is not None else translate(language, _SIGNATURE, "email signature")

    def replace(self, language: str, name: str, **parts: str | None) -> Templates:
        """A copy with ``subject``, ``text`` and/or ``html`` of one email replaced."""
        unknown = set(parts) - {"subject", "text", "html"}
        if unknown:
            raise InvalidInput(field=sorted(unknown)[0], expected="subject, text ou html")
        if not isinstance(language, str) or not language.isalpha() or len(language) > 8:
            raise InvalidInput(field="language", expected="code de langue (fr, en...)")
        if not isinstance(name, str):
            raise InvalidInput(field="template", expected="nom de modèle (texte)")
        current = self.get(language, name)
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
        raise InvalidInput(
            field=field, expected="texte aux champs entre accolades bien formés"
        ) from None


_FR = {
    "activation": EmailTemplate(
        NP_("email activation", "Chorus Pro - Activation de votre compte"),
        NP_(
            "email activation",
            "Bonjour {first_name} {last_name},\n\n"
            "Votre compte utilisateur a été créé pour le portail Chorus Pro.\n\n"
            "Pour activer votre compte et choisir votre mot de passe, nous vous invitons "
            "à cliquer sur le lien suivant :\n{link}\n\n"
            "Ce mail sera valable jusqu'au {deadline}\n"
            "Si cette date est dépassée, merci de contacter votre gestionnaire ou notre équipe "
            "support afin de recevoir un nouveau courriel d'activation.{resent_note}",
        ),
    ),
    "activation_resent_note": EmailTemplate(
        "",
        NP_(
            "email activation_resent_note",
            "\n\nCe courriel remplace le précédent : son lien n'est plus valable.",
        ),
    ),
    "contact_email_changed": EmailTemplate(
        NP_("email contact_email_changed", "Chorus Pro - Modification de votre adresse de contact"),
        NP_(
            "email contact_email_changed",
            "Bonjour,\n\nL'adresse électronique de contact de votre compte Chorus Pro a été "
            "modifiée : les notifications iront désormais à {new_contact_email} "
            "(auparavant {previous_contact_email}).\n"
            "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
        ),
    ),
    "password_changed": EmailTemplate(
        NP_("email password_changed", "Chorus Pro - Modification de votre mot de passe"),
        NP_(
            "email password_changed",
            "Bonjour,\n\nLe mot de passe de votre compte Chorus Pro a été modifié {how}.\n"
            "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
        ),
    ),
    "password_changed_through_reset": EmailTemplate(
        "", NP_("email password_changed_through_reset", "à l'aide du lien de réinitialisation")
    ),
    "password_changed_in_account": EmailTemplate(
        "", NP_("email password_changed_in_account", "depuis « Mon compte »")
    ),
    "secret_question_changed": EmailTemplate(
        NP_("email secret_question_changed", "Chorus Pro - Modification de votre question secrète"),
        NP_(
            "email secret_question_changed",
            "Bonjour,\n\nLa question secrète de votre compte Chorus Pro a été modifiée.\n"
            "Si vous n'êtes pas à l'origine de cette modification, contactez le support.",
        ),
    ),
    "password_reset": EmailTemplate(
        NP_("email password_reset", "Chorus Pro - Réinitialisation de votre mot de passe"),
        NP_(
            "email password_reset",
            "Bonjour,\n\nVous avez demandé la réinitialisation du mot de passe de votre compte "
            "Chorus Pro. Pour choisir un nouveau mot de passe, cliquez sur le lien suivant :\n"
            "{link}\n\nCe lien est valable jusqu'au {deadline}.\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : "
            "votre mot de passe reste inchangé.",
        ),
    ),
    "login_code": EmailTemplate(
        NP_("email login_code", "Chorus Pro - Votre code de connexion"),
        NP_(
            "email login_code",
            "Bonjour,\n\nPour terminer votre connexion à Chorus Pro, saisissez ce code :\n\n"
            "{code}\n\nIl est valable jusqu'au {deadline}, une seule fois.{resent_note}\n"
            "Si vous n'êtes pas en train de vous connecter, quelqu'un connaît votre mot de passe : "
            "changez-le sans attendre (procédure « Mot de passe oublié »).",
        ),
    ),
    "login_code_resent_note": EmailTemplate(
        "",
        NP_(
            "email login_code_resent_note",
            " Il remplace le code envoyé précédemment, qui n'est plus accepté.",
        ),
    ),
    "login_throttled": EmailTemplate(
        NP_("email login_throttled", "Chorus Pro - Tentatives de connexion infructueuses"),
        NP_(
            "email login_throttled",
            "Bonjour,\n\nPlusieurs tentatives de connexion à votre compte Chorus Pro ont échoué. "
            "Par sécurité, les connexions sont suspendues jusqu'au {until}.\n"
            "Si ce n'était pas vous, nous vous conseillons de changer votre mot de passe "
            "(procédure « Mot de passe oublié »).",
        ),
    ),
    "secret_answers_blocked": EmailTemplate(
        NP_(
            "email secret_answers_blocked",
            "Chorus Pro - Procédure « Mot de passe oublié » suspendue",
        ),
        NP_(
            "email secret_answers_blocked",
            "Bonjour,\n\nPlusieurs réponses erronées à votre question secrète ont été données dans "
            "la procédure « Mot de passe oublié ». Par sécurité, la procédure est suspendue "
            "jusqu'au {until}.\n"
            "Si ce n'était pas vous, votre mot de passe reste inchangé ; vous pouvez changer "
            "votre question secrète depuis « Mon compte ».",
        ),
    ),
    "account_deactivated": EmailTemplate(
        NP_("email account_deactivated", "Chorus Pro - Désactivation de votre compte"),
        NP_(
            "email account_deactivated",
            "Bonjour,\n\nVotre compte Chorus Pro a été désactivé {who}.\n"
            "Vous pouvez demander sa réactivation depuis la page de connexion.",
        ),
    ),
    "deactivated_by_owner": EmailTemplate("", NP_("email deactivated_by_owner", "à votre demande")),
    "deactivated_by_administrator": EmailTemplate(
        "", NP_("email deactivated_by_administrator", "par un administrateur")
    ),
    "reactivation": EmailTemplate(
        NP_("email reactivation", "Chorus Pro - Réactivation de votre compte"),
        NP_(
            "email reactivation",
            "Bonjour,\n\nUne demande de réactivation de votre compte Chorus Pro a été faite. "
            "Pour réactiver votre compte, cliquez sur le lien suivant :\n{link}\n\n"
            "Ce lien est valable jusqu'au {deadline}.",
        ),
    ),
    "reactivation_asked_of_support": EmailTemplate(
        NP_(
            "email reactivation_asked_of_support",
            "Chorus Pro - Demande de réactivation d'un compte désactivé par le support",
        ),
        NP_(
            "email reactivation_asked_of_support",
            "Bonjour,\n\n{first_name} {last_name} ({login_email}, compte {account_id}) demande la "
            "réactivation de son compte, désactivé par le support. Seul le support peut le "
            "réactiver, après vérification.",
        ),
    ),
    "account_reactivated": EmailTemplate(
        NP_("email account_reactivated", "Chorus Pro - Réactivation de votre compte"),
        NP_(
            "email account_reactivated", "Bonjour,\n\nVotre compte Chorus Pro est de nouveau actif."
        ),
    ),
    "attachment_requested": EmailTemplate(
        NP_("email attachment_requested", "Chorus Pro - Demande de rattachement à votre structure"),
        NP_(
            "email attachment_requested",
            "Bonjour,\n\n{requester_name} ({requester_email}) demande à être rattaché(e) "
            "à la structure {structure_name}.\n"
            "Vous pouvez valider ou refuser cette demande depuis « Activités du gestionnaire », "
            "bloc « Mes actions en attente ».",
        ),
    ),
    "attachment_validated": EmailTemplate(
        NP_("email attachment_validated", "Chorus Pro - Rattachement validé"),
        NP_(
            "email attachment_validated",
            "Bonjour,\n\nVotre demande de rattachement à la structure {structure_name} a été validée.",
        ),
    ),
    "attachment_refused": EmailTemplate(
        NP_("email attachment_refused", "Chorus Pro - Rattachement refusé"),
        NP_(
            "email attachment_refused",
            "Bonjour,\n\nVotre demande de rattachement à la structure {structure_name} "
            "a été refusée.{reason_line}",
        ),
    ),
    "reason_line": EmailTemplate("", NP_("email reason_line", "\nMotif : {reason}")),
    "invitation": EmailTemplate(
        NP_(
            "email invitation", "Chorus Pro - Invitation à rejoindre la structure {structure_name}"
        ),
        NP_(
            "email invitation",
            "Bonjour {first_name} {last_name},\n\n{inviter_name}, gestionnaire de la structure "
            "{structure_name}, vous invite à la rejoindre.\n"
            "Acceptez ou refusez cette invitation depuis « Mon compte », rubrique "
            "« Mes rattachements aux structures », jusqu'au {deadline}.\n"
            "Si vous ne connaissez pas cette structure, refusez l'invitation : rien ne change "
            "pour votre compte sans votre accord.",
        ),
    ),
    "invitation_accepted": EmailTemplate(
        NP_("email invitation_accepted", "Chorus Pro - Invitation acceptée"),
        NP_(
            "email invitation_accepted",
            "Bonjour,\n\n{invited_name} a accepté votre invitation à rejoindre la structure "
            "{structure_name}.",
        ),
    ),
    "invitation_declined": EmailTemplate(
        NP_("email invitation_declined", "Chorus Pro - Invitation refusée"),
        NP_(
            "email invitation_declined",
            "Bonjour,\n\n{invited_name} a refusé votre invitation à rejoindre la structure "
            "{structure_name}.",
        ),
    ),
    "user_detached": EmailTemplate(
        NP_("email user_detached", "Chorus Pro - Fin de rattachement"),
        NP_(
            "email user_detached",
            "Bonjour,\n\nVotre compte n'est plus rattaché à la structure {structure_name}.",
        ),
    ),
    "siret_changed": EmailTemplate(
        NP_("email siret_changed", "Chorus Pro - Changement de SIRET de la structure"),
        NP_(
            "email siret_changed",
            "Bonjour,\n\nLa structure {structure_name} a déclaré son nouveau SIRET : "
            "{new_siret}, qui remplace le SIRET {previous_siret}.\n"
            "C'est la même structure sur Chorus Pro : vos rattachements, abonnements "
            "et demandes en cours sont conservés.",
        ),
    ),
    "subscription_requested": EmailTemplate(
        NP_("email subscription_requested", "Chorus Pro - Demande d'abonnement à un espace"),
        NP_(
            "email subscription_requested",
            "Bonjour,\n\n{requester_name} demande un abonnement à l'espace « {espace} » "
            "({habilitation}, service {service_name}) de la structure {structure_name}.\n"
            "En tant que gestionnaire principal, vous pouvez valider ou refuser cette demande.",
        ),
    ),
    "subscription_decided": EmailTemplate(
        NP_("email subscription_decided", "Chorus Pro - Abonnement {outcome}"),
        NP_(
            "email subscription_decided",
            "Bonjour,\n\nVotre abonnement à l'espace « {espace} » ({habilitation}) "
            "de la structure {structure_name} a été {outcome} par le gestionnaire principal."
            "{reason_line}",
        ),
    ),
    "outcome_VALIDE": EmailTemplate("", NP_("email outcome_VALIDE", "validé")),
    "outcome_REFUSE": EmailTemplate("", NP_("email outcome_REFUSE", "refusé")),
    "outcome_REVOQUE": EmailTemplate("", NP_("email outcome_REVOQUE", "révoqué")),
    "local_time": EmailTemplate(
        "", NP_("email local_time", "{when} (heure locale France métropolitaine, GMT{offset})")
    ),
}

_SIGNATURE = NP_(
    "email signature",
    "\n\nCordialement,\n\nChorus Pro\n\nCe courriel a été généré automatiquement "
    "par Chorus Pro. Merci de ne pas y répondre.",
)

_DEFAULT = Templates(emails=MappingProxyType({}), signatures=MappingProxyType({}))
