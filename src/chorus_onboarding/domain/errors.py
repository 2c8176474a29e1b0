"""The library's one error tree.

Every error has a stable ``code`` for programs, the ``field`` it concerns
where one applies, and a message in French (the portal's language, what
``str()`` gives), in English or in a language a host adds a catalogue for
through :meth:`message` (see :mod:`chorus_onboarding.i18n`).
Each class also has a :class:`ErrorCategory`, and from it an HTTP status:
:meth:`OnboardingError.to_problem` is the RFC 9457 body of a web response.
Validation errors also subclass :class:`ValueError`.

Parameters are data (text, keys, numbers, aware datetimes): the message shows
them in words of its language when it is read, an instant in Paris time.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Self

from ..i18n import N_, NP_, format_instant, translate

Language = str
"""A language tag: ``"fr"`` (the default), ``"en"``, or one a host adds a catalogue for."""


class ErrorCategory(enum.Enum):
    """What kind of refusal an error is; :attr:`http_status` is the status that says it on the web.

    Every error class has one (``OnboardingError.category``), inherited by its
    subclasses unless they name another.
    """

    INVALID_INPUT = "invalid_input"
    """What was sent breaks a rule of the portal: correct it and send it again (422)."""
    UNAUTHENTICATED = "unauthenticated"
    """The login email or the password is wrong (401)."""
    FORBIDDEN = "forbidden"
    """The actor may not do this, or the account may not log in (403)."""
    NOT_FOUND = "not_found"
    """What was asked for does not exist, or is not the actor's to know of (404)."""
    CONFLICT = "conflict"
    """The current state of the data forbids it: something must change first (409)."""
    EXPIRED = "expired"
    """A link or an invitation is past its deadline: ask for a new one (410)."""
    UNAVAILABLE = "unavailable"
    """The service cannot answer for a moment: try again shortly (503)."""
    INTERNAL = "internal"
    """The server is at fault (its configuration, its data): the caller can do nothing (500)."""

    @property
    def http_status(self) -> int:
        """The HTTP status code of this category."""
        return _HTTP_STATUS[self]

    def title(self, language: Language = "fr") -> str:
        """A short summary of the category in ``language``: the problem's ``title``."""
        return translate(language, _TITLES[self])


_HTTP_STATUS: dict[ErrorCategory, int] = {
    ErrorCategory.INVALID_INPUT: 422,
    ErrorCategory.UNAUTHENTICATED: 401,
    ErrorCategory.FORBIDDEN: 403,
    ErrorCategory.NOT_FOUND: 404,
    ErrorCategory.CONFLICT: 409,
    ErrorCategory.EXPIRED: 410,
    ErrorCategory.UNAVAILABLE: 503,
    ErrorCategory.INTERNAL: 500,
}
_TITLES: dict[ErrorCategory, str] = {
    ErrorCategory.INVALID_INPUT: N_("Saisie invalide"),
    ErrorCategory.UNAUTHENTICATED: N_("Identification refusée"),
    ErrorCategory.FORBIDDEN: N_("Action non autorisée"),
    ErrorCategory.NOT_FOUND: N_("Introuvable"),
    ErrorCategory.CONFLICT: N_("Action impossible en l'état"),
    ErrorCategory.EXPIRED: N_("Délai dépassé"),
    ErrorCategory.UNAVAILABLE: N_("Service indisponible"),
    ErrorCategory.INTERNAL: N_("Erreur du service"),
}

PROBLEM_TYPE_BASE = "urn:chorus-onboarding:error:"
"""The default start of a problem's ``type``: the error's ``code`` follows it."""


