"""The test world: a service with a frozen clock, a fast hasher and a mailbox, on any store.

:func:`build_world` builds one in memory, on a SQLite file or on a PostgreSQL
database, always with the same fakes, so that a test reads the same whatever
keeps the data; the pytest plugin (:mod:`chorus_onboarding.testing.plugin`)
hands them out as fixtures. :class:`World`'s helpers walk the journeys a
test needs before the part it checks: an active user, a structure with its
principal manager, a member attached and subscribed, the last link sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from chorus_onboarding import (
    Actor,
    Espace,
    ExistingStructureRegistration,
    LoginResult,
    NewStructureRegistration,
    OnboardingService,
    OnboardingSettings,
    Registration,
    StructureNaming,
)
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.domain.errors import ExtraNotInstalled, InvalidInput
from chorus_onboarding.ports import PasswordHasher
from chorus_onboarding.service.grants import parse_habilitation
from chorus_onboarding.testing.fakes import (
    FrozenClock,
    SequentialIds,
    link_parameters,
    link_query,
    login_code_in,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

LOUISE = "louise.galfe@dressing-louise.fr"
LOUISE_SIRET = "52601815500014"
FARM_SIRET = "90830166600016"
PASSWORD = "Ma-Boutique-2024!"
QUESTION = "Quel est le nom de mon animal de compagnie ?"
ANSWER = "Médor"
TEST_SECRET_KEY = "a-test-key-of-at-least-thirty-two-characters"


Store = Literal["memory", "sqlite", "postgresql"]
"""Where a world keeps its data: what :func:`build_world`'s ``store`` names."""

STORES: tuple[Store, ...] = ("memory", "sqlite", "postgresql")
"""Every store a world can be built on, in the order the plugin runs them."""


