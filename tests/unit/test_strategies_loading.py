"""How the strategies load: through Hypothesis's entry point, and never with a bare ModuleNotFoundError.

Each test runs a fresh interpreter: the test process imported Hypothesis,
and with it the strategies, long ago.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import chorus_onboarding

SRC = Path(chorus_onboarding.__file__).resolve().parents[1]
STRATEGIES = "chorus_onboarding.testing.strategies"


def _run(code: str, **environment: str) -> str:
    pythonpath = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath, **environment}
    if "HYPOTHESIS_NO_PLUGINS" not in environment:
        env.pop("HYPOTHESIS_NO_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_package_declares_its_hook_in_hypothesis_entry_point_group() -> None:
    hooks = [
        entry.value
        for entry in importlib.metadata.entry_points(group="hypothesis")
        if entry.value.startswith("chorus_onboarding.")
    ]
    # Missing: the environment was installed before the entry point was added (reinstall it).
    assert hooks == [f"{STRATEGIES}:_hypothesis_setup_hook"]


FROM_TYPE = """
    import sys
    from hypothesis import given, settings, strategies as st

    from chorus_onboarding.actors import Actor
    from chorus_onboarding.domain.emails import EmailAddress
    from chorus_onboarding.domain.identifiers import Siret, StructureIdentifier
    from chorus_onboarding.domain.structures import Address
    from chorus_onboarding.forms import NewStructureRegistration

    print("loaded before any test imports it:", {strategies!r} in sys.modules)

    @settings(max_examples=25, database=None, deadline=None)
    @given(
        st.from_type(Siret),
        st.from_type(StructureIdentifier),
        st.from_type(EmailAddress),
        st.from_type(Address),
        st.from_type(Actor),
        st.from_type(NewStructureRegistration),
    )
    def check(siret, identifier, email, address, actor, form):
        assert Siret.is_valid(siret.value)
        assert StructureIdentifier(identifier.type, identifier.value) == identifier
        assert EmailAddress(email.value) == email
        assert isinstance(address, Address) and isinstance(actor, Actor)
        assert isinstance(form, NewStructureRegistration)

    check()
    print("drawn")
"""


def test_hypothesis_registers_the_types_through_the_entry_point() -> None:
    printed = _run(FROM_TYPE.format(strategies=STRATEGIES))
    assert "loaded before any test imports it: True" in printed
    assert "drawn" in printed


def test_without_hypothesis_plugins_nothing_of_the_library_is_loaded() -> None:
    # The counterpart of the test above: there, the entry point did the loading.
    printed = _run(
        f"""
        import sys
        import hypothesis
        print({STRATEGIES!r} in sys.modules, "chorus_onboarding" in sys.modules)
        """,
        HYPOTHESIS_NO_PLUGINS="1",
    )
    assert printed.split() == ["False", "False"]


def test_importing_the_strategies_first_registers_the_types_too() -> None:
    # The strategies import Hypothesis, whose entry point then finds them half loaded.
    first = "from chorus_onboarding.testing import strategies\n"
    printed = _run(first + textwrap.dedent(FROM_TYPE.format(strategies=STRATEGIES)))
    assert "drawn" in printed


def test_the_hook_loads_no_hasher_meter_database_driver_or_pytest() -> None:
    # Hypothesis loads the hook in every test suite of an environment that has
    # the library: it must cost little. Other packages' hooks (trio's loads
    # pytest) are kept out, to see what this one loads.
    printed = _run(
        f"""
        import sys
        import hypothesis
        from {STRATEGIES} import _hypothesis_setup_hook
        _hypothesis_setup_hook()
        heavy = ("argon2", "zxcvbn", "sqlalchemy", "psycopg", "pytest", "_pytest", "click")
        print([name for name in heavy if name in sys.modules])
        """,
        HYPOTHESIS_NO_PLUGINS="1",
    )
    assert printed.strip() == "[]"


def test_the_hook_itself_does_nothing_more() -> None:
    printed = _run(
        f"""
        from {STRATEGIES} import _hypothesis_setup_hook
        print(_hypothesis_setup_hook())
        """
    )
    assert printed.strip() == "None"


def test_without_hypothesis_the_strategies_say_which_extra_to_install() -> None:
    printed = _run(
        f"""
        import sys
        sys.modules["hypothesis"] = None  # as if it were not installed
        from chorus_onboarding.errors import ExtraNotInstalled
        for name in ({STRATEGIES!r}, {STRATEGIES + ".people"!r}, {STRATEGIES + ".forms"!r}):
            try:
                __import__(name)
            except ExtraNotInstalled as error:
                print(error.code, error.params["extra"], error.field)
        """
    )
    assert printed.splitlines() == ["extra_not_installed testing hypothesis"] * 3