_WORDS: dict[str, str] = {
    # fields
    "login_email": NP_("word", "adresse électronique de connexion"),
    "login_email_confirmation": NP_("word", "confirmation de l'adresse de connexion"),
    "last_name": NP_("word", "nom"),
    "first_name": NP_("word", "prénom"),
    "contact_email": NP_("word", "adresse électronique de contact"),
    "survey_consent": NP_("word", "consentement à l'enquête de satisfaction"),
    "company_name": NP_("word", "raison sociale"),
    "street": NP_("word", "adresse"),
    "complement": NP_("word", "complément d'adresse"),
    "postal_code": NP_("word", "code postal"),
    "city": NP_("word", "ville"),
    "country": NP_("word", "pays"),
    "purposes": NP_("word", "objectifs de l'inscription"),
    "espaces": NP_("word", "espaces"),
    "espace": NP_("word", "espace"),
    "categorie_prestataire": NP_("word", "catégorie de prestataire"),
    "categorie_beneficiaire": NP_("word", "catégorie de bénéficiaire"),
    "pacage": NP_("word", "numéro PACAGE"),
    "regime_statut": NP_("word", "régime/statut"),
    "complement_2": NP_("word", "complément d'adresse 2"),
    "password": NP_("word", "mot de passe"),
    "password_confirmation": NP_("word", "confirmation du mot de passe"),
    "current_password": NP_("word", "mot de passe actuel"),
    "secret_question": NP_("word", "question secrète"),
    "secret_answer": NP_("word", "réponse à la question secrète"),
    "identifier": NP_("word", "identifiant"),
    "identifier_type": NP_("word", "type d'identifiant"),
    "account_id": NP_("word", "compte"),
    "token": NP_("word", "lien"),
    "challenge": NP_("word", "procédure « Mot de passe oublié »"),
    "rcs": NP_("word", "numéro RCS"),
    "siret": NP_("word", "numéro SIRET"),
    "captcha": NP_("word", "caractères de l'image (captcha)"),
    "names": NP_("word", "noms"),
    "filters": NP_("word", "critères de recherche"),
    "limit": NP_("word", "limite"),
    "settings": NP_("word", "réglages"),
    "form": NP_("word", "formulaire"),
    "status": NP_("word", "statut"),
    "label": NP_("word", "libellé"),
    "address": NP_("word", "adresse"),
    "service": NP_("word", "service"),
    "services": NP_("word", "services"),
    "structure_id": NP_("word", "structure"),
    "attachment_id": NP_("word", "demande de rattachement"),
    "attachment_ids": NP_("word", "demandes de rattachement"),
    "subscription_id": NP_("word", "abonnement"),
    "habilitation": NP_("word", "habilitation"),
    "request_date": NP_("word", "date de la demande"),
    "comment": NP_("word", "commentaire"),
    "reason": NP_("word", "motif"),
    "grants": NP_("word", "droits accordés"),
    "agricultural_centre": NP_("word", "centre de gestion agricole"),
    "consultation": NP_("word", "consultation"),
    "modification": NP_("word", "modification"),
    "name": NP_("word", "nom"),
    # reasons
    "type": NP_("word", "valeur qui n'est pas du texte"),
    "empty": NP_("word", "valeur vide"),
    "length": NP_("word", "longueur"),
    "checksum": NP_("word", "clé de contrôle"),
    "unexpected": NP_("word", "valeur inattendue"),
    "domain": NP_("word", "nom de domaine"),
    "local_part": NP_("word", "partie avant le @"),
    "mismatch": NP_("word", "SIREN différent"),
    "missing_file": NP_("word", "fichier introuvable"),
    "missing_columns": NP_("word", "colonnes du format publié absentes"),
    "not_utf8": NP_("word", "texte qui n'est pas en UTF-8"),
    "not_a_register": NP_("word", "fichier qui n'est pas un répertoire chargé"),
    "not_writable": NP_("word", "fichier qui ne peut pas être écrit"),
    # password rules
    "too_short": NP_("word", "trop court"),
    "too_long": NP_("word", "trop long"),
    "not_enough_groups": NP_("word", "moins de 3 types de caractères"),
    "contains_login_email": NP_("word", "contient l'adresse de connexion"),
    "common_password": NP_("word", "mot de passe trop courant"),
    "control_character": NP_("word", "caractère de contrôle"),
}
_WHAT: dict[str, str] = {
    "account": NP_("what", "Le compte"),
    "structure": NP_("what", "La structure"),
    "attachment": NP_("what", "La demande de rattachement"),
    "subscription": NP_("what", "L'abonnement"),
    "invitation": NP_("what", "L'invitation"),
    "membership": NP_("what", "Le rattachement"),
    "manager": NP_("what", "Ce gestionnaire"),
    "delegated_manager": NP_("what", "Ce gestionnaire délégué"),
    "service": NP_("what", "Le service {service}"),
    "data": NP_("what", "La donnée"),
    "database": NP_("what", "La base de données"),
}
ACCOUNT_STATE_LABELS: dict[str, str] = {
    "CREATED": NP_("state", "créé"),
    "ACTIVATION_PENDING": NP_("state", "en attente d'activation"),
    "EXPIRED": NP_("state", "activation expirée"),
    "ACTIVE": NP_("state", "actif"),
    "DEACTIVATED": NP_("state", "désactivé"),
}
"""An account state's name to its label in French (the msgid of its translations)."""

# Parameters that are keys, shown as the words of a table in the message's language:
# the parameter, the catalogue context and the table.
_KEYED: dict[str, tuple[str, Mapping[str, str]]] = {
    "field": ("word", _WORDS),
    "reason": ("word", _WORDS),
    "details": ("word", _WORDS),
    "what": ("what", _WHAT),
    "state": ("state", ACCOUNT_STATE_LABELS),
}

# Parameters given as French text (what a field expects, the entity of a
# lifecycle: « compte », an espace's label), translated as they are: the
# parameter and the context.
_FREE = {"expected": "expected", "entity": "kind", "espace": "espace"}


