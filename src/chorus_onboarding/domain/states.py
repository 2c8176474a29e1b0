"""The states of attachments and subscriptions, shared by their lifecycles and their events."""

from __future__ import annotations

import enum

from ..i18n import NP_, labelled


@labelled("attachment state")
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

    @property
    def label(self) -> str:
        """The state as "Mon compte" shows it, in French (the msgid of its translations)."""
        return _ATTACHMENT_LABELS[self]


@labelled("subscription state")
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

    @property
    def label(self) -> str:
        """The state as "Mon compte" shows it, in French (the msgid of its translations)."""
        return _SUBSCRIPTION_LABELS[self]


_ATTACHMENT_LABELS = {
    AttachmentState.PENDING: NP_("attachment state", "en attente de validation"),
    AttachmentState.VALIDATED: NP_("attachment state", "validé"),
    AttachmentState.REFUSED: NP_("attachment state", "refusé"),
    AttachmentState.WITHDRAWN: NP_("attachment state", "demande retirée"),
    AttachmentState.ENDED: NP_("attachment state", "terminé"),
    AttachmentState.INVITED: NP_("attachment state", "invitation reçue"),
    AttachmentState.DECLINED: NP_("attachment state", "invitation déclinée"),
}
_SUBSCRIPTION_LABELS = {
    SubscriptionState.EN_COURS_DE_VALIDATION: NP_("subscription state", "en cours de validation"),
    SubscriptionState.VALIDE: NP_("subscription state", "validé"),
    SubscriptionState.REFUSE: NP_("subscription state", "refusé"),
    SubscriptionState.ANNULE: NP_("subscription state", "annulé"),
    SubscriptionState.REVOQUE: NP_("subscription state", "révoqué"),
}
