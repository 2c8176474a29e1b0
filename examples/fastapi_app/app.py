"""The FastAPI example: a JSON API over ``OnboardingService``, answering the library's views as they are.

Run the demonstration (in memory; the emails stay in a mailbox nobody reads)::

    uvicorn --factory examples.fastapi_app.app:demo_app

The endpoints are plain ``def``: FastAPI runs them in its thread pool, so the
slow password hashing (argon2id) never holds up the event loop.
"""

from __future__ import annotations

import os
import secrets

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from chorus_onboarding import (
    AccountView,
    Actor,
    AttachmentView,
    EspaceGrant,
    LoginCodeSent,
    LoginResult,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
    Registration,
    StructureNaming,
    StructureSummary,
)
from chorus_onboarding.notifications import Links

ACTIVATION_PATH = "/activation"
"""Where the emailed activation links point: the portal's page that posts to ``/activation``."""


class RegistrationForm(BaseModel):
    """ "Créer votre compte" with a structure new to the portal, named by its SIRET."""

    login_email: str | None = None
    login_email_confirmation: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    siret: str | None = None
    captcha: str | None = None
    # Typed when the company register does not know the SIRET (or does not answer).
    company_name: str | None = None
    street: str | None = None
    complement: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class ActivationForm(BaseModel):
    """What the activation page asks; the link's ``email`` and ``token`` come in the query."""

    password: str | None = None
    password_confirmation: str | None = None
    secret_question: str | None = None
    secret_answer: str | None = None


class Credentials(BaseModel):
    email: str
    password: str


class LoginCode(BaseModel):
    email: str
    challenge: str
    code: str


class JoinRequest(BaseModel):
    structure_id: str


class Decision(BaseModel):
    """A manager's validation, with the espaces the new member may consult at once."""

    espaces: list[str] = []


class Requested(BaseModel):
    attachment_id: str


class Access(BaseModel):
    allowed: bool


def create_app(service: OnboardingService, session_key: str) -> FastAPI:
    """The onboarding endpoints of the portal, on one service for the whole process."""
    app = FastAPI(title="Chorus Pro onboarding (example)")
    # Signs the session cookie: the same key in every process.
    app.add_middleware(SessionMiddleware, secret_key=session_key)

    def current_actor(request: Request) -> Actor:
        """The logged-in user, while their credentials are those they logged in with."""
        account_id = request.session.get("account_id")
        version = request.session.get("credentials_version")
        if (
            account_id is None
            or version is None
            or not service.session_is_current(account_id, version)
        ):
            request.session.clear()
            raise HTTPException(status_code=401)
        return Actor.user(account_id)

    @app.exception_handler(OnboardingError)
    def refused(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OnboardingError)  # the handler is registered for it alone
        # The library speaks French (the portal's language) and English.
        english = request.headers.get("accept-language", "fr").startswith("en")
        return JSONResponse(
            error.to_problem("en" if english else "fr", instance=request.url.path),
            status_code=error.http_status,
            media_type="application/problem+json",
        )

    @app.post("/inscription", status_code=201, response_model=Registration)
    def register(form: RegistrationForm) -> Registration:
        return service.register_with_new_structure(NewStructureRegistration(**form.model_dump()))

    @app.post(ACTIVATION_PATH, status_code=204)
    def activate(email: str, token: str, form: ActivationForm) -> Response:
        service.activate_account(login_email=email, token=token, **form.model_dump())
        return Response(status_code=204)

    @app.post("/connexion", response_model=LoginResult | LoginCodeSent)
    def login(credentials: Credentials, request: Request) -> LoginResult | LoginCodeSent:
        answer = service.login(credentials.email, credentials.password)
        # With ``login_code`` on, the client posts the emailed code to /connexion/code.
        return answer if isinstance(answer, LoginCodeSent) else opened(answer, request)

    @app.post("/connexion/code", response_model=LoginResult)
    def login_code(step: LoginCode, request: Request) -> LoginResult:
        return opened(service.confirm_login_code(step.email, step.challenge, step.code), request)

    def opened(result: LoginResult, request: Request) -> LoginResult:
        request.session.clear()
        request.session.update(
            account_id=result.account_id, credentials_version=result.credentials_version
        )
        return result

    @app.get("/mon-compte", response_model=AccountView)
    def my_account(request: Request) -> AccountView:
        return service.account(current_actor(request))

    @app.get("/mon-compte/rattachements", response_model=list[AttachmentView])
    def my_attachments(request: Request) -> list[AttachmentView]:
        return service.my_attachments(current_actor(request))

    @app.get("/structures", response_model=list[StructureSummary])
    def search(siret: str, request: Request) -> list[StructureSummary]:
        return service.search_structures(current_actor(request), StructureNaming(siret=siret))

    @app.post("/rattachements", status_code=201, response_model=Requested)
    def ask_to_join(join: JoinRequest, request: Request) -> Requested:
        attachment_id = service.request_attachment(current_actor(request), join.structure_id)
        return Requested(attachment_id=attachment_id)

    @app.get("/structures/{structure_id}/demandes", response_model=list[AttachmentView])
    def pending(structure_id: str, request: Request) -> list[AttachmentView]:
        return service.pending_attachment_requests(current_actor(request), structure_id)

    @app.post("/rattachements/{attachment_id}/validation", status_code=204)
    def validate(attachment_id: str, decision: Decision, request: Request) -> Response:
        grants = [EspaceGrant(espace) for espace in decision.espaces]
        service.validate_attachment(current_actor(request), attachment_id, grants=grants)
        return Response(status_code=204)

    @app.get("/structures/{structure_id}/acces", response_model=Access)
    def access(
        structure_id: str, request: Request, espace: str, mode: str = "CONSULTATION_UNIQUEMENT"
    ) -> Access:
        actor = current_actor(request)
        return Access(allowed=service.can_access(str(actor.account_id), structure_id, espace, mode))

    return app


def demo_app() -> FastAPI:
    """The demonstration: an in-memory service whose links point at ``PORTAL_URL``."""
    links = Links(
        os.environ.get("PORTAL_URL", "http://127.0.0.1:8000"), activation_path=ACTIVATION_PATH
    )
    return create_app(OnboardingService.in_memory(links=links), secrets.token_urlsafe(32))