def _data(value: Any) -> Any:
    """A parameter as JSON data: numbers stay numbers, an instant is ISO 8601 with its offset."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [_data(item) for item in value]
    return str(value)


class _Words(dict[str, Any]):
    """Message parameters, in words of one language; missing ones show as "…"."""

    def __init__(
        self,
        params: Mapping[str, Any],
        language: Language,
        keyed: Mapping[str, tuple[str, Mapping[str, str]]] = _KEYED,
    ) -> None:
        super().__init__(params)
        self.language = language
        self.keyed = keyed

    def _word(self, key: str, value: Any) -> str:
        text = str(value)
        if key in _FREE:
            # Free text, French: its own msgid.
            shown = translate(self.language, text, _FREE[key])
        else:
            context, table = self.keyed[key]
            if text not in table:
                return text if self.language == "fr" else text.replace("_", " ")
            shown = translate(self.language, table[text], context)
        # A phrase may name other parameters (a maximum, the service's code).
        others = _Words({k: v for k, v in self.items() if k != key}, self.language, self.keyed)
        try:
            return shown.format_map(others)
        except (ValueError, IndexError):
            # A catalogue's stray braces are shown as written rather than failing.
            return shown

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, datetime):
            return format_instant(value, self.language)
        if (key not in self.keyed and key not in _FREE) or value is None:
            return "…" if value is None else value
        if isinstance(value, tuple | list):
            return ", ".join(self._word(key, item) for item in value)
        return self._word(key, value)

    def __missing__(self, key: str) -> str:
        return "…"


class OnboardingError(Exception):
    """Root of every error the library raises on purpose.

    A subclass sets ``code``, ``message_fr`` (the French text, the msgid of
    its translations in the catalogues) and ``category`` where its parent's
    is not the right one: ``http_status`` follows the category.
    """

    code: ClassVar[str] = "onboarding_error"
    message_fr: ClassVar[str] = N_("Erreur lors de l'inscription sur Chorus Pro.")
    category: ClassVar[ErrorCategory] = ErrorCategory.INTERNAL
    http_status: ClassVar[int] = ErrorCategory.INTERNAL.http_status
    # How key parameters read in the message: see _KEYED.
    _keyed: ClassVar[Mapping[str, tuple[str, Mapping[str, str]]]] = _KEYED

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Derived, never set by hand: a subclass naming a category gets its status.
        cls.http_status = cls.category.http_status

    def __init__(self, *, field: str | None = None, **params: Any) -> None:
        self.field = field
        self.params: Mapping[str, Any] = dict(params)
        super().__init__(self.message("fr"))

    def with_cause(self, cause: BaseException) -> Self:
        """This error, remembering ``cause`` (what ``raise ... from`` would)."""
        self.__cause__ = cause
        return self

    def at(self, field: str) -> Self:
        """This error, attributed to ``field``: for a validator used inside a form."""
        self.field = field
        return self

    def message(self, language: Language = "fr") -> str:
        """The message in ``language`` ("fr", "en" or one a host added), parameters filled in.

        Field names, reasons, kinds of record, states and expectations are
        shown in words of that language, instants in Paris time; a
        parameter the message needs but was not given shows as "…".
        """
        template = translate(language, self.message_fr)
        return template.format_map(
            _Words({**self.params, "field": self.field}, language, self._keyed)
        )

    def to_dict(self, language: Language = "fr") -> dict[str, Any]:
        """A JSON-ready view: code, field, message and parameters (as data)."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message(language),
            "params": self._params_data(),
        }

    def to_problem(
        self,
        language: Language = "fr",
        *,
        type_base: str = PROBLEM_TYPE_BASE,
        instance: str | None = None,
    ) -> dict[str, Any]:
        """The body of an ``application/problem+json`` response (RFC 9457).

        ``type`` is ``type_base`` followed by the ``code``
        (``urn:chorus-onboarding:error:login_email_taken`` by default; pass
        your own base to point at your documentation), ``title`` the
        category's summary, ``status`` the HTTP status, ``detail`` the
        message in ``language``; ``instance``, when given, identifies this
        occurrence (the request's path, a trace id). The extension members
        ``code``, ``field`` and ``params`` are those of :meth:`to_dict`; an
        :class:`InvalidForm` adds each field's own problem under ``errors``.
        """
        problem: dict[str, Any] = {
            "type": type_base + self.code,
            "title": self.category.title(language),
            "status": self.http_status,
            "detail": self.message(language),
        }
        if instance is not None:
            problem["instance"] = instance
        return {
            **problem,
            "code": self.code,
            "field": self.field,
            "params": self._params_data(),
            **self._problem_details(language, type_base),
        }

    def _params_data(self) -> dict[str, Any]:
        return {key: _data(value) for key, value in self.params.items()}

    def _problem_details(self, language: Language, type_base: str) -> dict[str, Any]:
        """Members a subclass adds to its problem."""
        return {}

    def __str__(self) -> str:
        return self.message("fr")


