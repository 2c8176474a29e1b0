"""``demo``: the journeys told step by step; ``diagrams``: the state machines in Mermaid."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from .. import demo as tour
from . import diagrams as drawn
from .base import Command


@click.command(cls=Command)
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=tour.DEFAULT_DATABASE,
    show_default=True,
    help="The SQLite file the demo keeps its people in (created if missing).",
)
@click.option("--memory", is_flag=True, help="Keep everything in memory instead.")
@click.option("--verbose", is_flag=True, help="Print the emails' whole text, not one line each.")
def demo(db: Path, memory: bool, verbose: bool) -> None:
    """Tell the journeys step by step.

    Each email sent on the way shows as one line under the step that sent it.
    """
    chosen = click.get_current_context().get_parameter_source("db")
    if memory and chosen is not ParameterSource.DEFAULT:
        raise click.UsageError("--db and --memory exclude each other")
    tour.run(sys.stdout, None if memory else db, verbose=verbose)


@click.command(cls=Command)
def diagrams() -> None:
    """Print the state diagrams (Mermaid).

    Drawn from the transition tables.
    """
    click.echo(drawn(), nl=False)
