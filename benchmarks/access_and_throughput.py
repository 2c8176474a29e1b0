"""Access checks against the size of the store, and the throughput of a whole onboarding.

Both run on the in-memory wiring (``OnboardingService.in_memory`` with the
cheap :class:`FastInsecureHasher`, a :class:`FrozenClock`, :class:`SequentialIds`
and a :class:`MemoryMailbox`).

- **can_access**: µs per ``can_access(account_id, structure_id, espace, mode)``
  call with a small and a large store (1,000 and 1,000,000 subscriptions by
  default), on the same (user, structure) pairs, which exist in both. The
  issue's target: the same within 20% (large / small ≤ 1.20). The stores are
  filled directly, through :class:`MemoryUnitOfWork` commits of entities built
  with the domain constructors: a million subscriptions through the facade
  would take far too long.
- **full onboarding**: a principal manager registers with a new structure and
  activates their account; a second user registers for that structure (by
  SIRET), activates, is attached by the principal manager, asks for a
  subscription, gets it, and ``can_access`` says yes. Full onboardings per
  second, and µs per step. The issue sets no target: the figure is reported.

The store's shape: *blocks* of 50 users and 5 structures. Every user of a
block is attached (validated) to the block's 5 structures and holds 2
validated subscriptions on each ("Factures émises" in MODIFICATION,
"Sollicitations émises" in CONSULTATION_UNIQUEMENT): 500 subscriptions a
block. Each block also has one manager account, principal manager of its 5
structures and attached to them. The small store is the first blocks of the
large one, with the very same ids.
"""

from __future__ import annotations

import gc
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from harness import Result, Row, Settings, Target, frozen_heap, gc_paused
from stdnum import luhn

from chorus_onboarding.actors import Actor
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore, MemoryUnitOfWork
from chorus_onboarding.domain.accounts import SUGGESTED_SECRET_QUESTIONS, Account, AccountState
from chorus_onboarding.domain.attachments import Attachment
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.espaces import Espace, Habilitation, OpenEspace
from chorus_onboarding.domain.identifiers import IdentifierType, StructureIdentifier
from chorus_onboarding.domain.structures import (
    DEFAULT_SERVICE,
    Address,
    CompanyRecord,
    Purpose,
    Structure,
)
from chorus_onboarding.domain.subscriptions import Subscription
from chorus_onboarding.forms import ExistingStructureRegistration, NewStructureRegistration
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, link_parameters

TITLE = "access checks against the store's size, and full onboardings through the facade"

FULL = Settings(accounts=100_000)
"""The default sizes, which the notes of a quick run quote."""

SAME_WITHIN = 1.20
"""The issue's target: can_access on the large store within 20% of the small store."""

T = TypeVar("T")
P = ParamSpec("P")

# --- the store's shape --------------------------------------------------------

USERS_PER_BLOCK = 50
STRUCTURES_PER_BLOCK = 5
RIGHTS: tuple[tuple[Espace, Habilitation], ...] = (
    (Espace.FACTURES_EMISES, Habilitation.MODIFICATION),
    (Espace.SOLLICITATIONS_EMISES, Habilitation.CONSULTATION_UNIQUEMENT),
)
"""The subscriptions every user holds on each structure of their block."""
SUBSCRIPTIONS_PER_BLOCK = USERS_PER_BLOCK * STRUCTURES_PER_BLOCK * len(RIGHTS)
ENTITIES_PER_COMMIT = 10_000
WARM_UP = 200
"""Untimed calls made on each store before the timed rounds."""

QUERIES: tuple[tuple[Espace, Habilitation, bool], ...] = (
    (Espace.FACTURES_EMISES, Habilitation.MODIFICATION, True),
    (Espace.SOLLICITATIONS_EMISES, Habilitation.MODIFICATION, False),
)
"""The calls made for each measured (user, structure) pair, with the expected answer.

Both go the whole way: the account, the structure, the espace open in that
mode, the user's attachments and subscriptions on the structure. The second
is refused at the very end (the user holds consultation only).
"""

_NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
_OPEN = tuple(
    OpenEspace(espace=espace, services=frozenset({DEFAULT_SERVICE})) for espace, _ in RIGHTS
)
_ADDRESS = Address(street="10 RUE DU CENTRE", postal_code="93160", city="NOISY-LE-GRAND")
_PURPOSES = frozenset({Purpose.DEPOSER_DEMANDES_PAIEMENT})
_NAMES = (
    ("Louise", "GALFE"),
    ("Jean-Baptiste", "MARTIN"),
    ("Hélène", "DUBOIS-LEFÈVRE"),
    ("Camille", "ROUSSEAU"),
    ("Mathis", "NGUYEN"),
)

# Kinds of id, in the first group of a UUID-shaped id (36 characters, as the
# default id generator makes them), so that ids have production size.
_ACCOUNT, _STRUCTURE, _ATTACHMENT, _SUBSCRIPTION = 0xACC, 0x57C, 0xA77, 0x5AB


def entity_id(kind: int, number: int) -> str:
    """A UUID-shaped id, unique per (kind, number)."""
    return f"{kind:08x}-0000-4000-8000-{number:012x}"


def siret(number: int) -> str:
    """A valid SIRET (SIREN and SIRET Luhn check digits), unique per ``number``."""
    body = f"{80_000_000 + number:08d}"
    siren = body + str(luhn.calc_check_digit(body))
    head = siren + "0001"
    return head + str(luhn.calc_check_digit(head))


def user_id(block: int, member: int) -> str:
    """The account id of the ``member``-th user of ``block``."""
    return entity_id(_ACCOUNT, block * (USERS_PER_BLOCK + 1) + 1 + member)


def manager_id(block: int) -> str:
    """The account id of the block's principal manager."""
    return entity_id(_ACCOUNT, block * (USERS_PER_BLOCK + 1))


def structure_id(block: int, index: int) -> str:
    """The id of the ``index``-th structure of ``block``."""
    return entity_id(_STRUCTURE, block * STRUCTURES_PER_BLOCK + index)


@dataclass(slots=True)
class Block:
    """The entities of one block, as built by the domain constructors."""

    accounts: list[Account]
    structures: list[Structure]
    attachments: list[Attachment]
    subscriptions: list[Subscription]

    @property
    def size(self) -> int:
        """How many entities the block holds."""
        return (
            len(self.accounts)
            + len(self.structures)
            + len(self.attachments)
            + len(self.subscriptions)
        )


def _account(number: int, hasher: FastInsecureHasher) -> Account:
    first, last = _NAMES[number % len(_NAMES)]
    return Account(
        id=entity_id(_ACCOUNT, number),
        login_email=EmailAddress(f"utilisateur{number}@exemple-sarl.fr"),
        last_name=last,
        first_name=first,
        created_at=_NOW,
        state=AccountState.ACTIVE,
        password_hash=hasher.hash(f"mot-de-passe-{number}"),
        secret_question=SUGGESTED_SECRET_QUESTIONS[number % len(SUGGESTED_SECRET_QUESTIONS)],
        secret_answer_hash=hasher.hash("medor"),
        last_login_at=_NOW,
        version=2,
    )


def build_block(block: int, hasher: FastInsecureHasher) -> Block:
    """Block ``block``: its manager, users, structures, attachments and subscriptions."""
    manager = manager_id(block)
    first_account = block * (USERS_PER_BLOCK + 1)
    accounts = [_account(first_account + i, hasher) for i in range(USERS_PER_BLOCK + 1)]
    structures = [
        Structure.create(
            structure_id=structure_id(block, s),
            identifier=StructureIdentifier(
                IdentifierType.SIRET, siret(block * STRUCTURES_PER_BLOCK + s)
            ),
            company_name=f"SOCIETE {block * STRUCTURES_PER_BLOCK + s}",
            address=_ADDRESS,
            principal_manager_id=manager,
            purposes=_PURPOSES,
            espaces=_OPEN,
            now=_NOW,
        )
        for s in range(STRUCTURES_PER_BLOCK)
    ]
    attachment_number = block * STRUCTURES_PER_BLOCK * (USERS_PER_BLOCK + 1)
    subscription_number = block * SUBSCRIPTIONS_PER_BLOCK
    attachments: list[Attachment] = []
    subscriptions: list[Subscription] = []
    for structure in structures:
        for account in accounts:
            attachments.append(
                Attachment.direct(
                    attachment_id=entity_id(_ATTACHMENT, attachment_number),
                    account_id=account.id,
                    structure_id=structure.id,
                    by=manager,
                    now=_NOW,
                )
            )
            attachment_number += 1
            if account.id == manager:
                continue  # the principal manager has every right, and no subscription
            for espace, habilitation in RIGHTS:
                granted = Subscription.granted(
                    subscription_id=entity_id(_SUBSCRIPTION, subscription_number),
                    account_id=account.id,
                    structure_id=structure.id,
                    espace=espace,
                    service=DEFAULT_SERVICE,
                    habilitation=habilitation,
                    by=manager,
                    now=_NOW,
                )
                # Rights granted long ago: the user was told then. Dropping the
                # event keeps a million emails out of the outbox.
                granted.pull_events()
                subscriptions.append(granted)
                subscription_number += 1
    assert len(subscriptions) == SUBSCRIPTIONS_PER_BLOCK
    return Block(accounts, structures, attachments, subscriptions)