# --- validation ----------------------------------------------------------


class ValidationError(OnboardingError, ValueError):
    """A value that does not satisfy a rule of the portal."""

    code = "invalid_value"
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_("La valeur saisie est invalide.")


class InvalidInput(ValidationError):
    """A value of the wrong kind (not text, not a number...) or out of bounds."""

    code = "invalid_input"
    message_fr = N_("Le champ « {field} » contient une valeur inattendue ({expected} attendu).")


class RequiredField(ValidationError):
    """A mandatory field is missing or blank."""

    code = "required"
    message_fr = N_("Le champ « {field} » est obligatoire.")


class InvalidForm(ValidationError):
    """Several fields of one form failed; ``errors`` holds each of them."""

    code = "invalid_form"
    message_fr = N_("Le formulaire contient {count} erreur(s) : {details}.")

    def __init__(self, errors: Iterable[ValidationError]) -> None:
        self.errors: tuple[ValidationError, ...] = tuple(errors)
        super().__init__(
            count=len(self.errors),
            details=tuple(str(e.field) for e in self.errors),
        )

    def codes(self) -> dict[str, str]:
        """Field name to error code, the shape a web form wants."""
        return {str(e.field): e.code for e in self.errors}

    def to_dict(self, language: Language = "fr") -> dict[str, Any]:
        """The summary, plus each field's own error under ``errors``."""
        return {**super().to_dict(language), "errors": [e.to_dict(language) for e in self.errors]}

    def _problem_details(self, language: Language, type_base: str) -> dict[str, Any]:
        """Each field's own problem, under ``errors``."""
        return {"errors": [e.to_problem(language, type_base=type_base) for e in self.errors]}


class InvalidIdentifier(ValidationError):
    """An identifier of a structure (or a PACAGE number) failed its check.

    ``reason`` tells which check: ``empty``, ``length``, ``format``,
    ``checksum``, ``country`` or ``unexpected``.
    """

    code = "invalid_identifier"
    message_fr = N_("L'identifiant saisi est invalide ({reason}).")

    def __init__(self, *, reason: str, field: str | None = None, **params: Any) -> None:
        self.reason = reason
        super().__init__(field=field, reason=reason, **params)


class InvalidSiret(InvalidIdentifier):
    """A SIRET that is not 14 digits passing the Luhn check (or La Poste's rule)."""

    code = "invalid_siret"
    message_fr = N_("Le numéro SIRET est invalide ({reason}) : 14 chiffres attendus.")


class InvalidSiren(InvalidIdentifier):
    """A SIREN that is not 9 digits passing the Luhn check."""

    code = "invalid_siren"
    message_fr = N_("Le numéro SIREN est invalide ({reason}) : 9 chiffres attendus.")


class InvalidRcs(InvalidIdentifier):
    """An RCS registration that cannot be read or carries an invalid SIREN."""

    code = "invalid_rcs"
    message_fr = N_("Le numéro RCS est invalide ({reason}).")


class RcsSirenMismatch(InvalidIdentifier):
    """An RCS number whose SIREN is not the SIRET's."""

    code = "rcs_siren_mismatch"
    message_fr = N_("Le numéro RCS ne porte pas le même SIREN que le SIRET.")


class InvalidEuVat(InvalidIdentifier):
    """Not a valid VAT number of an EU member state other than France."""

    code = "invalid_eu_vat"
    message_fr = N_(
        "Le numéro de TVA intracommunautaire est invalide ({reason}) : "
        "numéro d'un État membre autre que la France attendu."
    )


class InvalidRidet(InvalidIdentifier):
    """Not a New Caledonian RIDET number."""

    code = "invalid_ridet"
    message_fr = N_("Le numéro RIDET est invalide ({reason}).")


class InvalidTahiti(InvalidIdentifier):
    """Not a French Polynesian numéro TAHITI."""

    code = "invalid_tahiti"
    message_fr = N_("Le numéro TAHITI est invalide ({reason}).")


class InvalidForeignIdentifier(InvalidIdentifier):
    """A non-EU identifier that is empty, unprintable or too long."""

    code = "invalid_foreign_identifier"
    message_fr = N_("L'identifiant hors UE est invalide ({reason}).")


class InvalidPacage(InvalidIdentifier):
    """A PACAGE number that is not 9 digits."""

    code = "invalid_pacage"
    message_fr = N_("Le numéro PACAGE est invalide ({reason}) : 9 chiffres attendus.")


