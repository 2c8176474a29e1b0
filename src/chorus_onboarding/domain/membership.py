"""Rules of membership, by name: who may end whose place in a structure, and what ends with it.

Pure functions over entities; the use cases call them and never restate them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .attachments import Attachment
from .errors import Forbidden, PrincipalMustTransferFirst, PrincipalOnly
from .structures import Structure
from .subscriptions import Subscription


def ensure_may_detach(
    structure: Structure, by: str, member: str, subscriptions: Iterable[Subscription]
) -> None:
    """Raise unless ``by`` may end ``member``'s attachment to ``structure``.

    - The principal manager never leaves nor is detached: the role is
      transferred first (:class:`PrincipalMustTransferFirst`).
    - A user may leave on their own.
    - The principal manager may detach anyone else.
    - A delegated manager may detach a plain member only: not another manager,
      and not someone holding rights the principal manager granted, which the
      detachment would end (:class:`PrincipalOnly`).
    - Nobody else may (:class:`Forbidden`).
    """
    if structure.is_principal(member):
        raise PrincipalMustTransferFirst(field="account_id")
    if by == member or structure.is_principal(by):
        return
    if not structure.is_manager(by):
        raise Forbidden()
    if structure.is_manager(member) or any(s.grants for s in subscriptions):
        raise PrincipalOnly(field="account_id")


def detach(
    structure: Structure,
    attachment: Attachment,
    subscriptions: Iterable[Subscription],
    *,
    by: str,
    now: datetime,
) -> None:
    """End a member's attachment, and with it everything it carried on the structure.

    Their live subscriptions there are cancelled (asked and granted alike)
    and their delegated managing rights taken back.
    """
    attachment.detach(by=by, now=now)
    for subscription in subscriptions:
        if subscription.state.is_live:
            subscription.cancel(by=by, now=now)
    if attachment.account_id in structure.managers:
        structure.revoke_manager(attachment.account_id)
