"""The library's one error tree.

Every error has a stable ``code`` for programs, the ``field`` it concerns
where one applies, and a message in French (the portal's language, what
``str()`` gives) with an English one available through :meth:`message`.
Each class also has a :class:`ErrorCategory`, and from it an HTTP status:
:meth:`OnboardingError.to_problem` is the RFC 9457 body of a web response.
Validation errors also subclass :class:`ValueError`.

Parameters are data (text, numbers, aware datetimes): the message shows them
in words of its language when it is read, an instant in Paris time.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo

Language = Literal["fr", "en"]

# The portal's time zone: messages show instants in it.
_PARIS = ZoneInfo("Europe/Paris")


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
        french, english = _TITLES[self]
        return english if language == "en" else french


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
_TITLES: dict[ErrorCategory, tuple[str, str]] = {
    ErrorCategory.INVALID_INPUT: ("Saisie invalide", "Invalid input"),
    ErrorCategory.UNAUTHENTICATED: ("Identification refusée", "Authentication failed"),
    ErrorCategory.FORBIDDEN: ("Action non autorisée", "Not allowed"),
    ErrorCategory.NOT_FOUND: ("Introuvable", "Not found"),
    ErrorCategory.CONFLICT: ("Action impossible en l'état", "Conflict with the current state"),
    ErrorCategory.EXPIRED: ("Délai dépassé", "Expired"),
    ErrorCategory.UNAVAILABLE: ("Service indisponible", "Service unavailable"),
    ErrorCategory.INTERNAL: ("Erreur du service", "Server error"),
}

PROBLEM_TYPE_BASE = "urn:chorus-onboarding:error:"
"""The default start of a problem's ``type``: the error's ``code`` follows it."""


_WORDS_FR: dict[str, str] = {
    # fields
    "login_email": "adresse électronique de connexion",
    "login_email_confirmation": "confirmation de l'adresse de connexion",
    "last_name": "nom",
    "first_name": "prénom",
    "contact_email": "adresse électronique de contact",
    "survey_consent": "consentement à l'enquête de satisfaction",
    "company_name": "raison sociale",
    "street": "adresse",
    "complement": "complément d'adresse",
    "postal_code": "code postal",
    "city": "ville",
    "country": "pays",
    "purposes": "objectifs de l'inscription",
    "espaces": "espaces",
    "espace": "espace",
    "categorie_prestataire": "catégorie de prestataire",
    "categorie_beneficiaire": "catégorie de bénéficiaire",
    "pacage": "numéro PACAGE",
    "password": "mot de passe",
    "password_confirmation": "confirmation du mot de passe",
    "current_password": "mot de passe actuel",
    "secret_question": "question secrète",
    "secret_answer": "réponse à la question secrète",
    "identifier": "identifiant",
    "identifier_type": "type d'identifiant",
    "account_id": "compte",
    "token": "lien",
    "challenge": "procédure « Mot de passe oublié »",
    "rcs": "numéro RCS",
    "siret": "numéro SIRET",
    "captcha": "caractères de l'image (captcha)",
    "names": "noms",
    "limit": "limite",
    "settings": "réglages",
    "form": "formulaire",
    "status": "statut",
    "label": "libellé",
    "address": "adresse",
    "service": "service",
    "services": "services",
    "structure_id": "structure",
    "attachment_id": "demande de rattachement",
    "attachment_ids": "demandes de rattachement",
    "subscription_id": "abonnement",
    "habilitation": "habilitation",
    "request_date": "date de la demande",
    "comment": "commentaire",
    "reason": "motif",
    "grants": "droits accordés",
    "agricultural_centre": "centre de gestion agricole",
    "consultation": "consultation",
    "modification": "modification",
    "name": "nom",
    # reasons
    "type": "valeur qui n'est pas du texte",
    "empty": "valeur vide",
    "length": "longueur",
    "checksum": "clé de contrôle",
    "unexpected": "valeur inattendue",
    "domain": "nom de domaine",
    "local_part": "partie avant le @",
    "mismatch": "SIREN différent",
    # password rules
    "too_short": "trop court",
    "too_long": "trop long",
    "not_enough_groups": "moins de 3 types de caractères",
    "contains_login_email": "contient l'adresse de connexion",
    "common_password": "mot de passe trop courant",
    "control_character": "caractère de contrôle",
}
_TRANSLATED = frozenset({"field", "reason", "details", "expected"})


def _data(value: Any) -> Any:
    """A parameter as JSON data: numbers stay numbers, an instant is ISO 8601 with its offset."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [_data(item) for item in value]
    return str(value)