class IdentifierNotExpected(InvalidIdentifier):
    """An identifier typed for a type the library numbers itself (particulier, en cours)."""

    code = "identifier_not_expected"
    message_fr = N_("Ce type d'identifiant ne se saisit pas : la plateforme l'attribue.")


class InvalidEmail(ValidationError):
    """An email address that is not syntactically valid; ``reason`` says why."""

    code = "invalid_email"
    message_fr = N_("L'adresse électronique est invalide ({reason}).")


class EmailConfirmationMismatch(ValidationError):
    """The login email typed twice does not match."""

    code = "email_confirmation_mismatch"
    message_fr = N_("Les deux adresses électroniques de connexion saisies sont différentes.")


class PurposeRequired(ValidationError):
    """No purpose checked at registration (at least one is needed)."""

    code = "purpose_required"
    message_fr = N_("Cochez au moins un objectif : déposer des demandes de paiement ou les DUME.")


class CompanyClosed(ValidationError):
    """The company register lists this establishment as closed."""

    code = "company_closed"
    message_fr = N_(
        "Cet établissement est fermé selon le répertoire SIRENE : il ne peut pas être inscrit."
    )


class SiretNotInRegister(ValidationError):
    """The company register does not know the SIRET a structure declares as its new one."""

    code = "siret_not_in_register"
    message_fr = N_("Ce SIRET est inconnu du répertoire SIRENE : vérifiez le numéro saisi.")


class SiretUnchanged(ValidationError):
    """The new SIRET declared is the structure's SIRET already."""

    code = "siret_unchanged"
    message_fr = N_("Ce SIRET est déjà celui de la structure.")


class PasswordRejected(ValidationError):
    """The password breaks the policy; ``reasons`` lists every rule it broke."""

    code = "password_rejected"
    message_fr = N_("Le mot de passe ne respecte pas les règles de sécurité : {details}.")

    def __init__(self, reasons: Iterable[str], *, field: str | None = "password") -> None:
        self.reasons: tuple[str, ...] = tuple(reasons)
        super().__init__(field=field, details=self.reasons)


class PasswordConfirmationMismatch(ValidationError):
    """The password typed twice does not match."""

    code = "password_confirmation_mismatch"
    message_fr = N_("Les deux mots de passe saisis sont différents.")


# --- state and rules -----------------------------------------------------


class InvalidTransition(OnboardingError):
    """A lifecycle move that the transition table does not allow from this state."""

    code = "invalid_transition"
    category = ErrorCategory.CONFLICT
    message_fr = N_("Action « {event} » impossible : {entity} est à l'état {from_state}.")

    def __init__(self, *, entity: str, from_state: str, event: str) -> None:
        self.entity = entity
        self.from_state = from_state
        self.event = event
        super().__init__(entity=entity, from_state=from_state, event=event)


class RuleViolation(OnboardingError):
    """A rule of the domain forbids the operation (not a typing mistake)."""

    code = "rule_violation"
    category = ErrorCategory.CONFLICT
    message_fr = N_("Opération refusée par les règles de Chorus Pro.")


class NeverActivated(RuleViolation):
    """An account deactivated before its owner activated it has no password to come back with.

    Support sends it a new activation link instead (``resend_activation``).
    """

    code = "never_activated"
    message_fr = N_("Ce compte n'a jamais été activé : envoyez-lui un nouveau lien d'activation.")


class InvitationLapsed(RuleViolation):
    """The invitation was not answered in time: ask the manager for a new one."""

    code = "invitation_lapsed"
    category = ErrorCategory.EXPIRED
    message_fr = N_(
        "Cette invitation a expiré ; demandez-en une nouvelle au gestionnaire de la structure."
    )


class PrincipalMustTransferFirst(RuleViolation):
    """The principal manager cannot leave or be detached: the role must be handed over first."""

    code = "principal_must_transfer_first"
    message_fr = N_(
        "Le gestionnaire principal ne peut pas quitter la structure : "
        "transférez d'abord ce rôle à un autre utilisateur rattaché."
    )


class TicOnAgriculturalCentre(RuleViolation):
    """TIC and the centre de gestion agricole flag exclude each other."""

    code = "tic_on_agricultural_centre"
    message_fr = N_(
        "L'espace « Demande de remboursement TIC » n'est pas disponible pour les structures "
        "typées « centre de gestion agricole »."
    )


class SiretChangeNeedsSiret(RuleViolation):
    """Only a structure identified by a SIRET changes to another SIRET."""

    code = "siret_change_needs_siret"
    message_fr = N_(
        "Seule une structure identifiée par un SIRET peut déclarer un changement de SIRET."
    )


class UnknownService(RuleViolation):
    """An espace opened (or a subscription asked) on a service the structure does not have."""

    code = "unknown_service"
    # Unlike its siblings, the service code sent is wrong, not the structure's state.
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_("La structure n'a pas de service {service}.")


