"""Journeys 2, 3, 4, 8, 9, 10 and 11, invitations and leaving, the managers' work, the access table."""

from __future__ import annotations

from typing import Any

from ..actors import Actor
from ..domain.espaces import Espace, Habilitation
from ..domain.states import AttachmentState
from ..forms import (
    ExistingStructureRegistration,
    NewStructure,
    NewStructureRegistration,
    StructureNaming,
)
from ..service import EspaceGrant
from . import layout
from .tour import Tour, activate

PAUL = "paul.martin@earl-trois-chenes.fr"
LUC = "luc.bernard@earl-trois-chenes.fr"
CARMEN = "carmen.ruiz@fromagerie-leman.ch"
PEDRO = "pedro.gil@fromagerie-leman.ch"
AGENT_1 = "agent1@cga-sud-ouest.fr"
AGENT_2 = "agent2@cga-sud-ouest.fr"
GAEC = "sophie.roux@gaec-plateau.fr"
EXPERT = "marc.martin@cabinet-martin.fr"

C, M = Habilitation.CONSULTATION_UNIQUEMENT, Habilitation.MODIFICATION


def _person(email: str) -> dict[str, Any]:
    local = email.split("@")[0].split("+")[0]
    first, last = local.split(".") if "." in local else (local, "AGENT")
    return {
        "login_email": email,
        "login_email_confirmation": email,
        "last_name": last.upper(),
        "first_name": first.capitalize(),
        "captcha": "XWWXS",
    }


def _signed_up(tour: Tour, email: str, how: str, account_id: str) -> Actor:
    """Tell a registration just made (its activation email follows), then activate."""
    person = _person(email)
    tour.say(f"- {person['first_name']} {person['last_name']} s'inscrit {how}")
    activate(tour, email, "Un-Mot-De-Passe-Solide-1")
    return Actor.user(account_id)


def _join(tour: Tour, email: str, how: str, **naming: Any) -> Actor:
    """Journeys 3 and 4: register for a structure already on the portal, then activate."""
    done = tour.service.register_for_existing_structure(
        ExistingStructureRegistration(**_person(email), **naming)
    )
    return _signed_up(tour, email, how, done.account_id)


def _found(tour: Tour, email: str, how: str, **fields: Any) -> Actor:
    """Journeys 1 and 2: register with a new structure, then activate."""
    form = NewStructureRegistration(**_person(email), **fields)
    done = tour.service.register_with_new_structure(form)
    return _signed_up(tour, email, how, done.account_id)


def _structure_of(tour: Tour, manager: Actor) -> str:
    return tour.service.managed_structures(manager)[0].id


def _invitation(tour: Tour, invited: Actor) -> str:
    """The invitation ``invited`` finds in « Mon compte »."""
    return next(
        attachment.id
        for attachment in tour.service.my_attachments(invited)
        if attachment.state is AttachmentState.INVITED
    )


