"""What an account costs to load and to move, against one ``transitions.Machine`` per instance.

The library runs every account's lifecycle on ONE machine per entity class
(:data:`~chorus_onboarding.domain.accounts.ACCOUNT_LIFECYCLE`), so loading an
account is nothing but building a slotted ``attrs`` object from its stored
fields. The anchor is the design it replaces: the same fields on a plain
``__dict__`` class (``transitions`` attaches methods to its models, which a
slotted class cannot take) with its own ``transitions.Machine`` built at load
time, as ``Machine(model=entity, ..., initial=stored_state)``.

Measured for N accounts:

- **load**: ``Account(**stored_fields)`` for N pre-built rows, µs per account;
- **load + fire**: the same, then ``ACCOUNT_LIFECYCLE.fire(account, "expire")``;
- **memory**: bytes per account kept alive, traced with :mod:`tracemalloc`,
  for a freshly registered account awaiting activation and for an active one
  (password hash, secret question and answer hash), broken down by field.
"""

from __future__ import annotations

import base64
import enum
import gc
import hashlib
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict, TypeVar

import attrs
from harness import (
    Result,
    Row,
    Settings,
    Target,
    best_ns,
    best_prepared_ns,
    frozen_heap,
    retained_bytes,
)
from transitions import Machine

from chorus_onboarding.domain.accounts import (
    ACCOUNT_LIFECYCLE,
    SUGGESTED_SECRET_QUESTIONS,
    Account,
    AccountState,
)
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.tokens import PendingToken

TITLE = "account lifecycle: one class-level machine vs one transitions.Machine per instance"
ANCHOR = "Machine per instance"

LOAD_TARGET_US = 2.0
MEMORY_TARGET_BYTES = 1024
SPEED_UP_TARGET = 50.0

E = TypeVar("E")

_PENDING = AccountState.ACTIVATION_PENDING
_ACTIVE = AccountState.ACTIVE
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_ACTIVATION_VALIDITY = timedelta(days=3)
_ARGON2_LENGTH = 97
# (first name, last name, email local part): accents and hyphens as in real
# registrations, emails of about 30 characters once the number is appended.
_PEOPLE = (
    ("Louise", "Galfe", "louise.galfe"),
    ("Jean-Baptiste", "Martin", "jb.martin"),
    ("Hélène", "Dubois-Lefèvre", "helene.dubois"),
    ("Camille", "Rousseau", "camille.rousseau"),
    ("Mathis", "Nguyen", "m.nguyen"),
    ("Anne-Sophie", "Lefebvre", "as.lefebvre"),
)


class AccountFields(TypedDict):
    """Every constructor argument of :class:`Account`: one stored row, mapped to fields."""

    id: str
    login_email: EmailAddress
    last_name: str
    first_name: str
    created_at: datetime
    state: AccountState
    contact_email_override: EmailAddress | None
    survey_consent: bool
    password_hash: str | None
    secret_question: str | None
    secret_answer_hash: str | None
    activation: PendingToken | None
    password_reset: PendingToken | None
    reactivation: PendingToken | None
    failed_logins: int
    login_blocked_until: datetime | None
    failed_answers: int
    answers_blocked_until: datetime | None
    last_login_at: datetime | None
    version: int


def _fresh(text: str) -> str:
    # A database driver hands back a new string per row; copying the sample
    # text makes each account own its strings, as it would after a query.
    return text.encode().decode()


def _argon2_like(i: int, tag: str) -> str:
    """A string shaped and sized like an argon2id hash (97 characters)."""
    raw = base64.b64encode(hashlib.sha512(f"{tag}{i}".encode()).digest()).decode()
    text = f"$argon2id$v=19$m=65536,t=3,p=4${raw[:22]}${raw[22:65]}"
    assert len(text) == _ARGON2_LENGTH
    return text