@attrs.frozen
class ManagedStructure:
    """A structure and its principal manager, as :meth:`World.structure_with_manager` made them.

    What a test of a manager's screen needs first: the id to pass to the
    use cases and the actor who may call them.
    """

    structure_id: str
    manager: Actor
    manager_email: str


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
    """What :meth:`register` and :meth:`register_for_existing` got back, by login email (lower case)."""
    kind: Store = "memory"
    """The store the data lives in: ``memory``, ``sqlite`` or ``postgresql``."""
    directory: MemoryCompanyDirectory | None = None
    """The company register the service looks SIRETs up in (``add`` makes a company known)."""

    @property
    def memory(self) -> MemoryStore:
        """The in-memory store behind the service (worlds on a database have none)."""
        assert self.store is not None, "this world keeps its data in a database"
        return self.store

    def close(self) -> None:
        """Release the database connections (nothing to do in memory); the fixtures call it."""
        self.service.close()

    def register(self, email: str = LOUISE, siret: str = LOUISE_SIRET, **changes: Any) -> str:
        """Journey 1: register ``email`` with a new structure; the account's id (not active yet)."""
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
        """The ``email`` and ``token`` of the latest link to ``page`` in any email to ``email``."""
        self.deliver()
        return link_parameters(self.mailbox, email, page)

    def deliver(self) -> None:
        """Send what the outbox holds, as the relay worker would on a database (in memory: done)."""
        self.service.deliver_notifications(10_000)

    def follow_last_link(self, address: str, page: str = "activationCompte") -> dict[str, str]:
        """The query of the link to ``page`` in the last email sent to ``address``, and only that one.

        What a person does: open the newest email and click. An older email's
        link is never used, so a test sees that the last email is the right one
        (a reset after an activation, a second invitation...). Raises
        ``LookupError`` when nothing was sent to ``address`` or the last email
        has no link to ``page``.
        """
        if not isinstance(address, str):
            raise InvalidInput(field="address", expected="adresse électronique")
        if not isinstance(page, str) or not page:
            raise InvalidInput(field="page", expected="texte non vide")
        self.deliver()
        last = self.mailbox.last_to(address)
        found = link_query(last, page)
        if found is not None:
            return found
        raise LookupError(f"the last email to {address} ({last.subject!r}) has no link to {page}")

    def last_login_code(self, address: str) -> str:
        """The code in the last email sent to ``address``, as a person reads it there.

        Raises ``LookupError`` when nothing was sent to ``address`` or the
        last email carries no code.
        """
        if not isinstance(address, str):
            raise InvalidInput(field="address", expected="adresse électronique")
        self.deliver()
        last = self.mailbox.last_to(address)
        code = login_code_in(last)
        if code is None:
            raise LookupError(f"the last email to {address} ({last.subject!r}) has no code")
        return code

    def log_in(
        self,
        email: str = LOUISE,
        password: str = PASSWORD,
        *,
        remember_device: bool = False,
        remembered_device: str | None = None,
    ) -> LoginResult:
        """Journey 6 to the end: the password, then (if one is asked) the emailed code."""
        answer = self.service.login(email, password, remembered_device)
        if isinstance(answer, LoginResult):
            return answer
        return self.service.confirm_login_code(
            email, answer.challenge, self.last_login_code(email), remember_device=remember_device
        )

    def activate(self, email: str = LOUISE, password: str = PASSWORD) -> None:
        """Journey 5: follow the activation link sent to ``email`` and choose ``password``."""
        self.activate_with(self.link(email), password)

    def activate_with(self, link: dict[str, str], password: str = PASSWORD) -> None:
        """Journey 5 with a link's parameters in hand (from :meth:`link` or :meth:`follow_last_link`)."""
        self.service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=password,
            password_confirmation=password,
            secret_question=QUESTION,
            secret_answer=ANSWER,
        )

    def register_for_existing(self, email: str, **naming: Any) -> Registration:
        """Journeys 3 and 4: ``email`` registers for a structure named by ``naming``; not active yet.

        The names come from the address (``paul.martin@...`` is Paul MARTIN).
        For a structure on the portal with a SIRET, its managers are asked to
        attach the new account (``attachment_id`` of the result).
        """
        local = email.split("@")[0]
        done = self.service.register_for_existing_structure(
            ExistingStructureRegistration(
                login_email=email,
                login_email_confirmation=email,
                last_name=local.split(".")[-1].upper(),
                first_name=local.split(".")[0].capitalize(),
                captcha="XWWXS",
                **naming,
            )
        )
        self.registrations[email.casefold()] = done
        self.people[email.casefold()] = done.account_id
        return done

    def user_without_structure(self, email: str) -> Actor:
        """An active user attached to no structure (registered for a structure without SIRET)."""
        done = self.register_for_existing(email, identifier_type="HORS_UE", identifier="NOWHERE-1")
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
        """Journeys 1 and 5: ``email`` registered with a new structure and activated."""
        account_id = self.register(email, siret)
        self.activate(email)
        return Actor.user(account_id)

    def structure_with_manager(
        self, email: str = LOUISE, siret: str = LOUISE_SIRET
    ) -> ManagedStructure:
        """A new structure (``siret``) whose principal manager ``email`` is active.

        The registrant of a structure is its principal manager: the start of
        every manager's journey.
        """
        manager = self.active_user(email, siret)
        structure_id = self.registrations[email.casefold()].structure_id
        assert structure_id is not None, "a registration with a new structure names it"
        return ManagedStructure(structure_id, manager, email)

    def member(
        self,
        structure: ManagedStructure,
        email: str,
        *,
        by: Literal["request", "invitation"] = "request",
    ) -> Actor:
        """An active user attached to ``structure``: the user asks and the manager validates.

        ``by="request"`` walks journey 8 (search by SIRET or identifier, ask,
        the principal manager validates); ``by="invitation"`` journey 11 (the
        manager invites, the user accepts). The user is created, active,
        when ``email`` has no account in this world yet.
        """
        if by not in ("request", "invitation"):
            raise InvalidInput(
                field="by", expected="valeur parmi {choices}", choices="request, invitation"
            )
        known = self.people.get(email.casefold())
        user = Actor.user(known) if known else self.user_without_structure(email)
        if by == "invitation":
            self.attach(structure.manager, structure.structure_id, email)
            return user
        shown = self.service.structure(structure.manager, structure.structure_id)
        naming = StructureNaming(
            identifier_type=shown.identifier.type.value, identifier=shown.identifier.value
        )
        (found,) = [
            s
            for s in self.service.search_structures(user, naming)
            if s.id == structure.structure_id
        ]
        request = self.service.request_attachment(user, found.id)
        self.service.validate_attachment(structure.manager, request)
        return user

    def subscribed_member(
        self,
        structure: ManagedStructure,
        email: str,
        espace: Espace | str = "FACTURES_EMISES",
        habilitation: str = "CONSULTATION_UNIQUEMENT",
        *,
        by: Literal["request", "invitation"] = "request",
        opening: Mapping[str, Any] | None = None,
    ) -> Actor:
        """A member of ``structure`` (see :meth:`member`) holding a validated right on ``espace``.

        Journey 10: the espace is opened first if it is not open in that mode
        (``opening``: :meth:`~OnboardingService.open_espace`'s keyword
        arguments, for the espaces that ask for parameters), the member asks,
        the principal manager validates.
        """
        chosen = Espace.parse(espace)
        wanted = parse_habilitation(habilitation)
        user = self.member(structure, email, by=by)
        shown = self.service.structure(structure.manager, structure.structure_id)
        opened = shown.opened(chosen)
        modification = wanted.name == "MODIFICATION"
        if opened is None or (modification and not opened.modification) or opening:
            self.service.open_espace(
                structure.manager, structure.structure_id, chosen, **dict(opening or {})
            )
        request = self.service.request_subscription(
            user, structure.structure_id, chosen, habilitation=wanted
        )
        self.service.validate_subscription(structure.manager, request)
        return user


