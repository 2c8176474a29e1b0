"""A guided tour of every journey, told step by step on the in-memory wiring.

Run it with ``python -m chorus_onboarding demo``. Time is simulated (a clock
that the tour moves forward), so that the 30-day activation deadline can be
shown passing; everything else is the real library, argon2id included.
"""

from __future__ import annotations

from typing import TextIO

from ..adapters.mail import MemoryMailbox
from ..service import OnboardingService
from ..testing.fakes import FrozenClock
from . import accounts, structures
from .tour import Tour


def run(out: TextIO) -> None:
    """Tell every journey of the domain on a fresh in-memory service."""
    clock = FrozenClock()
    mailbox = MemoryMailbox()
    tour = Tour(out, OnboardingService.in_memory(clock=clock, mailer=mailbox), mailbox, clock)
    _, paul = accounts.tell(tour)
    structures.tell(tour, paul)
