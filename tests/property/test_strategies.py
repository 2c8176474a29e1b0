"""The kit's strategies keep their word: valid draws are accepted, invalid ones refused as paired.

Every claim is checked against the library's own validators, forms and
facade, never against a copy of their rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chorus_onboarding import LoginCodeSent, OnboardingService
from chorus_onboarding.actors import Actor, ActorKind
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.strength import default_policy
from chorus_onboarding.domain.accounts import normalise_secret_answer, person_name
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.identifiers import (
    EuVat,
    ForeignIdentifier,
    IdentifierType,
    Pacage,
    Rcs,
    Ridet,
    Siren,
    Siret,
    StructureIdentifier,
    Tahiti,
)
from chorus_onboarding.domain.login_codes import CODE_LENGTHS, typed_code
from chorus_onboarding.domain.passwords import REASONS, PasswordPolicy
from chorus_onboarding.domain.structures import Address
from chorus_onboarding.errors import InvalidForm, LoginCodeRejected, OnboardingError
from chorus_onboarding.forms import (
    ExistingStructureRegistration,
    NewStructure,
    NewStructureRegistration,
    StructureFilters,
    StructureNaming,
)
from chorus_onboarding.service.arguments import typed_question
from chorus_onboarding.testing import strategies as kit
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, PASSWORD, World, build_world

# Forms go through a whole in-memory service each: fewer, slower examples.
FORMS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def refused_with(validate: Callable[[object], object], value: object) -> str:
    """The code ``validate`` refuses ``value`` with (failing the test if it accepts it)."""
    try:
        validate(value)
    except OnboardingError as error:
        return error.code
    pytest.fail(f"{value!r} was accepted")


# --- emails, names, questions ----------------------------------------------------


@settings(max_examples=300)
@given(kit.emails())
def test_drawn_emails_are_accepted_domains_kept_as_a_labels(email: str) -> None:
    value = EmailAddress.parse(email).value
    assert value.isascii()
    assert value.rpartition("@")[0] == email.strip().rpartition("@")[0]


def test_some_drawn_emails_have_an_internationalised_domain() -> None:
    seen: list[str] = []

    @settings(max_examples=200, database=None)
    @given(kit.emails())
    def collect(email: str) -> None:
        seen.append(email)

    collect()
    assert any(not email.isascii() for email in seen)


@given(kit.emails(international=False))
def test_emails_can_be_asked_in_ascii_only(email: str) -> None:
    assert email.isascii()


@given(kit.email_addresses())
def test_email_addresses_are_value_objects(address: EmailAddress) -> None:
    assert EmailAddress(address.value) == address


@settings(max_examples=300)
@given(kit.invalid_emails())
def test_hostile_emails_are_refused_with_their_code(refusal: tuple[str, str]) -> None:
    text, code = refusal
    assert refused_with(EmailAddress.parse, text) == code


@given(kit.person_names())
def test_drawn_names_are_accepted(name: str) -> None:
    assert person_name(name, "first_name") == " ".join(name.split())


@given(kit.invalid_person_names())
def test_invalid_names_are_refused_with_their_code(refusal: tuple[str, str]) -> None:
    name, code = refusal
    assert refused_with(lambda text: person_name(text, "last_name"), name) == code


@given(kit.secret_questions())
def test_drawn_questions_are_accepted(question: str) -> None:
    typed_question(question)


@given(kit.invalid_secret_questions())
def test_invalid_questions_are_refused_with_their_code(refusal: tuple[str, str]) -> None:
    question, code = refusal
    assert refused_with(typed_question, question) == code


@given(kit.secret_answers())
def test_drawn_answers_are_accepted(answer: str) -> None:
    normalise_secret_answer(answer)


@given(kit.invalid_secret_answers())
def test_invalid_answers_are_refused_with_their_code(refusal: tuple[str, str]) -> None:
    answer, code = refusal
    assert refused_with(normalise_secret_answer, answer) == code


# --- passwords -------------------------------------------------------------------

POLICIES = {
    "default": default_policy(),
    "seeds": default_policy(seeds=True),
    "strict": PasswordPolicy(min_length=20, max_length=200, min_groups=4, common_passwords=()),
    "lenient": PasswordPolicy(min_length=1, min_groups=1),
}
LOGIN = "louise.galfe@dressing-louise.fr"


@pytest.mark.parametrize("name", POLICIES)
def test_accepted_passwords_are_accepted(name: str) -> None:
    policy = POLICIES[name]

    @settings(max_examples=200)
    @given(kit.accepted_passwords(policy, login_email=LOGIN))
    def check(password: str) -> None:
        assert policy.validate(password, login_email=LOGIN) == password

    check()


@given(kit.accepted_passwords())
def test_accepted_passwords_default_to_the_library_policy(password: str) -> None:
    assert default_policy().is_valid(password)


@pytest.mark.parametrize("name", POLICIES)
def test_refused_passwords_break_exactly_their_rule(name: str) -> None:
    policy = POLICIES[name]
    reasons: set[str] = set()

    @settings(max_examples=300, database=None)
    @given(kit.refused_passwords(policy, login_email=LOGIN))
    def check(refusal: tuple[str, str]) -> None:
        password, reason = refusal
        assert policy.check(password, login_email=LOGIN) == (reason,)
        reasons.add(reason)

    check()
    # Every reason the policy can give alone is drawn.
    possible = set(REASONS)
    if policy.min_length <= 5:
        possible.discard("too_short")
    if policy.min_groups == 1:
        possible.discard("not_enough_groups")
    if not policy.common_passwords:
        possible.discard("common_password")
    assert reasons == possible


@given(kit.refused_passwords())
def test_without_a_login_email_no_draw_needs_one(refusal: tuple[str, str]) -> None:
    password, reason = refusal
    assert reason != "contains_login_email"
    assert default_policy().check(password) == (reason,)


# --- identifiers ----------------------------------------------------------------

KINDS = {
    "siren": (kit.invalid_sirens(), Siren.validate),
    "siret": (kit.invalid_sirets(), Siret.validate),
    "rcs": (kit.invalid_rcs_numbers(), Rcs.validate),
    "eu_vat": (kit.invalid_eu_vats(), EuVat.validate),
    "ridet": (kit.invalid_ridets(), Ridet.validate),
    "tahiti": (kit.invalid_tahitis(), Tahiti.validate),
    "foreign": (kit.invalid_foreign_identifiers(), ForeignIdentifier.validate),
    "pacage": (kit.invalid_pacages(), Pacage.validate),
}


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_identifiers_are_refused_with_their_code(kind: str) -> None:
    strategy, validate = KINDS[kind]

    @given(strategy)
    def check(refusal: tuple[str, str]) -> None:
        text, code = refusal
        assert refused_with(validate, text) == code

    check()


@given(kit.invalid_structure_identifiers())
def test_invalid_structure_identifiers_are_refused_with_their_code(
    refusal: tuple[tuple[str, str], str],
) -> None:
    (kind, text), code = refusal
    assert refused_with(lambda typed: StructureIdentifier.parse(kind, typed), text) == code


@pytest.mark.parametrize("kind", list(IdentifierType), ids=lambda kind: kind.value)
def test_identifiers_for_a_type_are_accepted_for_it(kind: IdentifierType) -> None:
    @given(kit.identifiers_for(kind))
    def check(text: str) -> None:
        assert StructureIdentifier(kind, text).type is kind

    check()


# --- addresses ------------------------------------------------------------------


@given(kit.address_fields())
def test_drawn_address_fields_are_accepted(fields: dict[str, object]) -> None:
    assert Address.parse(**fields) == Address(**fields)


@given(kit.invalid_address_fields())
def test_invalid_addresses_are_refused_with_their_code(
    refusal: tuple[dict[str, object], dict[str, str]],
) -> None:
    fields, expected = refusal
    try:
        Address.parse(**fields)
    except OnboardingError as error:
        assert {error.field: error.code} == expected
    else:
        pytest.fail(f"{fields!r} was accepted")


# --- the search's criteria, through the facade ---------------------------------------


def test_drawn_search_criteria_are_accepted_and_wrong_ones_refused_with_their_code() -> None:
    world = build_world()
    me = world.active_user()
    named = StructureNaming(siret=LOUISE_SIRET)

    @settings(max_examples=50, deadline=None)
    @given(kit.structure_filters())
    def accepted(filters: StructureFilters) -> None:
        found = world.service.search_structures(me, named, filters)
        assert len(found) <= 1

    @settings(max_examples=50, deadline=None)
    @given(kit.invalid_structure_filters())
    def refused(refusal: tuple[StructureFilters, dict[str, str]]) -> None:
        filters, expected = refusal
        with pytest.raises(OnboardingError) as error:
            world.service.search_structures(me, named, filters)
        assert {error.value.field: error.value.code} == expected

    accepted()
    refused()


# --- forms, through the facade -----------------------------------------------------


def fresh_service() -> OnboardingService:
    return OnboardingService.in_memory(hasher=FastInsecureHasher(), mailer=MemoryMailbox())


def refused_form_codes(register: Callable[[Any], object], form: object) -> dict[str, str]:
    """What ``register`` answers ``form`` with: each field's code (failing if it accepts it)."""
    with pytest.raises(InvalidForm) as refused:
        register(form)
    return refused.value.codes()