def tell(tour: Tour, paul: Actor) -> None:
    """Every journey about structures, invitations and leaving, the managers' work, the access table."""
    service = tour.service
    luc_email, carmen_email, pedro_email = tour.email(LUC), tour.email(CARMEN), tour.email(PEDRO)
    agent_1_email, agent_2_email = tour.email(AGENT_1), tour.email(AGENT_2)
    gaec_email, expert_email = tour.email(GAEC), tour.email(EXPERT)
    swiss = tour.identifier("CHE-116.281.710")

    tour.title(
        "Parcours 2 : inscription avec une nouvelle structure sans SIRET (structure hors UE)"
    )
    carmen = _found(
        tour,
        carmen_email,
        "avec sa fromagerie genevoise",
        identifier_type="HORS_UE",
        identifier=swiss,
        company_name="FROMAGERIE DU LÉMAN SA",
        street="Rue du Lac 1",
        postal_code="1200",
        city="Genève",
        country="CH",
    )
    bodega = service.managed_structures(carmen)[0]
    tour.say(
        f"- {bodega.company_name} inscrite avec l'identifiant {bodega.identifier}"
        f" ({bodega.identifier.type.label})"
    )

    tour.title("Parcours 3 : inscription pour une structure existante avec SIRET")
    earl = _structure_of(tour, paul)
    luc = _join(
        tour,
        luc_email,
        "pour l'EARL, déjà inscrite par Paul : sa demande de rattachement part aux gestionnaires",
        siret=tour.siret(2),
    )
    (request,) = service.pending_attachment_requests(paul, earl)
    service.validate_attachment(paul, request.id)
    tour.say(f"- Paul valide la demande de {request.user_name}")

    tour.title(
        "Parcours 4 : inscription pour une structure existante sans SIRET, puis « Mon compte »"
    )
    pedro = _join(
        tour, pedro_email, "pour la fromagerie", identifier_type="HORS_UE", identifier=swiss
    )
    (found,) = service.search_structures(
        pedro, StructureNaming(identifier_type="HORS_UE", identifier=swiss)
    )
    service.request_attachment(pedro, found.id)
    tour.say(
        "- Pedro a un compte sans rattachement ; il trouve sa structure depuis « Mon compte »"
        " et demande à y être rattaché"
    )
    (request,) = service.pending_attachment_requests(carmen, found.id)
    service.validate_attachment(carmen, request.id, grants=[EspaceGrant(Espace.FACTURES_EMISES, M)])
    tour.say("- Carmen valide et lui accorde d'emblée « Factures émises » en modification")

    tour.title("Parcours 8 : « Saisir une nouvelle structure » depuis « Mon compte »")
    marc = _join(
        tour,
        expert_email,
        "sans structure à rejoindre",
        identifier_type="HORS_UE",
        identifier=tour.identifier("SANS-STRUCTURE"),
    )
    cabinet = service.create_structure(
        marc,
        NewStructure(siret=(cabinet_siret := tour.siret(5)), rcs=f"RCS Lyon B {cabinet_siret[:9]}"),
    )
    tour.say(
        f"- Marc crée {service.structure(marc, cabinet).company_name} (pré-rempli depuis SIRENE) et en devient gestionnaire principal"
    )
    service.open_espace(
        marc, cabinet, Espace.MEMOIRES_FRAIS_JUSTICE, categorie_prestataire="EXPERT"
    )
    tour.say("- Il ouvre « Mémoires de frais de justice » (catégorie de prestataire : Expert)")

    tour.title("Parcours 9 : ouverture de l'espace « Demande de remboursement TIC »")
    tour.attempt(
        "Luc (simple membre) ouvre l'espace TIC",
        lambda: service.open_espace(
            luc, earl, Espace.DEMANDE_REMBOURSEMENT_TIC, categorie_beneficiaire="SOCIETE_AGRICOLE"
        ),
    )
    service.open_espace(
        paul,
        earl,
        Espace.DEMANDE_REMBOURSEMENT_TIC,
        categorie_beneficiaire="SOCIETE_AGRICOLE",
        pacage="024123456",
    )
    tour.say(
        "- Paul, gestionnaire principal, ouvre l'espace TIC (société agricole, PACAGE 024123456)"
    )

    tour.title("Parcours 10 : abonnement à un espace")
    request_id = service.request_subscription(
        luc, earl, Espace.DEMANDE_REMBOURSEMENT_TIC, habilitation=M, comment="Dépôts mensuels"
    )
    tour.say("- Luc demande un abonnement TIC en modification : en cours de validation")
    service.validate_subscription(paul, request_id)
    tour.say("- Paul valide l'abonnement")

    tour.title("Parcours 11 : un centre de gestion agricole dépose pour deux exploitations")
    agent_1 = _found(
        tour,
        agent_1_email,
        "avec le centre, qui n'ouvre que « Sollicitations émises »",
        siret=tour.siret(4),
        espaces=[Espace.SOLLICITATIONS_EMISES],
    )
    centre = _structure_of(tour, agent_1)
    service.set_agricultural_centre(agent_1, centre, True)
    tour.say("- Le centre se déclare centre de gestion agricole")
    tour.attempt(
        "Ouverture de l'espace TIC sur le centre de gestion",
        lambda: service.open_espace(
            agent_1, centre, Espace.DEMANDE_REMBOURSEMENT_TIC, categorie_beneficiaire="AUTRE"
        ),
    )
    agent_2 = _join(
        tour,
        agent_2_email,
        "pour le centre : sa demande de rattachement part au premier agent",
        siret=tour.siret(4),
    )
    service.validate_attachment(agent_1, service.pending_attachment_requests(agent_1, centre)[0].id)
    tour.say("- Le premier agent valide le rattachement du second")
    sophie = _found(tour, gaec_email, "avec son GAEC", siret=tour.siret(3))
    gaec = _structure_of(tour, sophie)
    service.open_espace(
        sophie, gaec, Espace.DEMANDE_REMBOURSEMENT_TIC, categorie_beneficiaire="SOCIETE_AGRICOLE"
    )
    tour.say("- Sophie ouvre l'espace TIC du GAEC")
    tic = [EspaceGrant(Espace.DEMANDE_REMBOURSEMENT_TIC, M)]
    farms = (("Paul", paul, "à l'EARL", earl), ("Sophie", sophie, "au GAEC", gaec))
    for farmer_name, farmer, farm_name, farm in farms:
        for agent_name, agent in (("Agent 1", agent_1), ("Agent 2", agent_2)):
            service.validate_attachment(farmer, service.request_attachment(agent, farm), grants=tic)
            tour.say(
                f"- {agent_name} demande le rattachement {farm_name} ;"
                f" {farmer_name} valide et lui accorde l'espace TIC"
            )

    tour.title("Invitations acceptée et déclinée, départ d'une structure")
    service.invite_user(sophie, gaec, luc_email)
    tour.say("- Sophie invite Luc à rejoindre le GAEC")
    service.accept_invitation(luc, _invitation(tour, luc))
    tour.say("- Luc accepte depuis « Mon compte » : le voilà rattaché au GAEC")
    service.invite_user(carmen, found.id, expert_email)
    tour.say("- Carmen invite Marc à rejoindre la fromagerie")
    service.decline_invitation(marc, _invitation(tour, marc))
    tour.say("- Marc décline l'invitation")
    service.leave_structure(luc, gaec)
    tour.say("- Luc quitte le GAEC : ses droits y prennent fin (aucun courriel, il le sait)")

    people = {
        "Paul": paul,
        "Luc": luc,
        "Carmen": carmen,
        "Pedro": pedro,
        "Marc": marc,
        "Agent 1": agent_1,
        "Agent 2": agent_2,
        "Sophie": sophie,
    }
    names = {str(person.account_id): name for name, person in people.items()}

    tour.title("Activités du gestionnaire")
    service.grant_manager(paul, earl, str(luc.account_id))
    tour.say("- Paul délègue les droits de gestionnaire à Luc")
    history = service.manager_history(paul, earl)
    tour.say(f"- Historique de l'EARL ({len(history)} actions) :")
    tour.lines(
        layout.table(
            (f"Date ({layout.ZONE})", "Action", "Par", "Concerne", "Détails"),
            [
                (
                    layout.paris(action.at),
                    action.kind.value,
                    names.get(action.actor, action.actor),
                    names.get(action.target_account_id or "", "-"),
                    action.details or "-",
                )
                for action in history
            ],
        )
    )
    tour.say("- Export des utilisateurs de l'EARL (CSV) :")
    tour.lines([f"    {line}" for line in service.export_structure_users(paul, earl).splitlines()])

    _siret_change(tour, paul, luc, earl)

    tour.title("Table des accès (calculée à la volée ; M = modification, C = consultation)")
    structures = {
        "EARL": earl,
        "GAEC": gaec,
        "Centre": centre,
        "Fromagerie": found.id,
        "Cabinet": cabinet,
    }
    espaces = (
        Espace.FACTURES_EMISES,
        Espace.SOLLICITATIONS_EMISES,
        Espace.DEMANDE_REMBOURSEMENT_TIC,
        Espace.MEMOIRES_FRAIS_JUSTICE,
    )
    rows: list[tuple[str, ...]] = []
    for name, person in people.items():
        for label, structure_id in structures.items():
            cells = [_right(tour, person, structure_id, espace) for espace in espaces]
            if any(cell != "-" for cell in cells):
                rows.append((name, label, *cells))
    tour.lines(layout.table(("Utilisateur", "Structure", *(e.label for e in espaces)), rows))


