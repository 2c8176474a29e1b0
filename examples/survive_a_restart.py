"""Persistence: an account registered by one process is there for the next.

Louise registers with her shop's SIRET and activates her account on a
service kept in a SQLite file (in a temporary folder here; any path will do).
The service is then closed, as when the process stops, and a new one is
built on the same file, as the next process would: Louise logs in and finds
her structure. ``OnboardingService.from_url("postgresql+psycopg://...")``
works the same way on PostgreSQL. Needs the ``sql`` extra.

A database-backed service is given real parts (a mail sender, a captcha, a
company register and the deployment's secret key): here the shipped
in-memory ones stand in for them. Its use cases never send mail themselves;
``deliver_notifications()`` runs the outbox relay once, as the relay worker
(``python -m chorus_onboarding relay``) would.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from chorus_onboarding import (
    Actor,
    LoginResult,
    NewStructureRegistration,
    OnboardingService,
    OnboardingSettings,
)
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.testing.fakes import link_parameters

EMAIL = "louise.galfe@dressing-louise.fr"
PASSWORD = "Ma-Boutique-2024!"
# In production, read it from your secret store: the same in every process.
SETTINGS = OnboardingSettings(secret_key="example-only-key-never-use-it-in-production")


def open_service(path: Path, mailbox: MemoryMailbox) -> OnboardingService:
    """The service one process builds on the file at ``path``."""
    return OnboardingService.sqlite(
        path,
        settings=SETTINGS,
        mailer=mailbox,
        captcha=FixedCaptcha(),  # answer XWWXS: a real captcha service in production
        directory=MemoryCompanyDirectory(),  # the SIRENE register in production
        # argon2id is the default hasher; the fast one (tests only) keeps this instant.
        hasher=FastInsecureHasher(),
    )


def register_and_activate(path: Path) -> str:
    """The first process: register Louise on the file at ``path``, activate her account."""
    mailbox = MemoryMailbox()
    with open_service(path, mailbox) as service:
        registration = service.register_with_new_structure(
            NewStructureRegistration(
                login_email=EMAIL,
                login_email_confirmation=EMAIL,
                last_name="GALFE",
                first_name="Louise",
                captcha="XWWXS",
                siret="52601815500014",
            )
        )
        service.deliver_notifications()  # the relay worker's job
        link = link_parameters(mailbox, EMAIL, "activationCompte")
        service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=PASSWORD,
            password_confirmation=PASSWORD,
            secret_question="Quel est le nom de mon animal de compagnie ?",
            secret_answer="Médor",
        )
    print(f"Registered {EMAIL} in {path.name}, account {registration.account_id}")
    return registration.account_id


def main() -> None:
    """Register and activate on a SQLite file, restart with a new service, log in."""
    with tempfile.TemporaryDirectory(prefix="chorus-example-") as folder:
        path = Path(folder) / "onboarding.sqlite3"
        account_id = register_and_activate(path)

        print("Restarted: a new service on the same file")
        with open_service(path, MemoryMailbox()) as service:
            session = service.login(EMAIL, PASSWORD)
            assert isinstance(session, LoginResult)  # no emailed code: login_code is off
            assert session.account_id == account_id
            structures = service.managed_structures(Actor.user(session.account_id))
            names = ", ".join(structure.company_name for structure in structures)
            print(f"Logged in as {session.first_name} {session.last_name}, who manages {names}")


if __name__ == "__main__":
    main()
