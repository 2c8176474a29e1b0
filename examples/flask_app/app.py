"""The Flask example: HTML pages over ``OnboardingService``, and nothing else.

Run the demonstration (in memory, emails kept in a mailbox shown at ``/dev/mailbox``)::

    flask --app "examples.flask_app.app:demo_app()" run

A real portal calls ``create_app(service, session_key)`` with its own service
(see docs/portals.md) and no mailbox, so ``/dev/mailbox`` does not exist there.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from chorus_onboarding import (
    Actor,
    EspaceGrant,
    LoginCodeSent,
    LoginResult,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
    StructureNaming,
)
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.domain.accounts import SUGGESTED_SECRET_QUESTIONS
from chorus_onboarding.notifications import Links

ACTIVATION_PATH = "/activer"
"""Where the emailed activation links point: this application's activation page."""

CHECKED_ESPACE, CHECKED_MODE = "FACTURES_EMISES", "CONSULTATION_UNIQUEMENT"
"""What the access page checks, and what a manager grants with an attachment."""


def demo_service(portal_url: str, mailbox: MemoryMailbox, **ports: Any) -> OnboardingService:
    """An in-memory service whose emailed links come back to this application at ``portal_url``."""
    links = Links(portal_url, activation_path=ACTIVATION_PATH)
    return OnboardingService.in_memory(mailer=mailbox, links=links, **ports)


