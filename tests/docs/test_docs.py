"""The documentation executes: README.md, docs/ and examples/ are run and checked here."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import runpy
import shlex
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

import chorus_onboarding
from chorus_onboarding.cli import diagrams
from chorus_onboarding.domain import errors

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?:#[^)]*)?\)")


class Block(NamedTuple):
    """A block of Python to run: the line its code starts on, the code, what it needs.

    ``tests`` marks a block that is a test module of its own, run by pytest.
    """

    line: int
    source: str
    requires: tuple[str, ...] = ()
    tests: bool = False


_OPTIONS = re.compile(r'^(?P<tests>pytest)?\s*(?:requires="(?P<modules>[A-Za-z0-9_. ]+)")?$')


def _python_info(info: str) -> tuple[tuple[str, ...], bool] | None:
    """What a block labelled ``info`` needs, and whether pytest runs it; None when not run.

    ``python`` runs always; ``python requires="fastapi httpx"`` runs when those
    modules can be imported (the framework snippets: the ``tests`` extra
    installs them); ``python pytest`` (with or without ``requires``) is a test
    module a reader would save as a file, run by pytest with the kit's plugin.
    Any other label (``python-noexec``, ``text``...) is shown, not run.
    """
    language, _, options = info.partition(" ")
    if language != "python":
        return None
    wanted = _OPTIONS.match(options.strip())
    if wanted is None:
        raise ValueError(f"unknown options on a python block: {options!r}")
    modules = tuple(wanted["modules"].split()) if wanted["modules"] else ()
    return modules, wanted["tests"] is not None


def python_blocks(text: str) -> Iterator[Block]:
    """Each fenced block labelled ``python`` (with what it requires), from the line it starts on."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        start = index + 1
        index = start
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if closing and closing["fence"].startswith(fence) and not closing["info"].strip():
                break
            index += 1
        options = _python_info(info)
        if options is not None:
            body = [line[len(opening["indent"]) :] for line in lines[start:index]]
            yield Block(start + 1, "\n".join(body) + "\n", *options)
        index += 1


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# Where the library defines errors: every one, ``StorageUnavailable`` included,
# is in the domain (``chorus_onboarding.errors`` re-exports them all).
ERROR_MODULES = (errors,)


def _error_classes() -> list[type[errors.OnboardingError]]:
    """Every error class the library defines (``ERROR_MODULES``), root included."""
    modules = {module.__name__ for module in ERROR_MODULES}
    found: dict[str, type[errors.OnboardingError]] = {}
    pending: list[type[errors.OnboardingError]] = [
        value
        for module in ERROR_MODULES
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, errors.OnboardingError)
    ]
    while pending:
        cls = pending.pop()
        if cls.__module__ not in modules or cls.__qualname__ in found:
            continue
        found[cls.__qualname__] = cls
        pending.extend(cls.__subclasses__())
    return sorted(found.values(), key=lambda cls: cls.__qualname__)


def test_the_block_reader_keeps_only_fences_labelled_exactly_python() -> None:
    text = "\n".join(
        [
            "```python",
            "a = 1",
            "```",
            "```python-noexec",
            "raise SystemExit",
            "```",
            "```text",
            "not code",
            "```",
            "````python",
            "b = '''",
            "```",
            "'''",
            "````",
            '```python requires="flask httpx"',
            "c = 3",
            "```",
            '```python pytest requires="fastapi"',
            "def test_d() -> None: ...",
            "```",
        ]
    )
    assert list(python_blocks(text)) == [
        Block(2, "a = 1\n"),
        Block(11, "b = '''\n```\n'''\n"),
        Block(16, "c = 3\n", ("flask", "httpx")),
        Block(19, "def test_d() -> None: ...\n", ("fastapi",), tests=True),
    ]


def test_a_python_block_with_an_option_the_reader_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown options"):
        list(python_blocks("```python needs=flask\nx = 1\n```"))


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def test_a_block_needing_a_module_that_is_missing_is_told_apart() -> None:
    assert _missing(("json", "no_such_framework")) == ["no_such_framework"]


def test_every_page_is_found() -> None:
    names = {page.name for page in PAGES}
    assert {
        "README.md",
        "index.md",
        "journeys.md",
        "errors.md",
        "security.md",
        "configuration.md",
        "embedding.md",
        "lifecycles.md",
        "persistence.md",
        "rules.md",
        "portals.md",
    } <= names