@FORMS
@given(kit.new_structure_registrations())
def test_new_structure_registrations_are_accepted(form: NewStructureRegistration) -> None:
    registration = fresh_service().register_with_new_structure(form)
    assert registration.structure_id is not None


@FORMS
@given(kit.invalid_registrations())
def test_invalid_registrations_are_refused_with_exactly_their_codes(
    refusal: tuple[NewStructureRegistration, dict[str, str]],
) -> None:
    form, expected = refusal
    assert refused_form_codes(fresh_service().register_with_new_structure, form) == expected


@FORMS
@given(kit.existing_structure_registrations())
def test_existing_structure_registrations_are_accepted(
    form: ExistingStructureRegistration,
) -> None:
    registration = fresh_service().register_for_existing_structure(form)
    assert registration.structure_id is None


@FORMS
@given(st.data())
def test_existing_structure_registrations_name_the_portals_structures(data: st.DataObject) -> None:
    world = build_world()
    siret = "52601815500014"  # in the in-memory company register
    world.register(siret=siret)
    form = data.draw(kit.existing_structure_registrations([siret]))
    registration = world.service.register_for_existing_structure(form)
    assert registration.attachment_id is not None


@FORMS
@given(kit.invalid_existing_structure_registrations())
def test_invalid_existing_structure_registrations_are_refused_with_exactly_their_codes(
    refusal: tuple[ExistingStructureRegistration, dict[str, str]],
) -> None:
    form, expected = refusal
    assert refused_form_codes(fresh_service().register_for_existing_structure, form) == expected