def stored_account(i: int, state: AccountState) -> AccountFields:
    """The stored fields of the ``i``-th sample account, with realistic sizes.

    ACTIVATION_PENDING is a freshly registered account: an activation token
    digest (SHA-256 hex) and its deadline. ACTIVE is an activated one: no
    token, a password hash and a secret answer hash (argon2id-sized), a
    secret question and a last login.
    """
    first, last, local = _PEOPLE[i % len(_PEOPLE)]
    email = f"{local}{i}@exemple-sarl.fr"
    created_at = _EPOCH + timedelta(seconds=i)
    active = state is _ACTIVE
    activation = None
    if state is _PENDING:
        digest = hashlib.sha256(f"token{i}".encode()).hexdigest()
        activation = PendingToken(digest=digest, expires_at=created_at + _ACTIVATION_VALIDITY)
    question = SUGGESTED_SECRET_QUESTIONS[i % len(SUGGESTED_SECRET_QUESTIONS)]
    return AccountFields(
        id=str(uuid.UUID(int=i, version=4)),
        login_email=EmailAddress(email),
        last_name=_fresh(last),
        first_name=_fresh(first),
        created_at=created_at,
        state=state,
        contact_email_override=None,
        survey_consent=i % 2 == 0,
        password_hash=_argon2_like(i, "password") if active else None,
        secret_question=_fresh(question) if active else None,
        secret_answer_hash=_argon2_like(i, "answer") if active else None,
        activation=activation,
        password_reset=None,
        reactivation=None,
        failed_logins=0,
        login_blocked_until=None,
        failed_answers=0,
        answers_blocked_until=None,
        last_login_at=created_at + timedelta(days=30) if active else None,
        version=3 if active else 1,
    )


# The raw columns of a pending account, before any value object is built:
# id, login email, its key, last name, first name, created at, token digest,
# token deadline, version.
StoredColumns = tuple[str, str, str, str, datetime, str, datetime, int]


def stored_columns(fields: AccountFields) -> StoredColumns:
    """The columns a repository reads for a pending account (value objects flattened)."""
    activation = fields["activation"]
    assert activation is not None
    email = fields["login_email"]
    return (
        fields["id"],
        email.value,
        fields["last_name"],
        fields["first_name"],
        fields["created_at"],
        activation.digest,
        activation.expires_at,
        fields["version"],
    )


# --- this library: one machine per class ---------------------------------
# The four loops below have the same shape (a local ``append``, one object
# per row) so that their differences are what they build, not how they loop.


def load(rows: Sequence[AccountFields]) -> list[Account]:
    """Build one :class:`Account` per stored row, as a repository loads them."""
    loaded: list[Account] = []
    append = loaded.append
    for fields in rows:
        append(Account(**fields))
    return loaded


def load_and_fire(rows: Sequence[AccountFields]) -> list[Account]:
    """:func:`load`, then fire ``expire`` on each account through the class-level machine."""
    loaded: list[Account] = []
    append = loaded.append
    fire = ACCOUNT_LIFECYCLE.fire
    for fields in rows:
        account = Account(**fields)
        fire(account, "expire")
        append(account)
    return loaded


def load_from_columns(rows: Sequence[StoredColumns]) -> list[Account]:
    """:func:`load` from raw columns: the email and token value objects are built too."""
    loaded: list[Account] = []
    append = loaded.append
    for ident, email, last, first, created, digest, deadline, version in rows:
        append(
            Account(
                id=ident,
                login_email=EmailAddress(email),
                last_name=last,
                first_name=first,
                created_at=created,
                state=_PENDING,
                activation=PendingToken(digest=digest, expires_at=deadline),
                version=version,
            )
        )
    return loaded


# --- the anchor: one machine per instance ---------------------------------


class PlainAccount:
    """The same account as a plain ``__dict__`` class, model of its own machine.

    ``transitions`` sets ``state`` and attaches one method per event (plus
    ``trigger``, ``may_trigger``, ``is_<state>``...) to each model; the two
    used here are declared for the type checker.
    """

    state: AccountState
    expire: Callable[[], bool]

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)
        self.pending_events: list[object] = []


# The library's own table, in the form transitions takes it, so that both
# sides run the very same transitions.
_TRANSITIONS = [
    {"trigger": row.event, "source": list(row.sources), "dest": row.dest}
    for row in ACCOUNT_LIFECYCLE.table
]


def anchored(fields: AccountFields) -> PlainAccount:
    """One entity with its own machine, started in the stored state.

    The machine needs no variable: the methods it attaches to the entity
    refer to it, so it lives as long as the entity does.
    """
    entity = PlainAccount(**fields)
    Machine(
        model=entity,
        states=AccountState,
        transitions=_TRANSITIONS,
        initial=fields["state"],
        auto_transitions=False,
    )
    return entity


def anchor_load(rows: Sequence[AccountFields]) -> list[PlainAccount]:
    """Build one entity and its own machine per stored row."""
    loaded: list[PlainAccount] = []
    append = loaded.append
    for fields in rows:
        append(anchored(fields))
    return loaded


