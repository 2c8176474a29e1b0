"""Issue 11: the principal manager declares the structure's new SIRET; nothing of it is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from chorus_onboarding import (
    Actor,
    AttachmentState,
    NewStructure,
    OnboardingError,
    OnboardingService,
    StructureNaming,
)
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.domain.history import ManagerActionKind
from chorus_onboarding.domain.identifiers import Siret
from chorus_onboarding.domain.structures import CompanyRecord
from chorus_onboarding.errors import (
    CompanyClosed,
    IdentifierReplaced,
    InvalidSiret,
    NotFound,
    PrincipalOnly,
    RegisterUnavailable,
    SiretChangeNeedsSiret,
    SiretNotInRegister,
    SiretTakenByAnotherStructure,
    SiretUnchanged,
    StructureAlreadyRegistered,
)
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds
from chorus_onboarding.testing.plugin import WorldFactory
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, ManagedStructure, World
from tests.integration.test_persistence import BarrierClock, _race

NEW_SIRET = "94821993600010"  # CABINET MARTIN EXPERTISES, LYON, in the sample register
OTHER_SIRET = "78299314100038"  # URSSAF DE CORSE
CLOSED_SIRET = "51819093900018"  # closed, says the register
UNKNOWN_SIRET = "73282932000074"  # valid, but not in the sample register
PAUL = "paul.martin@exemple.fr"
MARC = "marc.petit@exemple.fr"
JEANNE = "jeanne.durand@exemple.fr"


def _everything(world: World, shop: ManagedStructure) -> dict[str, Any]:
    """What the structure holds, keyed by its id: the same before and after the change."""
    service, louise = world.service, shop.manager
    view = service.structure(louise, shop.structure_id)
    people = {email: Actor.user(world.people[email]) for email in (PAUL, MARC, JEANNE)}
    return {
        # All but what the change is about: the SIRET, and the register's name and address.
        "structure": {
            name: value
            for name, value in attrs.asdict(view, recurse=False).items()
            if name not in {"identifier", "company_name", "address", "former_identifiers"}
        },
        "users": service.structure_users(louise, shop.structure_id),
        "pending": [a.id for a in service.pending_attachment_requests(louise, shop.structure_id)],
        "asked": [s.id for s in service.pending_subscription_requests(louise, shop.structure_id)],
        "attachments": {
            email: [(a.id, a.structure_id, a.state) for a in service.my_attachments(actor)]
            for email, actor in people.items()
        },
        "subscriptions": {
            email: [(s.id, s.structure_id, s.state) for s in service.my_subscriptions(actor)]
            for email, actor in people.items()
        },
        "managed": [s.id for s in service.managed_structures(people[MARC])],
    }


def _full_structure(world: World) -> ManagedStructure:
    """Louise's structure with a subscribed member, a delegate, a service, a request waiting."""
    shop = world.structure_with_manager()
    service, louise = world.service, shop.manager
    world.subscribed_member(shop, PAUL)
    marc = world.member(shop, MARC)
    service.grant_manager(louise, shop.structure_id, str(marc.account_id))
    service.add_service(louise, shop.structure_id, "COMPTA", "Comptabilité")
    service.open_espace(louise, shop.structure_id, "SOLLICITATIONS_EMISES")
    service.request_subscription(
        Actor.user(world.people[PAUL]),
        shop.structure_id,
        "SOLLICITATIONS_EMISES",
        habilitation="CONSULTATION_UNIQUEMENT",
    )
    world.register_for_existing(JEANNE, siret=LOUISE_SIRET)
    return shop


def test_the_structure_changes_siret_and_keeps_its_people_and_its_settings(
    chorus_any_world: World,
) -> None:
    world = chorus_any_world
    shop = _full_structure(world)
    before = _everything(world, shop)
    world.deliver()
    sent = len(world.mailbox.sent)

    world.service.declare_siret_change(shop.manager, shop.structure_id, "948 219 936 00010")

    assert _everything(world, shop) == before
    view = world.service.structure(shop.manager, shop.structure_id)
    assert (view.identifier.value, view.company_name, view.address.city) == (
        NEW_SIRET,
        "CABINET MARTIN EXPERTISES",
        "LYON",
    ), "the register's name and address"
    ((former, replaced_at),) = [
        (f.identifier.value, f.replaced_at) for f in view.former_identifiers
    ]
    assert (former, replaced_at) == (LOUISE_SIRET, world.clock.now())
    last = world.service.manager_history(shop.manager, shop.structure_id)[-1]
    assert (last.kind, last.details) == (
        ManagerActionKind.SIRET_CHANGED,
        f"{LOUISE_SIRET} → {NEW_SIRET}",
    )
    assert last.kind.value == "Changement de SIRET"
    world.deliver()
    told = world.mailbox.sent[sent:]
    assert sorted(address for email in told for address in email.to) == sorted(
        [LOUISE, PAUL, MARC, JEANNE]
    ), "one email to each person attached or asking to be"
    assert all(
        email.subject == "Chorus Pro - Changement de SIRET de la structure" for email in told
    )
    assert f"{NEW_SIRET}, qui remplace le SIRET {LOUISE_SIRET}" in told[0].body