def _instant(value: datetime, language: Language) -> str:
    # As the portal shows a deadline, and as the emails do (notifications' local_time).
    local = value.astimezone(_PARIS)
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    if language == "en":
        return f"{local:%d/%m/%Y %H:%M:%S} (Paris time, UTC{hours:+d})"
    return f"{local:%d/%m/%Y %H:%M:%S} (heure locale France métropolitaine, GMT{hours:+d})"


class _Words(dict[str, Any]):
    """Message parameters, in words of one language; missing ones show as "…"."""

    def __init__(self, params: Mapping[str, Any], language: Language) -> None:
        super().__init__(params)
        self.language = language

    def _word(self, value: Any) -> str:
        text = str(value)
        if self.language == "fr":
            return _WORDS_FR.get(text, text)
        return text.replace("_", " ")

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, datetime):
            return _instant(value, self.language)
        if key not in _TRANSLATED or value is None:
            return "…" if value is None else value
        if isinstance(value, tuple | list):
            return ", ".join(self._word(item) for item in value)
        return self._word(value)

    def __missing__(self, key: str) -> str:
        return "…"


class OnboardingError(Exception):
    """Root of every error the library raises on purpose.

    A subclass sets ``code``, ``message_fr`` and ``message_en``, and
    ``category`` where its parent's is not the right one: ``http_status``
    follows the category.
    """

    code: ClassVar[str] = "onboarding_error"
    message_fr: ClassVar[str] = "Erreur lors de l'inscription sur Chorus Pro."
    message_en: ClassVar[str] = "Chorus Pro onboarding error."
    category: ClassVar[ErrorCategory] = ErrorCategory.INTERNAL
    http_status: ClassVar[int] = ErrorCategory.INTERNAL.http_status

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
        """The message in ``language`` ("fr" or "en"), parameters filled in.

        Field names and reasons are shown in words of that language; a
        parameter the message needs but was not given shows as "…".
        """
        template = self.message_en if language == "en" else self.message_fr
        return template.format_map(_Words({**self.params, "field": self.field}, language))

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
    message_fr = "La valeur saisie est invalide."
    message_en = "The value is invalid."


class InvalidInput(ValidationError):
    """A value of the wrong kind (not text, not a number...) or out of bounds."""

    code = "invalid_input"
    message_fr = "Le champ « {field} » contient une valeur inattendue ({expected} attendu)."
    message_en = "Field '{field}' holds an unexpected value ({expected} expected)."


class RequiredField(ValidationError):
    """A mandatory field is missing or blank."""

    code = "required"
    message_fr = "Le champ « {field} » est obligatoire."
    message_en = "Field '{field}' is required."


class InvalidForm(ValidationError):
    """Several fields of one form failed; ``errors`` holds each of them."""

    code = "invalid_form"
    message_fr = "Le formulaire contient {count} erreur(s) : {details}."
    message_en = "The form has {count} error(s): {details}."

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
    message_fr = "L'identifiant saisi est invalide ({reason})."
    message_en = "The identifier is invalid ({reason})."

    def __init__(self, *, reason: str, field: str | None = None, **params: Any) -> None:
        self.reason = reason
        super().__init__(field=field, reason=reason, **params)


class InvalidSiret(InvalidIdentifier):
    """A SIRET that is not 14 digits passing the Luhn check (or La Poste's rule)."""

    code = "invalid_siret"
    message_fr = "Le numéro SIRET est invalide ({reason}) : 14 chiffres attendus."
    message_en = "The SIRET number is invalid ({reason}): 14 digits expected."


