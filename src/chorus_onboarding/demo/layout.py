"""How the demo lays out what it prints: times, one-line email summaries, tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from ..adapters.mail import MemoryMailbox
from ..notifications import PARIS
from ..ports import OutgoingEmail

ZONE = "heure de Paris"
"""The label every time the demo prints carries: the portal's time, as its emails give it."""


def paris(instant: datetime) -> str:
    """``03/02/2027 10:02``: an instant in Paris time, for a column whose header says so."""
    return f"{instant.astimezone(PARIS):%d/%m/%Y %H:%M}"


def labelled(instant: datetime) -> str:
    """``03/02/2027 10:02 (heure de Paris)``: an instant in Paris time, saying so."""
    return f"{paris(instant)} ({ZONE})"


def short_link(link: str) -> str:
    """A link's page without its host or its single-use parameters: ``/cpp/activationCompte?…``."""
    parts = urlsplit(link)
    # The host is the same in every email and the token is unreadable noise;
    # the page is what tells the reader where the link leads.
    return parts.path + ("?…" if parts.query else "")


def summary(email: OutgoingEmail, sent_at: datetime) -> str:
    """One line for an email: when (labelled), to whom, its subject and its links, shortened."""
    links = "".join(f" — lien {short_link(link)}" for link in MemoryMailbox.links(email))
    return f"  ✉ {labelled(sent_at)} à {', '.join(email.to)} : « {email.subject} »{links}"


def body(email: OutgoingEmail) -> list[str]:
    """An email's whole text, indented under its summary (what ``--verbose`` adds)."""
    return [f"     | {line}".rstrip() for line in email.body.splitlines()]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "    ") -> list[str]:
    """``rows`` under ``headers`` in columns as wide as their widest cell, header included.

    Widths come from the content so that no header and no cell is ever cut.
    """
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    rule = ["-" * width for width in widths]
    return [
        indent
        + "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, rule, *rows)
    ]
