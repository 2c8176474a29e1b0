"""Attachments ("rattachements"): a user's membership of a structure.

::

    PENDING --validate--> VALIDATED --detach--> ENDED
    PENDING --refuse--> REFUSED
    PENDING --withdraw--> WITHDRAWN

A user asks; a manager of the structure validates or refuses. A manager may
also attach a user directly (the attachment starts VALIDATED) and detach one
who left.
"""

from __future__ import annotations

import enum
from datetime import datetime

from attrs import define, field

from . import events
from .events import Notice
from .lifecycle import Lifecycle, Transition


class AttachmentState(enum.Enum):
    """Where an attachment stands."""

    PENDING = "EN_ATTENTE"
    VALIDATED = "VALIDE"
    REFUSED = "REFUSE"
    WITHDRAWN = "RETIREE"
    ENDED = "TERMINE"

    @property
    def is_live(self) -> bool:
        """Pending or validated: the states of which a user may have one per structure."""
        return self in (AttachmentState.PENDING, AttachmentState.VALIDATED)


_A = AttachmentState
ATTACHMENT_LIFECYCLE: Lifecycle[AttachmentState] = Lifecycle(
    "demande de rattachement",
    AttachmentState,
    [
        Transition("validate", (_A.PENDING,), _A.VALIDATED),
        Transition("refuse", (_A.PENDING,), _A.REFUSED),
        Transition("withdraw", (_A.PENDING,), _A.WITHDRAWN),
        Transition("detach", (_A.VALIDATED,), _A.ENDED),
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
        """An attachment made by a manager (or at a structure's creation): valid at once."""
        return cls(
            id=attachment_id,
            account_id=account_id,
            structure_id=structure_id,
            requested_at=now,
            state=AttachmentState.VALIDATED,
            decided_at=now,
            decided_by=by,
        )

    @property
    def is_valid(self) -> bool:
        """Whether the user is a member of the structure through this attachment."""
        return self.state is AttachmentState.VALIDATED

    def announce(
        self, notice: Notice, *, requester_name: str, manager_emails: tuple[str, ...]
    ) -> None:
        """Tell the structure's managers that this request waits for them."""
        self._record(
            events.AttachmentRequested(
                occurred_at=self.requested_at,
                account_id=self.account_id,
                structure_id=self.structure_id,
                structure_name=notice.structure_name,
                requester_name=requester_name,
                requester_email=notice.contact_email,
                manager_emails=manager_emails,
            )
        )

    def _decide(self, event: str, by: str, now: datetime, reason: str = "") -> None:
        ATTACHMENT_LIFECYCLE.fire(self, event)
        self.decided_at = now
        self.decided_by = by
        self.reason = reason

    def _tell_requester(self, notice: Notice, *, validated: bool, direct: bool = False) -> None:
        assert self.decided_at is not None
        self._record(
            events.AttachmentDecided(
                occurred_at=self.decided_at,
                account_id=self.account_id,
                structure_id=self.structure_id,
                structure_name=notice.structure_name,
                contact_email=notice.contact_email,
                validated=validated,
                direct=direct,
                reason=self.reason,
            )
        )

    def validate(self, *, by: str, now: datetime, notice: Notice) -> None:
        """A manager accepts the request; the requester is told."""
        self._decide("validate", by, now)
        self._tell_requester(notice, validated=True)

    def refuse(self, *, by: str, now: datetime, notice: Notice, reason: str = "") -> None:
        """A manager turns the request down; the requester is told."""
        self._decide("refuse", by, now, reason)
        self._tell_requester(notice, validated=False)

    def withdraw(self, *, now: datetime) -> None:
        """The requester takes the request back."""
        self._decide("withdraw", self.account_id, now)

    def welcome(self, notice: Notice) -> None:
        """Tell a directly attached user (not at a structure's creation: they made it)."""
        self._tell_requester(notice, validated=True, direct=True)

    def detach(self, *, by: str, now: datetime, notice: Notice) -> None:
        """The user leaves the structure (a manager detaches them); they are told."""
        self._decide("detach", by, now)
        self._record(
            events.UserDetached(
                occurred_at=now,
                account_id=self.account_id,
                structure_id=self.structure_id,
                structure_name=notice.structure_name,
                contact_email=notice.contact_email,
            )
        )
