"""The second step of a login: the one-time code emailed to the login email.

With ``settings.login_code`` on (the portal's behaviour since 19 September
2024, :meth:`OnboardingSettings.portal_today`), a right password no longer
opens a session: :func:`send_code` emails a code and hands back a signed
challenge, and :func:`confirm_login_code` opens the session for the right
code. The challenge is what keeps strangers out of the second step: signed
with the deployment's key for one login email and valid as long as the code,
it is only ever given to whoever typed that account's password, so the
second step is checked before any storage is read and tells a stranger
nothing, not even by its timing. Behind it, a code is tried a few times at
most, each wrong try counts as a failed login, and a new code cancels the last.

A device the user asks to remember carries a token signed for the account
and its credentials: the next :func:`login` there, with the right password,
asks no code until the token's deadline or the next change of password.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from attrs import frozen

from ..domain.accounts import Account
from ..domain.emails import EmailAddress
from ..domain.errors import InvalidEmail, InvalidInput, LoginCodeRejected, LoginCodeResendTooSoon
from ..domain.login_codes import CodeRules, code_from_token, typed_code
from ..domain.tokens import IssuedToken
from . import challenges
from .context import Context
from .sessions import LoginResult, on_account


@frozen
class LoginCodeSent:
    """The password was right: a code went to the login email; the session opens with it.

    Keep ``challenge`` for the next step (a hidden field, the session): it
    goes back with the code to :meth:`~OnboardingService.confirm_login_code`,
    or to :meth:`~OnboardingService.resend_login_code` for a new code.
    """

    challenge: str
    expires_at: datetime
    """The code's deadline (whole seconds)."""
    resend_after: datetime
    """From when a new code may be asked for."""
    code_length: int
    """How many digits the code has: the form's field can say so."""


def _key(ctx: Context, purpose: bytes) -> bytes:
    # One key per use, so that no signature made for one step is good for another.
    return hmac.new(ctx.secret, purpose, hashlib.sha256).digest()


def _rules(ctx: Context) -> CodeRules:
    settings = ctx.settings
    return CodeRules(
        settings.login_code_validity,
        settings.login_code_tries,
        settings.login_code_length,
        settings.login_code_resend_interval,
    )


def _new_code(ctx: Context) -> IssuedToken:
    """A new code: its id for the email, and the digest of its digits (not of its token) to keep."""
    tokens = ctx.ports.tokens
    link = tokens.issue()
    digits = code_from_token(tokens.token_for(link.link_id), ctx.settings.login_code_length)
    return IssuedToken(link_id=link.link_id, digest=tokens.digest(digits))


def _challenge(ctx: Context, email: EmailAddress, account: Account) -> LoginCodeSent:
    assert account.login_code is not None
    expires_at = account.login_code.expires_at.replace(microsecond=0)
    interval = ctx.settings.login_code_resend_interval
    return LoginCodeSent(
        challenges.sign(_key(ctx, b"login code"), email.key, expires_at),
        expires_at,
        account.login_code.sent_at + interval,
        account.login_code.digits,
    )


def send_code(
    ctx: Context, email: EmailAddress, rehashed_password: str | None
) -> LoginCodeSent | None:
    """Email a code for the login ``email`` whose password just proved right (None: account gone)."""
    now = ctx.now()

    def send(account: Account) -> None:
        account.send_login_code(_new_code(ctx), now, _rules(ctx), rehashed_password)

    done = on_account(ctx, email, send, must=True)
    return None if done is None else _challenge(ctx, email, done[0])


def _proved(ctx: Context, login_email: object, challenge: object) -> EmailAddress:
    """The login email whose password step ``challenge`` proves, or the one refusal."""
    try:
        email = EmailAddress.parse(login_email)
    except InvalidEmail:
        raise LoginCodeRejected(field="code") from None
    if not challenges.verify(_key(ctx, b"login code"), email.key, challenge, ctx.now()):
        raise LoginCodeRejected(field="code")
    return email


def confirm_login_code(
    ctx: Context, login_email: str, challenge: str, code: str, *, remember_device: bool = False
) -> LoginResult:
    """Step 2 of a login: the code from the email opens the session.

    Every refusal is the same ``LoginCodeRejected``: a wrong code, one past
    its deadline, used up, replaced by a newer one, tried too often, logins
    suspended, or a challenge that is not this login's. With
    ``remember_device`` the result carries a token for this device
    (``LoginResult.remembered_device``), valid
    ``settings.remembered_device_validity``.
    """
    if not isinstance(remember_device, bool):
        raise InvalidInput(field="remember_device", expected="booléen")
    email = _proved(ctx, login_email, challenge)
    now = ctx.now()
    limit, block = ctx.settings.max_failed_logins, ctx.settings.login_block

    def attempt(account: Account) -> tuple[bool, datetime | None]:
        """Whether the code opened the session, and the login before this one."""
        previous = account.last_login_at
        waiting = account.login_code
        # Read with the length of the code sent, whatever the settings say now.
        length = ctx.settings.login_code_length if waiting is None else waiting.digits
        digits = typed_code(code, length)
        # A code that is not even digits still counts as a try: guessing is guessing.
        digest = ctx.ports.tokens.digest(digits if digits is not None else "")
        if not account.try_login_code(digest, now, limit, block):
            return False, previous
        account.record_login_success(now)
        return True, previous

    # Never a ConcurrencyConflict, which no wrong code would get: endless races are a refusal.
    done = on_account(ctx, email, attempt)
    if done is None or not done[1][0]:
        raise LoginCodeRejected(field="code")
    account, (_, previous) = done
    device = remembered_device_token(ctx, account, now) if remember_device else None
    return LoginResult.of(account, previous, device)


def resend_login_code(ctx: Context, login_email: str, challenge: str) -> LoginCodeSent:
    """A new code, for the person who did not receive the last one; the last one dies.

    Not before ``settings.login_code_resend_interval`` after the last
    (``LoginCodeResendTooSoon``, with the seconds to wait), and
    ``settings.login_code_resends`` times per login at most: then the
    password is asked again (``LoginCodeRejected``, like any other doubt).
    """
    email = _proved(ctx, login_email, challenge)
    settings, now = ctx.settings, ctx.now()

    def resend(account: Account) -> None:
        waiting = account.login_code
        if (
            waiting is None
            or waiting.resends >= settings.login_code_resends
            or account.login_blocked(now)
        ):
            raise LoginCodeRejected(field="code")
        wait = account.login_code_resend_wait(now, settings.login_code_resend_interval)
        if wait:
            raise LoginCodeResendTooSoon(seconds=max(1, round(wait.total_seconds())))
        account.resend_login_code(_new_code(ctx), now, _rules(ctx))

    done = on_account(ctx, email, resend)
    if done is None:
        raise LoginCodeRejected(field="code")
    return _challenge(ctx, email, done[0])


def remembered_device_token(ctx: Context, account: Account, now: datetime) -> str:
    """A token that spares this account the code on one device, until its deadline."""
    expires_at = now + ctx.settings.remembered_device_validity
    return challenges.sign(_key(ctx, b"remembered device"), _device_subject(account), expires_at)


def is_remembered_device(ctx: Context, account: Account, token: object) -> bool:
    """Whether ``token`` is one of this account's remembered devices, still valid.

    Only asked once the password proved right: whoever holds a token still
    needs the password. A new password or secret question, a reset or a
    deactivation forgets every device.
    """
    if token is None:
        return False
    return challenges.verify(
        _key(ctx, b"remembered device"), _device_subject(account), token, ctx.now()
    )


def _device_subject(account: Account) -> str:
    return f"{account.id}|{account.credentials_version}"
