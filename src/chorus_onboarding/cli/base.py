"""What the commands share: exit codes, ``--json``, ``--db``/``--url``, ``--as``, progress bars."""

from __future__ import annotations

import enum
import functools
import json
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
import click

from ..actors import Actor
from ..domain.errors import InvalidInput, OnboardingError, StorageUnavailable
from ..service import OnboardingService
from ..settings import OnboardingSettings
from . import PROGRAM, error_document

DONE = 0
"""The command did what it was asked."""
REFUSED = 1
"""The library refused (an unknown account, a move its state forbids...): its message says why."""
USAGE = 2
"""The command line itself is wrong: an unknown command or option, a missing argument (click's)."""
DATABASE_UNAVAILABLE = 3
"""The database cannot be used: missing file, URL not supported, server down, schema to upgrade."""

EXIT_CODES = f"""\b
Exit codes:
  {DONE}  done
  {REFUSED}  refused by the library: its message (with --json, its code) says why
  {USAGE}  usage error: an unknown command or option, a missing argument
  {DATABASE_UNAVAILABLE}  database unavailable: a missing file, a URL not supported,
     a server that does not answer, a schema to upgrade (db upgrade)
"""

_JSON = "chorus_onboarding.json"
"""Where ``--json`` is noted in the click context's ``meta`` (shared by every level)."""

R = TypeVar("R")


class DatabaseUnavailable(Exception):
    """The database named on the command line could not be opened (exit code 3).

    Carries the library's error that said why; it is never raised outside the
    command line.
    """

    def __init__(self, error: OnboardingError) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def opening() -> Iterator[None]:
    """Any refusal met while opening the database means the database is unavailable."""
    try:
        yield
    except OnboardingError as error:
        raise DatabaseUnavailable(error) from error


class Command(click.Command):
    """A command whose ``--help`` ends with the exit codes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_CODES)
        super().__init__(*args, **kwargs)


class Commands(click.Group):
    """A group of commands, each documenting the exit codes."""

    command_class = Command
    group_class = type  # subgroups are of this class too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_CODES)
        super().__init__(*args, **kwargs)


class Root(Commands):
    """The top of the command line: turns every failure into its exit code and message."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a library error is reported (as JSON with ``--json``), never raised."""
        try:
            return super().invoke(ctx)
        except DatabaseUnavailable as unavailable:
            _fail(ctx, unavailable.error, DATABASE_UNAVAILABLE)
        except StorageUnavailable as error:
            _fail(ctx, error, DATABASE_UNAVAILABLE)
        except OnboardingError as error:
            _fail(ctx, error, REFUSED)
        except click.UsageError as error:
            if not wants_json(ctx):
                raise
            parameter = getattr(error, "param", None)
            usage = {"code": "usage", "message": error.format_message(), "field": None}
            if isinstance(parameter, click.Parameter):
                usage["field"] = parameter.name
            click.echo(json.dumps({"error": usage}, ensure_ascii=False), err=True)
            ctx.exit(USAGE)
        except BrokenPipeError:
            # The reader (``| head``) left early: not an error of ours. Point
            # stdout at devnull so the interpreter's final flush stays quiet.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return None


def _fail(ctx: click.Context, error: OnboardingError, code: int) -> NoReturn:
    if wants_json(ctx):
        click.echo(json.dumps(error_document(error), ensure_ascii=False), err=True)
    else:
        click.echo(f"{PROGRAM} : {error}", err=True)
    ctx.exit(code)


# --- output ------------------------------------------------------------------------


def wants_json(ctx: click.Context | None = None) -> bool:
    """Whether ``--json`` was given to the command being run."""
    context = ctx or click.get_current_context(silent=True)
    return context is not None and bool(context.meta.get(_JSON))


def _note_json(ctx: click.Context, _parameter: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_JSON] = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    # Eager: noted before the other parameters, so that their errors are JSON too.
    is_eager=True,
    callback=_note_json,
    help="Print one JSON document on stdout (errors as JSON on stderr).",
)
"""``--json``: what the command reports, as one JSON document."""


def report(document: object, text: str) -> None:
    """Print what a command did: ``document`` as JSON with ``--json``, else ``text``."""
    if wants_json():
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


def moment(value: datetime | None) -> str | None:
    """A datetime as JSON and the text show it (ISO 8601, to the second), or None."""
    return None if value is None else value.isoformat(timespec="seconds")


