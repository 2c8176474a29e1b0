"""The contract's race tests catch stores that are wrong only when two things happen at once.

Two deliberately naive in-memory stores, built on the real one:

- ``CarelessStore`` ignores versions, unique keys and claims: every race
  test fails on it (and many one-at-a-time tests too).
- ``UnlockedStore`` keeps every rule, but checks and writes in two steps
  with the store let go in between, as a store does that reads, then
  writes, outside one transaction (or a ``SELECT`` then an ``UPDATE`` that
  does not say ``WHERE`` it is still free). One test at a time it passes the
  whole contract; only the race tests see it.

Their classes are not named ``Test...``: pytest does not collect them as
contract suites; the tests below run the contract's methods on them and
check that each fails, and for the right reason.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from chorus_onboarding.adapters.memory import MemoryOutbox, MemoryStore, MemoryUnitOfWork
from chorus_onboarding.domain.structures import Structure
from chorus_onboarding.ports import Outbox, OutboxEntry, UnitOfWork
from chorus_onboarding.testing.contract import RACE_TESTS, RepositoryContract

ROUND_TRIP = 0.01
"""Seconds between a naive store's check and its write, as a database round trip takes."""


class _NaiveContract(RepositoryContract):
    """A contract on a naive store; ``run`` calls one of its tests as pytest would."""

    def run(self, name: str) -> None:
        check = getattr(self, name)
        units, outbox = self.store()
        given = {"uow": units, "outbox": outbox}
        try:
            check(**{p: given[p] for p in inspect.signature(check).parameters})
        finally:
            self.cleanup()


# --- a store that ignores versions, unique keys and claims -----------------------------------


class _CarelessOutbox(MemoryOutbox):
    """Hands out every due entry, claimed or not."""

    def claim(self, limit: int, now: datetime, lease: timedelta) -> list[OutboxEntry]:
        with self.store.lock:
            for queued in self.store.outbox.values():
                queued.claimed_until = None
        return super().claim(limit, now, lease)


class CarelessStore(_NaiveContract):
    """The memory store with its checks taken out."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        store = MemoryStore()
        for table in (store.accounts, store.structures, store.attachments, store.subscriptions):
            table.check = lambda *_: None  # type: ignore[method-assign]
        return (lambda: MemoryUnitOfWork(store)), _CarelessOutbox(store)


# --- a store whose checks are right but not atomic --------------------------------------------


def _let_go_then_write(store: MemoryStore, check: Callable[..., None]) -> Callable[..., None]:
    """``check``, then the store let go for a round trip before the commit writes."""

    def checked(*arguments: Any) -> None:
        check(*arguments)
        store.lock.release()  # held once, by the commit that called the check
        try:
            time.sleep(ROUND_TRIP)
        finally:
            store.lock.acquire()

    return checked


class _EarlyCheckingUnitOfWork(MemoryUnitOfWork):
    """Looks a new structure's SIRET up among the replaced ones when it is added, not at commit.

    As a store does that reads, then inserts: a change of SIRET committing
    in between frees the SIRET, and the unique key no longer stops it.
    """

    def __init__(self, store: MemoryStore, check: Callable[[Structure], None]) -> None:
        super().__init__(store)
        add = self.structures.add

        def adding(structure: Structure) -> None:
            check(structure)
            add(structure)

        self.structures.add = adding  # type: ignore[method-assign,assignment]


class _UnlockedMemoryStore(MemoryStore):
    """Reads the counter, then writes it back one more, in two steps."""

    def next_assigned_number(self) -> int:
        with self.lock:
            number = self._assigned_numbers + 1
        time.sleep(ROUND_TRIP)
        with self.lock:
            self._assigned_numbers = number
        return number


class _UnlockedOutbox(MemoryOutbox):
    """Reads the free entries, then claims them without checking that they still are."""

    def claim(self, limit: int, now: datetime, lease: timedelta) -> list[OutboxEntry]:
        with self.store.lock:
            free = [
                queued
                for queued in self.store.outbox.values()
                if (queued.due is None or queued.due <= now)
                and (queued.claimed_until is None or queued.claimed_until <= now)
            ][:limit]
        time.sleep(ROUND_TRIP)
        with self.store.lock:
            for queued in free:
                queued.claimed_until = now + lease
        return [queued.entry for queued in free]


class UnlockedStore(_NaiveContract):
    """The memory store checking and writing in two steps."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        store = _UnlockedMemoryStore()
        for table in (store.accounts, store.structures, store.attachments, store.subscriptions):
            table.check = _let_go_then_write(store, table.check)  # type: ignore[method-assign]
        check = store.check_identifiers

        def at_commit(structure: Structure) -> None:
            if structure.id in store.structures.rows:  # new ones were checked when added
                check(structure)

        store.check_identifiers = at_commit  # type: ignore[method-assign]
        return (lambda: _EarlyCheckingUnitOfWork(store, check)), _UnlockedOutbox(store)