def build_world(
    *,
    store: Store = "memory",
    path: str | Path | None = None,
    url: str | None = None,
    clock: FrozenClock | None = None,
    mailbox: MemoryMailbox | None = None,
    hasher: PasswordHasher | None = None,
    directory: MemoryCompanyDirectory | None = None,
    **settings: object,
) -> World:
    """A fresh world on ``store``; other keyword arguments become settings.

    The same fakes everywhere: a :class:`FrozenClock`, readable sequential
    ids, a fast (insecure) hasher, a :class:`MemoryMailbox`, the captcha
    answer ``XWWXS`` and the sample company register, a new one each time
    unless ``directory`` is given (:attr:`World.directory`, either way);
    ``hasher`` replaces the fast one: the real argon2id, a hasher that watches
    its input... ``store="sqlite"``
    needs ``path`` (the file, created with its schema) and the ``sql`` extra;
    ``store="postgresql"`` needs ``url`` and the ``postgresql`` extra, and
    leaves the rows already there (:func:`empty_database` removes them). A
    world on a database gets :data:`TEST_SECRET_KEY` unless ``secret_key``
    is given, and must be closed (:meth:`World.close`).
    """
    if store not in STORES:
        raise InvalidInput(
            field="store", expected="valeur parmi {choices}", choices=", ".join(STORES)
        )
    clock = clock or FrozenClock()
    mailbox = mailbox or MemoryMailbox()
    register = directory if directory is not None else MemoryCompanyDirectory()
    parts: dict[str, Any] = {
        "clock": clock,
        "ids": SequentialIds(),
        "hasher": hasher or FastInsecureHasher(),
        "mailer": mailbox,
        "directory": register,
    }
    if store == "memory":
        memory = MemoryStore()
        chosen = OnboardingSettings(**settings)  # type: ignore[arg-type]
        service = OnboardingService.in_memory(store=memory, settings=chosen, **parts)
        return World(service, clock, mailbox, memory, directory=register)
    # What a database-backed service demands: the same stand-ins, asked for by name.
    parts["captcha"] = FixedCaptcha()
    parts["settings"] = OnboardingSettings(
        **{"secret_key": TEST_SECRET_KEY, **settings}  # type: ignore[arg-type]
    )
    if store == "sqlite":
        if not isinstance(path, str | Path):
            raise InvalidInput(field="path", expected="chemin de fichier SQLite")
        service = OnboardingService.sqlite(path, **parts)
    else:
        if not isinstance(url, str):
            raise InvalidInput(field="url", expected="URL de base de données")
        service = OnboardingService.from_url(url, **parts)
    return World(service, clock, mailbox, kind=store, directory=register)


_ENGINES: dict[str, Engine] = {}


def empty_database(url: str) -> Engine:
    """An engine on the database at ``url``, its schema up to date and the library's rows gone.

    Empties every table of the library (``co_*``) but the schema version and
    resets its counters, in one statement: what a test on PostgreSQL calls
    before it starts, so that it sees no row of the test before. Other
    tables are not touched. Needs the ``sql`` extra (imported here, not
    when the kit loads). The engine is kept, one per URL, for the run.
    """
    if not isinstance(url, str) or not url:
        raise InvalidInput(field="url", expected="URL de base de données")
    try:
        from sqlalchemy import text

        from chorus_onboarding.adapters.sql import prepare, url_engine
        from chorus_onboarding.adapters.sql.schema import metadata
    except ImportError as error:
        raise ExtraNotInstalled(extra="sql").with_cause(error) from None

    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = prepare(url_engine(url), upgrade=True)
    tables = ", ".join(
        table.name for table in metadata.sorted_tables if table.name != "co_schema_version"
    )
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
        connection.execute(
            text("INSERT INTO co_counters (name, value) VALUES ('assigned_identifiers', 0)")
        )
    return engine


THIRTY_DAYS = timedelta(days=30)
