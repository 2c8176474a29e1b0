"""Subscriptions ("abonnements"): a user's right on one espace of one structure.

::

    EN_COURS_DE_VALIDATION --validate--> VALIDE --revoke--> REVOQUE
    EN_COURS_DE_VALIDATION --refuse--> REFUSE
    EN_COURS_DE_VALIDATION, VALIDE --cancel--> ANNULE

A user attached to the structure asks, per service, for consultation only or
for modification; only the principal manager validates, refuses or revokes.
"""

from __future__ import annotations

from datetime import date, datetime

from attrs import define, field, frozen

from . import events
from .espaces import Espace, Habilitation
from .lifecycle import Lifecycle, Transition
from .states import SubscriptionState as SubscriptionState

_S = SubscriptionState
SUBSCRIPTION_LIFECYCLE: Lifecycle[SubscriptionState] = Lifecycle(
    "abonnement",
    SubscriptionState,
    [
        Transition("validate", (_S.EN_COURS_DE_VALIDATION,), _S.VALIDE),
        Transition("refuse", (_S.EN_COURS_DE_VALIDATION,), _S.REFUSE),
        Transition("cancel", (_S.EN_COURS_DE_VALIDATION, _S.VALIDE), _S.ANNULE),
        Transition("revoke", (_S.VALIDE,), _S.REVOQUE),
    ],
)


@frozen
class EspaceRight:
    """A right on one espace, for one service, in one mode: what a validated subscription gives."""

    espace: Espace
    habilitation: Habilitation
    service: str


@define(eq=False, weakref_slot=False)
class Subscription(events.RecordsEvents):
    """One user's right on one espace, for one service of one structure."""

    id: str
    account_id: str
    structure_id: str
    espace: Espace
    service: str
    habilitation: Habilitation
    requested_at: datetime
    request_date: date
    """The "Date de la demande" the user typed (today by default); access starts at validation."""
    comment: str = ""
    state: SubscriptionState = SubscriptionState.EN_COURS_DE_VALIDATION
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""
    version: int = 0
    _pending_events: list[events.DomainEvent] | None = field(default=None, init=False, repr=False)

    @classmethod
    def ask(
        cls,
        *,
        subscription_id: str,
        account_id: str,
        structure_id: str,
        espace: Espace,
        service: str,
        habilitation: Habilitation,
        request_date: date,
        comment: str,
        now: datetime,
    ) -> Subscription:
        """A request waiting for the principal manager."""
        return cls(
            id=subscription_id,
            account_id=account_id,
            structure_id=structure_id,
            espace=espace,
            service=service,
            habilitation=habilitation,
            requested_at=now,
            request_date=request_date,
            comment=comment,
        )

    @classmethod
    def granted(
        cls,
        *,
        subscription_id: str,
        account_id: str,
        structure_id: str,
        espace: Espace,
        service: str,
        habilitation: Habilitation,
        by: str,
        now: datetime,
    ) -> Subscription:
        """A right the principal manager gives directly (with an attachment's validation).

        Asked and validated in one go, so the user is told as for any validation.
        """
        subscription = cls.ask(
            subscription_id=subscription_id,
            account_id=account_id,
            structure_id=structure_id,
            espace=espace,
            service=service,
            habilitation=habilitation,
            request_date=now.date(),
            comment="",
            now=now,
        )
        subscription.validate(by=by, now=now)
        return subscription

    @property
    def grants(self) -> bool:
        """Whether this subscription gives its right now."""
        return self.state is SubscriptionState.VALIDE

    def covers(self, espace: Espace, habilitation: Habilitation) -> bool:
        """Whether it gives ``habilitation`` on ``espace`` (modification implies consultation)."""
        return self.grants and self.espace is espace and self.habilitation.covers(habilitation)

    def announce(self) -> None:
        """Record that this request waits for the principal manager."""
        self._record(
            events.SubscriptionRequested(
                occurred_at=self.requested_at,
                account_id=self.account_id,
                structure_id=self.structure_id,
                subscription_id=self.id,
                espace=self.espace,
                service=self.service,
                habilitation=self.habilitation,
            )
        )

    def _decide(self, event: str, by: str, now: datetime, reason: str) -> None:
        SUBSCRIPTION_LIFECYCLE.fire(self, event)
        self.decided_at = now
        self.decided_by = by
        self.reason = reason
        self._record(
            events.SubscriptionDecided(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                subscription_id=self.id,
                espace=self.espace,
                habilitation=self.habilitation,
                outcome=self.state,
                by=by,
                reason=reason,
            )
        )

    def validate(self, *, by: str, now: datetime) -> None:
        """The principal manager grants the right."""
        self._decide("validate", by, now, "")

    def refuse(self, *, by: str, now: datetime, reason: str = "") -> None:
        """The principal manager turns the request down."""
        self._decide("refuse", by, now, reason)

    def revoke(self, *, by: str, now: datetime, reason: str = "") -> None:
        """The principal manager withdraws a granted right."""
        self._decide("revoke", by, now, reason)

    def cancel(self, *, by: str, now: datetime) -> None:
        """The user gives the subscription up (or it ends with their attachment)."""
        self._decide("cancel", by, now, "")
