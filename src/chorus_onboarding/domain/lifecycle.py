"""The one place that binds the `transitions` library to entities.

Each entity kind declares its transition table once, as data
(:class:`Transition` rows). :class:`Lifecycle` builds **one**
``transitions.Machine`` for the whole class (``model=None``) and fires its
events on whichever entity it is given, so an entity costs nothing more than
its own fields: loading one from storage with a stored state runs no machine
code at all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from attrs import frozen
from transitions import Machine, MachineError

from .errors import InvalidTransition

S = TypeVar("S", bound=enum.Enum)


class HasState(Protocol[S]):
    """Anything with a ``state`` attribute holding a member of the state enum."""

    state: S


@frozen
class Transition(Generic[S]):
    """One row of a transition table: ``event`` moves ``sources`` to ``dest``."""

    event: str
    sources: tuple[S, ...]
    dest: S


class Lifecycle(Generic[S]):
    """A transition table and the single machine that runs it.

    ``entity_name`` is the French name used in error messages ("compte",
    "demande de rattachement"...).
    """

    def __init__(self, entity_name: str, states: type[S], table: Sequence[Transition[S]]) -> None:
        self.entity_name = entity_name
        self.states = states
        self.table: tuple[Transition[S], ...] = tuple(table)
        self._moves: dict[tuple[S, str], S] = {}
        for row in self.table:
            for source in row.sources:
                if (source, row.event) in self._moves:
                    raise ValueError(f"ambiguous transition {row.event} from {source}")
                self._moves[(source, row.event)] = row.dest
        self._machine = Machine(
            model=None,
            states=states,
            transitions=[
                {"trigger": row.event, "source": list(row.sources), "dest": row.dest}
                for row in self.table
            ],
            initial=None,
            auto_transitions=False,
            model_attribute="state",
        )
        self._events = self._machine.events

    @property
    def event_names(self) -> tuple[str, ...]:
        """Every event of the table, in table order, without repeats."""
        return tuple(dict.fromkeys(row.event for row in self.table))

    def can_fire(self, state: S, event: str) -> bool:
        """Whether ``event`` is allowed from ``state``."""
        return (state, event) in self._moves

    def target(self, state: S, event: str) -> S:
        """The state ``event`` leads to from ``state``; raises if not allowed."""
        try:
            return self._moves[(state, event)]
        except KeyError:
            raise InvalidTransition(
                entity=self.entity_name, from_state=state.name, event=event
            ) from None

    def allowed_events(self, state: S) -> tuple[str, ...]:
        """The events that may fire from ``state``."""
        return tuple(event for event in self.event_names if (state, event) in self._moves)

    def fire(self, entity: HasState[S], event: str) -> None:
        """Move ``entity`` along ``event`` or raise :class:`InvalidTransition`."""
        self.target(entity.state, event)
        try:
            self._events[event].trigger(entity)
        except MachineError:  # pragma: no cover - the table check above comes first
            raise InvalidTransition(
                entity=self.entity_name, from_state=entity.state.name, event=event
            ) from None

    def require(self, entity: HasState[S], allowed: Iterable[S], action: str) -> None:
        """Raise :class:`InvalidTransition` unless ``entity`` is in an ``allowed`` state.

        For operations that do not change the state but are only meaningful in
        some states (changing a password needs an active account).
        """
        if entity.state not in set(allowed):
            raise InvalidTransition(
                entity=self.entity_name, from_state=entity.state.name, event=action
            )

    def mermaid(self) -> str:
        """The table as a Mermaid ``stateDiagram-v2``, drawn from the same data."""
        lines = ["stateDiagram-v2"]
        for row in self.table:
            lines.extend(
                f"    {source.name} --> {row.dest.name}: {row.event}" for source in row.sources
            )
        return "\n".join(lines) + "\n"