def test_the_former_siret_still_finds_the_structure_replaced_by_the_new_one(
    chorus_any_world: World,
) -> None:
    world = chorus_any_world
    shop = world.structure_with_manager()
    world.service.declare_siret_change(shop.manager, shop.structure_id, NEW_SIRET)
    paul = world.user_without_structure(PAUL)

    (found,) = world.service.search_structures(paul, StructureNaming(siret=LOUISE_SIRET))
    assert (found.id, found.identifier.value) == (shop.structure_id, NEW_SIRET)
    assert found.replaced_identifier is not None
    assert found.replaced_identifier.value == LOUISE_SIRET
    public = world.service.registered_structure(StructureNaming(siret=LOUISE_SIRET))
    assert public == found
    (current,) = world.service.search_structures(paul, StructureNaming(siret=NEW_SIRET))
    assert current.id == shop.structure_id
    assert current.replaced_identifier is None

    # Asking to join by the former SIRET asks the same structure.
    asked = world.register_for_existing(JEANNE, siret=LOUISE_SIRET)
    assert asked.structure_id == shop.structure_id
    request = world.service.request_attachment(paul, found.id)
    waiting = world.service.pending_attachment_requests(shop.manager, shop.structure_id)
    assert {a.id for a in waiting} == {asked.attachment_id, request}


def test_no_new_structure_takes_a_replaced_siret(chorus_any_world: World) -> None:
    world = chorus_any_world
    shop = world.structure_with_manager()
    world.service.declare_siret_change(shop.manager, shop.structure_id, NEW_SIRET)

    with pytest.raises(IdentifierReplaced) as refused:
        world.register(PAUL, LOUISE_SIRET)
    assert refused.value.params == {"identifier": LOUISE_SIRET, "replaced_by": NEW_SIRET}
    assert str(refused.value) == (
        f"Le SIRET {LOUISE_SIRET} a été remplacé par le SIRET {NEW_SIRET} : la structure "
        "est déjà inscrite sur Chorus Pro sous son nouveau SIRET."
    )
    jeanne = world.user_without_structure(JEANNE)
    with pytest.raises(IdentifierReplaced):
        world.service.create_structure(jeanne, NewStructure(siret=LOUISE_SIRET))
    assert world.service.managed_structures(jeanne) == []
    # Nor does a structure declaring it as its new SIRET.
    other = world.structure_with_manager("claire@exemple.fr", OTHER_SIRET)
    with pytest.raises(IdentifierReplaced):
        world.service.declare_siret_change(other.manager, other.structure_id, LOUISE_SIRET)
    with pytest.raises(IdentifierReplaced):
        world.service.declare_siret_change(shop.manager, shop.structure_id, LOUISE_SIRET)


@pytest.mark.parametrize(
    ("siret", "refusal"),
    [
        ("52601815500015", InvalidSiret),
        (None, InvalidSiret),
        (LOUISE_SIRET, SiretUnchanged),
        (OTHER_SIRET, SiretTakenByAnotherStructure),
        (CLOSED_SIRET, CompanyClosed),
        (UNKNOWN_SIRET, SiretNotInRegister),
    ],
)
def test_a_siret_the_rules_refuse_changes_nothing(
    chorus_any_world: World, siret: object, refusal: type[OnboardingError]
) -> None:
    world = chorus_any_world
    shop = world.structure_with_manager()
    world.structure_with_manager("claire@exemple.fr", OTHER_SIRET)
    before = world.service.structure(shop.manager, shop.structure_id)
    history = world.service.manager_history(shop.manager, shop.structure_id)

    with pytest.raises(refusal) as refused:
        world.service.declare_siret_change(shop.manager, shop.structure_id, siret)  # type: ignore[arg-type]
    assert refused.value.field == "siret"

    assert world.service.structure(shop.manager, shop.structure_id) == before
    assert world.service.manager_history(shop.manager, shop.structure_id) == history


def test_a_taken_siret_asks_for_support_to_merge() -> None:
    refusal = SiretTakenByAnotherStructure(field="siret", identifier=OTHER_SIRET)
    assert isinstance(refusal, StructureAlreadyRegistered)
    assert str(refusal) == (
        f"Le SIRET {OTHER_SIRET} a déjà une structure sur Chorus Pro : demandez au support "
        "de fusionner les deux structures."
    )


def test_only_the_principal_manager_declares_it(chorus_any_world: World) -> None:
    world = chorus_any_world
    shop = world.structure_with_manager()
    marc = world.member(shop, MARC)
    world.service.grant_manager(shop.manager, shop.structure_id, str(marc.account_id))
    for someone in (marc, world.member(shop, PAUL)):
        with pytest.raises(PrincipalOnly):
            world.service.declare_siret_change(someone, shop.structure_id, NEW_SIRET)
    with pytest.raises(OnboardingError):
        world.service.declare_siret_change(Actor.support(), shop.structure_id, NEW_SIRET)
    assert world.service.structure(shop.manager, shop.structure_id).identifier.value == LOUISE_SIRET