class EspaceNotOpen(RuleViolation):
    """The espace is not open on the structure (in that mode or for that service)."""

    code = "espace_not_open"
    message_fr = N_("L'espace « {espace} » n'est pas ouvert sur cette structure.")


class NotAttached(RuleViolation):
    """The user has no validated attachment to the structure."""

    code = "not_attached"
    message_fr = N_("Ce compte n'est pas rattaché à la structure.")


class PrincipalRoleNeedsActiveMember(NotAttached):
    """The principal manager role goes only to an active user validly attached to the structure."""

    code = "principal_role_needs_active_member"
    message_fr = N_(
        "Le rôle de gestionnaire principal ne peut être confié qu'à un utilisateur actif "
        "rattaché à la structure."
    )


class ManagerNeedsActiveMember(NotAttached):
    """Managing rights are delegated only to an active user validly attached to the structure."""

    code = "manager_needs_active_member"
    message_fr = N_(
        "Les droits de gestionnaire ne peuvent être délégués qu'à un utilisateur actif "
        "rattaché à la structure."
    )


class AlreadyAttached(RuleViolation):
    """The user is attached already, or a request or an invitation of theirs is pending."""

    code = "already_attached"
    message_fr = N_("Ce compte est déjà rattaché à la structure, ou une demande est en attente.")


class StructureInactive(RuleViolation):
    """The structure is inactive: nothing new happens on it."""

    code = "structure_inactive"
    message_fr = N_("La structure est inactive.")


class SubscriptionExists(RuleViolation):
    """A live subscription for this espace and service exists already."""

    code = "subscription_exists"
    message_fr = N_("Un abonnement à cet espace pour ce service existe déjà (en cours ou validé).")


class PrincipalHasAllRights(RuleViolation):
    """The principal manager has every right without subscribing."""

    code = "principal_has_all_rights"
    message_fr = N_("Le gestionnaire principal a tous les droits sur la structure sans abonnement.")


class StructureNotFound(ValidationError):
    """No structure on the portal has this identifier."""

    code = "structure_not_found"
    message_fr = N_("Aucune structure ne correspond aux critères renseignés.")


class StorageUnavailable(OnboardingError):
    """The database could not be reached or refused to work: try again later."""

    code = "storage_unavailable"
    category = ErrorCategory.UNAVAILABLE
    message_fr = N_("Le service est momentanément indisponible ; réessayez dans quelques instants.")


class RegisterUnavailable(OnboardingError):
    """The company register did not answer (down, too slow, garbled, or its circuit is open).

    Raised by the registers of :mod:`chorus_onboarding.adapters.sirene_api`;
    a registration then goes on with what was typed, as the portal does, and
    ``lookup_company`` says so to the form, which asks for the name and
    address to be typed.
    """

    code = "register_unavailable"
    category = ErrorCategory.UNAVAILABLE
    message_fr = N_(
        "Le répertoire SIRENE ne répond pas : saisissez la raison sociale et l'adresse "
        "de l'établissement."
    )


class RegisterFileUnreadable(OnboardingError):
    """A SIRENE stock file, or the offline register built from it, cannot be read.

    ``params["path"]`` is the file, ``params["reason"]`` a key: ``missing_file``,
    ``missing_columns`` (not the published CSV header), ``not_utf8``,
    ``not_writable`` (the register cannot be written there) or
    ``not_a_register`` (a database no ``register load`` filled).
    """

    code = "register_file_unreadable"
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_("Le fichier « {path} » ne peut pas servir de répertoire SIRENE : {reason}.")


class DeliveryRefused(OnboardingError):
    """The mail server refused an email for good (an SMTP 5xx): retrying would not help.

    Raised by mail senders; the outbox relay sets the entry aside as a dead
    letter and goes on with the others.
    """

    code = "delivery_refused"
    message_fr = N_("Le serveur de messagerie a refusé définitivement le courriel : {reason}")


class PortRequired(OnboardingError):
    """A database-backed service was built without a real part it needs.

    The demo parts (fixed captcha, sample company register, in-memory
    mailbox, a key drawn per process) would lose emails or let anyone in:
    pass real ones, or ``demo_ports=True`` to ask for the demo on purpose.
    """

    code = "port_required"
    message_fr = N_(
        "Un service sur base de données demande « {port} » : fournissez-le, "
        "ou passez demo_ports=True pour une démonstration."
    )


_STORED_KINDS: dict[str, str] = {
    "account": NP_("kind", "compte"),
    "structure": NP_("kind", "structure"),
    "attachment": NP_("kind", "demande de rattachement"),
    "subscription": NP_("kind", "abonnement"),
    "manager_action": NP_("kind", "action de gestionnaire"),
    "support_action": NP_("kind", "action du support"),
    "outbox_event": NP_("kind", "événement à envoyer"),
}


