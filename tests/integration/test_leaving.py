"""Who may end whose place in a structure: leaving, and what a delegated manager may not do."""

from __future__ import annotations

import pytest

from chorus_onboarding import Actor
from chorus_onboarding.errors import PrincipalMustTransferFirst, PrincipalOnly
from chorus_onboarding.testing.world import World, build_world


def _shop(world: World) -> tuple[Actor, str, Actor, Actor]:
    """Louise's shop with a delegated manager and a plain member."""
    louise = world.active_user()
    shop = world.service.managed_structures(louise)[0].id
    delegate = world.user_without_structure("delegate@exemple.fr")
    member = world.user_without_structure("member@exemple.fr")
    for email in ("delegate@exemple.fr", "member@exemple.fr"):
        world.attach(louise, shop, email)
    world.service.grant_manager(louise, shop, str(delegate.account_id))
    return louise, shop, delegate, member


def test_a_member_leaves_and_their_rights_end_with_it() -> None:
    world = build_world()
    louise, shop, _, member = _shop(world)
    asked = world.service.request_subscription(member, shop, "FACTURES_EMISES")
    world.service.validate_subscription(louise, asked)
    assert world.service.can_access(
        str(member.account_id), shop, "FACTURES_EMISES", "CONSULTATION_UNIQUEMENT"
    )
    world.service.leave_structure(member, shop)
    assert not world.service.can_access(
        str(member.account_id), shop, "FACTURES_EMISES", "CONSULTATION_UNIQUEMENT"
    )
    assert [s.state.name for s in world.service.my_subscriptions(member)] == ["ANNULE"]
    history = world.service.manager_history(louise, shop)
    assert history[-1].kind.name == "USER_LEFT"
    assert all("n'est plus rattaché" not in e.body for e in world.mailbox.to("member@exemple.fr"))


def test_a_delegated_manager_who_leaves_keeps_no_managing_right() -> None:
    world = build_world()
    _, shop, delegate, _ = _shop(world)
    world.service.leave_structure(delegate, shop)
    assert world.service.managed_structures(delegate) == []


def test_the_principal_manager_cannot_leave_nor_be_detached() -> None:
    world = build_world()
    louise, shop, delegate, _ = _shop(world)
    with pytest.raises(PrincipalMustTransferFirst):
        world.service.leave_structure(louise, shop)
    with pytest.raises(PrincipalMustTransferFirst):
        world.service.detach_user(delegate, shop, str(louise.account_id))


def test_a_delegated_manager_detaches_plain_members_only() -> None:
    world = build_world()
    louise, shop, delegate, member = _shop(world)
    other = world.user_without_structure("other@exemple.fr")
    world.attach(louise, shop, "other@exemple.fr")
    world.service.grant_manager(louise, shop, str(other.account_id))
    with pytest.raises(PrincipalOnly):
        world.service.detach_user(delegate, shop, str(other.account_id))
    granted = world.service.request_subscription(member, shop, "FACTURES_EMISES")
    world.service.validate_subscription(louise, granted)
    with pytest.raises(PrincipalOnly):
        world.service.detach_user(delegate, shop, str(member.account_id))
    plain = world.user_without_structure("plain@exemple.fr")
    world.attach(louise, shop, "plain@exemple.fr")
    world.service.detach_user(delegate, shop, str(plain.account_id))
    world.service.detach_user(louise, shop, str(member.account_id))
    world.service.detach_user(louise, shop, str(other.account_id))
    assert world.mailbox.last_to("member@exemple.fr").subject == "Chorus Pro - Fin de rattachement"
