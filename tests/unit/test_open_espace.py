"""An opened espace cannot be built wrong: services, modes and parameters are checked."""

from __future__ import annotations

import pytest

from chorus_onboarding.domain.errors import InvalidInput
from chorus_onboarding.domain.espaces import (
    CategorieBeneficiaire,
    CategoriePrestataire,
    Espace,
    EspaceParameters,
    OpenEspace,
)
from chorus_onboarding.domain.identifiers import Pacage


def test_a_well_formed_opening_is_kept_with_its_service_codes_trimmed() -> None:
    opened = OpenEspace(espace=Espace.FACTURES_EMISES, services=frozenset({" DEFAUT "}))
    assert opened.services == frozenset({"DEFAUT"})


@pytest.mark.parametrize(
    "changes",
    [
        {"espace": "FACTURES_EMISES"},
        {"services": frozenset()},
        {"services": "DEFAUT"},
        {"services": frozenset({"\u202eDEFAUT"})},
        {"services": frozenset({"x" * 51})},
        {"consultation": False, "modification": False},
        {"modification": "yes"},
        {"parameters": {"pacage": "123456789"}},
        {"parameters": EspaceParameters(categorie_prestataire=next(iter(CategoriePrestataire)))},
        {
            "parameters": EspaceParameters(
                categorie_beneficiaire=next(iter(CategorieBeneficiaire)),
                pacage=Pacage.parse("012345678"),
            )
        },
    ],
)
def test_an_opening_that_breaks_a_rule_cannot_be_built(changes: dict[str, object]) -> None:
    values: dict[str, object] = {
        "espace": Espace.FACTURES_EMISES,
        "services": frozenset({"DEFAUT"}),
        **changes,
    }
    with pytest.raises(InvalidInput):
        OpenEspace(**values)  # type: ignore[arg-type]


def test_each_espace_takes_exactly_the_parameter_it_asks_for() -> None:
    tic = EspaceParameters(categorie_beneficiaire=next(iter(CategorieBeneficiaire)))
    OpenEspace(espace=Espace.DEMANDE_REMBOURSEMENT_TIC, services=frozenset({"D"}), parameters=tic)
    with pytest.raises(InvalidInput):
        OpenEspace(espace=Espace.DEMANDE_REMBOURSEMENT_TIC, services=frozenset({"D"}))
    with pytest.raises(InvalidInput):
        OpenEspace(espace=Espace.FACTURES_EMISES, services=frozenset({"D"}), parameters=tic)
