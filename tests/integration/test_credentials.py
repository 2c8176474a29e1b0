"""Changing credentials ends what they opened; support's decisions stand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chorus_onboarding import Actor, OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.errors import TokenInvalid
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds
from chorus_onboarding.testing.world import ANSWER, LOUISE, PASSWORD, QUESTION, World, build_world

NEW_PASSWORD = "Nouveau-Départ-2025"
SUPPORT = "support@exemple.fr"


def _reset_link(world: World) -> dict[str, str]:
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    world.service.answer_secret_question(LOUISE, step.challenge, ANSWER)
    return world.link(LOUISE, "reinitialisationMotDePasse")


def _follow(world: World, link: dict[str, str]) -> None:
    world.service.reset_password(
        login_email=link["email"],
        token=link["token"],
        new_password="Encore-Un-Autre-2026",
        password_confirmation="Encore-Un-Autre-2026",
    )


def test_a_password_change_kills_the_reset_link_and_the_sessions_before_it() -> None:
    world = build_world()
    me = world.active_user()
    session = world.log_in(LOUISE, PASSWORD)
    link = _reset_link(world)
    world.service.change_password(
        me, current_password=PASSWORD, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
    )
    with pytest.raises(TokenInvalid):
        _follow(world, link)
    assert not world.service.session_is_current(session.account_id, session.credentials_version)
    fresh = world.log_in(LOUISE, NEW_PASSWORD)
    assert fresh.credentials_version == session.credentials_version + 1
    assert world.service.session_is_current(fresh.account_id, fresh.credentials_version)
    assert world.service.account(me).credentials_version == fresh.credentials_version


def test_a_secret_question_change_kills_the_reset_link() -> None:
    world = build_world()
    me = world.active_user()
    link = _reset_link(world)
    world.service.change_secret_question(
        me, current_password=PASSWORD, secret_question=QUESTION, secret_answer="Rex"
    )
    with pytest.raises(TokenInvalid):
        _follow(world, link)


def test_a_reset_ends_the_sessions_and_its_link_works_once() -> None:
    world = build_world()
    world.active_user()
    session = world.log_in(LOUISE, PASSWORD)
    link = _reset_link(world)
    _follow(world, link)
    assert not world.service.session_is_current(session.account_id, session.credentials_version)
    with pytest.raises(TokenInvalid):
        _follow(world, link)


def test_a_deactivation_ends_the_sessions_and_kills_the_reset_link() -> None:
    world = build_world()
    me = world.active_user()
    session = world.log_in(LOUISE, PASSWORD)
    link = _reset_link(world)
    world.service.deactivate_account(me)
    assert not world.service.session_is_current(session.account_id, session.credentials_version)
    with pytest.raises(TokenInvalid):
        _follow(world, link)


def test_junk_never_passes_for_a_current_session() -> None:
    world = build_world()
    world.active_user()
    session = world.log_in(LOUISE, PASSWORD)
    for account_id, version in (
        (session.account_id, True),
        (None, 0),
        ("nobody", 0),
        (session.account_id, "0"),
    ):
        assert not world.service.session_is_current(account_id, version)  # type: ignore[arg-type]


def _world_with_support() -> World:
    clock, mailbox = FrozenClock(), MemoryMailbox()
    service = OnboardingService.in_memory(
        store=MemoryStore(),
        settings=OnboardingSettings(support_email=SUPPORT),
        clock=clock,
        ids=SequentialIds(),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
    )
    return World(service, clock, mailbox)


def test_an_account_support_deactivated_comes_back_only_through_support() -> None:
    world = _world_with_support()
    me = world.active_user()
    world.service.deactivate_account(Actor.support(), str(me.account_id))
    before = len(world.mailbox.to(LOUISE))
    world.service.request_reactivation(LOUISE)
    assert len(world.mailbox.to(LOUISE)) == before, "no link to the owner"
    (asked,) = world.mailbox.to(SUPPORT)
    assert LOUISE in asked.body
    world.service.reactivate_account(Actor.support(), str(me.account_id))
    assert world.service.login(LOUISE, PASSWORD)


def test_an_owner_who_left_comes_back_by_link_once_per_interval() -> None:
    world = _world_with_support()
    me = world.active_user()
    world.service.deactivate_account(me)
    world.service.request_reactivation(LOUISE)
    world.service.request_reactivation(LOUISE)
    links = [e for e in world.mailbox.to(LOUISE) if "reactivationCompte" in e.body]
    assert len(links) == 1, "a second request within five minutes is not heard"
    world.clock.advance(timedelta(minutes=5))
    world.service.request_reactivation(LOUISE)
    assert len([e for e in world.mailbox.to(LOUISE) if "reactivationCompte" in e.body]) == 2
    link = world.link(LOUISE, "reactivationCompte")
    world.service.reactivate_with_link(login_email=link["email"], token=link["token"])
    assert world.service.login(LOUISE, PASSWORD)
    assert world.mailbox.to(SUPPORT) == []
