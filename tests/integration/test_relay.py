"""The outbox relay in production shape: real SMTP, SQLite, a worker process, an old database."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chorus_onboarding import NewStructureRegistration, OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.smtp import SmtpMailSender
from chorus_onboarding.adapters.sql.schema import SCHEMA_VERSION, outbox
from chorus_onboarding.domain.errors import PortRequired
from chorus_onboarding.errors import AuthenticationFailed, TokenInvalid
from chorus_onboarding.ports import MailSession, OutgoingEmail
from chorus_onboarding.relay import RetryPolicy
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, link_parameters, opened
from chorus_onboarding.testing.world import ANSWER, PASSWORD, QUESTION, TEST_SECRET_KEY
from tests.integration.test_smtp import LOOPBACK, SENDER, Collector, SmtpServer

REFUSED = "inconnu@exemple.fr"
V1_DATABASE = Path(__file__).parent.parent / "data" / "schema-v1.sqlite3"


class RefusesOne(Collector):
    """Takes every recipient but one, which it does not know (550)."""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class CountingSender:
    """A mail sender that counts the connections it opens."""

    def __init__(self, inner: SmtpMailSender) -> None:
        self.inner = inner
        self.connections = 0

    def session(self) -> AbstractContextManager[MailSession]:
        self.connections += 1
        return self.inner.session()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(RefusesOne())
    server.start()
    yield server
    server.stop()


def _service(
    path: Path, mailer: Any, *, settings: OnboardingSettings | None = None, **ports: Any
) -> OnboardingService:
    return OnboardingService.sqlite(
        path,
        mailer=mailer,
        captcha=FixedCaptcha(),
        directory=MemoryCompanyDirectory(),
        settings=settings or OnboardingSettings(secret_key=TEST_SECRET_KEY),
        hasher=FastInsecureHasher(),
        **ports,
    )


def _register(service: OnboardingService, email: str, number: int) -> None:
    service.register_with_new_structure(
        NewStructureRegistration(
            login_email=email,
            login_email_confirmation=email,
            last_name="MARTIN",
            first_name="Paul",
            captcha="XWWXS",
            identifier_type="HORS_UE",
            identifier=f"ENTREPRISE-{number}",
            company_name="Entreprise",
            street="1 rue",
            postal_code="1200",
            city="Genève",
            country="CH",
        )
    )


def test_a_refused_recipient_is_set_aside_and_the_twenty_others_go_in_one_run(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    mailer = CountingSender(smtp.sender())
    service = _service(tmp_path / "db.sqlite3", mailer)
    _register(service, REFUSED, 0)  # first in the queue, as an attacker would place it
    for number in range(1, 21):
        _register(service, f"personne{number}@exemple.fr", number)
    assert smtp.messages() == [], "use cases on a database never talk to the mail server"

    report = service.relay.run_once(1000)

    assert (report.set_aside, report.retried, report.released) == (1, 0, 0)
    received = sorted(address for m in smtp.messages() for address in [m["To"]])
    assert received == sorted(f"personne{n}@exemple.fr" for n in range(1, 21))
    assert mailer.connections == 1, "one connection for the whole batch"
    (dead,) = service.relay.dead_letters()
    assert dead.event_name == "ActivationLinkIssued"
    assert "550" in dead.error
    assert service.relay.run_once(1000).claimed == 0, "nothing is left waiting"


class SleepyMailer(MemoryMailbox):
    """A mail server that takes two seconds to answer."""

    def send(self, email: OutgoingEmail) -> None:
        time.sleep(2)
        super().send(email)


def test_a_slow_mail_server_changes_neither_a_failed_login_s_time_nor_its_answer(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path / "db.sqlite3", SleepyMailer(), clock=FrozenClock())
    _register(service, "paul@exemple.fr", 1)

    def failed_login(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthenticationFailed):
            service.login(email, "Pas-Le-Bon-2024!")
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(20):  # five failures in a row suspend: each also queues an email
        known.append(failed_login("paul@exemple.fr"))
        unknown.append(failed_login("personne@exemple.fr"))
    gap = abs(statistics.median(known) - statistics.median(unknown))
    assert gap < 0.005, f"medians differ by {gap * 1000:.1f} ms"
    assert max(known) < 1.0, "no call waited for the mail server"


def test_a_database_factory_without_real_parts_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    real: dict[str, Any] = {
        "mailer": MemoryMailbox(),
        "captcha": FixedCaptcha(),
        "directory": MemoryCompanyDirectory(),
        "settings": OnboardingSettings(secret_key=TEST_SECRET_KEY),
    }
    for missing in real:
        given = {name: part for name, part in real.items() if name != missing}
        with pytest.raises(PortRequired) as refused:
            OnboardingService.sqlite(path, **given)
        assert refused.value.field == missing
    with pytest.raises(PortRequired):
        OnboardingService.sqlite(path, **{**real, "settings": OnboardingSettings()})
    assert not path.exists(), "nothing was created"
    with OnboardingService.sqlite(path, demo_ports=True) as demo:
        assert demo.expire_overdue_activations() == 0


def test_sigterm_stops_the_worker_between_batches_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    server = SmtpServer(Collector())
    server.start()
    try:
        path = tmp_path / "db.sqlite3"
        service = _service(path, MemoryMailbox())
        for number in range(40):
            _register(service, f"personne{number}@exemple.fr", number)
        environment = {**os.environ, "CHORUS_SECRET_KEY": TEST_SECRET_KEY}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chorus_onboarding",
                "relay",
                "--db",
                str(path),
                "--smtp-host",
                LOOPBACK,
                "--smtp-port",
                str(server.port),
                "--sender",
                SENDER,
                "--batch-size",
                "5",
                "--interval",
                "0.05",
                "--verbose",
            ],
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while len(server.messages()) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=30)
        assert worker.returncode == 0, log
        assert "stopping" in log
        assert "relay stopped" in log
        sent_by_worker = len(server.messages())
        assert sent_by_worker >= 5
        # What the worker did not reach waits, unclaimed: a new run takes it at once.
        service.close()
        again = _service(path, (mailbox := MemoryMailbox()))
        again.deliver_notifications(10_000)
        delivered = sent_by_worker + len(mailbox.sent)
        assert delivered == 40, "every activation email went, none twice"
        assert len({m["Message-ID"] for m in server.messages()}) == sent_by_worker
    finally:
        server.stop()


def test_a_version_1_database_upgrades_and_keeps_its_people(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(V1_DATABASE, path)
    mailbox = MemoryMailbox()
    upgrade = OnboardingSettings(secret_key=TEST_SECRET_KEY, upgrade_database=True)
    service = _service(path, mailbox, ids=SequentialIds("v2"), settings=upgrade)
    assert (
        opened(service.login("louise.galfe@dressing-louise.fr", PASSWORD)).account_id == "v1-000001"
    )
    engine = service.ports.unit_of_work().engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        versions = [
            row.version
            for row in connection.exec_driver_sql("SELECT version FROM co_schema_version")
        ]
        rows = connection.execute(select(outbox.c.event, outbox.c.document, outbox.c.dead_at)).all()
    assert max(versions) == SCHEMA_VERSION
    assert all(row.document.get("token", "") == "" for row in rows), "no clear token stays"
    # Paul's activation email never went under version 1: it is set aside, visible,
    # and his activation can be sent again.
    (dead,) = service.relay.dead_letters()
    assert dead.event_name == "ActivationEmailIssued"
    assert service.deliver_notifications() == 0
    _register(service, "nouveau@exemple.fr", 7)
    service.deliver_notifications()
    link = link_parameters(mailbox, "nouveau@exemple.fr", "activationCompte")
    service.activate_account(
        login_email=link["email"],
        token=link["token"],
        password=PASSWORD,
        password_confirmation=PASSWORD,
        secret_question=QUESTION,
        secret_answer=ANSWER,
    )
    assert service.login("nouveau@exemple.fr", PASSWORD)


def test_the_relay_thread_delivers_without_being_asked_and_stops_with_the_service(
    tmp_path: Path,
) -> None:
    mailbox = MemoryMailbox()
    with _service(tmp_path / "db.sqlite3", mailbox) as service:
        service.start_relay(interval=0.02)
        _register(service, "paul@exemple.fr", 1)
        deadline = time.monotonic() + 10
        while not mailbox.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [e.to for e in mailbox.sent] == [("paul@exemple.fr",)]
    assert not any(t.name == "chorus-onboarding-relay" for t in __import__("threading").enumerate())


def test_retries_back_off_and_end_in_the_dead_letters() -> None:
    class Down(MemoryMailbox):
        def send(self, email: OutgoingEmail) -> None:
            raise ConnectionError("mail server down")

    clock = FrozenClock()
    service = OnboardingService.in_memory(
        mailer=Down(),
        clock=clock,
        hasher=FastInsecureHasher(),
        ids=SequentialIds(),
        retry_policy=RetryPolicy(max_attempts=8),
    )
    _register(service, "paul@exemple.fr", 1)
    waits = []
    for _ in range(6):  # the first failure came with the registration
        before = clock.now()
        while service.relay.run_once(10).retried == 0:
            clock.advance(seconds=1)
        waits.append(clock.now() - before)
        clock.advance(seconds=1)
    assert waits[0] >= timedelta(seconds=29)
    assert all(later > 1.9 * earlier for earlier, later in itertools.pairwise(waits)), waits
    clock.advance(hours=2)
    report = service.relay.run_once(10)
    assert report.set_aside == 1, "the eighth failure sets it aside"
    (dead,) = service.relay.dead_letters()
    assert (dead.attempts, "mail server down" in dead.error) == (8, True)
    assert service.relay.requeue([dead.id]) == 1
    assert service.relay.dead_letters() == []


def test_a_new_secret_key_voids_every_link_already_sent(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    mailbox = MemoryMailbox()
    before = _service(path, mailbox)
    _register(before, "paul@exemple.fr", 1)
    before.deliver_notifications()
    link = link_parameters(mailbox, "paul@exemple.fr", "activationCompte")
    before.close()
    rotated = OnboardingService.sqlite(
        path,
        mailer=MemoryMailbox(),
        captcha=FixedCaptcha(),
        directory=MemoryCompanyDirectory(),
        settings=OnboardingSettings(secret_key="another-key-after-a-leak-of-the-first-one"),
        hasher=FastInsecureHasher(),
    )
    with pytest.raises(TokenInvalid):
        rotated.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=PASSWORD,
            password_confirmation=PASSWORD,
            secret_question=QUESTION,
            secret_answer=ANSWER,
        )
