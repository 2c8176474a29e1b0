"""The pytest plugin: ready worlds for the tests of a portal that embeds chorus_onboarding.

Installed with the package (``pip install 'chorus-onboarding[testing]'``),
it is loaded by pytest in every project of that environment through the
``pytest11`` entry point: a test asks for a fixture by name and gets a
:class:`~chorus_onboarding.testing.world.World`, nothing to import.

- ``chorus_world``: a world in memory, the default settings.
- ``chorus_world_factory``: ``chorus_world_factory(store=..., **settings)``,
  a world per call.
- ``chorus_sqlite_world``: a world on a SQLite file under pytest's
  ``tmp_path``.
- ``chorus_postgres_world``: a world on the PostgreSQL database given by
  ``--chorus-postgres-url`` or ``CHORUS_TEST_POSTGRES_URL``, emptied first;
  skipped when neither is set.
- ``chorus_any_world``: the test once per store (memory, sqlite,
  postgresql); a store whose extra or server is missing is skipped.
- ``chorus_clock``, ``chorus_mailbox``: the clock and mailbox of
  ``chorus_world``.

Loading the plugin imports pytest and the library's package, never
SQLAlchemy or Hypothesis: the worlds are built by the fixtures that need
them, so that a project that merely has the package installed pays little
and never breaks for a missing extra.

On PostgreSQL, each test starts on an empty database: the library's tables
are emptied (one ``TRUNCATE``) before it, rather than given a schema of
their own. Emptying takes milliseconds where a new schema costs a full
migration per test, and the test runs on the database and schema the
portal is configured for. The database is a test database: only the
library's ``co_*`` tables are touched, but their rows are deleted. Tests
running in parallel (pytest-xdist) need one database per worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from chorus_onboarding.adapters.mail import MemoryMailbox
    from chorus_onboarding.testing.fakes import FrozenClock
    from chorus_onboarding.testing.world import Store, World

URL_OPTION = "--chorus-postgres-url"
URL_VARIABLE = "CHORUS_TEST_POSTGRES_URL"
NO_POSTGRES = (
    f"no PostgreSQL database for chorus_onboarding's worlds: give its URL with "
    f"{URL_OPTION} or {URL_VARIABLE} (its tables are emptied before each test)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The PostgreSQL database of the worlds on PostgreSQL, on the command line."""
    group = parser.getgroup("chorus_onboarding", "chorus_onboarding's test worlds")
    group.addoption(
        URL_OPTION,
        default=None,
        metavar="URL",
        help=(
            "a throwaway PostgreSQL database for chorus_postgres_world and chorus_any_world "
            f"(postgresql+psycopg://user@host/db); default: ${URL_VARIABLE}. "
            "Its chorus_onboarding tables are emptied before each test."
        ),
    )


def postgres_url(config: pytest.Config) -> str | None:
    """The URL given by ``--chorus-postgres-url``, else ``CHORUS_TEST_POSTGRES_URL``, else None."""
    given = config.getoption(URL_OPTION, default=None)
    return given or os.environ.get(URL_VARIABLE) or None


class WorldFactory:
    """Builds worlds for one test, on any store, and closes them after it.

    Each SQLite world gets a file of its own under the test's temporary
    folder. Each PostgreSQL world empties the database first: a second one
    in a test wipes the rows of the first.
    """

    def __init__(self, config: pytest.Config, folder: Callable[[], Path]) -> None:
        self._config = config
        self._folder = folder
        self._worlds: list[World] = []

    def __call__(self, store: Store = "memory", **settings: object) -> World:
        """A fresh world on ``store``; keyword arguments become settings (``clock``, ``mailbox`` too)."""
        from chorus_onboarding.testing.world import build_world, empty_database

        if store == "sqlite":
            path = self._folder() / f"chorus-{len(self._worlds) + 1}.sqlite3"
            world = build_world(store="sqlite", path=path, **settings)  # type: ignore[arg-type]
        elif store == "postgresql":
            url = postgres_url(self._config)
            if url is None:
                pytest.skip(NO_POSTGRES)
            empty_database(url)
            world = build_world(store="postgresql", url=url, **settings)  # type: ignore[arg-type]
        else:
            world = build_world(store=store, **settings)  # type: ignore[arg-type]
        self._worlds.append(world)
        return world

    def close(self) -> None:
        """Close every world built (their database connections)."""
        while self._worlds:
            self._worlds.pop().close()


