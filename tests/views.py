"""A journey on an in-memory service that gets back a result of every kind the facade returns."""

from __future__ import annotations

import contextlib

from chorus_onboarding import Actor, StructureNaming
from chorus_onboarding.errors import NotFound
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, PASSWORD, World, build_world

PAUL = "paul.martin@exemple.fr"
RCS = "RCS Bobigny B 526 018 155"


def every_result(world: World) -> list[object]:
    """The facade's results along the journeys, each with the values it can hold filled in.

    A structure with an RCS, espaces with parameters (an enum, a PACAGE), an
    attachment and a subscription decided, a batch with a refusal in it:
    every optional value is there at least once, and missing at least once.
    """
    service = world.service
    world.register(rcs=RCS)
    world.activate(LOUISE)
    registration = world.registrations[LOUISE]
    louise = Actor.user(registration.account_id)
    assert registration.structure_id is not None
    structure_id = registration.structure_id
    service.open_espace(
        louise,
        structure_id,
        "DEMANDE_REMBOURSEMENT_TIC",
        categorie_beneficiaire="EXPLOITANT_INDIVIDUEL",
        pacage="012 345 678",
    )
    service.open_espace(
        louise, structure_id, "MEMOIRES_FRAIS_JUSTICE", categorie_prestataire="EXPERT"
    )

    paul = world.user_without_structure(PAUL)
    asked = service.request_attachment(paul, structure_id)
    pending = service.pending_attachment_requests(louise, structure_id)
    decided = service.validate_attachments(louise, [asked, "no-such-request"])
    subscription_id = service.request_subscription(paul, structure_id, "FACTURES_EMISES")
    pending_subscriptions = service.pending_subscription_requests(louise, structure_id)
    service.validate_subscription(louise, subscription_id)

    named = StructureNaming(siret=LOUISE_SIRET)
    # The code emailed at login: a service of its own, whose logins ask for it.
    coded = build_world(login_code=True)
    coded.active_user()
    support = Actor.support("Nadia")
    # An account support looked at, found or not, and a structure it appointed a principal on.
    service.account(support, paul.account_id)
    with contextlib.suppress(NotFound):
        service.find_account(support, "personne@exemple.fr")
    service.appoint_principal_manager(support, structure_id, str(louise.account_id))
    return [
        registration,
        service.login(LOUISE, PASSWORD),
        service.login(PAUL, PASSWORD),
        coded.service.login(LOUISE, PASSWORD),
        coded.log_in(remember_device=True),
        service.start_password_reset(LOUISE, "XWWXS"),
        service.account(louise),
        service.account(Actor.support(), paul.account_id),
        service.password_strength("Ma-Boutique-2024!", login_email=LOUISE),
        service.password_strength("azerty"),
        service.lookup_company(LOUISE_SIRET),
        service.registered_structure(named),
        *service.search_structures(paul, named),
        service.structure(louise, structure_id),
        *service.managed_structures(louise),
        *service.manager_history(louise, structure_id),
        *service.structure_users(louise, structure_id),
        *pending,
        *service.my_attachments(paul),
        *decided,
        *pending_subscriptions,
        *service.my_subscriptions(paul),
        *service.my_authorisations(louise),
        *service.my_authorisations(paul),
        service.my_requests(paul),
        service.my_requests(louise),
        *service.support_history(support, agent="Nadia"),
    ]