class InvalidSiren(InvalidIdentifier):
    """A SIREN that is not 9 digits passing the Luhn check."""

    code = "invalid_siren"
    message_fr = "Le numéro SIREN est invalide ({reason}) : 9 chiffres attendus."
    message_en = "The SIREN number is invalid ({reason}): 9 digits expected."


class InvalidRcs(InvalidIdentifier):
    """An RCS registration that cannot be read or carries an invalid SIREN."""

    code = "invalid_rcs"
    message_fr = "Le numéro RCS est invalide ({reason})."
    message_en = "The RCS number is invalid ({reason})."


class RcsSirenMismatch(InvalidIdentifier):
    """An RCS number whose SIREN is not the SIRET's."""

    code = "rcs_siren_mismatch"
    message_fr = "Le numéro RCS ne porte pas le même SIREN que le SIRET."
    message_en = "The RCS number does not carry the SIRET's SIREN."


class InvalidEuVat(InvalidIdentifier):
    """Not a valid VAT number of an EU member state other than France."""

    code = "invalid_eu_vat"
    message_fr = (
        "Le numéro de TVA intracommunautaire est invalide ({reason}) : "
        "numéro d'un État membre autre que la France attendu."
    )
    message_en = (
        "The EU VAT number is invalid ({reason}): "
        "a number of a member state other than France is expected."
    )


class InvalidRidet(InvalidIdentifier):
    """Not a New Caledonian RIDET number."""

    code = "invalid_ridet"
    message_fr = "Le numéro RIDET est invalide ({reason})."
    message_en = "The RIDET number is invalid ({reason})."


class InvalidTahiti(InvalidIdentifier):
    """Not a French Polynesian numéro TAHITI."""

    code = "invalid_tahiti"
    message_fr = "Le numéro TAHITI est invalide ({reason})."
    message_en = "The TAHITI number is invalid ({reason})."


class InvalidForeignIdentifier(InvalidIdentifier):
    """A non-EU identifier that is empty, unprintable or too long."""

    code = "invalid_foreign_identifier"
    message_fr = "L'identifiant hors UE est invalide ({reason})."
    message_en = "The non-EU identifier is invalid ({reason})."


class InvalidPacage(InvalidIdentifier):
    """A PACAGE number that is not 9 digits."""

    code = "invalid_pacage"
    message_fr = "Le numéro PACAGE est invalide ({reason}) : 9 chiffres attendus."
    message_en = "The PACAGE number is invalid ({reason}): 9 digits expected."


class IdentifierNotExpected(InvalidIdentifier):
    """An identifier typed for a type the library numbers itself (particulier, en cours)."""

    code = "identifier_not_expected"
    message_fr = "Ce type d'identifiant ne se saisit pas : la plateforme l'attribue."
    message_en = "This identifier type takes no typed identifier: the library assigns one."


class InvalidEmail(ValidationError):
    """An email address that is not syntactically valid; ``reason`` says why."""

    code = "invalid_email"
    message_fr = "L'adresse électronique est invalide ({reason})."
    message_en = "The email address is invalid ({reason})."


class EmailConfirmationMismatch(ValidationError):
    """The login email typed twice does not match."""

    code = "email_confirmation_mismatch"
    message_fr = "Les deux adresses électroniques de connexion saisies sont différentes."
    message_en = "The login email and its confirmation differ."


class PurposeRequired(ValidationError):
    """No purpose checked at registration (at least one is needed)."""

    code = "purpose_required"
    message_fr = "Cochez au moins un objectif : déposer des demandes de paiement ou les DUME."
    message_en = "Check at least one purpose: payment requests or DUME."


class CompanyClosed(ValidationError):
    """The company register lists this establishment as closed."""

    code = "company_closed"
    message_fr = (
        "Cet établissement est fermé selon le répertoire SIRENE : il ne peut pas être inscrit."
    )
    message_en = "This establishment is closed according to SIRENE: it cannot be registered."


class PasswordRejected(ValidationError):
    """The password breaks the policy; ``reasons`` lists every rule it broke."""

    code = "password_rejected"
    message_fr = "Le mot de passe ne respecte pas les règles de sécurité : {details}."
    message_en = "The password breaks the security rules: {details}."

    def __init__(self, reasons: Iterable[str], *, field: str | None = "password") -> None:
        self.reasons: tuple[str, ...] = tuple(reasons)
        super().__init__(field=field, details=self.reasons)


