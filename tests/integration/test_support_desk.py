"""The support desk on every store: closing an account still pending activation, and what follows."""

from __future__ import annotations

import pytest

from chorus_onboarding import AccountState, Actor
from chorus_onboarding.errors import InvalidTransition, NeverActivated, TokenInvalid
from chorus_onboarding.testing.world import (
    LOUISE,
    LOUISE_SIRET,
    THIRTY_DAYS,
    World,
)


@pytest.fixture
def world(chorus_any_world: World) -> World:
    """Each test on memory, SQLite and PostgreSQL."""
    return chorus_any_world


def _state(world: World, account_id: str) -> AccountState:
    return world.service.account(Actor.support(), account_id).state


def test_support_closes_a_pending_account_and_its_link_dies(world: World) -> None:
    account_id = world.register()
    link = world.link(LOUISE)
    world.service.deactivate_account(Actor.support("agent-7"), account_id)
    assert _state(world, account_id) is AccountState.DEACTIVATED
    world.deliver()  # on a database the relay sends, as the worker would
    assert "par un administrateur" in world.mailbox.last_to(LOUISE).body
    with pytest.raises(TokenInvalid):
        world.activate_with(link)
    # The batch leaves it alone: closed is not expired.
    world.clock.advance(THIRTY_DAYS * 2)
    assert world.service.expire_overdue_activations() == 0
    assert _state(world, account_id) is AccountState.DEACTIVATED
    # Its owner cannot bring it back: support closed it.
    world.service.request_reactivation(LOUISE)
    world.deliver()
    assert "reactivationCompte" not in world.mailbox.last_to(LOUISE).body


def test_a_never_activated_account_comes_back_by_a_new_activation_link_from_support(
    world: World,
) -> None:
    account_id = world.register()
    dead = world.link(LOUISE)
    support = Actor.support("agent-7")
    world.service.deactivate_account(support, account_id)
    # Reactivating would make an account with no password active: refused, with the way out.
    with pytest.raises(NeverActivated):
        world.service.reactivate_account(support, account_id)
    world.service.resend_activation(support, account_id)
    assert _state(world, account_id) is AccountState.ACTIVATION_PENDING
    with pytest.raises(TokenInvalid):
        world.activate_with(dead)
    world.activate()
    assert _state(world, account_id) is AccountState.ACTIVE


def test_an_account_once_active_comes_back_by_reactivation_not_by_a_new_activation(
    world: World,
) -> None:
    account_id = world.register()
    world.activate()
    support = Actor.support("agent-7")
    world.service.deactivate_account(support, account_id)
    with pytest.raises(InvalidTransition):
        world.service.resend_activation(support, account_id)
    world.service.reactivate_account(support, account_id)
    assert _state(world, account_id) is AccountState.ACTIVE


def test_a_manager_cannot_reopen_an_account_support_closed(world: World) -> None:
    louise = world.active_user()
    paul = "paul.martin@exemple.fr"
    # Paul registers for Louise's shop: a manager of it may resend his activation email...
    paul_id = world.register_for_existing(paul, siret=LOUISE_SIRET).account_id
    world.service.resend_activation(louise, paul_id)
    # ...until support closes the account: reopening it is support's decision.
    world.service.deactivate_account(Actor.support(), paul_id)
    with pytest.raises(InvalidTransition):
        world.service.resend_activation(louise, paul_id)
    assert _state(world, paul_id) is AccountState.DEACTIVATED
