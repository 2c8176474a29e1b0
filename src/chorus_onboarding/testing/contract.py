"""The repository contract: what every store (memory, SQLite, PostgreSQL, yours) must do.

Subclass :class:`RepositoryContract` in a test module, name the subclass
``Test...`` and give it a fresh store in :meth:`~RepositoryContract.store`:
its units of work and the relay's side of its outbox::

    class TestMyStore(RepositoryContract):
        def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
            store = MyStore.empty(self.folder() / "data")
            self.add_cleanup(store.close)
            return (lambda: MyUnitOfWork(store)), MyOutbox(store)

pytest then runs every ``test_`` method below against it. Needs pytest.

Besides the one-at-a-time checks, the contract races: threads held at a
:class:`threading.Barrier` commit at the same instant (one entity, one
unique key) and relays drain one outbox side by side, so a store whose
checks are right but not atomic fails here, as it would under a threaded web
server or several worker processes. Units of work and the outbox are used
from several threads at once: the store must allow it.
"""

from __future__ import annotations

import abc
import functools
import math
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..adapters.runtime import SecretTokenGenerator
from ..domain.accounts import Account, AccountState
from ..domain.attachments import Attachment
from ..domain.emails import EmailAddress
from ..domain.errors import (
    AlreadyAttached,
    ConcurrencyConflict,
    IdentifierReplaced,
    InvalidInput,
    LoginEmailTaken,
    StorageUnavailable,
    StructureAlreadyRegistered,
    SubscriptionExists,
)
from ..domain.espaces import Espace, Habilitation, OpenEspace
from ..domain.events import AccountEvent, AttachmentDecided, StructureChanged
from ..domain.history import ManagerAction, ManagerActionKind
from ..domain.identifiers import IdentifierType, StructureIdentifier
from ..domain.states import AttachmentState
from ..domain.structures import Address, CompanyRecord, Purpose, Structure
from ..domain.subscriptions import Subscription
from ..domain.support_log import SupportAction, SupportActionKind
from ..domain.tokens import IssuedToken
from ..notifications import Links, Notifier
from ..ports import Outbox, OutboxEntry, OutgoingEmail, UnitOfWork
from ..relay import OutboxRelay, RetryPolicy
from . import require_testing_extra
from .fakes import FrozenClock

require_testing_extra("pytest")

import pytest  # noqa: E402

NOW = datetime(2018, 1, 4, 9, 5, 10, tzinfo=UTC)
LEASE = timedelta(minutes=2)
HOSTILE = "Robert'); DROP TABLE co_accounts;-- \"é\" ' OR 1=1 \\ %_"


def account(
    account_id: str = "a1", email: str = "louise@exemple.fr", *, last_name: str = "GALFE"
) -> Account:
    """A new account waiting for activation, as registration makes it."""
    made = Account.register(
        account_id=account_id,
        login_email=EmailAddress.parse(email),
        last_name=last_name,
        first_name="Louise",
        contact_email=None,
        survey_consent=True,
        now=NOW,
    )
    made.issue_activation(
        IssuedToken(link_id=f"t-{account_id}", digest=f"d-{account_id}"), NOW, timedelta(days=30)
    )
    return made


def structure(
    structure_id: str = "s1", siret: str = "52601815500014", manager: str = "a1"
) -> Structure:
    """A new structure with the default espaces open."""
    return Structure.create(
        structure_id=structure_id,
        identifier=StructureIdentifier(IdentifierType.SIRET, siret),
        company_name="LE DRESSING DE LOUISE",
        address=Address.parse(
            street="10 rue du Centre", postal_code="93160", city="Noisy-le-Grand"
        ),
        principal_manager_id=manager,
        purposes=[Purpose.DEPOSER_DEMANDES_PAIEMENT, Purpose.DUME],
        espaces=[OpenEspace(espace=Espace.FACTURES_EMISES, services=frozenset({"DEFAUT"}))],
        now=NOW,
    )


NEW_SIRET = "94821993600010"
"""The SIRET :func:`changed_siret` gives a structure."""


def changed_siret(shop: Structure, siret: str = NEW_SIRET) -> None:
    """``shop`` declares ``siret`` as its new SIRET (the register withholds name and address)."""
    new = StructureIdentifier(IdentifierType.SIRET, siret)
    shop.change_siret(
        new, CompanyRecord(identifier=new, name=None, address=None), by="a1", told=(), now=NOW
    )


def _siret(value: str) -> StructureIdentifier:
    return StructureIdentifier(IdentifierType.SIRET, value)


def subscription(
    subscription_id: str, account_id: str = "a2", structure_id: str = "s1"
) -> Subscription:
    """A pending subscription to "Factures émises"."""
    return Subscription.ask(
        subscription_id=subscription_id,
        account_id=account_id,
        structure_id=structure_id,
        espace=Espace.FACTURES_EMISES,
        service="DEFAUT",
        habilitation=Habilitation.MODIFICATION,
        request_date=date(2018, 1, 11),
        comment=HOSTILE,
        now=NOW,
    )


RACERS = 8
"""How many threads race for one entity or one unique key."""
RELAYS = 4
"""How many relays drain one outbox side by side."""
RELAYED = 24
"""How many entries they drain."""
STAGGER = 0.004
"""Seconds between the commits of racers spread over another's commit."""
RACE_TIMEOUT = 30.0
"""Seconds a racer waits for the others at the barrier, or for its turn to finish."""


