"""Register, activate, log in and manage one's account: the README's flow, told as it happens.

Run it with ``python examples/quickstart.py``. Everything stays in memory; the
emails land in a mailbox that the script reads to follow their links.
"""

from __future__ import annotations

from chorus_onboarding import Actor, LoginResult, NewStructureRegistration, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.notifications import paris_time
from chorus_onboarding.testing.fakes import link_parameters

EMAIL = "louise.galfe@dressing-louise.fr"
PASSWORD = "Ma-Boutique-2024!"
CONTACT = "contact@dressing-louise.fr"


def main() -> None:
    """Tell journeys 1, 5, 6 and 12 for Louise and her shop."""
    mailbox = MemoryMailbox()
    # argon2id is the default hasher; the fast one (tests only) keeps this instant.
    service = OnboardingService.in_memory(mailer=mailbox, hasher=FastInsecureHasher())

    record = service.lookup_company("52601815500014")
    print(f"SIRENE knows 52601815500014 as: {record.name if record else 'nothing'}")

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
    print(f"Account {registration.account_id} created, principal manager of the structure")
    print(f"Activation possible until {paris_time(registration.activation_deadline)}")
    print(f"Email sent: {mailbox.last_to(EMAIL).subject}")

    link = link_parameters(mailbox, EMAIL, "activationCompte")
    service.activate_account(
        login_email=link["email"],
        token=link["token"],
        password=PASSWORD,
        password_confirmation=PASSWORD,
        secret_question="Quel est le nom de mon animal de compagnie ?",
        secret_answer="Médor",
    )
    me = Actor.user(registration.account_id)
    print(f"Account activated: {service.account(me).state.value}")

    session = service.login(EMAIL, PASSWORD)
    # The password alone opens the session unless settings.login_code asks for the emailed code.
    assert isinstance(session, LoginResult)
    print(f"Logged in as {session.first_name} {session.last_name} (account {session.account_id})")
    for structure in service.managed_structures(me):
        espaces = ", ".join(open_.espace.value for open_ in structure.espaces)
        print(f"Manages {structure.company_name} ({structure.identifier.value}): {espaces}")

    service.change_contact_email(me, CONTACT)
    view = service.account(me)
    print(f"Contact email is now {view.contact_email}; login email stays {view.login_email}")
    for email in mailbox.sent:
        print(f"  mailbox: {', '.join(email.to)} <- {email.subject}")


if __name__ == "__main__":
    main()
