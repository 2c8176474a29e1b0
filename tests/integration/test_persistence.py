"""Persistence that loses nothing: journeys, restarts, races and crashes on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import pytest
from sqlalchemy import select

from chorus_onboarding import (
    AccountState,
    Actor,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
    OnboardingSettings,
    StructureNaming,
)
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.sql.schema import outbox
from chorus_onboarding.errors import ConcurrencyConflict, InvalidForm, LoginEmailTaken
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, opened
from chorus_onboarding.testing.world import ANSWER, LOUISE, PASSWORD, TEST_SECRET_KEY, World
from tests.postgres import empty_postgres, require_postgres

BACKENDS = ["sqlite", "postgresql"]


class BarrierClock(FrozenClock):
    """Holds each thread at its first ``now()`` until ``parties`` threads are there: "at once", for real.

    Use cases read the clock after loading what they change, so both racers
    have loaded the same version before either writes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.barrier: threading.Barrier | None = None
        self._passed = threading.local()

    def now(self) -> datetime:
        barrier = self.barrier
        if barrier is not None and not getattr(self._passed, "done", False):
            self._passed.done = True
            barrier.wait(timeout=20)
        return super().now()


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., OnboardingService]:
    """Builds services on one database of the backend under test (as separate processes would)."""
    if request.param == "postgresql":
        require_postgres()
        engine_url = str(empty_postgres().url.render_as_string(hide_password=False))

        def on_postgres(**ports: object) -> OnboardingService:
            return OnboardingService.from_url(engine_url, **_real_parts(ports))  # type: ignore[arg-type]

        return on_postgres

    path = tmp_path / "chorus.sqlite3"

    def on_sqlite(**ports: object) -> OnboardingService:
        return OnboardingService.sqlite(path, **_real_parts(ports))  # type: ignore[arg-type]

    return on_sqlite


def _real_parts(ports: dict[str, object]) -> dict[str, object]:
    """What a database-backed service demands, with the tests' stand-ins where none is given."""
    return {
        "captcha": FixedCaptcha(),
        "directory": MemoryCompanyDirectory(),
        "mailer": MemoryMailbox(),
        "settings": OnboardingSettings(secret_key=TEST_SECRET_KEY),
        **ports,
    }


def _world(database: Callable[..., OnboardingService], clock: FrozenClock | None = None) -> World:
    clock = clock or FrozenClock()
    mailbox = MemoryMailbox()
    service = database(
        clock=clock, hasher=FastInsecureHasher(), mailer=mailbox, ids=SequentialIds()
    )
    return World(service, clock, mailbox)


def _registration(email: str, identifier: str) -> NewStructureRegistration:
    return NewStructureRegistration(
        login_email=email,
        login_email_confirmation=email,
        last_name="MARTIN",
        first_name="Paul",
        captcha="XWWXS",
        identifier_type="HORS_UE",
        identifier=identifier,
        company_name="Entreprise",
        street="1 rue",
        postal_code="1200",
        city="Genève",
        country="CH",
    )


pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)


def test_every_journey_works_on_the_database_and_survives_a_restart(
    database: Callable[..., OnboardingService],
) -> None:
    world = _world(database)
    louise = world.active_user()
    paul = world.user_without_structure("paul.martin@exemple.fr")
    (shop,) = world.service.search_structures(paul, StructureNaming(siret="52601815500014"))
    world.service.validate_attachment(louise, world.service.request_attachment(paul, shop.id))
    request = world.service.request_subscription(
        paul, shop.id, "FACTURES_EMISES", habilitation="MODIFICATION"
    )
    world.service.validate_subscription(louise, request)
    restarted = database(clock=world.clock, hasher=FastInsecureHasher(), mailer=MemoryMailbox())
    assert opened(restarted.login(LOUISE, PASSWORD)).account_id == louise.account_id
    assert restarted.can_access(str(paul.account_id), shop.id, "FACTURES_EMISES", "MODIFICATION")
    assert [u.login_email for u in restarted.structure_users(louise, shop.id)] == [
        LOUISE,
        "paul.martin@exemple.fr",
    ]
    assert len(restarted.manager_history(louise, shop.id)) == 3


def test_hostile_text_round_trips_or_is_refused_never_a_database_error(
    database: Callable[..., OnboardingService],
) -> None:
    world = _world(database)
    hostile = "O'Brien\"); DROP TABLE co_accounts;-- é"
    done = world.service.register_with_new_structure(
        attrs.evolve(
            _registration("hostile@exemple.fr", "X-1"), last_name=hostile, company_name=hostile
        )
    )
    assert world.service.account(Actor.support(), done.account_id).last_name == hostile
    for junk in ("a\x00b", "x" * 10_000):
        with pytest.raises(InvalidForm):
            world.service.register_with_new_structure(
                attrs.evolve(_registration("junk@exemple.fr", "X-2"), last_name=junk)
            )
    with pytest.raises(OnboardingError):
        world.service.login("' OR 1=1 --@exemple.fr", "x' OR '1'='1")