class PasswordConfirmationMismatch(ValidationError):
    """The password typed twice does not match."""

    code = "password_confirmation_mismatch"
    message_fr = "Les deux mots de passe saisis sont différents."
    message_en = "The password and its confirmation differ."


# --- state and rules -----------------------------------------------------


class InvalidTransition(OnboardingError):
    """A lifecycle move that the transition table does not allow from this state."""

    code = "invalid_transition"
    category = ErrorCategory.CONFLICT
    message_fr = "Action « {event} » impossible : {entity} est à l'état {from_state}."
    message_en = "Action '{event}' is not allowed: {entity} is in state {from_state}."

    def __init__(self, *, entity: str, from_state: str, event: str) -> None:
        self.entity = entity
        self.from_state = from_state
        self.event = event
        super().__init__(entity=entity, from_state=from_state, event=event)


class RuleViolation(OnboardingError):
    """A rule of the domain forbids the operation (not a typing mistake)."""

    code = "rule_violation"
    category = ErrorCategory.CONFLICT
    message_fr = "Opération refusée par les règles de Chorus Pro."
    message_en = "Operation refused by the Chorus Pro rules."


class InvitationLapsed(RuleViolation):
    """The invitation was not answered in time: ask the manager for a new one."""

    code = "invitation_lapsed"
    category = ErrorCategory.EXPIRED
    message_fr = (
        "Cette invitation a expiré ; demandez-en une nouvelle au gestionnaire de la structure."
    )
    message_en = "This invitation has expired; ask the structure's manager for a new one."


class PrincipalMustTransferFirst(RuleViolation):
    """The principal manager cannot leave or be detached: the role must be handed over first."""

    code = "principal_must_transfer_first"
    message_fr = (
        "Le gestionnaire principal ne peut pas quitter la structure : "
        "transférez d'abord ce rôle à un autre utilisateur rattaché."
    )
    message_en = (
        "The principal manager cannot leave the structure: hand the role to another "
        "attached user first."
    )


class TicOnAgriculturalCentre(RuleViolation):
    """TIC and the centre de gestion agricole flag exclude each other."""

    code = "tic_on_agricultural_centre"
    message_fr = (
        "L'espace « Demande de remboursement TIC » n'est pas disponible pour les structures "
        "typées « centre de gestion agricole »."
    )
    message_en = "The TIC refund espace is not available on an agricultural management centre."


class UnknownService(RuleViolation):
    """An espace opened (or a subscription asked) on a service the structure does not have."""

    code = "unknown_service"
    # Unlike its siblings, the service code sent is wrong, not the structure's state.
    category = ErrorCategory.INVALID_INPUT
    message_fr = "La structure n'a pas de service {service}."
    message_en = "The structure has no service {service}."


class EspaceNotOpen(RuleViolation):
    """The espace is not open on the structure (in that mode or for that service)."""

    code = "espace_not_open"
    message_fr = "L'espace « {espace} » n'est pas ouvert sur cette structure."
    message_en = "Espace '{espace}' is not open on this structure."


class NotAttached(RuleViolation):
    """The user has no validated attachment to the structure."""

    code = "not_attached"
    message_fr = "Ce compte n'est pas rattaché à la structure."
    message_en = "This account is not attached to the structure."


class PrincipalRoleNeedsActiveMember(NotAttached):
    """The principal manager role goes only to an active user validly attached to the structure."""

    code = "principal_role_needs_active_member"
    message_fr = (
        "Le rôle de gestionnaire principal ne peut être confié qu'à un utilisateur actif "
        "rattaché à la structure."
    )
    message_en = (
        "The principal manager role can only go to an active user attached to the structure."
    )


class ManagerNeedsActiveMember(NotAttached):
    """Managing rights are delegated only to an active user validly attached to the structure."""

    code = "manager_needs_active_member"
    message_fr = (
        "Les droits de gestionnaire ne peuvent être délégués qu'à un utilisateur actif "
        "rattaché à la structure."
    )
    message_en = (
        "Managing rights can only be delegated to an active user attached to the structure."
    )