def populate(store: MemoryStore, blocks: int) -> int:
    """Commit ``blocks`` blocks into ``store``, about 10,000 entities a commit; returns commits."""
    hasher = FastInsecureHasher()
    commits = 0
    block = 0
    while block < blocks:
        with MemoryUnitOfWork(store) as uow:
            staged = 0
            while block < blocks and staged < ENTITIES_PER_COMMIT:
                built = build_block(block, hasher)
                for account in built.accounts:
                    uow.accounts.add(account)
                for structure in built.structures:
                    uow.structures.add(structure)
                for attachment in built.attachments:
                    uow.attachments.add(attachment)
                for subscription in built.subscriptions:
                    uow.subscriptions.add(subscription)
                staged += built.size
                block += 1
            uow.commit()
            commits += 1
    return commits


def blocks_for(subscriptions: int) -> int:
    """Whole blocks holding at least ``subscriptions`` subscriptions (at least one)."""
    return max(1, math.ceil(subscriptions / SUBSCRIPTIONS_PER_BLOCK))


def _service(
    store: MemoryStore | None = None,
    *,
    mailer: MemoryMailbox | None = None,
    directory: MemoryCompanyDirectory | None = None,
) -> OnboardingService:
    """The in-memory wiring with the test fakes and the cheap hasher."""
    return OnboardingService.in_memory(
        store=store,
        clock=FrozenClock(_NOW),
        ids=SequentialIds(),
        hasher=FastInsecureHasher(),
        mailer=mailer or MemoryMailbox(),
        directory=directory or MemoryCompanyDirectory(),
    )


# --- can_access: small store vs large store ----------------------------------

Call = tuple[str, str, Espace, Habilitation]
Pair = tuple[int, int, int]
"""A (user, structure) pair as (block, structure index, member index)."""


def first_pairs(blocks: int) -> list[Pair]:
    """Every (user, structure) pair of the first ``blocks``: those of the small store."""
    return [
        (block, s, member)
        for block in range(blocks)
        for s in range(STRUCTURES_PER_BLOCK)
        for member in range(USERS_PER_BLOCK)
    ]


def spread_pairs(blocks: int, count: int) -> list[Pair]:
    """``count`` distinct pairs drawn (fixed seed) from every block of a ``blocks`` store."""
    count = min(count, blocks * STRUCTURES_PER_BLOCK * USERS_PER_BLOCK)
    draw = random.Random(count * blocks)
    chosen: dict[Pair, None] = {}
    while len(chosen) < count:
        pair = (
            draw.randrange(blocks),
            draw.randrange(STRUCTURES_PER_BLOCK),
            draw.randrange(USERS_PER_BLOCK),
        )
        chosen[pair] = None
    return list(chosen)


def calls_for(pairs: Sequence[Pair], passes: int) -> tuple[list[Call], int]:
    """Every query of :data:`QUERIES` for each pair, ``passes`` times, in a fixed shuffle.

    Returns the calls and how many must answer True. The order is shuffled
    with a fixed seed, so that consecutive calls do not read neighbouring
    entries; the same pairs give the same order.
    """
    calls = [
        (user_id(block, member), structure_id(block, s), espace, mode)
        for block, s, member in pairs
        for espace, mode, _ in QUERIES
    ] * passes
    random.Random(20240301).shuffle(calls)
    granted = sum(answer for _, _, answer in QUERIES) * len(pairs) * passes
    return calls, granted


