"""Persistence: an account registered by one process is there for the next.

Louise registers with her shop's SIRET and activates her account on a
service kept in a SQLite file (in a temporary folder here; any path will do).
The service is then dropped, as when the process stops, and a new one is
built on the same file, as the next process would: Louise logs in and finds
her structure. ``OnboardingService.from_url("postgresql+psycopg://...")``
works the same way on PostgreSQL. Needs the ``sql`` extra.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from chorus_onboarding import Actor, NewStructureRegistration, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.testing.fakes import link_parameters

EMAIL = "louise.galfe@dressing-louise.fr"
PASSWORD = "Ma-Boutique-2024!"


def register_and_activate(path: Path) -> str:
    """The first process: register Louise on the file at ``path``, activate her account."""
    mailbox = MemoryMailbox()
    # argon2id is the default hasher; the fast one (tests only) keeps this instant.
    service = OnboardingService.sqlite(path, mailer=mailbox, hasher=FastInsecureHasher())
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
        service = OnboardingService.sqlite(
            path, mailer=MemoryMailbox(), hasher=FastInsecureHasher()
        )
        session = service.login(EMAIL, PASSWORD)
        assert session.account_id == account_id
        structures = service.managed_structures(Actor.user(session.account_id))
        names = ", ".join(structure.company_name for structure in structures)
        print(f"Logged in as {session.first_name} {session.last_name}, who manages {names}")


if __name__ == "__main__":
    main()