class AlreadyAttached(RuleViolation):
    """The user is attached already, or a request or an invitation of theirs is pending."""

    code = "already_attached"
    message_fr = "Ce compte est déjà rattaché à la structure, ou une demande est en attente."
    message_en = "This account is attached already, or a request is pending."


class StructureInactive(RuleViolation):
    """The structure is inactive: nothing new happens on it."""

    code = "structure_inactive"
    message_fr = "La structure est inactive."
    message_en = "The structure is inactive."


class SubscriptionExists(RuleViolation):
    """A live subscription for this espace and service exists already."""

    code = "subscription_exists"
    message_fr = "Un abonnement à cet espace pour ce service existe déjà (en cours ou validé)."
    message_en = "A subscription to this espace for this service exists already."


class PrincipalHasAllRights(RuleViolation):
    """The principal manager has every right without subscribing."""

    code = "principal_has_all_rights"
    message_fr = "Le gestionnaire principal a tous les droits sur la structure sans abonnement."
    message_en = "The principal manager has every right on the structure without subscribing."


class StructureNotFound(ValidationError):
    """No structure on the portal has this identifier."""

    code = "structure_not_found"
    message_fr = "Aucune structure ne correspond aux critères renseignés."
    message_en = "No structure matches the criteria."


class StorageUnavailable(OnboardingError):
    """The database could not be reached or refused to work: try again later."""

    code = "storage_unavailable"
    category = ErrorCategory.UNAVAILABLE
    message_fr = "Le service est momentanément indisponible ; réessayez dans quelques instants."
    message_en = "The service is unavailable for a moment; try again shortly."


class DeliveryRefused(OnboardingError):
    """The mail server refused an email for good (an SMTP 5xx): retrying would not help.

    Raised by mail senders; the outbox relay sets the entry aside as a dead
    letter and goes on with the others.
    """

    code = "delivery_refused"
    message_fr = "Le serveur de messagerie a refusé définitivement le courriel : {reason}"
    message_en = "The mail server refused the email for good: {reason}"


class PortRequired(OnboardingError):
    """A database-backed service was built without a real part it needs.

    The demo parts (fixed captcha, sample company register, in-memory
    mailbox, a key drawn per process) would lose emails or let anyone in:
    pass real ones, or ``demo_ports=True`` to ask for the demo on purpose.
    """

    code = "port_required"
    message_fr = (
        "Un service sur base de données demande « {port} » : fournissez-le, "
        "ou passez demo_ports=True pour une démonstration."
    )
    message_en = "A database-backed service needs '{port}': pass it, or demo_ports=True for a demo."


_STORED_KINDS_FR: dict[str, str] = {
    "account": "compte",
    "structure": "structure",
    "attachment": "demande de rattachement",
    "subscription": "abonnement",
    "manager_action": "action de gestionnaire",
    "outbox_event": "événement à envoyer",
}


class StoredDataUnreadable(StorageUnavailable):
    """A stored document the library cannot read back: damaged, or not written by it.

    ``params["what"]`` names the kind of row (``account``, ``structure``,
    ``attachment``, ``subscription``, ``manager_action``, ``outbox_event``)
    and ``params["id"]`` the row. Unlike the database being down, trying
    again does not help: the row needs repair.
    """

    code = "stored_data_unreadable"
    # Not its parent's 503: trying again does not help, the row needs repair.
    category = ErrorCategory.INTERNAL
    message_fr = (
        "Donnée enregistrée illisible : {what} {id}. Signalez-le à l'administrateur du service."
    )
    message_en = "Unreadable stored data: {what} {id}. Report it to the service's administrator."

    def __init__(self, *, what: str, id: str) -> None:
        super().__init__(what=what, id=id)

    def message(self, language: Language = "fr") -> str:
        """The message in ``language``, the kind of row named in words of that language."""
        what = str(self.params.get("what"))
        shown = _STORED_KINDS_FR.get(what, what) if language == "fr" else what.replace("_", " ")
        template = self.message_en if language == "en" else self.message_fr
        return template.format_map(
            _Words({**self.params, "what": shown, "field": self.field}, language)
        )