def time_calls(service: OnboardingService, calls: Sequence[Call]) -> tuple[int, int]:
    """Nanoseconds for every call, and how many answered True."""
    can_access = service.can_access
    granted = 0
    start = time.perf_counter_ns()
    for account_id, structure, espace, mode in calls:
        if can_access(account_id, structure, espace, mode):
            granted += 1
    return time.perf_counter_ns() - start, granted


def _rss_bytes() -> int | None:
    """The process's resident memory (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


@dataclass(frozen=True, slots=True)
class Built:
    """What a populated store holds, and what building it cost (not the store itself)."""

    blocks: int
    accounts: int
    structures: int
    attachments: int
    subscriptions: int
    seconds: float
    commits: int
    rss_growth: int | None

    @property
    def entities(self) -> int:
        """Entities in the store, of every kind."""
        return self.accounts + self.structures + self.attachments + self.subscriptions


def build_store(blocks: int) -> tuple[MemoryStore, Built]:
    """A store of ``blocks`` blocks, timed (GC paused), and its resident memory growth."""
    gc.collect()
    rss_before = _rss_bytes()
    store = MemoryStore()
    with gc_paused():
        start = time.perf_counter()
        commits = populate(store, blocks)
        seconds = time.perf_counter() - start
    gc.collect()
    rss_after = _rss_bytes()
    growth = None if rss_before is None or rss_after is None else rss_after - rss_before
    built = Built(
        blocks=blocks,
        accounts=len(store.accounts.rows),
        structures=len(store.structures.rows),
        attachments=len(store.attachments.rows),
        subscriptions=len(store.subscriptions.rows),
        seconds=seconds,
        commits=commits,
        rss_growth=growth,
    )
    return store, built


@dataclass(frozen=True, slots=True)
class AccessFigures:
    """µs per can_access call on both stores, and the large store's build."""

    small: Built
    large: Built
    small_us: float
    large_us: float
    spread_us: float
    pairs: int
    calls: int
    rounds: int

    @property
    def ratio(self) -> float:
        """Large store's time divided by the small store's, on the same pairs."""
        return self.large_us / self.small_us


@dataclass(frozen=True, slots=True)
class Series:
    """Calls timed on one store's service, and how many of them must answer True."""

    service: OnboardingService
    calls: list[Call]
    granted: int


@dataclass(frozen=True, slots=True)
class AccessStores:
    """Both stores, what they hold, and the series of calls timed on them.

    ``series`` are the small store's pairs on the small store, then on the
    large store, then (when asked for) as many pairs spread over the whole
    large store.
    """

    small: Built
    large: Built
    pairs: int
    series: tuple[Series, ...]


def access_stores(settings: Settings, *, spread: bool) -> AccessStores:
    """Build both stores and the calls timed on them (with ``spread``, the spread series too)."""
    small_store, small = build_store(blocks_for(settings.access_small))
    large_store, large = build_store(max(blocks_for(settings.access_large), small.blocks))
    pairs = first_pairs(small.blocks)
    passes = settings.access_passes
    same_calls, same_granted = calls_for(pairs, passes)
    series = [
        Series(_service(small_store), same_calls, same_granted),
        Series(_service(large_store), same_calls, same_granted),
    ]
    if spread:
        spread_calls, spread_granted = calls_for(spread_pairs(large.blocks, len(pairs)), passes)
        series.append(Series(_service(large_store), spread_calls, spread_granted))
    return AccessStores(small, large, len(pairs), tuple(series))


def warm_up_calls(series: Sequence[Series]) -> None:
    """The first :data:`WARM_UP` calls of every series, untimed."""
    for one in series:
        time_calls(one.service, one.calls[:WARM_UP])


def best_round_us(series: Sequence[Series], rounds: int) -> list[float]:
    """µs per call of each series, the best of ``rounds`` interleaved rounds (GC paused).

    Interleaved: a slower spell of the machine hits every series. Every round
    checks the answers.
    """
    best = [math.inf] * len(series)
    for _ in range(rounds):
        for side, one in enumerate(series):
            with gc_paused():
                elapsed, granted = time_calls(one.service, one.calls)
            assert granted == one.granted
            best[side] = min(best[side], elapsed / len(one.calls) / 1000)
    return best


