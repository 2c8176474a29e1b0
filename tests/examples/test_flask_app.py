"""The Flask example's pages, walked with Flask's test client: the whole journey and its refusals."""

from __future__ import annotations

import re
import secrets

import pytest

pytest.importorskip("flask")

from examples.flask_app.app import create_app, demo_app, demo_service
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from chorus_onboarding import OnboardingSettings
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.testing.fakes import login_code_in
from tests.examples.people import (
    ACTIVATION,
    CLAIRE,
    LOUISE,
    OTHER_SIRET,
    PASSWORD,
    SIRET,
    registration,
)

PORTAL = "http://portail.exemple"


def csrf(page: TestResponse) -> str:
    """The CSRF token of the first form on ``page``, as a browser would post it back."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found[1]


def post(
    client: FlaskClient, url: str, data: dict[str, str], *, action: str | None = None
) -> TestResponse:
    """Post a form of the page at ``url`` (to ``action``, or the page itself) with its CSRF token."""
    token = csrf(client.get(url))
    return client.post(action or url, data={**data, "csrf_token": token})


def register(client: FlaskClient, email: str, first_name: str, siret: str) -> TestResponse:
    return post(client, "/inscription", registration(email, first_name, siret))


def activate(client: FlaskClient, mailbox: MemoryMailbox, email: str) -> TestResponse:
    """Follow the emailed link (it must point at this application) and activate."""
    (link,) = mailbox.links(mailbox.last_to(email))
    assert link.startswith(f"{PORTAL}/activer?")
    return post(client, link.removeprefix(PORTAL), ACTIVATION)


def log_in(client: FlaskClient, email: str) -> TestResponse:
    return post(client, "/connexion", {"email": email, "password": PASSWORD})


@pytest.fixture
def mailbox() -> MemoryMailbox:
    return MemoryMailbox()


@pytest.fixture
def client(mailbox: MemoryMailbox) -> FlaskClient:
    service = demo_service(PORTAL, mailbox, hasher=FastInsecureHasher())
    app = create_app(service, secrets.token_urlsafe(32), demo_mailbox=mailbox)
    return app.test_client()


def test_the_whole_journey_from_registration_to_granted_access(
    client: FlaskClient, mailbox: MemoryMailbox
) -> None:
    registered = register(client, LOUISE, "Louise", SIRET)
    assert registered.status_code == 200
    assert f"Un courriel d'activation a été envoyé à {LOUISE}" in registered.text
    assert "Chorus Pro - Activation de votre compte" in client.get("/dev/mailbox").text

    activated = activate(client, mailbox, LOUISE)
    assert (activated.status_code, activated.location) == (302, "/connexion?activated=1")
    assert log_in(client, LOUISE).location == "/mon-compte"
    louise_page = client.get("/mon-compte").text
    assert "Louise GALFE" in louise_page
    assert "LE DRESSING DE LOUISE : VALIDATED" in louise_page
    requests_url = re.search(r'href="(/structures/[^"]+/demandes)"', louise_page)
    assert requests_url is not None

    # Claire has an account on her own structure, and asks to join Louise's.
    claire = client.application.test_client()
    register(claire, CLAIRE, "Claire", OTHER_SIRET)
    activate(claire, mailbox, CLAIRE)
    log_in(claire, CLAIRE)
    found = claire.get(f"/mon-compte?siret={SIRET}")
    assert "LE DRESSING DE LOUISE (NOISY-LE-GRAND)" in found.text
    structure_id = re.search(r'name="structure_id" value="([^"]+)"', found.text)
    assert structure_id is not None
    asked = post(
        claire,
        f"/mon-compte?siret={SIRET}",
        {"structure_id": structure_id[1]},
        action="/mon-compte/rattachements",
    )
    assert asked.location == "/mon-compte"
    assert "LE DRESSING DE LOUISE : PENDING" in claire.get("/mon-compte").text
    assert "Pas d'accès à l'espace" in claire.get(f"/acces/{structure_id[1]}").text

    # Louise sees the request and validates it, granting the espace it checks.
    waiting = client.get(requests_url[1])
    assert f"Claire GALFE ({CLAIRE})" in waiting.text
    decision = re.search(r'<form method="post" action="([^"]+)"', waiting.text)
    assert decision is not None
    decided = client.post(
        decision[1], data={"csrf_token": csrf(waiting), "decision": "valider", "grant": "on"}
    )
    assert decided.location == requests_url[1]
    assert "Aucune demande en attente." in client.get(requests_url[1]).text

    claire_page = claire.get("/mon-compte").text
    assert "LE DRESSING DE LOUISE : VALIDATED" in claire_page
    assert "Factures émises (CONSULTATION_UNIQUEMENT) VALIDE" in claire_page
    granted = claire.get(f"/acces/{structure_id[1]}")
    assert "Accès accordé à l'espace Factures émises de LE DRESSING DE LOUISE" in granted.text


def test_a_refused_form_shows_the_library_s_words_and_keeps_what_was_typed(
    client: FlaskClient,
) -> None:
    refused = post(
        client,
        "/inscription",
        {"login_email": LOUISE, "login_email_confirmation": "autre@exemple.fr", "captcha": "?"},
    )
    assert refused.status_code == 422
    assert "Le formulaire contient 5 erreur(s)" in refused.text
    assert "ne correspondent pas à l&#39;image" in refused.text
    assert f'value="{LOUISE}"' in refused.text


def test_a_wrong_password_is_refused_on_the_login_page(
    client: FlaskClient, mailbox: MemoryMailbox
) -> None:
    register(client, LOUISE, "Louise", SIRET)
    activate(client, mailbox, LOUISE)
    wrong = post(client, "/connexion", {"email": LOUISE, "password": "Pas-Le-Bon-1"})
    assert wrong.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect" in wrong.text
    assert client.get("/mon-compte").location == "/connexion"


def test_a_link_with_a_wrong_token_does_not_activate(
    client: FlaskClient, mailbox: MemoryMailbox
) -> None:
    register(client, LOUISE, "Louise", SIRET)
    forged = post(
        client,
        f"/activer?email={LOUISE}&token=faux",
        {"password": PASSWORD, "password_confirmation": PASSWORD, "secret_answer": "Aligot"},
    )
    assert forged.status_code == 422
    assert "Ce lien n&#39;est pas valide ou a déjà été utilisé." in forged.text
    assert log_in(client, LOUISE).status_code == 401


def test_a_form_without_the_session_s_csrf_token_is_rejected(client: FlaskClient) -> None:
    client.get("/inscription")
    forged = client.post("/connexion", data={"email": LOUISE, "password": PASSWORD})
    assert forged.status_code == 400
    wrong = client.post("/connexion", data={"email": LOUISE, "csrf_token": "un-autre"})
    assert wrong.status_code == 400


def test_only_a_manager_of_the_structure_sees_its_requests(
    client: FlaskClient, mailbox: MemoryMailbox
) -> None:
    register(client, LOUISE, "Louise", SIRET)
    activate(client, mailbox, LOUISE)
    log_in(client, LOUISE)
    requests_url = re.search(r'href="(/structures/[^"]+/demandes)"', client.get("/mon-compte").text)
    assert requests_url is not None
    claire = client.application.test_client()
    register(claire, CLAIRE, "Claire", OTHER_SIRET)
    activate(claire, mailbox, CLAIRE)
    log_in(claire, CLAIRE)
    refused = claire.get(requests_url[1])
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text


def test_the_demo_mailbox_exists_only_in_demo_mode(mailbox: MemoryMailbox) -> None:
    service = demo_service(PORTAL, mailbox, hasher=FastInsecureHasher())
    portal = create_app(service, secrets.token_urlsafe(32)).test_client()
    assert portal.get("/dev/mailbox").status_code == 404
    assert "DÉMONSTRATION" not in portal.get("/").text
    demo = demo_app().test_client()
    assert "DÉMO SEULEMENT" in demo.get("/dev/mailbox").text
    assert "DÉMONSTRATION" in demo.get("/").text


def test_with_the_emailed_code_the_session_opens_on_the_code_page(mailbox: MemoryMailbox) -> None:
    service = demo_service(
        PORTAL, mailbox, hasher=FastInsecureHasher(), settings=OnboardingSettings(login_code=True)
    )
    client = create_app(service, secrets.token_urlsafe(32), demo_mailbox=mailbox).test_client()
    register(client, LOUISE, "Louise", SIRET)
    activate(client, mailbox, LOUISE)
    asked = log_in(client, LOUISE)
    assert asked.location == "/connexion/code"
    assert client.get("/mon-compte").location == "/connexion"  # no session yet
    page = client.get("/connexion/code")
    assert f"Un code a été envoyé à {LOUISE}" in page.text
    too_soon = post(client, "/connexion/code", {"resend": "1"})
    assert too_soon.status_code == 409
    assert "60 secondes" in too_soon.text
    wrong = post(client, "/connexion/code", {"code": "pas un code"})
    assert wrong.status_code == 401
    assert "Le code saisi est incorrect" in wrong.text
    code = login_code_in(mailbox.last_to(LOUISE))
    assert code is not None
    opened = post(client, "/connexion/code", {"code": code})
    assert opened.location == "/mon-compte"
    assert "GALFE" in client.get("/mon-compte").text
