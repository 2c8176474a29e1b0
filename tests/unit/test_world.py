"""The kit's world helpers walk the journeys they are named after, on any store."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorus_onboarding import Actor, AttachmentState, Espace, SubscriptionState
from chorus_onboarding.errors import InvalidInput, NotFound
from chorus_onboarding.testing.world import (
    LOUISE,
    ManagedStructure,
    World,
    build_world,
    empty_database,
)

PAUL = "paul.martin@exemple.fr"


def _attachment_state(world: World, user: Actor, structure_id: str) -> AttachmentState:
    (attachment,) = [
        a for a in world.service.my_attachments(user) if a.structure_id == structure_id
    ]
    return attachment.state


def test_a_structure_with_its_manager_names_the_structure_its_principal_manager_runs(
    world: World,
) -> None:
    shop = world.structure_with_manager()
    assert shop == ManagedStructure(shop.structure_id, Actor.user(world.people[LOUISE]), LOUISE)
    view = world.service.structure(shop.manager, shop.structure_id)
    assert view.principal_manager_id == shop.manager.account_id
    assert view.identifier.value == "52601815500014"


@pytest.mark.parametrize("by", ["request", "invitation"])
def test_a_member_is_attached_by_the_journey_asked_for(world: World, by: str) -> None:
    shop = world.structure_with_manager()
    paul = world.member(shop, PAUL, by=by)  # type: ignore[arg-type]
    assert _attachment_state(world, paul, shop.structure_id) is AttachmentState.VALIDATED
    kinds = [
        action.kind.name
        for action in world.service.manager_history(shop.manager, shop.structure_id)
    ]
    assert ("USER_INVITED" in kinds) is (by == "invitation")


def test_a_member_who_already_has_an_account_keeps_it(world: World) -> None:
    shop = world.structure_with_manager()
    paul = world.user_without_structure(PAUL)
    assert world.member(shop, PAUL) == paul


def test_a_member_by_any_other_journey_is_refused(world: World) -> None:
    shop = world.structure_with_manager()
    with pytest.raises(InvalidInput) as refused:
        world.member(shop, PAUL, by="magic")  # type: ignore[arg-type]
    assert refused.value.field == "by"
    assert PAUL not in world.people


def test_a_subscribed_member_holds_the_right_asked_for(world: World) -> None:
    shop = world.structure_with_manager()
    paul = world.subscribed_member(shop, PAUL, "FACTURES_EMISES", "MODIFICATION")
    assert paul.account_id is not None
    assert world.service.can_access(
        paul.account_id, shop.structure_id, "FACTURES_EMISES", "MODIFICATION"
    )
    (subscription,) = world.service.my_subscriptions(paul)
    assert subscription.state is SubscriptionState.VALIDE


@pytest.mark.parametrize(
    ("espace", "opening"),
    [
        ("FACTURES_TRAVAUX", None),
        ("MEMOIRES_FRAIS_JUSTICE", {"categorie_prestataire": "EXPERT"}),
    ],
)
def test_a_subscription_to_an_espace_not_open_opens_it_first(
    world: World, espace: str, opening: dict[str, str] | None
) -> None:
    shop = world.structure_with_manager()
    wanted = Espace.parse(espace)
    assert world.service.structure(shop.manager, shop.structure_id).opened(wanted) is None
    paul = world.subscribed_member(shop, PAUL, espace, opening=opening)
    opened = world.service.structure(shop.manager, shop.structure_id).opened(wanted)
    assert opened is not None
    assert paul.account_id is not None
    assert world.service.can_access(
        paul.account_id, shop.structure_id, espace, "CONSULTATION_UNIQUEMENT"
    )


def test_an_espace_open_for_consultation_only_is_opened_for_modification_when_asked(
    world: World,
) -> None:
    shop = world.structure_with_manager()
    world.service.open_espace(
        shop.manager, shop.structure_id, "FACTURES_EMISES", modification=False
    )
    paul = world.subscribed_member(shop, PAUL, "FACTURES_EMISES", "MODIFICATION")
    assert paul.account_id is not None
    assert world.service.can_access(
        paul.account_id, shop.structure_id, "FACTURES_EMISES", "MODIFICATION"
    )


def test_following_the_last_link_reads_the_last_email_only(world: World) -> None:
    shop = world.structure_with_manager()
    world.register(PAUL, "90830166600016")
    first = world.follow_last_link(PAUL)
    assert first == world.link(PAUL)
    world.service.resend_activation(Actor.support(), world.people[PAUL])
    # The resent email's link, not the first one's.
    again = world.follow_last_link(PAUL)
    assert again["email"] == PAUL
    assert again["token"] != first["token"]
    world.activate_with(again)
    world.attach(shop.manager, shop.structure_id, PAUL)
    # The last email is the invitation: it has no activation link, older ones do.
    assert world.link(PAUL) == again
    with pytest.raises(LookupError, match="no link to activationCompte"):
        world.follow_last_link(PAUL)


def test_following_a_link_to_nobody_is_a_lookup_error_and_junk_is_refused(world: World) -> None:
    with pytest.raises(LookupError):
        world.follow_last_link("personne@exemple.fr")
    with pytest.raises(InvalidInput):
        world.follow_last_link(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        world.follow_last_link(LOUISE, "")


def test_a_world_on_sqlite_keeps_its_data_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "world.sqlite3"
    world = build_world(store="sqlite", path=path)
    try:
        shop = world.structure_with_manager()
        assert world.kind == "sqlite"
        assert path.stat().st_size > 0
    finally:
        world.close()
    again = build_world(store="sqlite", path=path)
    try:
        assert again.service.structure(shop.manager, shop.structure_id).id == shop.structure_id
    finally:
        again.close()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"store": "mongodb"}, "store"),
        ({"store": "sqlite"}, "path"),
        ({"store": "sqlite", "path": 3}, "path"),
        ({"store": "postgresql"}, "url"),
    ],
)
def test_a_world_on_a_store_it_cannot_reach_is_refused(
    arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_world(**arguments)  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize("junk", ["", None, 3])
def test_emptying_a_database_without_its_url_is_refused(junk: object) -> None:
    with pytest.raises(InvalidInput):
        empty_database(junk)  # type: ignore[arg-type]


def test_a_world_in_memory_has_no_database_and_forgets_nothing(world: World) -> None:
    assert world.kind == "memory"
    shop = world.structure_with_manager()
    with pytest.raises(NotFound):
        world.service.structure(shop.manager, "no-such-structure")
