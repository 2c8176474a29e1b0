"""Thousands of generated junk calls into every public method, on memory, SQLite and PostgreSQL.

Each call starts from valid arguments (those of ``test_robustness``) and has
some of them replaced by junk: hostile text, numbers of every size, floats
that are not numbers, containers, opaque objects, forms with junk fields,
or a value that is valid somewhere else (another entity's id, another
user, the support team). Whatever happens, the only exceptions are the
library's own.
"""

from __future__ import annotations

import collections
import itertools
import reprlib
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chorus_onboarding import (
    Actor,
    Address,
    Espace,
    EspaceGrant,
    Habilitation,
    OnboardingError,
    StructureStatus,
)
from chorus_onboarding.actors import ActorKind
from chorus_onboarding.adapters.hashing import Argon2Hasher, FastInsecureHasher
from chorus_onboarding.ports import PasswordHasher
from chorus_onboarding.relay import RelayWorker
from chorus_onboarding.testing.world import PASSWORD, World, build_world
from tests.integration import test_robustness as robustness
from tests.integration.test_robustness import JUNK, Scene, _calls, _public_methods
from tests.postgres import empty_postgres, require_postgres

# --- worlds and scenes ------------------------------------------------------------


def _world(store: str, folder: Path, number: int, hasher: PasswordHasher) -> World:
    """A fresh, empty world on ``store`` (a new SQLite file each time), logins asking for a code."""
    url = (
        empty_postgres().url.render_as_string(hide_password=False)
        if store == "postgresql"
        else None
    )
    path = folder / f"fuzz-{number}.sqlite3"
    return build_world(
        store=store,  # type: ignore[arg-type]
        path=path,
        url=url,
        hasher=hasher,
        login_code=True,
    )


def _scene(world: World) -> Scene:
    """``test_robustness``'s scene, built on ``world`` rather than on a world of its own."""
    with mock.patch.object(robustness, "build_world", return_value=world):
        return robustness._prepared()


def _leaves(value: Any) -> Iterator[object]:
    """``value`` and what it holds: the fields of a form, the items of a list."""
    yield value
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _leaves(getattr(value, field.name))


def _borrowed(valid: dict[str, dict[str, Any]], scene: Scene) -> list[object]:
    """Values that are valid somewhere: to be passed where they are not."""
    pool: list[object] = [
        Actor.support(),
        Actor.user(scene.gone_id),
        Actor.user(scene.pending_id),
        Actor.user(scene.structure_id),
        Address("1 rue de la Paix", "75002", "Paris"),
        EspaceGrant("SOLLICITATIONS_EMISES"),
        [EspaceGrant("FACTURES_EMISES"), EspaceGrant("FACTURES_EMISES")],
        *Espace,
        *Habilitation,
        *StructureStatus,
        date(2018, 1, 11),
    ]
    for kwargs in valid.values():
        for value in kwargs.values():
            pool.extend(leaf for leaf in _leaves(value) if leaf not in pool)
    return pool


class _Opaque:
    """An object of a class no library code has heard of."""

    def __repr__(self) -> str:
        return "<opaque>"


class _Text(str):
    """Text, in a subclass."""


SURROGATES = ["\ud800", "\udfff", "a\udc80b", "Mot-De-Passe-\ud800-2024"]
HOSTILE_TEXT = [
    *SURROGATES,
    "\x00",
    "id-000001\x00",
    "\u202eevil\u202c",
    "\u200b",
    "\ufeff",
    "\r\n",
    "\t",
    "%s",
    "%(name)s",
    "{0}",
    "{field}",
    "{0.__class__}",
    "{",
    "}",
    "' OR '1'='1",
    "'; DROP TABLE co_accounts; --",
    '"',
    "\\",
    "%",
    "_",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "9" * 40,
    "52601815500014",
    "id-999999",
    "louise.galfe@dressing-louise.fr ",
    "LOUISE.GALFE@DRESSING-LOUISE.FR",
    "xn--caf-dma.fr",
    "a@b",
    "@",
    "<script>alert(1)</script>",
    "../../etc/passwd",
]
OPAQUE: list[object] = [
    object(),
    _Opaque(),
    _Text("FACTURES_EMISES"),
    _Text("\x00"),
    int,
    len,
    Ellipsis,
    complex(1, 2),
    Decimal("NaN"),
    Decimal("1e999999"),
    Fraction(1, 3),
    bytearray(b"ba"),
    memoryview(b"mv"),
    range(3),
    date.min,
    date.max,
    datetime.max.replace(tzinfo=UTC),
    datetime(2018, 1, 11, 12, 30),
    timedelta.max,
    ActorKind.SUPPORT,
    10**5000,
    -(10**5000),
    2**63,
    -(2**63) - 1,
]


