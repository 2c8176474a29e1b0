"""The project's tests, with Django's own ``TestCase`` and test client.

The recipe: each test points the library at a store of its own (a SQLite file
in a temporary folder) with ``override_settings``; ``services`` builds a new
service on it and closes it when the setting is restored. Django's
``TestCase`` wraps Django's database in a transaction per test, which never
touches the library's store: no ``TransactionTestCase``, no emptying the
library's tables by hand, and no "database is locked" from two connections
writing one SQLite file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.sessions.models import Session
from django.test import TestCase, override_settings

from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.testing.fakes import link_parameters, login_code_in

from .services import onboarding

LOUISE = "louise@dressing-louise.fr"
PASSWORD = "Robe-de-Soie-93"


class OnboardingTestCase(TestCase):
    """A test on a fresh library store of its own, beside Django's test database."""

    def setUp(self) -> None:
        folder = self.enterContext(tempfile.TemporaryDirectory(ignore_cleanup_errors=True))
        store = str(Path(folder) / "onboarding.sqlite3")
        self.enterContext(override_settings(CHORUS_ONBOARDING_DATABASE=store))
        self.service = onboarding()
        mailbox = self.service.ports.mailer
        assert isinstance(mailbox, MemoryMailbox)  # the demo's, as settings ask
        self.mailbox = mailbox

    def register_and_activate(self) -> None:
        registered = self.client.post(
            "/inscription",
            {
                "login_email": LOUISE,
                "login_email_confirmation": LOUISE,
                "last_name": "GALFE",
                "first_name": "Louise",
                "captcha": "XWWXS",
                "siret": "52601815500014",
            },
        )
        assert registered.status_code == 201
        # On a database the use cases send nothing: the relay does, here on demand.
        self.service.deliver_notifications()
        link = link_parameters(self.mailbox, LOUISE, "activation")
        activated = self.client.post(
            f"/activation?email={link['email']}&token={link['token']}",
            {
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
                "secret_question": "Quel est mon plat préféré ?",
                "secret_answer": "Aligot",
            },
        )
        assert activated.status_code == 204


class JourneyTests(OnboardingTestCase):
    def test_register_follow_the_link_activate_and_log_in(self) -> None:
        self.register_and_activate()
        assert self.client.get("/mon-compte").status_code == 401
        logged_in = self.client.post("/connexion", {"email": LOUISE, "password": PASSWORD})
        assert logged_in.json()["first_name"] == "Louise"
        page = self.client.get("/mon-compte").json()
        assert page["account"]["state"] == "ACTIVE"
        assert page["attachments"][0]["structure_name"] == "LE DRESSING DE LOUISE"
        # The session is in Django's database, inside this test's transaction.
        assert Session.objects.count() == 1

    def test_the_same_registration_again_in_the_next_test_starts_afresh(self) -> None:
        # Louise registered in the other test; this one's store does not know her.
        self.register_and_activate()
        assert Session.objects.count() == 0

    def test_refusals_are_problems(self) -> None:
        refused = self.client.post("/connexion", {"email": LOUISE, "password": PASSWORD})
        assert refused.status_code == 401
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "authentication_failed"
        assert refused.json()["instance"] == "/connexion"


class LoginCodeTests(OnboardingTestCase):
    def setUp(self) -> None:
        self.enterContext(override_settings(CHORUS_ONBOARDING_LOGIN_CODE=True))
        super().setUp()

    def test_the_password_sends_a_code_and_the_code_opens_the_session(self) -> None:
        self.register_and_activate()
        sent = self.client.post("/connexion", {"email": LOUISE, "password": PASSWORD})
        assert sent.status_code == 202
        assert self.client.get("/mon-compte").status_code == 401
        self.service.deliver_notifications()  # the relay worker's job on a database
        code = login_code_in(self.mailbox.last_to(LOUISE))
        assert code is not None
        step = {"email": LOUISE, "challenge": sent.json()["challenge"]}
        wrong = self.client.post("/connexion/code", {**step, "code": "0"})
        assert wrong.json()["code"] == "login_code_rejected"
        opened = self.client.post("/connexion/code", {**step, "code": code})
        assert opened.json()["first_name"] == "Louise"
        assert self.client.get("/mon-compte").status_code == 200


class StoreTests(OnboardingTestCase):
    def test_the_library_keeps_its_own_file_beside_django_s_database(self) -> None:
        from django.conf import settings
        from django.db import connection

        self.register_and_activate()
        store = Path(settings.CHORUS_ONBOARDING_DATABASE)
        assert store.is_file()
        assert str(store) != connection.settings_dict["NAME"]
        assert "co_accounts" not in connection.introspection.table_names()
