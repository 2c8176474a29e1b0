"""The pytest plugin, as a host's test suite meets it: small test files run by ``pytester``.

Runs that open a database go in a subprocess: pytester's in-process runs
forget the modules they imported, and SQLAlchemy warns when its dialects
are imported twice.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.postgres import require_postgres

FIXTURES = (
    "chorus_world",
    "chorus_world_factory",
    "chorus_sqlite_world",
    "chorus_postgres_world",
    "chorus_any_world",
    "chorus_clock",
    "chorus_mailbox",
)


@pytest.fixture
def no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run where no PostgreSQL database was given."""
    monkeypatch.delenv("CHORUS_TEST_POSTGRES_URL", raising=False)


def test_every_fixture_is_listed_with_what_it_gives(pytester: pytest.Pytester) -> None:
    listed = pytester.runpytest("--fixtures").stdout.str()
    for name in FIXTURES:
        # Each with the first line of its docstring, on the line after its name.
        assert f"\n{name} -- " in listed, name
        after = listed.split(f"\n{name} -- ", 1)[1].splitlines()[1]
        assert after.strip(), name
    assert "--chorus-postgres-url=URL" in pytester.runpytest("--help").stdout.str()


def test_the_world_in_memory_shares_its_clock_and_mailbox_with_their_fixtures(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_world(chorus_world, chorus_clock, chorus_mailbox):
            assert chorus_world.kind == "memory"
            assert chorus_world.clock is chorus_clock
            assert chorus_world.mailbox is chorus_mailbox
            chorus_world.active_user()
            assert chorus_mailbox.sent

        def test_a_fresh_one_for_each_test(chorus_world):
            assert not chorus_world.mailbox.sent
            assert not chorus_world.people

        def test_factory(chorus_world_factory):
            world = chorus_world_factory(max_failed_logins=2)
            assert world.service.settings.max_failed_logins == 2
            assert chorus_world_factory() is not world
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_the_sqlite_world_lives_in_the_tests_tmp_path_and_is_closed_after(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        closed = []

        def test_sqlite(chorus_sqlite_world, tmp_path):
            assert chorus_sqlite_world.kind == "sqlite"
            chorus_sqlite_world.structure_with_manager()
            assert (tmp_path / "chorus-1.sqlite3").stat().st_size > 0
            service = chorus_sqlite_world.service
            close = service.close
            service.close = lambda: closed.append(close())

        def test_it_was_closed():
            assert len(closed) == 1
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


@pytest.mark.usefixtures("no_postgres")
def test_without_a_database_the_postgres_world_is_skipped_saying_how_to_give_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_postgres(chorus_postgres_world):
            raise AssertionError("ran without a database")

        def test_any(chorus_any_world):
            chorus_any_world.active_user()
        """
    )
    run = pytester.runpytest_subprocess("-rs", "-v")
    run.assert_outcomes(passed=2, skipped=2)
    run.stdout.fnmatch_lines(["*test_any?memory? PASSED*", "*test_any?sqlite? PASSED*"])
    run.stdout.fnmatch_lines(["*--chorus-postgres-url or CHORUS_TEST_POSTGRES_URL*"])


@pytest.mark.usefixtures("no_postgres")
def test_the_command_line_option_gives_the_database(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_postgres(chorus_postgres_world):
            pass
        """
    )
    # A URL nothing listens on: the world is tried (and fails), not skipped.
    run = pytester.runpytest_subprocess(
        "--chorus-postgres-url", "postgresql+psycopg://nobody@127.0.0.1:1/x"
    )
    run.assert_outcomes(errors=1)


def test_each_test_on_postgresql_starts_on_an_empty_database(pytester: pytest.Pytester) -> None:
    require_postgres()
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("turn", [1, 2])
        def test_register(chorus_postgres_world, turn):
            assert chorus_postgres_world.kind == "postgresql"
            # The same SIRET and email each time: a row left over would refuse them.
            shop = chorus_postgres_world.structure_with_manager()
            assert chorus_postgres_world.service.structure(shop.manager, shop.structure_id)
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_loading_the_plugin_imports_neither_the_database_layer_nor_hypothesis() -> None:
    code = textwrap.dedent(
        """
        import sys
        import chorus_onboarding.testing.plugin
        print(sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "hypothesis"}))
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_without_the_sql_extra_the_database_worlds_say_which_extra_to_install(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import sys

        # As if the sql extra were not installed: importing SQLAlchemy fails.
        sys.modules["sqlalchemy"] = None
        """
    )
    pytester.makepyfile(
        """
        def test_memory(chorus_world):
            chorus_world.active_user()

        def test_any(chorus_any_world):
            chorus_any_world.active_user()

        def test_sqlite(chorus_sqlite_world):
            pass
        """
    )
    run = pytester.runpytest_subprocess(
        "-rs", "--chorus-postgres-url", "postgresql+psycopg://x@y/z"
    )
    run.assert_outcomes(passed=2, skipped=2, errors=1)
    run.stdout.fnmatch_lines(["*ExtraNotInstalled*chorus-onboarding[[]sql[]]*"])
    run.stdout.fnmatch_lines(["*chorus_onboarding on sqlite: *chorus-onboarding[[]sql[]]*"])
