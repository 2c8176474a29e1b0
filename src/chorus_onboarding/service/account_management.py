"""Managing one's account ("Mon compte", journey 12) and the administrators' part."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain import membership
from ..domain.accounts import Account, AccountState, normalise_secret_answer
from ..domain.emails import EmailAddress
from ..domain.errors import InvalidInput, NotFound
from ..domain.history import ManagerActionKind
from ..domain.passwords import PasswordStrength
from ..domain.support_log import SupportActionKind
from .arguments import flag_argument, progress_argument, text_argument, typed_question
from .checks import FieldChecks
from .context import Context
from .loaders import (
    account_to_read,
    acting_account,
    is_support,
    require_support,
    target_account,
)


@frozen
class AccountView:
    """What "Mon compte" shows of an account (never a hash or a token)."""

    id: str
    login_email: str
    contact_email: str
    last_name: str
    first_name: str
    state: AccountState
    secret_question: str | None
    created_at: datetime
    last_login_at: datetime | None
    credentials_version: int
    survey_consent: bool = False
    """Whether the owner accepts the satisfaction survey (changed with ``change_survey_consent``)."""

    @classmethod
    def of(cls, account: Account) -> AccountView:
        """The view of ``account``."""
        return cls(
            id=account.id,
            login_email=account.login_email.value,
            contact_email=account.contact_email.value,
            last_name=account.last_name,
            first_name=account.first_name,
            state=account.state,
            secret_question=account.secret_question,
            created_at=account.created_at,
            last_login_at=account.last_login_at,
            credentials_version=account.credentials_version,
            survey_consent=account.survey_consent,
        )


def find_account(ctx: Context, actor: Actor, login_email: str) -> AccountView:
    """Support finds an account by its login email (someone wrote in for help).

    The look-up goes into the support log whether or not it finds one (the
    address searched in its details): who looked for whom is the log's point.
    """
    require_support(actor)
    email = EmailAddress.parse(login_email, field="login_email")
    with ctx.unit_of_work() as uow:
        found = uow.accounts.get_by_login_email(email)
        ctx.note_support(
            uow,
            actor,
            SupportActionKind.ACCOUNT_LOOKED_UP,
            account_id=None if found is None else found.id,
            details=email.value,
            commit=True,
        )
        if found is None:
            raise NotFound(field="login_email", what="account")
        return AccountView.of(found)


_MAX_NAMES = 20
"""How many names the strength meter takes as guessable words."""


def account(ctx: Context, actor: Actor, account_id: str | None = None) -> AccountView:
    """The actor's own account, in any state but deactivated (or, for support, any account)."""
    with ctx.unit_of_work() as uow:
        read = account_to_read(uow, actor, account_id)
        ctx.note_support(
            uow, actor, SupportActionKind.ACCOUNT_READ, account_id=read.id, commit=True
        )
        return AccountView.of(read)


def password_strength(
    ctx: Context, password: str, *, login_email: str | None = None, names: Iterable[str] = ()
) -> PasswordStrength:
    """The "Complexité du mot de passe" meter for a password being typed."""
    typed = text_argument(password, "password", maximum=4096)
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise InvalidInput(field="names", expected="liste de noms")
    # An endless iterable must not keep the meter waiting: a page has a few names.
    given = list(itertools.islice(names, _MAX_NAMES + 1))
    if len(given) > _MAX_NAMES:
        raise InvalidInput(field="names", expected="{maximum} noms au plus", maximum=_MAX_NAMES)
    hints = [hint[:100] for hint in (login_email, *given) if isinstance(hint, str)]
    return ctx.ports.strength.estimate(typed, hints)


def _check_current_password(ctx: Context, account: Account, current: object) -> None:
    typed = text_argument(current, "current_password", maximum=4096)
    account.check_current_password(typed, ctx.ports.hasher.verify)


def change_contact_email(ctx: Context, actor: Actor, new_contact_email: str) -> None:
    """Change the contact email; the old and the new address are both told."""
    new = EmailAddress.parse(new_contact_email, field="contact_email")
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        account.change_contact_email(new, ctx.now())
        uow.commit()


def change_survey_consent(ctx: Context, actor: Actor, consent: bool) -> bool:
    """Give or withdraw one's consent to the satisfaction survey; whether it changed.

    "Mon compte" shows the registration's checkbox, which can be unticked
    (and ticked again) at any time. A change is recorded as
    ``SurveyConsentChanged``; asking for the choice already made changes
    nothing.
    """
    chosen = flag_argument(consent, "survey_consent")
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        changed = account.change_survey_consent(chosen, ctx.now())
        uow.commit()
    return changed


def change_password(
    ctx: Context,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    password_confirmation: str,
) -> None:
    """Change the password; the current one is required."""
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        _check_current_password(ctx, account, current_password)
        chosen = ctx.new_password(new_password, password_confirmation, account.login_email)
        account.change_password(ctx.ports.hasher.hash(chosen), ctx.now())
        uow.commit()


