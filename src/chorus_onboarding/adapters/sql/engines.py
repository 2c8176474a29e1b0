"""Engines for the two supported databases, set up as the library needs them.

One engine, and so one connection pool, per database and bounds for the
whole process, however many services are built on it. Every call of
:func:`sqlite_engine` or :func:`url_engine` is one more user of its engine;
:func:`release_engine` gives one use back, and the last one disposes of the
pool and forgets the engine.

Every wait is bounded: opening a connection (``connect_timeout``), waiting
for a lock another session holds (``lock_timeout``, SQLite's busy timeout)
and running one statement (``statement_timeout``, PostgreSQL only).
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import URL, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import QueuePool

from ...domain.errors import ExtraNotInstalled, InvalidInput
from ...settings import OnboardingSettings

DEFAULT_CONNECT_TIMEOUT = timedelta(seconds=5)
"""How long opening a connection to PostgreSQL may take, unless told otherwise."""
DEFAULT_LOCK_TIMEOUT = timedelta(seconds=5)
"""How long a statement waits for another session's lock (SQLite: the busy timeout)."""
DEFAULT_STATEMENT_TIMEOUT = timedelta(seconds=30)
"""How long one statement may run on PostgreSQL."""

LONGEST_CONNECT_TIMEOUT = timedelta(minutes=1)
"""The longest ``connect_timeout`` accepted (as ``OnboardingSettings`` does)."""
LONGEST_LOCK_TIMEOUT = timedelta(minutes=10)
"""The longest ``lock_timeout`` accepted (as ``OnboardingSettings`` does)."""
LONGEST_STATEMENT_TIMEOUT = timedelta(hours=1)
"""The longest ``statement_timeout`` accepted (as ``OnboardingSettings`` does)."""

# Drivers that read libpq's connection parameters (connect_timeout, options).
_LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2"})

