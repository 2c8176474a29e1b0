"""Strategies for postal addresses and the registration forms, valid and invalid.

A valid form is one the facade accepts on a portal that does not know its
login email and structure yet, with the captcha answer given (``XWWXS``, the
in-memory wiring's, by default). An invalid form comes with what the facade
must answer: ``InvalidForm`` whose :meth:`~chorus_onboarding.errors.InvalidForm.codes`
is exactly the mapping drawn (field name to error code).
"""

from __future__ import annotations

import string
from collections.abc import Collection
from typing import Any

from hypothesis import strategies as st

from ...domain.errors import (
    CaptchaRejected,
    EmailConfirmationMismatch,
    IdentifierNotExpected,
    InvalidInput,
    InvalidPacage,
    InvalidRcs,
    PurposeRequired,
    RcsSirenMismatch,
    RequiredField,
)
from ...domain.espaces import (
    REGISTRATION_ESPACES,
    CategorieBeneficiaire,
    CategoriePrestataire,
    Espace,
    RegimeStatut,
)
from ...domain.identifiers import IdentifierType
from ...domain.structures import COUNTRY_CODES, Address, Purpose
from ...forms import (
    ExistingStructureRegistration,
    NewStructure,
    NewStructureRegistration,
    StructureFilters,
)
from . import _arguments
from .identifiers import (
    UNPRINTABLE,
    identifiers_for,
    invalid_sirets,
    invalid_structure_identifiers,
    pacages,
    rcs_numbers,
    sirets,
)
from .people import emails, invalid_emails, invalid_person_names, person_names

DEFAULT_CAPTCHA = "XWWXS"
"""The answer the in-memory wiring's captcha expects."""

Fields = dict[str, Any]
"""Raw form fields by name, as a web form sends them."""

# --- addresses -----------------------------------------------------------------

_STREETS = ("10 rue du Centre", "Lieu-dit les Chênes", "2 chemin des Prés", "BP 12", "Rue d'Alger")
_CITIES = ("Paris", "Noisy-le-Grand", "Saint-Étienne", "L'Haÿ-les-Roses", "Nouméa", "Papeete")


def _line() -> st.SearchStrategy[str]:
    word = st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=1, max_size=15)
    return st.lists(word, min_size=1, max_size=8).map(" ".join)


@st.composite
def address_fields(draw: st.DrawFn) -> Fields:
    """The fields of a postal address :meth:`Address.parse` accepts, as typed.

    French ones (5-digit postal code, maybe with a space, country ``FR`` or
    omitted) and foreign ones (any ISO 3166-1 code, in any case; a postal
    code of letters, digits and hyphens).
    """
    french = draw(st.booleans())
    fields: Fields = {
        "street": draw(st.sampled_from(_STREETS) | _line()),
        "city": draw(st.sampled_from(_CITIES) | _line()),
        "complement": draw(st.none() | st.just("") | _line()),
        "complement_2": draw(st.none() | st.just("") | _line()),
    }
    if french:
        number = draw(st.integers(1000, 99999).map(lambda n: f"{n:05d}"))
        fields["postal_code"] = draw(st.sampled_from([number, f"{number[:2]} {number[2:]}"]))
        fields["country"] = draw(st.sampled_from(["FR", "fr", " FR "]))
    else:
        country = draw(st.sampled_from(sorted(COUNTRY_CODES - {"FR"})))
        fields["country"] = draw(st.sampled_from([country, country.lower()]))
        part = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=5)
        fields["postal_code"] = draw(
            st.lists(part, min_size=1, max_size=2).map("-".join).filter(lambda s: len(s) <= 12)
        )
    return fields


def addresses() -> st.SearchStrategy[Address]:
    """:class:`~chorus_onboarding.domain.structures.Address` values built from :func:`address_fields`."""
    return address_fields().map(lambda fields: Address.parse(**fields))


