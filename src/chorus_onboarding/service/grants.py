"""Espace rights given by the principal manager together with an attachment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from ..domain import membership
from ..domain.choices import member_of
from ..domain.errors import InvalidInput
from ..domain.espaces import Espace, Habilitation
from ..domain.history import ManagerActionKind
from ..domain.structures import DEFAULT_SERVICE, Structure, service_code
from ..domain.subscriptions import EspaceRight, Subscription
from ..ports import UnitOfWork
from .context import Context


@frozen
class EspaceGrant:
    """A right on one espace, for one service: what a subscription gives."""

    espace: Espace | str
    habilitation: Habilitation | str = Habilitation.CONSULTATION_UNIQUEMENT
    service: str = DEFAULT_SERVICE


def parse_habilitation(value: object) -> Habilitation:
    """The habilitation named by ``value`` (the member or its code)."""
    return member_of(
        Habilitation,
        value,
        field="habilitation",
        expected="CONSULTATION_UNIQUEMENT ou MODIFICATION",
    )


def espace_rights(grants: object) -> list[EspaceRight]:
    """The rights a caller's :class:`EspaceGrant` list names, parsed (not yet checked)."""
    if isinstance(grants, str | bytes) or not isinstance(grants, Iterable):
        raise InvalidInput(field="grants", expected="liste d'EspaceGrant")
    checked = []
    for grant in grants:
        if not isinstance(grant, EspaceGrant):
            raise InvalidInput(field="grants", expected="EspaceGrant")
        checked.append(
            EspaceRight(
                Espace.parse(grant.espace),
                parse_habilitation(grant.habilitation),
                service_code(grant.service),
            )
        )
    return checked


def grant(
    ctx: Context,
    uow: UnitOfWork,
    structure: Structure,
    actor: object,
    account_id: str,
    rights: Iterable[EspaceRight],
    now: datetime,
) -> None:
    """Give ``account_id`` the rights as validated subscriptions (those held already are kept)."""
    held = uow.subscriptions.for_member(account_id, structure.id)
    for right in membership.rights_to_grant(structure, account_id, rights, held):
        uow.subscriptions.add(
            Subscription.granted(
                subscription_id=ctx.ports.ids.new_id(),
                account_id=account_id,
                structure_id=structure.id,
                espace=right.espace,
                service=right.service,
                habilitation=right.habilitation,
                by=structure.principal_manager_id,
                now=now,
            )
        )
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.SUBSCRIPTION_GRANTED,
            account_id,
            f"{right.espace.label} / {right.service} / {right.habilitation.value}",
        )