class RecordingMailer:
    """Keeps every email handed to it, repeats included (a real server would send them all).

    Each send takes ``latency`` seconds, as a mail server's answer does: the
    other relays run meanwhile, so that relays racing for one outbox really
    overlap instead of one draining it all in its turn.
    """

    def __init__(self, latency: float = 0.002) -> None:
        if (
            isinstance(latency, bool)
            or not isinstance(latency, int | float)
            or not 0 <= latency < math.inf
        ):
            raise InvalidInput(field="latency", expected="durée positive en secondes")
        self.sent: list[OutgoingEmail] = []
        self.latency = latency
        self._lock = threading.Lock()

    def send(self, email: OutgoingEmail) -> None:
        """Keep ``email``, even if one with its dedupe key came before."""
        time.sleep(self.latency)
        with self._lock:
            self.sent.append(email)

    def session(self) -> AbstractContextManager[RecordingMailer]:
        """The mailer itself: there is no connection to open."""
        return nullcontext(self)


def _relay(
    uow: Callable[[], UnitOfWork], outbox: Outbox, mailer: RecordingMailer, clock: FrozenClock
) -> OutboxRelay:
    """The library's relay on a store under test, with the default wording and a test key."""
    notifier = Notifier(links=Links(), tokens=SecretTokenGenerator(b"contract" * 4))
    return OutboxRelay(
        outbox=outbox,
        notifier=notifier,
        mailer=mailer,
        clock=clock,
        unit_of_work=uow,
        policy=RetryPolicy(lease=LEASE),
    )


class _UnmarkableOutbox:
    """An outbox whose ``mark_sent`` fails: the store went away just after the emails went out."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outbox, name)

    def mark_sent(self, entry_ids: Sequence[str], now: datetime) -> None:
        raise StorageUnavailable()


def _drain(relay: OutboxRelay, writers_done: threading.Event | None = None) -> None:
    """Run ``relay`` in small batches until the outbox is empty and the writers are done."""
    give_up = time.monotonic() + RACE_TIMEOUT
    while time.monotonic() < give_up:
        finished = (
            writers_done is None or writers_done.is_set()
        )  # read first: the next run sees all
        if not relay.run_once(batch_size=2).claimed:
            if finished:
                return
            time.sleep(0.001)
    raise AssertionError(f"the outbox was still not drained after {RACE_TIMEOUT:.0f} s")


def _race(
    attempt: Callable[[int, Callable[[], None]], None], racers: int = RACERS
) -> list[BaseException | None]:
    """Run ``attempt(racer, start)`` in ``racers`` threads; each calls ``start()`` when ready.

    ``start`` holds every racer until all are ready, then lets them go at
    once: what comes after it (a commit, a claim) really happens side by
    side. Each racer's outcome: None if it returned, else what it raised.
    """
    barrier = threading.Barrier(racers, timeout=RACE_TIMEOUT)
    outcomes: list[BaseException | None] = [None] * racers

    def run(racer: int) -> None:
        started = False

        def start() -> None:
            nonlocal started
            started = True
            barrier.wait()

        try:
            attempt(racer, start)
        except BaseException as error:  # the outcome, read by the test
            outcomes[racer] = error
            if not started:
                barrier.abort()  # the others would wait for a racer that never comes

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT * 2)
    stuck = sum(thread.is_alive() for thread in threads)
    assert stuck == 0, f"{stuck} racers still running after {RACE_TIMEOUT * 2:.0f} s"
    return outcomes


def _race_to_commit(
    uow: Callable[[], UnitOfWork],
    prepare: Callable[[UnitOfWork, int], None],
    refusal: type[Exception],
    racers: int = RACERS,
) -> int:
    """Each racer prepares a change in its unit of work, then all commit at once: the winner."""

    def commit(racer: int, start: Callable[[], None]) -> None:
        with uow() as work:
            prepare(work, racer)
            start()  # every racer has read what it read and made its change
            work.commit()

    return _one_winner(_race(commit, racers), refusal)


def _all_finished(outcomes: list[BaseException | None]) -> None:
    """Every racer returned: the first failure, if any, is the test's."""
    for outcome in outcomes:
        if outcome is not None:
            raise AssertionError(f"a racer failed: {outcome!r}") from outcome


