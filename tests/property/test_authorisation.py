"""Random operations by random actors never grant what the rules do not.

A Hypothesis state machine drives the facade with every membership operation
(attachments, subscriptions, managers, espaces, deactivation) performed by
random actors: members, managers of other structures, deactivated accounts,
strangers and support. An independent model of DOMAIN.md's rules predicts,
for each call, whether it must succeed; after every step ``can_access`` must
agree with the model for every user, structure, espace and mode. So no
attachment or subscription becomes valid without a manager of that structure
(the principal manager, for subscriptions) acting, and nothing is granted to
an account that is not active.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from chorus_onboarding import (
    Actor,
    Espace,
    ExistingStructureRegistration,
    Habilitation,
    NewStructureRegistration,
    OnboardingError,
)
from tests.world import World, build_world

EMAILS = [f"user{number}@exemple.fr" for number in range(5)]
ESPACES = [Espace.FACTURES_EMISES, Espace.SOLLICITATIONS_EMISES, Espace.FACTURES_TRAVAUX]
MODES = [Habilitation.CONSULTATION_UNIQUEMENT, Habilitation.MODIFICATION]
STRANGER = "no-such-account"


@attrs.define
class Sub:
    user: str
    structure: str
    espace: Espace
    habilitation: Habilitation
    state: str = "PENDING"


@attrs.define
class Model:
    """The rules, written plainly and separately from the library."""

    active: dict[str, bool] = attrs.field(factory=dict)
    principal: dict[str, str] = attrs.field(factory=dict)
    delegated: dict[str, set[str]] = attrs.field(factory=dict)
    opened: dict[str, set[Espace]] = attrs.field(factory=dict)
    # (user, structure) -> "PENDING" | "INVITED" | "VALID" (absent: none live)
    membership: dict[tuple[str, str], str] = attrs.field(factory=dict)
    requests: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    invitations: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    subs: dict[str, Sub] = attrs.field(factory=dict)

    def is_active(self, user: str) -> bool:
        return self.active.get(user, False)

    def member(self, user: str, structure: str) -> bool:
        return self.membership.get((user, structure)) == "VALID"

    def manages(self, user: str, structure: str) -> bool:
        return self.is_active(user) and (
            self.principal[structure] == user or user in self.delegated[structure]
        )

    def holds_rights(self, user: str, structure: str) -> bool:
        return any(
            s.user == user and s.structure == structure and s.state == "VALID"
            for s in self.subs.values()
        )

    def end_membership(self, user: str, structure: str) -> None:
        del self.membership[(user, structure)]
        self.delegated[structure].discard(user)
        for sub in self.subs.values():
            if (
                sub.user == user
                and sub.structure == structure
                and sub.state in ("PENDING", "VALID")
            ):
                sub.state = "CANCELLED"

    def leads(self, user: str, structure: str) -> bool:
        return self.is_active(user) and self.principal[structure] == user

    def access(self, user: str, structure: str, espace: Espace, mode: Habilitation) -> bool:
        if (
            not self.is_active(user)
            or espace not in self.opened[structure]
            or not self.member(user, structure)
        ):
            return False
        if self.principal[structure] == user:
            return True
        return any(
            s.user == user
            and s.structure == structure
            and s.espace is espace
            and s.state == "VALID"
            and (
                s.habilitation is Habilitation.MODIFICATION
                or mode is Habilitation.CONSULTATION_UNIQUEMENT
            )
            for s in self.subs.values()
        )


actors = st.integers(0, len(EMAILS) + 1)  # the users, then a stranger, then support
picks = st.integers(0, 10_000)


class Authorisation(RuleBasedStateMachine):
    world: World
    users: list[str]
    structures: list[str]
    model: Model

    @initialize()
    def three_structures_and_five_users(self) -> None:
        self.world = build_world()
        service = self.world.service
        self.users, self.structures = [], []
        for number, email in enumerate(EMAILS):
            person: dict[str, Any] = {
                "login_email": email,
                "login_email_confirmation": email,
                "last_name": f"USER{number}",
                "first_name": "Test",
                "captcha": "XWWXS",
            }
            if number < 2:
                siret = ["52601815500014", "90830166600016"][number]
                done = service.register_with_new_structure(
                    NewStructureRegistration(**person, siret=siret)
                )
            elif number == 2:
                done = service.register_with_new_structure(
                    NewStructureRegistration(
                        **person,
                        identifier_type="HORS_UE",
                        identifier="CH-1",
                        company_name="Helvetia",
                        street="1 Rue",
                        postal_code="1200",
                        city="Genève",
                        country="CH",
                    )
                )
            else:
                done = service.register_for_existing_structure(
                    ExistingStructureRegistration(
                        **person, identifier_type="HORS_UE", identifier="CH-1"
                    )
                )
            self.world.activate(email)
            self.users.append(done.account_id)
            if done.structure_id is not None and number < 3:
                self.structures.append(done.structure_id)
        defaults = {Espace.FACTURES_EMISES, Espace.SOLLICITATIONS_EMISES}
        self.model = Model(
            active=dict.fromkeys(self.users, True),
            principal={s: self.users[i] for i, s in enumerate(self.structures)},
            delegated={s: set() for s in self.structures},
            opened={s: set(defaults) for s in self.structures},
            membership={(self.users[i], s): "VALID" for i, s in enumerate(self.structures)},
        )
        # A start where every kind of decision is one step away: on the first
        # structure, user3 is a delegated manager, user4 a member with a
        # pending subscription and user1 a pending request.
        first, (owner, _, _, delegate, member) = self.structures[0], self.users
        lead = Actor.user(owner)
        for user in (delegate, member):
            service.invite_user(lead, first, self._email(user))
            service.accept_invitation(Actor.user(user), self._invitation(user, first))
            self.model.membership[(user, first)] = "VALID"
        service.grant_manager(lead, first, delegate)
        self.model.delegated[first].add(delegate)
        sub = service.request_subscription(Actor.user(member), first, Espace.FACTURES_EMISES)
        self.model.subs[sub] = Sub(
            member, first, Espace.FACTURES_EMISES, Habilitation.CONSULTATION_UNIQUEMENT
        )
        request = service.request_attachment(Actor.user(self.users[1]), first)
        self.model.membership[(self.users[1], first)] = "PENDING"
        self.model.requests[request] = (self.users[1], first)

    # --- helpers -------------------------------------------------------------------

    def _actor(self, index: int) -> tuple[Actor, str]:
        if index < len(self.users):
            return Actor.user(self.users[index]), self.users[index]
        if index == len(self.users):
            return Actor.user(STRANGER), STRANGER
        return Actor.support(), "support"

    def _structure(self, pick: int) -> str:
        return self.structures[pick % len(self.structures)]

    def _user(self, pick: int) -> str:
        return self.users[pick % len(self.users)]

    def _email(self, user: str) -> str:
        return EMAILS[self.users.index(user)]

    @staticmethod
    def _succeeds(call: Callable[[], object]) -> tuple[bool, object]:
        try:
            return True, call()
        except OnboardingError:
            return False, None

    # --- attachments -------------------------------------------------------------------

    @rule(who=actors, where=picks)
    def ask_to_join(self, who: int, where: int) -> None:
        actor, me = self._actor(who)
        structure = self._structure(where)
        done, request = self._succeeds(
            lambda: self.world.service.request_attachment(actor, structure)
        )
        assert done == (self.model.is_active(me) and (me, structure) not in self.model.membership)
        if done:
            assert isinstance(request, str)
            self.model.membership[(me, structure)] = "PENDING"
            self.model.requests[request] = (me, structure)

    @rule(who=actors, which=picks, accept=st.booleans())
    def decide_a_request(self, who: int, which: int, accept: bool) -> None:
        if not self.model.requests:
            return
        request = sorted(self.model.requests)[which % len(self.model.requests)]
        user, structure = self.model.requests[request]
        actor, me = self._actor(who)
        decide = (
            self.world.service.validate_attachment
            if accept
            else self.world.service.refuse_attachment
        )
        done, _ = self._succeeds(lambda: decide(actor, request))
        pending = self.model.membership.get((user, structure)) == "PENDING"
        assert done == (self.model.manages(me, structure) and pending)
        if done:
            del self.model.requests[request]
            if accept:
                self.model.membership[(user, structure)] = "VALID"
            else:
                del self.model.membership[(user, structure)]

    def _invitation(self, user: str, structure: str) -> str:
        (offer,) = [
            a.id
            for a in self.world.service.my_attachments(Actor.user(user))
            if a.structure_id == structure and a.state.name == "INVITED"
        ]
        return offer

    @rule(who=actors, where=picks, whom=picks)
    def invite(self, who: int, where: int, whom: int) -> None:
        actor, me = self._actor(who)
        structure, user = self._structure(where), self._user(whom)
        done, _ = self._succeeds(
            lambda: self.world.service.invite_user(actor, structure, self._email(user))
        )
        # The same answer whoever is invited: only the inviter's right matters.
        assert done == self.model.manages(me, structure)
        if not done or not self.model.is_active(user):
            return
        before = self.model.membership.get((user, structure))
        if before == "PENDING":  # they asked: the invitation is their consent
            self.model.membership[(user, structure)] = "VALID"
            self.model.requests = {
                r: m for r, m in self.model.requests.items() if m != (user, structure)
            }
        elif before is None:
            self.model.membership[(user, structure)] = "INVITED"
            self.model.invitations[self._invitation(user, structure)] = (user, structure)

    @rule(who=actors, which=picks, accept=st.booleans())
    def answer_an_invitation(self, who: int, which: int, accept: bool) -> None:
        if not self.model.invitations:
            return
        invitation = sorted(self.model.invitations)[which % len(self.model.invitations)]
        user, structure = self.model.invitations[invitation]
        actor, me = self._actor(who)
        answer = (
            self.world.service.accept_invitation
            if accept
            else self.world.service.decline_invitation
        )
        done, _ = self._succeeds(lambda: answer(actor, invitation))
        assert done == (me == user and self.model.is_active(me))
        if done:
            del self.model.invitations[invitation]
            if accept:
                self.model.membership[(user, structure)] = "VALID"
            else:
                del self.model.membership[(user, structure)]

    @rule(who=actors, where=picks, whom=picks)
    def detach(self, who: int, where: int, whom: int) -> None:
        actor, me = self._actor(who)
        structure, user = self._structure(where), self._user(whom)
        done, _ = self._succeeds(lambda: self.world.service.detach_user(actor, structure, user))
        expected = (
            self.model.manages(me, structure)
            and self.model.principal[structure] != user
            and self.model.member(user, structure)
            and (
                self.model.leads(me, structure)
                or user == me  # as good as leaving
                # A delegated manager detaches plain members only.
                or (
                    user not in self.model.delegated[structure]
                    and not self.model.holds_rights(user, structure)
                )
            )
        )
        assert done == expected
        if done:
            self.model.end_membership(user, structure)

    @rule(who=actors, where=picks)
    def leave(self, who: int, where: int) -> None:
        actor, me = self._actor(who)
        structure = self._structure(where)
        done, _ = self._succeeds(lambda: self.world.service.leave_structure(actor, structure))
        expected = (
            self.model.is_active(me)
            and self.model.member(me, structure)
            and self.model.principal[structure] != me
        )
        assert done == expected
        if done:
            self.model.end_membership(me, structure)

    # --- subscriptions -------------------------------------------------------------------

    @rule(who=actors, where=picks, espace=st.sampled_from(ESPACES), mode=st.sampled_from(MODES))
    def ask_for_a_subscription(
        self, who: int, where: int, espace: Espace, mode: Habilitation
    ) -> None:
        actor, me = self._actor(who)
        structure = self._structure(where)
        done, sub = self._succeeds(
            lambda: self.world.service.request_subscription(
                actor, structure, espace, habilitation=mode
            )
        )
        live = any(
            s.user == me
            and s.structure == structure
            and s.espace is espace
            and s.state in ("PENDING", "VALID")
            for s in self.model.subs.values()
        )
        expected = (
            self.model.is_active(me)
            and self.model.member(me, structure)
            and self.model.principal[structure] != me
            and espace in self.model.opened[structure]
            and not live
        )
        assert done == expected
        if done:
            assert isinstance(sub, str)
            self.model.subs[sub] = Sub(me, structure, espace, mode)

    @rule(
        who=actors,
        which=picks,
        decision=st.sampled_from(["validate", "refuse", "revoke", "cancel"]),
    )
    def decide_a_subscription(self, who: int, which: int, decision: str) -> None:
        if not self.model.subs:
            return
        key = sorted(self.model.subs)[which % len(self.model.subs)]
        sub = self.model.subs[key]
        actor, me = self._actor(who)
        call = getattr(self.world.service, f"{decision}_subscription")
        done, _ = self._succeeds(lambda: call(actor, key))
        leads = self.model.leads(me, sub.structure)
        expected = {
            "validate": leads
            and sub.state == "PENDING"
            and self.model.member(sub.user, sub.structure)
            and sub.espace in self.model.opened[sub.structure],
            "refuse": leads and sub.state == "PENDING",
            "revoke": leads and sub.state == "VALID",
            "cancel": self.model.is_active(me)
            and me == sub.user
            and sub.state in ("PENDING", "VALID"),
        }[decision]
        assert done == expected, decision
        if done:
            sub.state = {
                "validate": "VALID",
                "refuse": "REFUSED",
                "revoke": "REVOKED",
                "cancel": "CANCELLED",
            }[decision]

    # --- managers, espaces, accounts --------------------------------------------------------

    @rule(who=actors, where=picks, whom=picks, grant=st.booleans())
    def delegate(self, who: int, where: int, whom: int, grant: bool) -> None:
        actor, me = self._actor(who)
        structure, user = self._structure(where), self._user(whom)
        if grant:
            done, _ = self._succeeds(
                lambda: self.world.service.grant_manager(actor, structure, user)
            )
            expected = (
                self.model.leads(me, structure)
                and self.model.is_active(user)
                and self.model.member(user, structure)
                and self.model.principal[structure] != user
                and user not in self.model.delegated[structure]
            )
        else:
            done, _ = self._succeeds(
                lambda: self.world.service.revoke_manager(actor, structure, user)
            )
            expected = self.model.leads(me, structure) and user in self.model.delegated[structure]
        assert done == expected
        if done and grant:
            self.model.delegated[structure].add(user)
        elif done:
            self.model.delegated[structure].discard(user)

    @rule(who=actors, where=picks, whom=picks)
    def transfer(self, who: int, where: int, whom: int) -> None:
        actor, me = self._actor(who)
        structure, user = self._structure(where), self._user(whom)
        done, _ = self._succeeds(
            lambda: self.world.service.transfer_principal_manager(actor, structure, user)
        )
        expected = (
            self.model.leads(me, structure)
            and self.model.is_active(user)
            and self.model.member(user, structure)
        )
        assert done == expected
        if done:
            former = self.model.principal[structure]
            self.model.principal[structure] = user
            self.model.delegated[structure] = (self.model.delegated[structure] | {former}) - {user}
            # The former principal manager is given rights to what is open:
            # learn their ids from the service, check their content here.
            for given in self.world.service.my_subscriptions(actor):
                if given.id not in self.model.subs:
                    assert (given.structure_id, given.habilitation) == (
                        structure,
                        Habilitation.MODIFICATION,
                    )
                    assert given.espace in self.model.opened[structure]
                    self.model.subs[given.id] = Sub(
                        former, structure, given.espace, given.habilitation, "VALID"
                    )

    @rule(who=actors, where=picks, espace=st.sampled_from(ESPACES), open_=st.booleans())
    def open_or_close(self, who: int, where: int, espace: Espace, open_: bool) -> None:
        actor, me = self._actor(who)
        structure = self._structure(where)
        if open_:
            done, _ = self._succeeds(
                lambda: self.world.service.open_espace(actor, structure, espace)
            )
            expected = self.model.leads(me, structure)
        else:
            done, _ = self._succeeds(
                lambda: self.world.service.close_espace(actor, structure, espace)
            )
            expected = self.model.leads(me, structure) and espace in self.model.opened[structure]
        assert done == expected
        if done and open_:
            self.model.opened[structure].add(espace)
        elif done:
            self.model.opened[structure].discard(espace)

    @rule(who=actors)
    def deactivate_oneself(self, who: int) -> None:
        actor, me = self._actor(who)
        done, _ = self._succeeds(lambda: self.world.service.deactivate_account(actor))
        assert done == self.model.is_active(me)
        if done:
            self.model.active[me] = False

    @rule(whom=picks)
    def support_reactivates(self, whom: int) -> None:
        user = self._user(whom)
        done, _ = self._succeeds(
            lambda: self.world.service.reactivate_account(Actor.support(), user)
        )
        assert done == (not self.model.is_active(user))
        if done:
            self.model.active[user] = True

    # --- what must always hold -------------------------------------------------------------

    @invariant()
    def access_is_exactly_what_the_rules_give(self) -> None:
        for user in [*self.users, STRANGER]:
            for structure in self.structures:
                for espace in ESPACES:
                    for mode in MODES:
                        expected = self.model.access(user, structure, espace, mode)
                        assert (
                            self.world.service.can_access(user, structure, espace, mode) == expected
                        ), (
                            user,
                            structure,
                            espace,
                            mode,
                        )


# CI runs a thousand programs; a developer's run, a hundred.
PROGRAMS = 1000 if os.environ.get("CI") == "true" else 100
Authorisation.TestCase.settings = settings(
    max_examples=PROGRAMS, stateful_step_count=30, deadline=None
)
test_authorisation = Authorisation.TestCase
