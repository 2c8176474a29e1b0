""" "Mon compte" today: my authorisations and the history of my requests.

"Mes rattachements" and "Mes abonnements" are :func:`.attachments.my_attachments`
and :func:`.subscriptions.my_subscriptions`. Every page here is the actor's
own, readable in any state of the account but deactivated (an account
pending activation sees what its registration asked); support reads any
account's by naming it.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ..domain import membership
from ..domain.attachments import AttachmentState
from ..domain.espaces import Espace, Habilitation
from ..domain.support_log import SupportActionKind
from .attachments import AttachmentOrigin, AttachmentView, attachments_of
from .context import Context
from .loaders import account_to_read
from .subscriptions import SubscriptionView, subscriptions_of


@frozen
class Authorisation:
    """A right "Mes habilitations" lists: an espace of a structure, in a mode, for a service.

    ``service`` is None and ``as_principal_manager`` true for the rights the
    principal manager holds without subscribing (every service); ``since`` is
    the validation of the subscription that gives the right.
    """

    structure_id: str
    structure_name: str
    espace: Espace
    habilitation: Habilitation
    service: str | None
    as_principal_manager: bool
    since: datetime | None


@frozen
class RequestHistory:
    """ "L'historique de mes demandes": what the account asked, and what came of it, newest first.

    ``attachments`` are the requests to join a structure (invitations and
    the attachment made when creating a structure were not asked);
    ``subscriptions`` every subscription asked, granted directly with an
    attachment's validation included.
    """

    attachments: tuple[AttachmentView, ...]
    subscriptions: tuple[SubscriptionView, ...]


def my_authorisations(
    ctx: Context, actor: object, account_id: str | None = None
) -> list[Authorisation]:
    """ "Mes habilitations": every right the account holds now, by structure and espace.

    Exactly what :meth:`~chorus_onboarding.OnboardingService.can_access`
    grants, each right in its strongest mode. Support names the account.
    """
    with ctx.unit_of_work() as uow:
        account = account_to_read(uow, actor, account_id)
        held: list[Authorisation] = []
        for attachment in uow.attachments.for_account(account.id):
            if attachment.state is not AttachmentState.VALIDATED:
                continue
            structure = uow.structures.get(attachment.structure_id)
            if structure is None:
                continue
            rights = membership.held_rights(
                account,
                structure,
                [attachment],
                uow.subscriptions.for_member(account.id, structure.id),
            )
            held.extend(
                Authorisation(
                    structure_id=structure.id,
                    structure_name=structure.company_name,
                    espace=right.espace,
                    habilitation=right.habilitation,
                    service=right.service,
                    as_principal_manager=right.subscription is None,
                    since=right.subscription.decided_at if right.subscription else None,
                )
                for right in rights
            )
        ctx.note_support(
            uow, actor, SupportActionKind.AUTHORISATIONS_READ, account_id=account.id, commit=True
        )
    return sorted(
        held, key=lambda a: (a.structure_name, a.structure_id, a.espace.label, a.service or "")
    )


def my_requests(ctx: Context, actor: object, account_id: str | None = None) -> RequestHistory:
    """ "L'historique de mes demandes": the attachments and subscriptions asked, newest first."""
    with ctx.unit_of_work() as uow:
        account = account_to_read(uow, actor, account_id)
        history = RequestHistory(
            attachments=tuple(
                view
                for view in attachments_of(uow, account.id)
                if view.origin is AttachmentOrigin.REQUEST
            ),
            subscriptions=tuple(subscriptions_of(uow, account.id)),
        )
        ctx.note_support(
            uow, actor, SupportActionKind.REQUESTS_READ, account_id=account.id, commit=True
        )
        return history
