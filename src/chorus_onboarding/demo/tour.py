"""The narrator of the demo: prints the story, the refusals and the emails sent.

Every line of narration is followed by the emails its step sent, one line
each (the whole text with ``verbose``), so that an email never shows up
under a later step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

import attrs
from stdnum import luhn

from ..adapters.directory import SAMPLE_COMPANIES, MemoryCompanyDirectory
from ..adapters.mail import MemoryMailbox
from ..domain.errors import OnboardingError
from ..domain.identifiers import IdentifierType, StructureIdentifier
from ..domain.structures import Address
from ..forms import NewStructureRegistration
from ..service import LoginCodeSent, LoginResult, OnboardingService
from ..testing.fakes import FrozenClock, link_parameters, login_code_in
from . import layout

PASSWORD = "Ma-Boutique-2024!"
FINAL_PASSWORD = "Nouveau-Départ-2025"
"""Louise's password at the end of the story (the next run logs her in with it)."""


def run_siret(sample: str, run: int) -> str:
    """A valid SIRET derived from a sample one, different for every run."""
    if run == 0:
        return sample
    base = f"{sample[:5]}{run:03d}"
    siren = base + luhn.calc_check_digit(base)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


class Tour:
    """Prints the story and the emails as they are sent."""

    def __init__(
        self,
        out: TextIO,
        service: OnboardingService,
        mailbox: MemoryMailbox,
        clock: FrozenClock,
        *,
        directory: MemoryCompanyDirectory | None = None,
        run: int = 0,
        verbose: bool = False,
    ):
        self.out = out
        self.service = service
        self.mailbox = mailbox
        self.clock = clock
        self.directory = directory
        self.run = run
        self.verbose = verbose
        self._shown = 0

    # A database keeps what earlier runs did: each run tells the story with
    # people and companies of its own (run 0 uses the sample ones as they are).

    def email(self, address: str) -> str:
        """``address`` for this run (``louise+2@...`` on the third run)."""
        if self.run == 0:
            return address
        local, _, domain = address.partition("@")
        return f"{local}+{self.run}@{domain}"

    def siret(self, sample: int) -> str:
        """The SIRET of sample company ``sample`` for this run, known to the company register."""
        record = SAMPLE_COMPANIES[sample]
        value = run_siret(record.identifier.value, self.run)
        if self.directory is not None and self.run:
            self.directory.add(
                attrs.evolve(record, identifier=StructureIdentifier(IdentifierType.SIRET, value))
            )
        return value

    def moved_siret(self, sample: int, street: str, postal_code: str, city: str) -> str:
        """A second establishment of sample company ``sample`` (its SIREN, another NIC), registered
        in the company register at this address: where the company moves to."""
        siren = self.siret(sample)[:9]
        nic = "0009"
        value = siren + nic + luhn.calc_check_digit(siren + nic)
        record = SAMPLE_COMPANIES[sample]
        if self.directory is not None:
            self.directory.add(
                attrs.evolve(
                    record,
                    identifier=StructureIdentifier(IdentifierType.SIRET, value),
                    address=Address(street=street, postal_code=postal_code, city=city),
                )
            )
        return value

    def identifier(self, base: str) -> str:
        """A free (non-EU) identifier for this run."""
        return base if self.run == 0 else f"{base}-{self.run}"

    def _print(self, text: str) -> None:
        print(text, file=self.out)

    def say(self, text: str) -> None:
        """Tell a step that was just taken, then the emails it sent."""
        self._print(text)
        self._emails()

    def title(self, text: str) -> None:
        """Open a journey; an email still unshown is printed first, under the step before."""
        self._emails()
        self._print(f"\n=== {text} ===")

    def lines(self, lines: list[str]) -> None:
        """Print lines that belong to the step just told (a table, an export)."""
        for line in lines:
            self._print(line)

    def link(self, address: str, page: str) -> dict[str, str]:
        """Follow the last link to ``page`` sent to ``address`` (once the relay has run)."""
        self.service.deliver_notifications(10_000)
        return link_parameters(self.mailbox, address, page)

    def code(self, address: str) -> str:
        """The login code in the last email sent to ``address`` (once the relay has run)."""
        self.service.deliver_notifications(10_000)
        code = login_code_in(self.mailbox.last_to(address))
        assert code is not None, f"no login code in the last email to {address}"
        return code

    def log_in(self, address: str, password: str, remembered: str | None = None) -> LoginResult:
        """Journey 6 to the end: the password, then the emailed code when one is asked."""
        answer = self.service.login(address, password, remembered)
        if isinstance(answer, LoginResult):
            return answer
        return self.confirm(address, answer)

    def confirm(
        self, address: str, sent: LoginCodeSent, *, remember_device: bool = False
    ) -> LoginResult:
        """Type the code the last email to ``address`` carries."""
        code = self.code(address)
        return self.service.confirm_login_code(
            address, sent.challenge, code, remember_device=remember_device
        )

    def _emails(self) -> None:
        """Print the emails sent since the last call (the relay runs first, as a worker would).

        On a database nothing is sent until the relay runs: running it here,
        before the next step, keeps each email beside the step that sent it.
        The clock has not moved since that step, so its time is the sending time.
        """
        self.service.deliver_notifications(10_000)
        for email in self.mailbox.sent[self._shown :]:
            self._print(layout.summary(email, self.clock.now()))
            if self.verbose:
                self.lines(layout.body(email))
        self._shown = len(self.mailbox.sent)

    def attempt(self, what: str, action: Callable[[], object]) -> None:
        """Run an action expected to be refused, and print the library's answer.

        A refusal can send an email (the fifth failed login): it is shown by
        the next line of narration, which tells what the refusals led to.
        """
        try:
            action()
        except OnboardingError as error:
            self._print(f"  ✗ {what} : refusé [{error.code}] {error}")
        else:  # pragma: no cover - the tour only calls this for refusals
            raise AssertionError(f"{what} was expected to be refused")


def register_new(tour: Tour, email: str, siret: str, first: str, last: str) -> str:
    """Journey 1: look the SIRET up, register with a new structure; the new account's id."""
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
        f"activation possible jusqu'au {layout.labelled(done.activation_deadline)}"
    )
    return done.account_id


def activate(tour: Tour, email: str, password: str) -> None:
    """Journey 5: follow the activation link sent to ``email`` and choose ``password``."""
    link = tour.link(email, "activationCompte")
    tour.service.activate_account(
        login_email=link["email"],
        token=link["token"],
        password=password,
        password_confirmation=password,
        secret_question="Quel est le nom de mon animal de compagnie ?",
        secret_answer="Médor",
    )
    tour.say(f"- {email} a choisi son mot de passe et sa question secrète : compte actif")