def _mistake(field: str, value: object, code: str) -> tuple[Fields, dict[str, str]]:
    return {field: value}, {field: code}


@st.composite
def _address_mistakes(
    draw: st.DrawFn, *, blank_country_is_france: bool = False
) -> tuple[Fields, dict[str, str]]:
    """One wrong part of an address: what to put in, and ``{field: code}``.

    In a registration form a blank country means France (the form's
    default), so it is no mistake there: ``blank_country_is_france``.
    """
    field = draw(
        st.sampled_from(["street", "city", "postal_code", "country", "complement", "complement_2"])
    )
    long_line = "Rue " + "x" * 200
    hidden = "10 rue du" + draw(st.sampled_from(UNPRINTABLE)) + " Centre"
    if field in ("street", "city"):
        value, code = draw(
            st.sampled_from(
                [
                    ("", RequiredField.code),
                    ("  ", RequiredField.code),
                    (None, RequiredField.code),
                    (long_line, InvalidInput.code),
                    (hidden, InvalidInput.code),
                ]
            )
        )
        return _mistake(field, value, code)
    if field in ("complement", "complement_2"):
        value = draw(st.sampled_from([long_line, hidden]))
        return _mistake(field, value, InvalidInput.code)
    if field == "country":
        wrong = [("ZZ", InvalidInput.code), ("France", InvalidInput.code)]
        if not blank_country_is_france:
            wrong.append(("", RequiredField.code))
        value, code = draw(st.sampled_from(wrong))
        return _mistake(field, value, code)
    # A French postal code is 5 digits, not 00...; a foreign one at most 12
    # letters, digits and hyphens.
    french = draw(st.sampled_from(["7500", "750011", "00123", "75OO1", "7500A", ""]))
    if french == "":
        return _mistake("postal_code", "", RequiredField.code)
    foreign = draw(st.sampled_from(["1234567890123", "12_34", "-123", "12--34"]))
    if draw(st.booleans()):
        return {"postal_code": french, "country": "FR"}, {"postal_code": InvalidInput.code}
    return {"postal_code": foreign, "country": "DE"}, {"postal_code": InvalidInput.code}


@st.composite
def invalid_address_fields(draw: st.DrawFn) -> tuple[Fields, dict[str, str]]:
    """``(fields, {field: code})``: an address with one wrong part, and how it is refused.

    A blank street or city (``required``), a line over 200 characters or
    with a control or bidirectional character, an unknown country, a postal
    code of the wrong shape for its country (``invalid_input``).
    """
    fields = draw(address_fields())
    changes, expected = draw(_address_mistakes())
    return {**fields, **changes}, expected


# --- the search's criteria ---------------------------------------------------------


def _blank() -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(["", "  "])


@st.composite
def structure_filters(draw: st.DrawFn) -> StructureFilters:
    """Criteria of "Demander un rattachement" the facade accepts: postal code, city, country.

    Each blank or typed: the start of a postal code, a town's name in any
    case, an ISO country code in any case.
    """
    code = st.text(alphabet=string.ascii_letters + string.digits + " -", min_size=1, max_size=12)
    country = st.sampled_from(sorted(COUNTRY_CODES)).flatmap(
        lambda c: st.sampled_from([c, c.lower(), f" {c} "])
    )
    return StructureFilters(
        postal_code=draw(_blank() | code),
        city=draw(_blank() | st.sampled_from(_CITIES) | _line()),
        country=draw(_blank() | country),
    )


