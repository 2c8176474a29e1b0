"""Subscriptions to espaces (journey 10) and the principal manager's decisions."""

from __future__ import annotations

from datetime import date, datetime

from attrs import frozen

from ..actors import Actor
from ..domain import membership
from ..domain.errors import (
    InvalidInput,
    NotFound,
)
from ..domain.espaces import Espace, Habilitation
from ..domain.history import ManagerActionKind
from ..domain.structures import DEFAULT_SERVICE, Structure, service_code
from ..domain.subscriptions import Subscription, SubscriptionState
from ..domain.support_log import SupportActionKind
from ..ports import UnitOfWork
from .arguments import note_argument
from .context import Context
from .grants import parse_habilitation
from .loaders import (
    account_to_read,
    acting_account,
    existing_structure,
    names,
)


@frozen
class SubscriptionView:
    """A subscription as "Mes abonnements aux espaces" lists it."""

    id: str
    account_id: str
    user_name: str
    structure_id: str
    structure_name: str
    espace: Espace
    service: str
    habilitation: Habilitation
    state: SubscriptionState
    request_date: date
    comment: str
    requested_at: datetime
    decided_at: datetime | None
    reason: str


def _subscription_view(uow: UnitOfWork, subscription: Subscription) -> SubscriptionView:
    user_name, _, structure_name = names(uow, subscription.account_id, subscription.structure_id)
    return SubscriptionView(
        id=subscription.id,
        account_id=subscription.account_id,
        user_name=user_name,
        structure_id=subscription.structure_id,
        structure_name=structure_name,
        espace=subscription.espace,
        service=subscription.service,
        habilitation=subscription.habilitation,
        state=subscription.state,
        request_date=subscription.request_date,
        comment=subscription.comment,
        requested_at=subscription.requested_at,
        decided_at=subscription.decided_at,
        reason=subscription.reason,
    )


def _request_date(ctx: Context, value: object) -> date:
    if value is None:
        return ctx.now().date()
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(field="request_date", expected="date")
    return value


def request_subscription(
    ctx: Context,
    actor: Actor,
    structure_id: str,
    espace: Espace | str,
    *,
    habilitation: Habilitation | str = Habilitation.CONSULTATION_UNIQUEMENT,
    service: str = DEFAULT_SERVICE,
    request_date: date | None = None,
    comment: str = "",
) -> str:
    """Ask the principal manager for a right on an open espace; returns the request's id.

    Needs a validated attachment to the structure and the espace open on
    that service in the mode asked. The request is EN_COURS_DE_VALIDATION
    until the principal manager validates or refuses it.
    """
    wanted = parse_habilitation(habilitation)
    chosen = Espace.parse(espace)
    code = service_code(service)
    start = _request_date(ctx, request_date)
    note = note_argument(comment, "comment")
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        structure = existing_structure(uow, structure_id)
        membership.ensure_subscribable(
            structure,
            account.id,
            chosen,
            code,
            wanted,
            attachments=uow.attachments.for_member(account.id, structure.id),
            subscriptions=uow.subscriptions.for_member(account.id, structure.id),
        )
        subscription = Subscription.ask(
            subscription_id=ctx.ports.ids.new_id(),
            account_id=account.id,
            structure_id=structure.id,
            espace=chosen,
            service=code,
            habilitation=wanted,
            request_date=start,
            comment=note,
            now=ctx.now(),
        )
        subscription.announce()
        uow.subscriptions.add(subscription)
        uow.commit()
    return subscription.id


def cancel_subscription(ctx: Context, actor: Actor, subscription_id: str) -> None:
    """The user gives up one of their subscriptions (asked or granted)."""
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        subscription = _subscription(uow, subscription_id)
        membership.ensure_may_cancel_subscription(account.id, subscription)
        subscription.cancel(by=account.id, now=ctx.now())
        uow.commit()


def _subscription(uow: UnitOfWork, subscription_id: object) -> Subscription:
    if not isinstance(subscription_id, str):
        raise InvalidInput(field="subscription_id", expected="identifiant d'abonnement")
    subscription = uow.subscriptions.get(subscription_id)
    if subscription is None:
        raise NotFound(field="subscription_id", what="subscription")
    return subscription


