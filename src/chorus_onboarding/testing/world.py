"""The test world: an in-memory service with a frozen clock, a fast hasher and a mailbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs

from chorus_onboarding import (
    Actor,
    ExistingStructureRegistration,
    NewStructureRegistration,
    OnboardingService,
    OnboardingSettings,
    Registration,
)
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, link_parameters

LOUISE = "louise.galfe@dressing-louise.fr"
LOUISE_SIRET = "52601815500014"
FARM_SIRET = "90830166600016"
PASSWORD = "Ma-Boutique-2024!"
QUESTION = "Quel est le nom de mon animal de compagnie ?"
ANSWER = "Médor"
TEST_SECRET_KEY = "a-test-key-of-at-least-thirty-two-characters"


@attrs.define
class World:
    """A service and the fakes behind it, for a test to drive and inspect."""

    service: OnboardingService
    clock: FrozenClock
    mailbox: MemoryMailbox
    store: MemoryStore | None = None
    people: dict[str, str] = attrs.field(factory=dict)
    """Account ids by login email (lower case), as registrations made them."""
    registrations: dict[str, Registration] = attrs.field(factory=dict)
    """What :meth:`register` got back, by login email (lower case)."""

    @property
    def memory(self) -> MemoryStore:
        """The in-memory store behind the service (worlds on a database have none)."""
        assert self.store is not None, "this world keeps its data in a database"
        return self.store

    def register(self, email: str = LOUISE, siret: str = LOUISE_SIRET, **changes: Any) -> str:
        form = NewStructureRegistration(
            login_email=email,
            login_email_confirmation=email,
            last_name="GALFE",
            first_name="Louise",
            captcha="XWWXS",
            siret=siret,
        )
        registration = self.service.register_with_new_structure(attrs.evolve(form, **changes))
        self.registrations[email.casefold()] = registration
        self.people[email.casefold()] = registration.account_id
        return registration.account_id

    def link(self, email: str, page: str = "activationCompte") -> dict[str, str]:
        # On a database the relay delivers, not the use case: run it, as the worker would.
        self.service.deliver_notifications(10_000)
        return link_parameters(self.mailbox, email, page)

    def activate(self, email: str = LOUISE, password: str = PASSWORD) -> None:
        self.activate_with(self.link(email), password)

    def activate_with(self, link: dict[str, str], password: str = PASSWORD) -> None:
        self.service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=password,
            password_confirmation=password,
            secret_question=QUESTION,
            secret_answer=ANSWER,
        )

    def user_without_structure(self, email: str) -> Actor:
        """An active user attached to no structure (registered for a structure without SIRET)."""
        local = email.split("@")[0]
        done = self.service.register_for_existing_structure(
            ExistingStructureRegistration(
                login_email=email,
                login_email_confirmation=email,
                last_name=local.split(".")[-1].upper(),
                first_name=local.split(".")[0].capitalize(),
                captcha="XWWXS",
                identifier_type="HORS_UE",
                identifier="NOWHERE-1",
            )
        )
        self.people[email.casefold()] = done.account_id
        self.activate(email)
        return Actor.user(done.account_id)

    def attach(self, manager: Actor, structure_id: str, email: str) -> str:
        """A manager invites the user with this email, who accepts: the attachment's id."""
        self.service.invite_user(manager, structure_id, email)
        invitee = Actor.user(self.people[email.casefold()])
        (invitation,) = [
            a
            for a in self.service.my_attachments(invitee)
            if a.structure_id == structure_id and a.state.name == "INVITED"
        ]
        self.service.accept_invitation(invitee, invitation.id)
        return invitation.id

    def active_user(self, email: str = LOUISE, siret: str = LOUISE_SIRET) -> Actor:
        account_id = self.register(email, siret)
        self.activate(email)
        return Actor.user(account_id)


def build_world(*, mailbox: MemoryMailbox | None = None, **settings: object) -> World:
    """A fresh world; keyword arguments become settings."""
    clock = FrozenClock()
    mailbox = mailbox or MemoryMailbox()
    store = MemoryStore()
    service = OnboardingService.in_memory(
        settings=OnboardingSettings(**settings),  # type: ignore[arg-type]
        store=store,
        clock=clock,
        ids=SequentialIds(),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
    )
    return World(service, clock, mailbox, store)


THIRTY_DAYS = timedelta(days=30)