class StoredDataUnreadable(StorageUnavailable):
    """A stored document the library cannot read back: damaged, or not written by it.

    ``params["what"]`` names the kind of row (``account``, ``structure``,
    ``attachment``, ``subscription``, ``manager_action``, ``support_action``,
    ``outbox_event``) and ``params["id"]`` the row. Unlike the database being down, trying
    again does not help: the row needs repair.
    """

    code = "stored_data_unreadable"
    # Not its parent's 503: trying again does not help, the row needs repair.
    category = ErrorCategory.INTERNAL
    message_fr = N_(
        "Donnée enregistrée illisible : {what} {id}. Signalez-le à l'administrateur du service."
    )

    # Here "what" is a kind of row, shown as a noun without its article.
    _keyed: ClassVar[Mapping[str, tuple[str, Mapping[str, str]]]] = {
        **_KEYED,
        "what": ("kind", _STORED_KINDS),
    }

    def __init__(self, *, what: str, id: str) -> None:
        super().__init__(what=what, id=id)


class SchemaOutdated(OnboardingError):
    """The database's schema is at an older revision than this version of the library.

    Raised when a service or the relay is built on it, before anything is
    read or written. ``params["revision"]`` is where the database stands,
    ``params["head"]`` the revision the library needs and
    ``params["command"]`` the command that upgrades it; the setting
    ``OnboardingSettings(upgrade_database=True)`` upgrades it instead.
    """

    code = "schema_outdated"
    message_fr = N_(
        "Le schéma de la base de données est à la révision {revision}, cette version de "
        "chorus-onboarding demande la révision {head} : sauvegardez la base puis mettez-la à "
        "jour avec « {command} » (ou le réglage upgrade_database=True)."
    )

    def __init__(self, *, revision: str, head: str, command: str) -> None:
        super().__init__(field="database", revision=revision, head=head, command=command)


class ExtraNotInstalled(OnboardingError):
    """A feature needs an optional extra of the package that is not installed."""

    code = "extra_not_installed"
    message_fr = N_(
        "Cette fonction demande l'option « {extra} » : pip install 'chorus-onboarding[{extra}]'."
    )


class NotFound(OnboardingError):
    """The thing asked for does not exist (said only to those allowed to know)."""

    code = "not_found"
    category = ErrorCategory.NOT_FOUND
    message_fr = N_("{what} introuvable.")


class AlreadyExists(OnboardingError):
    """Something unique exists already."""

    code = "already_exists"
    category = ErrorCategory.CONFLICT
    message_fr = N_("{what} existe déjà.")


class LoginEmailTaken(AlreadyExists):
    """Another account already uses this login email (whatever its case)."""

    code = "login_email_taken"
    message_fr = N_("Un compte existe déjà avec cette adresse électronique de connexion.")


class StructureAlreadyRegistered(AlreadyExists):
    """A structure with this identifier is already on the portal."""

    code = "structure_already_registered"
    message_fr = N_("La structure {identifier} est déjà inscrite sur Chorus Pro.")


class SiretTakenByAnotherStructure(StructureAlreadyRegistered):
    """The new SIRET a structure declares is already another structure's on the portal.

    The portal asks the new establishment not to be registered yet: two
    structures become one only through support, who merges them.
    """

    code = "siret_taken_by_another_structure"
    message_fr = N_(
        "Le SIRET {identifier} a déjà une structure sur Chorus Pro : demandez au support "
        "de fusionner les deux structures."
    )


class IdentifierReplaced(StructureAlreadyRegistered):
    """This SIRET was replaced by another: its structure is on the portal under ``replaced_by``.

    Refused to a new structure, and to a structure declaring it as its new
    SIRET: a replaced identifier is never given to a structure again.
    """

    code = "identifier_replaced"
    message_fr = N_(
        "Le SIRET {identifier} a été remplacé par le SIRET {replaced_by} : la structure "
        "est déjà inscrite sur Chorus Pro sous son nouveau SIRET."
    )


class Forbidden(OnboardingError):
    """The actor may not do this (or the target is not theirs to see)."""

    code = "forbidden"
    category = ErrorCategory.FORBIDDEN
    message_fr = N_("Vous n'avez pas le droit d'effectuer cette action.")


class PrincipalOnly(Forbidden):
    """Only the principal manager may do this (a delegated manager may not)."""

    code = "principal_only"
    message_fr = N_("Seul le gestionnaire principal de la structure peut effectuer cette action.")


class ManagersOnly(Forbidden):
    """Only a manager of the structure (principal or delegated) may do this."""

    code = "managers_only"
    message_fr = N_("Seuls les gestionnaires de la structure peuvent effectuer cette action.")


