"""The repository contract: what every store (memory, SQLite, PostgreSQL, yours) must do.

Subclass :class:`RepositoryContract` in a test module, name the subclass
``Test...`` and give it a fresh store in :meth:`~RepositoryContract.store`:
its units of work and the relay's side of its outbox::

    class TestMyStore(RepositoryContract):
        def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
            store = MyStore.empty()
            return (lambda: MyUnitOfWork(store)), MyOutbox(store)

pytest then runs every ``test_`` method below against it. Needs pytest.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from ..domain.accounts import Account, AccountState
from ..domain.attachments import Attachment
from ..domain.emails import EmailAddress
from ..domain.errors import (
    AlreadyAttached,
    ConcurrencyConflict,
    LoginEmailTaken,
    StructureAlreadyRegistered,
    SubscriptionExists,
)
from ..domain.espaces import Espace, Habilitation, OpenEspace
from ..domain.events import AccountEvent, AttachmentDecided, StructureChanged
from ..domain.history import ManagerAction, ManagerActionKind
from ..domain.identifiers import IdentifierType, StructureIdentifier
from ..domain.states import AttachmentState
from ..domain.structures import Address, Purpose, Structure
from ..domain.subscriptions import Subscription
from ..domain.tokens import IssuedToken
from ..ports import Outbox, OutboxEntry, UnitOfWork

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


class RepositoryContract(abc.ABC):
    """Every test a store must pass; subclass it with ``Test`` in the name."""

    @abc.abstractmethod
    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        """Units of work on a fresh, empty store and its outbox (called once per test)."""

    @pytest.fixture
    def fresh_store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        """The store under test, fresh for each test."""
        return self.store()

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
                if isinstance(entity, Account):
                    work.accounts.add(entity)
                elif isinstance(entity, Structure):
                    work.structures.add(entity)
                elif isinstance(entity, Attachment):
                    work.attachments.add(entity)
                else:
                    work.subscriptions.add(entity)
            work.commit()

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
