"""Junk into every public entry point gives the library's own error, never a crash."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from chorus_onboarding import (
    Actor,
    EspaceGrant,
    ExistingStructureRegistration,
    IdentifierType,
    LoginCodeSent,
    NewStructure,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
    PasswordPolicy,
    StructureNaming,
)
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.identifiers import (
    EuVat,
    ForeignIdentifier,
    Pacage,
    Rcs,
    Ridet,
    Siren,
    Siret,
    StructureIdentifier,
    Tahiti,
)
from chorus_onboarding.errors import ValidationError
from chorus_onboarding.forms import StructureFilters
from chorus_onboarding.notifications import Links, Templates
from chorus_onboarding.relay import RelayWorker
from chorus_onboarding.testing.world import LOUISE, PASSWORD, QUESTION, World, build_world

JUNK: list[object] = [
    None,
    0,
    -1,
    3.5,
    float("nan"),
    True,
    b"bytes",
    [],
    {},
    ("tuple",),
    object(),
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "é" * 50,
    "😀",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202e\u200b",
]


FACTORIES = {"in_memory", "sqlite", "from_url"}


def _registration() -> NewStructureRegistration:
    return NewStructureRegistration(
        login_email="paul@exemple.fr",
        login_email_confirmation="paul@exemple.fr",
        last_name="MARTIN",
        first_name="Paul",
        captcha="XWWXS",
        siret="78299314100038",
    )


@attrs.define
class Scene:
    """Louise's structure with members in every situation the facade's methods need."""

    world: World
    me: Actor
    link: dict[str, str]
    pending_id: str
    structure_id: str
    member: Actor
    member_structure_id: str
    delegate: Actor
    asking: Actor
    request_id: str
    subscription_id: str
    granted_id: str
    gone_id: str
    comeback: dict[str, str]
    reset: dict[str, str]
    invited: Actor
    invitation_id: str
    code_step: dict[str, str]
    """The second step of a login of the member's: the email and the challenge."""
    code: str


def _prepared() -> Scene:
    world = build_world(login_code=True)
    me = world.active_user()
    structure_id = world.service.managed_structures(me)[0].id
    pending_id = world.register("pending@exemple.fr", "39099603100014")
    link = world.link("pending@exemple.fr")
    member = world.active_user("member@exemple.fr", "90830166600016")
    delegate = world.active_user("delegate@exemple.fr", "94821993600010")
    for email in ("member@exemple.fr", "delegate@exemple.fr"):
        world.attach(me, structure_id, email)
    world.service.grant_manager(me, structure_id, str(delegate.account_id))
    granted_id = world.service.request_subscription(delegate, structure_id, "FACTURES_EMISES")
    world.service.validate_subscription(me, granted_id)
    asking = world.active_user("asking@exemple.fr", "13186091800013")
    request_id = world.service.request_attachment(asking, structure_id)
    subscription_id = world.service.request_subscription(member, structure_id, "FACTURES_EMISES")
    gone = world.active_user("gone@exemple.fr", "35600000000048")
    world.service.deactivate_account(gone)
    world.service.request_reactivation("gone@exemple.fr")
    step = world.service.start_password_reset(LOUISE, "XWWXS")
    world.service.answer_secret_question(LOUISE, step.challenge, "Médor")
    invited = world.user_without_structure("invited@exemple.fr")
    world.service.invite_user(me, structure_id, "invited@exemple.fr")
    (invitation,) = world.service.my_attachments(invited)
    sent = world.service.login("member@exemple.fr", PASSWORD)
    assert isinstance(sent, LoginCodeSent)
    code = world.last_login_code("member@exemple.fr")
    world.clock.advance(minutes=1)  # a new code may be asked for
    return Scene(
        world=world,
        me=me,
        link=link,
        pending_id=pending_id,
        structure_id=structure_id,
        member=member,
        member_structure_id=world.service.managed_structures(member)[0].id,
        delegate=delegate,
        asking=asking,
        request_id=request_id,
        subscription_id=subscription_id,
        granted_id=granted_id,
        gone_id=str(gone.account_id),
        comeback=world.link("gone@exemple.fr", "reactivationCompte"),
        reset=world.link(LOUISE, "reinitialisationMotDePasse"),
        invited=invited,
        invitation_id=invitation.id,
        code_step={"login_email": "member@exemple.fr", "challenge": sent.challenge},
        code=code,
    )


def _unwatched(_done: int) -> None:
    """A progress callback that nobody reads."""