def _race(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``count`` threads at once; each result or library error, in order."""
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except OnboardingError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_registrations_of_one_login_email_at_once_make_one_account(
    database: Callable[..., OnboardingService],
) -> None:
    world = _world(database)
    service = database(hasher=FastInsecureHasher(), mailer=MemoryMailbox())
    results = _race(
        20,
        lambda i: service.register_with_new_structure(_registration("same@exemple.fr", f"ID-{i}")),
    )
    errors = [r for r in results if isinstance(r, OnboardingError)]
    assert len(errors) == 19
    assert {type(e) for e in errors} == {LoginEmailTaken}
    assert sum(1 for r in results if not isinstance(r, OnboardingError)) == 1
    created = [
        world.service.registered_structure(
            StructureNaming(identifier_type="HORS_UE", identifier=f"ID-{i}")
        )
        for i in range(20)
    ]
    assert sum(1 for found in created if found is not None) == 1, (
        "the losers left no structure behind"
    )


def test_two_managers_deciding_one_request_at_once_one_wins_and_history_shows_one(
    database: Callable[..., OnboardingService],
) -> None:
    clock = BarrierClock()
    world = _world(database, clock)
    louise = world.active_user()
    shop = world.service.managed_structures(louise)[0].id
    deputy = world.user_without_structure("deputy@exemple.fr")
    world.attach(louise, shop, "deputy@exemple.fr")
    world.service.grant_manager(louise, shop, str(deputy.account_id))
    paul = world.user_without_structure("paul@exemple.fr")
    request = world.service.request_attachment(paul, shop)
    before = len(world.service.manager_history(louise, shop))
    clock.barrier = threading.Barrier(2)
    results = _race(
        2,
        lambda i: (
            world.service.validate_attachment(louise, request)
            if i == 0
            else world.service.refuse_attachment(deputy, request)
        ),
    )
    clock.barrier = None
    assert sum(1 for r in results if r is None) == 1
    assert [type(r) for r in results if r is not None] == [ConcurrencyConflict]
    assert len(world.service.manager_history(louise, shop)) == before + 1


def test_one_activation_link_followed_twice_at_once_activates_once(
    database: Callable[..., OnboardingService],
) -> None:
    clock = BarrierClock()
    world = _world(database, clock)
    account_id = world.register()
    link = world.link(LOUISE)
    clock.barrier = threading.Barrier(2)
    results = _race(
        2, lambda i: world.activate_with(link, PASSWORD if i == 0 else "Autre-Mot-De-Passe-1")
    )
    clock.barrier = None
    assert sum(1 for r in results if r is None) == 1
    assert world.service.account(Actor.support(), account_id).state is AccountState.ACTIVE


def test_a_use_case_failing_half_way_leaves_nothing_behind(
    database: Callable[..., OnboardingService],
) -> None:
    class FailingSecondId(SequentialIds):
        """The account gets its id; the structure's id never comes."""

        def new_id(self) -> str:
            made = super().new_id()
            if made.endswith("000002"):
                raise RuntimeError("the id service went down")
            return made

    service = database(hasher=FastInsecureHasher(), mailer=MemoryMailbox(), ids=FailingSecondId())
    with pytest.raises(RuntimeError):
        service.register_with_new_structure(_registration("half@exemple.fr", "H-1"))
    retry = database(
        hasher=FastInsecureHasher(), mailer=(mailbox := MemoryMailbox()), ids=SequentialIds("retry")
    )
    assert (
        retry.register_with_new_structure(_registration("half@exemple.fr", "H-1")).account_id
        == "retry-000001"
    )
    retry.deliver_notifications()
    assert [email.subject for email in mailbox.sent] == ["Chorus Pro - Activation de votre compte"]


CRASHING_RELAY = textwrap.dedent(
    """
    import contextlib, os, sys
    from chorus_onboarding import NewStructureRegistration, OnboardingService, OnboardingSettings
    from chorus_onboarding.adapters.captcha import FixedCaptcha
    from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
    from chorus_onboarding.adapters.hashing import FastInsecureHasher
    from chorus_onboarding.testing.fakes import FrozenClock

    class DiesWhenSending:
        def session(self):
            return contextlib.nullcontext(self)

        def send(self, email):
            os._exit(9)  # killed between the commit and the delivery

    target, key = sys.argv[1], sys.argv[2]
    factory = OnboardingService.from_url if "://" in target else OnboardingService.sqlite
    service = factory(
        target, hasher=FastInsecureHasher(), mailer=DiesWhenSending(), clock=FrozenClock(),
        captcha=FixedCaptcha(), directory=MemoryCompanyDirectory(),
        settings=OnboardingSettings(secret_key=key))
    service.register_with_new_structure(NewStructureRegistration(
        login_email="crash@exemple.fr", login_email_confirmation="crash@exemple.fr",
        last_name="CRASH", first_name="Carl", captcha="XWWXS", siret="52601815500014"))
    service.deliver_notifications()
    """
)


def test_a_process_killed_between_commit_and_delivery_delivers_once_after_restart(
    database: Callable[..., OnboardingService], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    service = database(hasher=FastInsecureHasher(), mailer=MemoryMailbox())
    target = (
        str(service.ports.unit_of_work().engine.url.render_as_string(hide_password=False))  # type: ignore[attr-defined]
        if "postgresql" in request.node.name
        else str(tmp_path / "chorus.sqlite3")
    )
    died = subprocess.run(
        [sys.executable, "-c", CRASHING_RELAY, target, TEST_SECRET_KEY],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert died.returncode == 9, died.stderr.decode()
    clock = FrozenClock()
    mailbox = MemoryMailbox()
    restarted = database(hasher=FastInsecureHasher(), mailer=mailbox, clock=clock)
    # The dead relay's claim holds a while, then lapses.
    clock.advance(timedelta(minutes=3))
    assert restarted.deliver_notifications() == 3, "the account's, the attachment's, the history's"
    assert restarted.deliver_notifications() == 0
    (email,) = mailbox.to("crash@exemple.fr")
    assert email.subject == "Chorus Pro - Activation de votre compte"


def test_no_working_token_rests_in_the_database_files_wal_included(
    database: Callable[..., OnboardingService], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = _world(database)
    louise = world.active_user()
    challenge = world.service.start_password_reset(LOUISE, "XWWXS")
    world.service.answer_secret_question(LOUISE, challenge.challenge, ANSWER)
    reset = world.link(LOUISE, "reinitialisationMotDePasse")["token"]
    link_ids = _stored_link_ids(world)
    assert len(link_ids) == 2
    for link_id in link_ids:  # what the outbox keeps opens nothing
        with pytest.raises(OnboardingError):
            world.service.reset_password(
                login_email=LOUISE,
                token=link_id,
                new_password="Un-Autre-2024!x",
                password_confirmation="Un-Autre-2024!x",
            )
    world.service.deactivate_account(louise)
    world.service.request_reactivation(LOUISE)
    reactivation = world.link(LOUISE, "reactivationCompte")["token"]
    (newest,) = set(_stored_link_ids(world)) - set(link_ids)
    with pytest.raises(OnboardingError):
        world.service.reactivate_with_link(login_email=LOUISE, token=newest)
    tokens = [reset, reactivation]
    world.service.close()
    for folder in _database_folders(request, tmp_path):
        for file in folder.rglob("*"):
            if file.is_file():
                content = file.read_bytes()
                assert not any(token.encode() in content for token in tokens), file


def test_no_login_code_rests_in_the_database_files_wal_included(
    database: Callable[..., OnboardingService], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Ten digits, so that no date or id in the files can pass for the code."""
    clock, mailbox = FrozenClock(), MemoryMailbox()
    settings = OnboardingSettings(secret_key=TEST_SECRET_KEY, login_code=True, login_code_length=10)
    service = database(clock=clock, hasher=FastInsecureHasher(), mailer=mailbox, settings=settings)
    world = World(service, clock, mailbox)
    world.active_user()
    world.service.login(LOUISE, PASSWORD)
    code = world.last_login_code(LOUISE)
    assert len(code) == 10
    world.service.close()
    for folder in _database_folders(request, tmp_path):
        for file in folder.rglob("*"):
            if file.is_file():
                assert code.encode() not in file.read_bytes(), file


def _stored_link_ids(world: World) -> list[str]:
    engine = world.service.ports.unit_of_work().engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        documents = [row.document for row in connection.execute(select(outbox.c.document))]
    return [d["link_id"] for d in documents if "link_id" in d]


def _database_folders(request: pytest.FixtureRequest, tmp_path: Path) -> list[Path]:
    if "postgresql" in request.node.name:
        data = os.environ.get("CHORUS_TEST_POSTGRES_DATA")
        if not data:
            pytest.skip("CHORUS_TEST_POSTGRES_DATA (the cluster's folder) is not set")
        return [Path(data)]
    return [tmp_path]


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    assert threading.active_count() <= before + 1
