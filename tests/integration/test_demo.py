"""The demo reads well: one line an email under the step that sent it, times labelled, nothing cut."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from chorus_onboarding import demo
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.cli import main
from chorus_onboarding.demo import layout
from chorus_onboarding.ports import OutgoingEmail

HEADING = "\n=== "
EMAIL = "  ✉ "
TIME = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d(:\d\d)?")
ZONES = (f" ({layout.ZONE})", " (heure locale France métropolitaine")  # the demo's, the library's


@attrs.define
class Told:
    """What a run of the demo printed, and where the output stood when each email was sent."""

    text: str
    sent: list[tuple[OutgoingEmail, int]]


def _tell(database: Path | None) -> Told:
    out = io.StringIO()
    sent: list[tuple[OutgoingEmail, int]] = []

    class Watching(MemoryMailbox):
        def send(self, email: OutgoingEmail) -> None:
            super().send(email)
            sent.append((email, len(out.getvalue())))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "MemoryMailbox", Watching)
        demo.run(out, database)
    return Told(out.getvalue(), sent)


@pytest.fixture(scope="module")
def in_memory() -> Told:
    return _tell(None)


@pytest.fixture(scope="module")
def on_a_file(tmp_path_factory: pytest.TempPathFactory) -> Told:
    return _tell(tmp_path_factory.mktemp("demo") / "demo.sqlite3")


def _offsets(text: str, prefix: str) -> Iterator[int]:
    """Where each line starting with ``prefix`` starts in ``text``."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith(prefix):
            yield offset
        offset += len(line)


def test_the_demo_fits_in_200_lines_with_one_line_an_email(in_memory: Told) -> None:
    lines = in_memory.text.splitlines()
    assert len(lines) < 200
    assert sum(line.startswith(EMAIL) for line in lines) == len(in_memory.sent) >= 30
    assert not any(line.startswith("     | ") for line in lines), "no body without --verbose"


@pytest.mark.parametrize("told", ["in_memory", "on_a_file"])
def test_each_email_shows_under_the_step_that_sent_it(
    told: str, request: pytest.FixtureRequest
) -> None:
    run: Told = request.getfixturevalue(told)
    shown = list(_offsets(run.text, EMAIL))
    assert len(shown) == len(run.sent)
    for (email, sent_at), line_at in zip(run.sent, shown, strict=True):
        line = run.text[line_at:].partition("\n")[0]
        assert ", ".join(email.to) in line
        assert f"« {email.subject} »" in line
        next_heading = run.text.find(HEADING, sent_at)
        assert sent_at <= line_at < (next_heading if next_heading >= 0 else len(run.text)), line
        # Right after the step: at most the line telling that step comes between.
        between = run.text[sent_at:line_at].splitlines()
        assert sum(told.startswith("- ") for told in between) <= 1, line


def test_an_email_summary_names_its_time_recipient_subject_and_page() -> None:
    email = OutgoingEmail(
        to=("louise@exemple.fr",),
        subject="Chorus Pro - Activation de votre compte",
        body="Cliquez : https://chorus-pro.gouv.fr/cpp/activationCompte?email=l&token=secret\n",
        dedupe_key="k",
    )
    line = layout.summary(email, datetime(2027, 1, 2, 9, 2, tzinfo=UTC))
    assert line == (
        "  ✉ 02/01/2027 10:02 (heure de Paris) à louise@exemple.fr :"
        " « Chorus Pro - Activation de votre compte » — lien /cpp/activationCompte?…"
    )


def _tables(text: str) -> Iterator[list[str]]:
    """Each table of ``text``: its header, its rule of dashes and its rows."""
    lines = text.splitlines()
    for index, line in enumerate(lines[1:], start=1):
        if set(line.strip()) == {"-", " "}:
            end = index + 1
            while end < len(lines) and lines[end].startswith("    "):
                end += 1
            yield lines[index - 1 : end]


def test_no_cell_of_the_demo_tables_is_cut(in_memory: Told) -> None:
    tables = list(_tables(in_memory.text))
    assert len(tables) == 2  # the history and the access table
    for header, rule, *rows in tables:
        columns = [match.span() for match in re.finditer(r"-+", rule)]
        for line in (header, *rows):
            cells = [line[start:end].strip() for start, end in columns]
            assert "  ".join(cells).split() == line.split(), f"a cell overflows: {line!r}"
            assert all(line[end : end + 2].strip() == "" for _, end in columns), line
    assert "Demande de remboursement TIC" in tables[1][0]
    assert "Mémoires de frais de justice" in tables[1][0]


def test_every_time_shown_says_its_zone(in_memory: Told) -> None:
    zone_of_the_column = False
    for line in in_memory.text.splitlines():
        if not line.startswith("    "):
            zone_of_the_column = False
        if f"Date ({layout.ZONE})" in line:
            zone_of_the_column = True
        for found in TIME.finditer(line):
            assert line[found.end() :].startswith(ZONES) or zone_of_the_column, line
    # The history and the emails tell time in the same zone: the EARL was
    # created by Paul's registration, at the very minute of his first email.
    history = next(_tables(in_memory.text))
    first_email = next(line for line in in_memory.text.splitlines() if "à paul.martin@" in line)
    created = TIME.search(history[2])
    assert created is not None
    assert created.group() == first_email.removeprefix(EMAIL)[: len(created.group())]


def test_no_variable_name_leaks_into_the_demo_text(in_memory: Told) -> None:
    # The refusals print the library's error codes in brackets, on purpose.
    text = re.sub(r"\[[a-z_]+\]", "", in_memory.text)
    assert not re.search(r"\w_\w", text), re.search(r".*\w_\w.*", text)
    assert "{" not in text
    assert "None" not in text


def test_verbose_prints_the_emails_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--memory", "--verbose"]) == 0
    told = capsys.readouterr().out
    assert "     | Ce courriel remplace le précédent : son lien n'est plus valable." in told
    assert "     | https://chorus-pro.gouv.fr/cpp/activationCompte?email=" in told
    assert len(told.splitlines()) > 400