def test_a_structure_without_siret_has_none_to_change(chorus_any_world: World) -> None:
    world = chorus_any_world
    world.register(
        PAUL,
        siret="",
        identifier_type="HORS_UE",
        identifier="ACME-1",
        company_name="Acme",
        street="1 Main Street",
        postal_code="1000",
        city="Bruxelles",
        country="BE",
    )
    world.activate(PAUL)
    paul = Actor.user(world.people[PAUL])
    (acme,) = world.service.managed_structures(paul)
    with pytest.raises(SiretChangeNeedsSiret):
        world.service.declare_siret_change(paul, acme.id, NEW_SIRET)


class _Silent:
    """A company register that does not answer."""

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        raise RegisterUnavailable()


def test_when_the_register_does_not_answer_nothing_changes() -> None:
    clock, mailbox, store = FrozenClock(), MemoryMailbox(), MemoryStore()
    service = OnboardingService.in_memory(
        store=store,
        clock=clock,
        ids=SequentialIds(),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
    )
    world = World(service, clock, mailbox, store)
    shop = world.structure_with_manager()
    silent = OnboardingService.in_memory(
        store=store,
        clock=clock,
        ids=SequentialIds("other"),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
        directory=_Silent(),
    )
    with pytest.raises(RegisterUnavailable):
        silent.declare_siret_change(shop.manager, shop.structure_id, NEW_SIRET)
    assert service.structure(shop.manager, shop.structure_id).identifier.value == LOUISE_SIRET


# --- races, on both databases ---------------------------------------------------------

DATABASES = ["sqlite", "postgresql"]


def _race_on(
    factory: WorldFactory, store: str, *racers: Callable[[World, ManagedStructure], object]
) -> tuple[World, ManagedStructure, list[object]]:
    """Louise's structure and Paul on ``store``, then the racers at once, past their first ``now()``.

    Each racer has read what it acts on when it first asks the time: all
    of them then write side by side.
    """
    clock = BarrierClock()
    world = factory(store, clock=clock)  # type: ignore[arg-type]
    shop = world.structure_with_manager()
    world.user_without_structure(PAUL)
    clock.barrier = threading.Barrier(len(racers))
    results = _race(len(racers), lambda index: racers[index](world, shop))
    clock.barrier = None
    return world, shop, results


def _declare(world: World, shop: ManagedStructure) -> None:
    world.service.declare_siret_change(shop.manager, shop.structure_id, NEW_SIRET)


def _ask_by_the_former_siret(world: World, _: ManagedStructure) -> str:
    paul = Actor.user(world.people[PAUL])
    (found,) = world.service.search_structures(paul, StructureNaming(siret=LOUISE_SIRET))
    return world.service.request_attachment(paul, found.id)


@pytest.mark.parametrize("store", DATABASES)
def test_a_request_to_join_by_the_former_siret_racing_the_change_is_never_lost(
    chorus_world_factory: WorldFactory, store: str
) -> None:
    world, shop, results = _race_on(
        chorus_world_factory,
        store,
        _declare,
        lambda world, _: world.register_for_existing(JEANNE, siret=LOUISE_SIRET),
        _ask_by_the_former_siret,
    )
    assert not any(isinstance(r, OnboardingError) for r in results), results
    view = world.service.structure(shop.manager, shop.structure_id)
    assert view.identifier.value == NEW_SIRET
    waiting = world.service.pending_attachment_requests(shop.manager, shop.structure_id)
    assert sorted(a.login_email for a in waiting) == [JEANNE, PAUL]
    assert all(a.state is AttachmentState.PENDING for a in waiting)


@pytest.mark.parametrize("store", DATABASES)
def test_a_new_structure_racing_the_change_to_its_siret_one_wins_whole(
    chorus_world_factory: WorldFactory, store: str
) -> None:
    world, shop, (declared, registered) = _race_on(
        chorus_world_factory,
        store,
        _declare,
        lambda world, _: world.register("claire@exemple.fr", NEW_SIRET),
    )
    lost = [r for r in (declared, registered) if isinstance(r, OnboardingError)]
    assert len(lost) == 1, (declared, registered)
    assert isinstance(lost[0], StructureAlreadyRegistered), lost
    found = world.service.registered_structure(StructureNaming(siret=NEW_SIRET))
    assert found is not None
    view = world.service.structure(shop.manager, shop.structure_id)
    kinds = [a.kind for a in world.service.manager_history(shop.manager, shop.structure_id)]
    if declared is None:
        assert found.id == shop.structure_id
        assert view.identifier.value == NEW_SIRET
        with pytest.raises(NotFound):
            world.service.find_account(Actor.support(), "claire@exemple.fr")
        assert kinds.count(ManagerActionKind.SIRET_CHANGED) == 1
    else:
        assert isinstance(declared, SiretTakenByAnotherStructure), declared
        assert found.id != shop.structure_id
        assert view.identifier.value == LOUISE_SIRET
        assert view.former_identifiers == ()
        old = world.service.registered_structure(StructureNaming(siret=LOUISE_SIRET))
        assert old is not None
        assert old.replaced_identifier is None
        assert ManagerActionKind.SIRET_CHANGED not in kinds
