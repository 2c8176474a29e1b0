"""The expiry batch: activations nobody completed in time become EXPIRED.

Three people register; one activates. Thirty-one days later (the clock is
moved by hand), ``expire_overdue_activations()`` expires the two others, as a
nightly job would, and a second run finds nothing left to do.
"""

from __future__ import annotations

from chorus_onboarding import Actor, NewStructureRegistration, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.testing.fakes import FrozenClock, link_parameters

PEOPLE = [
    ("louise.galfe@dressing-louise.fr", "GALFE", "Louise", "52601815500014"),
    ("paul.martin@earl-trois-chenes.fr", "MARTIN", "Paul", "90830166600016"),
    ("jean.retard@gaec-plateau.fr", "RETARD", "Jean", "39099603100014"),
]
PASSWORD = "Ma-Boutique-2024!"


def main() -> None:
    """Register three accounts, activate one, move 31 days on and run the batch."""
    clock = FrozenClock()
    mailbox = MemoryMailbox()
    service = OnboardingService.in_memory(clock=clock, mailer=mailbox, hasher=FastInsecureHasher())
    support = Actor.support()

    accounts: dict[str, str] = {}
    for email, last_name, first_name, siret in PEOPLE:
        registration = service.register_with_new_structure(
            NewStructureRegistration(
                login_email=email,
                login_email_confirmation=email,
                last_name=last_name,
                first_name=first_name,
                captcha="XWWXS",
                siret=siret,
            )
        )
        accounts[email] = registration.account_id
    print(f"{len(accounts)} accounts registered at {clock.now():%Y-%m-%d %H:%M} UTC")

    louise = PEOPLE[0][0]
    link = link_parameters(mailbox, louise, "activationCompte")
    service.activate_account(
        login_email=link["email"],
        token=link["token"],
        password=PASSWORD,
        password_confirmation=PASSWORD,
        secret_question="Quel est le nom de mon animal de compagnie ?",
        secret_answer="Médor",
    )
    print(f"{louise} activated her account")

    clock.advance(days=31)
    print(f"The clock moves to {clock.now():%Y-%m-%d %H:%M} UTC")
    print(f"Accounts expired by the batch: {service.expire_overdue_activations()}")
    for email, account_id in accounts.items():
        print(f"  {email}: {service.account(support, account_id).state.value}")
    print(f"A second run expires {service.expire_overdue_activations()} more")


if __name__ == "__main__":
    main()
