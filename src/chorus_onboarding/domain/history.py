"""The history of manager actions, kept per structure."""

from __future__ import annotations

import enum
from datetime import datetime

from attrs import frozen


class ManagerActionKind(enum.Enum):
    """What a manager (or support) did on a structure."""

    STRUCTURE_CREATED = "Création de la structure"
    STRUCTURE_MODIFIED = "Modification de la structure"
    ESPACE_OPENED = "Ouverture d'espace"
    ESPACE_CLOSED = "Fermeture d'espace"
    SERVICE_ADDED = "Ajout de service"
    ATTACHMENT_VALIDATED = "Validation de rattachement"
    ATTACHMENT_REFUSED = "Refus de rattachement"
    USER_ATTACHED = "Rattachement direct"
    USER_INVITED = "Invitation à rejoindre la structure"
    USER_DETACHED = "Détachement"
    USER_LEFT = "Départ de l'utilisateur"
    SUBSCRIPTION_VALIDATED = "Validation d'abonnement"
    SUBSCRIPTION_REFUSED = "Refus d'abonnement"
    SUBSCRIPTION_REVOKED = "Révocation d'abonnement"
    SUBSCRIPTION_GRANTED = "Abonnement accordé"
    MANAGER_GRANTED = "Délégation des droits de gestionnaire"
    MANAGER_REVOKED = "Retrait des droits de gestionnaire"
    PRINCIPAL_TRANSFERRED = "Transfert du rôle de gestionnaire principal"
    PRINCIPAL_APPOINTED = "Nomination du gestionnaire principal par le support"
    ACTIVATION_RESENT = "Renvoi du courriel d'activation"


@frozen
class ManagerAction:
    """Who did what, when, on whom, on which structure."""

    structure_id: str
    at: datetime
    actor: str
    kind: ManagerActionKind
    target_account_id: str | None = None
    details: str = ""
