"""The library's one error tree.

Every error has a stable ``code`` for programs, the ``field`` it concerns
where one applies, and a message in French (the portal's language, what
``str()`` gives) with an English one available through :meth:`message`.
Validation errors also subclass :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal, Self

Language = Literal["fr", "en"]


class OnboardingError(Exception):
    """Root of every error the library raises on purpose."""

    code: ClassVar[str] = "onboarding_error"
    message_fr: ClassVar[str] = "Erreur lors de l'inscription sur Chorus Pro."
    message_en: ClassVar[str] = "Chorus Pro onboarding error."

    def __init__(self, *, field: str | None = None, **params: Any) -> None:
        self.field = field
        self.params: Mapping[str, Any] = dict(params)
        super().__init__(self.message("fr"))

    def at(self, field: str) -> Self:
        """This error, attributed to ``field``: for a validator used inside a form."""
        self.field = field
        return self

    def message(self, language: Language = "fr") -> str:
        """The message in ``language`` ("fr" or "en"), parameters filled in."""
        template = self.message_en if language == "en" else self.message_fr
        return template.format(field=self.field, **self.params)

    def to_dict(self, language: Language = "fr") -> dict[str, Any]:
        """A JSON-ready view: code, field, message and parameters."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message(language),
            "params": {key: str(value) for key, value in self.params.items()},
        }

    def __str__(self) -> str:
        return self.message("fr")


# --- validation ----------------------------------------------------------


class ValidationError(OnboardingError, ValueError):
    """A value that does not satisfy a rule of the portal."""

    code = "invalid_value"
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
    message_fr = "Le formulaire contient {count} erreur(s) : {summary}"
    message_en = "The form has {count} error(s): {summary}"

    def __init__(self, errors: Iterable[ValidationError]) -> None:
        self.errors: tuple[ValidationError, ...] = tuple(errors)
        super().__init__(
            count=len(self.errors),
            summary=" ; ".join(f"{e.field}: {e.code}" for e in self.errors),
        )

    def codes(self) -> dict[str, str]:
        """Field name to error code, the shape a web form wants."""
        return {str(e.field): e.code for e in self.errors}


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
    code = "invalid_siret"
    message_fr = "Le numéro SIRET est invalide ({reason}) : 14 chiffres attendus."
    message_en = "The SIRET number is invalid ({reason}): 14 digits expected."


class InvalidSiren(InvalidIdentifier):
    code = "invalid_siren"
    message_fr = "Le numéro SIREN est invalide ({reason}) : 9 chiffres attendus."
    message_en = "The SIREN number is invalid ({reason}): 9 digits expected."


class InvalidRcs(InvalidIdentifier):
    code = "invalid_rcs"
    message_fr = "Le numéro RCS est invalide ({reason})."
    message_en = "The RCS number is invalid ({reason})."


class RcsSirenMismatch(InvalidIdentifier):
    code = "rcs_siren_mismatch"
    message_fr = "Le numéro RCS ne porte pas le même SIREN que le SIRET."
    message_en = "The RCS number does not carry the SIRET's SIREN."


class InvalidEuVat(InvalidIdentifier):
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
    code = "invalid_ridet"
    message_fr = "Le numéro RIDET est invalide ({reason})."
    message_en = "The RIDET number is invalid ({reason})."


class InvalidTahiti(InvalidIdentifier):
    code = "invalid_tahiti"
    message_fr = "Le numéro TAHITI est invalide ({reason})."
    message_en = "The TAHITI number is invalid ({reason})."


class InvalidForeignIdentifier(InvalidIdentifier):
    code = "invalid_foreign_identifier"
    message_fr = "L'identifiant hors UE est invalide ({reason})."
    message_en = "The non-EU identifier is invalid ({reason})."


class InvalidPacage(InvalidIdentifier):
    code = "invalid_pacage"
    message_fr = "Le numéro PACAGE est invalide ({reason}) : 9 chiffres attendus."
    message_en = "The PACAGE number is invalid ({reason}): 9 digits expected."


class IdentifierNotExpected(InvalidIdentifier):
    code = "identifier_not_expected"
    message_fr = "Ce type d'identifiant ne se saisit pas : la plateforme l'attribue."
    message_en = "This identifier type takes no typed identifier: the library assigns one."


