"""The narrator of the demo: prints the story, the refusals and the emails sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..adapters.mail import MemoryMailbox
from ..domain.errors import OnboardingError
from ..forms import NewStructureRegistration
from ..notifications import paris_time
from ..service import OnboardingService
from ..testing.fakes import FrozenClock, link_parameters

PASSWORD = "Ma-Boutique-2024!"


class Tour:
    """Prints the story and the emails as they are sent."""

    def __init__(
        self, out: TextIO, service: OnboardingService, mailbox: MemoryMailbox, clock: FrozenClock
    ):
        self.out = out
        self.service = service
        self.mailbox = mailbox
        self.clock = clock
        self._shown = 0

    def say(self, text: str) -> None:
        print(text, file=self.out)

    def title(self, text: str) -> None:
        self.say(f"\n=== {text} ===")

    def emails(self) -> None:
        """Print the emails sent since the last call."""
        for email in self.mailbox.sent[self._shown :]:
            self.say(f"  ✉  À : {', '.join(email.to)} — {email.subject}")
            for line in email.body.splitlines():
                self.say(f"     | {line}")
        self._shown = len(self.mailbox.sent)

    def attempt(self, what: str, action: Callable[[], object]) -> None:
        """Run an action expected to be refused, and print the library's answer."""
        try:
            action()
        except OnboardingError as error:
            self.say(f"  ✗ {what} : refusé [{error.code}] {error}")
        else:  # pragma: no cover - the tour only calls this for refusals
            raise AssertionError(f"{what} was expected to be refused")


def register_new(tour: Tour, email: str, siret: str, first: str, last: str) -> str:
    record = tour.service.lookup_company(siret)
    tour.say(f"- Recherche du SIRET {siret} dans SIRENE : {record.name if record else 'inconnu'}")
    done = tour.service.register_with_new_structure(
        NewStructureRegistration(
            login_email=email,
            login_email_confirmation=email.upper(),
            last_name=last,
            first_name=first,
            captcha="XWWXS",
            siret=siret,
            survey_consent=True,
        )
    )
    tour.say(
        f"- Compte créé pour {first} {last}, gestionnaire principal de la structure ; "
        f"activation possible jusqu'au {paris_time(done.activation_deadline)}"
    )
    tour.emails()
    return done.account_id


def activate(tour: Tour, email: str, password: str) -> None:
    link = link_parameters(tour.mailbox, email, "activationCompte")
    tour.service.activate_account(
        login_email=link["email"],
        token=link["token"],
        password=password,
        password_confirmation=password,
        secret_question="Quel est le nom de mon animal de compagnie ?",
        secret_answer="Médor",
    )
    tour.say(f"- {email} a choisi son mot de passe et sa question secrète : compte actif")
