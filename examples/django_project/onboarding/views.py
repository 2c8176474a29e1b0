"""The onboarding views: raw form values in, the library's views and problems out, as JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from chorus_onboarding import Actor, LoginResult, NewStructureRegistration, OnboardingError
from chorus_onboarding.serialisation import to_json_data

from .services import ACTIVATION_PATH, onboarding

View = Callable[[HttpRequest], HttpResponse]


def answers_problems(view: View) -> View:
    """The library's refusals as RFC 9457 problems, with their own status."""

    def answered(request: HttpRequest) -> HttpResponse:
        try:
            return view(request)
        except OnboardingError as error:
            return JsonResponse(
                error.to_problem(instance=request.path),
                status=error.http_status,
                content_type="application/problem+json",
            )

    return answered


def current_actor(request: HttpRequest) -> Actor | None:
    """The logged-in user, while their credentials are those they logged in with."""
    account_id = request.session.get("account_id")
    version = request.session.get("credentials_version")
    if (
        account_id is None
        or version is None
        or not onboarding().session_is_current(account_id, version)
    ):
        request.session.flush()
        return None
    return Actor.user(account_id)


# A JSON API for other programs: no browser form, so no CSRF cookie to check.
@csrf_exempt
@require_POST
@answers_problems
def register(request: HttpRequest) -> HttpResponse:
    form = request.POST
    registration = onboarding().register_with_new_structure(
        NewStructureRegistration(
            login_email=form.get("login_email"),
            login_email_confirmation=form.get("login_email_confirmation"),
            last_name=form.get("last_name"),
            first_name=form.get("first_name"),
            captcha=form.get("captcha"),
            siret=form.get("siret"),
        )
    )
    return JsonResponse(to_json_data(registration), status=201)


@csrf_exempt
@require_POST
@answers_problems
def activate(request: HttpRequest) -> HttpResponse:
    onboarding().activate_account(
        login_email=request.GET.get("email", ""),  # the emailed link's parameters
        token=request.GET.get("token", ""),
        password=request.POST.get("password", ""),
        password_confirmation=request.POST.get("password_confirmation", ""),
        secret_question=request.POST.get("secret_question", ""),
        secret_answer=request.POST.get("secret_answer", ""),
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
@answers_problems
def login(request: HttpRequest) -> HttpResponse:
    answer = onboarding().login(request.POST.get("email", ""), request.POST.get("password", ""))
    if isinstance(answer, LoginResult):
        return opened(request, answer)
    return JsonResponse(to_json_data(answer), status=202)  # the code goes to /connexion/code


@csrf_exempt
@require_POST
@answers_problems
def login_code(request: HttpRequest) -> HttpResponse:
    form = request.POST
    result = onboarding().confirm_login_code(
        form.get("email", ""), form.get("challenge", ""), form.get("code", "")
    )
    return opened(request, result)


def opened(request: HttpRequest, result: LoginResult) -> HttpResponse:
    request.session.cycle_key()  # a new session id for the logged-in user
    request.session["account_id"] = result.account_id
    request.session["credentials_version"] = result.credentials_version
    return JsonResponse(to_json_data(result))


@require_GET
@answers_problems
def my_account(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    if actor is None:
        return JsonResponse({"detail": "Connectez-vous."}, status=401)
    account = to_json_data(onboarding().account(actor))
    attachments = to_json_data(onboarding().my_attachments(actor))
    return JsonResponse({"account": account, "attachments": attachments})


urlpatterns = [
    path("inscription", register),
    path(ACTIVATION_PATH.lstrip("/"), activate),
    path("connexion", login),
    path("connexion/code", login_code),
    path("mon-compte", my_account),
]
