"""Random sequences of account operations never leave the transition table.

A Hypothesis state machine drives the facade (register, activate with the
current or a stale link, let time pass, run the expiry batch, resend, log in,
deactivate, reactivate by link or by support) and checks after every step
that the account's state is the one an independent model predicts, and that
every change of state is a move the table allows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chorus_onboarding import AccountState, Actor, OnboardingError
from chorus_onboarding.domain.accounts import ACCOUNT_LIFECYCLE
from chorus_onboarding.testing.world import LOUISE, PASSWORD, World, build_world

S = AccountState
ALLOWED = {(source, row.dest) for row in ACCOUNT_LIFECYCLE.table for source in row.sources}
VALIDITY = timedelta(days=30)


class AccountOperations(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: World = build_world()
        self.account_id: str | None = None
        # The model: what the rules of DOMAIN.md say the state should be.
        self.expected: AccountState | None = None
        self.deadline: datetime | None = None
        self.links: list[dict[str, str]] = []
        self.observed: AccountState | None = None

    def _now(self) -> datetime:
        return self.world.clock.now()

    def _attempt(self, action: object) -> bool:
        try:
            action()  # type: ignore[operator]
        except OnboardingError:
            return False
        return True

    def _new_link(self) -> None:
        self.links.append(self.world.link(LOUISE))
        self.deadline = self._now() + VALIDITY

    @precondition(lambda self: self.account_id is None)
    @rule()
    def register(self) -> None:
        self.account_id = self.world.register()
        self.expected = S.ACTIVATION_PENDING
        self._new_link()

    @precondition(lambda self: self.links)
    @rule(stale=st.booleans())
    def follow_activation_link(self, stale: bool) -> None:
        link = self.links[0] if stale else self.links[-1]
        current = link is self.links[-1]
        succeeded = self._attempt(lambda: self.world.activate_with(link))
        live = (
            self.expected is S.ACTIVATION_PENDING
            and self.deadline is not None
            and self._now() <= self.deadline
        )
        assert succeeded == (current and live)
        if succeeded:
            self.expected = S.ACTIVE
        elif current and self.expected is S.ACTIVATION_PENDING:
            self.expected = S.EXPIRED

    @rule(days=st.integers(0, 40), seconds=st.sampled_from([0, 1, 3599]))
    def time_passes(self, days: int, seconds: int) -> None:
        self.world.clock.advance(days=days, seconds=seconds)

    @rule()
    def expiry_batch(self) -> None:
        expired = self.world.service.expire_overdue_activations()
        overdue = (
            self.expected is S.ACTIVATION_PENDING
            and self.deadline is not None
            and self._now() > self.deadline
        )
        assert expired == (1 if overdue else 0)
        if overdue:
            self.expected = S.EXPIRED

    @precondition(lambda self: self.account_id is not None)
    @rule()
    def support_resends_activation(self) -> None:
        assert self.account_id is not None
        account_id = self.account_id
        succeeded = self._attempt(
            lambda: self.world.service.resend_activation(Actor.support(), account_id)
        )
        assert succeeded == (self.expected in (S.ACTIVATION_PENDING, S.EXPIRED))
        if succeeded:
            self.expected = S.ACTIVATION_PENDING
            self._new_link()

    @precondition(lambda self: self.account_id is not None)
    @rule(right=st.booleans())
    def log_in(self, right: bool) -> None:
        password = PASSWORD if right else "Mauvais-Mot-2024"
        succeeded = self._attempt(lambda: self.world.service.login(LOUISE, password))
        if succeeded:
            assert right
            assert self.expected is S.ACTIVE
        elif right and self.expected is S.ACTIVE:
            # Only a block after five failures may refuse the right password.
            assert self.world.memory.accounts.rows[str(self.account_id)].login_blocked(self._now())

    @precondition(lambda self: self.account_id is not None)
    @rule()
    def owner_deactivates(self) -> None:
        actor = Actor.user(str(self.account_id))
        succeeded = self._attempt(lambda: self.world.service.deactivate_account(actor))
        assert succeeded == (self.expected is S.ACTIVE)
        if succeeded:
            self.expected = S.DEACTIVATED

    @precondition(lambda self: self.account_id is not None)
    @rule()
    def owner_comes_back_by_link(self) -> None:
        self.world.service.request_reactivation(LOUISE)
        if self.expected is not S.DEACTIVATED:
            return
        link = self.world.link(LOUISE, "reactivationCompte")
        self.world.service.reactivate_with_link(login_email=link["email"], token=link["token"])
        self.expected = S.ACTIVE

    @precondition(lambda self: self.account_id is not None)
    @rule()
    def support_reactivates(self) -> None:
        account_id = str(self.account_id)
        succeeded = self._attempt(
            lambda: self.world.service.reactivate_account(Actor.support(), account_id)
        )
        assert succeeded == (self.expected is S.DEACTIVATED)
        if succeeded:
            self.expected = S.ACTIVE

    @invariant()
    def state_is_the_model_s_and_every_move_is_in_the_table(self) -> None:
        if self.account_id is None:
            return
        state = self.world.service.account(Actor.support(), self.account_id).state
        assert state is self.expected
        if self.observed is not None and state is not self.observed:
            assert (self.observed, state) in ALLOWED
        self.observed = state


AccountOperations.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
test_account_operations = AccountOperations.TestCase
