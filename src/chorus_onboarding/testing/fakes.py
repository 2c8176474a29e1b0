"""Fakes for tests of code that embeds the library: a clock you move, ids you can read."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from ..adapters.mail import MemoryMailbox
from ..ports import OutgoingEmail
from ..service.second_factor import LoginCodeSent
from ..service.sessions import LoginResult


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


_CODE_LINE = re.compile(r"^[ \t]*(\d{6,10})[ \t]*$", re.MULTILINE)
"""A line that is the code alone, as the login code email writes it."""


def login_code_in(email: OutgoingEmail) -> str | None:
    """The one-time login code ``email`` carries, as a person reads it there; None if none."""
    found = _CODE_LINE.search(email.body)
    return None if found is None else found.group(1)


def opened(answer: LoginResult | LoginCodeSent) -> LoginResult:
    """The session a login opened at once; ``AssertionError`` if it asked for the emailed code.

    For a test of a service with ``login_code`` off (the default), where the
    password alone opens the session. With a :class:`~.world.World`,
    :meth:`~.world.World.log_in` goes through the code as well.
    """
    if not isinstance(answer, LoginResult):
        raise AssertionError("the login asked for the emailed code: use World.log_in")
    return answer