def _scalar_strategy() -> st.SearchStrategy[object]:
    characters = st.one_of(
        st.characters(exclude_categories=()), st.sampled_from(["\ud800", "\udc80", "\udfff"])
    )
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(characters, max_size=30),
        st.builds(
            lambda piece, times: piece * times,
            st.sampled_from(["x", "é", "\x00", "\ud800", "😀", "1", "a@b.fr"]),
            st.sampled_from([255, 256, 1025, 5_000, 100_000]),
        ),
        st.integers().map(str),
        st.floats().map(str),
        st.integers(),
        st.integers(min_value=-(2**100), max_value=2**100),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        st.binary(max_size=20),
        st.sampled_from(JUNK),
        st.sampled_from(OPAQUE),
    )


SCALARS = _scalar_strategy()


def _junk(borrowed: list[object]) -> st.SearchStrategy[object]:
    """Anything a confused or hostile caller could pass."""
    hashable = st.one_of(st.text(max_size=10), st.integers(), st.none(), st.booleans())
    scalar = st.one_of(SCALARS, st.sampled_from(borrowed))
    return st.one_of(
        scalar,
        scalar,
        st.lists(scalar, max_size=4),
        st.lists(scalar, max_size=4).map(tuple),
        st.dictionaries(hashable, scalar, max_size=3),
        st.frozensets(hashable, max_size=3),
        st.sets(hashable, max_size=3),
        st.builds(_actor_or_junk, st.just(Actor.user), scalar),
        st.builds(_actor_or_junk, st.just(Actor.support), scalar),
        st.builds(
            lambda kind, account, name: _actor_or_junk(lambda _: Actor(kind, account, name), kind),
            st.sampled_from([*ActorKind, "USER", "SUPPORT", None]),
            scalar,
            scalar,
        ),
        st.builds(lambda item: itertools.repeat(item), scalar),
    )


def _evolved(valid: Any, changes: dict[str, object]) -> object:
    """``valid`` with junk fields, or ``valid`` itself when its own checks refuse them."""
    try:
        return attrs.evolve(valid, **changes)
    except OnboardingError:
        return valid


