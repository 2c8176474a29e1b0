"""The command line, ``chorus-onboarding`` or ``python -m chorus_onboarding`` (the ``cli`` extra).

The commands are built on click, in one module per group: ``accounts``
(``account ...`` and the expiry batch), ``structures``, ``mail`` (the relay
worker and its dead letters), ``database`` (``db upgrade``, ``db current``)
and ``tour`` (``demo``, ``diagrams``); ``base`` holds what they share (exit
codes, ``--json``, ``--db``/``--url``, progress bars). This module imports
none of them until :func:`main` runs, so that without click installed the
command line still says, in one line, which extra to install.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from ..domain.accounts import ACCOUNT_LIFECYCLE
from ..domain.attachments import ATTACHMENT_LIFECYCLE
from ..domain.errors import ExtraNotInstalled, OnboardingError
from ..domain.subscriptions import SUBSCRIPTION_LIFECYCLE

__all__ = ["diagrams", "error_document", "main"]

_LIFECYCLES = (
    ("Compte (Account)", ACCOUNT_LIFECYCLE),
    ("Demande de rattachement (Attachment)", ATTACHMENT_LIFECYCLE),
    ("Abonnement à un espace (Subscription)", SUBSCRIPTION_LIFECYCLE),
)

PROGRAM = "chorus-onboarding"
"""The name every message of the command line starts with."""


def diagrams() -> str:
    """Every lifecycle as a Mermaid diagram, drawn from the transition tables."""
    return "\n".join(
        f"## {title}\n\n```mermaid\n{lifecycle.mermaid()}```\n" for title, lifecycle in _LIFECYCLES
    )


def error_document(error: OnboardingError) -> dict[str, Any]:
    """What ``--json`` writes on stderr for a refusal: its code, French message and field."""
    return {"error": {"code": error.code, "message": str(error), "field": error.field}}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (the process's arguments by default); its exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        import click  # noqa: F401  (only asked whether it is there)
    except ImportError as missing:
        return _without_click(arguments, missing)
    from .app import chorus

    try:
        chorus.main(args=arguments)
    except SystemExit as ended:
        # click ends every run with sys.exit: the status is what this returns.
        return ended.code if isinstance(ended.code, int) else 0 if ended.code is None else 1
    return 0


def _without_click(arguments: list[str], missing: ImportError) -> int:
    error = ExtraNotInstalled(extra="cli").with_cause(missing)
    if "--json" in arguments:
        print(json.dumps(error_document(error), ensure_ascii=False), file=sys.stderr)
    else:
        print(f"{PROGRAM} : {error}", file=sys.stderr)
    return 1
