"""Random operations by random actors never grant what the rules do not.

The library's own stateful base, :class:`~chorus_onboarding.testing.stateful.OnboardingMachine`,
drives the facade with every membership operation (attachments, invitations,
subscriptions, managers, espaces, deactivation) performed by random actors:
members, managers of other structures, deactivated accounts, strangers and
support. Its model of DOMAIN.md's rules predicts, for each call, whether it
must succeed; after every step ``can_access`` must agree with the model for
every user, structure, espace and mode, and each structure's principal
manager, managers, members and rights must be the model's. So no attachment
or subscription becomes valid without a manager of that structure (the
principal manager, for subscriptions) acting, and nothing is granted to an
account that is not active.

This suite adds an attacker: two active accounts, one attached to no
structure and one the principal manager of a structure of its own, who try
every operation of the facade on what is not theirs (the table ``ATTACKS``):
others' structures, accounts, requests, invitations and subscriptions, and
ids that do not exist. Each attempt must be refused with a library error and
must change nothing: the whole store, its history and outbox, and the
mailbox are compared before and after. The table stays here rather than in
the base: it calls the facade directly on every operation taking an actor
(a host's layer exposes a handful) and compares the in-memory store, and
``test_every_operation_with_an_actor_...`` keeps it whole as the facade grows.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from chorus_onboarding import (
    Actor,
    BatchOutcome,
    Espace,
    EspaceGrant,
    ExistingStructureRegistration,
    Habilitation,
    NewStructureRegistration,
    OnboardingError,
    OnboardingService,
)
from chorus_onboarding.adapters.snapshots import snapshot
from chorus_onboarding.errors import ValidationError
from chorus_onboarding.testing.stateful import EMAILS, ESPACES, MODES, OnboardingMachine

# --- the attacker's table ------------------------------------------------------------

INTRUDER_EMAIL = "intrus@exemple.fr"  # active, attached to no structure
RIVAL_EMAIL = "rival@exemple.fr"  # active, principal manager of a structure of its own
NEWCOMER_EMAIL = "nouveau@exemple.fr"  # asked to join the first structure, never activated
UNKNOWN_IDS = ["id-999999", "no-such-id"]
UNKNOWN_EMAIL = "personne@exemple.fr"


@attrs.define
class Aim:
    """What an attacker may aim at: everything that is not theirs, and ids that do not exist."""

    data: st.DataObject
    structures: list[str]
    """Structures the attacker does not manage."""
    any_structures: list[str]
    """Those and the attacker's own, for operations whose victim is another account."""
    accounts: list[str]
    emails: list[str]
    attachments: list[str]
    """Requests and attachments of others, and invitations addressed to others."""
    sent: list[str]
    """Among those, the invitations the attacker's structure sent, drawn more often."""
    subscriptions: list[str]

    def _draw(self, values: list[Any], label: str) -> Any:
        return self.data.draw(st.sampled_from(values), label=label)

    def structure(self) -> str:
        return str(self._draw(self.structures, "structure"))

    def structure_or_own(self) -> str:
        return str(self._draw(self.any_structures, "structure"))

    def account(self) -> str:
        return str(self._draw(self.accounts, "account"))

    def email(self) -> str:
        return str(self._draw(self.emails, "email"))

    def _attachments(self) -> st.SearchStrategy[str]:
        every = st.sampled_from(self.attachments)
        return st.one_of(st.sampled_from(self.sent), every) if self.sent else every

    def attachment(self) -> str:
        return self.data.draw(self._attachments(), label="attachment")

    def some_attachments(self) -> list[str]:
        return self.data.draw(
            st.lists(self._attachments(), min_size=1, max_size=3), label="attachments"
        )

    def subscription(self) -> str:
        return str(self._draw(self.subscriptions, "subscription"))

    def espace(self) -> Espace:
        return self.data.draw(st.sampled_from(ESPACES), label="espace")

    def mode(self) -> Habilitation:
        return self.data.draw(st.sampled_from(MODES), label="habilitation")

    def flag(self) -> bool:
        return self.data.draw(st.booleans(), label="flag")

    def grants(self) -> list[EspaceGrant]:
        return self.data.draw(
            st.lists(
                st.builds(EspaceGrant, st.sampled_from(ESPACES), st.sampled_from(MODES)),
                max_size=2,
            ),
            label="grants",
        )


