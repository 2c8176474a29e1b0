"""Registering through the facade on the real registers: down, closed, under partial diffusion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from chorus_onboarding import Actor, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.resilience import Backoff
from chorus_onboarding.adapters.sirene_api import RechercheEntreprisesDirectory
from chorus_onboarding.adapters.sirene_stock import (
    ESTABLISHMENTS_FILE,
    LEGAL_UNITS_FILE,
    SireneStockDirectory,
    load_stock,
)
from chorus_onboarding.domain.identifiers import Siret
from chorus_onboarding.errors import InvalidForm, RegisterUnavailable
from chorus_onboarding.ports import CompanyDirectory
from chorus_onboarding.testing.fakes import FrozenClock
from chorus_onboarding.testing.world import World

DATA = Path(__file__).resolve().parent.parent / "data" / "registers"
PAUL = "paul@exemple.fr"
TYPED = {"company_name": "Ferme du Puy", "street": "1 route du Puy", "postal_code": "15000"}


def _down(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"erreur": "maintenance"})


def _recorded(name: str) -> Any:
    def answer(_request: httpx.Request) -> httpx.Response:
        content = (DATA / "api" / f"{name}.json").read_bytes()
        return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})

    return answer


def _api(handler: Any) -> RechercheEntreprisesDirectory:
    return RechercheEntreprisesDirectory(
        transport=httpx.MockTransport(handler), backoff=Backoff(attempts=2), sleep=lambda _s: None
    )


@pytest.fixture
def stock(tmp_path: Path) -> SireneStockDirectory:
    target = tmp_path / "register.sqlite3"
    load_stock(DATA / "stock" / ESTABLISHMENTS_FILE, DATA / "stock" / LEGAL_UNITS_FILE, target)
    return SireneStockDirectory(target)


def _world(directory: CompanyDirectory) -> World:
    clock, mailbox = FrozenClock(), MemoryMailbox()
    service = OnboardingService.in_memory(
        directory=directory, hasher=FastInsecureHasher(), clock=clock, mailer=mailbox
    )
    return World(service=service, clock=clock, mailbox=mailbox)


def _register(world: World, siret: str, **typed: Any) -> str:
    """Register Paul with the structure of ``siret``; the new structure's id."""
    world.register(PAUL, siret, **typed)
    structure_id = world.registrations[PAUL].structure_id
    assert structure_id is not None
    return structure_id


def test_when_the_register_is_down_the_form_asks_for_the_name_and_the_address() -> None:
    world = _world(_api(_down))
    with pytest.raises(RegisterUnavailable) as down:
        world.service.lookup_company("35600000000048")
    assert down.value.http_status == 503
    with pytest.raises(InvalidForm) as refused:
        _register(world, "35600000000048")
    assert refused.value.codes() == {"company_name": "required", "street": "required"}


def test_when_the_register_is_down_a_registration_with_typed_name_and_address_goes_through() -> (
    None
):
    world = _world(_api(_down))
    structure_id = _register(world, "35600000000048", **TYPED, city="Aurillac")
    view = world.service.structure(Actor.support(), structure_id)
    assert view.company_name == "Ferme du Puy"
    assert (view.address.street, view.address.city) == ("1 route du Puy", "Aurillac")


def test_a_closed_establishment_is_refused_whichever_register_says_so(
    stock: SireneStockDirectory,
) -> None:
    for directory in (_api(_recorded("closed")), stock):
        with pytest.raises(InvalidForm) as refused:
            _register(_world(directory), "51819093900018", **TYPED, city="Nantes")
        assert refused.value.codes() == {"siret": "company_closed"}


def test_under_partial_diffusion_the_name_is_prefilled_and_the_address_typed(
    stock: SireneStockDirectory,
) -> None:
    for directory in (_api(_recorded("partial_company")), stock):
        world = _world(directory)
        record = world.service.lookup_company("84512345400025")
        assert record is not None
        assert (record.name, record.address) == ("HOLDING DISCRETE", None)
        with pytest.raises(InvalidForm) as refused:
            _register(world, "84512345400025")
        assert refused.value.codes() == {"street": "required"}
        structure_id = _register(
            world,
            "84512345400025",
            street="3 cours de l'Intendance",
            postal_code="33000",
            city="Bordeaux",
        )
        view = world.service.structure(Actor.support(), structure_id)
        assert view.company_name == "HOLDING DISCRETE"
        assert view.address.street == "3 cours de l'Intendance"


def test_under_partial_diffusion_a_person_types_name_and_address(
    stock: SireneStockDirectory,
) -> None:
    world = _world(stock)
    with pytest.raises(InvalidForm) as refused:
        _register(world, "81234567600017")
    assert refused.value.codes() == {"company_name": "required", "street": "required"}
    structure_id = _register(world, "81234567600017", **TYPED, city="Lyon")
    assert world.service.structure(Actor.support(), structure_id).company_name == "Ferme du Puy"


def test_an_open_register_prefills_the_whole_structure(stock: SireneStockDirectory) -> None:
    for directory in (_api(_recorded("la_poste_siege")), stock):
        world = _world(directory)
        view = world.service.structure(Actor.support(), _register(world, "35600000000048"))
        assert view.company_name == "LA POSTE"
        assert view.address.complement == "DIRECTION GENERALE DE LA POSTE"


def test_the_registers_satisfy_the_port(stock: SireneStockDirectory) -> None:
    directories: list[CompanyDirectory] = [_api(_recorded("unknown")), stock]
    assert [directory.lookup(Siret.parse("39099603100014")) for directory in directories] == [
        None,
        None,
    ]
