"""The states of attachments and subscriptions, shared by their lifecycles and their events."""

from __future__ import annotations

import enum


class AttachmentState(enum.Enum):
    """Where an attachment stands."""

    PENDING = "EN_ATTENTE"
    VALIDATED = "VALIDE"
    REFUSED = "REFUSE"
    WITHDRAWN = "RETIREE"
    ENDED = "TERMINE"
    INVITED = "INVITEE"
    DECLINED = "DECLINEE"

    @property
    def is_live(self) -> bool:
        """Asked, offered or validated: the states of which a user may have one per structure."""
        return self in (AttachmentState.PENDING, AttachmentState.INVITED, AttachmentState.VALIDATED)


class SubscriptionState(enum.Enum):
    """Where a subscription stands (the portal's codes)."""

    EN_COURS_DE_VALIDATION = "EN_COURS_DE_VALIDATION"
    VALIDE = "VALIDE"
    REFUSE = "REFUSE"
    ANNULE = "ANNULE"
    REVOQUE = "REVOQUE"

    @property
    def is_live(self) -> bool:
        """Asked or granted: a user has at most one per structure, service and espace."""
        return self in (SubscriptionState.EN_COURS_DE_VALIDATION, SubscriptionState.VALIDE)
