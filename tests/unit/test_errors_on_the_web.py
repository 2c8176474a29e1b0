"""Every error has a category and an HTTP status, an RFC 9457 body, and parameters that are data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chorus_onboarding import errors
from chorus_onboarding.domain.errors import PROBLEM_TYPE_BASE
from chorus_onboarding.errors import (
    ActivationExpired,
    AlreadyExists,
    AuthenticationFailed,
    ErrorCategory,
    Forbidden,
    InvalidForm,
    InvalidSiret,
    LoginEmailTaken,
    NotFound,
    OnboardingError,
    RequiredField,
    RuleViolation,
    SecretAnswerRejected,
    StorageUnavailable,
    StoredDataUnreadable,
    UnknownService,
    ValidationError,
)
from chorus_onboarding.testing.world import World

ERROR_CLASSES = [
    value
    for value in (getattr(errors, name) for name in errors.__all__)
    if isinstance(value, type) and issubclass(value, OnboardingError)
]

# The classes that name a category; every other one takes its parent's.
CATEGORIES = {
    "OnboardingError": ErrorCategory.INTERNAL,
    "ValidationError": ErrorCategory.INVALID_INPUT,
    "InvalidTransition": ErrorCategory.CONFLICT,
    "RuleViolation": ErrorCategory.CONFLICT,
    "InvitationLapsed": ErrorCategory.EXPIRED,
    "UnknownService": ErrorCategory.INVALID_INPUT,
    "StorageUnavailable": ErrorCategory.UNAVAILABLE,
    "StoredDataUnreadable": ErrorCategory.INTERNAL,
    "RegisterUnavailable": ErrorCategory.UNAVAILABLE,
    "RegisterFileUnreadable": ErrorCategory.INVALID_INPUT,
    "NotFound": ErrorCategory.NOT_FOUND,
    "AlreadyExists": ErrorCategory.CONFLICT,
    "Forbidden": ErrorCategory.FORBIDDEN,
    "ConcurrencyConflict": ErrorCategory.CONFLICT,
    "AuthenticationFailed": ErrorCategory.UNAUTHENTICATED,
    "AccountNotActive": ErrorCategory.FORBIDDEN,
    "LoginCodeRejected": ErrorCategory.UNAUTHENTICATED,
    "LoginCodeResendTooSoon": ErrorCategory.CONFLICT,
    "TokenInvalid": ErrorCategory.INVALID_INPUT,
    "ActivationExpired": ErrorCategory.EXPIRED,
    "ResetLinkExpired": ErrorCategory.EXPIRED,
    "SecretAnswerRejected": ErrorCategory.INVALID_INPUT,
    "ChallengeInvalid": ErrorCategory.INVALID_INPUT,
}


@pytest.mark.parametrize("error", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_has_a_category_and_the_status_that_follows_from_it(
    error: type[OnboardingError],
) -> None:
    assert isinstance(error.category, ErrorCategory)
    assert error.http_status == error.category.http_status
    if error is OnboardingError or error.__name__ in CATEGORIES:
        assert error.category is CATEGORIES[error.__name__]
    else:
        assert (
            error.category
            is next(base for base in error.__bases__ if issubclass(base, OnboardingError)).category
        )


def test_the_categories_say_themselves_with_these_statuses() -> None:
    assert {category.name: category.http_status for category in ErrorCategory} == {
        "INVALID_INPUT": 422,
        "UNAUTHENTICATED": 401,
        "FORBIDDEN": 403,
        "NOT_FOUND": 404,
        "CONFLICT": 409,
        "EXPIRED": 410,
        "UNAVAILABLE": 503,
        "INTERNAL": 500,
    }
    assert all(category.title("fr") and category.title("en") for category in ErrorCategory)


def test_the_usual_refusals_have_the_statuses_a_web_client_expects() -> None:
    assert InvalidSiret.http_status == RequiredField.http_status == 422
    assert AuthenticationFailed.http_status == 401
    assert Forbidden.http_status == 403
    assert NotFound.http_status == 404
    assert LoginEmailTaken.http_status == AlreadyExists.http_status == RuleViolation.http_status
    assert LoginEmailTaken.http_status == 409
    assert ActivationExpired.http_status == 410
    assert StorageUnavailable.http_status == 503
    # Exceptions to their parent's, on purpose:
    assert UnknownService.http_status == 422
    assert StoredDataUnreadable.http_status == 500
    # A blocked answer looks like a wrong one: never a 429.
    assert SecretAnswerRejected.http_status == 422


def test_a_subclass_inherits_its_status_unless_it_names_another_category() -> None:
    class HostRefusal(Forbidden):
        code = "host_refusal"

    class HostBusy(HostRefusal):
        code = "host_busy"
        category = ErrorCategory.UNAVAILABLE

    assert (HostRefusal.http_status, HostRefusal().http_status) == (403, 403)
    assert (HostBusy.http_status, HostBusy().to_problem()["status"]) == (503, 503)
    assert HostRefusal.http_status == 403  # the subclass changed nothing above it


def test_the_problem_has_the_members_of_rfc_9457_and_the_error_s_own() -> None:
    error = InvalidSiret(reason="checksum", field="siret")
    assert error.to_problem() == {
        "type": "urn:chorus-onboarding:error:invalid_siret",
        "title": "Saisie invalide",
        "status": 422,
        "detail": "Le numéro SIRET est invalide (clé de contrôle) : 14 chiffres attendus.",
        "code": "invalid_siret",
        "field": "siret",
        "params": {"reason": "checksum"},
    }
    english = error.to_problem("en", type_base="https://exemple.fr/erreurs/", instance="/x/1")
    assert english["type"] == "https://exemple.fr/erreurs/invalid_siret"
    assert (english["title"], english["instance"]) == ("Invalid input", "/x/1")
    assert english["detail"] == error.message("en")
    assert PROBLEM_TYPE_BASE == "urn:chorus-onboarding:error:"


def test_a_form_s_problem_holds_each_field_s_problem() -> None:
    form = InvalidForm(
        [RequiredField(field="first_name"), InvalidSiret(reason="length", field="siret")]
    )
    problem = form.to_problem("en", type_base="tag:exemple.fr,2018:")
    assert (problem["status"], problem["params"]) == (
        422,
        {"count": 2, "details": ["first_name", "siret"]},
    )
    assert [(each["type"], each["field"], each["status"]) for each in problem["errors"]] == [
        ("tag:exemple.fr,2018:required", "first_name", 422),
        ("tag:exemple.fr,2018:invalid_siret", "siret", 422),
    ]
    assert problem["errors"][0]["detail"] == "Field 'first name' is required."


def test_parameters_are_data_numbers_stay_numbers_instants_are_iso_8601() -> None:
    form = InvalidForm([RequiredField(field="last_name")])
    assert form.to_dict()["params"]["count"] == 1
    deadline = datetime(2018, 7, 4, 9, 5, 10, tzinfo=UTC)
    expired = ActivationExpired(field="token", deadline=deadline)
    assert expired.params["deadline"] == deadline
    assert expired.to_dict()["params"] == {"deadline": "2018-07-04T09:05:10+00:00"}
    assert datetime.fromisoformat(expired.to_problem()["params"]["deadline"]) == deadline
    # Summer time in Paris: UTC+2.
    assert "le 04/07/2018 11:05:10 (heure locale France métropolitaine, GMT+2)." in str(expired)
    assert "on 4 July 2018 11:05:10 (Paris time, UTC+2)." in expired.message("en")


def test_an_expired_activation_link_gives_its_deadline_as_an_instant(world: World) -> None:
    world.register()
    link = world.link("louise.galfe@dressing-louise.fr")
    world.clock.advance(days=30, seconds=1)
    with pytest.raises(ActivationExpired) as refused:
        world.activate_with(link)
    error = refused.value
    assert error.params["deadline"] == datetime(2018, 2, 3, 9, 5, 10, tzinfo=UTC)
    assert str(error) == (
        "Activation du compte refusée : le lien a expiré le 03/02/2018 10:05:10 "
        "(heure locale France métropolitaine, GMT+1). Contactez votre gestionnaire ou le "
        "support pour recevoir un nouveau courriel d'activation."
    )
    problem = error.to_problem()
    assert (problem["status"], problem["params"]) == (
        410,
        {"deadline": "2018-02-03T09:05:10+00:00"},
    )
    assert json.loads(json.dumps(problem)) == problem


def test_a_problem_is_json_for_every_refusal_of_a_journey(world: World) -> None:
    refusals: list[OnboardingError] = []
    for attempt in (
        lambda: world.service.login("nobody@exemple.fr", "wrong"),
        lambda: world.service.lookup_company("123"),
        lambda: world.service.structure(world.active_user(), "no-such-structure"),
        lambda: world.register(),
    ):
        with pytest.raises(OnboardingError) as refused:
            attempt()
        refusals.append(refused.value)
    assert [refusal.http_status for refusal in refusals] == [401, 422, 404, 409]
    for refusal in refusals:
        problem = refusal.to_problem()
        assert json.loads(json.dumps(problem)) == problem
        assert problem["type"] == PROBLEM_TYPE_BASE + refusal.code
        assert isinstance(refusal, ValidationError) == (problem["status"] == 422)