@FORMS
@given(kit.new_structures())
def test_new_structures_are_accepted(form: NewStructure) -> None:
    world = build_world()
    creator = world.active_user()
    assert world.service.create_structure(creator, form)


# --- the code emailed at login ------------------------------------------------------


@settings(max_examples=200)
@given(st.data(), st.sampled_from(list(CODE_LENGTHS)))
def test_typed_login_codes_are_read_as_their_digits(data: st.DataObject, length: int) -> None:
    typed = data.draw(kit.login_codes(length))
    digits = typed_code(typed, length)
    assert digits is not None, typed
    assert digits == "".join(c for c in typed if c.isdigit())
    assert data.draw(kit.login_codes(length, code=digits).map(lambda t: typed_code(t, length))) == (
        digits
    )


@settings(max_examples=300)
@given(st.data(), st.sampled_from(list(CODE_LENGTHS)))
def test_invalid_login_codes_are_not_read(data: st.DataObject, length: int) -> None:
    value, code = data.draw(kit.invalid_login_codes(length))
    assert typed_code(value, length) is None, value
    assert code == LoginCodeRejected.code


def logged_in_halfway() -> tuple[World, LoginCodeSent, str]:
    """A portal asking for the emailed code, Louise's password given: the challenge, the code."""
    world = build_world(login_code=True)
    world.active_user()
    sent = world.service.login(LOUISE, PASSWORD)
    assert isinstance(sent, LoginCodeSent)
    return world, sent, world.last_login_code(LOUISE)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_the_emailed_code_typed_any_way_opens_the_session(data: st.DataObject) -> None:
    world, sent, code = logged_in_halfway()
    typed = data.draw(kit.login_codes(code=code))
    assert world.service.confirm_login_code(LOUISE, sent.challenge, typed).account_id


@settings(max_examples=25, deadline=None)
@given(kit.invalid_login_codes())
def test_invalid_codes_are_refused_by_the_code_step(refusal: tuple[object, str]) -> None:
    world, sent, code = logged_in_halfway()
    value, expected = refusal
    with pytest.raises(OnboardingError) as refused:
        world.service.confirm_login_code(LOUISE, sent.challenge, value)  # type: ignore[arg-type]
    assert refused.value.code == expected
    # A try used, not the code: the right one still opens the session.
    assert world.service.confirm_login_code(LOUISE, sent.challenge, code).account_id