@pytest.fixture
def chorus_world_factory(request: pytest.FixtureRequest) -> Iterator[WorldFactory]:
    """Builds chorus_onboarding worlds: ``chorus_world_factory(store="memory", **settings)``.

    ``store`` is ``memory``, ``sqlite`` (a file under the test's tmp_path)
    or ``postgresql`` (the --chorus-postgres-url database, emptied; the
    test is skipped without one). Keyword arguments become
    OnboardingSettings (``max_failed_logins=3``...), or replace the
    world's ``clock`` or ``mailbox``. Every world is closed after the test.
    """
    factory = WorldFactory(request.config, lambda: request.getfixturevalue("tmp_path"))
    yield factory
    factory.close()


@pytest.fixture
def chorus_clock() -> FrozenClock:
    """The frozen clock of ``chorus_world``: ``chorus_clock.advance(days=30)`` moves its time."""
    from chorus_onboarding.testing.fakes import FrozenClock

    return FrozenClock()


@pytest.fixture
def chorus_mailbox() -> MemoryMailbox:
    """The mailbox of ``chorus_world``: every email the service sent, to read links from."""
    from chorus_onboarding.adapters.mail import MemoryMailbox

    return MemoryMailbox()


@pytest.fixture
def chorus_world(
    chorus_world_factory: WorldFactory, chorus_clock: FrozenClock, chorus_mailbox: MemoryMailbox
) -> World:
    """A fresh chorus_onboarding world in memory with the default settings.

    ``chorus_world.service`` is the OnboardingService; helpers walk the
    journeys: ``active_user()``, ``structure_with_manager()``,
    ``member(...)``, ``subscribed_member(...)``, ``follow_last_link(...)``.
    """
    return chorus_world_factory(clock=chorus_clock, mailbox=chorus_mailbox)


@pytest.fixture
def chorus_sqlite_world(chorus_world_factory: WorldFactory) -> World:
    """A fresh chorus_onboarding world on a SQLite file in the test's tmp_path.

    Needs the ``sql`` extra: without it, the library's ExtraNotInstalled
    says which to install.
    """
    return chorus_world_factory("sqlite")


@pytest.fixture
def chorus_postgres_world(chorus_world_factory: WorldFactory) -> World:
    """A chorus_onboarding world on the --chorus-postgres-url database, emptied for this test.

    The URL comes from ``--chorus-postgres-url`` or ``CHORUS_TEST_POSTGRES_URL``;
    without either the test is skipped, saying so. The library's tables
    are emptied before the test (its other tables are not touched). Needs
    the ``postgresql`` extra.
    """
    return chorus_world_factory("postgresql")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def chorus_any_world(request: pytest.FixtureRequest, chorus_world_factory: WorldFactory) -> World:
    """The same test on every store: memory, sqlite and postgresql (``[memory]``... in its id).

    A store that cannot run here is skipped with the reason: SQLite and
    PostgreSQL without the ``sql``/``postgresql`` extra, PostgreSQL without
    a URL (``--chorus-postgres-url`` or ``CHORUS_TEST_POSTGRES_URL``).
    """
    from chorus_onboarding.domain.errors import ExtraNotInstalled

    try:
        return chorus_world_factory(request.param)
    except ExtraNotInstalled as missing:
        pytest.skip(f"chorus_onboarding on {request.param}: {missing}")
