"""A change of SIRET in the domain: what the structure keeps, records and refuses."""

from __future__ import annotations

import pytest

from chorus_onboarding.domain.errors import InvalidInput, SiretChangeNeedsSiret, SiretUnchanged
from chorus_onboarding.domain.events import SiretChanged
from chorus_onboarding.domain.identifiers import IdentifierType, Rcs, StructureIdentifier
from chorus_onboarding.domain.structures import Address, CompanyRecord, FormerIdentifier
from chorus_onboarding.testing.contract import NOW, structure
from tests.unit.test_notifier import _world

NEW = StructureIdentifier(IdentifierType.SIRET, "94821993600010")
LYON = Address(street="3 PLACE DU PALAIS", postal_code="69005", city="LYON")


def test_the_structure_keeps_its_former_siret_and_takes_what_the_register_gives() -> None:
    shop = structure()
    shop.change_siret(
        NEW, CompanyRecord(NEW, name=None, address=LYON), by="a1", told=["b", "a1", "b"], now=NOW
    )
    former = StructureIdentifier(IdentifierType.SIRET, "52601815500014")
    assert shop.former_identifiers == (FormerIdentifier(former, NOW),)
    assert (shop.identifier, shop.company_name, shop.address) == (
        NEW,
        "LE DRESSING DE LOUISE",  # withheld by the register: kept
        LYON,
    )
    (event,) = shop.pull_events()
    assert event == SiretChanged(
        occurred_at=NOW,
        structure_id="s1",
        previous_siret="52601815500014",
        new_siret="94821993600010",
        by="a1",
        told=("a1", "b"),
    )


def test_the_domain_refuses_what_is_no_change_of_siret() -> None:
    shop = structure()
    with pytest.raises(SiretUnchanged):
        shop.change_siret(
            shop.identifier, CompanyRecord(shop.identifier, None, None), by="a1", told=(), now=NOW
        )
    other = StructureIdentifier(IdentifierType.SIRET, "78299314100038")
    with pytest.raises(InvalidInput):  # the register's record is another establishment's
        shop.change_siret(NEW, CompanyRecord(other, None, None), by="a1", told=(), now=NOW)
    shop.identifier = StructureIdentifier(IdentifierType.HORS_UE, "ACME-1")
    with pytest.raises(SiretChangeNeedsSiret):
        shop.change_siret(NEW, CompanyRecord(NEW, None, None), by="a1", told=(), now=NOW)
    assert shop.former_identifiers == ()
    assert shop.pull_events() == []


def test_a_former_identifier_is_checked_when_built() -> None:
    with pytest.raises(InvalidInput):
        FormerIdentifier("52601815500014", NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        FormerIdentifier(NEW, NOW.replace(tzinfo=None))


def test_the_people_told_read_it_in_english_too() -> None:
    world = _world(language="en")
    shop = world.structure_with_manager()
    world.service.declare_siret_change(shop.manager, shop.structure_id, NEW.value)
    email = world.mailbox.last_to(shop.manager_email)
    assert email.subject == "Chorus Pro - The structure's SIRET has changed"
    assert "new SIRET: 94821993600010, which replaces the SIRET 52601815500014" in email.body
    assert world.service.structure(shop.manager, shop.structure_id).identifier == NEW


def test_an_rcs_of_another_siren_than_the_new_siret_s_is_dropped_one_of_the_same_is_kept() -> None:
    registered = Rcs.parse("RCS Bobigny B 526 018 155")
    moved = structure()
    moved.rcs = registered
    same_siren = StructureIdentifier(IdentifierType.SIRET, "52601815500022")
    moved.change_siret(same_siren, CompanyRecord(same_siren, None, None), by="a1", told=[], now=NOW)
    assert moved.rcs == registered  # the same company, another establishment
    moved.change_siret(NEW, CompanyRecord(NEW, None, None), by="a1", told=[], now=NOW)
    assert moved.rcs is None  # another SIREN: that RCS number is not this company's