# --- a change of SIRET, through the facade -------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.one_of(kit.sirets(), kit.la_poste_sirets()))
def test_drawn_sirets_pass_the_check_of_a_change_of_siret(siret: str) -> None:
    world = build_world()
    shop = world.structure_with_manager()
    try:
        world.service.declare_siret_change(shop.manager, shop.structure_id, siret)
    except OnboardingError as error:  # most drawn SIRETs are not in the sample register
        assert error.code in {"siret_not_in_register", "siret_unchanged"}, error.code


@settings(max_examples=25, deadline=None)
@given(kit.invalid_sirets())
def test_invalid_sirets_are_refused_by_a_change_of_siret(refusal: tuple[str, str]) -> None:
    world = build_world()
    shop = world.structure_with_manager()
    value, code = refusal
    assert (
        refused_with(
            lambda new: world.service.declare_siret_change(shop.manager, shop.structure_id, new),  # type: ignore[arg-type]
            value,
        )
        == code
    )


# --- actors ----------------------------------------------------------------------


@given(kit.actors())
def test_drawn_actors_are_users_or_support(actor: Actor) -> None:
    assert (actor.account_id is None) is actor.is_support
    assert actor.label


@given(kit.users(among=["acc-1", "acc-2"]))
def test_users_are_drawn_among_the_accounts_given(actor: Actor) -> None:
    assert actor.kind is ActorKind.USER
    assert actor.account_id in {"acc-1", "acc-2"}


# --- registered types --------------------------------------------------------------


@pytest.mark.parametrize("kind", kit.REGISTERED_TYPES, ids=lambda kind: kind.__name__)
def test_every_registered_type_draws_values_of_it(kind: type) -> None:
    @settings(max_examples=10, deadline=None)
    @given(st.from_type(kind))
    def check(value: object) -> None:
        assert isinstance(value, kind)

    check()


# --- junk arguments ------------------------------------------------------------------

JUNK_ARGUMENTS: dict[str, tuple[Callable[[], object], str, str]] = {
    "policy": (lambda: kit.accepted_passwords("12 characters"), "policy", "invalid_input"),  # type: ignore[arg-type]
    "refused policy": (lambda: kit.refused_passwords(12), "policy", "invalid_input"),  # type: ignore[arg-type]
    "login_email": (
        lambda: kit.refused_passwords(login_email=b"a@b.fr"),  # type: ignore[arg-type]
        "login_email",
        "invalid_input",
    ),
    "international": (lambda: kit.emails(international="yes"), "international", "invalid_input"),  # type: ignore[arg-type]
    "among": (lambda: kit.users(among="acc-1"), "among", "invalid_input"),
    "no one among": (lambda: kit.actors(among=[]), "among", "invalid_input"),
    "kind": (lambda: kit.identifiers_for("SIREN"), "identifier_type", "invalid_input"),
    "kinds": (lambda: kit.structure_identifiers([]), "kinds", "invalid_input"),
    "captcha": (lambda: kit.invalid_registrations(None), "captcha", "invalid_input"),  # type: ignore[arg-type]
    "length": (lambda: kit.login_codes(5), "length", "invalid_input"),
    "invalid length": (lambda: kit.invalid_login_codes(True), "length", "invalid_input"),
    "code": (lambda: kit.login_codes(code="12345"), "code", "login_code_rejected"),
    "sirets": (
        lambda: kit.existing_structure_registrations(["52601815500015"]),
        "sirets_on_portal",
        "invalid_siret",
    ),
}


@pytest.mark.parametrize("case", JUNK_ARGUMENTS)
def test_junk_arguments_get_the_library_error_when_the_strategy_is_built(case: str) -> None:
    build, field, code = JUNK_ARGUMENTS[case]
    with pytest.raises(OnboardingError) as refused:
        build()
    assert (refused.value.field, refused.value.code) == (field, code)


def test_the_kinds_may_be_named_by_their_codes() -> None:
    @given(kit.structure_identifiers(["ridet", IdentifierType.TAHITI]))
    def check(identifier: StructureIdentifier) -> None:
        assert identifier.type in {IdentifierType.RIDET, IdentifierType.TAHITI}

    check()