def create_app(
    service: OnboardingService, session_key: str, *, demo_mailbox: MemoryMailbox | None = None
) -> Flask:
    """The portal's pages on ``service``; ``demo_mailbox`` adds the ``/dev/mailbox`` page."""
    app = Flask(__name__)
    app.secret_key = session_key  # signs the session cookie: the same in every process

    def current_actor() -> Actor | None:
        """The logged-in user, while their credentials are those they logged in with."""
        account_id, version = session.get("account_id"), session.get("credentials_version")
        if (
            account_id is None
            or version is None
            or not service.session_is_current(account_id, version)
        ):
            session.pop("account_id", None)
            return None
        return Actor.user(account_id)

    def logged_in() -> Actor:
        actor = current_actor()
        if actor is None:
            # Flask turns the redirect response into the answer at once.
            abort(redirect(url_for("login")))
        return actor

    def csrf_token() -> str:
        """The session's token, which every form posts back."""
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return str(session["csrf"])

    @app.before_request
    def check_csrf() -> None:
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not secrets.compare_digest(sent, session.get("csrf", "")) or not sent:
                abort(400, "jeton CSRF absent ou faux")

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "demo": demo_mailbox is not None, "form": request.form}

    @app.errorhandler(OnboardingError)
    def refused(error: OnboardingError) -> tuple[str, int]:
        # The page that called the service shows itself again, with the library's words.
        shown = g.get("page", lambda problem: render_template("error.html", problem=problem))
        return shown(error.to_problem()), error.http_status

    def on_refusal(template: str, **values: Any) -> None:
        """Show ``template`` (with ``values`` and the problem) if the service refuses this request."""
        g.page = lambda problem: render_template(template, problem=problem, **values)

    @app.get("/")
    def home() -> str:
        return render_template("home.html", actor=current_actor())

    @app.route("/inscription", methods=["GET", "POST"])
    def register() -> str | Response:
        if request.method == "GET":
            return render_template("register.html")
        on_refusal("register.html")
        form = request.form
        registration = service.register_with_new_structure(
            NewStructureRegistration(
                login_email=form.get("login_email", ""),
                login_email_confirmation=form.get("login_email_confirmation", ""),
                last_name=form.get("last_name", ""),
                first_name=form.get("first_name", ""),
                captcha=form.get("captcha", ""),
                siret=form.get("siret", ""),
            )
        )
        return render_template(
            "check_email.html",
            email=form.get("login_email", ""),
            deadline=registration.activation_deadline,
        )

    @app.route(ACTIVATION_PATH, methods=["GET", "POST"])
    def activate() -> str | Response:
        email, token = request.args.get("email", ""), request.args.get("token", "")
        values = {"email": email, "questions": SUGGESTED_SECRET_QUESTIONS}
        if request.method == "GET":
            return render_template("activate.html", **values)
        on_refusal("activate.html", **values)
        service.activate_account(
            login_email=email,
            token=token,
            password=request.form.get("password", ""),
            password_confirmation=request.form.get("password_confirmation", ""),
            secret_question=request.form.get("secret_question", ""),
            secret_answer=request.form.get("secret_answer", ""),
        )
        return redirect(url_for("login", activated=1))

    @app.route("/connexion", methods=["GET", "POST"])
    def login() -> str | Response:
        if request.method == "GET":
            return render_template("login.html", activated="activated" in request.args)
        on_refusal("login.html")
        email = request.form.get("email", "")
        answer = service.login(email, request.form.get("password", ""))
        if isinstance(answer, LoginCodeSent):
            # Not logged in yet: the second step needs the email and the challenge back.
            session["login_email"], session["login_challenge"] = email, answer.challenge
            return redirect(url_for("login_code"))
        return open_session(answer)

    @app.route("/connexion/code", methods=["GET", "POST"])
    def login_code() -> str | Response:
        """The second step: the code emailed to the login email (``login_code`` on)."""
        email, challenge = session.get("login_email", ""), session.get("login_challenge", "")
        on_refusal("login_code.html", email=email)
        if request.method == "GET":
            return render_template("login_code.html", email=email)
        if "resend" in request.form:
            session["login_challenge"] = service.resend_login_code(email, challenge).challenge
            return render_template("login_code.html", email=email, resent=True)
        return open_session(
            service.confirm_login_code(email, challenge, request.form.get("code", ""))
        )

    def open_session(result: LoginResult) -> Response:
        session.clear()  # a new session for the logged-in user, with a new CSRF token
        session["account_id"] = result.account_id
        session["credentials_version"] = result.credentials_version
        return redirect(url_for("my_account"))

    @app.post("/deconnexion")
    def logout() -> Response:
        session.clear()
        return redirect(url_for("home"))

    def my_account_page(**extra: Any) -> str:
        """ "Mon compte": the account, its attachments and subscriptions, what it manages."""
        actor = logged_in()
        return render_template(
            "my_account.html",
            account=service.account(actor),
            attachments=service.my_attachments(actor),
            subscriptions=service.my_subscriptions(actor),
            managed=service.managed_structures(actor),
            **extra,
        )

    @app.get("/mon-compte")
    def my_account() -> str:
        siret = request.args.get("siret")
        if siret is None:
            return my_account_page()
        g.page = lambda problem: my_account_page(problem=problem)
        found = service.search_structures(logged_in(), StructureNaming(siret=siret))
        return my_account_page(found=found, searched=siret)

    @app.post("/mon-compte/rattachements")
    def ask_to_join() -> Response:
        actor = logged_in()
        g.page = lambda problem: my_account_page(problem=problem)
        service.request_attachment(actor, request.form.get("structure_id", ""))
        return redirect(url_for("my_account"))

    @app.get("/structures/<structure_id>/demandes")
    def pending_requests(structure_id: str) -> str:
        actor = logged_in()
        return render_template(
            "requests.html",
            structure=service.structure(actor, structure_id),
            requests=service.pending_attachment_requests(actor, structure_id),
            espace=CHECKED_ESPACE,
        )

    @app.post("/structures/<structure_id>/demandes/<attachment_id>")
    def decide(structure_id: str, attachment_id: str) -> Response:
        actor = logged_in()
        if request.form.get("decision", "") == "valider":
            grants = [EspaceGrant(CHECKED_ESPACE)] if "grant" in request.form else []
            service.validate_attachment(actor, attachment_id, grants=grants)
        else:
            service.refuse_attachment(actor, attachment_id, reason=request.form.get("reason", ""))
        return redirect(url_for("pending_requests", structure_id=structure_id))

    @app.get("/acces/<structure_id>")
    def access(structure_id: str) -> str:
        actor = logged_in()
        allowed = service.can_access(
            session["account_id"], structure_id, CHECKED_ESPACE, CHECKED_MODE
        )
        # Only members see a structure: the name is shown once access is granted.
        name = service.structure(actor, structure_id).company_name if allowed else None
        return render_template("access.html", allowed=allowed, name=name)

    if demo_mailbox is not None:

        @app.get("/dev/mailbox")
        def mailbox() -> str:
            """DEMO ONLY: the emails the in-memory service "sent", newest first."""
            return render_template("mailbox.html", emails=list(reversed(demo_mailbox.sent)))

    return app


def demo_app() -> Flask:
    """The demonstration: an in-memory service and its mailbox, the links back to this server."""
    mailbox = MemoryMailbox()
    portal_url = os.environ.get("PORTAL_URL", "http://127.0.0.1:5000")
    return create_app(
        demo_service(portal_url, mailbox), secrets.token_urlsafe(32), demo_mailbox=mailbox
    )
