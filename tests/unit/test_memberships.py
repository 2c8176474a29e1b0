"""Attachments, subscriptions and structures on their own: tables and rules of the domain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chorus_onboarding import (
    Address,
    AttachmentState,
    Espace,
    Habilitation,
    IdentifierType,
    Purpose,
    SubscriptionState,
)
from chorus_onboarding.domain.attachments import ATTACHMENT_LIFECYCLE, Attachment
from chorus_onboarding.domain.espaces import CategorieBeneficiaire, EspaceParameters, OpenEspace
from chorus_onboarding.domain.events import AttachmentDecided, UserDetached
from chorus_onboarding.domain.identifiers import StructureIdentifier
from chorus_onboarding.domain.structures import Structure
from chorus_onboarding.domain.subscriptions import SUBSCRIPTION_LIFECYCLE, Subscription
from chorus_onboarding.errors import (
    EspaceNotOpen,
    InvalidTransition,
    TicOnAgriculturalCentre,
    UnknownService,
)

NOW = datetime(2018, 1, 4, tzinfo=UTC)
TIC = OpenEspace(
    espace=Espace.DEMANDE_REMBOURSEMENT_TIC,
    services=frozenset({"DEFAUT"}),
    parameters=EspaceParameters(categorie_beneficiaire=CategorieBeneficiaire.AUTRE),
)


def _structure(*, centre: bool = False) -> Structure:
    return Structure.create(
        structure_id="s1",
        identifier=StructureIdentifier(IdentifierType.SIRET, "90830166600016"),
        company_name="EARL",
        address=Address.parse(street="1 rue", postal_code="24100", city="Bergerac"),
        principal_manager_id="boss",
        purposes=[Purpose.DEPOSER_DEMANDES_PAIEMENT],
        espaces=[],
        now=NOW,
        agricultural_centre=centre,
    )


def test_the_attachment_table_allows_exactly_the_documented_moves() -> None:
    a = AttachmentState
    assert {
        (s, row.event, row.dest) for row in ATTACHMENT_LIFECYCLE.table for s in row.sources
    } == {
        (a.PENDING, "validate", a.VALIDATED),
        (a.PENDING, "refuse", a.REFUSED),
        (a.PENDING, "withdraw", a.WITHDRAWN),
        (a.VALIDATED, "detach", a.ENDED),
        (a.INVITED, "accept", a.VALIDATED),
        (a.INVITED, "decline", a.DECLINED),
        (a.INVITED, "lapse", a.WITHDRAWN),
    }


def test_the_subscription_table_allows_exactly_the_documented_moves() -> None:
    s = SubscriptionState
    assert {
        (src, row.event, row.dest) for row in SUBSCRIPTION_LIFECYCLE.table for src in row.sources
    } == {
        (s.EN_COURS_DE_VALIDATION, "validate", s.VALIDE),
        (s.EN_COURS_DE_VALIDATION, "refuse", s.REFUSE),
        (s.EN_COURS_DE_VALIDATION, "cancel", s.ANNULE),
        (s.VALIDE, "cancel", s.ANNULE),
        (s.VALIDE, "revoke", s.REVOQUE),
    }


def test_a_decision_records_who_and_when_and_states_the_outcome() -> None:
    attachment = Attachment.request(
        attachment_id="a1", account_id="paul", structure_id="s1", now=NOW
    )
    attachment.refuse(by="boss", now=NOW, reason="Inconnu")
    assert (attachment.state, attachment.decided_by, attachment.reason) == (
        AttachmentState.REFUSED,
        "boss",
        "Inconnu",
    )
    (event,) = attachment.pull_events()
    assert isinstance(event, AttachmentDecided)
    assert (event.outcome, event.reason, event.by, event.account_id) == (
        AttachmentState.REFUSED,
        "Inconnu",
        "boss",
        "paul",
    )
    with pytest.raises(InvalidTransition):
        attachment.validate(by="boss", now=NOW)


def test_only_a_validated_attachment_can_end() -> None:
    attachment = Attachment.direct(
        attachment_id="a1", account_id="paul", structure_id="s1", by="boss", now=NOW
    )
    assert attachment.is_valid
    attachment.detach(by="boss", now=NOW)
    assert isinstance(attachment.pull_events()[-1], UserDetached)
    with pytest.raises(InvalidTransition):
        attachment.detach(by="boss", now=NOW)


def test_modification_covers_consultation_but_not_the_reverse() -> None:
    granted = Subscription.granted(
        subscription_id="x",
        account_id="paul",
        structure_id="s1",
        espace=Espace.FACTURES_EMISES,
        service="DEFAUT",
        habilitation=Habilitation.MODIFICATION,
        by="boss",
        now=NOW,
    )
    assert granted.state is SubscriptionState.VALIDE
    assert granted.covers(Espace.FACTURES_EMISES, Habilitation.CONSULTATION_UNIQUEMENT)
    assert not granted.covers(Espace.FACTURES_RECUES, Habilitation.CONSULTATION_UNIQUEMENT)
    assert not Habilitation.CONSULTATION_UNIQUEMENT.covers(Habilitation.MODIFICATION)


def test_tic_and_the_centre_de_gestion_flag_exclude_each_other_in_the_domain() -> None:
    with pytest.raises(TicOnAgriculturalCentre):
        _structure(centre=True).open(TIC)
    farm = _structure()
    farm.open(TIC)
    with pytest.raises(TicOnAgriculturalCentre):
        farm.flag_agricultural_centre(True)
    farm.close(Espace.DEMANDE_REMBOURSEMENT_TIC)
    farm.flag_agricultural_centre(True)
    assert farm.agricultural_centre


def test_an_espace_opens_only_on_services_the_structure_has() -> None:
    farm = _structure()
    with pytest.raises(UnknownService):
        farm.open(OpenEspace(espace=Espace.ENGAGEMENTS, services=frozenset({"COMPTA"})))
    farm.open(
        OpenEspace(espace=Espace.ENGAGEMENTS, services=frozenset({"DEFAUT"}), modification=False)
    )
    assert farm.offers(Espace.ENGAGEMENTS, "DEFAUT", Habilitation.CONSULTATION_UNIQUEMENT)
    with pytest.raises(EspaceNotOpen):
        farm.check_offers(Espace.ENGAGEMENTS, "DEFAUT", Habilitation.MODIFICATION)


def test_a_transfer_keeps_the_former_principal_as_manager_unless_support_appoints() -> None:
    farm = _structure()
    farm.make_principal("paul", keep_former=True)
    assert (farm.principal_manager_id, farm.managers) == ("paul", frozenset({"boss"}))
    farm.make_principal("luc", keep_former=False)
    assert (farm.principal_manager_id, farm.managers) == ("luc", frozenset({"boss"}))
    assert farm.is_manager("boss")
    assert not farm.is_principal("boss")