@st.composite
def invalid_structure_filters(draw: st.DrawFn) -> tuple[StructureFilters, dict[str, str]]:
    """``(filters, {field: code})``: criteria with one wrong field, and how the search refuses it.

    Not text, over 200 characters or with a control or bidirectional
    character, or a country that is no ISO code ("France"): ``invalid_input``
    on that field (the search raises it alone, not inside ``InvalidForm``).
    """
    valid = draw(structure_filters())
    field = draw(st.sampled_from(["postal_code", "city", "country"]))
    hidden = "Noisy" + draw(st.sampled_from(UNPRINTABLE)) + "le-Grand"
    wrong: list[object] = [hidden, "x" * 201, 93, b"93160", ["Paris"]]
    if field == "country":
        wrong += ["France", "ZZ", "FRA"]
    changes = {
        "postal_code": valid.postal_code,
        "city": valid.city,
        "country": valid.country,
        field: draw(st.sampled_from(wrong)),
    }
    # The search checks the postal code, the city, then the country: the
    # fields before the wrong one are left valid, those after it blank.
    order = ["postal_code", "city", "country"]
    for later in order[order.index(field) + 1 :]:
        changes[later] = None
    return StructureFilters(**changes), {field: InvalidInput.code}  # type: ignore[arg-type]


# --- registration forms ----------------------------------------------------------

_COMPANY_NAMES = ("LE DRESSING DE LOUISE", "EARL des Trois Chênes", "Café & Co", "ACME GmbH")


def company_names() -> st.SearchStrategy[str]:
    """Raisons sociales the library accepts (printable, at most 200 characters)."""
    return st.sampled_from(_COMPANY_NAMES) | _line().filter(lambda s: len(s) <= 200)


@st.composite
def _person(draw: st.DrawFn, captcha: str) -> Fields:
    email = draw(emails())
    # Upper case only for ASCII: "ß".upper() is "SS", another domain.
    shouting = email.strip().upper() if email.isascii() else email
    confirmation = draw(st.sampled_from([email, email.strip(), shouting]))
    return {
        "login_email": email,
        "login_email_confirmation": confirmation,
        "last_name": draw(person_names()),
        "first_name": draw(person_names()),
        "captcha": captcha,
        "contact_email": draw(st.none() | st.just("") | emails()),
        "survey_consent": draw(st.booleans()),
    }


@st.composite
def _named_new(draw: st.DrawFn) -> Fields:
    """A structure new to the portal: by SIRET (maybe with its RCS) or another identifier."""
    kind = draw(st.sampled_from(list(IdentifierType)))
    if kind is IdentifierType.SIRET:
        siret = draw(sirets())
        rcs = draw(st.none() | st.just(f"RCS Paris {siret[:9]}"))
        return {"siret": siret, "rcs": rcs}
    if not kind.takes_identifier:
        return {"identifier_type": draw(st.sampled_from([kind.value, kind.value.lower()]))}
    return {"identifier_type": kind.value, "identifier": draw(identifiers_for(kind))}


@st.composite
def _company(draw: st.DrawFn) -> Fields:
    return {
        "company_name": draw(company_names()),
        "label": draw(st.none() | st.just("") | _line().filter(lambda s: len(s) <= 200)),
        **draw(address_fields()),
    }


@st.composite
def _espaces(draw: st.DrawFn) -> Fields:
    """The espaces chosen at registration, with the parameters those that ask one need."""
    chosen = draw(
        st.none()
        | st.lists(
            st.sampled_from(
                [
                    Espace.FACTURES_EMISES,
                    Espace.SOLLICITATIONS_EMISES,
                    Espace.MEMOIRES_FRAIS_JUSTICE,
                    Espace.DEMANDE_REMBOURSEMENT_TIC,
                ]
            ),
            unique=True,
        )
    )
    fields: Fields = {"espaces": chosen}
    if chosen and Espace.MEMOIRES_FRAIS_JUSTICE in chosen:
        fields["categorie_prestataire"] = draw(st.sampled_from(list(CategoriePrestataire)))
        # Asked without a SIRET, optional with one: always given, the form may name either.
        fields["regime_statut"] = draw(
            st.sampled_from(list(RegimeStatut)) | st.sampled_from([r.name for r in RegimeStatut])
        )
    if chosen and Espace.DEMANDE_REMBOURSEMENT_TIC in chosen:
        fields["categorie_beneficiaire"] = draw(st.sampled_from(list(CategorieBeneficiaire)))
        fields["pacage"] = draw(st.none() | pacages())
    if chosen is not None and draw(st.booleans()):
        fields["espaces"] = [espace.value for espace in chosen]
    return fields