Attempt = Callable[[OnboardingService, Actor, Aim], object]


@attrs.frozen
class Attack:
    """One facade operation tried on something that is not the attacker's."""

    target: str
    """What the victim is: "structure", "account", "attachment" or "subscription"."""
    attempt: Attempt


def _on_structures() -> dict[str, Attack]:
    def aim(attempt: Attempt) -> Attack:
        return Attack("structure", attempt)

    return {
        # Reading: another structure's data must not come back.
        "structure": aim(lambda s, a, t: s.structure(a, t.structure())),
        "structure_users": aim(lambda s, a, t: s.structure_users(a, t.structure())),
        "export_structure_users": aim(lambda s, a, t: s.export_structure_users(a, t.structure())),
        "manager_history": aim(lambda s, a, t: s.manager_history(a, t.structure())),
        "pending_attachment_requests": aim(
            lambda s, a, t: s.pending_attachment_requests(a, t.structure())
        ),
        "pending_subscription_requests": aim(
            lambda s, a, t: s.pending_subscription_requests(a, t.structure())
        ),
        # Changing it.
        "modify_structure": aim(
            lambda s, a, t: s.modify_structure(
                a, t.structure(), company_name="Intrus SARL", label="Prise par l'intrus"
            )
        ),
        "add_service": aim(lambda s, a, t: s.add_service(a, t.structure(), "INTRUS", "Intrus")),
        "open_espace": aim(lambda s, a, t: s.open_espace(a, t.structure(), t.espace())),
        "close_espace": aim(lambda s, a, t: s.close_espace(a, t.structure(), t.espace())),
        "set_agricultural_centre": aim(
            lambda s, a, t: s.set_agricultural_centre(a, t.structure(), t.flag())
        ),
        "invite_user": aim(lambda s, a, t: s.invite_user(a, t.structure(), t.email())),
        "declare_siret_change": aim(
            lambda s, a, t: s.declare_siret_change(a, t.structure(), "94821993600010")
        ),
        # Rights there, or a way out of a structure the attacker was never in.
        "request_subscription": aim(
            lambda s, a, t: s.request_subscription(
                a, t.structure(), t.espace(), habilitation=t.mode()
            )
        ),
        "leave_structure": aim(lambda s, a, t: s.leave_structure(a, t.structure())),
    }


def _on_accounts() -> dict[str, Attack]:
    def aim(attempt: Attempt) -> Attack:
        return Attack("account", attempt)

    return {
        # On another structure, or on the attacker's own with someone who never joined it.
        "grant_manager": aim(lambda s, a, t: s.grant_manager(a, t.structure_or_own(), t.account())),
        "revoke_manager": aim(
            lambda s, a, t: s.revoke_manager(a, t.structure_or_own(), t.account())
        ),
        "transfer_principal_manager": aim(
            lambda s, a, t: s.transfer_principal_manager(a, t.structure_or_own(), t.account())
        ),
        "appoint_principal_manager": aim(
            lambda s, a, t: s.appoint_principal_manager(a, t.structure_or_own(), t.account())
        ),
        "detach_user": aim(lambda s, a, t: s.detach_user(a, t.structure_or_own(), t.account())),
        # Another account itself.
        "account": aim(lambda s, a, t: s.account(a, t.account())),
        "find_account": aim(lambda s, a, t: s.find_account(a, t.email())),
        "lift_login_suspension": aim(lambda s, a, t: s.lift_login_suspension(a, t.account())),
        "deactivate_account": aim(lambda s, a, t: s.deactivate_account(a, t.account())),
        "reactivate_account": aim(lambda s, a, t: s.reactivate_account(a, t.account())),
        "resend_activation": aim(lambda s, a, t: s.resend_activation(a, t.account())),
        # Another account's "Mon compte" pages: support's to read, no one else's.
        "my_attachments": aim(lambda s, a, t: s.my_attachments(a, t.account())),
        "my_subscriptions": aim(lambda s, a, t: s.my_subscriptions(a, t.account())),
        "my_authorisations": aim(lambda s, a, t: s.my_authorisations(a, t.account())),
        "my_requests": aim(lambda s, a, t: s.my_requests(a, t.account())),
        # The support desk's own log of what its agents did to the account.
        "support_history": aim(lambda s, a, t: s.support_history(a, t.account())),
    }


