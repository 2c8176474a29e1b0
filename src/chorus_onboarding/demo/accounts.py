"""Journeys 1, 5, 6, 7 and 12: accounts, from registration to deactivation."""

from __future__ import annotations

from contextlib import suppress

from ..actors import Actor
from ..domain.errors import AuthenticationFailed
from ..forms import NewStructureRegistration
from ..service import LoginCodeSent, LoginResult
from . import layout
from .tour import FINAL_PASSWORD, PASSWORD, Tour, activate, register_new

LOUISE = "louise.galfe@dressing-louise.fr"
PAUL = "paul.martin@earl-trois-chenes.fr"


def tell(tour: Tour) -> tuple[Actor, Actor]:
    """Journeys 1, 5, 6, 7 and 12, and the expiry batch; returns Louise and Paul, active."""
    service, clock = tour.service, tour.clock
    louise_siret, farm_siret = tour.siret(0), tour.siret(2)
    louise_email, paul_email = tour.email(LOUISE), tour.email(PAUL)
    contact = tour.email("contact@dressing-louise.fr")

    tour.title("Parcours 1 : inscription avec une nouvelle structure (SIRET)")
    louise = register_new(tour, louise_email, louise_siret, "Louise", "GALFE")
    tour.attempt(
        "Seconde inscription avec la même adresse (casse différente)",
        lambda: register_new(tour, louise_email.upper(), farm_siret, "Louise", "GALFE"),
    )

    tour.title("Parcours 5 : activation du compte")
    weak = "motdepasse"
    strength = service.password_strength(weak)
    tour.say(f"- Complexité de « {weak} » : {strength.label} ({strength.score}/4)")
    link = tour.link(louise_email, "activationCompte")
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
    activate(tour, louise_email, PASSWORD)

    tour.title("Parcours 5 bis : lien d'activation expiré, puis renvoyé")
    paul = register_new(tour, paul_email, farm_siret, "Paul", "MARTIN")
    clock.advance(days=30, seconds=1)
    tour.say("- 30 jours et 1 seconde plus tard, Paul clique enfin sur le lien…")
    tour.attempt("Activation", lambda: activate(tour, paul_email, PASSWORD))
    tour.say(f"- État du compte de Paul : {service.account(Actor.support(), paul).state.label}")
    service.resend_activation(Actor.support(), paul)
    tour.say("- Le support renvoie un courriel d'activation (l'ancien lien est annulé) :")
    activate(tour, paul_email, PASSWORD)

    tour.title("Parcours 6 : connexion, avec le code envoyé par courriel (portail depuis 2024)")
    tour.attempt(
        "Connexion avec un mauvais mot de passe", lambda: service.login(louise_email, "nope")
    )
    tour.attempt("Connexion avec une adresse inconnue", lambda: service.login("x@y.fr", PASSWORD))
    first = service.login(louise_email.upper(), PASSWORD)
    assert isinstance(first, LoginCodeSent)
    tour.say(
        f"- Bon mot de passe : pas encore de session, un code à {first.code_length} chiffres "
        f"part vers l'adresse de connexion (valable jusqu'au {layout.labelled(first.expires_at)})"
    )
    tour.attempt(
        "Code erroné",
        lambda: service.confirm_login_code(louise_email, first.challenge, "000000"),
    )
    tour.attempt(
        "Nouveau code demandé aussitôt",
        lambda: service.resend_login_code(louise_email, first.challenge),
    )
    clock.advance(minutes=1)
    sent = service.resend_login_code(louise_email, first.challenge)
    tour.say("- Une minute plus tard, Louise demande un nouveau code : l'ancien n'est plus accepté")
    session = tour.confirm(louise_email, sent, remember_device=True)
    tour.say(
        f"- Louise saisit le code : elle est connectée (compte {session.account_id}) "
        "et demande qu'on se souvienne de cet appareil"
    )
    again = service.login(louise_email, PASSWORD, session.remembered_device)
    assert isinstance(again, LoginResult)
    tour.say("- Sur l'appareil mémorisé, le mot de passe suffit : aucun code n'est envoyé")

    def intruder() -> None:
        # One line for five identical refusals: the first four as the fifth.
        for _ in range(4):
            with suppress(AuthenticationFailed):
                service.login(paul_email, "Devine-1234!")
        service.login(paul_email, "Devine-1234!")

    tour.attempt("Connexion d'un intrus, 5 fois de suite", intruder)
    tour.say("- Après 5 échecs, les connexions de Paul sont suspendues et il est prévenu :")
    clock.advance(minutes=16)

    tour.title("Parcours 7 : mot de passe oublié")
    step = service.start_password_reset(louise_email, "xwwxs")
    tour.say(f"- Question secrète posée : {step.question}")
    tour.attempt(
        "Mauvaise réponse",
        lambda: service.answer_secret_question(louise_email, step.challenge, "Rex"),
    )
    service.answer_secret_question(louise_email, step.challenge, "  medor ")
    tour.say(
        "- Bonne réponse (casse et accents ignorés) : un lien part vers l'adresse de connexion"
    )
    reset = tour.link(louise_email, "reinitialisationMotDePasse")
    new_password = FINAL_PASSWORD
    service.reset_password(
        login_email=reset["email"],
        token=reset["token"],
        new_password=new_password,
        password_confirmation=new_password,
    )
    tour.say("- Nouveau mot de passe choisi grâce au lien")
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
    service.change_contact_email(me, contact)
    tour.say("- Nouvelle adresse de contact : l'ancienne et la nouvelle sont prévenues")
    service.deactivate_account(me)
    tour.say("- Louise désactive son compte")
    tour.attempt(
        "Connexion d'un compte désactivé", lambda: service.login(louise_email, new_password)
    )
    service.request_reactivation(louise_email)
    tour.say("- Louise demande la réactivation : un lien part vers son adresse de contact")
    back = tour.link(contact, "reactivationCompte")
    service.reactivate_with_link(login_email=back["email"], token=back["token"])
    tour.say("- Elle suit le lien : son compte est réactivé")
    tour.say(
        f"- Louise se reconnecte : {tour.log_in(louise_email, new_password).first_name} est de retour"
    )

    tour.title("Traitement par lots : expiration des activations")
    service.register_with_new_structure(
        NewStructureRegistration(
            login_email=tour.email("jean.retard@exemple.fr"),
            login_email_confirmation=tour.email("jean.retard@exemple.fr"),
            last_name="RETARD",
            first_name="Jean",
            captcha="XWWXS",
            identifier_type="PARTICULIER",
            company_name="Jean RETARD",
            street="3 rue des Lilas",
            postal_code="69003",
            city="Lyon",
        )
    )
    tour.say(
        "- Jean RETARD, particulier, s'inscrit (parcours 2 : identifiant attribué) et oublie d'activer"
    )
    clock.advance(days=31)
    tour.say(
        f"- 31 jours plus tard, comptes expirés par le lot : {service.expire_overdue_activations()}"
    )
    return Actor.user(louise), Actor.user(paul)
