"""Journey 12: managing one's account, and the support team's part."""

from __future__ import annotations

import pytest

from chorus_onboarding import AccountState, Actor
from chorus_onboarding.domain.errors import InvalidEmail
from chorus_onboarding.errors import (
    AuthenticationFailed,
    ContactEmailUnchanged,
    Forbidden,
    InvalidTransition,
    NotFound,
    SecretAnswerRejected,
    TokenInvalid,
    WrongCurrentPassword,
)
from chorus_onboarding.testing.world import LOUISE, PASSWORD, World

CONTACT = "contact@dressing-louise.fr"
NEW_PASSWORD = "Nouveau-Départ-2025"


def test_changing_the_contact_email_tells_the_old_and_the_new_address(world: World) -> None:
    me = world.active_user()
    world.service.change_contact_email(me, CONTACT)
    assert world.service.account(me).contact_email == CONTACT
    assert (
        world.mailbox.last_to(LOUISE).subject
        == "Chorus Pro - Modification de votre adresse de contact"
    )
    assert (
        world.mailbox.last_to(CONTACT).subject
        == "Chorus Pro - Modification de votre adresse de contact"
    )


def test_the_contact_email_must_be_valid_and_new(world: World) -> None:
    me = world.active_user()
    with pytest.raises(InvalidEmail):
        world.service.change_contact_email(me, "contact@")
    with pytest.raises(ContactEmailUnchanged):
        world.service.change_contact_email(me, LOUISE.upper())