def _account_calls(scene: Scene) -> dict[str, dict[str, Any]]:
    world, me, link = scene.world, scene.me, scene.link
    return {
        "lookup_company": {"siret": "52601815500014"},
        "register_with_new_structure": {"form": _registration()},
        "register_for_existing_structure": {
            "form": ExistingStructureRegistration(
                login_email="new@exemple.fr",
                login_email_confirmation="new@exemple.fr",
                last_name="NEUF",
                first_name="Nina",
                captcha="XWWXS",
                siret="52601815500014",
            )
        },
        "activate_account": {
            "login_email": link["email"],
            "token": link["token"],
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "secret_question": QUESTION,
            "secret_answer": "Médor",
        },
        "login": {"login_email": LOUISE, "password": PASSWORD},
        "start_password_reset": {"login_email": LOUISE, "captcha": "XWWXS"},
        "confirm_login_code": {**scene.code_step, "code": scene.code, "remember_device": True},
        "resend_login_code": scene.code_step,
        "answer_secret_question": {
            "login_email": LOUISE,
            "challenge": world.service.start_password_reset(LOUISE, "XWWXS").challenge,
            "answer": "Médor",
        },
        "reset_password": {
            "login_email": LOUISE,
            "token": scene.reset["token"],
            "new_password": "Nouveau-Départ-2025",
            "password_confirmation": "Nouveau-Départ-2025",
        },
        "request_reactivation": {"login_email": LOUISE},
        "reactivate_with_link": {
            "login_email": "gone@exemple.fr",
            "token": scene.comeback["token"],
        },
        "account": {"actor": me, "account_id": None},
        "find_account": {"actor": Actor.support(), "login_email": LOUISE},
        "lift_login_suspension": {"actor": Actor.support(), "account_id": me.account_id},
        "support_history": {
            "actor": Actor.support(),
            "account_id": me.account_id,
            "structure_id": scene.structure_id,
            "agent": "support",
        },
        "password_strength": {"password": "azerty", "login_email": LOUISE, "names": ("Louise",)},
        "change_contact_email": {"actor": me, "new_contact_email": "contact@exemple.fr"},
        "change_survey_consent": {"actor": me, "consent": True},
        "change_password": {
            "actor": me,
            "current_password": PASSWORD,
            "new_password": "Nouveau-Départ-2025",
            "password_confirmation": "Nouveau-Départ-2025",
        },
        "change_secret_question": {
            "actor": me,
            "current_password": PASSWORD,
            "secret_question": "Ma ville ?",
            "secret_answer": "Brest",
        },
        "deactivate_account": {"actor": me, "account_id": None},
        "reactivate_account": {"actor": Actor.support(), "account_id": scene.gone_id},
        "resend_activation": {"actor": Actor.support(), "account_id": scene.pending_id},
        "expire_overdue_activations": {"progress": _unwatched},
        "deliver_notifications": {"limit": 10},
        "start_relay": {"interval": 0.05, "batch_size": 10},
        "session_is_current": {"account_id": me.account_id, "credentials_version": 0},
        "close": {},
    }


def _structure_calls(scene: Scene) -> dict[str, dict[str, Any]]:
    me, structure_id, member = scene.me, scene.structure_id, scene.member.account_id
    on_structure = {"actor": me, "structure_id": structure_id}
    return {
        "search_structures": {
            "actor": me,
            "naming_form": StructureNaming(siret="52601815500014"),
            "filters": StructureFilters(postal_code="93", city="Noisy", country="FR"),
        },
        "export_structure_search": {
            "actor": me,
            "naming_form": StructureNaming(siret="52601815500014"),
            "filters": None,
        },
        "registered_structure": {"naming_form": StructureNaming(siret="52601815500014")},
        "structure": on_structure,
        "managed_structures": {"actor": me},
        "manager_history": on_structure,
        "create_structure": {"actor": me, "form": NewStructure(siret="78299314100038")},
        "modify_structure": {
            **on_structure,
            "company_name": "Nouveau nom",
            "label": "Libellé",
            "address": None,
            "status": "ACTIF",
        },
        "set_agricultural_centre": {**on_structure, "flag": True},
        "add_service": {**on_structure, "code": "COMPTA", "name": "Comptabilité"},
        "open_espace": {
            **on_structure,
            "espace": "MEMOIRES_FRAIS_JUSTICE",
            "services": ["DEFAUT"],
            "consultation": True,
            "modification": False,
            "categorie_prestataire": "EXPERT",
            "categorie_beneficiaire": None,
            "pacage": None,
        },
        "close_espace": {**on_structure, "espace": "SOLLICITATIONS_EMISES"},
        "grant_manager": {**on_structure, "account_id": member},
        "revoke_manager": {**on_structure, "account_id": scene.delegate.account_id},
        "transfer_principal_manager": {**on_structure, "account_id": member},
        "appoint_principal_manager": {
            "actor": Actor.support(),
            "structure_id": structure_id,
            "account_id": member,
        },
        "declare_siret_change": {**on_structure, "new_siret": "78299314100038"},
        "structure_users": {**on_structure, "progress": _unwatched},
        "export_structure_users": {**on_structure, "progress": _unwatched},
    }