def _purposes() -> st.SearchStrategy[list[Purpose | str]]:
    purpose = st.sampled_from(list(Purpose)) | st.sampled_from([p.name for p in Purpose])
    return st.lists(purpose, min_size=1, max_size=3)


@st.composite
def _new_structure_registration_fields(draw: st.DrawFn, captcha: str) -> Fields:
    return {
        **draw(_person(captcha)),
        **draw(_named_new()),
        **draw(_company()),
        **draw(_espaces()),
        "purposes": draw(_purposes()),
    }


def new_structure_registrations(
    captcha: str = DEFAULT_CAPTCHA,
) -> st.SearchStrategy[NewStructureRegistration]:
    """Valid forms of journeys 1 and 2: an account and a structure new to the portal.

    The company's name and address are always typed (a SIRET the company
    register does not know needs them); the espaces are the defaults or a
    choice with their parameters; the captcha answer is ``captcha``.
    """
    _arguments.text(captcha, "captcha")
    return _new_structure_registration_fields(captcha).map(
        lambda fields: NewStructureRegistration(**fields)
    )


@st.composite
def _existing_naming(draw: st.DrawFn, among: Collection[str] | None) -> Fields:
    if among:
        return {"siret": draw(st.sampled_from(list(among)))}
    kind = draw(st.sampled_from([k for k in IdentifierType if k is not IdentifierType.SIRET]))
    return {"identifier_type": kind.value, "identifier": draw(identifiers_for(kind))}


def existing_structure_registrations(
    sirets_on_portal: Collection[str] | None = None, captcha: str = DEFAULT_CAPTCHA
) -> st.SearchStrategy[ExistingStructureRegistration]:
    """Valid forms of journeys 3 and 4: an account for a structure already on the portal.

    Named by one of ``sirets_on_portal`` (SIRETs of structures your portal
    holds: the facade refuses others with ``structure_not_found``), or, when
    none is given, by an identifier of another type (the account is then
    created alone).
    """
    _arguments.text(captcha, "captcha")
    return st.builds(
        lambda person, named: ExistingStructureRegistration(**person, **named),
        _person(captcha),
        _existing_naming(among=_arguments.sirets(sirets_on_portal, "sirets_on_portal")),
    )


@st.composite
def new_structures(draw: st.DrawFn) -> NewStructure:
    """Valid forms of journey 8, "Saisir une nouvelle structure" (an active user fills it)."""
    return NewStructure(
        **draw(_named_new()),
        **draw(_company()),
        agricultural_centre=draw(st.booleans()),
        purposes=draw(_purposes()),
    )


# Each mistake: the fields it changes, and the codes the facade answers with.
Mistake = tuple[Fields, dict[str, str]]


@st.composite
def _person_mistake(draw: st.DrawFn, fields: Fields) -> Mistake:
    field = draw(
        st.sampled_from(
            [
                "login_email",
                "login_email_confirmation",
                "last_name",
                "first_name",
                "contact_email",
                "captcha",
                "survey_consent",
            ]
        )
    )
    if field == "login_email":
        email, code = draw(invalid_emails())
        return {"login_email": email, "login_email_confirmation": email}, {field: code}
    if field == "login_email_confirmation":
        other = draw(
            emails().filter(lambda e: e.strip().lower() != fields["login_email"].strip().lower())
        )
        value = draw(st.sampled_from(["", other]))
        return {field: value}, {field: EmailConfirmationMismatch.code}
    if field in ("last_name", "first_name"):
        name, code = draw(invalid_person_names())
        return {field: name}, {field: code}
    if field == "contact_email":
        email, code = draw(invalid_emails().filter(lambda refusal: refusal[0].strip() != ""))
        return {field: email}, {field: code}
    if field == "captcha":
        answer = draw(st.sampled_from(["", "XWWX", "wrong", None, 12345]))
        return {field: answer}, {field: CaptchaRejected.code}
    return {field: draw(st.sampled_from(["yes", 1, None]))}, {field: InvalidInput.code}