def measure_access(settings: Settings) -> AccessFigures:
    """Build both stores, then time the calls on each, rounds interleaved, best of each.

    Three series: the small store's pairs on the small store and on the
    large one (the target), and as many pairs spread over the whole large
    store (how a user chosen anywhere fares).
    """
    stores = access_stores(settings, spread=True)
    with frozen_heap():
        warm_up_calls(stores.series)
        small_us, large_us, spread_us = best_round_us(stores.series, settings.access_rounds)
    return AccessFigures(
        small=stores.small,
        large=stores.large,
        small_us=small_us,
        large_us=large_us,
        spread_us=spread_us,
        pairs=stores.pairs,
        calls=len(stores.series[0].calls),
        rounds=settings.access_rounds,
    )


# --- full onboarding through the facade ---------------------------------------

WARM_UP_ONBOARDINGS = 3
"""Untimed onboardings before the timed runs, on a service of their own."""
PASSWORD = "Ma-Boutique-2024!"
QUESTION = SUGGESTED_SECRET_QUESTIONS[0]
ANSWER = "Médor"
STEPS = (
    "register with a new structure (SIRET)",
    "activate: principal manager",
    "register for the existing structure (SIRET)",
    "activate: second user",
    "validate the attachment (principal)",
    "request a subscription (MODIFICATION)",
    "validate the subscription (principal)",
    "can_access → True",
)


def companies(count: int) -> list[CompanyRecord]:
    """``count`` establishments with valid SIRETs for the company register."""
    return [
        CompanyRecord(
            identifier=StructureIdentifier(IdentifierType.SIRET, siret(5_000_000 + i)),
            name=f"ENTREPRISE {i}",
            address=_ADDRESS,
        )
        for i in range(count)
    ]


@dataclass(frozen=True, slots=True)
class OnboardingRun:
    """One run of N onboardings: the wall clock, its first half, the facade time per step."""

    wall_ns: int
    first_half_ns: int
    steps_ns: tuple[int, ...]

    @property
    def second_half_ns(self) -> int:
        """The wall clock of the run's second half."""
        return self.wall_ns - self.first_half_ns


@dataclass(frozen=True, slots=True)
class OnboardingFigures:
    """The best run, and the best first and second halves over all runs.

    Each half keeps its own best: a slow spell of the machine during one
    half of the best run must not pass for a cost that grows with the store.
    """

    best: OnboardingRun
    first_half_ns: int
    second_half_ns: int


class Onboarding:
    """Full onboardings on one fresh service, each facade call timed on its own."""

    def __init__(self, records: Sequence[CompanyRecord]) -> None:
        self.mailbox = MemoryMailbox()
        self.service = _service(mailer=self.mailbox, directory=MemoryCompanyDirectory(records))
        self.steps_ns = [0] * len(STEPS)

    def step(self, number: int, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)``, its time added to step ``number``."""
        start = time.perf_counter_ns()
        out = call(*args, **kwargs)
        self.steps_ns[number] += time.perf_counter_ns() - start
        return out

    def activate(self, number: int, email: str) -> None:
        """Follow the activation link emailed to ``email`` (only the facade call is timed)."""
        link = link_parameters(self.mailbox, email, "activationCompte")
        self.step(
            number,
            self.service.activate_account,
            login_email=link["email"],
            token=link["token"],
            password=PASSWORD,
            password_confirmation=PASSWORD,
            secret_question=QUESTION,
            secret_answer=ANSWER,
        )

    def onboard(self, i: int, record: CompanyRecord) -> None:
        """The ``i``-th full onboarding, on ``record``'s SIRET."""
        service, step = self.service, self.step
        number = record.identifier.value
        manager_email = f"gerance{i}@entreprise{i}.fr"
        user_email = f"comptable{i}@entreprise{i}.fr"
        new_structure = NewStructureRegistration(
            login_email=manager_email,
            login_email_confirmation=manager_email,
            last_name="GALFE",
            first_name="Louise",
            captcha="XWWXS",
            siret=number,
        )
        created = step(0, service.register_with_new_structure, new_structure)
        self.activate(1, manager_email)
        existing = ExistingStructureRegistration(
            login_email=user_email,
            login_email_confirmation=user_email,
            last_name="MARTIN",
            first_name="Jean-Baptiste",
            captcha="XWWXS",
            siret=number,
        )
        joined = step(2, service.register_for_existing_structure, existing)
        self.activate(3, user_email)
        manager, user = Actor.user(created.account_id), Actor.user(joined.account_id)
        structure, attachment = created.structure_id, joined.attachment_id
        assert structure is not None
        assert attachment is not None
        step(4, service.validate_attachment, manager, attachment)
        asked = step(
            5,
            service.request_subscription,
            user,
            structure,
            Espace.FACTURES_EMISES,
            habilitation=Habilitation.MODIFICATION,
        )
        step(6, service.validate_subscription, manager, asked)
        allowed = step(
            7,
            service.can_access,
            joined.account_id,
            structure,
            Espace.FACTURES_EMISES,
            Habilitation.MODIFICATION,
        )
        assert allowed
        # The fake mailbox keeps every email and link_parameters reads them all:
        # emptied after each onboarding, reading a link stays a constant cost.
        self.mailbox.sent.clear()