def _instead_of(valid: Any, junk: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Junk for a parameter whose valid value is ``valid``: also junk inside it."""
    choices: list[st.SearchStrategy[object]] = [junk]
    if attrs.has(type(valid)):
        names = [field.name for field in attrs.fields(type(valid))]
        choices.append(
            st.dictionaries(st.sampled_from(names), junk, min_size=1, max_size=3).map(
                lambda changes: _evolved(valid, changes)
            )
        )
    if isinstance(valid, list | tuple) and valid:
        choices.append(
            st.lists(
                st.one_of(st.sampled_from(list(valid)), _instead_of(valid[0], junk)), max_size=5
            )
        )
    return st.one_of(choices)


# --- the run ------------------------------------------------------------------------

SCENE_LIFETIME = 300
"""Calls made on one scene before a fresh one is built (its links and requests get used up)."""
BUDGET = {"memory": 4_000, "sqlite": 3_400, "postgresql": 3_000}
"""Calls per store: 10,400 in all (about 20 s on two cores), PostgreSQL's share the smallest."""

CALLS: dict[str, int] = {}
"""Calls made so far, per store."""


def _printable(value: object) -> bool:
    """Whether ``str()`` shows ``value``: it refuses ints of more than 4,300 digits."""
    try:
        str(value)
    except ValueError:
        return False
    return True


def _texts(value: object) -> set[str]:
    """The text in ``value``, or among its items when it is a finite collection."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple | set | frozenset | dict):
        return {item for item in value if isinstance(item, str)}
    return set()


def _actor_or_junk(make: Callable[[Any], Actor], value: object) -> object:
    """An actor made from ``value``, or ``value`` itself when no actor can be (a junk actor)."""
    try:
        return make(value)
    except OnboardingError:
        return value


class _Short(reprlib.Repr):
    """Arguments shown briefly, even an int too long to print."""

    def repr_int(self, x: int, level: int) -> str:
        return super().repr_int(x, level) if _printable(x) else f"<int of {x.bit_length()} bits>"


_SHORT = _Short()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4


def _shown(value: object) -> str:
    return _SHORT.repr(value)


def _failure(store: str, method: str, kwargs: dict[str, Any], error: BaseException) -> str:
    arguments = ", ".join(f"{name}={_shown(value)}" for name, value in kwargs.items())
    where = traceback.extract_tb(error.__traceback__)[-3:]
    frames = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where))
    said = _shown(error.args[0] if error.args else "")
    return f"[{store}] {method}({arguments}) raised {type(error).__name__}({said}) at {frames}"


def _well_formed(error: OnboardingError) -> bool:
    """Whether the error has a code and says something, in French and in English."""
    try:
        return bool(
            isinstance(error.code, str) and error.code and str(error) and error.message("en")
        )
    except Exception:
        return False


@attrs.define
class Fuzz:
    """One store's run: its current scene, what was called, what went wrong."""

    store: str
    folder: Path
    scene: Scene | None = None
    valid: dict[str, dict[str, Any]] = attrs.Factory(dict)
    junk: dict[tuple[str, str], st.SearchStrategy[object]] = attrs.Factory(dict)
    age: int = 0
    scenes: int = 0
    rounds: int = 0
    answered: int = 0
    called: collections.Counter[str] = attrs.Factory(collections.Counter)
    crashes: list[str] = attrs.Factory(list)

    def current(self) -> Scene:
        """The scene of the next round: a fresh one once the last has served its share."""
        if self.scene is None or self.age >= SCENE_LIFETIME:
            self.close()
            self.scenes += 1
            self.scene = _scene(_world(self.store, self.folder, self.scenes, FastInsecureHasher()))
            self.valid = _calls(self.scene)
            anything = _junk(_borrowed(self.valid, self.scene))
            self.junk = {
                (method, name): _instead_of(value, anything)
                for method, kwargs in self.valid.items()
                for name, value in kwargs.items()
            }
            self.age = 0
        return self.scene

    def call(self, method: str, kwargs: dict[str, Any]) -> None:
        """One call: an answer, or the library's error; anything else is kept as a crash."""
        assert self.scene is not None
        CALLS[self.store] = CALLS.get(self.store, 0) + 1
        self.age += 1
        self.called[method] += 1
        try:
            answer = getattr(self.scene.world.service, method)(**kwargs)
        except OnboardingError as error:
            if not _well_formed(error):
                self.crashes.append(_failure(self.store, method, kwargs, error))
        except Exception as error:
            self.crashes.append(_failure(self.store, method, kwargs, error))
        else:
            self.answered += 1
            if isinstance(answer, RelayWorker):
                answer.close()

    def close(self) -> None:
        if self.scene is not None:
            self.scene.world.service.close()
            self.scene = None


METHODS = sorted(_public_methods())


@pytest.mark.parametrize("store", ["memory", "sqlite", "postgresql"])
def test_thousands_of_junk_calls_raise_nothing_but_the_library_s_errors(
    store: str, tmp_path: Path
) -> None:
    if store == "postgresql":
        require_postgres()
    fuzz = Fuzz(store, tmp_path)
    CALLS[store] = 0
    started = time.perf_counter()

    @settings(
        max_examples=-(-BUDGET[store] // len(METHODS)),
        deadline=None,
        database=None,
        # The scene is shared between examples: a replayed example would meet
        # another state, so there is nothing to shrink; a crash is reported whole.
        phases=[Phase.generate],
        # Rounds are slow and draw a lot, on purpose.
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(st.permutations(METHODS), st.data())
    def one_round(order: list[str], data: st.DataObject) -> None:
        fuzz.current()
        for method in order:
            kwargs = dict(fuzz.valid[method])
            names = sorted(kwargs)
            replaced = data.draw(st.sets(st.sampled_from(names)), label="replaced") if names else ()
            for name in sorted(replaced):
                kwargs[name] = data.draw(fuzz.junk[method, name], label=name)
            fuzz.call(method, kwargs)
        fuzz.rounds += 1

    try:
        one_round()
    finally:
        fuzz.close()
    seconds = time.perf_counter() - started
    shares = fuzz.called.values()
    print(
        f"\n{store}: {CALLS[store]} calls in {seconds:.1f} s, {fuzz.rounds} full rounds "
        f"({min(shares, default=0)} to {max(shares, default=0)} calls per method) "
        f"on {fuzz.scenes} scenes; {fuzz.answered} answered, {len(fuzz.crashes)} crashed"
    )
    assert not fuzz.crashes, "\n".join(sorted(set(fuzz.crashes))[:30])
    assert set(fuzz.valid) == set(fuzz.called) == set(METHODS)
    assert fuzz.answered, "no call went through: the valid arguments no longer are"
    assert CALLS[store] >= BUDGET[store]


# --- passwords under the real hasher ---------------------------------------------------

# argon2id at its cheapest: the real code path, in milliseconds.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
JUNK_PASSWORDS: list[object] = [
    "Mot-De-Passe-\ud800-2024",
    "\ud800",
    "Mot-De-Passe\x00-2024",
    "\x00",
    "Aa1!" + "x" * 4_996,
    "é" * 5_000,
    "\u202eMot-De-Passe-2024",
    "",
    None,
    12345678,
    b"Ma-Boutique-2024!",
    ["Ma-Boutique-2024!"],
    3.5,
    object(),
    # Odd yet acceptable, so last: they go all the way to argon2 and change the account.
    "Mé-Dôr\u0301-Ωmega-2024",
    "Une phrase de passe : " + "ÉéΩ😀-" * 21,
    "Ma-Boutique-2024!😀",
]


class _WatchedArgon2(Argon2Hasher):
    """The real argon2id, remembering the secrets it was given."""

    def __init__(self) -> None:
        super().__init__(**CHEAP_ARGON2)
        self.seen: list[str] = []

    def hash(self, secret: str) -> str:
        self.seen.append(secret)
        return super().hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        self.seen.append(secret)
        return super().verify(hashed, secret)


PASSWORD_PATHS = [
    "login",
    "activate_account",
    "change_password",
    "change_password (current)",
    "reset_password",
    "answer_secret_question",
    "change_secret_question",
    "change_secret_question (current)",
]


def _password_calls(scene: Scene, junk: object) -> dict[str, dict[str, Any]]:
    """The password paths, ``junk`` typed wherever a password or secret answer goes."""
    valid = _calls(scene)
    return {
        "login": {**valid["login"], "password": junk},
        "activate_account": {
            **valid["activate_account"],
            "password": junk,
            "password_confirmation": junk,
        },
        "change_password": {
            **valid["change_password"],
            "new_password": junk,
            "password_confirmation": junk,
        },
        "change_password (current)": {**valid["change_password"], "current_password": junk},
        "reset_password": {
            **valid["reset_password"],
            "new_password": junk,
            "password_confirmation": junk,
        },
        "answer_secret_question": {**valid["answer_secret_question"], "answer": junk},
        "change_secret_question": {**valid["change_secret_question"], "secret_answer": junk},
        "change_secret_question (current)": {
            **valid["change_secret_question"],
            "current_password": junk,
        },
    }


def _scene_on_sqlite(folder: Path, hasher: PasswordHasher, number: int) -> Scene:
    """The scene on a new SQLite file, passwords hashed by ``hasher``."""
    return _scene(_world("sqlite", folder, number, hasher))


def test_junk_passwords_under_the_real_argon2_on_sqlite_raise_only_the_library_s_errors(
    tmp_path: Path,
) -> None:
    hasher = _WatchedArgon2()
    crashes: list[str] = []
    given_to_argon2: dict[str, list[str]] = {}
    for number, path in enumerate(PASSWORD_PATHS):
        # A fresh scene per path: an accepted password, or a few wrong ones,
        # change what the next call meets.
        scene = _scene_on_sqlite(tmp_path, hasher, number)
        method = path.split(" ")[0]
        already = len(hasher.seen)
        try:
            for junk in JUNK_PASSWORDS:
                kwargs = _password_calls(scene, junk)[path]
                try:
                    getattr(scene.world.service, method)(**kwargs)
                except OnboardingError as error:
                    if not _well_formed(error):
                        crashes.append(_failure("sqlite, argon2", method, kwargs, error))
                except Exception as error:
                    crashes.append(_failure("sqlite, argon2", method, kwargs, error))
        finally:
            scene.world.service.close()
        given_to_argon2[path] = hasher.seen[already:]
    assert not crashes, "\n".join(crashes)
    # Beyond the scene's own password, checked or replaced on the way.
    reached = {path for path, secrets in given_to_argon2.items() if set(secrets) - {PASSWORD}}
    assert reached == set(PASSWORD_PATHS), "a password path never gave argon2 its input"
    hostile = {"Mot-De-Passe-\ud800-2024", "\ud800", "Mot-De-Passe\x00-2024", "\x00"}
    assert hostile <= set(given_to_argon2["login"])
    assert hostile <= set(given_to_argon2["change_password (current)"])
