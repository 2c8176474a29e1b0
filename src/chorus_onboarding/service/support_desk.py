"""The support desk's log: who of support did what, on which account or structure.

Every operation open to support writes one :class:`SupportAction` in the
unit of work of what it does (see :meth:`~.context.Context.note_support`);
this module reads the log back, for support alone. The owner of an account
is shown nothing of it: it is the desk's internal record.
"""

from __future__ import annotations

from ..actors import Actor
from ..domain.errors import InvalidInput
from ..domain.support_log import SupportAction
from .context import Context
from .loaders import require_support


def support_history(
    ctx: Context,
    actor: Actor,
    account_id: str | None = None,
    *,
    structure_id: str | None = None,
    agent: str | None = None,
) -> list[SupportAction]:
    """The support log, newest first: the actions on an account, on a structure, or by an agent.

    For support alone (anyone else: ``Forbidden``). At least one of
    ``account_id``, ``structure_id`` and ``agent`` (the name given to
    :meth:`~chorus_onboarding.Actor.support`) is needed; several narrow the
    answer to the actions matching them all. An id with no action (one that
    never existed, too) gives an empty list. Reading the log is not itself
    logged: every read would change what the next one shows.
    """
    require_support(actor)
    account = _optional_text(account_id, "account_id", "identifiant de compte")
    structure = _optional_text(structure_id, "structure_id", "identifiant de structure")
    name = _optional_text(agent, "agent", "nom de 100 caractères imprimables au plus")
    if name is not None and (len(name) > 100 or not name.isprintable()):
        raise InvalidInput(field="agent", expected="nom de 100 caractères imprimables au plus")
    label = None if name is None else Actor.support(name).label
    with ctx.unit_of_work() as uow:
        if account is not None:
            found = uow.support_log.for_account(account)
        elif structure is not None:
            found = uow.support_log.for_structure(structure)
        elif label is not None:
            found = uow.support_log.by_actor(label)
        else:
            raise InvalidInput(field="account_id", expected="un compte, une structure ou un agent")
    return [
        action
        for action in reversed(found)
        if (structure is None or action.structure_id == structure)
        and (label is None or action.actor == label)
    ]


def _optional_text(value: object, field: str, expected: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected=expected)
    return value
