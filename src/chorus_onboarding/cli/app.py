"""The top of the command line: ``--version``, and every group of commands under it."""

from __future__ import annotations

from importlib import metadata

import click

from . import PROGRAM
from .accounts import account, expire
from .base import Root
from .database import db
from .mail import mail, relay
from .register import register
from .structures import structure
from .tour import demo, diagrams


def _version() -> str:
    try:
        return metadata.version(PROGRAM)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "inconnue (paquet non installé)"


@click.group(
    cls=Root,
    help="Onboarding on Chorus Pro: the demo, and what an administrator does on a database.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(_version(), "--version", prog_name=PROGRAM, message="%(prog)s %(version)s")
def chorus() -> None:
    """The ``chorus-onboarding`` command."""


for command in (account, structure, mail, expire, relay, db, register, demo, diagrams):
    chorus.add_command(command)