@st.composite
def _naming_mistake(draw: st.DrawFn, fields: Fields, *, searching: bool = False) -> Mistake:
    """A structure named wrongly: its company fields go unchecked, so none of them is wrong.

    ``searching``: the form names a structure already on the portal, which
    may be one whose identifier the library assigned (``PART...``).
    """
    clear = {"siret": None, "identifier_type": None, "identifier": None, "rcs": None}
    how = draw(st.sampled_from(["siret", "identifier", "nothing"]))
    if how == "siret":
        siret, code = draw(invalid_sirets().filter(lambda refusal: refusal[0].strip() != ""))
        return {**clear, "siret": siret}, {"siret": code}
    if how == "identifier":
        (kind, identifier), code = draw(
            invalid_structure_identifiers().filter(
                lambda refusal: (
                    refusal[0][0].strip() != ""
                    and refusal[0][0] != IdentifierType.SIRET.value
                    and not (searching and refusal[1] == IdentifierNotExpected.code)
                )
            )
        )
        field = "identifier_type" if code == InvalidInput.code else "identifier"
        return {**clear, "identifier_type": kind, "identifier": identifier}, {field: code}
    return clear, {"siret": InvalidInput.code}


@st.composite
def _company_mistake(draw: st.DrawFn, fields: Fields) -> Mistake:
    """One wrong company field: the name, the libellé, or one part of the address."""
    if draw(st.booleans()):
        name, code = draw(
            st.sampled_from(
                [
                    ("", RequiredField.code),
                    ("x" * 201, InvalidInput.code),
                    ("ACME\u202e", InvalidInput.code),
                    (None, RequiredField.code),
                ]
            )
        )
        return {"company_name": name}, {"company_name": code}
    if draw(st.booleans()):
        label = draw(st.sampled_from(["x" * 201, "Libellé\u202e", 42]))
        return {"label": label}, {"label": InvalidInput.code}
    return draw(_address_mistakes(blank_country_is_france=True))


@st.composite
def _rcs_mistake(draw: st.DrawFn, fields: Fields) -> Mistake:
    siret = draw(sirets())
    if draw(st.booleans()):
        rcs = draw(rcs_numbers().filter(lambda r: siret[:9] not in r.replace(" ", "")))
        return {**_unnamed(), "siret": siret, "rcs": rcs}, {"rcs": RcsSirenMismatch.code}
    rcs = draw(st.sampled_from(["RCS Paris", "RCS Paris 123", "n'importe quoi 12"]))
    return {**_unnamed(), "siret": siret, "rcs": rcs}, {"rcs": InvalidRcs.code}


def _unnamed() -> Fields:
    return {"siret": None, "identifier_type": None, "identifier": None, "rcs": None}


