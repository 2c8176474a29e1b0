"""A guided tour of every journey, told step by step.

Run it with ``python -m chorus_onboarding demo``: by default on a SQLite file
(``chorus-onboarding-demo.sqlite3``), so that a second run finds the first
run's people (each run tells the story with people and companies of its own);
``--memory`` keeps everything in memory. Time is simulated from the real
present (a clock that the tour moves forward), so that the 30-day activation
deadline can be shown passing; everything else is the real library,
argon2id included.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import attrs

from ..adapters.directory import SAMPLE_COMPANIES, MemoryCompanyDirectory
from ..adapters.mail import MemoryMailbox
from ..domain.errors import OnboardingError
from ..forms import StructureNaming
from ..service import OnboardingService
from ..settings import OnboardingSettings
from ..testing.fakes import FrozenClock
from . import accounts, structures
from .tour import FINAL_PASSWORD, Tour, run_siret

DEFAULT_DATABASE = Path("chorus-onboarding-demo.sqlite3")
"""Where the demo keeps its data unless told otherwise."""


def _run_number(service: OnboardingService) -> int:
    """How many runs this database has seen: the first whose shop is not registered yet."""
    first_shop = SAMPLE_COMPANIES[0].identifier.value
    return next(
        number
        for number in itertools.count()
        if service.registered_structure(StructureNaming(siret=run_siret(first_shop, number)))
        is None
    )


SETTINGS = OnboardingSettings(login_code=True)
"""The seeds' rules, with the code emailed at each login the portal asks since 2024."""


def run(out: TextIO, database: Path | None = DEFAULT_DATABASE, *, verbose: bool = False) -> None:
    """Tell every journey of the domain; ``database`` None keeps everything in memory.

    Each email is summarised on one line under the step that sent it (its
    time in Paris time, recipient, subject, link); ``verbose`` prints the
    whole text too.
    """
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    mailbox = MemoryMailbox()
    directory = MemoryCompanyDirectory()
    if database is None:
        service = OnboardingService.in_memory(
            clock=clock, mailer=mailbox, directory=directory, settings=SETTINGS
        )
    else:
        # A file left by an earlier release of the demo is upgraded, not refused.
        service = OnboardingService.sqlite(
            database,
            clock=clock,
            mailer=mailbox,
            directory=directory,
            settings=attrs.evolve(SETTINGS, upgrade_database=True),
            demo_ports=True,
        )
    number = _run_number(service)
    tour = Tour(out, service, mailbox, clock, directory=directory, run=number, verbose=verbose)
    where = "en mémoire" if database is None else f"dans {database}"
    tour.say(f"Données {where} : passage n° {number + 1}.")
    whole = "son texte suit" if verbose else "--verbose affiche leur texte"
    tour.say(
        "Chaque courriel suit l'étape qui l'envoie, sur une ligne (✉ heure d'envoi,"
        f" destinataire, objet, lien) ; {whole}."
    )
    if number:
        earlier = Tour(out, service, mailbox, clock, run=number - 1)
        try:
            louise = tour.log_in(earlier.email(accounts.LOUISE), FINAL_PASSWORD)
        except OnboardingError as error:
            tour.say(f"- Louise du passage précédent ne peut pas se connecter : {error}")
        else:
            tour.say(
                f"- {louise.first_name} (inscrite au passage précédent) se connecte : ses données sont là."
            )
    _, paul = accounts.tell(tour)
    structures.tell(tour, paul)
