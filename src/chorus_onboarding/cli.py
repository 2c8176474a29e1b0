"""The command line: ``chorus-onboarding demo`` and ``chorus-onboarding diagrams``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import demo
from .domain.accounts import ACCOUNT_LIFECYCLE
from .domain.attachments import ATTACHMENT_LIFECYCLE
from .domain.subscriptions import SUBSCRIPTION_LIFECYCLE

_LIFECYCLES = (
    ("Compte (Account)", ACCOUNT_LIFECYCLE),
    ("Demande de rattachement (Attachment)", ATTACHMENT_LIFECYCLE),
    ("Abonnement à un espace (Subscription)", SUBSCRIPTION_LIFECYCLE),
)


def diagrams() -> str:
    """Every lifecycle as a Mermaid diagram, drawn from the transition tables."""
    return "\n".join(
        f"## {title}\n\n```mermaid\n{lifecycle.mermaid()}```\n" for title, lifecycle in _LIFECYCLES
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="chorus-onboarding", description="Onboarding on Chorus Pro, as a library."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="tell the journeys step by step, printing the emails sent")
    commands.add_parser("diagrams", help="print the state diagrams (Mermaid)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "demo":
            demo.run(sys.stdout)
        else:
            sys.stdout.write(diagrams())
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) left early: not an error of ours. Point
        # stdout at devnull so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
