"""The command line: the demo and the diagrams, and an administrator's commands on a database."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from chorus_onboarding import (
    AccountState,
    Actor,
    OnboardingError,
    OnboardingService,
    OnboardingSettings,
)
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.cli import diagrams, main
from chorus_onboarding.cli.app import chorus
from chorus_onboarding.errors import AuthenticationFailed
from chorus_onboarding.relay import RetryPolicy
from chorus_onboarding.testing.fakes import FrozenClock, link_parameters, opened
from chorus_onboarding.testing.world import LOUISE, LOUISE_SIRET, PASSWORD, TEST_SECRET_KEY, World
from chorus_onboarding.wiring import existing_service
from tests.integration.test_robustness import JUNK
from tests.integration.test_smtp import LOOPBACK, SENDER, Collector, SmtpServer
from tests.postgres import empty_postgres

SRC = Path(__file__).resolve().parents[2] / "src"
PAUL = "paul.martin@exemple.fr"
NINA = "nina.roux@exemple.fr"
MARC = "marc.leroy@exemple.fr"
LATE = "tardif@exemple.fr"


# --- the demo and the diagrams ---------------------------------------------------------


def test_the_demo_tells_every_journey_of_this_release(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo keeps its file in the working folder: a temporary one, not the repository.
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert (tmp_path / "chorus-onboarding-demo.sqlite3").is_file()
    told = capsys.readouterr().out
    for heading in (
        "Parcours 1 ",
        "Parcours 5 ",
        "Parcours 5 bis",
        "Parcours 6 ",
        "Parcours 7 ",
        "Parcours 12 ",
    ):
        assert heading in told
    assert "[activation_expired] Activation du compte refusée" in told
    assert "comptes expirés par le lot : 1" in told
    assert told.count("  ✉ ") >= 10


def test_the_diagrams_command_prints_the_account_lifecycle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diagrams"]) == 0
    printed = capsys.readouterr().out
    assert printed == diagrams()
    assert "stateDiagram-v2" in printed


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fly"]) == 2
    assert "No such command 'fly'" in capsys.readouterr().err


def test_a_second_demo_run_on_the_same_file_finds_the_first_run_s_people(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "demo.sqlite3"
    assert main(["demo", "--db", str(database)]) == 0
    first = capsys.readouterr().out
    assert "passage n° 1" in first
    assert main(["demo", "--db", str(database)]) == 0
    second = capsys.readouterr().out
    assert "passage n° 2" in second
    assert "Louise (inscrite au passage précédent) se connecte : ses données sont là." in second
    assert "Agent 2      GAEC" in second.split("Table des accès")[1]


def test_the_demo_takes_a_file_or_memory_not_both(tmp_path: Path) -> None:
    result = _run("demo", "--memory", "--db", str(tmp_path / "x.sqlite3"))
    assert result.exit_code == 2
    assert "--db and --memory exclude each other" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- the command line itself -------------------------------------------------------------


def test_version_is_the_installed_package_s() -> None:
    result = _run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"chorus-onboarding {metadata.version('chorus-onboarding')}\n"


def test_every_help_page_documents_the_exit_codes() -> None:
    for command in ([], ["account", "find"], ["mail", "requeue"], ["db"], ["expire"], ["relay"]):
        result = _run(*command, "--help")
        assert result.exit_code == 0
        assert "Exit codes:" in result.stdout
        assert "3  database unavailable" in result.stdout


def test_a_missing_database_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    database = tmp_path / "mistyped.sqlite3"
    for command in (
        ["expire"],
        ["account", "find", LOUISE],
        ["mail", "dead-letters"],
        ["db", "upgrade"],
        ["structure", "users", "some-id"],
    ):
        result = _run(*command, "--db", str(database))
        assert result.exit_code == 3, command
        assert result.stderr == (
            "chorus-onboarding : Le champ « db » contient une valeur inattendue "
            "(fichier SQLite existant attendu).\n"
        )
        assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("junk", [*JUNK, Path("x" * 5000)])
def test_an_operator_s_service_refuses_junk_with_the_library_s_error(junk: object) -> None:
    with pytest.raises(OnboardingError):
        existing_service(junk)  # type: ignore[arg-type]


def test_an_unsupported_url_is_the_library_s_error_not_a_traceback() -> None:
    result = _run("expire", "--url", "mysql://x")
    assert result.exit_code == 3
    assert "« url »" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    result = _run("account", "find", LOUISE, "--url", "mysql://x", "--json")
    assert result.exit_code == 3
    assert json.loads(result.stderr)["error"] == {
        "code": "invalid_input",
        "message": "Le champ « url » contient une valeur inattendue "
        "(URL de base de données prise en charge attendu).",
        "field": "url",
    }


def test_a_server_that_does_not_answer_is_exit_code_3() -> None:
    result = _run("expire", "--url", "postgresql+psycopg://nobody@127.0.0.1:1/none", "--json")
    assert result.exit_code == 3
    assert json.loads(result.stderr)["error"]["code"] == "storage_unavailable"


def test_support_s_commands_work_on_postgresql() -> None:
    url = empty_postgres().url.render_as_string(hide_password=False)
    world = _world(url)
    with world.service as service:
        louise = world.active_user()
        shop = service.managed_structures(louise)[0].id
    assert _json("account", "find", LOUISE, "--url", url)["id"] == louise.account_id
    users = _json("structure", "users", shop, "--url", url)
    assert [user["login_email"] for user in users] == [LOUISE]
    assert _json("expire", "--url", url) == {"expired": 0}


def test_the_database_is_given_once_with_db_or_url(database: Path) -> None:
    for where in ([], ["--db", str(database), "--url", f"sqlite:///{database}"]):
        result = _run("expire", *where)
        assert result.exit_code == 2
        assert "--db PATH or --url URL (one of them)" in result.stderr


def test_a_usage_error_with_json_is_json_too() -> None:
    result = _run("account", "find", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert (error["code"], error["field"]) == ("usage", "email")
    assert result.stdout == ""


def test_a_sqlite_url_reaches_the_same_file(database: Path) -> None:
    result = _run("account", "find", LOUISE, "--url", f"sqlite:///{database}", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["login_email"] == LOUISE


# --- accounts -----------------------------------------------------------------------------


def test_support_finds_an_account_by_its_login_email(database: Path, ids: dict[str, str]) -> None:
    result = _run("account", "find", "Louise.Galfe@Dressing-Louise.FR", "--db", str(database))
    assert result.exit_code == 0, result.output
    assert ids["louise"] in result.stdout
    assert "GALFE Louise" in result.stdout
    assert "actif (ACTIVE)" in result.stdout
    shown = _json("account", "find", LOUISE, "--db", str(database))
    assert shown["id"] == ids["louise"]
    assert shown["state"] == "ACTIVE"
    assert set(shown) == {
        "id",
        "login_email",
        "last_name",
        "first_name",
        "state",
        "contact_email",
        "created_at",
        "last_login_at",
        "survey_consent",
    }
    assert shown["last_login_at"] is None
    assert "Dernière connexion  jamais" in result.stdout
    assert datetime.fromisoformat(shown["created_at"]) <= datetime.now(UTC)


def test_an_unknown_account_is_a_refusal_with_the_library_s_message(
    database: Path,
) -> None:
    for command in (
        ["account", "find", "personne@exemple.fr"],
        ["account", "unblock", "no-such-account"],
        ["account", "deactivate", "no-such-account"],
        ["account", "reactivate", "no-such-account"],
    ):
        result = _run(*command, "--db", str(database))
        assert result.exit_code == 1, command
        assert result.stderr == "chorus-onboarding : Le compte introuvable.\n"
    result = _run("account", "unblock", "no-such-account", "--db", str(database), "--json")
    assert json.loads(result.stderr)["error"]["code"] == "not_found"


def test_the_expiry_batch_expires_the_overdue_activation(
    database: Path, ids: dict[str, str]
) -> None:
    result = _run("expire", "--db", str(database))
    assert (result.exit_code, result.stdout) == (0, "1 activation(s) expirée(s)\n")
    assert result.stderr == "", "no progress bar when stderr is not a terminal"
    assert _json("expire", "--db", str(database)) == {"expired": 0}
    assert _state(database, PAUL) == "EXPIRED"


def test_resending_an_activation_needs_the_deployment_s_key(
    database: Path, ids: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHORUS_SECRET_KEY", raising=False)
    result = _run("account", "resend-activation", ids["paul"], "--db", str(database))
    assert result.exit_code == 1
    assert "CHORUS_SECRET_KEY" in result.stderr
    monkeypatch.setenv("CHORUS_SECRET_KEY", TEST_SECRET_KEY)
    assert _run("expire", "--db", str(database)).exit_code == 0
    sent = _json("account", "resend-activation", ids["paul"], "--db", str(database))
    assert sent["account_id"] == ids["paul"]
    assert datetime.fromisoformat(sent["activation_deadline"]) > datetime.now(UTC) + timedelta(
        days=29
    )
    assert _state(database, PAUL) == "ACTIVATION_PENDING"
    # The relay derives the link from the same key: Paul's new link works.
    with _service(database) as service:
        mailbox = service.ports.mailer
        assert isinstance(mailbox, MemoryMailbox)
        service.deliver_notifications(10_000)
        assert "remplace le précédent" in mailbox.last_to(PAUL).body
        link = link_parameters(mailbox, PAUL, "activationCompte")
        service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=PASSWORD,
            password_confirmation=PASSWORD,
            secret_question="Quel est le nom de mon chien ?",
            secret_answer="Rex",
        )
    assert _state(database, PAUL) == "ACTIVE"


def test_support_lifts_a_login_suspension(database: Path, ids: dict[str, str]) -> None:
    with _service(database) as service, pytest.raises(AuthenticationFailed):
        service.login(MARC, PASSWORD)  # suspended after five failures
    result = _run("account", "unblock", ids["marc"], "--db", str(database), "--as", "Nadia")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Suspension des connexions levée pour le compte {ids['marc']}.\n"
    with _service(database) as service:
        assert opened(service.login(MARC, PASSWORD)).account_id == ids["marc"]
    again = _json("account", "unblock", ids["marc"], "--db", str(database))
    assert again == {"account_id": ids["marc"], "lifted": False}


def test_an_operator_name_that_is_junk_is_refused(database: Path, ids: dict[str, str]) -> None:
    result = _run("account", "unblock", ids["marc"], "--db", str(database), "--as", "x" * 101)
    assert result.exit_code == 1
    assert "« actor »" in result.stderr


def test_support_deactivates_then_reactivates_an_account(
    database: Path, ids: dict[str, str]
) -> None:
    nina = ids["nina"]
    result = _run("account", "deactivate", nina, "--db", str(database))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Compte {nina} : désactivé")
    assert _state(database, NINA) == "DEACTIVATED"
    assert _json("account", "reactivate", nina, "--db", str(database)) == {
        "account_id": nina,
        "state": "ACTIVE",
    }
    assert _state(database, NINA) == "ACTIVE"
    refused = _run("account", "reactivate", nina, "--db", str(database), "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stderr)["error"]["code"] == "invalid_transition"


# --- structures -------------------------------------------------------------------------


def test_support_lists_and_exports_the_users_of_a_structure(
    database: Path, ids: dict[str, str]
) -> None:
    shop = ids["structure"]
    listed = _run("structure", "users", shop, "--db", str(database))
    assert listed.exit_code == 0, listed.output
    assert f"GALFE Louise <{LOUISE}>" in listed.stdout
    assert "gestionnaire principal" in listed.stdout
    assert f"ROUX Nina <{NINA}>" in listed.stdout
    users = _json("structure", "users", shop, "--db", str(database))
    assert [(u["login_email"], u["principal_manager"]) for u in users] == [
        (LOUISE, True),
        (NINA, False),
    ]
    exported = _run("structure", "users", shop, "--csv", "--db", str(database))
    assert exported.exit_code == 0
    lines = exported.stdout_bytes.decode().split("\r\n")  # the CSV keeps its CRLF lines
    assert lines[0].startswith("Nom;Prénom;Adresse de connexion")
    assert any(line.startswith(f"GALFE;Louise;{LOUISE};ACTIVE;VALIDE;principal") for line in lines)
    assert exported.stderr == ""
    both = _run("structure", "users", shop, "--csv", "--json", "--db", str(database))
    assert both.exit_code == 2
    unknown = _run("structure", "users", "no-such-structure", "--db", str(database))
    assert (unknown.exit_code, unknown.stderr) == (
        1,
        "chorus-onboarding : La structure introuvable.\n",
    )


# --- the outbox: dead letters, the relay -------------------------------------------------


def test_the_dead_letters_are_listed_and_requeued(database: Path) -> None:
    letters = _json("mail", "dead-letters", "--db", str(database))
    assert [(letter["event"], letter["attempts"]) for letter in letters] == [
        ("ActivationLinkIssued", 1)
    ]
    assert "550" in letters[0]["error"]
    text = _run("mail", "dead-letters", "--db", str(database)).stdout
    assert text.startswith(f"{letters[0]['id']}\tActivationLinkIssued\t1\t")
    assert _run("mail", "requeue", "--db", str(database)).exit_code == 2
    requeued = _json("mail", "requeue", letters[0]["id"], "--db", str(database))
    assert requeued == {"requeued": 1}
    assert _json("mail", "requeue", "--all", "--db", str(database)) == {"requeued": 0}
    assert _run("mail", "dead-letters", "--db", str(database)).stdout == (
        "Aucun courriel mis de côté.\n"
    )


def test_requeue_all_moves_every_dead_letter(database: Path) -> None:
    assert _json("mail", "requeue", "--all", "--db", str(database)) == {"requeued": 1}
    assert _json("mail", "dead-letters", "--db", str(database)) == []


def test_the_relay_catches_up_once_then_stops(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(Collector())
    server.start()
    try:
        options = ["--db", str(database), "--smtp-host", LOOPBACK]
        options += ["--smtp-port", str(server.port), "--sender", SENDER]
        monkeypatch.delenv("CHORUS_SECRET_KEY", raising=False)
        refused = _run("relay", "--once", *options)
        assert (refused.exit_code, server.messages()) == (1, [])
        monkeypatch.setenv("CHORUS_SECRET_KEY", TEST_SECRET_KEY)
        report = _json("relay", "--once", "--batch-size", "1", *options)
        assert report["sent"] >= 1
        assert (report["retried"], report["set_aside"], report["released"]) == (0, 0, 0)
        assert any(m["To"] == LATE for m in server.messages()), "batch after batch, all of it"
        again = _run("relay", "--once", *options)
        assert again.stdout == "0 envoyé(s), 0 à réessayer, 0 mis de côté, 0 purgé(s)\n"
    finally:
        server.stop()


def test_db_current_and_upgrade_report_the_revision(database: Path) -> None:
    from chorus_onboarding.adapters.sql.migrate import HEAD_REVISION

    status = _json("db", "current", "--db", str(database))
    assert (status["revision"], status["at_head"], status["newer"]) == (
        HEAD_REVISION,
        True,
        False,
    )
    assert _json("db", "upgrade", "--db", str(database)) == {
        "outcome": "current",
        "before": HEAD_REVISION,
        "revision": HEAD_REVISION,
    }


# --- as a process --------------------------------------------------------------------------


def test_python_m_runs_the_command_line_with_its_exit_codes(tmp_path: Path) -> None:
    shown = _process("--version")
    assert (shown.returncode, shown.stdout) == (
        0,
        f"chorus-onboarding {metadata.version('chorus-onboarding')}\n",
    )
    missing = tmp_path / "missing.sqlite3"
    refused = _process("expire", "--db", str(missing), "--json")
    assert refused.returncode == 3
    assert json.loads(refused.stderr)["error"]["field"] == "db"
    assert not missing.exists()


def test_without_click_the_command_line_names_the_extra_to_install() -> None:
    blocked = (
        "import runpy, sys; sys.modules['click'] = None; "
        "runpy.run_module('chorus_onboarding', run_name='__main__')"
    )
    ran = subprocess.run(
        [sys.executable, "-c", blocked, "demo"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1
    assert ran.stderr == (
        "chorus-onboarding : Cette fonction demande l'option « cli » : "
        "pip install 'chorus-onboarding[cli]'.\n"
    )


def test_the_progress_bar_shows_on_a_terminal(database: Path) -> None:
    """The expiry batch draws its bar on a terminal's stderr; stdout stays the report."""
    controller, terminal = pty.openpty()
    try:
        ran = subprocess.Popen(
            [sys.executable, "-m", "chorus_onboarding", "expire", "--db", str(database)],
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            env=_environment(),
        )
        os.close(terminal)
        drawn = b""
        while True:
            ready, _, _ = select.select([controller], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            drawn += chunk
        out, _ = ran.communicate(timeout=30)
    finally:
        os.close(controller)
    assert ran.returncode == 0
    assert out == "1 activation(s) expirée(s)\n"
    assert "Activations expirées" in drawn.decode()


# --- the database the commands act on -------------------------------------------------------


@attrs.frozen
class Prepared:
    """A SQLite file made through the facade, and the ids of what it holds."""

    path: Path
    ids: dict[str, str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """Louise's shop with Nina in it, Paul's activation overdue, Marc suspended, a dead letter.

    Made once; each test works on a copy.
    """
    path = tmp_path_factory.mktemp("prepared") / "onboarding.sqlite3"
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FrozenClock(now - timedelta(days=40))
    world = _world(path, clock)
    with world.service as service:
        paul = world.register(PAUL, "90830166600016", last_name="MARTIN", first_name="Paul")
        world.link(PAUL)
        clock.set(now)
        louise = world.active_user(LOUISE, LOUISE_SIRET)
        shop = service.managed_structures(louise)[0].id
        nina = world.register(NINA, "39099603100014", last_name="ROUX", first_name="Nina")
        world.activate(NINA)
        world.attach(louise, shop, NINA)
        marc = world.register(MARC, "13186091800013", last_name="LEROY", first_name="Marc")
        world.activate(MARC)
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                service.login(MARC, "Pas-Le-Bon-2024")
        service.deliver_notifications(10_000)
        world.register("refuse@exemple.fr", "94821993600010")
        (entry,) = service.relay.outbox.claim(1, now, RetryPolicy().lease)
        service.relay.outbox.set_aside(entry.id, "550 5.1.1 No such user here", now)
        world.register(LATE, "78299314100038")  # its emails wait for the relay
        ids = {
            "paul": paul,
            "louise": str(louise.account_id),
            "structure": shop,
            "nina": nina,
            "marc": marc,
        }
    return Prepared(path, ids)


@pytest.fixture
def database(prepared: Prepared, tmp_path: Path) -> Path:
    """A copy of the prepared file for one test to change."""
    copy = tmp_path / "onboarding.sqlite3"
    shutil.copy(prepared.path, copy)
    return copy


@pytest.fixture
def ids(prepared: Prepared) -> dict[str, str]:
    return prepared.ids


def _run(*arguments: str) -> Result:
    return CliRunner().invoke(chorus, list(arguments))


def _json(*arguments: str) -> Any:
    result = _run(*arguments, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _world(target: str | Path, clock: FrozenClock | None = None) -> World:
    """A test world on the existing database at ``target`` (a SQLite file, or a URL).

    Its service holds the deployment's key the commands are given, and
    stands at ``clock`` (now by default).
    """
    at = clock or FrozenClock(datetime.now(UTC))
    mailbox = MemoryMailbox()
    parts: dict[str, Any] = {
        "demo_ports": True,
        "settings": OnboardingSettings(secret_key=TEST_SECRET_KEY),
        "clock": at,
        "hasher": FastInsecureHasher(),
        "mailer": mailbox,
    }
    service = (
        OnboardingService.sqlite(target, **parts)
        if isinstance(target, Path)
        else OnboardingService.from_url(target, **parts)
    )
    return World(service, at, mailbox)


def _service(database: Path) -> OnboardingService:
    return _world(database).service


def _state(database: Path, email: str) -> str:
    with _service(database) as service:
        state: AccountState = service.find_account(Actor.support(), email).state
    return state.value


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *sys.path])}


def _process(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chorus_onboarding", *arguments],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=60,
        check=False,
    )
