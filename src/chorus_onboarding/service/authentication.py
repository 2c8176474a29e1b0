"""Activation, login and the forgotten-password procedure (journeys 5, 6 and 7)."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ..domain.accounts import (
    Account,
    AccountState,
    normalise_secret_answer,
)
from ..domain.emails import EmailAddress
from ..domain.errors import (
    AccountNotActive,
    ActivationExpired,
    AuthenticationFailed,
    CaptchaRejected,
    ChallengeInvalid,
    InvalidEmail,
    SecretAnswerRejected,
    TokenInvalid,
)
from ..ports import UnitOfWork
from . import challenges, second_factor
from .arguments import typed_question
from .checks import FieldChecks
from .context import Context
from .second_factor import LoginCodeSent
from .sessions import LoginResult, on_account


@frozen
class PasswordResetChallenge:
    """Step 1 of "Mot de passe oublié": the question to show, and the proof for step 2."""

    question: str
    challenge: str
    expires_at: datetime


def _link_target(uow: UnitOfWork, login_email: object, token: object) -> tuple[Account, str]:
    """The account a link names and the token it carries; any doubt is one error."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise TokenInvalid(field="token")
    try:
        email = EmailAddress.parse(login_email)
    except InvalidEmail:
        raise TokenInvalid(field="token") from None
    account = uow.accounts.get_by_login_email(email)
    if account is None:
        raise TokenInvalid(field="token")
    return account, token


# --- journey 5 -------------------------------------------------------------


def activate_account(
    ctx: Context,
    *,
    login_email: str,
    token: str,
    password: str,
    password_confirmation: str,
    secret_question: str,
    secret_answer: str,
) -> None:
    """Follow the activation link: choose the password and the secret question.

    A link past its deadline is refused with ``ActivationExpired`` and the
    account shows EXPIRED until an activation email is resent.
    """
    with ctx.unit_of_work() as uow:
        account, plain = _link_target(uow, login_email, token)
        digest = ctx.ports.tokens.digest(plain)
        now = ctx.now()
        try:
            account.check_activation(digest, now)
        except ActivationExpired:
            if account.state is AccountState.ACTIVATION_PENDING:
                account.expire(now)
                uow.commit()
            deadline = account.activation.expires_at if account.activation else now
            raise ActivationExpired(field="token", deadline=deadline) from None
        check = FieldChecks()
        chosen = check(
            "password",
            lambda: ctx.acceptable_password(password, password_confirmation, account.login_email),
        )
        question = check("secret_question", lambda: typed_question(secret_question))
        answer = check("secret_answer", lambda: normalise_secret_answer(secret_answer))
        check.done()
        account.activate(
            digest=digest,
            password_hash=ctx.ports.hasher.hash(chosen.value),
            question=question.value,
            answer_hash=ctx.ports.hasher.hash(answer.value),
            now=now,
        )
        uow.commit()


# --- journey 6 -------------------------------------------------------------


def login(
    ctx: Context, login_email: str, password: str, remembered_device: str | None = None
) -> LoginResult | LoginCodeSent:
    """Log in with the login email and password.

    Every failure that does not prove knowledge of the password is the same
    ``AuthenticationFailed``, taking the same time, whether the email exists
    or not, and also while logins are blocked after too many failures (the
    owner is told by email). With the right password, an account that is
    not active gets ``AccountNotActive``.

    With ``settings.login_code`` on, the right password opens no session
    yet: a code goes to the login email and the answer is
    :class:`~.second_factor.LoginCodeSent`, for
    :meth:`~OnboardingService.confirm_login_code`; unless
    ``remembered_device`` is a token this account was given on this device
    (``LoginResult.remembered_device``), still valid.
    """
    if not isinstance(password, str) or not password or len(password) > 4096:
        raise AuthenticationFailed()
    ctx.prepare_dummy()
    try:
        email = EmailAddress.parse(login_email)
    except InvalidEmail:
        ctx.waste_a_verification(password)
        raise AuthenticationFailed() from None
    now = ctx.now()
    limit, block = ctx.settings.max_failed_logins, ctx.settings.login_block
    reserved = on_account(ctx, email, lambda a: a.reserve_login_check(now, limit, block))
    if reserved is None or not reserved[1] or reserved[0].password_hash is None:
        ctx.waste_a_verification(password)
        raise AuthenticationFailed()
    checked = reserved[0]
    assert checked.password_hash is not None
    if not ctx.ports.hasher.verify(checked.password_hash, password):
        on_account(ctx, email, lambda a: a.confirm_login_failure(now, limit, block))
        raise AuthenticationFailed()
    try:
        checked.ensure_may_log_in()
    except AccountNotActive:
        on_account(ctx, email, lambda a: a.clear_login_failures())
        raise
    rehashed = (
        ctx.ports.hasher.hash(password)
        if ctx.ports.hasher.needs_rehash(checked.password_hash)
        else None
    )
    if ctx.settings.login_code and not second_factor.is_remembered_device(
        ctx, checked, remembered_device
    ):
        sent = second_factor.send_code(ctx, email, rehashed)
        if sent is None:
            raise AuthenticationFailed()
        return sent
    done = on_account(ctx, email, lambda a: a.record_login_success(now, rehashed), must=True)
    if done is None:
        raise AuthenticationFailed()
    return LoginResult.of(done[0], checked.last_login_at)