def _siret_change(tour: Tour, paul: Actor, luc: Actor, earl: str) -> None:
    """A manager's activity of today's portal: « Déclarer le changement de SIRET d'une structure »."""
    service = tour.service
    old = service.structure(paul, earl).identifier.value
    new = tour.moved_siret(2, "3 CHEMIN DES VIGNES", "24100", "BERGERAC")
    tour.title(f"Changement de SIRET : l'EARL déménage de {old} à {new} (portail d'aujourd'hui)")
    tour.attempt(
        "Déclaration par Luc, gestionnaire délégué",
        lambda: service.declare_siret_change(luc, earl, new),
    )
    tour.attempt(
        "Déclaration d'un SIRET déjà inscrit (celui du GAEC)",
        lambda: service.declare_siret_change(paul, earl, tour.siret(3)),
    )
    service.declare_siret_change(paul, earl, new)
    moved = service.structure(paul, earl)
    tour.say(
        f"- Paul, gestionnaire principal, déclare le changement : la structure garde ses"
        f" utilisateurs, espaces, services et abonnements ; adresse reprise de SIRENE :"
        f" {moved.address.street}, {moved.address.postal_code} {moved.address.city}."
        " Chaque personne rattachée est prévenue :"
    )
    (found,) = service.search_structures(luc, StructureNaming(siret=old))
    tour.say(
        f"- Une recherche par l'ancien SIRET {old} trouve « {found.company_name} »,"
        f" remplacé par {found.identifier.value}"
    )


def _right(tour: Tour, person: Actor, structure_id: str, espace: Espace) -> str:
    account = str(person.account_id)
    if tour.service.can_access(account, structure_id, espace, M):
        return "M"
    return "C" if tour.service.can_access(account, structure_id, espace, C) else "-"
