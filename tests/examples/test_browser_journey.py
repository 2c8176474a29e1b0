"""The Flask example in a real headless Chromium: the whole journey, a screenshot at each step.

Chromium and its driver are Debian's (``bin/chromium`` installs them; ``bin/test``
calls it), driven with Selenium. Without them the test is skipped, except in CI
(``CI=true``), where it fails. The screenshots go to ``$CHORUS_ARTEFACTS/browser``,
or ``test-artefacts/browser`` under the repository, kept after the run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask")

from examples.flask_app.app import create_app, demo_service
from werkzeug.serving import make_server

from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from tests.examples.people import (
    ACTIVATION,
    CLAIRE,
    LOUISE,
    OTHER_SIRET,
    PASSWORD,
    SIRET,
    registration,
)

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("CHORUS_ARTEFACTS", ROOT / "test-artefacts")) / "browser"


def _unavailable(reason: str) -> None:
    """Skip, or fail in CI, where the browser must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser journey (bin/chromium installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium driven through Debian's chromedriver."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        _unavailable("no chromium or chromedriver on PATH (Debian's chromium, chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (the tests extra installs it)")
    # Never let Selenium fetch a browser or a driver: there is no internet here.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)  # no sandbox: CI runs as root
    options.add_argument("--window-size=1000,1200")
    # Chromium leaves its singleton socket's folder in TMPDIR after quit(): give
    # the driver and the browser one of pytest's, which pytest removes.
    scratch = {**os.environ, "TMPDIR": str(tmp_path_factory.mktemp("chromium"))}
    service = Service(executable_path=str(driver), env=scratch)
    chrome = webdriver.Chrome(options=options, service=service)
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    """The Flask example in demo mode, served on a free local port; its address."""
    application: dict[str, Any] = {}
    # Threaded: Chromium opens spare connections that a one-thread server would wait on.
    server = make_server(
        "127.0.0.1", 0, lambda env, start: application["app"](env, start), threaded=True
    )
    address = f"http://127.0.0.1:{server.server_port}"
    mailbox = MemoryMailbox()
    service = demo_service(address, mailbox, hasher=FastInsecureHasher())
    application["app"] = create_app(service, secrets.token_urlsafe(32), demo_mailbox=mailbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield address
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Visitor:
    """One browser on the portal: pages, forms, and a screenshot per step."""

    def __init__(self, browser: Any, portal: str) -> None:
        from selenium.webdriver.common.by import By

        self.browser, self.portal, self.by = browser, portal, By
        self.steps = 0
        shutil.rmtree(ARTEFACTS, ignore_errors=True)
        ARTEFACTS.mkdir(parents=True)

    def shot(self, name: str) -> None:
        self.steps += 1
        self.browser.save_screenshot(str(ARTEFACTS / f"{self.steps:02d}-{name}.png"))

    def open(self, path: str) -> None:
        self.browser.get(self.portal + path)

    def fill(self, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            field = self.browser.find_element(self.by.NAME, name)
            field.clear()
            field.send_keys(value)

    def click(self, xpath: str) -> None:
        """Click a button or a link, and wait for the page it leads to."""
        from selenium.webdriver.support.expected_conditions import staleness_of
        from selenium.webdriver.support.wait import WebDriverWait

        page = self.browser.find_element(self.by.TAG_NAME, "html")
        self.browser.find_element(self.by.XPATH, xpath).click()
        WebDriverWait(self.browser, 10).until(staleness_of(page))

    def text(self) -> str:
        return str(self.browser.find_element(self.by.TAG_NAME, "body").text)

    def register_and_activate(self, email: str, first_name: str, siret: str) -> None:
        """Register, read the email in the demo mailbox, follow its link and activate."""
        self.browser.delete_all_cookies()
        self.open("/inscription")
        self.fill(registration(email, first_name, siret))
        self.shot(f"{first_name}-register")
        self.click("//button[text()='Créer mon compte']")
        assert f"Un courriel d'activation a été envoyé à {email}" in self.text()
        self.shot(f"{first_name}-check-your-email")
        self.open("/dev/mailbox")
        self.shot(f"{first_name}-mailbox")
        user = email.split("@")[0]
        self.click(f"//a[contains(@href, '/activer?') and contains(@href, '{user}')]")
        assert self.browser.current_url.startswith(f"{self.portal}/activer?")
        # The question is a list: its first choice stays selected.
        self.fill({name: value for name, value in ACTIVATION.items() if name != "secret_question"})
        self.shot(f"{first_name}-activate")
        self.click("//button[text()='Activer mon compte']")
        assert "Votre compte est activé" in self.text()

    def log_in(self, email: str) -> None:
        self.browser.delete_all_cookies()
        self.open("/connexion")
        self.fill({"email": email, "password": PASSWORD})
        self.click("//button[text()='Se connecter']")
        assert self.browser.current_url == f"{self.portal}/mon-compte"


def test_register_activate_ask_to_join_and_get_access_in_chromium(
    browser: Any, portal: str
) -> None:
    visitor = Visitor(browser, portal)
    visitor.register_and_activate(LOUISE, "Louise", SIRET)
    visitor.log_in(LOUISE)
    assert "LE DRESSING DE LOUISE : VALIDATED" in visitor.text()
    visitor.shot("Louise-mon-compte")

    visitor.register_and_activate(CLAIRE, "Claire", OTHER_SIRET)
    visitor.log_in(CLAIRE)
    visitor.fill({"siret": SIRET})
    visitor.click("//button[text()='Rechercher']")
    assert "LE DRESSING DE LOUISE (NOISY-LE-GRAND)" in visitor.text()
    visitor.shot("Claire-finds-the-structure")
    visitor.click("//button[text()='Demander le rattachement']")
    assert "LE DRESSING DE LOUISE : PENDING" in visitor.text()
    visitor.shot("Claire-asked-to-join")

    visitor.log_in(LOUISE)
    visitor.click("//a[contains(text(), 'LE DRESSING DE LOUISE : demandes de rattachement')]")
    assert f"Claire GALFE ({CLAIRE})" in visitor.text()
    visitor.shot("Louise-sees-the-request")
    visitor.click("//button[text()='Valider']")
    assert "Aucune demande en attente." in visitor.text()
    visitor.shot("Louise-validated")

    visitor.log_in(CLAIRE)
    assert "LE DRESSING DE LOUISE : VALIDATED" in visitor.text()
    visitor.click("//li[contains(., 'LE DRESSING DE LOUISE')]/a[text()='vérifier mon accès']")
    assert "Accès accordé à l'espace Factures émises de LE DRESSING DE LOUISE." in visitor.text()
    visitor.shot("Claire-access-granted")
    assert len(list(ARTEFACTS.glob("*.png"))) == visitor.steps == 14