# --- what the contract says of them ----------------------------------------------------------

WON = "racing commits won: exactly one must"
TWICE = "delivered more than once"
HELD = "the claim holds"

RACES: dict[str, str] = {
    "test_racing_writers_on_one_account_one_wins_the_others_conflict": WON,
    "test_racing_writers_on_one_structure_one_wins_the_others_conflict": WON,
    "test_racing_registrations_of_one_login_email_store_one_account": WON,
    "test_racing_registrations_of_one_structure_identifier_store_one_structure": WON,
    "test_racing_requests_to_join_one_structure_keep_one_live_attachment": WON,
    "test_racing_subscriptions_to_one_espace_keep_one_live_subscription": WON,
    "test_new_structures_racing_a_change_of_siret_never_take_the_siret_it_leaves": (
        "a new structure took the SIRET"
    ),
    "test_a_new_structure_racing_a_change_to_its_siret_one_wins": WON,
    "test_racing_units_of_work_never_get_the_same_assigned_number": "handed out twice",
    "test_competing_relays_deliver_every_entry_exactly_once": TWICE,
    "test_relays_draining_while_use_cases_commit_lose_no_entry": TWICE,
    "test_a_relay_that_dies_after_its_claim_leaves_its_entries_to_the_next_after_the_lease": TWICE,
}
"""Every race test of the contract, and what its failure says."""

CARELESS: dict[str, str] = {
    **{name: reason for name, reason in RACES.items() if reason != "handed out twice"},
    # The claim it ignores is handed out again before the lease ends.
    "test_a_relay_that_dies_after_its_claim_leaves_its_entries_to_the_next_after_the_lease": HELD,
    "test_an_entry_sent_but_not_marked_goes_again_with_the_same_dedupe_key": HELD,
}
"""The tests the careless store fails for a missing check (its counter is right)."""


def _contract_tests() -> list[str]:
    return sorted(name for name in dir(RepositoryContract) if name.startswith("test_"))


def test_every_race_test_of_the_contract_is_checked_here() -> None:
    assert set(RACES) == RACE_TESTS, "a race test the naive stores are not run against"


def test_a_store_that_takes_no_threads_has_its_races_skipped_saying_why() -> None:
    class SingleThreaded(UnlockedStore):
        threadsafe = False

    name = "test_racing_writers_on_one_account_one_wins_the_others_conflict"
    with pytest.raises(pytest.skip.Exception, match="threadsafe is False"):
        SingleThreaded().run(name)
    SingleThreaded().run("test_the_structure_identifier_is_unique")  # the others run


ATTEMPTS = 3
"""A race is a matter of timing: a naive store may slip through one run, never three."""


def _caught(contract: type[_NaiveContract], name: str, reason: str) -> None:
    """The contract test ``name`` fails on the store, saying ``reason``, in one of a few runs."""
    for _ in range(ATTEMPTS):
        try:
            contract().run(name)
        except AssertionError as failure:
            assert reason in str(failure), f"failed for another reason: {failure}"
            return
    raise AssertionError(f"{name} passed {ATTEMPTS} times on {contract.__name__}")


@pytest.mark.parametrize("name", sorted(RACES))
def test_the_race_tests_catch_a_store_that_checks_then_writes_in_two_steps(name: str) -> None:
    _caught(UnlockedStore, name, RACES[name])


@pytest.mark.parametrize("name", sorted(CARELESS))
def test_the_race_tests_catch_a_store_that_checks_nothing(name: str) -> None:
    _caught(CarelessStore, name, CARELESS[name])


@pytest.mark.parametrize("name", [n for n in _contract_tests() if n not in RACES])
def test_one_test_at_a_time_the_two_step_store_looks_right(name: str) -> None:
    # Without the races, the contract would pass this store: they are what catches it.
    UnlockedStore().run(name)