class SchemaOutdated(OnboardingError):
    """The database's schema is at an older revision than this version of the library.

    Raised when a service or the relay is built on it, before anything is
    read or written. ``params["revision"]`` is where the database stands,
    ``params["head"]`` the revision the library needs and
    ``params["command"]`` the command that upgrades it; the setting
    ``OnboardingSettings(upgrade_database=True)`` upgrades it instead.
    """

    code = "schema_outdated"
    message_fr = (
        "Le schéma de la base de données est à la révision {revision}, cette version de "
        "chorus-onboarding demande la révision {head} : sauvegardez la base puis mettez-la à "
        "jour avec « {command} » (ou le réglage upgrade_database=True)."
    )
    message_en = (
        "The database's schema is at revision {revision}, this version of chorus-onboarding "
        "needs revision {head}: back the database up, then upgrade it with '{command}' "
        "(or the setting upgrade_database=True)."
    )

    def __init__(self, *, revision: str, head: str, command: str) -> None:
        super().__init__(field="database", revision=revision, head=head, command=command)


class ExtraNotInstalled(OnboardingError):
    """A feature needs an optional extra of the package that is not installed."""

    code = "extra_not_installed"
    message_fr = (
        "Cette fonction demande l'option « {extra} » : pip install 'chorus-onboarding[{extra}]'."
    )
    message_en = "This needs the '{extra}' extra: pip install 'chorus-onboarding[{extra}]'."


class NotFound(OnboardingError):
    """The thing asked for does not exist (said only to those allowed to know)."""

    code = "not_found"
    category = ErrorCategory.NOT_FOUND
    message_fr = "{what} introuvable."
    message_en = "{what} not found."


class AlreadyExists(OnboardingError):
    """Something unique exists already."""

    code = "already_exists"
    category = ErrorCategory.CONFLICT
    message_fr = "{what} existe déjà."
    message_en = "{what} already exists."


class LoginEmailTaken(AlreadyExists):
    """Another account already uses this login email (whatever its case)."""

    code = "login_email_taken"
    message_fr = "Un compte existe déjà avec cette adresse électronique de connexion."
    message_en = "An account already uses this login email."


class StructureAlreadyRegistered(AlreadyExists):
    """A structure with this identifier is already on the portal."""

    code = "structure_already_registered"
    message_fr = "La structure {identifier} est déjà inscrite sur Chorus Pro."
    message_en = "Structure {identifier} is already registered on Chorus Pro."


class Forbidden(OnboardingError):
    """The actor may not do this (or the target is not theirs to see)."""

    code = "forbidden"
    category = ErrorCategory.FORBIDDEN
    message_fr = "Vous n'avez pas le droit d'effectuer cette action."
    message_en = "You are not allowed to do this."


class PrincipalOnly(Forbidden):
    """Only the principal manager may do this (a delegated manager may not)."""

    code = "principal_only"
    message_fr = "Seul le gestionnaire principal de la structure peut effectuer cette action."
    message_en = "Only the structure's principal manager can do this."


class ManagersOnly(Forbidden):
    """Only a manager of the structure (principal or delegated) may do this."""

    code = "managers_only"
    message_fr = "Seuls les gestionnaires de la structure peuvent effectuer cette action."
    message_en = "Only the structure's managers can do this."


class MembersOnly(Forbidden):
    """Only a user attached to the structure (or support) may see its data."""

    code = "members_only"
    message_fr = "Seuls les utilisateurs rattachés à la structure peuvent la consulter."
    message_en = "Only users attached to the structure can see it."


class ActorNotActive(Forbidden):
    """The acting user's account is unknown or not active: it has no right at all."""

    code = "actor_not_active"
    message_fr = "Seul un utilisateur dont le compte est actif peut effectuer cette action."
    message_en = "Only a user whose account is active can do this."


