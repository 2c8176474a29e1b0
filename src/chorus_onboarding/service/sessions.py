"""What a login opens, and the writes every login step makes on its account despite races."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from attrs import frozen

from ..domain.accounts import Account
from ..domain.emails import EmailAddress
from ..domain.errors import ConcurrencyConflict
from .context import Context

T = TypeVar("T")

_RACE_RETRIES = 50
"""How often a login retries its write when parallel logins on the account keep winning."""


@frozen
class LoginResult:
    """Who logged in; the host keeps ``account_id`` in its session (``Actor.user``)."""

    account_id: str
    first_name: str
    last_name: str
    previous_login_at: datetime | None
    credentials_version: int
    """Keep it in the session: :meth:`OnboardingService.session_is_current` checks it."""
    remembered_device: str | None = None
    """When the user asked to be remembered on this device: the token to keep there (a cookie)
    and hand to the next :meth:`~OnboardingService.login`, which then asks no code."""

    @classmethod
    def of(
        cls,
        account: Account,
        previous_login_at: datetime | None,
        remembered_device: str | None = None,
    ) -> LoginResult:
        """The session ``account`` opens."""
        return cls(
            account.id,
            account.first_name,
            account.last_name,
            previous_login_at,
            account.credentials_version,
            remembered_device,
        )


def on_account(
    ctx: Context, email: EmailAddress, change: Callable[[Account], T], *, must: bool = False
) -> tuple[Account, T] | None:
    """Apply ``change`` to the account with this login email and commit it, despite races.

    Parallel logins on one account race for its version: the loser loads
    the account again and retries, so no attempt is lost and none gets a
    ``ConcurrencyConflict`` that an unknown email never would. Returns the
    account and what ``change`` returned; None when there is no such
    account, or when the races never end and ``must`` is false. An error
    ``change`` raises leaves the account as it was and goes to the caller.
    """
    for _ in range(_RACE_RETRIES):
        try:
            with ctx.unit_of_work() as uow:
                account = uow.accounts.get_by_login_email(email)
                if account is None:
                    return None
                outcome = change(account)
                uow.commit()
                return account, outcome
        except ConcurrencyConflict:
            continue
    if must:
        raise ConcurrencyConflict(what="account")
    return None