def _membership_calls(scene: Scene) -> dict[str, dict[str, Any]]:
    me, structure_id, member = scene.me, scene.structure_id, scene.member
    request, subscription = scene.request_id, scene.subscription_id
    return {
        "request_attachment": {"actor": scene.asking, "structure_id": scene.member_structure_id},
        "withdraw_attachment_request": {"actor": scene.asking, "attachment_id": request},
        "my_attachments": {"actor": me},
        "pending_attachment_requests": {"actor": me, "structure_id": structure_id},
        "validate_attachment": {
            "actor": me,
            "attachment_id": request,
            "grants": [EspaceGrant("FACTURES_EMISES")],
        },
        "refuse_attachment": {"actor": me, "attachment_id": request, "reason": "Non"},
        "validate_attachments": {"actor": me, "attachment_ids": [request]},
        "refuse_attachments": {"actor": me, "attachment_ids": [request], "reason": "Non"},
        "invite_user": {
            "actor": me,
            "structure_id": structure_id,
            "login_email": "pending@exemple.fr",
        },
        "accept_invitation": {"actor": scene.invited, "attachment_id": scene.invitation_id},
        "decline_invitation": {"actor": scene.invited, "attachment_id": scene.invitation_id},
        "detach_user": {"actor": me, "structure_id": structure_id, "account_id": member.account_id},
        "leave_structure": {"actor": member, "structure_id": structure_id},
        "request_subscription": {
            "actor": member,
            "structure_id": structure_id,
            "espace": "SOLLICITATIONS_EMISES",
            "habilitation": "MODIFICATION",
            "service": "DEFAUT",
            "request_date": date(2018, 1, 11),
            "comment": "Merci",
        },
        "cancel_subscription": {"actor": member, "subscription_id": subscription},
        "validate_subscription": {"actor": me, "subscription_id": subscription},
        "refuse_subscription": {"actor": me, "subscription_id": subscription, "reason": "Non"},
        "revoke_subscription": {"actor": me, "subscription_id": scene.granted_id, "reason": "Non"},
        "pending_subscription_requests": {"actor": me, "structure_id": structure_id},
        "my_subscriptions": {"actor": member},
        "my_authorisations": {"actor": Actor.support(), "account_id": member.account_id},
        "my_requests": {"actor": Actor.support(), "account_id": member.account_id},
        "can_access": {
            "account_id": member.account_id,
            "structure_id": structure_id,
            "espace": "FACTURES_EMISES",
            "mode": "CONSULTATION_UNIQUEMENT",
        },
    }


def _calls(scene: Scene) -> dict[str, dict[str, Any]]:
    """Valid arguments for every public method of the facade."""
    return {**_account_calls(scene), **_structure_calls(scene), **_membership_calls(scene)}


def _public_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(OnboardingService)
        if not name.startswith("_") and callable(member) and name not in FACTORIES
    }


def test_every_public_method_of_the_facade_is_covered() -> None:
    assert set(_calls(_prepared())) == _public_methods()


@pytest.mark.parametrize("method", sorted(_public_methods()))
def test_the_valid_arguments_used_below_do_succeed(method: str) -> None:
    """So that junk is tried against calls that would otherwise go all the way through."""
    scene = _prepared()
    try:
        getattr(scene.world.service, method)(**_calls(scene)[method])
    finally:
        scene.world.service.close()


def _cases() -> list[tuple[str, str]]:
    return [
        (method, parameter)
        for method, kwargs in _calls(_prepared()).items()
        for parameter in kwargs
    ]