def anchor_load_and_fire(rows: Sequence[AccountFields]) -> list[PlainAccount]:
    """:func:`anchor_load`, then fire ``expire`` through each entity's own machine."""
    loaded: list[PlainAccount] = []
    append = loaded.append
    for fields in rows:
        entity = anchored(fields)
        entity.expire()
        append(entity)
    return loaded


# --- measuring --------------------------------------------------------------


def fire_all(accounts: Sequence[Account]) -> Sequence[Account]:
    """Fire ``expire`` on each loaded account through the class-level machine."""
    fire = ACCOUNT_LIFECYCLE.fire
    for account in accounts:
        fire(account, "expire")
    return accounts


def anchor_fire_all(entities: Sequence[PlainAccount]) -> Sequence[PlainAccount]:
    """Fire ``expire`` on each loaded entity through its own machine."""
    for entity in entities:
        entity.expire()
    return entities


def _us_per(loop: Callable[[], object], count: int, runs: int, *, pause_gc: bool = True) -> float:
    return best_ns(runs, loop, pause_gc=pause_gc) / count / 1000


def _fire_us(
    loaded: Callable[[], Sequence[E]],
    fire: Callable[[Sequence[E]], object],
    count: int,
    runs: int,
) -> float:
    # Firing moves the entities on: each run gets freshly loaded ones,
    # loaded before its clock starts.
    return best_prepared_ns(runs, loaded, fire) / count / 1000


def _bytes_per(count: int, make: Callable[[int], object]) -> float:
    """Traced bytes per object kept alive, for ``count`` objects made by ``make(i)``."""
    # The holding list is allocated before tracing, so its own 8 bytes per
    # entry do not count: only what each entity owns does.
    held: list[object] = [None] * count

    def build() -> None:
        for i in range(count):
            held[i] = make(i)

    return retained_bytes(build) / count


@dataclass(frozen=True, slots=True)
class Memory:
    """Traced bytes per account: this library, the plain entity, the plain entity + machine."""

    ours: float
    plain: float
    anchor: float


def account_bytes(state: AccountState, n: int) -> float:
    """Traced bytes per :class:`Account` kept alive, over ``n`` loaded accounts in ``state``."""
    return _bytes_per(n, lambda i: Account(**stored_account(i, state)))


def _memory(state: AccountState, n: int, sample: int) -> Memory:
    """Trace ``n`` loaded accounts in ``state``, and ``sample`` of each anchor variant."""

    def plain(i: int) -> PlainAccount:
        return PlainAccount(**stored_account(i, state))

    def anchor(i: int) -> PlainAccount:
        return anchored(stored_account(i, state))

    return Memory(account_bytes(state, n), _bytes_per(sample, plain), _bytes_per(sample, anchor))


def _machines_alive() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Machine))


def machines_per_entity(build: Callable[[], object], count: int) -> float:
    """``transitions.Machine`` objects that building ``count`` entities left alive, per entity."""
    gc.collect()
    before = _machines_alive()
    kept = build()
    after = _machines_alive()
    del kept
    return (after - before) / count


def deep_size(value: object) -> int:
    """Bytes ``value`` owns, by :func:`sys.getsizeof` through value objects and lists.

    Shared objects count nothing: ``None``, booleans, enum members and the
    small integers CPython caches are the same object in every account.
    """
    if value is None or isinstance(value, bool | enum.Enum):
        return 0
    if isinstance(value, int) and -5 <= value <= 256:
        return 0
    cls = type(value)
    if attrs.has(cls):
        inner = (getattr(value, f.name) for f in attrs.fields(cls))
        return sys.getsizeof(value) + sum(deep_size(item) for item in inner)
    if isinstance(value, list | tuple):
        return sys.getsizeof(value) + sum(deep_size(item) for item in value)
    return sys.getsizeof(value)


def field_breakdown(account: Account) -> list[tuple[str, int, str]]:
    """(part, bytes, what) for the account object and each field that owns memory."""
    parts = [
        (
            "Account object",
            sys.getsizeof(account),
            f"{len(Account.__slots__)} slots, GC header",
        )
    ]
    shared: list[str] = []
    for f in attrs.fields(Account):
        value = getattr(account, f.name)
        size = deep_size(value)
        if size == 0:
            shared.append(f.name)
            continue
        parts.append((f.name, size, type(value).__name__))
    parts.sort(key=lambda part: -part[1])
    parts.append(("shared values", 0, f"{len(shared)} fields: None/enum/bool/small int"))
    return parts