def _on_attachments() -> dict[str, Attack]:
    def aim(attempt: Attempt) -> Attack:
        return Attack("attachment", attempt)

    return {
        "validate_attachment": aim(
            lambda s, a, t: s.validate_attachment(a, t.attachment(), grants=t.grants())
        ),
        "refuse_attachment": aim(
            lambda s, a, t: s.refuse_attachment(a, t.attachment(), reason="intrus")
        ),
        # A batch answers each id on its own: every answer must be an error.
        "validate_attachments": aim(
            lambda s, a, t: s.validate_attachments(a, t.some_attachments())
        ),
        "refuse_attachments": aim(
            lambda s, a, t: s.refuse_attachments(a, t.some_attachments(), reason="intrus")
        ),
        "withdraw_attachment_request": aim(
            lambda s, a, t: s.withdraw_attachment_request(a, t.attachment())
        ),
        "accept_invitation": aim(lambda s, a, t: s.accept_invitation(a, t.attachment())),
        "decline_invitation": aim(lambda s, a, t: s.decline_invitation(a, t.attachment())),
    }


def _on_subscriptions() -> dict[str, Attack]:
    def aim(attempt: Attempt) -> Attack:
        return Attack("subscription", attempt)

    return {
        "validate_subscription": aim(lambda s, a, t: s.validate_subscription(a, t.subscription())),
        "refuse_subscription": aim(
            lambda s, a, t: s.refuse_subscription(a, t.subscription(), reason="intrus")
        ),
        "revoke_subscription": aim(
            lambda s, a, t: s.revoke_subscription(a, t.subscription(), reason="intrus")
        ),
        "cancel_subscription": aim(lambda s, a, t: s.cancel_subscription(a, t.subscription())),
    }


ATTACKS: dict[str, Attack] = {
    **_on_structures(),
    **_on_accounts(),
    **_on_attachments(),
    **_on_subscriptions(),
}
"""Every facade operation that takes an actor and acts on something, keyed by its name."""

OWN_DATA_ONLY = {
    # The actor's own account: nothing of anyone else's is named.
    "change_contact_email": "changes the actor's own contact email",
    "change_password": "changes the actor's own password (the current one is required)",
    "change_secret_question": "changes the actor's own secret question",
    "change_survey_consent": "gives or withdraws the actor's own consent to the survey",
    "managed_structures": "lists the structures the actor manages",
    # Acts of the actor's own, which others' consent then decides.
    "request_attachment": "asks to join: nothing is granted until a manager validates",
    "create_structure": "creates a new structure of which the actor is the principal manager",
    # Public facts, which registered_structure shows to anyone without an actor.
    "search_structures": "shows a structure's identifier, name and town, public facts",
    "export_structure_search": "the same search's results, as CSV",
}
"""Operations taking an actor that act only on the caller's own data: not attacks."""

BATCHES = frozenset({"validate_attachments", "refuse_attachments"})


picks = st.integers(0, 10_000)