@pytest.mark.parametrize(("method", "parameter"), _cases())
def test_junk_in_any_argument_gives_the_library_s_error(method: str, parameter: str) -> None:
    for junk in JUNK:
        scene = _prepared()
        world = scene.world
        kwargs = {**_calls(scene)[method], parameter: junk}
        before = (dict(world.memory.accounts.rows), dict(world.memory.structures.rows))
        try:
            getattr(world.service, method)(**kwargs)
        except OnboardingError as error:
            assert error.code
            assert str(error)
            assert error.message("en")
            if isinstance(error, ValidationError):
                # Refused input writes nothing (a wrong password, by contrast,
                # is counted on purpose).
                after = (dict(world.memory.accounts.rows), dict(world.memory.structures.rows))
                assert after == before, f"{method}({parameter}={junk!r}) failed but wrote"


@pytest.mark.parametrize("field", list(attrs.fields(NewStructureRegistration)))
def test_junk_in_any_field_of_the_registration_form_is_reported_by_field(field: Any) -> None:
    for junk in JUNK:
        world = build_world()
        changes: dict[str, Any] = {field.name: junk}
        try:
            world.service.register_with_new_structure(attrs.evolve(_registration(), **changes))
        except OnboardingError as error:
            assert error.code
        else:
            assert world.mailbox.sent, "a registration that succeeds sends its activation email"


VALIDATORS: list[Callable[[object], object]] = [
    Siret.validate,
    Siren.validate,
    Rcs.validate,
    EuVat.validate,
    Ridet.validate,
    Tahiti.validate,
    ForeignIdentifier.validate,
    Pacage.validate,
    EmailAddress.validate,
    IdentifierType.parse,
    PasswordPolicy().validate,
    lambda text: StructureIdentifier.parse(IdentifierType.SIRET, text),
    lambda text: StructureIdentifier.parse(text, "x"),
]


@pytest.mark.parametrize("validator", VALIDATORS)
def test_junk_into_every_validator_gives_the_library_s_error(
    validator: Callable[[object], object],
) -> None:
    for junk in JUNK:
        try:
            validator(junk)
        except OnboardingError as error:
            assert isinstance(error, ValueError)


@pytest.mark.parametrize("junk", [5, "settings", object()])
def test_the_factory_refuses_junk_settings(junk: object) -> None:
    with pytest.raises(OnboardingError):
        OnboardingService.in_memory(settings=junk)  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", JUNK)
def test_the_database_factories_refuse_junk_with_the_library_s_error(junk: object) -> None:
    with pytest.raises(OnboardingError):
        OnboardingService.from_url(junk)  # type: ignore[arg-type]
    if not isinstance(junk, str) or not junk.strip():
        # Any other text is a file name SQLite may well create.
        with pytest.raises(OnboardingError):
            OnboardingService.sqlite(junk)  # type: ignore[arg-type]


def test_a_database_that_cannot_be_opened_is_the_library_s_error(tmp_path: Path) -> None:
    with pytest.raises(OnboardingError) as refused:
        OnboardingService.sqlite(tmp_path / "missing-folder" / "db.sqlite3", demo_ports=True)
    assert refused.value.code == "storage_unavailable"
    with pytest.raises(OnboardingError):
        OnboardingService.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none", demo_ports=True)
    with pytest.raises(OnboardingError):
        OnboardingService.from_url("nosuchdb://x/y", demo_ports=True)


@pytest.mark.parametrize("junk", JUNK)
def test_the_relay_s_operator_calls_answer_junk_with_the_library_s_error(junk: object) -> None:
    relay = _prepared().world.service.relay
    for call in (
        lambda: relay.run_once(junk),  # type: ignore[arg-type]
        lambda: relay.dead_letters(junk),  # type: ignore[arg-type]
        lambda: relay.requeue(junk),  # type: ignore[arg-type]
        lambda: RelayWorker(relay, interval=junk),  # type: ignore[arg-type]
        lambda: RelayWorker(relay, batch_size=junk),  # type: ignore[arg-type]
        lambda: RelayWorker(junk),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(OnboardingError):
            call()


@pytest.mark.parametrize("junk", [*JUNK, "{", "{0!z}", "x" * 200_000])
def test_wording_and_links_refuse_junk_with_the_library_s_error(junk: object) -> None:
    for call in (
        lambda: Templates.default().replace("fr", "activation", subject=junk),  # type: ignore[arg-type]
        lambda: Templates.default().replace(junk, "activation", text="x"),  # type: ignore[arg-type]
        lambda: Templates.default().replace("fr", junk, text="x"),  # type: ignore[arg-type]
        lambda: Templates.default().with_signature("fr", junk),  # type: ignore[arg-type]
        lambda: Links(junk),  # type: ignore[arg-type]
        lambda: Links(activation_path=junk),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(OnboardingError):
            call()
