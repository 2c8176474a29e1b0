"""What is particular to the in-memory store (the repository contract covers the rest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chorus_onboarding.adapters.memory import MemoryStore, MemoryUnitOfWork
from chorus_onboarding.domain.accounts import Account
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.tokens import IssuedToken

NOW = datetime(2018, 1, 4, tzinfo=UTC)


def _account(account_id: str, email: str) -> Account:
    return Account.register(
        account_id=account_id,
        login_email=EmailAddress.parse(email),
        last_name="N",
        first_name="P",
        contact_email=None,
        survey_consent=False,
        now=NOW,
    )


def _stored(store: MemoryStore, account_id: str = "a1", email: str = "a@b.fr") -> None:
    with MemoryUnitOfWork(store) as uow:
        account = _account(account_id, email)
        account.issue_activation(
            IssuedToken(link_id="t", digest=f"d-{account_id}"), NOW, timedelta(days=30)
        )
        uow.accounts.add(account)
        uow.commit()


def test_a_loaded_entity_is_a_copy_until_commit() -> None:
    store = MemoryStore()
    _stored(store)
    with MemoryUnitOfWork(store) as uow:
        account = uow.accounts.get("a1")
        assert account is not None
        account.expire(NOW)
    assert store.accounts.rows["a1"].state.name == "ACTIVATION_PENDING"


def test_commit_writes_the_change_and_its_events_together() -> None:
    store = MemoryStore()
    _stored(store)
    assert store.accounts.rows["a1"].version == 1
    assert [q.entry.event.name for q in store.outbox.values()] == ["ActivationLinkIssued"]


def test_overdue_activations_are_read_from_the_head_of_the_deadline_index() -> None:
    store = MemoryStore()
    _stored(store, "a1", "a@b.fr")
    _stored(store, "a2", "c@d.fr")
    with MemoryUnitOfWork(store) as uow:
        assert uow.accounts.overdue_activations(NOW + timedelta(days=30), 10) == []
        assert uow.accounts.overdue_activations(NOW + timedelta(days=30, seconds=1), 10) == [
            "a1",
            "a2",
        ]
        assert uow.accounts.overdue_activations(NOW + timedelta(days=31), 1) == ["a1"]
        account = uow.accounts.get("a1")
        assert account is not None
        account.expire(NOW)
        uow.commit()
    assert [account_id for _, account_id in store.deadlines] == ["a2"]
