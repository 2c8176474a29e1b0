"""MkDocs hooks: the pages drawn from the code and the repository, and links that leave docs/.

- ``lifecycles.md`` is drawn from the transition tables at build time
  (``chorus_onboarding.cli.diagrams()``, what ``python -m chorus_onboarding
  diagrams`` prints); the committed file, which the repository shows, must be
  the same (the tests check it too), or the build warns.
- ``errors.md`` is written by hand (each error's meaning and what to do about
  it); the build warns when an error class of the library is missing from it,
  its code or its French message, as the tests do.
- ``overview.md`` (the README), ``examples.md`` (the scripts of
  ``examples/``, which the tests run) and ``changelog.md`` are made from the
  repository's files, so that the site has what the pages link to.
- The reference page of the service must show every use case of
  ``OnboardingService`` (methods made by ``command``/``query``, which the
  griffe extension ``griffe_chorus.py`` renders), or the build warns.
- A link from a page of docs/ to a file of the repository (``../README.md``,
  ``../examples/``) points to the site's page for it; a link to a file the
  site has no page for keeps its text and loses the link.

A warning fails ``mkdocs build --strict``, as ``bin/test`` and the ``docs``
tox environment run it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
# The site documents this checkout: its code, not another installed copy.
sys.path.insert(0, str(ROOT / "src"))

from chorus_onboarding.cli import diagrams  # noqa: E402
from chorus_onboarding.domain.errors import OnboardingError  # noqa: E402
from chorus_onboarding.service import OnboardingService  # noqa: E402

log = logging.getLogger("mkdocs.hooks.chorus_site")

_LINK = re.compile(r"(?P<text>\[[^\]]*\])\((?P<target>[^)\s#]*)(?P<anchor>#[^)\s]*)?\)")
_FENCE = re.compile(r"^ *(?P<fence>`{3,}|~{3,})")
_LINK_DEFINITION = re.compile(r"^\[[^\]]+\]: \S+$", re.MULTILINE)
_BRACKETED_HEADING = re.compile(r"^(?P<level>#+) \[(?P<title>[^\]]+)\]", re.MULTILINE)

LIFECYCLES_INTRO = """\
# Lifecycles

The state machines of the account, the attachment request and the
subscription, drawn from their transition tables when this site was built
(what `python -m chorus_onboarding diagrams` prints). Each arrow is an event
of the entity; any other event in that state raises `InvalidTransition`.

"""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the pages made from the repository's files."""
    generated = {
        "overview.md": _overview(),
        "examples.md": _examples(),
        "changelog.md": _changelog(),
    }
    for name, content in generated.items():
        files.append(File.generated(config, name, content=content))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Draw the lifecycles, check the error catalogue, and mend links that leave docs/."""
    source = page.file.src_uri
    if source == "lifecycles.md":
        drawn = diagrams()
        if markdown != drawn:
            log.warning(
                "docs/lifecycles.md differs from the transition tables: "
                "run python -m chorus_onboarding diagrams > docs/lifecycles.md"
            )
        markdown = LIFECYCLES_INTRO + drawn
    elif source == "errors.md":
        for missing in _undocumented_errors(markdown):
            log.warning("docs/errors.md: %s", missing)
    return _mend_links(markdown, _from_docs)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Check that the service's reference shows every use case."""
    if page.file.src_uri == "reference/service.md":
        for name in _use_cases():
            if f'id="chorus_onboarding.service.OnboardingService.{name}"' not in output:
                log.warning("reference/service.md: the use case %s is not shown", name)
    return output


def _use_cases() -> list[str]:
    """The methods of the facade that ``command`` or ``query`` made from a use case."""
    return [
        name
        for name, value in vars(OnboardingService).items()
        if callable(value) and hasattr(value, "__wrapped__")
    ]


# --- the error catalogue ---------------------------------------------------------


def _error_classes() -> list[type[OnboardingError]]:
    found: list[type[OnboardingError]] = []
    pending: list[type[OnboardingError]] = [OnboardingError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("chorus_onboarding.") and cls not in found:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _undocumented_errors(page: str) -> list[str]:
    """What the page lacks, error by error: its class, its code, its French message."""
    missing = []
    for cls in _error_classes():
        for what, text in (
            ("class", f"`{cls.__qualname__}`"),
            ("code", f"`{cls.code}`"),
            ("French message", cls.message_fr),
        ):
            if text not in page:
                missing.append(f"{cls.__qualname__}: its {what} {text!r} is not on the page")
    return missing


# --- pages made from the repository's files -----------------------------------------


def _overview() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return _mend_links(readme, _from_root)


def _examples() -> str:
    parts = [
        "# Examples\n",
        "The scripts of the repository's `examples/` folder. Each runs as it is"
        " (`python examples/quickstart.py`), and the test suite runs every one"
        " and checks what it prints (`tests/docs/test_docs.py`).\n",
    ]
    for script in sorted((ROOT / "examples").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        parts.append(f"## {script.name}\n\n```python\n{source.rstrip()}\n```\n")
    return "\n".join(parts)


def _changelog() -> str:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # The version links point to the forge's comparisons, relative to the
    # file's page there: the site shows the headings without them.
    changelog = _LINK_DEFINITION.sub("", changelog).rstrip() + "\n"
    return _BRACKETED_HEADING.sub(r"\g<level> \g<title>", changelog)


# --- links -----------------------------------------------------------------------------


def _from_root(target: str) -> str | None:
    """The site's page for a file named from the repository's top, or None."""
    if target.startswith("docs/"):
        return target.removeprefix("docs/")
    pages = {"README.md": "overview.md", "CHANGELOG.md": "changelog.md"}
    if target in pages:
        return pages[target]
    if target.rstrip("/") == "examples":
        return "examples.md"
    if target.startswith("examples/") and target.endswith(".py"):
        return "examples.md#" + target.removeprefix("examples/").replace(".", "")
    return None


def _from_docs(target: str) -> str | bool | None:
    """A link of a page of docs/: kept (True) unless it leaves the folder."""
    if not target.startswith("../"):
        return True
    return _from_root(target.removeprefix("../"))


def _mend_links(markdown: str, mend: Callable[[str], str | bool | None]) -> str:
    """Each link of the text (code blocks left alone) as ``mend`` says: kept, moved, or dropped."""

    def replace(match: re.Match[str]) -> str:
        target = match["target"]
        if not target or "://" in target or target.startswith("mailto:"):
            return match[0]
        found = mend(target)
        if found is True:
            return match[0]
        if found is None:
            return match["text"][1:-1]
        return f"{match['text']}({found}{match['anchor'] or ''})"

    lines, fence = [], ""
    for line in markdown.split("\n"):
        opening = _FENCE.match(line)
        if opening and (not fence or opening["fence"].startswith(fence)):
            fence = "" if fence else opening["fence"]
        lines.append(line if fence or opening else _LINK.sub(replace, line))
    return "\n".join(lines)