@st.composite
def _choice_mistake(draw: st.DrawFn, fields: Fields) -> Mistake:
    """Wrong purposes or espaces (and the parameters espaces need)."""
    how = draw(
        st.sampled_from(
            [
                "no_purpose",
                "bad_purpose",
                "bad_espace",
                "not_offered",
                "no_category",
                "bad_regime",
                "bad_pacage",
            ]
        )
    )
    if how == "no_purpose":
        return {"purposes": []}, {"purposes": PurposeRequired.code}
    if how == "bad_purpose":
        return {"purposes": ["VENDRE"]}, {"purposes": InvalidInput.code}
    if how == "bad_espace":
        return {"espaces": ["FACTURES_PERDUES"]}, {"espaces": InvalidInput.code}
    if how == "not_offered":
        # Public structures' espaces: not on the registration screen.
        hidden = draw(st.sampled_from(sorted(set(Espace) - set(REGISTRATION_ESPACES), key=str)))
        return {"espaces": [hidden]}, {"espaces": InvalidInput.code}
    if how == "bad_regime":
        return (
            {
                "espaces": [Espace.MEMOIRES_FRAIS_JUSTICE],
                "categorie_prestataire": CategoriePrestataire.EXPERT,
                "regime_statut": draw(st.sampled_from(["SALARIE", 3, "Travailleur indépendant"])),
            },
            {"regime_statut": InvalidInput.code},
        )
    if how == "no_category":
        return (
            {"espaces": [Espace.MEMOIRES_FRAIS_JUSTICE], "categorie_prestataire": None},
            {"categorie_prestataire": RequiredField.code},
        )
    pacage, code = draw(
        st.sampled_from([("12345678", InvalidPacage.code), ("ABC123456", InvalidPacage.code)])
    )
    return (
        {
            "espaces": [Espace.DEMANDE_REMBOURSEMENT_TIC],
            "categorie_beneficiaire": CategorieBeneficiaire.EXPLOITANT_INDIVIDUEL,
            "pacage": pacage,
        },
        {"pacage": code},
    )


def invalid_registrations(
    captcha: str = DEFAULT_CAPTCHA,
) -> st.SearchStrategy[tuple[NewStructureRegistration, dict[str, str]]]:
    """``(form, expected_codes)``: a registration with a structure new to the portal, and its refusal.

    From a valid form, one to four independent fields are made wrong; the
    facade must refuse it with ``InvalidForm`` whose ``codes()`` is exactly
    ``expected_codes``. Fields the facade checks one after the other (the
    company's name and address are checked only once the structure is
    rightly named; the address stops at its first wrong part) are never
    wrong together, so that every expected error is reported.
    """
    _arguments.text(captcha, "captcha")
    return _invalid_registrations(captcha)


@st.composite
def _invalid_registrations(
    draw: st.DrawFn, captcha: str
) -> tuple[NewStructureRegistration, dict[str, str]]:
    fields = draw(_new_structure_registration_fields(captcha))
    # One mistake per group at most, the groups being independent of one another.
    structure = draw(st.sampled_from(["naming", "company", "rcs", "none"]))
    groups = [_person_mistake, _choice_mistake]
    if structure == "naming":
        groups.append(_naming_mistake)
    elif structure == "company":
        groups.append(_company_mistake)
    elif structure == "rcs":
        groups.append(_rcs_mistake)
    chosen = draw(st.lists(st.sampled_from(groups), min_size=1, max_size=3, unique=True))
    expected: dict[str, str] = {}
    for group in chosen:
        changes, codes = draw(group(fields))
        fields = {**fields, **changes}
        expected.update(codes)
    return NewStructureRegistration(**fields), expected


def invalid_existing_structure_registrations(
    captcha: str = DEFAULT_CAPTCHA,
) -> st.SearchStrategy[tuple[ExistingStructureRegistration, dict[str, str]]]:
    """``(form, expected_codes)`` for journeys 3 and 4: wrong personal fields, or a wrong naming."""
    _arguments.text(captcha, "captcha")
    return _invalid_existing_structure_registrations(captcha)


@st.composite
def _invalid_existing_structure_registrations(
    draw: st.DrawFn, captcha: str
) -> tuple[ExistingStructureRegistration, dict[str, str]]:
    person = draw(_person(captcha))
    named = draw(_existing_naming(among=None))
    expected: dict[str, str] = {}
    if draw(st.booleans()):
        changes, expected = draw(_person_mistake(person))
        person = {**person, **changes}
    if not expected or draw(st.booleans()):
        changes, codes = draw(_naming_mistake(named, searching=True))
        named = {key: value for key, value in changes.items() if key != "rcs"}
        expected = {**expected, **codes}
    return ExistingStructureRegistration(**person, **named), expected
