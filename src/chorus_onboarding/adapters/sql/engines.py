"""Engines for the two supported databases, set up as the library needs them.

One engine, and so one connection pool, per database for the whole process,
however many services are built on it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ...domain.errors import InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another to finish before giving up (SQLite)."""


def sqlite_engine(path: str | Path) -> Engine:
    """An engine on a SQLite file: WAL journal (readers never wait for the writer), busy timeout."""
    if not isinstance(path, str | Path) or not str(path).strip():
        raise InvalidInput(field="path", expected="chemin de fichier SQLite")
    return _sqlite_engine(str(Path(path).resolve()))


@functools.cache
def _sqlite_engine(path: str) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    _ENGINES.append(engine)
    return engine


def url_engine(url: str) -> Engine:
    """An engine for a database URL (``postgresql+psycopg://...`` or ``sqlite:///path``)."""
    if not isinstance(url, str) or "://" not in url:
        raise InvalidInput(field="url", expected="URL de base de données")
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise InvalidInput(field="url", expected="URL de base de données") from error
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            # Each pooled connection would get a database of its own.
            raise InvalidInput(
                field="url", expected="fichier SQLite (ou OnboardingService.in_memory())"
            )
        return sqlite_engine(parsed.database)
    return _url_engine(url)


def _forget_engines() -> None:
    # A forked worker must not share its parent's pooled connections.
    for engine in _ENGINES:
        engine.dispose(close=False)
    _ENGINES.clear()
    _sqlite_engine.cache_clear()
    _url_engine.cache_clear()


_ENGINES: list[Engine] = []
os.register_at_fork(after_in_child=_forget_engines)


@functools.cache
def _url_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as error:
        raise InvalidInput(
            field="url", expected="URL de base de données prise en charge"
        ) from error
    _ENGINES.append(engine)
    return engine
