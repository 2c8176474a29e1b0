"""Hypothesis strategies for every input a host handles, valid and invalid.

Valid strategies draw what the library accepts; invalid ones draw the value
paired with what the library must answer: ``(text, code)`` for a field,
``(password, reason)`` for a password, ``(form, {field: code})`` for a form.
Importing this package also registers the library's value types with
Hypothesis, so that ``st.from_type(Siret)`` or ``st.builds(f)`` with a
parameter typed ``EmailAddress`` draw valid values; with the package
installed, Hypothesis's entry point does it before any test imports it.

Needs the ``testing`` extra (Hypothesis): without it, importing this package
raises :class:`~chorus_onboarding.errors.ExtraNotInstalled`.
"""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    """Hypothesis's entry point (the ``hypothesis`` group): it loads this package, which registers.

    Hypothesis imports this package to find the hook, and the package
    registers the types as it loads (see :func:`register_types`), so the hook
    has nothing left to do. Registering here instead would break when a test
    imports this package first: its import of Hypothesis runs the hook
    while the package is half loaded.
    """


from .. import require_testing_extra  # noqa: E402 (the hook above must exist first)

require_testing_extra("hypothesis")

from hypothesis import strategies as st  # noqa: E402

from ...actors import Actor  # noqa: E402
from ...domain.emails import EmailAddress  # noqa: E402
from ...domain.identifiers import (  # noqa: E402
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
from ...domain.structures import Address  # noqa: E402
from ...forms import (  # noqa: E402
    ExistingStructureRegistration,
    NewStructure,
    NewStructureRegistration,
    StructureFilters,
)
from .forms import (  # noqa: E402
    DEFAULT_CAPTCHA,
    address_fields,
    addresses,
    company_names,
    existing_structure_registrations,
    invalid_address_fields,
    invalid_existing_structure_registrations,
    invalid_registrations,
    invalid_structure_filters,
    new_structure_registrations,
    new_structures,
    structure_filters,
)
from .identifiers import (  # noqa: E402
    EU_VAT_EXAMPLES,
    LA_POSTE_SIREN,
    UNPRINTABLE,
    Refusal,
    foreign_identifiers,
    identifiers_for,
    invalid_eu_vats,
    invalid_foreign_identifiers,
    invalid_pacages,
    invalid_rcs_numbers,
    invalid_ridets,
    invalid_sirens,
    invalid_sirets,
    invalid_structure_identifiers,
    invalid_tahitis,
    la_poste_sirets,
    pacages,
    rcs_numbers,
    ridets,
    sirens,
    sirets,
    structure_identifiers,
    tahitis,
)
from .login_codes import invalid_login_codes, login_codes  # noqa: E402
from .people import (  # noqa: E402
    accepted_passwords,
    account_ids,
    actors,
    email_addresses,
    emails,
    invalid_emails,
    invalid_person_names,
    invalid_secret_answers,
    invalid_secret_questions,
    person_names,
    refused_passwords,
    secret_answers,
    secret_questions,
    support_agents,
    users,
)

__all__ = [
    "DEFAULT_CAPTCHA",
    "EU_VAT_EXAMPLES",
    "LA_POSTE_SIREN",
    "REGISTERED_TYPES",
    "UNPRINTABLE",
    "Refusal",
    "accepted_passwords",
    "account_ids",
    "actors",
    "address_fields",
    "addresses",
    "company_names",
    "email_addresses",
    "emails",
    "existing_structure_registrations",
    "foreign_identifiers",
    "identifiers_for",
    "invalid_address_fields",
    "invalid_emails",
    "invalid_eu_vats",
    "invalid_existing_structure_registrations",
    "invalid_foreign_identifiers",
    "invalid_login_codes",
    "invalid_pacages",
    "invalid_person_names",
    "invalid_rcs_numbers",
    "invalid_registrations",
    "invalid_ridets",
    "invalid_secret_answers",
    "invalid_secret_questions",
    "invalid_sirens",
    "invalid_sirets",
    "invalid_structure_filters",
    "invalid_structure_identifiers",
    "invalid_tahitis",
    "la_poste_sirets",
    "login_codes",
    "new_structure_registrations",
    "new_structures",
    "pacages",
    "person_names",
    "rcs_numbers",
    "refused_passwords",
    "register_types",
    "ridets",
    "secret_answers",
    "secret_questions",
    "sirens",
    "sirets",
    "structure_filters",
    "structure_identifiers",
    "support_agents",
    "tahitis",
    "users",
]


def _registered() -> dict[type, st.SearchStrategy[object]]:
    return {
        Siren: sirens().map(Siren),
        Siret: sirets().map(Siret),
        Rcs: rcs_numbers().map(Rcs.parse),
        EuVat: st.sampled_from(EU_VAT_EXAMPLES).map(EuVat.parse),
        Ridet: ridets().map(Ridet.parse),
        Tahiti: tahitis().map(Tahiti.parse),
        ForeignIdentifier: foreign_identifiers().map(ForeignIdentifier.parse),
        Pacage: pacages().map(Pacage.parse),
        StructureIdentifier: structure_identifiers(),
        EmailAddress: email_addresses(),
        Address: addresses(),
        Actor: actors(),
        NewStructureRegistration: new_structure_registrations(),
        ExistingStructureRegistration: existing_structure_registrations(),
        NewStructure: new_structures(),
        StructureFilters: structure_filters(),
    }


REGISTERED_TYPES: tuple[type, ...] = tuple(_registered())
"""The types :func:`register_types` gives Hypothesis a strategy for."""


def register_types() -> None:
    """Tell Hypothesis how to draw each of :data:`REGISTERED_TYPES`, valid.

    Without it ``st.from_type(Siret)`` would build a ``Siret`` from any text,
    and nearly every draw would raise ``InvalidSiret``. Runs when this
    package loads; calling it again changes nothing.
    """
    for kind, strategy in _registered().items():
        st.register_type_strategy(kind, strategy)


register_types()
