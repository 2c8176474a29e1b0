"""A guided tour of the journeys, told step by step on the in-memory wiring.

Run it with ``python -m chorus_onboarding demo``. Time is simulated (a clock
that the tour moves forward), so that the 30-day activation deadline can be
shown passing; everything else is the real library, argon2id included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from .actors import Actor
from .adapters.directory import SAMPLE_COMPANIES
from .adapters.mail import MemoryMailbox
from .domain.errors import OnboardingError
from .forms import NewStructureRegistration
from .notifications import paris_time
from .service import OnboardingService
from .testing.fakes import FrozenClock, link_parameters

LOUISE = "louise.galfe@dressing-louise.fr"
PAUL = "paul.martin@earl-trois-chenes.fr"
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


def register(tour: Tour, email: str, siret: str, first: str, last: str) -> str:
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


def run(out: TextIO) -> None:
    """Tell journeys 1, 5, 6, 7 and 12 on a fresh in-memory service."""
    clock = FrozenClock()
    mailbox = MemoryMailbox()
    service = OnboardingService.in_memory(clock=clock, mailer=mailbox)
    tour = Tour(out, service, mailbox, clock)
    louise_siret = SAMPLE_COMPANIES[0].identifier.value
    farm_siret = SAMPLE_COMPANIES[2].identifier.value

    tour.title("Parcours 1 : inscription avec une nouvelle structure (SIRET)")
    louise = register(tour, LOUISE, louise_siret, "Louise", "GALFE")
    tour.attempt(
        "Seconde inscription avec la même adresse (casse différente)",
        lambda: register(tour, LOUISE.upper(), farm_siret, "Louise", "GALFE"),
    )

    tour.title("Parcours 5 : activation du compte")
    weak = "motdepasse"
    strength = service.password_strength(weak)
    tour.say(f"- Complexité de « {weak} » : {strength.label} ({strength.score}/4)")
    link = link_parameters(mailbox, LOUISE, "activationCompte")
    tour.attempt(
        "Activation avec un mot de passe trop faible",
        lambda: service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=weak,
            password_confirmation=weak,
            secret_question="Quel est le nom de mon animal de compagnie ?",
            secret_answer="Médor",
        ),
    )
    activate(tour, LOUISE, PASSWORD)

    tour.title("Parcours 5 bis : lien d'activation expiré, puis renvoyé")
    paul = register(tour, PAUL, farm_siret, "Paul", "MARTIN")
    clock.advance(days=30, seconds=1)
    tour.say("- 30 jours et 1 seconde plus tard, Paul clique enfin sur le lien…")
    tour.attempt("Activation", lambda: activate(tour, PAUL, PASSWORD))
    tour.say(f"- État du compte de Paul : {service.account(Actor.support(), paul).state.value}")
    service.resend_activation(Actor.support(), paul)
    tour.say("- Le support renvoie un courriel d'activation (l'ancien lien est annulé) :")
    tour.emails()
    activate(tour, PAUL, PASSWORD)

    tour.title("Parcours 6 : connexion")
    tour.attempt("Connexion avec un mauvais mot de passe", lambda: service.login(LOUISE, "nope"))
    tour.attempt("Connexion avec une adresse inconnue", lambda: service.login("x@y.fr", PASSWORD))
    session = service.login(LOUISE.upper(), PASSWORD)
    tour.say(f"- Louise est connectée (compte {session.account_id})")
    for _ in range(5):
        tour.attempt("Connexion d'un intrus", lambda: service.login(PAUL, "Devine-1234!"))
    tour.say("- Après 5 échecs, les connexions de Paul sont suspendues et il est prévenu :")
    tour.emails()
    clock.advance(minutes=16)

    tour.title("Parcours 7 : mot de passe oublié")
    step = service.start_password_reset(LOUISE, "xwwxs")
    tour.say(f"- Question secrète posée : {step.question}")
    tour.attempt(
        "Mauvaise réponse", lambda: service.answer_secret_question(LOUISE, step.challenge, "Rex")
    )
    service.answer_secret_question(LOUISE, step.challenge, "  medor ")
    tour.say(
        "- Bonne réponse (casse et accents ignorés) : un lien part vers l'adresse de connexion"
    )
    tour.emails()
    reset = link_parameters(mailbox, LOUISE, "reinitialisationMotDePasse")
    new_password = "Nouveau-Départ-2025"
    service.reset_password(
        login_email=reset["email"],
        token=reset["token"],
        new_password=new_password,
        password_confirmation=new_password,
    )
    tour.say("- Nouveau mot de passe choisi grâce au lien")
    tour.emails()
    tour.attempt(
        "Réutilisation du même lien",
        lambda: service.reset_password(
            login_email=reset["email"],
            token=reset["token"],
            new_password=new_password,
            password_confirmation=new_password,
        ),
    )

    tour.title("Parcours 12 : gérer son compte")
    me = Actor.user(louise)
    service.change_contact_email(me, "contact@dressing-louise.fr")
    tour.say("- Nouvelle adresse de contact : l'ancienne et la nouvelle sont prévenues")
    tour.emails()
    service.deactivate_account(me)
    tour.say("- Louise désactive son compte")
    tour.emails()
    tour.attempt("Connexion d'un compte désactivé", lambda: service.login(LOUISE, new_password))
    service.request_reactivation(LOUISE)
    tour.say("- Louise demande la réactivation : un lien part vers son adresse de contact")
    tour.emails()
    back = link_parameters(mailbox, "contact@dressing-louise.fr", "reactivationCompte")
    service.reactivate_with_link(login_email=back["email"], token=back["token"])
    tour.emails()
    tour.say(
        f"- Louise se reconnecte : {service.login(LOUISE, new_password).first_name} est de retour"
    )

    tour.title("Traitement par lots : expiration des activations")
    register(
        tour, "retardataire@gaec-plateau.fr", SAMPLE_COMPANIES[3].identifier.value, "Jean", "RETARD"
    )
    clock.advance(days=31)
    tour.say(
        f"- 31 jours plus tard, comptes expirés par le lot : {service.expire_overdue_activations()}"
    )