def onboard_all(records: Sequence[CompanyRecord]) -> OnboardingRun:
    """One full onboarding per company, on a fresh service; timed call by call."""
    onboarding = Onboarding(records)
    half = len(records) // 2
    first_half = 0
    start = time.perf_counter_ns()
    for i, record in enumerate(records):
        if i == half:
            first_half = time.perf_counter_ns() - start
        onboarding.onboard(i, record)
    wall = time.perf_counter_ns() - start
    return OnboardingRun(wall, first_half, tuple(onboarding.steps_ns))


def warm_up_onboardings() -> None:
    """A few untimed onboardings: caches (the password policy's list...) are filled once."""
    onboard_all(companies(WARM_UP_ONBOARDINGS))


def timed_run(records: Sequence[CompanyRecord]) -> OnboardingRun:
    """One timed run on a fresh service, after a full collection (the collector left on)."""
    gc.collect()
    return onboard_all(records)


def measure_onboarding(settings: Settings) -> OnboardingFigures:
    """Best of ``settings.runs`` runs of ``settings.onboardings`` onboardings (GC on)."""
    records = companies(settings.onboardings)
    warm_up_onboardings()
    runs: list[OnboardingRun] = []
    with frozen_heap():
        for _ in range(settings.runs):
            runs.append(timed_run(records))
    return OnboardingFigures(
        best=min(runs, key=lambda one: one.wall_ns),
        first_half_ns=min(one.first_half_ns for one in runs),
        second_half_ns=min(one.second_half_ns for one in runs),
    )


# --- the result ------------------------------------------------------------------


def _access_rows(a: AccessFigures) -> list[Row]:
    section = f"can_access, µs per call (best of {a.rounds}, GC paused, {a.calls:,} calls a run)"
    stores = "the stores (built directly through MemoryUnitOfWork commits, GC paused)"
    large = a.large
    rows = [
        Row(
            section,
            f"{a.small.subscriptions:,} subscriptions",
            "µs",
            a.small_us,
            note=f"{a.small.blocks:,} blocks",
        ),
        Row(
            section,
            f"{large.subscriptions:,} subscriptions",
            "µs",
            a.large_us,
            note=f"{large.blocks:,} blocks",
        ),
        Row(
            section,
            "large store vs small store",
            "×",
            a.ratio,
            note=f"same pairs; target ≤ {SAME_WITHIN:.2f}",
        ),
        Row(
            section,
            f"{large.subscriptions:,}, pairs spread over the store",
            "µs",
            a.spread_us,
            note=f"{a.spread_us / a.small_us:.2f}× the small store; no target",
        ),
        Row(
            stores,
            f"build {large.subscriptions:,} subscriptions",
            "s",
            large.seconds,
            note=f"{large.entities:,} entities in {large.commits:,} commits",
        ),
        Row(
            stores,
            "per entity committed",
            "µs",
            large.seconds / large.entities * 1e6,
        ),
    ]
    if large.rss_growth is not None:
        rows.append(
            Row(
                stores,
                "resident memory growth",
                "MB",
                large.rss_growth / 1e6,
                note="RSS after building minus before",
                decimals=0,
            )
        )
        rows.append(
            Row(
                stores,
                "memory per subscription",
                "B",
                large.rss_growth / large.subscriptions,
                note="the whole store's growth / subscriptions",
                decimals=0,
            )
        )
    return rows


