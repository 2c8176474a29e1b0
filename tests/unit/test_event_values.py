"""Events, history entries, support actions and espace parameters cannot be built wrong.

Every domain event, :class:`ManagerAction`, :class:`SupportAction` and
:class:`EspaceParameters` checks its fields when built: valid values come back as they were given (and
through the outbox's codec), junk in any one field is refused with the
library's error naming that field, never a ``TypeError``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chorus_onboarding.adapters.sql import codec
from chorus_onboarding.domain import events
from chorus_onboarding.domain.errors import InvalidInput, ValidationError
from chorus_onboarding.domain.espaces import (
    CategorieBeneficiaire,
    CategoriePrestataire,
    Espace,
    EspaceParameters,
    Habilitation,
)
from chorus_onboarding.domain.history import ManagerAction, ManagerActionKind
from chorus_onboarding.domain.identifiers import Pacage
from chorus_onboarding.domain.states import AttachmentState, SubscriptionState
from chorus_onboarding.domain.support_log import SupportAction, SupportActionKind


def _concrete(kind: type[events.DomainEvent]) -> list[type[events.DomainEvent]]:
    found = []
    for sub in kind.__subclasses__():
        found += _concrete(sub)
        if sub.__subclasses__() == []:
            found.append(sub)
    return found


EVENTS = sorted(_concrete(events.DomainEvent), key=lambda kind: kind.__name__)
NOW = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)

# --- what each field takes ---------------------------------------------------------

_PRINTABLE = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S"]) | st.just(" ")
_IDS = st.one_of(
    st.uuids().map(str),
    st.text(_PRINTABLE, min_size=1, max_size=200).filter(lambda text: not text.isspace()),
)
_NOTES = st.text(_PRINTABLE | st.just("\n"), max_size=1000)
_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]),
)
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "occurred_at": _MOMENTS,
    "expires_at": _MOMENTS,
    "until": _MOMENTS,
    "at": _MOMENTS,
    "account_id": _IDS,
    "structure_id": _IDS,
    "attachment_id": _IDS,
    "subscription_id": _IDS,
    "link_id": _IDS,
    "by": _IDS,
    "invited_by": _IDS,
    "actor": _IDS | st.just("support:Agent du support"),
    "target_account_id": st.none() | _IDS,
    "resent": st.booleans(),
    "digits": st.integers(6, 10),
    "through_reset": st.booleans(),
    "by_owner": st.booleans(),
    "direct": st.booleans(),
    "accepted": st.booleans(),
    "consent": st.booleans(),
    "reason": _NOTES,
    "details": _NOTES,
    "espace": st.sampled_from(Espace),
    "habilitation": st.sampled_from(Habilitation),
    "kind": st.sampled_from(ManagerActionKind),
    "service": st.text(_PRINTABLE, min_size=1, max_size=50).map(str.strip).filter(bool),
    "previous_contact_email": st.sampled_from(
        ["louise@exemple.fr", "Jean.Martin+compta@entreprise.fr", "a@xn--caf-dma.fr"]
    ),
    "previous_siret": st.sampled_from(["52601815500014", "35600000000048"]),
    "new_siret": st.sampled_from(["94821993600010", "39099603100204"]),
    "told": st.lists(_IDS, max_size=5).map(tuple),
}
_OUTCOMES: dict[type, st.SearchStrategy[Any]] = {
    events.AttachmentDecided: st.sampled_from([AttachmentState.VALIDATED, AttachmentState.REFUSED]),
    events.SubscriptionDecided: st.sampled_from(
        [
            SubscriptionState.VALIDE,
            SubscriptionState.REFUSE,
            SubscriptionState.REVOQUE,
            SubscriptionState.ANNULE,
        ]
    ),
}

# Junk by what a field holds: each one refused wherever it goes.
_NOT_TEXT: list[object] = [None, 5, 1.5, b"abc", ["a"], {"a": 1}, object()]
_BAD_ID: list[object] = [
    *_NOT_TEXT,
    "",
    " ",
    "\t",
    "x" * 201,
    "a\x00b",
    "id\n",
    "\ud800",
    "\u202eabc",
    "a\u200bb",
]
_BAD_MOMENT: list[object] = [
    None,
    datetime(2024, 3, 1, 9, 30),  # naive
    "2024-03-01T09:30:00+00:00",
    date(2024, 3, 1),
    0,
    NOW.timestamp(),
]
_BAD_FLAG: list[object] = [None, 0, 1, "True", "yes", [], 1.0]
_BAD_NOTE: list[object] = [
    None,
    5,
    b"motif",
    ["motif"],
    "x" * 1001,
    "a\x00b",
    "ligne\r\nautre",
    "\u202etif",
    "\ud800",
    "\x1b[31m",
]
_BAD_SIRET: list[object] = [
    None,
    "",
    "52601815500015",
    "5260181550001",
    52601815500014,
    ["52601815500014"],
]
_JUNK: dict[str, list[object]] = {
    **dict.fromkeys(["occurred_at", "expires_at", "until", "at"], _BAD_MOMENT),
    **dict.fromkeys(
        [
            "account_id",
            "structure_id",
            "attachment_id",
            "subscription_id",
            "link_id",
            "by",
            "invited_by",
            "actor",
        ],
        _BAD_ID,
    ),
    "target_account_id": [x for x in _BAD_ID if x is not None],
    "digits": [5, 11, 0, -6, True, "6", None, 6.0],
    **dict.fromkeys(
        ["resent", "through_reset", "by_owner", "direct", "accepted", "consent"], _BAD_FLAG
    ),
    "reason": _BAD_NOTE,
    "details": _BAD_NOTE,
    "espace": [None, "FACTURES_EMISES", Habilitation.MODIFICATION, 1],
    "habilitation": [None, "MODIFICATION", Espace.FACTURES_EMISES, True],
    "kind": [None, "STRUCTURE_CREATED", "Création de la structure", AttachmentState.VALIDATED],
    "outcome": [
        None,
        "VALIDATED",
        AttachmentState.PENDING,
        AttachmentState.INVITED,
        SubscriptionState.EN_COURS_DE_VALIDATION,
        Habilitation.MODIFICATION,
        [],
    ],
    "service": [None, "", "   ", "x" * 51, "\u202eDEFAUT", "A\x00", 5, ["DEFAUT"]],
    "previous_contact_email": [None, "", "pas une adresse", "a@b", 5, "x" * 300 + "@exemple.fr"],
    **dict.fromkeys(["previous_siret", "new_siret"], _BAD_SIRET),
    "told": [None, "a1", ["a1"], ("a1", ""), ("a1", None), ("a\x00",), frozenset({"a1"})],
}


def _names(kind: type) -> list[str]:
    return [field.name for field in attrs.fields(kind) if field.init]


@st.composite
def _valid(draw: st.DrawFn, kind: type) -> dict[str, Any]:
    values = {
        name: draw(_OUTCOMES[kind] if name == "outcome" else _FIELDS[name]) for name in _names(kind)
    }
    if values.get("direct"):
        values["outcome"] = AttachmentState.VALIDATED  # a direct attachment is valid at once
    return values


def _fields_of(built: object) -> dict[str, Any]:
    return {name: getattr(built, name) for name in _names(type(built))}


# --- events --------------------------------------------------------------------------


def test_every_field_of_every_event_has_a_check_and_junk_to_try() -> None:
    bases = {events.AccountEvent, events.MembershipEvent}
    assert set(EVENTS) == set(codec.EVENT_KINDS.values()) - bases
    for kind in EVENTS:
        for field in attrs.fields(kind):
            assert field.validator is not None or field.converter is not None, (kind, field)
            assert field.name in _JUNK, (kind, field.name)


@pytest.mark.parametrize("kind", EVENTS, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_a_valid_event_is_kept_as_given_and_comes_back_from_the_outbox(
    kind: type[events.DomainEvent], data: st.DataObject
) -> None:
    values = data.draw(_valid(kind))
    built = kind(**values)
    assert _fields_of(built) == values
    assert codec.load_event(built.name, codec.dump(built)) == built


@pytest.mark.parametrize("kind", EVENTS, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_junk_in_any_field_of_an_event_is_refused_naming_the_field(
    kind: type[events.DomainEvent], data: st.DataObject
) -> None:
    values = data.draw(_valid(kind))
    name = data.draw(st.sampled_from(_names(kind)))
    junk = data.draw(st.sampled_from(_JUNK[name]))
    with pytest.raises(ValidationError) as refused:
        kind(**{**values, name: junk})
    assert refused.value.field == name


def _decided(**changes: object) -> events.AttachmentDecided:
    values: dict[str, Any] = {
        "occurred_at": NOW,
        "account_id": "a1",
        "structure_id": "s1",
        "attachment_id": "r1",
        "outcome": AttachmentState.VALIDATED,
        "by": "a1",
        "direct": True,
        **changes,
    }
    return events.AttachmentDecided(**values)


def test_a_direct_attachment_is_a_validated_one() -> None:
    assert _decided().outcome is AttachmentState.VALIDATED
    assert _decided(direct=False, outcome=AttachmentState.REFUSED, reason="Inconnu").reason
    with pytest.raises(InvalidInput) as refused:
        _decided(outcome=AttachmentState.REFUSED)
    assert refused.value.field == "outcome"


def test_an_event_normalises_what_it_is_given_as_its_class_would_keep_it() -> None:
    asked = events.SubscriptionRequested(
        occurred_at=NOW,
        account_id="a1",
        structure_id="s1",
        subscription_id="x1",
        espace=Espace.FACTURES_EMISES,
        service=" DEFAUT ",
        habilitation=Habilitation.MODIFICATION,
    )
    assert asked.service == "DEFAUT"
    changed = events.ContactEmailChanged(
        occurred_at=NOW, account_id="a1", previous_contact_email=" Louise@Café.FR "
    )
    assert changed.previous_contact_email == "Louise@xn--caf-dma.fr"


def test_a_reason_may_hold_lines_and_an_id_the_longest_allowed() -> None:
    refused = _decided(direct=False, outcome=AttachmentState.REFUSED, reason="Motif :\nInconnu")
    assert refused.reason == "Motif :\nInconnu"
    assert _decided(account_id="a" * 200).account_id == "a" * 200


# --- the history --------------------------------------------------------------------


@given(data=st.data())
def test_a_valid_manager_action_is_kept_as_given_and_comes_back_from_its_document(
    data: st.DataObject,
) -> None:
    values = data.draw(_valid(ManagerAction))
    built = ManagerAction(**values)
    assert _fields_of(built) == values
    assert codec.load(ManagerAction, codec.dump(built)) == built
    positional = ManagerAction(*values.values())
    assert positional == built


@given(data=st.data())
def test_junk_in_any_field_of_a_manager_action_is_refused_naming_the_field(
    data: st.DataObject,
) -> None:
    values = data.draw(_valid(ManagerAction))
    name = data.draw(st.sampled_from(_names(ManagerAction)))
    junk = data.draw(st.sampled_from(_JUNK[name]))
    with pytest.raises(ValidationError) as refused:
        ManagerAction(**{**values, name: junk})
    assert refused.value.field == name


# --- the support log ---------------------------------------------------------------

# Beside the history's: its own kinds, and an action on a structure alone (or a
# look-up that found nothing) names no account.
_SUPPORT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.sampled_from(SupportActionKind),
    "account_id": st.none() | _IDS,
    "structure_id": st.none() | _IDS,
}
_SUPPORT_JUNK: dict[str, list[object]] = {
    "account_id": [x for x in _BAD_ID if x is not None],
    "structure_id": [x for x in _BAD_ID if x is not None],
    "kind": [None, "ACCOUNT_READ", "Consultation du compte", ManagerActionKind.STRUCTURE_CREATED],
}


@st.composite
def _valid_support_action(draw: st.DrawFn) -> dict[str, Any]:
    return {name: draw(_SUPPORT_FIELDS.get(name, _FIELDS[name])) for name in _names(SupportAction)}


@given(data=st.data())
def test_a_valid_support_action_is_kept_as_given_and_comes_back_from_its_document(
    data: st.DataObject,
) -> None:
    values = data.draw(_valid_support_action())
    built = SupportAction(**values)
    assert _fields_of(built) == values
    assert codec.load(SupportAction, codec.dump(built)) == built


@given(data=st.data())
def test_junk_in_any_field_of_a_support_action_is_refused_naming_the_field(
    data: st.DataObject,
) -> None:
    values = data.draw(_valid_support_action())
    name = data.draw(st.sampled_from(_names(SupportAction)))
    junk = data.draw(st.sampled_from(_SUPPORT_JUNK.get(name, _JUNK[name])))
    with pytest.raises(ValidationError) as refused:
        SupportAction(**{**values, name: junk})
    assert refused.value.field == name


# --- espace parameters ----------------------------------------------------------------

PACAGE = Pacage.parse("012345678")


@given(
    st.one_of(
        st.builds(EspaceParameters),
        st.builds(EspaceParameters, categorie_prestataire=st.sampled_from(CategoriePrestataire)),
        st.builds(
            EspaceParameters,
            categorie_beneficiaire=st.sampled_from(CategorieBeneficiaire),
            pacage=st.none() | st.just(PACAGE),
        ),
    )
)
def test_parameters_one_espace_could_ask_for_are_kept_and_stored_as_given(
    parameters: EspaceParameters,
) -> None:
    assert EspaceParameters(**_fields_of(parameters)) == parameters
    assert codec.load(EspaceParameters, codec.dump(parameters)) == parameters


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"categorie_prestataire": "EXPERT"}, "categorie_prestataire"),
        ({"categorie_prestataire": CategorieBeneficiaire.CUMA}, "categorie_prestataire"),
        ({"categorie_beneficiaire": "CUMA"}, "categorie_beneficiaire"),
        ({"categorie_beneficiaire": 1}, "categorie_beneficiaire"),
        ({"categorie_beneficiaire": CategorieBeneficiaire.CUMA, "pacage": "012345678"}, "pacage"),
        ({"categorie_beneficiaire": CategorieBeneficiaire.CUMA, "pacage": 12345678}, "pacage"),
        ({"pacage": PACAGE}, "pacage"),
        (
            {
                "categorie_prestataire": CategoriePrestataire.EXPERT,
                "categorie_beneficiaire": CategorieBeneficiaire.CUMA,
            },
            "categorie_beneficiaire",
        ),
    ],
)
def test_parameters_no_espace_could_ask_for_cannot_be_built(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        EspaceParameters(**values)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_parameters_for_an_espace_are_checked_as_before() -> None:
    tic = EspaceParameters.for_espace(
        Espace.DEMANDE_REMBOURSEMENT_TIC,
        categorie_beneficiaire="EXPLOITANT_INDIVIDUEL",
        pacage="012345678",
    )
    assert tic == EspaceParameters(
        categorie_beneficiaire=CategorieBeneficiaire.EXPLOITANT_INDIVIDUEL, pacage=PACAGE
    )
    with pytest.raises(InvalidInput) as refused:
        EspaceParameters.for_espace(Espace.FACTURES_EMISES, pacage="012345678")
    assert refused.value.field == "pacage"