def change_secret_question(
    ctx: Context, actor: Actor, *, current_password: str, secret_question: str, secret_answer: str
) -> None:
    """Replace the secret question and its answer; the current password is required."""
    with ctx.unit_of_work() as uow:
        account = acting_account(uow, actor)
        _check_current_password(ctx, account, current_password)
        check = FieldChecks()
        question = check("secret_question", lambda: typed_question(secret_question))
        answer = check("secret_answer", lambda: normalise_secret_answer(secret_answer))
        check.done()
        account.change_secret_question(
            question.value, ctx.ports.hasher.hash(answer.value), ctx.now()
        )
        uow.commit()


def deactivate_account(ctx: Context, actor: Actor, account_id: str | None = None) -> None:
    """Deactivate the actor's own account, or (support) anyone's."""
    with ctx.unit_of_work() as uow:
        if account_id is None:
            account, by_owner = acting_account(uow, actor), True
        else:
            require_support(actor)
            account, by_owner = target_account(uow, account_id), False
        account.deactivate(ctx.now(), by_owner=by_owner)
        ctx.note_support(uow, actor, SupportActionKind.ACCOUNT_DEACTIVATED, account_id=account.id)
        uow.commit()


def reactivate_account(ctx: Context, actor: Actor, account_id: str) -> None:
    """Support reactivates a deactivated account; its owner is told."""
    require_support(actor)
    with ctx.unit_of_work() as uow:
        account = target_account(uow, account_id)
        account.reactivate(ctx.now())
        ctx.note_support(uow, actor, SupportActionKind.ACCOUNT_REACTIVATED, account_id=account.id)
        uow.commit()


def lift_login_suspension(ctx: Context, actor: Actor, account_id: str) -> bool:
    """Support lifts a suspension of logins after too many failures; whether one was on.

    The failure count starts again either way, so that the owner has every
    try back; only a suspension actually lifted is recorded as an event. The
    support log keeps the call either way, its details saying which.
    """
    require_support(actor)
    with ctx.unit_of_work() as uow:
        account = target_account(uow, account_id)
        lifted = account.lift_login_suspension(ctx.now())
        ctx.note_support(
            uow,
            actor,
            SupportActionKind.LOGIN_SUSPENSION_LIFTED,
            account_id=account.id,
            details="" if lifted else "aucune suspension en cours",
        )
        uow.commit()
    return lifted


def resend_activation(ctx: Context, actor: Actor, account_id: str) -> datetime:
    """Send a new activation email (cancelling the previous link); return its deadline.

    For an account pending activation or expired, and (support only) for one
    support deactivated before it was ever activated. Support may, and so may
    a manager of a structure the user is attached to or asks to join (the
    action goes into that structure's history).
    """
    with ctx.unit_of_work() as uow:
        account = target_account(uow, account_id)
        managed = None
        if not is_support(actor):
            manager = acting_account(uow, actor)
            managed = membership.ensure_may_resend_activation(
                manager.id,
                (
                    (attachment, structure)
                    for attachment in uow.attachments.for_account(account.id)
                    if (structure := uow.structures.get(attachment.structure_id)) is not None
                ),
            )
        now = ctx.now()
        account.issue_activation(
            ctx.ports.tokens.issue(),
            now,
            ctx.settings.activation_validity,
            by_support=managed is None,
        )
        if managed is not None:
            ctx.log(uow, managed, actor, ManagerActionKind.ACTIVATION_RESENT, account.id)
        ctx.note_support(uow, actor, SupportActionKind.ACTIVATION_RESENT, account_id=account.id)
        uow.commit()
    return now + ctx.settings.activation_validity


def expire_overdue_activations(
    ctx: Context, *, progress: Callable[[int], object] | None = None
) -> int:
    """The batch: every account pending activation past its deadline becomes EXPIRED.

    Reads only the overdue accounts (the stores keep them ordered by
    deadline), a batch at a time, one unit of work per batch; returns how
    many were expired. ``progress``, if given, is called after each
    committed batch with how many it expired.
    """
    tell = progress_argument(progress)
    expired = 0
    now = ctx.now()
    batch = ctx.settings.expiry_batch_size
    while True:
        with ctx.unit_of_work() as uow:
            ids = uow.accounts.overdue_activations(now, batch)
            in_batch = 0
            for account_id in ids:
                account = uow.accounts.get(account_id)
                if account is not None and account.activation_overdue(now):
                    account.expire(now)
                    in_batch += 1
            uow.commit()
        expired += in_batch
        tell(in_batch)
        # A short batch is the last; a batch that expired nothing would
        # only ever return the same ids again.
        if len(ids) < batch or in_batch == 0:
            return expired
