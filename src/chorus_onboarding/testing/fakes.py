"""Fakes for tests of code that embeds the library: a clock you move, ids you can read."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from ..adapters.mail import MemoryMailbox
from ..ports import OutgoingEmail


class FrozenClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2018, 1, 4, 9, 5, 10, tzinfo=UTC)

    def now(self) -> datetime:
        """The instant the clock stands at."""
        return self.current

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by ``delta`` or by keyword units (``days=30, seconds=1``)."""
        self.current += delta if delta is not None else timedelta(**units)
        return self.current

    def set(self, instant: datetime) -> None:
        """Jump to ``instant``."""
        self.current = instant


class SequentialIds:
    """Readable ids in creation order: ``id-000001``, ``id-000002``..."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._numbers = itertools.count(1)

    def new_id(self) -> str:
        """The next id."""
        return f"{self._prefix}-{next(self._numbers):06d}"


def link_parameters(mailbox: MemoryMailbox, address: str, page: str) -> dict[str, str]:
    """The ``email`` and ``token`` of the last link to ``page`` sent to ``address``.

    Follows a link the way a person's browser would, for tests and demos:
    ``link_parameters(mailbox, "louise@exemple.fr", "activationCompte")``.
    """
    for email in reversed(mailbox.to(address)):
        found = link_query(email, page)
        if found is not None:
            return found
    raise LookupError(f"no link to {page} was sent to {address}")


def link_query(email: OutgoingEmail, page: str) -> dict[str, str] | None:
    """The query (``email``, ``token``...) of the link to ``page`` in ``email``, or None."""
    for link in MemoryMailbox.links(email):
        parts = urlsplit(link)
        if parts.path.endswith("/" + page):
            return {key: values[0] for key, values in parse_qs(parts.query).items()}
    return None