def _run_as_test_module(block: Block, where: str, folder: Path) -> None:
    """Save ``block`` as a reader would, as a test file of its own, and run pytest on it.

    In a separate process, from a folder outside the tree (the package and
    its pytest plugin come from the installation; the repository's root is
    on the path for ``examples``): every test it holds must pass, none skip.
    """
    test_file = folder / f"test_block_{block.line}.py"
    test_file.write_text(block.source, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", test_file.name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = ran.stdout + ran.stderr
    assert ran.returncode == 0, f"{where}: pytest failed\n{report}"
    assert " passed" in report, f"{where}\n{report}"
    assert "skipped" not in report, f"{where}\n{report}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_the_python_blocks_of_each_page_run_in_order_in_one_namespace(
    page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = "docs_" + re.sub(r"\W", "_", _page_id(page))
    module = types.ModuleType(name)
    module.__file__ = str(page)
    # Registered so that classes defined in a block (attrs, dataclasses) can
    # find their module, as they would in a real one.
    monkeypatch.setitem(sys.modules, name, module)
    skipped = []
    for block in python_blocks(page.read_text(encoding="utf-8")):
        where = f"{_page_id(page)}:{block.line}"
        missing = _missing(block.requires)
        if missing:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{where} needs {', '.join(missing)}: the tests extra installs them")
            skipped.append(f"{where} ({shlex.join(missing)} not installed)")
            continue
        if block.tests:
            _run_as_test_module(block, where, tmp_path)
        else:
            exec(compile(block.source, where, "exec"), module.__dict__)
    if skipped:
        # Every other block ran and passed; say which did not run.
        pytest.skip("not run: " + ", ".join(skipped))


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_relative_link_of_a_page_points_to_an_existing_file(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    missing = [
        target
        for target in (match["target"] for match in _LINK.finditer(text))
        if "://" not in target
        and not target.startswith("mailto:")
        and not (page.parent / target).exists()
    ]
    assert missing == []


EXPECTED_OUTPUT = {
    "quickstart.py": [
        "Account activated: ACTIVE",
        "Logged in as Louise GALFE",
        "Contact email is now contact@dressing-louise.fr",
    ],
    "custom_ports.py": [
        "Our register knows 31415926000012 as: LA FERME DU BOUT DU MONDE",
        "Collected for yann@ferme-bout-du-monde.fr: Chorus Pro - Activation de votre compte",
        "jusqu'au 04/01/2018 11:05:10",
    ],
    "centre_de_gestion.py": [
        "CENTRE DE GESTION AGRICOLE DU SUD-OUEST is flagged as a centre de gestion agricole",
        "TIC refused on the centre de gestion: L'espace « Demande de remboursement TIC » "
        "n'est pas disponible pour les structures typées « centre de gestion agricole ».",
        "Both agents are attached to GAEC DU PLATEAU, with the TIC right",
        "EARL (TIC)            GAEC (TIC)            CGA (TIC)             CGA (Sollicitations)",
        "Paul MARTIN           oui                   -                     -                     -",
        "Sophie ROCHE          -                     oui                   -                     -",
        "Claire FAURE          oui                   oui                   -                     oui",
        "Luc BONNET            oui                   oui                   -                     oui",
    ],
    "survive_a_restart.py": [
        "Registered louise.galfe@dressing-louise.fr in onboarding.sqlite3",
        "Restarted: a new service on the same file",
        "Logged in as Louise GALFE, who manages LE DRESSING DE LOUISE",
    ],
    "expiry_batch.py": [
        "Accounts expired by the batch: 2",
        "louise.galfe@dressing-louise.fr: ACTIVE",
        "paul.martin@earl-trois-chenes.fr: EXPIRED",
        "A second run expires 0 more",
    ],
}


def test_every_example_is_checked() -> None:
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(EXPECTED_OUTPUT)


@pytest.mark.parametrize("script", sorted(EXPECTED_OUTPUT))
def test_each_example_runs_as_a_script_and_prints_what_happened(
    script: str, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace = runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    printed = capsys.readouterr().out
    for expected in EXPECTED_OUTPUT[script]:
        assert expected in printed
    assert inspect.getdoc(namespace["main"]) is not None
    assert namespace["__doc__"]


def test_the_lifecycle_page_is_exactly_what_the_diagrams_command_prints() -> None:
    assert (DOCS / "lifecycles.md").read_text(encoding="utf-8") == diagrams()


@pytest.mark.parametrize("error", _error_classes(), ids=lambda cls: cls.__qualname__)
def test_the_error_page_lists_every_error_with_its_code_status_and_french_message(
    error: type[errors.OnboardingError],
) -> None:
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    (row,) = [line for line in page.splitlines() if line.startswith(f"| `{error.__qualname__}` |")]
    assert f"| `{error.code}` |" in row
    assert f"| {error.http_status} (`{error.category.name}`) |" in row
    assert error.message_fr in row


def test_error_codes_are_unique() -> None:
    codes = [cls.code for cls in _error_classes()]
    assert len(codes) == len(set(codes))


def test_every_error_of_the_library_is_in_a_module_the_error_page_is_checked_against() -> None:
    for module in pkgutil.walk_packages(chorus_onboarding.__path__, "chorus_onboarding."):
        if not module.name.endswith("__main__"):  # running it would run the command line
            importlib.import_module(module.name)
    everywhere: list[type[errors.OnboardingError]] = []
    pending = [errors.OnboardingError]
    while pending:
        cls = pending.pop()
        everywhere.append(cls)
        pending.extend(cls.__subclasses__())
    documented = {module.__name__ for module in ERROR_MODULES}
    assert {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in everywhere
        if cls.__module__.startswith("chorus_onboarding.") and cls.__module__ not in documented
    } == set()


def _public_classes_and_functions() -> list[str]:
    """The names of ``__all__`` that can carry a docstring of their own."""
    return [
        name
        for name in chorus_onboarding.__all__
        if inspect.isclass(getattr(chorus_onboarding, name))
        or inspect.isfunction(getattr(chorus_onboarding, name))
    ]


def test_every_name_of_the_public_api_can_carry_a_docstring() -> None:
    # The plain constants (the lifecycles, the suggested questions) live in their domain modules.
    skipped = set(chorus_onboarding.__all__) - set(_public_classes_and_functions())
    assert skipped == set()


@pytest.mark.parametrize("name", _public_classes_and_functions())
def test_every_public_class_and_function_has_its_own_docstring(name: str) -> None:
    obj = getattr(chorus_onboarding, name)
    # A class's own docstring only: a subclass without one must not borrow its parent's.
    own = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert isinstance(own, str)
    assert own.strip()
