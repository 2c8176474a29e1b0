"""Espace rights given by the principal manager together with an attachment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from ..domain.choices import member_of
from ..domain.errors import InvalidInput
from ..domain.espaces import Espace, Habilitation
from ..domain.history import ManagerActionKind
from ..domain.structures import DEFAULT_SERVICE, Structure, service_code
from ..domain.subscriptions import Subscription
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


@frozen
class CheckedGrant:
    """An :class:`EspaceGrant` once checked against the structure."""

    espace: Espace
    habilitation: Habilitation
    service: str


def checked_grants(structure: Structure, grants: object) -> list[CheckedGrant]:
    """The rights asked for, each checked against what the structure offers."""
    if isinstance(grants, str | bytes) or not isinstance(grants, Iterable):
        raise InvalidInput(field="grants", expected="liste d'EspaceGrant")
    checked = []
    for grant in grants:
        if not isinstance(grant, EspaceGrant):
            raise InvalidInput(field="grants", expected="EspaceGrant")
        right = CheckedGrant(
            Espace.parse(grant.espace),
            parse_habilitation(grant.habilitation),
            service_code(grant.service),
        )
        structure.check_offers(right.espace, right.service, right.habilitation)
        checked.append(right)
    return checked


def grant(
    ctx: Context,
    uow: UnitOfWork,
    structure: Structure,
    actor: object,
    account_id: str,
    rights: Iterable[CheckedGrant],
    now: datetime,
) -> None:
    """Give ``account_id`` the rights as validated subscriptions (those held already are kept)."""
    held = {
        (s.service, s.espace)
        for s in uow.subscriptions.for_member(account_id, structure.id)
        if s.state.is_live
    }
    for right in rights:
        if (right.service, right.espace) in held:
            continue
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
        held.add((right.service, right.espace))
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.SUBSCRIPTION_GRANTED,
            account_id,
            f"{right.espace.label} / {right.service} / {right.habilitation.value}",
        )
