"""The FastAPI example's JSON API, through FastAPI's TestClient: the journey and its refusals."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("itsdangerous")

from examples.fastapi_app.app import ACTIVATION_PATH, create_app
from fastapi.testclient import TestClient
from httpx2 import Response

from chorus_onboarding import OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.notifications import Links
from chorus_onboarding.testing.fakes import link_parameters, login_code_in
from tests.examples.people import (
    ACTIVATION,
    CLAIRE,
    LOUISE,
    OTHER_SIRET,
    PASSWORD,
    SIRET,
    registration,
)


@pytest.fixture
def mailbox() -> MemoryMailbox:
    return MemoryMailbox()


@pytest.fixture
def app(mailbox: MemoryMailbox) -> Iterator[TestClient]:
    links = Links("http://portail.exemple", activation_path=ACTIVATION_PATH)
    service = OnboardingService.in_memory(mailer=mailbox, links=links, hasher=FastInsecureHasher())
    with TestClient(create_app(service, secrets.token_urlsafe(32))) as client:
        yield client


def join(app: TestClient, mailbox: MemoryMailbox, email: str, siret: str) -> TestClient:
    """A new client (its own cookies) for someone who registers, activates and logs in."""
    client = TestClient(app.app)
    first_name = "Louise" if email == LOUISE else "Claire"
    registered = client.post("/inscription", json=registration(email, first_name, siret))
    assert registered.status_code == 201
    link = link_parameters(mailbox, email, "activation")
    activated = client.post("/activation", params=link, json=ACTIVATION)
    assert activated.status_code == 204
    assert client.post("/connexion", json={"email": email, "password": PASSWORD}).status_code == 200
    return client


def problem(response: Response) -> tuple[int, str, str]:
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    return response.status_code, body["code"], body["instance"]


def test_the_journey_from_registration_to_granted_access(
    app: TestClient, mailbox: MemoryMailbox
) -> None:
    louise = join(app, mailbox, LOUISE, SIRET)
    me = louise.get("/mon-compte").json()
    assert (me["login_email"], me["state"]) == (LOUISE, "ACTIVE")
    (own,) = louise.get("/mon-compte/rattachements").json()
    assert (own["structure_name"], own["state"]) == ("LE DRESSING DE LOUISE", "VALIDATED")

    claire = join(app, mailbox, CLAIRE, OTHER_SIRET)
    (found,) = claire.get("/structures", params={"siret": SIRET}).json()
    assert found["company_name"] == "LE DRESSING DE LOUISE"
    asked = claire.post("/rattachements", json={"structure_id": found["id"]})
    assert asked.status_code == 201
    access = f"/structures/{found['id']}/acces"
    assert claire.get(access, params={"espace": "FACTURES_EMISES"}).json() == {"allowed": False}

    (waiting,) = louise.get(f"/structures/{found['id']}/demandes").json()
    assert (waiting["id"], waiting["login_email"]) == (asked.json()["attachment_id"], CLAIRE)
    decided = louise.post(
        f"/rattachements/{waiting['id']}/validation", json={"espaces": ["FACTURES_EMISES"]}
    )
    assert decided.status_code == 204
    assert louise.get(f"/structures/{found['id']}/demandes").json() == []
    assert claire.get(access, params={"espace": "FACTURES_EMISES"}).json() == {"allowed": True}
    modify = {"espace": "FACTURES_EMISES", "mode": "MODIFICATION"}
    assert claire.get(access, params=modify).json() == {"allowed": False}


def test_refusals_are_problems_in_the_client_s_language(
    app: TestClient, mailbox: MemoryMailbox
) -> None:
    empty = app.post("/inscription", json={"captcha": "?"})
    assert problem(empty) == (422, "invalid_form", "/inscription")
    fields = [error["field"] for error in empty.json()["errors"]]
    assert fields[:3] == ["login_email", "last_name", "first_name"]

    join(app, mailbox, LOUISE, SIRET)
    wrong = app.post(
        "/connexion",
        json={"email": LOUISE, "password": "Pas-Le-Bon-1"},
        headers={"Accept-Language": "en"},
    )
    assert problem(wrong) == (401, "authentication_failed", "/connexion")
    assert wrong.json()["detail"] == "Wrong email address or password."
    forged = app.post("/activation", params={"email": LOUISE, "token": "faux"}, json={})
    assert problem(forged) == (422, "token_invalid", "/activation")


def test_only_a_manager_decides_and_only_a_logged_in_user_asks(
    app: TestClient, mailbox: MemoryMailbox
) -> None:
    assert app.get("/mon-compte").status_code == 401
    louise = join(app, mailbox, LOUISE, SIRET)
    (own,) = louise.get("/mon-compte/rattachements").json()
    claire = join(app, mailbox, CLAIRE, OTHER_SIRET)
    assert problem(claire.get(f"/structures/{own['structure_id']}/demandes"))[0] == 403
    louise.cookies.clear()
    assert (
        louise.post("/rattachements", json={"structure_id": own["structure_id"]}).status_code == 401
    )


def test_the_openapi_document_describes_the_library_s_views(app: TestClient) -> None:
    document = app.get("/openapi.json").json()
    answer = document["paths"]["/mon-compte"]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/AccountView"}
    assert "AttachmentView" in document["components"]["schemas"]


def test_with_the_emailed_code_login_answers_code_sent_and_the_code_opens_the_session(
    mailbox: MemoryMailbox,
) -> None:
    links = Links("http://portail.exemple", activation_path=ACTIVATION_PATH)
    service = OnboardingService.in_memory(
        mailer=mailbox,
        links=links,
        hasher=FastInsecureHasher(),
        settings=OnboardingSettings(login_code=True),
    )
    with TestClient(create_app(service, secrets.token_urlsafe(32))) as client:
        client.post("/inscription", json=registration(LOUISE, "Louise", SIRET))
        link = link_parameters(mailbox, LOUISE, "activation")
        client.post("/activation", params=link, json=ACTIVATION)
        sent = client.post("/connexion", json={"email": LOUISE, "password": PASSWORD})
        assert sent.status_code == 200
        assert set(sent.json()) == {"challenge", "expires_at", "resend_after", "code_length"}
        assert client.get("/mon-compte").status_code == 401
        step = {"email": LOUISE, "challenge": sent.json()["challenge"]}
        wrong = client.post("/connexion/code", json={**step, "code": "12"})
        assert problem(wrong)[:2] == (401, "login_code_rejected")
        code = login_code_in(mailbox.last_to(LOUISE))
        opened = client.post("/connexion/code", json={**step, "code": code})
        assert opened.status_code == 200
        assert client.get("/mon-compte").json()["last_name"] == "GALFE"