# What pysqlite itself takes from a URL's query; anything else only means
# something to SQLite inside a ``file:`` URI, that is with ``uri=true``.
_PYSQLITE_ARGUMENTS = frozenset(
    {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"}
)


def sqlite_engine(
    path: str | Path,
    *,
    connect_timeout: timedelta = DEFAULT_CONNECT_TIMEOUT,
    lock_timeout: timedelta = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: timedelta = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """An engine on a SQLite file: WAL journal (readers never wait for the writer), busy timeout.

    The busy timeout is ``lock_timeout``: how long a writer waits for the one
    ahead of it. A local file neither takes long to open nor hangs, so
    ``connect_timeout`` and ``statement_timeout`` are only checked. One more
    use of the engine: give it back with :func:`release_engine`.
    """
    _milliseconds("connect_timeout", connect_timeout, LONGEST_CONNECT_TIMEOUT)
    _milliseconds("statement_timeout", statement_timeout, LONGEST_STATEMENT_TIMEOUT)
    busy = _milliseconds("lock_timeout", lock_timeout, LONGEST_LOCK_TIMEOUT)
    if not isinstance(path, str | Path) or not str(path).strip():
        raise InvalidInput(field="path", expected="chemin de fichier SQLite")
    try:
        resolved = str(Path(path).resolve())
    except (OSError, ValueError) as error:  # a NUL character, a name too long...
        raise InvalidInput(field="path", expected="chemin de fichier SQLite") from error
    # Built from its parts, not parsed: a file name may hold "?" or "#".
    url = URL.create("sqlite+pysqlite", database=resolved)
    return _acquire(("sqlite", resolved, busy), lambda: _new_sqlite_engine(url, busy))


def url_engine(
    url: str,
    *,
    connect_timeout: timedelta = DEFAULT_CONNECT_TIMEOUT,
    lock_timeout: timedelta = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: timedelta = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """An engine for a database URL (``postgresql+psycopg://...`` or ``sqlite:///path``).

    The URL is kept whole: a SQLite URL keeps its query, so
    ``sqlite:///file:name?mode=memory&cache=shared&uri=true`` is a shared
    in-memory database, not a file of that name; a PostgreSQL URL keeps its
    ``options`` (a ``search_path``...), the bounds being added to them. One
    more use of the engine: give it back with :func:`release_engine`.
    """
    connect = _milliseconds("connect_timeout", connect_timeout, LONGEST_CONNECT_TIMEOUT)
    lock = _milliseconds("lock_timeout", lock_timeout, LONGEST_LOCK_TIMEOUT)
    statement = _milliseconds("statement_timeout", statement_timeout, LONGEST_STATEMENT_TIMEOUT)
    if not isinstance(url, str) or "://" not in url:
        raise InvalidInput(field="url", expected="URL de base de données")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is not a number
        raise InvalidInput(field="url", expected="URL de base de données") from error
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_url(parsed)
        if not parsed.query:
            # The same engine as sqlite_engine() on that file.
            return sqlite_engine(
                parsed.database or "",
                connect_timeout=connect_timeout,
                lock_timeout=lock_timeout,
                statement_timeout=statement_timeout,
            )
        return _acquire(("sqlite", url, lock), lambda: _new_sqlite_engine(parsed, lock))
    return _acquire(
        (parsed.get_backend_name(), url, connect, lock, statement),
        lambda: _new_url_engine(url, parsed, connect, lock, statement),
    )


def database_waits(settings: object) -> dict[str, timedelta]:
    """The bounds of ``settings`` as keyword arguments of the engine factories.

    Anything but :class:`~chorus_onboarding.OnboardingSettings` gives none,
    hence the defaults (the service refuses such settings itself).
    """
    if not isinstance(settings, OnboardingSettings):
        return {}
    return {
        "connect_timeout": settings.database_connect_timeout,
        "lock_timeout": settings.database_lock_timeout,
        "statement_timeout": settings.database_statement_timeout,
    }


def release_engine(engine: Engine) -> None:
    """Give back one use of an engine from :func:`sqlite_engine` or :func:`url_engine`.

    When its last user gives it back, its pool is disposed of (its idle
    connections closed) and the next call builds a new engine. An engine the
    cache does not hold (released already, or built elsewhere) is left alone.
    """
    if not isinstance(engine, Engine):
        raise InvalidInput(field="engine", expected="moteur SQLAlchemy (Engine)")
    with _LOCK:
        key = next((key for key, held in _ENGINES.items() if held.engine is engine), None)
        if key is None:
            return
        held = _ENGINES[key]
        held.users -= 1
        if held.users > 0:
            return
        del _ENGINES[key]
    engine.dispose()


class _Held:
    """A cached engine and how many users hold it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.users = 0


_ENGINES: dict[tuple[Any, ...], _Held] = {}
_LOCK = threading.Lock()


def _acquire(key: tuple[Any, ...], build: Callable[[], Engine]) -> Engine:
    with _LOCK:
        held = _ENGINES.get(key)
        if held is None:
            held = _ENGINES[key] = _Held(build())
        held.users += 1
        return held.engine


def _forget_engines() -> None:
    # A forked worker must not share its parent's pooled connections, nor
    # wait for a lock a thread of the parent held at the fork.
    global _LOCK
    _LOCK = threading.Lock()
    for held in _ENGINES.values():
        held.engine.dispose(close=False)
    _ENGINES.clear()


os.register_at_fork(after_in_child=_forget_engines)


def _milliseconds(name: str, value: object, longest: timedelta) -> int:
    """A bound in whole milliseconds, rounded up: 0 would mean "no bound" to PostgreSQL."""
    if not isinstance(value, timedelta) or not timedelta(0) < value <= longest:
        raise InvalidInput(
            field=name,
            expected="durée positive d'au plus {seconds} secondes (timedelta)",
            seconds=int(longest.total_seconds()),
        )
    return math.ceil(value / timedelta(milliseconds=1))


def _check_sqlite_url(url: URL) -> None:
    query = {key: str(value) for key, value in url.query.items()}
    database = url.database or ""
    if query.get("uri", "").lower() in ("true", "1"):
        name = database.removeprefix("file:").split("?")[0]
        in_memory = query.get("mode") == "memory" or name in ("", ":memory:")
        private = in_memory and query.get("cache") != "shared"
    else:
        if set(query) - _PYSQLITE_ARGUMENTS:
            # Without uri=true pysqlite drops them, and ``mode=memory`` would
            # silently become a file in the working directory.
            raise InvalidInput(field="url", expected="URL SQLite avec uri=true pour ses options")
        private = database in ("", ":memory:")
    if private:
        # Each pooled connection would get a database of its own.
        raise InvalidInput(
            field="url",
            expected="fichier SQLite, base partagée (cache=shared) ou OnboardingService.in_memory()",
        )


def _new_sqlite_engine(url: URL, busy_ms: int) -> Engine:
    connect_args = {} if "check_same_thread" in url.query else {"check_same_thread": False}
    try:
        # A pool of several connections even for a shared in-memory database,
        # which SQLAlchemy would otherwise give one connection per thread.
        engine = create_engine(url, poolclass=QueuePool, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:  # ValueError: timeout=abc
        raise InvalidInput(field="url", expected="URL SQLite prise en charge") from error

    @event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        _switch_to_wal(cursor, busy_ms)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _switch_to_wal(cursor: Any, busy_ms: int) -> None:
    """Put the file in WAL mode, waiting for another process doing the same, as long as a write would.

    Two processes opening a new file at once both switch its journal; the
    switch can answer "database is locked" at once, without the busy
    timeout's wait, so it is tried again until that timeout has passed.
    """
    deadline = time.monotonic() + busy_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _new_url_engine(url: str, parsed: URL, connect: int, lock: int, statement: int) -> Engine:
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in _LIBPQ_DRIVERS:
        # The session bounds go in the startup packet's options rather than a
        # SET on each new connection: no extra round trip, in force before the
        # first statement, and kept by RESET ALL / DISCARD ALL (what a pooler
        # runs between clients), which a SET would lose. The URL's own options
        # stay, first, so that the settings win over the same names there.
        own = parsed.query.get("options", "")
        options = " ".join([own] if isinstance(own, str) else own)
        bounds = f"-c lock_timeout={lock}ms -c statement_timeout={statement}ms"
        connect_args = {
            # libpq counts whole seconds (and psycopg waits 2 at least).
            "connect_timeout": max(1, math.ceil(connect / 1000)),
            "options": f"{options} {bounds}".strip(),
        }
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise InvalidInput(
            field="url", expected="URL de base de données prise en charge"
        ) from error
    except ImportError as error:  # the URL's driver is not installed
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
            raise ExtraNotInstalled(extra="postgresql").with_cause(error) from None
        raise InvalidInput(
            field="url", expected="URL de base de données prise en charge"
        ) from error