def _decided(
    uow: UnitOfWork, actor: object, subscription_id: object
) -> tuple[str, Structure, Subscription]:
    subscription = _subscription(uow, subscription_id)
    account = acting_account(uow, actor)
    structure = existing_structure(uow, subscription.structure_id)
    membership.ensure_may_decide_subscriptions(structure, account.id, subscription)
    return account.id, structure, subscription


def validate_subscription(ctx: Context, actor: Actor, subscription_id: str) -> None:
    """The principal manager grants the right asked; the user is told.

    The user must still be attached and the espace still open as asked.
    """
    with ctx.unit_of_work() as uow:
        by, structure, subscription = _decided(uow, actor, subscription_id)
        membership.ensure_may_validate_subscription(
            structure,
            by,
            subscription,
            uow.attachments.for_member(subscription.account_id, structure.id),
        )
        subscription.validate(by=by, now=ctx.now())
        ctx.log(
            uow,
            structure,
            actor,
            ManagerActionKind.SUBSCRIPTION_VALIDATED,
            subscription.account_id,
            subscription.espace.label,
        )
        uow.commit()


def refuse_subscription(
    ctx: Context, actor: Actor, subscription_id: str, *, reason: str = ""
) -> None:
    """The principal manager turns a request down; the user is told."""
    _close(ctx, actor, subscription_id, reason, "refuse", ManagerActionKind.SUBSCRIPTION_REFUSED)


def revoke_subscription(
    ctx: Context, actor: Actor, subscription_id: str, *, reason: str = ""
) -> None:
    """The principal manager withdraws a granted right; the user is told."""
    _close(ctx, actor, subscription_id, reason, "revoke", ManagerActionKind.SUBSCRIPTION_REVOKED)


def _close(
    ctx: Context,
    actor: object,
    subscription_id: object,
    reason: object,
    event: str,
    kind: ManagerActionKind,
) -> None:
    why = note_argument(reason, "reason")
    with ctx.unit_of_work() as uow:
        by, structure, subscription = _decided(uow, actor, subscription_id)
        decide = subscription.refuse if event == "refuse" else subscription.revoke
        decide(by=by, now=ctx.now(), reason=why)
        ctx.log(uow, structure, actor, kind, subscription.account_id, why)
        uow.commit()


def pending_subscription_requests(
    ctx: Context, actor: Actor, structure_id: str
) -> list[SubscriptionView]:
    """The requests waiting for the principal manager, oldest first."""
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        structure = existing_structure(uow, structure_id)
        membership.ensure_may_decide_subscriptions(structure, account.id)
        waiting = [
            s
            for s in uow.subscriptions.for_structure(structure.id)
            if s.state is SubscriptionState.EN_COURS_DE_VALIDATION
        ]
        return [
            _subscription_view(uow, s)
            for s in sorted(waiting, key=lambda s: (s.requested_at, s.id))
        ]


def my_subscriptions(
    ctx: Context, actor: Actor, account_id: str | None = None
) -> list[SubscriptionView]:
    """ "Mes abonnements aux espaces": the actor's subscriptions in every state, newest first.

    Readable in any state of the account but deactivated; support names the
    account to read anyone's.
    """
    with ctx.unit_of_work() as uow:
        read = account_to_read(uow, actor, account_id)
        found = subscriptions_of(uow, read.id)
        ctx.note_support(
            uow, actor, SupportActionKind.SUBSCRIPTIONS_READ, account_id=read.id, commit=True
        )
        return found


def subscriptions_of(uow: UnitOfWork, account_id: str) -> list[SubscriptionView]:
    """Every subscription of the account, newest first, as "Mon compte" lists them."""
    mine = sorted(
        uow.subscriptions.for_account(account_id),
        key=lambda s: (s.requested_at, s.id),
        reverse=True,
    )
    return [_subscription_view(uow, s) for s in mine]