class ActivationResendNotAllowed(Forbidden):
    """Only support, or a manager of a structure the user belongs to or asks to join, resends."""

    code = "activation_resend_not_allowed"
    message_fr = (
        "Seuls le support et les gestionnaires d'une structure à laquelle l'utilisateur est "
        "rattaché (ou demande à l'être) peuvent lui renvoyer le courriel d'activation."
    )
    message_en = (
        "Only support, or a manager of a structure the user belongs to (or asks to join), "
        "can resend the activation email."
    )


class ConcurrencyConflict(OnboardingError):
    """Someone else changed the same thing meanwhile: nothing was written."""

    code = "concurrency_conflict"
    category = ErrorCategory.CONFLICT
    message_fr = "{what} a été modifié entre-temps ; rechargez et recommencez."
    message_en = "{what} was changed meanwhile; reload and try again."


# --- authentication and tokens ---------------------------------------------


class AuthenticationFailed(OnboardingError):
    """Deliberately vague: never tells whether the login email exists."""

    code = "authentication_failed"
    # Suspended logins included: the same status as a wrong password.
    category = ErrorCategory.UNAUTHENTICATED
    message_fr = "Adresse électronique ou mot de passe incorrect."
    message_en = "Wrong email address or password."


class AccountNotActive(OnboardingError):
    """Right password, but the account may not log in in its current state."""

    code = "account_not_active"
    category = ErrorCategory.FORBIDDEN
    message_fr = "Votre compte n'est pas actif ({state})."
    message_en = "Your account is not active ({state})."


class CaptchaRejected(ValidationError):
    """The captcha answer is wrong."""

    code = "captcha_rejected"
    message_fr = "Les caractères saisis ne correspondent pas à l'image."
    message_en = "The captcha answer is wrong."


class TokenInvalid(OnboardingError):
    """Unknown, already used or cancelled link: the same answer for all three."""

    code = "token_invalid"
    category = ErrorCategory.INVALID_INPUT
    message_fr = "Ce lien n'est pas valide ou a déjà été utilisé."
    message_en = "This link is invalid or was already used."


class ActivationExpired(TokenInvalid):
    """The activation link is past its deadline; a new one must be sent."""

    code = "activation_expired"
    category = ErrorCategory.EXPIRED
    message_fr = (
        "Activation du compte refusée : le lien a expiré le {deadline}. "
        "Contactez votre gestionnaire ou le support pour recevoir un nouveau courriel d'activation."
    )
    message_en = (
        "Account activation refused: the link expired on {deadline}. "
        "Ask your manager or support for a new activation email."
    )


class ResetLinkExpired(TokenInvalid):
    """The password reset link is past its deadline."""

    code = "reset_link_expired"
    category = ErrorCategory.EXPIRED
    message_fr = "Le lien de réinitialisation du mot de passe a expiré ; recommencez la procédure."
    message_en = "The password reset link has expired; start again."


class SecretAnswerRejected(OnboardingError):
    """Wrong secret answer, unknown email or answers blocked: one answer for all."""

    code = "secret_answer_rejected"
    # Never a 429: a blocked answer must look like a wrong one (security.md).
    category = ErrorCategory.INVALID_INPUT
    message_fr = (
        "La réponse à la question secrète est incorrecte, ou trop de réponses erronées "
        "ont été données : réessayez plus tard."
    )
    message_en = "The answer is wrong, or too many wrong answers were given: try again later."


class ChallengeInvalid(OnboardingError):
    """The forgotten-password step was not started, or too long ago."""

    code = "reset_challenge_invalid"
    category = ErrorCategory.INVALID_INPUT
    message_fr = (
        "La procédure « Mot de passe oublié » a expiré ou n'a pas été commencée : recommencez."
    )
    message_en = "The forgotten-password procedure expired or was not started: start again."


class WrongCurrentPassword(ValidationError):
    """The current password given to change a setting of the account is wrong."""

    code = "wrong_current_password"
    message_fr = "Le mot de passe actuel saisi est incorrect."
    message_en = "The current password is wrong."


class ContactEmailUnchanged(ValidationError):
    """The new contact email is the one already in use."""

    code = "contact_email_unchanged"
    message_fr = "Cette adresse est déjà votre adresse électronique de contact."
    message_en = "This address already is your contact email."
