"""A service wired with ports of one's own: a company register and a mail sender.

``OnboardingService(Ports(...), settings)`` is the full wiring: every outside
thing the library talks to is given explicitly. Here the company register is a
dictionary and the mail sender collects what it would send; both are plain
classes that satisfy the ``CompanyDirectory`` and ``MailSender`` protocols.
A service wired by hand leaves the emails to the outbox relay, as a
database-backed one does: ``deliver_notifications()`` runs it once, as a
relay worker would. ``OnboardingService.in_memory(directory=..., mailer=...)``
is the shortcut that takes the in-memory defaults for every other port and
delivers at the end of each use case.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from chorus_onboarding import (
    Address,
    CompanyRecord,
    IdentifierType,
    NewStructureRegistration,
    OnboardingService,
    OnboardingSettings,
)
from chorus_onboarding.adapters.captcha import FixedCaptcha
from chorus_onboarding.adapters.hashing import Argon2Hasher
from chorus_onboarding.adapters.memory import MemoryOutbox, MemoryStore, MemoryUnitOfWork
from chorus_onboarding.adapters.runtime import SecretTokenGenerator, UuidIdGenerator
from chorus_onboarding.adapters.strength import ZxcvbnStrengthMeter
from chorus_onboarding.domain.identifiers import Siret, StructureIdentifier
from chorus_onboarding.ports import OutgoingEmail
from chorus_onboarding.service import Ports

FARM_SIRET = "31415926000012"
# The key link tokens are derived with: in production, read it from your
# secret store, the same in every process (a new one invalidates sent links).
LINK_KEY = secrets.token_bytes(32)


class DictDirectory:
    """A company register in a dictionary, standing in for INSEE's SIRENE."""

    def __init__(self, records: dict[str, CompanyRecord]) -> None:
        self.records = records

    def lookup(self, siret: Siret) -> CompanyRecord | None:
        """What the register knows of ``siret``, or None."""
        return self.records.get(siret.value)


class CollectingMailer:
    """Keeps the emails it is given, once per dedupe key, instead of sending them."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self._keys: set[str] = set()

    @contextmanager
    def session(self) -> Iterator[CollectingMailer]:
        """The relay's connection for a batch: here, the mailer itself."""
        yield self

    def send(self, email: OutgoingEmail) -> None:
        """Keep ``email`` unless a retry already brought it."""
        if email.dedupe_key in self._keys:
            return
        self._keys.add(email.dedupe_key)
        self.sent.append(email)


class FixedClock:
    """A clock that always says the same instant."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        """The instant this clock was built with."""
        return self.instant


def build_service(directory: DictDirectory, mailer: CollectingMailer) -> OnboardingService:
    """Wire every port by hand, as a host application's factory would."""
    store = MemoryStore()
    ports = Ports(
        unit_of_work=lambda: MemoryUnitOfWork(store),
        clock=FixedClock(datetime(2018, 1, 4, 9, 5, 10, tzinfo=UTC)),
        ids=UuidIdGenerator(),
        tokens=SecretTokenGenerator(LINK_KEY),
        hasher=Argon2Hasher(),
        captcha=FixedCaptcha("K7P2Q"),
        directory=directory,
        mailer=mailer,
        strength=ZxcvbnStrengthMeter(),
        outbox=MemoryOutbox(store),
    )
    return OnboardingService(ports, OnboardingSettings.portal_today())


def main() -> None:
    """Register a farm known only to our own register; print what our mailer collected."""
    directory = DictDirectory(
        {
            FARM_SIRET: CompanyRecord(
                identifier=StructureIdentifier(IdentifierType.SIRET, FARM_SIRET),
                name="LA FERME DU BOUT DU MONDE",
                address=Address(
                    street="1 ROUTE DU PHARE", postal_code="29880", city="PLOUGUERNEAU"
                ),
            )
        }
    )
    mailer = CollectingMailer()
    service = build_service(directory, mailer)

    record = service.lookup_company(FARM_SIRET)
    print(f"Our register knows {FARM_SIRET} as: {record.name if record else 'nothing'}")
    print(
        f"The default register's shop is unknown here: {service.lookup_company('52601815500014')}"
    )

    service.register_with_new_structure(
        NewStructureRegistration(
            login_email="yann@ferme-bout-du-monde.fr",
            login_email_confirmation="yann@ferme-bout-du-monde.fr",
            last_name="LE GALL",
            first_name="Yann",
            captcha="k7p2q",
            siret=FARM_SIRET,
        )
    )
    print(f"Emails collected before the relay runs: {len(mailer.sent)}")
    service.deliver_notifications()  # what a relay worker does
    for email in mailer.sent:
        print(f"Collected for {', '.join(email.to)}: {email.subject}")
        deadline = next(line for line in email.body.splitlines() if "valable" in line)
        print(f"  {deadline}")


if __name__ == "__main__":
    main()