class InvalidEmail(ValidationError):
    code = "invalid_email"
    message_fr = "L'adresse électronique est invalide ({reason})."
    message_en = "The email address is invalid ({reason})."


class EmailConfirmationMismatch(ValidationError):
    code = "email_confirmation_mismatch"
    message_fr = "Les deux adresses électroniques de connexion saisies sont différentes."
    message_en = "The login email and its confirmation differ."


class PurposeRequired(ValidationError):
    code = "purpose_required"
    message_fr = "Cochez au moins un objectif : déposer des demandes de paiement ou les DUME."
    message_en = "Check at least one purpose: payment requests or DUME."


class CompanyClosed(ValidationError):
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
        super().__init__(field=field, details=", ".join(self.reasons))


class PasswordConfirmationMismatch(ValidationError):
    code = "password_confirmation_mismatch"
    message_fr = "Les deux mots de passe saisis sont différents."
    message_en = "The password and its confirmation differ."


# --- state and rules -----------------------------------------------------


class InvalidTransition(OnboardingError):
    """A lifecycle move that the transition table does not allow from this state."""

    code = "invalid_transition"
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
    message_fr = "Opération refusée par les règles de Chorus Pro."
    message_en = "Operation refused by the Chorus Pro rules."


class NotFound(OnboardingError):
    code = "not_found"
    message_fr = "{what} introuvable."
    message_en = "{what} not found."


class AlreadyExists(OnboardingError):
    code = "already_exists"
    message_fr = "{what} existe déjà."
    message_en = "{what} already exists."


class LoginEmailTaken(AlreadyExists):
    code = "login_email_taken"
    message_fr = "Un compte existe déjà avec cette adresse électronique de connexion."
    message_en = "An account already uses this login email."


class StructureAlreadyRegistered(AlreadyExists):
    code = "structure_already_registered"
    message_fr = "La structure {identifier} est déjà inscrite sur Chorus Pro."
    message_en = "Structure {identifier} is already registered on Chorus Pro."


class Forbidden(OnboardingError):
    code = "forbidden"
    message_fr = "Vous n'avez pas le droit d'effectuer cette action."
    message_en = "You are not allowed to do this."


class ConcurrencyConflict(OnboardingError):
    code = "concurrency_conflict"
    message_fr = "{what} a été modifié entre-temps ; rechargez et recommencez."
    message_en = "{what} was changed meanwhile; reload and try again."


# --- authentication and tokens ---------------------------------------------


class AuthenticationFailed(OnboardingError):
    """Deliberately vague: never tells whether the login email exists."""

    code = "authentication_failed"
    message_fr = "Adresse électronique ou mot de passe incorrect."
    message_en = "Wrong email address or password."


class AccountNotActive(OnboardingError):
    """Right password, but the account may not log in in its current state."""

    code = "account_not_active"
    message_fr = "Votre compte n'est pas actif ({state})."
    message_en = "Your account is not active ({state})."


class CaptchaRejected(ValidationError):
    code = "captcha_rejected"
    message_fr = "Les caractères saisis ne correspondent pas à l'image."
    message_en = "The captcha answer is wrong."


class TokenInvalid(OnboardingError):
    """Unknown, already used or cancelled link: the same answer for all three."""

    code = "token_invalid"
    message_fr = "Ce lien n'est pas valide ou a déjà été utilisé."
    message_en = "This link is invalid or was already used."


class ActivationExpired(TokenInvalid):
    code = "activation_expired"
    message_fr = (
        "Activation du compte refusée : le lien a expiré le {deadline}. "
        "Contactez votre gestionnaire ou le support pour recevoir un nouveau courriel d'activation."
    )
    message_en = (
        "Account activation refused: the link expired on {deadline}. "
        "Ask your manager or support for a new activation email."
    )


class ResetLinkExpired(TokenInvalid):
    code = "reset_link_expired"
    message_fr = "Le lien de réinitialisation du mot de passe a expiré ; recommencez la procédure."
    message_en = "The password reset link has expired; start again."


class SecretAnswerRejected(OnboardingError):
    code = "secret_answer_rejected"
    message_fr = "La réponse à la question secrète est incorrecte."
    message_en = "The answer to the secret question is wrong."


class TooManyAttempts(OnboardingError):
    code = "too_many_attempts"
    message_fr = "Trop de tentatives : réessayez après le {until}."
    message_en = "Too many attempts: try again after {until}."
