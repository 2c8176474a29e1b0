"""Attachments ("rattachements"): a user's membership of a structure.

::

    PENDING --validate--> VALIDATED --detach--> ENDED
    PENDING --refuse--> REFUSED
    PENDING --withdraw--> WITHDRAWN
    INVITED --accept--> VALIDATED
    INVITED --decline--> DECLINED
    INVITED --lapse--> WITHDRAWN

A user asks; a manager of the structure validates or refuses. A manager may
also invite a user, who accepts or declines (no one is attached without
their consent), and detach one who left. The creator of a structure is
attached to it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import define, field

from . import events
from .errors import InvitationLapsed
from .lifecycle import Lifecycle, Transition
from .states import AttachmentState as AttachmentState

_A = AttachmentState
ATTACHMENT_LIFECYCLE: Lifecycle[AttachmentState] = Lifecycle(
    "demande de rattachement",
    AttachmentState,
    [
        Transition("validate", (_A.PENDING,), _A.VALIDATED),
        Transition("refuse", (_A.PENDING,), _A.REFUSED),
        Transition("withdraw", (_A.PENDING,), _A.WITHDRAWN),
        Transition("detach", (_A.VALIDATED,), _A.ENDED),
        Transition("accept", (_A.INVITED,), _A.VALIDATED),
        Transition("decline", (_A.INVITED,), _A.DECLINED),
        Transition("lapse", (_A.INVITED,), _A.WITHDRAWN),
    ],
)


@define(eq=False, weakref_slot=False)
class Attachment(events.RecordsEvents):
    """One user's attachment to one structure, from the request to its end."""

    id: str
    account_id: str
    structure_id: str
    requested_at: datetime
    state: AttachmentState = AttachmentState.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""
    invited_by: str | None = None
    invited_until: datetime | None = None
    version: int = 0
    _pending_events: list[events.DomainEvent] | None = field(default=None, init=False, repr=False)

    @classmethod
    def request(
        cls, *, attachment_id: str, account_id: str, structure_id: str, now: datetime
    ) -> Attachment:
        """A request waiting for a manager."""
        return cls(
            id=attachment_id, account_id=account_id, structure_id=structure_id, requested_at=now
        )

    @classmethod
    def direct(
        cls, *, attachment_id: str, account_id: str, structure_id: str, by: str, now: datetime
    ) -> Attachment:
        """An attachment made at a structure's creation, for its creator: valid at once."""
        attachment = cls(
            id=attachment_id,
            account_id=account_id,
            structure_id=structure_id,
            requested_at=now,
            state=AttachmentState.VALIDATED,
            decided_at=now,
            decided_by=by,
        )
        attachment._recorded_decision(direct=True)
        return attachment

    @classmethod
    def invite(
        cls,
        *,
        attachment_id: str,
        account_id: str,
        structure_id: str,
        by: str,
        now: datetime,
        validity: timedelta,
    ) -> Attachment:
        """A manager's offer to a user, waiting for their answer until it lapses."""
        offer = cls(
            id=attachment_id,
            account_id=account_id,
            structure_id=structure_id,
            requested_at=now,
            state=AttachmentState.INVITED,
            invited_by=by,
            invited_until=now + validity,
        )
        offer._record(
            events.InvitationIssued(
                occurred_at=now,
                account_id=account_id,
                structure_id=structure_id,
                attachment_id=attachment_id,
                by=by,
                expires_at=now + validity,
            )
        )
        return offer

    def lapsed(self, now: datetime) -> bool:
        """Whether this is an invitation whose time to answer has passed."""
        return (
            self.state is AttachmentState.INVITED
            and self.invited_until is not None
            and now > self.invited_until
        )

    def accept(self, *, now: datetime) -> None:
        """The invited user says yes: they are attached."""
        self._answer("accept", now, accepted=True)

    def decline(self, *, now: datetime) -> None:
        """The invited user says no."""
        self._answer("decline", now, accepted=False)

    def _answer(self, event: str, now: datetime, *, accepted: bool) -> None:
        if self.lapsed(now):
            raise InvitationLapsed(field="attachment_id")
        self._decide(event, self.account_id, now)
        self._record(
            events.InvitationAnswered(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
                accepted=accepted,
                invited_by=self.invited_by or "",
            )
        )

    def lapse(self, *, now: datetime) -> None:
        """The invitation was not answered in time: it gives way to a new one."""
        self._decide("lapse", self.invited_by or self.account_id, now)
        self._record(
            events.InvitationLapsed(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
            )
        )

    @property
    def is_valid(self) -> bool:
        """Whether the user is a member of the structure through this attachment."""
        return self.state is AttachmentState.VALIDATED

    def announce(self) -> None:
        """Record that this request waits for the structure's managers."""
        self._record(
            events.AttachmentRequested(
                occurred_at=self.requested_at,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
            )
        )

    def _decide(self, event: str, by: str, now: datetime, reason: str = "") -> None:
        ATTACHMENT_LIFECYCLE.fire(self, event)
        self.decided_at = now
        self.decided_by = by
        self.reason = reason

    def _recorded_decision(self, *, direct: bool = False) -> None:
        assert self.decided_at is not None
        assert self.decided_by is not None
        self._record(
            events.AttachmentDecided(
                occurred_at=self.decided_at,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
                outcome=self.state,
                by=self.decided_by,
                direct=direct,
                reason=self.reason,
            )
        )

    def validate(self, *, by: str, now: datetime) -> None:
        """A manager accepts the request."""
        self._decide("validate", by, now)
        self._recorded_decision()

    def refuse(self, *, by: str, now: datetime, reason: str = "") -> None:
        """A manager turns the request down (with a reason, if any)."""
        self._decide("refuse", by, now, reason)
        self._recorded_decision()

    def withdraw(self, *, now: datetime) -> None:
        """The requester takes the request back."""
        self._decide("withdraw", self.account_id, now)
        self._record(
            events.AttachmentWithdrawn(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
            )
        )

    def detach(self, *, by: str, now: datetime) -> None:
        """The user leaves the structure, or a manager detaches them (``by``)."""
        self._decide("detach", by, now)
        self._record(
            events.UserDetached(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                attachment_id=self.id,
                by=by,
            )
        )