class MembersOnly(Forbidden):
    """Only a user attached to the structure (or support) may see its data."""

    code = "members_only"
    message_fr = N_("Seuls les utilisateurs rattachés à la structure peuvent la consulter.")


class ActorNotActive(Forbidden):
    """The acting user's account is unknown or not active: it has no right at all."""

    code = "actor_not_active"
    message_fr = N_("Seul un utilisateur dont le compte est actif peut effectuer cette action.")


class ActivationResendNotAllowed(Forbidden):
    """Only support, or a manager of a structure the user belongs to or asks to join, resends."""

    code = "activation_resend_not_allowed"
    message_fr = N_(
        "Seuls le support et les gestionnaires d'une structure à laquelle l'utilisateur est "
        "rattaché (ou demande à l'être) peuvent lui renvoyer le courriel d'activation."
    )


class ConcurrencyConflict(OnboardingError):
    """Someone else changed the same thing meanwhile: nothing was written."""

    code = "concurrency_conflict"
    category = ErrorCategory.CONFLICT
    message_fr = N_("{what} a été modifié entre-temps ; rechargez et recommencez.")


# --- authentication and tokens ---------------------------------------------


class AuthenticationFailed(OnboardingError):
    """Deliberately vague: never tells whether the login email exists."""

    code = "authentication_failed"
    # Suspended logins included: the same status as a wrong password.
    category = ErrorCategory.UNAUTHENTICATED
    message_fr = N_("Adresse électronique ou mot de passe incorrect.")


class AccountNotActive(OnboardingError):
    """Right password, but the account may not log in in its current state."""

    code = "account_not_active"
    category = ErrorCategory.FORBIDDEN
    message_fr = N_("Votre compte n'est pas actif ({state}).")


class LoginCodeRejected(OnboardingError):
    """Wrong, expired, used up or cancelled login code, or logins suspended: one answer for all."""

    code = "login_code_rejected"
    # Suspended logins included, as for a wrong password: the same status.
    category = ErrorCategory.UNAUTHENTICATED
    message_fr = N_(
        "Le code saisi est incorrect ou n'est plus valable. Saisissez le dernier code reçu, "
        "demandez-en un nouveau ou reconnectez-vous."
    )


class LoginCodeResendTooSoon(OnboardingError):
    """A new login code was asked for too soon after the last one."""

    code = "login_code_resend_too_soon"
    category = ErrorCategory.CONFLICT
    message_fr = N_(
        "Un code vient d'être envoyé : consultez votre messagerie. Vous pourrez en demander "
        "un nouveau dans {seconds} secondes."
    )


class CaptchaRejected(ValidationError):
    """The captcha answer is wrong."""

    code = "captcha_rejected"
    message_fr = N_("Les caractères saisis ne correspondent pas à l'image.")


class TokenInvalid(OnboardingError):
    """Unknown, already used or cancelled link: the same answer for all three."""

    code = "token_invalid"
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_("Ce lien n'est pas valide ou a déjà été utilisé.")


class ActivationExpired(TokenInvalid):
    """The activation link is past its deadline; a new one must be sent."""

    code = "activation_expired"
    category = ErrorCategory.EXPIRED
    message_fr = N_(
        "Activation du compte refusée : le lien a expiré le {deadline}. "
        "Contactez votre gestionnaire ou le support pour recevoir un nouveau courriel d'activation."
    )


class ResetLinkExpired(TokenInvalid):
    """The password reset link is past its deadline."""

    code = "reset_link_expired"
    category = ErrorCategory.EXPIRED
    message_fr = N_(
        "Le lien de réinitialisation du mot de passe a expiré ; recommencez la procédure."
    )


class SecretAnswerRejected(OnboardingError):
    """Wrong secret answer, unknown email or answers blocked: one answer for all."""

    code = "secret_answer_rejected"
    # Never a 429: a blocked answer must look like a wrong one (security.md).
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_(
        "La réponse à la question secrète est incorrecte, ou trop de réponses erronées "
        "ont été données : réessayez plus tard."
    )


class ChallengeInvalid(OnboardingError):
    """The forgotten-password step was not started, or too long ago."""

    code = "reset_challenge_invalid"
    category = ErrorCategory.INVALID_INPUT
    message_fr = N_(
        "La procédure « Mot de passe oublié » a expiré ou n'a pas été commencée : recommencez."
    )


class WrongCurrentPassword(ValidationError):
    """The current password given to change a setting of the account is wrong."""

    code = "wrong_current_password"
    message_fr = N_("Le mot de passe actuel saisi est incorrect.")


class ContactEmailUnchanged(ValidationError):
    """The new contact email is the one already in use."""

    code = "contact_email_unchanged"
    message_fr = N_("Cette adresse est déjà votre adresse électronique de contact.")
