"""The support desk's own log: what each support agent did, on which account, when."""

from __future__ import annotations

import enum
from datetime import datetime

from attrs import field, frozen

from .checks import aware, identifier, member, note, optional_identifier


class SupportActionKind(enum.Enum):
    """What a support agent did through the facade: one kind per operation open to support."""

    ACCOUNT_LOOKED_UP = "Recherche d'un compte par son adresse de connexion"
    ACCOUNT_READ = "Consultation du compte"
    ATTACHMENTS_READ = "Consultation des rattachements"
    SUBSCRIPTIONS_READ = "Consultation des abonnements"
    AUTHORISATIONS_READ = "Consultation des habilitations"
    REQUESTS_READ = "Consultation de l'historique des demandes"
    LOGIN_SUSPENSION_LIFTED = "Levée de la suspension des connexions"
    ACCOUNT_DEACTIVATED = "Désactivation du compte"
    ACCOUNT_REACTIVATED = "Réactivation du compte"
    ACTIVATION_RESENT = "Renvoi du courriel d'activation"
    PRINCIPAL_APPOINTED = "Nomination du gestionnaire principal"
    STRUCTURE_READ = "Consultation de la structure"
    MANAGER_HISTORY_READ = "Consultation de l'historique des gestionnaires"
    STRUCTURE_USERS_READ = "Consultation des utilisateurs de la structure"
    STRUCTURE_USERS_EXPORTED = "Export des utilisateurs de la structure"


@frozen
class SupportAction:
    """Which support agent did what, when, on which account (and structure).

    Written in the same unit of work as what it records: a change support
    makes, or a read of someone's data (an auditor asks who looked at whose
    account). ``actor`` is the agent as :attr:`~chorus_onboarding.Actor.label`
    gives it (``support:NAME``). ``account_id`` is None for an action on a
    structure alone, and for a look-up by email that found nothing
    (``details`` then keeps the address searched); ``structure_id`` is None
    for an action on an account alone. ``details`` never holds a secret.

    Checked when built, like :class:`~chorus_onboarding.ManagerAction`: the
    ids are printable text of 1 to 200 characters, ``at`` is time
    zone-aware, ``kind`` a :class:`SupportActionKind` and ``details`` at
    most 1000 printable characters and newlines. A field that breaks them
    raises :class:`~chorus_onboarding.errors.InvalidInput` naming it.
    """

    at: datetime = field(validator=aware)
    actor: str = field(validator=identifier)
    kind: SupportActionKind = field(validator=member(SupportActionKind))
    account_id: str | None = field(default=None, validator=optional_identifier)
    structure_id: str | None = field(default=None, validator=optional_identifier)
    details: str = field(default="", validator=note)
