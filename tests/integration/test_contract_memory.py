"""The repository contract on the in-memory store."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from chorus_onboarding.adapters.memory import MemoryOutbox, MemoryStore, MemoryUnitOfWork
from chorus_onboarding.errors import InvalidInput
from chorus_onboarding.ports import Outbox, OutgoingEmail, UnitOfWork
from chorus_onboarding.testing.contract import RecordingMailer, RepositoryContract


class TestMemoryStore(RepositoryContract):
    """Every contract test, on a fresh MemoryStore."""

    def store(self) -> tuple[Callable[[], UnitOfWork], Outbox]:
        store = MemoryStore()
        return (lambda: MemoryUnitOfWork(store)), MemoryOutbox(store)


def test_the_contract_cleans_up_last_given_first_even_past_a_failure() -> None:
    contract = TestMemoryStore()
    folder = contract.folder()
    (folder / "store.db").write_text("rows")
    called: list[str] = []

    def failing() -> None:
        called.append("failing")
        raise OSError("disk gone")

    contract.add_cleanup(lambda: called.append("engine"))
    contract.add_cleanup(failing)
    with pytest.raises(OSError, match="disk gone"):
        contract.cleanup()
    assert called == ["failing", "engine"]
    assert not folder.exists(), "the folder goes even when a callback failed"
    contract.cleanup()  # nothing left to do
    assert called == ["failing", "engine"]


def test_the_recording_mailer_keeps_repeats_and_refuses_a_junk_latency() -> None:
    mailer = RecordingMailer(latency=0)
    email = OutgoingEmail(to=("a@exemple.fr",), subject="s", body="b", dedupe_key="k")
    with mailer.session() as session:
        session.send(email)
        session.send(email)
    assert mailer.sent == [email, email]
    for junk in (-1, -0.001, math.inf, math.nan, "0.1", True, None):
        with pytest.raises(InvalidInput) as refused:
            RecordingMailer(latency=junk)  # type: ignore[arg-type]
        assert refused.value.code == "invalid_input"