def _onboarding_rows(figures: OnboardingFigures, settings: Settings) -> list[Row]:
    o = figures.best
    n = settings.onboardings
    section = f"full onboarding through the facade ({n:,} a run, best of {settings.runs}, GC on)"
    steps = "µs per step (facade call), in the best run"
    facade_ns = sum(o.steps_ns)
    half = n // 2
    rows = [
        Row(section, "full onboardings per second", "/s", n / (o.wall_ns / 1e9), decimals=0),
        Row(section, "µs per full onboarding", "µs", o.wall_ns / n / 1000, decimals=0),
        Row(
            section,
            "of which facade calls",
            "µs",
            facade_ns / n / 1000,
            note="the 8 steps below",
            decimals=0,
        ),
        Row(
            section,
            "of which the benchmark's own work",
            "µs",
            (o.wall_ns - facade_ns) / n / 1000,
            note="building forms, reading the emailed links",
            decimals=0,
        ),
    ]
    if half:
        rows.append(
            Row(
                section,
                "µs per onboarding, first half of a run",
                "µs",
                figures.first_half_ns / half / 1000,
                note=f"best of {settings.runs} runs",
                decimals=0,
            )
        )
        rows.append(
            Row(
                section,
                "µs per onboarding, second half of a run",
                "µs",
                figures.second_half_ns / (n - half) / 1000,
                note="on a bigger store: should match the first half",
                decimals=0,
            )
        )
    rows.extend(
        Row(steps, name, "µs", ns / n / 1000, decimals=1)
        for name, ns in zip(STEPS, o.steps_ns, strict=True)
    )
    return rows


def run(settings: Settings) -> Result:
    """Measure can_access on a small and a large store, then full onboardings."""
    access = measure_access(settings)
    gc.collect()  # the stores are gone: the onboardings run on a heap of their own
    onboarding = measure_onboarding(settings)
    small_n, large_n = access.small.subscriptions, access.large.subscriptions
    large = access.large
    notes = [
        f"store shape: blocks of {USERS_PER_BLOCK} users and {STRUCTURES_PER_BLOCK} structures; "
        f"each user attached to the block's structures with {len(RIGHTS)} validated "
        f"subscriptions on each ({SUBSCRIPTIONS_PER_BLOCK} a block), plus one principal "
        "manager account per block. Large store: "
        f"{large.accounts:,} accounts, {large.structures:,} structures, "
        f"{large.attachments:,} attachments, {large_n:,} "
        "subscriptions.",
        f"can_access is timed on every (user, structure) pair of the small store "
        f"({access.pairs:,} pairs, the first blocks of both stores, same ids), "
        f"{len(QUERIES)} queries each (one granted, one refused at the last check), "
        f"{settings.access_passes} times each in a fixed shuffled order; rounds alternate between the "
        f"stores. The spread row: {access.pairs:,} other pairs drawn from every block of "
        "the large store, the same way (informative).",
        "onboarding: the company register knows every SIRET used (name and address "
        "pre-filled); the emailed activation links are followed with "
        "testing.fakes.link_parameters; the mailbox is emptied after each onboarding.",
        "onboarding steps run with the collector on: each is charged the collections its "
        "allocations happen to trigger, so their split carries the collector's cost unevenly "
        "(can_access there costs more than in the warm loop above, GC paused).",
    ]
    if access.large.rss_growth is None:
        notes.append("resident memory cannot be read on this system: no memory figure.")
    if settings.quick:
        notes.append(
            f"quick mode: {small_n:,} vs {large_n:,} subscriptions (the full run uses "
            f"{FULL.access_small:,} vs {FULL.access_large:,}) and {settings.onboardings:,} "
            f"onboardings a run (full: {FULL.onboardings:,})."
        )
    targets = (
        Target(
            f"can_access with {large_n:,} vs {small_n:,} subscriptions",
            access.ratio,
            f"× the time with {small_n:,}",
            SAME_WITHIN,
            "max",
        ),
    )
    rows = _access_rows(access) + _onboarding_rows(onboarding, settings)
    return Result(
        TITLE,
        tuple(rows),
        targets,
        tuple(notes),
        scale=f"{small_n:,} and {large_n:,} subscriptions; {settings.onboardings:,} onboardings",
    )