class Authorisation(OnboardingMachine):
    """The library's stateful base, and an attacker trying everything on what is not theirs."""

    intruder: str
    rival: str
    rival_structure: str
    newcomer: str

    def populate(self) -> None:
        super().populate()
        self._attackers_and_a_newcomer()
        self.outsiders += [self.intruder, self.rival]

    def _attackers_and_a_newcomer(self) -> None:
        """The attacker's two accounts, and an account they must not wake up.

        None of them is in the model (which gives them access to nothing), and
        the model's rules never name them: whatever the attacker does must
        fail, so the model has nothing to learn.
        """
        service = self.world.service

        def person(email: str) -> dict[str, Any]:
            return self._person(email, email.split("@")[0].upper())

        self.intruder = service.register_for_existing_structure(
            ExistingStructureRegistration(
                **person(INTRUDER_EMAIL), identifier_type="HORS_UE", identifier="NOWHERE-1"
            )
        ).account_id
        self.world.activate(INTRUDER_EMAIL)
        rival = service.register_with_new_structure(
            NewStructureRegistration(
                **person(RIVAL_EMAIL),
                identifier_type="HORS_UE",
                identifier="RIVAL-1",
                company_name="Rivale",
                street="2 Rue",
                postal_code="1000",
                city="Bruxelles",
                country="BE",
            )
        )
        assert rival.structure_id is not None
        self.rival, self.rival_structure = rival.account_id, rival.structure_id
        self.world.activate(RIVAL_EMAIL)
        # Another structure's manager has invited someone: only the invitee may answer.
        self.rival_invites(len(EMAILS) - 1)
        # Asks to join the first structure by its SIRET, and never activates:
        # only that structure's managers (or support) may resend the link.
        self.newcomer = service.register_for_existing_structure(
            ExistingStructureRegistration(**person(NEWCOMER_EMAIL), siret="52601815500014")
        ).account_id

    # --- the attacker ------------------------------------------------------------------------

    @rule(whom=picks)
    def rival_invites(self, whom: int) -> None:
        """Another structure's manager may invite anyone: only the invitee's answer attaches."""
        people = [*EMAILS, INTRUDER_EMAIL, NEWCOMER_EMAIL]
        email = people[whom % len(people)]
        self.world.service.invite_user(Actor.user(self.rival), self.rival_structure, email)

    def _aim(self, me: str, data: st.DataObject) -> Aim:
        """Everything in the store that is not ``me``'s, and ids that do not exist.

        Theirs: their account, the structures they manage, attachments and
        subscriptions that are theirs or are on those structures (except
        invitations to others, which only the invitee may answer).
        """
        store = self.world.memory
        own = {self.rival_structure} if me == self.rival else set()
        structures = [*self.structures, self.rival_structure]
        accounts = [*self.users, self.intruder, self.rival, self.newcomer]
        with store.lock:
            attachments = sorted(
                a.id
                for a in store.attachments.rows.values()
                if a.account_id != me and (a.structure_id not in own or a.state.name == "INVITED")
            )
            sent = sorted(
                a.id
                for a in store.attachments.rows.values()
                if a.structure_id in own and a.state.name == "INVITED" and a.account_id != me
            )
            subscriptions = sorted(
                s.id
                for s in store.subscriptions.rows.values()
                if s.account_id != me and s.structure_id not in own
            )
        return Aim(
            data=data,
            structures=[s for s in structures if s not in own] + UNKNOWN_IDS,
            any_structures=structures + UNKNOWN_IDS,
            accounts=[a for a in accounts if a != me] + UNKNOWN_IDS,
            emails=[*EMAILS, INTRUDER_EMAIL, RIVAL_EMAIL, NEWCOMER_EMAIL, UNKNOWN_EMAIL],
            attachments=attachments + UNKNOWN_IDS,
            sent=sent,
            subscriptions=subscriptions + UNKNOWN_IDS,
        )

    def _entities(self) -> tuple[dict[str, tuple[Any, ...]], ...]:
        """Every stored account, structure, attachment and subscription, field by field."""
        store = self.world.memory
        with store.lock:
            return tuple(
                {key: snapshot(row) for key, row in table.rows.items()}
                for table in (
                    store.accounts,
                    store.structures,
                    store.attachments,
                    store.subscriptions,
                )
            )

    def _everything(self) -> dict[str, object]:
        """All the data: the entities, the history, the support log, the outbox and the mailbox."""
        store = self.world.memory
        with store.lock:
            kept = {
                "history": {key: list(actions) for key, actions in store.history.items()},
                "support_log": list(store.support_log),
                "outbox": {
                    key: (q.entry, q.due, q.claimed_until, q.error)
                    for key, q in store.outbox.items()
                },
                "sent": dict(store.sent),
                "dead": dict(store.dead),
                "deadlines": list(store.deadlines),
            }
        accounts, structures, attachments, subscriptions = self._entities()
        return {
            "accounts": accounts,
            "structures": structures,
            "attachments": attachments,
            "subscriptions": subscriptions,
            **kept,
            "mailbox": list(self.world.mailbox.sent),
        }

    def _attack(self, target: str, rival: bool, data: st.DataObject) -> None:
        names = sorted(name for name, attack in ATTACKS.items() if attack.target == target)
        name = data.draw(st.sampled_from(names), label="operation")
        me = self.rival if rival else self.intruder
        who = "the rival manager" if rival else "the intruder"
        aim = self._aim(me, data)
        before = self._everything()
        try:
            outcome = ATTACKS[name].attempt(self.world.service, Actor.user(me), aim)
        except OnboardingError as error:
            # Refused for who asks or what is aimed at, never for a malformed call.
            assert not isinstance(error, ValidationError), (name, error)
            event(f"attack {name}: {type(error).__name__}")
        else:
            refused = (
                name in BATCHES
                and isinstance(outcome, list)
                and all(isinstance(o, BatchOutcome) and not o.done for o in outcome)
            )
            assert refused, f"{who} succeeded with {name}: {outcome!r}"
            event(f"attack {name}: every decision refused")
        after = self._everything()
        changed = [part for part in before if before[part] != after[part]]
        assert not changed, f"{who} tried {name} and changed {changed}"

    @rule(data=st.data(), rival=st.booleans())
    def attack_a_structure(self, data: st.DataObject, rival: bool) -> None:
        self._attack("structure", rival, data)

    @rule(data=st.data(), rival=st.booleans())
    def attack_an_account(self, data: st.DataObject, rival: bool) -> None:
        self._attack("account", rival, data)

    @rule(data=st.data(), rival=st.booleans())
    def attack_a_request(self, data: st.DataObject, rival: bool) -> None:
        self._attack("attachment", rival, data)

    @rule(data=st.data(), rival=st.booleans())
    def attack_a_subscription(self, data: st.DataObject, rival: bool) -> None:
        self._attack("subscription", rival, data)

    # --- what must always hold, besides the base's invariants -----------------------------

    def check_access(self) -> None:
        super().check_access()
        # Another structure's manager never gives anyone access to it without their consent.
        for user in [*self.users, self.intruder]:
            for espace in ESPACES:
                for mode in MODES:
                    assert not self.world.service.can_access(
                        user, self.rival_structure, espace, mode
                    ), (user, espace, mode)


# CI runs a thousand programs; a developer's run, a hundred.
PROGRAMS = 1000 if os.environ.get("CI") == "true" else 100
Authorisation.TestCase.settings = settings(
    max_examples=PROGRAMS, stateful_step_count=30, deadline=None
)
test_authorisation = Authorisation.TestCase


def test_every_operation_with_an_actor_is_attacked_or_acts_on_the_callers_own_data() -> None:
    """A new facade operation taking an actor must join the attacker's table (or the other list)."""
    with_actor = {
        name
        for name, member in inspect.getmembers(OnboardingService, inspect.isfunction)
        if not name.startswith("_") and "actor" in inspect.signature(member).parameters
    }
    forgotten = with_actor - ATTACKS.keys() - OWN_DATA_ONLY.keys()
    assert not forgotten, f"add these to ATTACKS or OWN_DATA_ONLY: {sorted(forgotten)}"
    assert not ATTACKS.keys() & OWN_DATA_ONLY.keys()
    unknown = (ATTACKS.keys() | OWN_DATA_ONLY.keys()) - with_actor
    assert not unknown, f"not facade operations taking an actor: {sorted(unknown)}"