def _one_winner(outcomes: list[BaseException | None], refusal: type[Exception]) -> int:
    """The racer whose commit won; every other one must have been refused with ``refusal``."""
    for outcome in outcomes:
        if outcome is not None and not isinstance(outcome, refusal):
            raise AssertionError(
                f"a racing commit raised {outcome!r}, not {refusal.__name__}"
            ) from outcome
    winners = [racer for racer, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1, (
        f"{len(winners)} of {len(outcomes)} racing commits won: exactly one must, "
        f"the others must raise {refusal.__name__}"
    )
    return winners[0]


def _delivered_once(mailer: RecordingMailer, addresses: set[str]) -> None:
    """Every address got its email, and no email went out twice."""
    repeated = sorted(
        key for key, times in Counter(e.dedupe_key for e in mailer.sent).items() if times > 1
    )
    assert repeated == [], f"{len(repeated)} emails delivered more than once: {repeated[:3]}"
    received = {address for email in mailer.sent for address in email.to}
    assert received == addresses, f"emails lost: {sorted(addresses - received)}"
    assert len(mailer.sent) == len(addresses)


RACE_TESTS: set[str] = set()
"""The names of the contract's race tests, the ones that run threads at the same instant."""


def _racing(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a race test: skipped, saying why, on a store whose contract says it takes no threads."""
    RACE_TESTS.add(test.__name__)

    @functools.wraps(test)
    def race(self: RepositoryContract, *arguments: Any, **fixtures: Any) -> None:
        if not self.threadsafe:
            pytest.skip(f"{type(self).__name__}.threadsafe is False: its races are not checked")
        test(self, *arguments, **fixtures)

    return race


class RepositoryContract(abc.ABC):
    """Every test a store must pass; subclass it with ``Test`` in the name."""

    threadsafe: bool = True
    """Whether the store may be used from several threads at once.

    The race tests need it. A store that may not (one connection, shared by
    nobody) says False: its race tests are skipped, and pytest says why. It
    must then never be used from two threads, nor by two processes at once.
    """

    @abc.abstractmethod
    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        """Units of work on a fresh, empty store and its outbox (called once per test).

        Both are used from several threads at once by the race tests. Keep
        the store's files in :meth:`folder` and give what must be closed (an
        engine, a connection pool) to :meth:`add_cleanup`: nothing outlives
        the test.
        """

    def folder(self) -> Path:
        """A new empty folder for this test's files, deleted with them after the test."""
        made = Path(tempfile.mkdtemp(prefix="chorus-contract-"))
        self.add_cleanup(lambda: shutil.rmtree(made, ignore_errors=True))
        return made

    def add_cleanup(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` after the test, the last one given first (as ``unittest`` does).

        So an engine given after its folder is closed before the folder goes.
        """
        self.__dict__.setdefault("_cleanups", []).append(callback)

    def cleanup(self) -> None:
        """Run the callbacks of :meth:`add_cleanup` now (pytest does it after each test).

        Every callback runs even if one fails; the first failure is raised then.
        """
        callbacks: list[Callable[[], object]] = self.__dict__.pop("_cleanups", [])
        failure: BaseException | None = None
        for callback in reversed(callbacks):
            try:
                callback()
            except BaseException as error:  # the others must run all the same
                failure = failure or error
        if failure is not None:
            raise failure

    @pytest.fixture
    def fresh_store(self) -> Iterator[tuple[Callable[[], UnitOfWork], Outbox]]:
        """The store under test, fresh for each test, cleaned up after it."""
        try:
            yield self.store()
        finally:
            self.cleanup()

    @pytest.fixture
    def uow(self, fresh_store: tuple[Callable[[], UnitOfWork], Outbox]) -> Callable[[], UnitOfWork]:
        """The units of work of the store under test."""
        return fresh_store[0]

    @pytest.fixture
    def outbox(self, fresh_store: tuple[Callable[[], UnitOfWork], Outbox]) -> Outbox:
        """The outbox of the store under test."""
        return fresh_store[1]

    def _stored(
        self,
        uow: Callable[[], UnitOfWork],
        *entities: Account | Structure | Attachment | Subscription,
    ) -> None:
        with uow() as work:
            for entity in entities:
                self._add(work, entity)
            work.commit()

    def _stored_in(self, work: UnitOfWork, structure: Structure) -> None:
        self._add(work, structure)
        work.commit()

    @staticmethod
    def _add(work: UnitOfWork, entity: Account | Structure | Attachment | Subscription) -> None:
        if isinstance(entity, Account):
            work.accounts.add(entity)
        elif isinstance(entity, Structure):
            work.structures.add(entity)
        elif isinstance(entity, Attachment):
            work.attachments.add(entity)
        else:
            work.subscriptions.add(entity)

    # --- reading and writing -------------------------------------------------------

    def test_a_committed_account_is_found_by_id_and_by_login_email_in_any_case(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, account())
        with uow() as work:
            found = work.accounts.get("a1")
            assert found is not None
            assert found.version == 1
            assert found.state is AccountState.ACTIVATION_PENDING
            again = work.accounts.get_by_login_email(EmailAddress.parse("LOUISE@Exemple.FR"))
            assert again is found, "one unit of work gives one object per entity"
            assert work.accounts.get("nobody") is None

    def test_nothing_is_written_without_commit(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        with uow() as work:
            work.accounts.add(account())
        with uow() as work:
            assert work.accounts.get("a1") is None
        assert outbox.backlog() == 0

    def test_every_field_comes_back_as_it_was_stored_hostile_text_included(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        original = account(last_name=HOSTILE)
        shop = structure()
        asked = subscription("x1")
        self._stored(uow, original, shop, asked)
        with uow() as work:
            for kind, stored in (
                (work.accounts, original),
                (work.structures, shop),
                (work.subscriptions, asked),
            ):
                loaded = kind.get(stored.id)
                assert loaded is not None
                assert _state(loaded) == _state(stored)

    def test_a_stale_write_is_refused_and_writes_nothing(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account())
        with uow() as first, uow() as second:
            mine = first.accounts.get("a1")
            theirs = second.accounts.get("a1")
            assert mine is not None
            assert theirs is not None
            mine.expire(NOW)
            first.commit()
            theirs.issue_activation(IssuedToken(link_id="t2", digest="d2"), NOW, timedelta(days=30))
            with pytest.raises(ConcurrencyConflict):
                second.commit()
        with uow() as work:
            stored = work.accounts.get("a1")
            assert stored is not None
            assert (stored.state, stored.version) == (AccountState.EXPIRED, 2)
        names = [entry.event.name for entry in outbox.claim(10, NOW, LEASE)]
        assert names == ["ActivationLinkIssued", "ActivationExpired"]

    def test_an_unchanged_entity_is_not_written_again(self, uow: Callable[[], UnitOfWork]) -> None:
        self._stored(uow, account())
        with uow() as work:
            work.accounts.get("a1")
            work.commit()
        with uow() as work:
            stored = work.accounts.get("a1")
            assert stored is not None
            assert stored.version == 1

    # --- unique keys ------------------------------------------------------------------

    def test_the_login_email_is_unique_whatever_its_case(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, account())
        with uow() as work:
            work.accounts.add(account("a2", "LOUISE@EXEMPLE.FR"))
            with pytest.raises(LoginEmailTaken):
                work.commit()
        with uow() as work:
            assert work.accounts.get("a2") is None

    def test_the_structure_identifier_is_unique(self, uow: Callable[[], UnitOfWork]) -> None:
        self._stored(uow, structure())
        with uow() as work:
            work.structures.add(structure("s2"))
            with pytest.raises(StructureAlreadyRegistered):
                work.commit()

    def test_a_structure_is_found_by_the_siret_it_had_before_changing_it(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, structure())
        with uow() as work:
            assert work.structures.get_by_former_identifier(_siret("52601815500014")) is None
            shop = work.structures.get("s1")
            assert shop is not None
            changed_siret(shop)
            work.commit()
        with uow() as work:
            assert work.structures.get_by_identifier(_siret("52601815500014")) is None
            now = work.structures.get_by_identifier(_siret(NEW_SIRET))
            before = work.structures.get_by_former_identifier(_siret("52601815500014"))
            assert now is not None
            assert before is now
            assert now.id == "s1"
            assert [f.identifier.value for f in now.former_identifiers] == ["52601815500014"]
            assert now.former_identifiers[0].replaced_at == NOW
            assert work.structures.get_by_former_identifier(_siret(NEW_SIRET)) is None
            assert [s.id for s in work.structures.managed_by("a1")] == ["s1"]

    def test_no_structure_takes_a_siret_another_had_before(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, structure(), structure("s3", siret="78299314100038", manager="a3"))
        with uow() as work:
            shop = work.structures.get("s1")
            assert shop is not None
            changed_siret(shop)
            work.commit()
        with uow() as work, pytest.raises(IdentifierReplaced) as refused:
            # Refused when added or at commit, as the store sees fit.
            self._stored_in(work, structure("s2", manager="a2"))
        assert refused.value.params == {
            "identifier": "52601815500014",
            "replaced_by": NEW_SIRET,
        }
        with uow() as work:
            other = work.structures.get("s3")
            assert other is not None
            changed_siret(other, "52601815500014")
            with pytest.raises(IdentifierReplaced):
                work.commit()
        with uow() as work:
            assert work.structures.get("s2") is None
            kept = work.structures.get("s3")
            assert kept is not None
            assert kept.identifier == _siret("78299314100038")
            assert kept.former_identifiers == ()

    def test_one_live_attachment_per_user_and_structure(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        first = Attachment.request(attachment_id="r1", account_id="a2", structure_id="s1", now=NOW)
        self._stored(uow, first)
        with uow() as work:
            work.attachments.add(
                Attachment.request(attachment_id="r2", account_id="a2", structure_id="s1", now=NOW)
            )
            with pytest.raises(AlreadyAttached):
                work.commit()
        with uow() as work:
            pending = work.attachments.get("r1")
            assert pending is not None
            pending.withdraw(now=NOW)
            work.attachments.add(
                Attachment.request(attachment_id="r3", account_id="a2", structure_id="s1", now=NOW)
            )
            work.commit()

    def test_one_live_subscription_per_user_structure_service_and_espace(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, subscription("x1"))
        with uow() as work:
            work.subscriptions.add(subscription("x2"))
            with pytest.raises(SubscriptionExists):
                work.commit()
        self._stored(
            uow, subscription("x3", structure_id="s2"), subscription("x4", account_id="a3")
        )

    # --- queries ---------------------------------------------------------------------

    def test_members_are_found_by_user_structure_or_both(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(
            uow,
            Attachment.direct(
                attachment_id="m1", account_id="a2", structure_id="s1", by="a1", now=NOW
            ),
            Attachment.direct(
                attachment_id="m2", account_id="a2", structure_id="s2", by="a1", now=NOW
            ),
            Attachment.direct(
                attachment_id="m3", account_id="a3", structure_id="s1", by="a1", now=NOW
            ),
            subscription("x1"),
            subscription("x2", account_id="a3"),
        )
        with uow() as work:
            assert {a.id for a in work.attachments.for_member("a2", "s1")} == {"m1"}
            assert {a.id for a in work.attachments.for_structure("s1")} == {"m1", "m3"}
            assert {a.id for a in work.attachments.for_account("a2")} == {"m1", "m2"}
            assert {s.id for s in work.subscriptions.for_member("a3", "s1")} == {"x2"}
            assert {s.id for s in work.subscriptions.for_structure("s1")} == {"x1", "x2"}
            assert work.subscriptions.for_account("nobody") == []

    def test_managed_structures_include_delegated_managers(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        shop = structure()
        shop.grant_manager("a2")
        self._stored(uow, shop, structure("s2", "90830166600016", "a2"))
        with uow() as work:
            assert {s.id for s in work.structures.managed_by("a2")} == {"s1", "s2"}
            assert {s.id for s in work.structures.managed_by("a1")} == {"s1"}
            found = work.structures.get_by_identifier(
                StructureIdentifier(IdentifierType.SIRET, "90830166600016")
            )
            assert found is not None
            assert found.id == "s2"

    def test_overdue_activations_come_oldest_deadline_first_strictly_after_it(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, account("a1", "a@exemple.fr"), account("a2", "b@exemple.fr"))
        deadline = NOW + timedelta(days=30)
        with uow() as work:
            assert work.accounts.overdue_activations(deadline, 10) == []
            assert work.accounts.overdue_activations(deadline + timedelta(seconds=1), 10) == [
                "a1",
                "a2",
            ]
            assert work.accounts.overdue_activations(deadline + timedelta(seconds=1), 1) == ["a1"]
            expired = work.accounts.get("a1")
            assert expired is not None
            expired.expire(NOW)
            work.commit()
        with uow() as work:
            assert work.accounts.overdue_activations(deadline + timedelta(days=1), 10) == ["a2"]

    def test_assigned_numbers_never_repeat(self, uow: Callable[[], UnitOfWork]) -> None:
        numbers = []
        for _ in range(3):
            with uow() as work:
                numbers.append(work.structures.next_assigned_number())
                work.commit()
        assert len(set(numbers)) == 3
        assert numbers == sorted(numbers)

    # --- history and outbox ------------------------------------------------------------

    def test_history_is_kept_in_order_with_its_change(self, uow: Callable[[], UnitOfWork]) -> None:
        with uow() as work:
            work.structures.add(structure())
            for kind in (ManagerActionKind.STRUCTURE_CREATED, ManagerActionKind.ESPACE_OPENED):
                work.history.add(ManagerAction("s1", NOW, "a1", kind, None, HOSTILE))
            work.commit()
        with uow() as work:
            work.history.add(ManagerAction("s1", NOW, "a1", ManagerActionKind.ESPACE_CLOSED))
        with uow() as work:
            actions = work.history.for_structure("s1")
            assert [a.kind for a in actions] == [
                ManagerActionKind.STRUCTURE_CREATED,
                ManagerActionKind.ESPACE_OPENED,
            ]
            assert actions[1].details == HOSTILE
            assert work.history.for_structure("s2") == []

    def test_the_support_log_is_kept_in_order_by_account_structure_and_agent(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        kinds = SupportActionKind
        self._stored(uow, account())
        waiting = outbox.backlog()
        with uow() as work:
            # A read by support: the account is loaded, unchanged; the commit writes the row alone.
            assert work.accounts.get("a1") is not None
            work.support_log.add(SupportAction(NOW, "support:eve", kinds.ACCOUNT_READ, "a1"))
            work.support_log.add(
                SupportAction(NOW, "support:max", kinds.PRINCIPAL_APPOINTED, "a1", "s1", HOSTILE)
            )
            work.support_log.add(SupportAction(NOW, "support:eve", kinds.ACCOUNT_LOOKED_UP))
            work.commit()
        with uow() as work:
            work.support_log.add(SupportAction(NOW, "support:eve", kinds.ACCOUNT_DEACTIVATED, "a1"))
        with uow() as work:
            on_account = work.support_log.for_account("a1")
            assert [a.kind for a in on_account] == [kinds.ACCOUNT_READ, kinds.PRINCIPAL_APPOINTED]
            assert on_account[1].details == HOSTILE
            assert work.support_log.for_structure("s1") == on_account[1:]
            assert [a.kind for a in work.support_log.by_actor("support:eve")] == [
                kinds.ACCOUNT_READ,
                kinds.ACCOUNT_LOOKED_UP,
            ]
            assert work.support_log.for_account("a2") == []
            assert work.support_log.by_actor(HOSTILE) == []
            loaded = work.accounts.get("a1")
            assert loaded is not None
            assert loaded.version == 1
        # The log is no event: nothing more waits for the relay.
        assert outbox.backlog() == waiting

    def test_a_refused_commit_writes_no_support_action(self, uow: Callable[[], UnitOfWork]) -> None:
        self._stored(uow, account())
        with uow() as work:
            work.accounts.add(account("a2"))
            work.support_log.add(
                SupportAction(NOW, "support:eve", SupportActionKind.ACCOUNT_READ, "a2")
            )
            with pytest.raises(LoginEmailTaken):
                work.commit()
        with uow() as work:
            assert work.support_log.by_actor("support:eve") == []

    def test_events_are_stored_with_their_change_and_claimed_by_one_relay(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account("a1", "a@exemple.fr"))
        self._stored(uow, account("a2", "b@exemple.fr"))
        pending = outbox.claim(10, NOW, LEASE)
        assert [_account_of(entry) for entry in pending] == ["a1", "a2"]
        assert pending[0].event.name == "ActivationLinkIssued"
        assert outbox.claim(10, NOW, LEASE) == [], "claimed entries are held"
        outbox.mark_sent([pending[0].id], NOW)
        outbox.release([pending[1].id])
        left = outbox.claim(10, NOW, LEASE)
        assert [_account_of(entry) for entry in left] == ["a2"]
        assert outbox.backlog() == 1

    def test_a_claim_lapses_after_its_lease(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account())
        assert len(outbox.claim(10, NOW, LEASE)) == 1
        assert outbox.claim(10, NOW + LEASE - timedelta(seconds=1), LEASE) == []
        assert len(outbox.claim(10, NOW + LEASE + timedelta(seconds=1), LEASE)) == 1

    def test_a_failed_entry_waits_for_its_retry_and_counts_its_attempts(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account())
        (entry,) = outbox.claim(10, NOW, LEASE)
        later = NOW + timedelta(minutes=5)
        outbox.retry_later(entry.id, HOSTILE, later)
        assert outbox.claim(10, later - timedelta(seconds=1), LEASE) == []
        (again,) = outbox.claim(10, later, LEASE)
        assert (again.id, again.attempts) == (entry.id, 1)

    def test_a_dead_letter_holds_nothing_back_and_can_be_requeued(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account("a1", "a@exemple.fr"), account("a2", "b@exemple.fr"))
        first, second = outbox.claim(10, NOW, LEASE)
        outbox.set_aside(first.id, "550 " + HOSTILE, NOW)
        outbox.release([second.id])
        assert [_account_of(e) for e in outbox.claim(10, NOW, LEASE)] == ["a2"]
        (dead,) = outbox.dead_letters(10)
        assert (dead.id, dead.event_name, dead.error) == (
            first.id,
            "ActivationLinkIssued",
            "550 " + HOSTILE,
        )
        assert dead.attempts == 1
        assert outbox.backlog() == 1
        assert outbox.requeue([first.id, "nobody"], NOW) == 1
        assert outbox.dead_letters(10) == []
        (back,) = outbox.claim(10, NOW, LEASE)
        assert (back.id, back.attempts) == (first.id, 0)

    def test_sent_entries_are_purged_after_their_retention(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account("a1", "a@exemple.fr"), account("a2", "b@exemple.fr"))
        first, second = outbox.claim(10, NOW, LEASE)
        outbox.mark_sent([first.id], NOW)
        outbox.mark_sent([second.id], NOW + timedelta(days=1))
        assert outbox.purge_sent(NOW + timedelta(hours=1), 10) == 1
        assert outbox.purge_sent(NOW + timedelta(days=2), 10) == 1
        assert outbox.purge_sent(NOW + timedelta(days=2), 10) == 0
        assert outbox.backlog() == 0

    def test_a_refused_commit_stores_no_event(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account())
        with uow() as work:
            work.accounts.add(account("a2", "louise@exemple.fr"))
            with pytest.raises(LoginEmailTaken):
                work.commit()
        assert outbox.backlog() == 1

    def test_a_decision_s_event_states_the_fact_and_names_no_address(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        request = Attachment.request(
            attachment_id="r1", account_id="a2", structure_id="s1", now=NOW
        )
        self._stored(uow, request)
        with uow() as work:
            stored = work.attachments.get("r1")
            assert stored is not None
            stored.validate(by="a1", now=NOW)
            work.commit()
        (entry,) = outbox.claim(10, NOW, LEASE)
        event = entry.event
        assert isinstance(event, AttachmentDecided)
        assert (event.attachment_id, event.account_id, event.by, event.outcome) == (
            "r1",
            "a2",
            "a1",
            AttachmentState.VALIDATED,
        )

    def test_a_manager_action_is_an_event_too(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        with uow() as work:
            work.history.add(ManagerAction("s1", NOW, "a1", ManagerActionKind.ESPACE_OPENED))
            work.commit()
        (entry,) = outbox.claim(10, NOW, LEASE)
        assert isinstance(entry.event, StructureChanged)
        assert (entry.event.structure_id, entry.event.kind) == (
            "s1",
            ManagerActionKind.ESPACE_OPENED,
        )

    # --- races: several threads at the same instant -------------------------------------

    @_racing
    def test_racing_writers_on_one_account_one_wins_the_others_conflict(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account())

        def change(work: UnitOfWork, racer: int) -> None:
            mine = work.accounts.get("a1")
            assert mine is not None
            token = IssuedToken(link_id=f"race-{racer}", digest=f"race-{racer}")
            mine.issue_activation(token, NOW, timedelta(days=30))

        winner = _race_to_commit(uow, change, ConcurrencyConflict)
        with uow() as work:
            stored = work.accounts.get("a1")
            assert stored is not None
            assert stored.version == 2, "one write on top of the first, never more"
            assert stored.activation is not None
            assert stored.activation.digest == f"race-{winner}", "the winner's change is stored"
        links = [getattr(e.event, "link_id", None) for e in outbox.claim(100, NOW, LEASE)]
        assert links == ["t-a1", f"race-{winner}"], "a refused commit stores no event"

    @_racing
    def test_racing_writers_on_one_structure_one_wins_the_others_conflict(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, structure())

        def change(work: UnitOfWork, racer: int) -> None:
            shop = work.structures.get("s1")
            assert shop is not None
            shop.grant_manager(f"m{racer}")

        winner = _race_to_commit(uow, change, ConcurrencyConflict)
        with uow() as work:
            stored = work.structures.get("s1")
            assert stored is not None
            assert (stored.version, stored.managers) == (2, frozenset({f"m{winner}"}))
            managing = {racer for racer in range(RACERS) if work.structures.managed_by(f"m{racer}")}
            assert managing == {winner}, "the losers' managers are not looked up either"

    def _race_to_add(
        self,
        uow: Callable[[], UnitOfWork],
        make: Callable[[int], Account | Structure | Attachment | Subscription],
        refusal: type[Exception],
    ) -> int:
        """Racers add entities that share one unique key, all committing at once: the winner."""
        return _race_to_commit(uow, lambda work, racer: self._add(work, make(racer)), refusal)

    @_racing
    def test_racing_registrations_of_one_login_email_store_one_account(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        winner = self._race_to_add(
            uow,
            lambda r: account(f"a{r}", "louise@exemple.fr" if r % 2 else "LOUISE@exemple.FR"),
            LoginEmailTaken,
        )
        with uow() as work:
            found = work.accounts.get_by_login_email(EmailAddress.parse("louise@exemple.fr"))
            assert found is not None
            assert found.id == f"a{winner}"
            stored = [r for r in range(RACERS) if work.accounts.get(f"a{r}") is not None]
            assert stored == [winner], "a refused account is not stored"
        assert outbox.backlog() == 1, "only the winner's activation email waits"

    @_racing
    def test_racing_registrations_of_one_structure_identifier_store_one_structure(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        winner = self._race_to_add(
            uow, lambda r: structure(f"s{r}", manager=f"m{r}"), StructureAlreadyRegistered
        )
        with uow() as work:
            found = work.structures.get_by_identifier(
                StructureIdentifier(IdentifierType.SIRET, "52601815500014")
            )
            assert found is not None
            assert found.id == f"s{winner}"
            managing = {racer for racer in range(RACERS) if work.structures.managed_by(f"m{racer}")}
            assert managing == {winner}, "a refused structure leaves no manager behind"

    @_racing
    def test_new_structures_racing_a_change_of_siret_never_take_the_siret_it_leaves(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, structure())
        first, changed = threading.Event(), threading.Event()

        def race(racer: int, start: Callable[[], None]) -> None:
            with uow() as work:
                if racer == 0:
                    shop = work.structures.get("s1")
                    assert shop is not None
                    changed_siret(shop)
                else:
                    work.structures.add(structure(f"s{racer + 1}", manager=f"m{racer}"))
                start()
                # The new structures commit over the change's commit, whatever the
                # machine's load: the first surely before it, the last surely after
                # it, the others spread while it is written.
                if racer == 0:
                    first.wait(RACE_TIMEOUT)
                elif racer == RACERS - 1:
                    changed.wait(RACE_TIMEOUT)
                elif racer > 1:
                    time.sleep(STAGGER * (racer - 2))
                try:
                    work.commit()
                finally:
                    if racer == 0:
                        changed.set()
                    elif racer == 1:
                        first.set()

        outcomes = _race(race)
        assert outcomes[0] is None, f"the change of SIRET failed: {outcomes[0]!r}"
        for outcome in outcomes[1:]:
            # Before the change commits the SIRET is s1's; after, it is replaced.
            assert isinstance(outcome, StructureAlreadyRegistered), (
                f"a new structure took the SIRET a structure had or was leaving: {outcome!r}"
            )
        with uow() as work:
            assert work.structures.get_by_identifier(_siret("52601815500014")) is None
            before = work.structures.get_by_former_identifier(_siret("52601815500014"))
            assert before is not None
            assert before.id == "s1"
            assert all(work.structures.get(f"s{r + 1}") is None for r in range(1, RACERS))

    @_racing
    def test_a_new_structure_racing_a_change_to_its_siret_one_wins(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        self._stored(uow, structure())

        def prepare(work: UnitOfWork, racer: int) -> None:
            if racer:
                work.structures.add(structure("n1", siret=NEW_SIRET, manager="m1"))
            else:
                shop = work.structures.get("s1")
                assert shop is not None
                changed_siret(shop)

        winner = _race_to_commit(uow, prepare, StructureAlreadyRegistered, racers=2)
        with uow() as work:
            owner = work.structures.get_by_identifier(_siret(NEW_SIRET))
            old = work.structures.get_by_identifier(_siret("52601815500014"))
            before = work.structures.get_by_former_identifier(_siret("52601815500014"))
            assert owner is not None
            if winner == 0:
                assert owner.id == "s1"
                assert old is None
                assert before is owner
                assert work.structures.get("n1") is None
            else:
                assert owner.id == "n1"
                assert old is not None
                assert old.id == "s1"
                assert before is None
                assert old.former_identifiers == ()

    @_racing
    def test_racing_requests_to_join_one_structure_keep_one_live_attachment(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        def request(racer: int) -> Attachment:
            return Attachment.request(
                attachment_id=f"r{racer}", account_id="a2", structure_id="s1", now=NOW
            )

        winner = self._race_to_add(uow, request, AlreadyAttached)
        with uow() as work:
            assert [a.id for a in work.attachments.for_member("a2", "s1")] == [f"r{winner}"]

    @_racing
    def test_racing_subscriptions_to_one_espace_keep_one_live_subscription(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        winner = self._race_to_add(uow, lambda r: subscription(f"x{r}"), SubscriptionExists)
        with uow() as work:
            live = work.subscriptions.for_member("a2", "s1")
        assert [s.id for s in live] == [f"x{winner}"], "one live subscription, the winner's"

    @_racing
    def test_racing_units_of_work_never_get_the_same_assigned_number(
        self, uow: Callable[[], UnitOfWork]
    ) -> None:
        numbers: dict[int, int] = {}

        def take(racer: int, start: Callable[[], None]) -> None:
            with uow() as work:
                start()
                numbers[racer] = work.structures.next_assigned_number()
                work.commit()

        _all_finished(_race(take))
        taken = sorted(numbers.values())
        assert len(set(taken)) == RACERS, f"numbers handed out twice: {taken}"

    @_racing
    def test_competing_relays_deliver_every_entry_exactly_once(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        people = [account(f"a{n:02}", f"person{n:02}@exemple.fr") for n in range(RELAYED)]
        self._stored(uow, *people)
        mailer = RecordingMailer()
        clock = FrozenClock(NOW)

        def drain(racer: int, start: Callable[[], None]) -> None:
            relay = _relay(uow, outbox, mailer, clock)
            start()
            _drain(relay)

        _all_finished(_race(drain, RELAYS))
        _delivered_once(mailer, {f"person{n:02}@exemple.fr" for n in range(RELAYED)})
        assert outbox.backlog() == 0

    @_racing
    def test_relays_draining_while_use_cases_commit_lose_no_entry(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        # Entries committed while relays claim (on a database, in another
        # order than their sequence numbers) must all be found: a store that
        # hands entries out by a cursor would skip the late ones.
        writers, each = 3, RELAYED // 3
        mailer = RecordingMailer()
        clock = FrozenClock(NOW)
        writing = [writers]
        counting = threading.Lock()
        done = threading.Event()

        def take_part(racer: int, start: Callable[[], None]) -> None:
            if racer < writers:
                start()
                try:
                    for n in range(each):
                        self._stored(uow, account(f"a{racer}-{n}", f"p{racer}-{n}@exemple.fr"))
                finally:
                    with counting:
                        writing[0] -= 1
                        if not writing[0]:
                            done.set()
                return
            relay = _relay(uow, outbox, mailer, clock)
            start()
            _drain(relay, done)

        _all_finished(_race(take_part, writers + RELAYS))
        expected = {f"p{w}-{n}@exemple.fr" for w in range(writers) for n in range(each)}
        _delivered_once(mailer, expected)
        assert outbox.backlog() == 0

    @_racing
    def test_a_relay_that_dies_after_its_claim_leaves_its_entries_to_the_next_after_the_lease(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        self._stored(uow, account("a1", "a@exemple.fr"), account("a2", "b@exemple.fr"))
        # A relay claims, then its process dies: it never sends nor marks.
        assert len(outbox.claim(10, NOW, LEASE)) == 2
        mailer = RecordingMailer()
        clock = FrozenClock(NOW + LEASE - timedelta(seconds=1))
        early = _relay(uow, outbox, mailer, clock).run_once()
        assert (early.claimed, mailer.sent) == (0, []), "the claim holds for its whole lease"
        clock.set(NOW + LEASE + timedelta(seconds=1))

        def take_over(racer: int, start: Callable[[], None]) -> None:
            relay = _relay(uow, outbox, mailer, clock)
            start()
            relay.run_once()

        _all_finished(_race(take_over, RELAYS))
        _delivered_once(mailer, {"a@exemple.fr", "b@exemple.fr"})
        assert outbox.backlog() == 0

    def test_an_entry_sent_but_not_marked_goes_again_with_the_same_dedupe_key(
        self, uow: Callable[[], UnitOfWork], outbox: Outbox
    ) -> None:
        # The library promises "at least once": an email the server took, whose
        # entry could not be marked sent, goes again after the lease, with the
        # same dedupe key, which lets the receiver drop the repeat.
        self._stored(uow, account())
        mailer = RecordingMailer()
        clock = FrozenClock(NOW)
        unmarked = _relay(uow, _UnmarkableOutbox(outbox), mailer, clock)
        assert unmarked.run_once().sent == 1
        relay = _relay(uow, outbox, mailer, clock)
        clock.advance(LEASE - timedelta(seconds=1))
        assert relay.run_once().claimed == 0, "the claim holds for its lease"
        clock.advance(seconds=2)
        assert relay.run_once().sent == 1
        clock.advance(LEASE * 2)
        assert relay.run_once().claimed == 0, "marked sent: never again"
        first, again = mailer.sent
        assert (again.to, again.dedupe_key) == (first.to, first.dedupe_key)
        assert outbox.backlog() == 0


def _account_of(entry: OutboxEntry) -> str:
    assert isinstance(entry.event, AccountEvent)
    return entry.event.account_id


def _state(entity: object) -> dict[str, object]:
    from ..adapters.snapshots import snapshot

    names = [name for name in type(entity).__attrs_attrs__ if name.init]  # type: ignore[attr-defined]
    return {
        a.name: value
        for a, value in zip(names, snapshot(entity), strict=True)
        if a.name != "version"
    }