def _breakdown_rows(state: AccountState) -> list[Row]:
    section = f"memory by field, one {state.name} account (sys.getsizeof, deep)"
    account = Account(**stored_account(123_456, state))
    parts = field_breakdown(account)
    rows = [Row(section, name, "B", size, note=what, decimals=0) for name, size, what in parts]
    total = sum(size for _, size, _ in parts)
    rows.append(Row(section, "total", "B", total, decimals=0))
    return rows


@dataclass(frozen=True, slots=True)
class LibraryTimings:
    """µs per account of this library's loops: the rows of the table, before the anchor's."""

    load: float
    load_fire: float
    load_columns: float
    fire: float
    load_gc: float
    load_fire_gc: float


def pending_account_rows(n: int) -> tuple[list[AccountFields], list[StoredColumns]]:
    """``n`` stored ACTIVATION_PENDING accounts, as fields and as raw columns."""
    fields = [stored_account(i, _PENDING) for i in range(n)]
    return fields, [stored_columns(row) for row in fields]


def library_loops(
    rows: Sequence[AccountFields], columns: Sequence[StoredColumns]
) -> dict[str, Callable[[int], float]]:
    """This library's loops over ``rows`` (and ``columns``), by the name of their figure.

    Each takes a number of runs and returns µs per account, the best of them.
    Checked first: firing ``expire`` must leave the accounts EXPIRED.
    """
    n = len(rows)
    assert all(a.state is AccountState.EXPIRED for a in load_and_fire(rows[:3]))
    return {
        "load": lambda runs: _us_per(lambda: load(rows), n, runs),
        "load_fire": lambda runs: _us_per(lambda: load_and_fire(rows), n, runs),
        "load_columns": lambda runs: _us_per(lambda: load_from_columns(columns), n, runs),
        "fire": lambda runs: _fire_us(lambda: load(rows), fire_all, n, runs),
        "load_gc": lambda runs: _us_per(lambda: load(rows), n, runs, pause_gc=False),
        "load_fire_gc": lambda runs: _us_per(lambda: load_and_fire(rows), n, runs, pause_gc=False),
    }


def time_library(
    rows: Sequence[AccountFields], columns: Sequence[StoredColumns], runs: int
) -> LibraryTimings:
    """Every loop of :func:`library_loops`, best of ``runs`` each, in the table's order."""
    loops = library_loops(rows, columns)
    return LibraryTimings(**{name: loop(runs) for name, loop in loops.items()})


@dataclass(frozen=True, slots=True)
class Timings:
    """µs per account on both sides, and machines left alive per account."""

    ours: LibraryTimings
    anchor_load: float
    anchor_load_fire: float
    anchor_fire: float
    anchor_load_gc: float
    anchor_load_fire_gc: float
    anchor_n: int
    estimate_s: float
    machines: float
    anchor_machines: float


def _time_all(settings: Settings) -> Timings:
    """Every timing, on rows built here and freed on return (before memory is traced)."""
    n, runs = settings.accounts, settings.runs
    pending_rows, column_rows = pending_account_rows(n)

    with frozen_heap():
        # Both sides must end where the table says before their speed means anything.
        assert all(a.state is AccountState.EXPIRED for a in anchor_load_and_fire(pending_rows[:3]))
        ours = time_library(pending_rows, column_rows, runs)

        # The anchor costs hundreds of µs an entity: estimate its runs (four
        # timed loops, plus the loading that prepares the firing one, timed
        # or not) on a few entities and fall back to a sample when all N would
        # overrun. The estimate is low: with the collector on, an entity costs more.
        probe = pending_rows[: min(n, 200)]
        start = time.perf_counter()
        anchor_load_and_fire(probe)
        estimate_s = (time.perf_counter() - start) / len(probe) * n * runs * 6
        anchor_n = n
        if estimate_s > settings.anchor_budget_s:
            anchor_n = min(n, settings.anchor_sample)
        anchor_rows = pending_rows[:anchor_n]
        sample = pending_rows[: min(n, settings.memory_sample)]
        return Timings(
            ours=ours,
            anchor_load=_us_per(lambda: anchor_load(anchor_rows), anchor_n, runs),
            anchor_load_fire=_us_per(lambda: anchor_load_and_fire(anchor_rows), anchor_n, runs),
            anchor_fire=_fire_us(lambda: anchor_load(anchor_rows), anchor_fire_all, anchor_n, runs),
            anchor_load_gc=_us_per(
                lambda: anchor_load(anchor_rows), anchor_n, runs, pause_gc=False
            ),
            anchor_load_fire_gc=_us_per(
                lambda: anchor_load_and_fire(anchor_rows), anchor_n, runs, pause_gc=False
            ),
            anchor_n=anchor_n,
            estimate_s=estimate_s,
            machines=machines_per_entity(lambda: load(pending_rows), n),
            anchor_machines=machines_per_entity(lambda: anchor_load(sample), len(sample)),
        )


