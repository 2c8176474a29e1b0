"""How the facade delegates: each method of :class:`OnboardingService` is a use-case function.

A use case is a function whose first argument is the service's
:class:`~.context.Context`. :func:`query` makes it a method as it is;
:func:`command` also hands the events it recorded over to the relay once it
returns or fails (an in-memory service delivers them at once; a database-backed
one leaves them to the relay worker).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

from .context import Context

if TYPE_CHECKING:
    from .facade import OnboardingService

P = ParamSpec("P")
R = TypeVar("R")


class _HasContext(Protocol):
    _context: Context


def query(
    use_case: Callable[Concatenate[Context, P], R],
) -> Callable[Concatenate[OnboardingService, P], R]:
    """A use case that only reads, as a method of the facade.

    Its events need no handing over: it records none (a read by support
    writes a row of the support log, which is no event).
    """

    @functools.wraps(use_case)
    def method(service: _HasContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return use_case(service._context, *args, **kwargs)

    return method


def command(
    use_case: Callable[Concatenate[Context, P], R],
) -> Callable[Concatenate[OnboardingService, P], R]:
    """A use case that changes data, as a method of the facade: its events are then handed over."""

    @functools.wraps(use_case)
    def method(service: _HasContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        context = service._context
        try:
            return use_case(context, *args, **kwargs)
        finally:
            context.hand_over()

    return method
