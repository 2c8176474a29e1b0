"""Junk into every public entry point gives the library's own error, never a crash."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from chorus_onboarding import (
    Actor,
    EmailAddress,
    EuVat,
    ForeignIdentifier,
    IdentifierType,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
    Pacage,
    PasswordPolicy,
    Rcs,
    Ridet,
    Siren,
    Siret,
    StructureIdentifier,
    Tahiti,
    ValidationError,
)
from tests.world import LOUISE, PASSWORD, QUESTION, World, build_world

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


def _registration() -> NewStructureRegistration:
    return NewStructureRegistration(
        login_email="paul@exemple.fr",
        login_email_confirmation="paul@exemple.fr",
        last_name="MARTIN",
        first_name="Paul",
        captcha="XWWXS",
        siret="90830166600016",
    )


def _calls(world: World, me: Actor, link: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Valid arguments for every public method of the facade."""
    return {
        "lookup_company": {"siret": "52601815500014"},
        "register_with_new_structure": {"form": _registration()},
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
        "answer_secret_question": {
            "login_email": LOUISE,
            "challenge": world.service.start_password_reset(LOUISE, "XWWXS").challenge,
            "answer": "Rex",
        },
        "managed_structures": {"actor": me},
        "reset_password": {
            "login_email": LOUISE,
            "token": "unknown",
            "new_password": "Nouveau-Départ-2025",
            "password_confirmation": "Nouveau-Départ-2025",
        },
        "request_reactivation": {"login_email": LOUISE},
        "reactivate_with_link": {"login_email": LOUISE, "token": "unknown"},
        "account": {"actor": me, "account_id": None},
        "password_strength": {"password": "azerty", "login_email": LOUISE, "names": ("Louise",)},
        "change_contact_email": {"actor": me, "new_contact_email": "contact@exemple.fr"},
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
        "reactivate_account": {"actor": Actor.support(), "account_id": me.account_id},
        "resend_activation": {"actor": Actor.support(), "account_id": me.account_id},
        "expire_overdue_activations": {},
        "deliver_notifications": {"limit": 10},
    }


def _public_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(OnboardingService)
        if not name.startswith("_") and callable(member) and name != "in_memory"
    }


def _prepared() -> tuple[World, Actor, dict[str, str]]:
    world = build_world()
    me = world.active_user()
    world.register("pending@exemple.fr", "39099603100014")
    return world, me, world.link("pending@exemple.fr")


def test_every_public_method_of_the_facade_is_covered() -> None:
    world, me, link = _prepared()
    assert set(_calls(world, me, link)) == _public_methods()


def _cases() -> list[tuple[str, str]]:
    world, me, link = _prepared()
    return [
        (method, parameter)
        for method, kwargs in _calls(world, me, link).items()
        for parameter in kwargs
    ]


@pytest.mark.parametrize(("method", "parameter"), _cases())
def test_junk_in_any_argument_gives_the_library_s_error(method: str, parameter: str) -> None:
    for junk in JUNK:
        world, me, link = _prepared()
        kwargs = {**_calls(world, me, link)[method], parameter: junk}
        before = (dict(world.store.accounts.rows), dict(world.store.structures.rows))
        try:
            getattr(world.service, method)(**kwargs)
        except OnboardingError as error:
            assert error.code
            assert str(error)
            assert error.message("en")
            if isinstance(error, ValidationError):
                # Refused input writes nothing (a wrong password, by contrast,
                # is counted on purpose).
                after = (dict(world.store.accounts.rows), dict(world.store.structures.rows))
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