def run(settings: Settings) -> Result:
    """Time loading and firing, trace memory, and check the issue's targets."""
    n, runs = settings.accounts, settings.runs
    notes: list[str] = []
    t = _time_all(settings)
    if t.anchor_n < n:
        notes.append(
            f"per-instance machine timed on the first {t.anchor_n:,} of the {n:,} accounts: "
            f"all of them would take {t.estimate_s:,.{0 if t.estimate_s >= 10 else 1}f} s or more "
            f"(budget {settings.anchor_budget_s:,.0f} s)."
        )
    sample = min(n, settings.memory_sample)
    memory = {state: _memory(state, n, sample) for state in (_PENDING, _ACTIVE)}
    if sample < n:
        notes.append(f"per-instance machine memory traced on {sample:,} accounts.")

    timing = f"time, µs per account (best of {runs}, GC paused)"
    gc_on = f"time, µs per account (best of {runs}, GC on, as in a long-running process)"
    traced = "memory, bytes per account kept alive (tracemalloc)"
    rows = [
        Row(timing, "load: Account(**stored fields)", "µs", t.ours.load, t.anchor_load),
        Row(timing, 'load + fire "expire"', "µs", t.ours.load_fire, t.anchor_load_fire),
        Row(
            timing,
            'fire "expire" on loaded accounts',
            "µs",
            t.ours.fire,
            t.anchor_fire,
            note="firing alone, loading outside the clock",
        ),
        Row(
            timing,
            "load from raw columns",
            "µs",
            t.ours.load_columns,
            note="EmailAddress and PendingToken built too",
        ),
        Row(
            gc_on,
            "load: Account(**stored fields)",
            "µs",
            t.ours.load_gc,
            t.anchor_load_gc,
            note="collections triggered by the loop included",
        ),
        Row(gc_on, 'load + fire "expire"', "µs", t.ours.load_fire_gc, t.anchor_load_fire_gc),
    ]
    rows.extend(
        Row(traced, f"{state.name} account", "B", m.ours, m.anchor, decimals=0)
        for state, m in memory.items()
    )
    rows.extend(
        Row(
            traced,
            f"{state.name}: the machine alone",
            "B",
            0,
            m.anchor - m.plain,
            note="anchor minus the same entity without machine",
            decimals=0,
        )
        for state, m in memory.items()
    )
    rows.append(
        Row(
            "machines",
            "transitions.Machine objects left per account",
            "",
            t.machines,
            t.anchor_machines,
            note="counted with gc.get_objects()",
            decimals=0,
        )
    )
    rows.extend(_breakdown_rows(_PENDING))
    rows.extend(_breakdown_rows(_ACTIVE))

    speed_up = t.anchor_load / t.ours.load
    targets = (
        Target("load one account with a stored state", t.ours.load, "µs", LOAD_TARGET_US, "max"),
        Target(
            "load vs a per-instance machine",
            speed_up,
            "× cheaper",
            SPEED_UP_TARGET,
            "min",
            decimals=0,
        ),
        Target(
            "no per-instance machine",
            t.machines,
            "machines per account",
            0,
            "max",
            decimals=0,
        ),
        *(
            Target(
                f"memory per {state.name} account",
                m.ours,
                "B",
                MEMORY_TARGET_BYTES,
                "max",
                decimals=0,
            )
            for state, m in memory.items()
        ),
    )
    notes.append(
        "the by-field breakdown is of one sample account; names and emails vary in "
        "length between accounts, so its total differs a little from the traced average."
    )
    notes.append(
        "memory counts everything an account keeps alive: the object, its strings, "
        "datetimes and value objects (each account owns them, as after a query)."
    )
    return Result(TITLE, tuple(rows), targets, tuple(notes), anchor_name=ANCHOR)
