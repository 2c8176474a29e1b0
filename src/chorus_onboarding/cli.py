"""The command line: ``demo``, ``diagrams`` and ``expire`` (the expiry batch)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import demo
from .domain.accounts import ACCOUNT_LIFECYCLE
from .domain.attachments import ATTACHMENT_LIFECYCLE
from .domain.errors import OnboardingError
from .domain.subscriptions import SUBSCRIPTION_LIFECYCLE
from .service import OnboardingService

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
    told = commands.add_parser(
        "demo", help="tell the journeys step by step, printing the emails sent"
    )
    where = told.add_mutually_exclusive_group()
    where.add_argument(
        "--db", type=Path, default=demo.DEFAULT_DATABASE, help="SQLite file (default: %(default)s)"
    )
    where.add_argument("--memory", action="store_true", help="keep everything in memory")
    commands.add_parser("diagrams", help="print the state diagrams (Mermaid)")
    expire = commands.add_parser("expire", help="expire every activation past its deadline")
    source = expire.add_mutually_exclusive_group()
    source.add_argument("--db", type=Path, default=demo.DEFAULT_DATABASE, help="SQLite file")
    source.add_argument("--url", help="database URL instead (postgresql+psycopg://...)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "demo":
            demo.run(sys.stdout, None if arguments.memory else arguments.db)
        elif arguments.command == "expire":
            service = (
                OnboardingService.from_url(arguments.url)
                if arguments.url
                else OnboardingService.sqlite(arguments.db)
            )
            print(f"{service.expire_overdue_activations()} activation(s) expirée(s)")
        else:
            sys.stdout.write(diagrams())
        sys.stdout.flush()
    except OnboardingError as error:
        print(f"chorus-onboarding : {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (``| head``) left early: not an error of ours. Point
        # stdout at devnull so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
