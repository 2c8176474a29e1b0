"""Mail senders: an in-memory mailbox that keeps what it would have sent."""

from __future__ import annotations

import functools
import re
import threading
from contextlib import AbstractContextManager, nullcontext

from ..domain.emails import EmailAddress
from ..domain.errors import OnboardingError
from ..ports import OutgoingEmail

_LINK = re.compile(r"https?://\S+")


class MemoryMailbox:
    """Keeps every email instead of sending it; a retried email is kept once.

    Tests and the demo read it to follow the links the library sends.
    """

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def send(self, email: OutgoingEmail) -> None:
        """Keep ``email`` unless one with the same dedupe key was kept already."""
        with self._lock:
            if email.dedupe_key in self._keys:
                return
            self._keys.add(email.dedupe_key)
            self.sent.append(email)

    def session(self) -> AbstractContextManager[MemoryMailbox]:
        """The mailbox itself: there is no connection to open."""
        return nullcontext(self)

    def to(self, address: str) -> list[OutgoingEmail]:
        """The emails sent to ``address`` as typed (any case, spaces, a Unicode domain), oldest first."""
        wanted = _as_sent(address)
        return [email for email in self.sent if wanted in (_as_sent(a) for a in email.to)]

    def last_to(self, address: str) -> OutgoingEmail:
        """The latest email sent to ``address``; raises LookupError if none."""
        received = self.to(address)
        if not received:
            raise LookupError(f"no email sent to {address}")
        return received[-1]

    @staticmethod
    def links(email: OutgoingEmail) -> list[str]:
        """The links in an email's body."""
        return _LINK.findall(email.body)


@functools.lru_cache(maxsize=4096)
def _as_sent(address: str) -> str:
    """``address`` as the library writes to it (``café.fr`` as its A-label), casefolded."""
    try:
        return EmailAddress.parse(address).value.casefold()
    except OnboardingError:
        return address.strip().casefold()