def test_notifications_follow_the_contact_email(world: World) -> None:
    me = world.active_user()
    world.service.change_contact_email(me, CONTACT)
    world.service.change_password(
        me, current_password=PASSWORD, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert (
        world.mailbox.last_to(CONTACT).subject == "Chorus Pro - Modification de votre mot de passe"
    )


def test_changing_the_password_needs_the_current_one(world: World) -> None:
    me = world.active_user()
    with pytest.raises(WrongCurrentPassword) as refused:
        world.service.change_password(
            me,
            current_password="Pas-Le-Bon-2024",
            new_password=NEW_PASSWORD,
            password_confirmation=NEW_PASSWORD,
        )
    assert refused.value.field == "current_password"
    world.service.change_password(
        me, current_password=PASSWORD, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    assert world.service.login(LOUISE, NEW_PASSWORD)


def test_changing_the_secret_question_changes_what_the_reset_asks(world: World) -> None:
    me = world.active_user()
    world.service.change_secret_question(
        me,
        current_password=PASSWORD,
        secret_question="Ma ville de naissance ?",
        secret_answer="Brest",
    )
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    assert step.question == "Ma ville de naissance ?"
    with pytest.raises(SecretAnswerRejected):
        world.service.answer_secret_question(LOUISE, step.challenge, "Médor")
    world.service.answer_secret_question(LOUISE, step.challenge, "brest")


def test_a_user_deactivates_their_account_and_is_told(world: World) -> None:
    me = world.active_user()
    world.service.deactivate_account(me)
    assert world.service.account(Actor.support(), me.account_id).state is AccountState.DEACTIVATED
    assert world.mailbox.last_to(LOUISE).subject == "Chorus Pro - Désactivation de votre compte"
    with pytest.raises(Forbidden):
        world.service.change_contact_email(me, CONTACT)


def test_a_deactivated_user_asks_for_reactivation_and_follows_the_link(world: World) -> None:
    me = world.active_user()
    world.service.change_contact_email(me, CONTACT)
    world.service.deactivate_account(me)
    world.service.request_reactivation(LOUISE)
    link = world.link(CONTACT, "reactivationCompte")
    world.service.reactivate_with_link(login_email=link["email"], token=link["token"])
    assert world.mailbox.last_to(CONTACT).body.startswith(
        "Bonjour,\n\nVotre compte Chorus Pro est de nouveau actif."
    )
    assert world.service.login(LOUISE, PASSWORD)
    with pytest.raises(TokenInvalid):
        world.service.reactivate_with_link(login_email=link["email"], token=link["token"])


def test_asking_for_reactivation_says_nothing_about_unknown_or_active_accounts(
    world: World,
) -> None:
    world.active_user()
    world.service.request_reactivation("inconnu@exemple.fr")
    world.service.request_reactivation(LOUISE)
    assert [email.subject for email in world.mailbox.to(LOUISE)] == [
        "Chorus Pro - Activation de votre compte"
    ]


def test_support_reactivates_and_deactivates_any_account(world: World) -> None:
    me = world.active_user()
    support = Actor.support()
    world.service.deactivate_account(support, me.account_id)
    assert "par un administrateur" in world.mailbox.last_to(LOUISE).body
    world.service.reactivate_account(support, str(me.account_id))
    assert world.service.account(me).state is AccountState.ACTIVE
    with pytest.raises(InvalidTransition):
        world.service.reactivate_account(support, str(me.account_id))


def test_support_finds_an_account_by_its_login_email(world: World) -> None:
    me = world.active_user()
    support = Actor.support("Nadia")
    found = world.service.find_account(support, "  Louise.Galfe@Dressing-Louise.FR ")
    assert (found.id, found.login_email, found.state) == (
        me.account_id,
        LOUISE,
        AccountState.ACTIVE,
    )
    with pytest.raises(NotFound) as unknown:
        world.service.find_account(support, "personne@exemple.fr")
    assert (unknown.value.field, str(unknown.value)) == ("login_email", "Le compte introuvable.")
    with pytest.raises(InvalidEmail):
        world.service.find_account(support, "louise@")
    with pytest.raises(Forbidden):
        world.service.find_account(me, LOUISE)


def test_support_lifts_a_login_suspension_and_the_owner_logs_in_at_once(world: World) -> None:
    me = world.active_user()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            world.service.login(LOUISE, "Pas-Le-Bon-2024")
    with pytest.raises(AuthenticationFailed):
        world.service.login(LOUISE, PASSWORD)  # suspended, even with the right password
    support = Actor.support()
    with pytest.raises(Forbidden):
        world.service.lift_login_suspension(me, str(me.account_id))
    assert world.service.lift_login_suspension(support, str(me.account_id))
    assert world.log_in(LOUISE, PASSWORD).account_id == me.account_id
    assert not world.service.lift_login_suspension(support, str(me.account_id))
    with pytest.raises(NotFound):
        world.service.lift_login_suspension(support, "no-such-account")


def test_users_cannot_act_on_other_accounts(world: World) -> None:
    me = world.active_user()
    other = world.active_user("paul@exemple.fr", "90830166600016")
    with pytest.raises(Forbidden):
        world.service.deactivate_account(me, other.account_id)
    with pytest.raises(Forbidden):
        world.service.reactivate_account(me, str(other.account_id))
    with pytest.raises(Forbidden):
        world.service.account(me, other.account_id)
    with pytest.raises(Forbidden):
        world.service.change_contact_email(Actor.user("no-such-account"), CONTACT)


def test_support_is_told_when_an_account_does_not_exist(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.deactivate_account(Actor.support(), "no-such-account")


def test_the_account_view_never_shows_secrets(world: World) -> None:
    me = world.active_user()
    shown = repr(world.service.account(me))
    assert "fast-insecure" not in shown
    assert "token" not in shown


def test_the_strength_meter_rates_passwords_for_the_form(world: World) -> None:
    weak = world.service.password_strength("azerty")
    strong = world.service.password_strength("Quatre-Chevaux-Bleus-Sous-La-Pluie-1987")
    assert weak.score < strong.score
    assert strong.label in {"Fort", "Très fort"}
    own_name = world.service.password_strength(
        "louisegalfe", login_email=LOUISE, names=("Louise", "Galfe")
    )
    assert own_name.score <= 1
