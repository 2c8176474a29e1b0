"""The support desk's log on every store: each support action kept, with the agent who did it."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from chorus_onboarding import Actor, BatchOutcome, OnboardingError, OnboardingService
from chorus_onboarding.domain.support_log import SupportAction, SupportActionKind
from chorus_onboarding.errors import (
    Forbidden,
    InvalidEmail,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from chorus_onboarding.testing.world import LOUISE, World
from tests.integration.test_robustness import _calls, _prepared

K = SupportActionKind
NADIA = Actor.support("Nadia")
PAUL = "paul.martin@exemple.fr"


@pytest.fixture
def world(chorus_any_world: World) -> World:
    """Each test on memory, SQLite and PostgreSQL."""
    return chorus_any_world


def _kinds(actions: list[SupportAction]) -> list[SupportActionKind]:
    return [action.kind for action in actions]


def test_every_support_action_on_an_account_is_kept_with_the_agent_newest_first(
    world: World,
) -> None:
    me = world.active_user()
    louise = str(me.account_id)
    service = world.service
    assert service.find_account(NADIA, LOUISE).id == louise
    service.account(NADIA, louise)
    service.my_attachments(NADIA, louise)
    service.my_subscriptions(NADIA, louise)
    service.my_authorisations(NADIA, louise)
    service.my_requests(NADIA, louise)
    assert not service.lift_login_suspension(NADIA, louise)
    service.deactivate_account(NADIA, louise)
    service.reactivate_account(NADIA, louise)
    history = service.support_history(NADIA, louise)
    assert _kinds(history) == [
        K.ACCOUNT_REACTIVATED,
        K.ACCOUNT_DEACTIVATED,
        K.LOGIN_SUSPENSION_LIFTED,
        K.REQUESTS_READ,
        K.AUTHORISATIONS_READ,
        K.SUBSCRIPTIONS_READ,
        K.ATTACHMENTS_READ,
        K.ACCOUNT_READ,
        K.ACCOUNT_LOOKED_UP,
    ]
    assert {(a.actor, a.account_id, a.structure_id, a.at) for a in history} == {
        ("support:Nadia", louise, None, world.clock.now())
    }
    assert history[-1].details == LOUISE  # the address searched
    assert history[2].details == "aucune suspension en cours"


def test_support_s_actions_on_a_structure_are_kept_under_it(world: World) -> None:
    shop = world.structure_with_manager()
    paul = world.member(shop, PAUL)
    structure_id, service = shop.structure_id, world.service
    service.structure(NADIA, structure_id)
    service.manager_history(NADIA, structure_id)
    service.structure_users(NADIA, structure_id)
    service.export_structure_users(NADIA, structure_id)
    # Louise is gone: support appoints Paul.
    service.deactivate_account(shop.manager)
    service.appoint_principal_manager(NADIA, structure_id, str(paul.account_id))
    on_structure = service.support_history(NADIA, structure_id=structure_id)
    assert _kinds(on_structure) == [
        K.PRINCIPAL_APPOINTED,
        K.STRUCTURE_USERS_EXPORTED,
        K.STRUCTURE_USERS_READ,
        K.MANAGER_HISTORY_READ,
        K.STRUCTURE_READ,
    ]
    assert [a.account_id for a in on_structure] == [paul.account_id, None, None, None, None]
    # The appointment is on Paul's account too, and (as before) in the managers' history.
    assert _kinds(service.support_history(NADIA, str(paul.account_id))) == [K.PRINCIPAL_APPOINTED]
    assert service.manager_history(NADIA, structure_id)[-1].actor == "support:Nadia"


def test_support_resending_an_activation_email_is_kept_a_manager_s_is_not(world: World) -> None:
    shop = world.structure_with_manager()
    paul = world.register_for_existing(PAUL, siret="52601815500014").account_id
    world.service.resend_activation(shop.manager, paul)
    world.service.resend_activation(NADIA, paul)
    (resent,) = world.service.support_history(NADIA, paul)
    assert (resent.kind, resent.actor) == (K.ACTIVATION_RESENT, "support:Nadia")


def test_a_look_up_that_finds_nothing_is_kept_with_the_address_searched(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.find_account(NADIA, "Personne@Exemple.fr")
    (looked,) = world.service.support_history(NADIA, agent="Nadia")
    assert (looked.kind, looked.account_id, looked.details) == (
        K.ACCOUNT_LOOKED_UP,
        None,
        "Personne@exemple.fr",
    )


def test_a_failed_support_operation_leaves_no_trace(world: World) -> None:
    me = world.active_user()
    louise, service = str(me.account_id), world.service
    with pytest.raises(NotFound):
        service.deactivate_account(NADIA, "no-such-account")
    with pytest.raises(NotFound):
        service.my_attachments(NADIA, "no-such-account")
    with pytest.raises(NotFound):
        service.manager_history(NADIA, "no-such-structure")
    with pytest.raises(InvalidTransition):
        service.reactivate_account(NADIA, louise)  # active: nothing to reactivate
    with pytest.raises(InvalidEmail):
        service.find_account(NADIA, "louise@")
    with pytest.raises(InvalidInput):
        service.account(NADIA, 42)  # type: ignore[arg-type]
    assert service.support_history(NADIA, agent="Nadia") == []
    assert service.support_history(NADIA, louise) == []


def test_what_users_and_managers_do_is_not_in_the_support_log(world: World) -> None:
    shop = world.structure_with_manager()
    louise, service = str(shop.manager.account_id), world.service
    service.account(shop.manager)
    service.my_attachments(shop.manager)
    service.manager_history(shop.manager, shop.structure_id)
    service.structure_users(shop.manager, shop.structure_id)
    service.deactivate_account(shop.manager)
    assert service.support_history(NADIA, louise) == []
    assert service.support_history(NADIA, structure_id=shop.structure_id) == []


def test_the_log_is_read_by_agent_and_the_criteria_narrow_it(world: World) -> None:
    me = world.active_user()
    louise, service = str(me.account_id), world.service
    karim = Actor.support("Karim")
    service.account(NADIA, louise)
    service.account(karim, louise)
    service.find_account(karim, LOUISE)
    assert _kinds(service.support_history(karim, agent="Karim")) == [
        K.ACCOUNT_LOOKED_UP,
        K.ACCOUNT_READ,
    ]
    assert [a.actor for a in service.support_history(karim, louise, agent="Nadia")] == [
        "support:Nadia"
    ]
    assert service.support_history(karim, louise, structure_id="elsewhere") == []
    # Reading the log leaves the log as it was.
    assert len(service.support_history(NADIA, louise)) == 3


def test_only_support_reads_the_log(world: World) -> None:
    shop = world.structure_with_manager()
    louise, service = str(shop.manager.account_id), world.service
    service.account(NADIA, louise)
    for someone in (shop.manager, Actor.user("no-such-account"), None, "support"):
        with pytest.raises(Forbidden):
            service.support_history(someone, louise)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as nothing_named:
        service.support_history(NADIA)
    assert nothing_named.value.field == "account_id"
    junk: dict[str, Any]
    for junk in ({"account_id": 42}, {"structure_id": ["s"]}, {"agent": "x" * 101}):
        with pytest.raises(InvalidInput) as refused:
            service.support_history(NADIA, **junk)
        assert refused.value.field in junk
    assert service.support_history(NADIA, "no-such-account") == []


# --- every operation open to support is logged -----------------------------------

SUPPORT_OPERATIONS = {
    "find_account": K.ACCOUNT_LOOKED_UP,
    "account": K.ACCOUNT_READ,
    "my_attachments": K.ATTACHMENTS_READ,
    "my_subscriptions": K.SUBSCRIPTIONS_READ,
    "my_authorisations": K.AUTHORISATIONS_READ,
    "my_requests": K.REQUESTS_READ,
    "lift_login_suspension": K.LOGIN_SUSPENSION_LIFTED,
    "deactivate_account": K.ACCOUNT_DEACTIVATED,
    "reactivate_account": K.ACCOUNT_REACTIVATED,
    "resend_activation": K.ACTIVATION_RESENT,
    "appoint_principal_manager": K.PRINCIPAL_APPOINTED,
    "structure": K.STRUCTURE_READ,
    "manager_history": K.MANAGER_HISTORY_READ,
    "structure_users": K.STRUCTURE_USERS_READ,
    "export_structure_users": K.STRUCTURE_USERS_EXPORTED,
}
"""Every facade operation support may perform, and the action it logs."""

READS = {
    name
    for name, kind in SUPPORT_OPERATIONS.items()
    if kind.name.endswith(("_READ", "_LOOKED_UP", "_EXPORTED"))
}

NOT_LOGGED = {"support_history": "reads the log itself: logging it would change what it reads"}


def _versions(world: World) -> list[dict[str, int | None]]:
    """The version of every stored entity, table by table."""
    store = world.memory
    with store.lock:
        return [
            {key: row.version for key, row in table.rows.items()}
            for table in (store.accounts, store.structures, store.attachments, store.subscriptions)
        ]


def _with_actor() -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(OnboardingService, inspect.isfunction)
        if not name.startswith("_") and "actor" in inspect.signature(member).parameters
    )


@pytest.mark.parametrize("method", _with_actor())
def test_every_operation_support_performs_logs_one_action_with_its_agent(method: str) -> None:
    """Each operation taking an actor, called by support with valid arguments, logs or is refused.

    The arguments are the robustness suite's, the actor made support, and an
    account named where the operation reads one (support has none of its
    own). An operation support gets through must be in SUPPORT_OPERATIONS
    and log exactly its action; a new one open to support fails here until
    it logs.
    """
    scene = _prepared()
    service = scene.world.service
    try:
        arguments = {**_calls(scene)[method], "actor": NADIA}
        if "account_id" in inspect.signature(getattr(service, method)).parameters:
            arguments["account_id"] = arguments.get("account_id") or scene.member.account_id
        before = len(scene.world.memory.support_log)
        versions = _versions(scene.world)
        try:
            answer = getattr(service, method)(**arguments)
            # A batch answers each item on its own: all refused is the batch refused.
            if (
                isinstance(answer, list)
                and answer
                and all(isinstance(item, BatchOutcome) and not item.done for item in answer)
            ):
                raise Forbidden()
        except OnboardingError:
            assert method not in SUPPORT_OPERATIONS, f"support could not {method}"
            assert len(scene.world.memory.support_log) == before, f"a refused {method} logged"
            return
        logged = scene.world.memory.support_log[before:]
        if method in NOT_LOGGED:
            assert logged == []
            return
        assert method in SUPPORT_OPERATIONS, f"support performs {method}: make it log"
        assert [(a.kind, a.actor) for a in logged] == [(SUPPORT_OPERATIONS[method], NADIA.label)]
        if method in READS:
            # A read commits to write its log row: it must write nothing else.
            assert _versions(scene.world) == versions
    finally:
        service.close()