def plain(view: Any, *, leave_out: Collection[str] = ()) -> dict[str, Any]:
    """A view of the library (attrs) as JSON values: enums by value, datetimes as :func:`moment`."""

    def value(_instance: object, _field: object, found: Any) -> Any:
        if isinstance(found, enum.Enum):
            return found.value
        return moment(found) if isinstance(found, datetime) else found

    return attrs.asdict(
        view,
        filter=lambda field, _value: field.name not in leave_out,
        value_serializer=value,
    )


def _unwatched(_done: int) -> None:
    """Nobody sees the progress."""


@contextmanager
def progress(label: str, total: Callable[[], int] | None = None) -> Iterator[Callable[[int], Any]]:
    """A progress bar on stderr, told how many items were just done; only on a terminal.

    Quiet when stderr is not a terminal (a pipe, a log file, a test) and with
    ``--json``. ``total`` is asked only when the bar is shown; without one,
    the bar counts without an end.
    """
    stream = sys.stderr
    if wants_json() or not stream.isatty():
        yield _unwatched
        return
    # An endless iterator with no length makes click draw a bar without an end.
    steps: Iterable[int] = range(total()) if total is not None else iter(int, 1)
    with click.progressbar(steps, label=label, file=stream, show_pos=True) as bar:
        yield bar.update


# --- where the data is, and who acts -------------------------------------------------


def database_options(command: Callable[..., R]) -> Callable[..., R]:
    """``--db PATH`` or ``--url URL`` (one of them), given to the command as ``database``."""

    @click.option(
        "--db",
        type=click.Path(path_type=Path),
        help="An existing SQLite file (never created: a missing one is an error).",
    )
    @click.option(
        "--url",
        metavar="URL",
        help="A database URL: postgresql+psycopg://user@host/base, sqlite:///…",
    )
    @functools.wraps(command)
    def with_database(*args: Any, db: Path | None, url: str | None, **kwargs: Any) -> R:
        database: str | Path
        if db is not None and url is None:
            database = db
        elif url is not None and db is None:
            database = url
        else:
            raise click.UsageError("give the database with --db PATH or --url URL (one of them)")
        return command(*args, database=database, **kwargs)

    return with_database


def support_option(command: Callable[..., R]) -> Callable[..., R]:
    """``--as NAME``: the support agent acting (``$USER`` by default), given as ``actor``."""

    @click.option(
        "--as",
        "operator",
        metavar="NAME",
        default=lambda: os.environ.get("USER") or "support",
        show_default="$USER",
        help="The support agent acting: the name the library records where it notes who acted.",
    )
    @functools.wraps(command)
    def as_support(*args: Any, operator: str, **kwargs: Any) -> R:
        return command(*args, actor=Actor.support(operator), **kwargs)

    return as_support


def support_command(
    group: click.Group, name: str, argument: str, metavar: str
) -> Callable[[Callable[..., None]], click.Command]:
    """Registers a support agent's command on one thing: its ARGUMENT, the database, --as, --json."""

    def register(function: Callable[..., None]) -> click.Command:
        with_options = database_options(support_option(json_option(function)))
        return group.command(name)(click.argument(argument, metavar=metavar)(with_options))

    return register


def secret_key() -> str:
    """The deployment's secret key, from ``CHORUS_SECRET_KEY``: links made without it fail."""
    key = os.environ.get("CHORUS_SECRET_KEY")
    if not key:
        raise InvalidInput(field="settings", expected="clé secrète dans CHORUS_SECRET_KEY")
    return key


@contextmanager
def operator_service(
    database: str | Path, *, needs_key: bool = False
) -> Iterator[OnboardingService]:
    """A service on the existing ``database`` for one command, closed after it.

    Built with the deployment's key from ``CHORUS_SECRET_KEY`` when set (a
    command that issues a link, ``needs_key``, refuses to run without it:
    the relay could not send a working link), otherwise with the demo's.
    """
    from ..wiring import existing_service

    key = secret_key() if needs_key else os.environ.get("CHORUS_SECRET_KEY")
    settings = OnboardingSettings(secret_key=key) if key else None
    with opening():
        service = existing_service(database, settings=settings)
    try:
        yield service
    finally:
        service.close()