def session_is_current(ctx: Context, account_id: str, credentials_version: int) -> bool:
    """Whether a session opened at ``credentials_version`` may go on.

    False once the password, the secret question or the account's state
    changed since (a reset, a change in "Mon compte", a deactivation): the
    host ends the session and asks for a new login.
    """
    if not isinstance(account_id, str) or isinstance(credentials_version, bool):
        return False
    if not isinstance(credentials_version, int):
        return False
    with ctx.unit_of_work() as uow:
        account = uow.accounts.get(account_id)
        return account is not None and account.session_is_current(credentials_version)


# --- journey 7 -------------------------------------------------------------


def start_password_reset(ctx: Context, login_email: str, captcha: str) -> PasswordResetChallenge:
    """ "Mot de passe oublié", step 1: after the captcha, the secret question to ask.

    Returns the question and a challenge that step 2
    (:meth:`answer_secret_question`) requires. An unknown email gets a
    plausible question too (always the same for that email), so the page
    does not tell who has an account.
    """
    if not isinstance(captcha, str) or not ctx.ports.captcha.verify(captcha):
        raise CaptchaRejected(field="captcha")
    email = EmailAddress.parse(login_email, field="login_email")
    with ctx.unit_of_work() as uow:
        account = uow.accounts.get_by_login_email(email)
    if account is not None and account.is_active and account.secret_question:
        question = account.secret_question
    else:
        question = ctx.decoy_question(email)
    # Whole seconds: the signed deadline is, and the two must agree.
    expires_at = (ctx.now() + ctx.settings.reset_challenge_validity).replace(microsecond=0)
    return PasswordResetChallenge(
        question, challenges.sign(ctx.secret, email.key, expires_at), expires_at
    )


def answer_secret_question(ctx: Context, login_email: str, challenge: str, answer: str) -> None:
    """Step 2: check the answer; if right, email a reset link to the login email.

    The answer alone never changes the password. After too many wrong
    answers in a row, answers are refused for a while; the refusal is the
    same ``SecretAnswerRejected`` in every case (wrong answer, unknown
    email, answers blocked), so it tells nothing about the account.
    """
    email = EmailAddress.parse(login_email, field="login_email")
    now = ctx.now()
    if not challenges.verify(ctx.secret, email.key, challenge, now):
        raise ChallengeInvalid(field="challenge")
    normalised = normalise_secret_answer(answer)
    ctx.prepare_dummy()
    with ctx.unit_of_work() as uow:
        account = uow.accounts.get_by_login_email(email)
        if (
            account is None
            or not account.is_active
            or account.secret_answer_hash is None
            or account.answers_blocked(now)
        ):
            ctx.waste_a_verification(normalised)
            raise SecretAnswerRejected(field="secret_answer")
        if ctx.ports.hasher.verify(account.secret_answer_hash, normalised):
            account.issue_password_reset(
                ctx.ports.tokens.issue(), now, ctx.settings.password_reset_validity
            )
            uow.commit()
            return
        account.record_wrong_answer(now, ctx.settings.max_wrong_answers, ctx.settings.answer_block)
        uow.commit()
    raise SecretAnswerRejected(field="secret_answer")


def reset_password(
    ctx: Context, *, login_email: str, token: str, new_password: str, password_confirmation: str
) -> None:
    """Follow the reset link and set a new password (the policy applies)."""
    with ctx.unit_of_work() as uow:
        account, plain = _link_target(uow, login_email, token)
        digest = ctx.ports.tokens.digest(plain)
        now = ctx.now()
        account.check_password_reset(digest, now)
        chosen = ctx.new_password(new_password, password_confirmation, account.login_email)
        account.reset_password(digest=digest, new_hash=ctx.ports.hasher.hash(chosen), now=now)
        uow.commit()


# --- reactivation by link --------------------------------------------------


def request_reactivation(ctx: Context, login_email: str) -> None:
    """A deactivated user asks to come back: a link goes to their contact email.

    An account support deactivated gets no link: the request goes to
    support (``ReactivationAskedOfSupport``), whose decision stands. One
    request per account is heard every
    ``settings.reactivation_request_interval``. Says nothing either way,
    so that it tells no one which accounts exist.
    """
    email = EmailAddress.parse(login_email, field="login_email")
    with ctx.unit_of_work() as uow:
        account = uow.accounts.get_by_login_email(email)
        now = ctx.now()
        interval = ctx.settings.reactivation_request_interval
        if account is None or not account.may_ask_reactivation(now, interval):
            return
        if account.deactivated_by_support:
            account.ask_support_for_reactivation(now)
        else:
            account.request_reactivation(
                ctx.ports.tokens.issue(), now, ctx.settings.reactivation_validity
            )
        uow.commit()


def reactivate_with_link(ctx: Context, *, login_email: str, token: str) -> None:
    """Follow the emailed reactivation link: the account is active again."""
    with ctx.unit_of_work() as uow:
        account, plain = _link_target(uow, login_email, token)
        account.reactivate(ctx.now(), digest=ctx.ports.tokens.digest(plain))
        uow.commit()
