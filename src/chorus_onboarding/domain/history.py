"""The history of manager actions, kept per structure."""

from __future__ import annotations

import enum
from datetime import datetime

from attrs import field, frozen

from .checks import aware, identifier, member, note, optional_identifier


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
    SIRET_CHANGED = "Changement de SIRET"


@frozen
class ManagerAction:
    """Who did what, when, on whom, on which structure.

    Checked when built, by a use case or from the stored history: the ids
    (``structure_id``, ``actor``: an account's id or ``support:NAME``, and
    ``target_account_id`` if any) are printable text of 1 to 200 characters,
    ``at`` is time zone-aware, ``kind`` a :class:`ManagerActionKind` and
    ``details`` at most 1000 printable characters and newlines. A field that
    breaks them raises :class:`~.errors.InvalidInput` naming it.
    """

    structure_id: str = field(validator=identifier)
    at: datetime = field(validator=aware)
    actor: str = field(validator=identifier)
    kind: ManagerActionKind = field(validator=member(ManagerActionKind))
    target_account_id: str | None = field(default=None, validator=optional_identifier)
    details: str = field(default="", validator=note)
