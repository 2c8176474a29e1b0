"""The user account and its lifecycle.

::

    CREATED --send_activation--> ACTIVATION_PENDING --activate--> ACTIVE
    ACTIVATION_PENDING --expire--> EXPIRED --resend_activation--> ACTIVATION_PENDING
    ACTIVE --deactivate--> DEACTIVATED --reactivate--> ACTIVE

Secrets never reach the entity in clear: passwords and secret answers arrive
already hashed (by the ``PasswordHasher`` port), tokens as digests. Time comes
in as ``now``.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from attrs import define, field

from ..i18n import labelled
from . import events
from .emails import EmailAddress
from .errors import (
    ACCOUNT_STATE_LABELS,
    AccountNotActive,
    ActivationExpired,
    ContactEmailUnchanged,
    InvalidInput,
    InvalidTransition,
    LoginCodeRejected,
    NeverActivated,
    ResetLinkExpired,
    TokenInvalid,
    WrongCurrentPassword,
)
from .lifecycle import Lifecycle, Transition
from .login_codes import CodeRules, PendingLoginCode
from .text import printable_text
from .tokens import IssuedToken, PendingToken


@labelled("state")
class AccountState(enum.Enum):
    """The five states of an account."""

    CREATED = "CREATED"
    ACTIVATION_PENDING = "ACTIVATION_PENDING"
    EXPIRED = "EXPIRED"
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"

    @property
    def label(self) -> str:
        """The state in French, as a message shows it."""
        return ACCOUNT_STATE_LABELS[self.name]


_S = AccountState
ACCOUNT_LIFECYCLE: Lifecycle[AccountState] = Lifecycle(
    "compte",
    AccountState,
    [
        Transition("send_activation", (_S.CREATED,), _S.ACTIVATION_PENDING),
        Transition(
            "resend_activation",
            (_S.ACTIVATION_PENDING, _S.EXPIRED, _S.DEACTIVATED),
            _S.ACTIVATION_PENDING,
        ),
        Transition("activate", (_S.ACTIVATION_PENDING,), _S.ACTIVE),
        Transition("expire", (_S.ACTIVATION_PENDING,), _S.EXPIRED),
        Transition("deactivate", (_S.ACTIVE, _S.ACTIVATION_PENDING, _S.EXPIRED), _S.DEACTIVATED),
        Transition("reactivate", (_S.DEACTIVATED,), _S.ACTIVE),
    ],
)

SUGGESTED_SECRET_QUESTIONS: tuple[str, ...] = (
    "Quel est le nom de mon animal de compagnie ?",
    "Quel est le nom de jeune fille de ma mère ?",
    "Dans quelle ville suis-je né(e) ?",
    "Quel était le nom de mon école primaire ?",
    "Quel est le prénom de mon meilleur ami d'enfance ?",
    "Quel était le modèle de ma première voiture ?",
    "Quel est mon plat préféré ?",
    "Dans quelle rue ai-je grandi ?",
)
"""Questions a form may offer; the owner may also type their own."""
# A suggested question is kept as the one shared string, not a copy per account.
_SHARED_QUESTIONS = {q: q for q in SUGGESTED_SECRET_QUESTIONS}

_NAME_MAX = 100
_QUESTION_MIN, _QUESTION_MAX = 5, 200
_ANSWER_MIN, _ANSWER_MAX = 2, 200


def person_name(text: object, field_name: str) -> str:
    """A last or first name: required, printable, inner spaces collapsed."""
    return printable_text(text, field_name, _NAME_MAX)


def secret_question(text: object) -> str:
    """The secret question as the owner typed it (5 to 200 printable characters)."""
    question = printable_text(text, "secret_question", _QUESTION_MAX)
    if len(question) < _QUESTION_MIN:
        raise InvalidInput(field="secret_question", expected="question d'au moins 5 caractères")
    return _SHARED_QUESTIONS.get(question, question)


def normalise_secret_answer(text: object) -> str:
    """The answer in the form that is hashed and compared.

    Case, accents and spacing are forgiven ("Médor", " medor ") because a
    person recalls a word, not how they typed it three years ago.
    """
    answer = printable_text(text, "secret_answer", _ANSWER_MAX)
    decomposed = unicodedata.normalize("NFKD", answer)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    normalised = " ".join(bare.casefold().split())
    if len(normalised) < _ANSWER_MIN:
        raise InvalidInput(field="secret_answer", expected="réponse d'au moins 2 caractères")
    return normalised


@define(eq=False, weakref_slot=False)
class Account(events.RecordsEvents):
    """A person's login on the portal.

    Build new ones with :meth:`register`; the constructor is for loading a
    stored account as it is (no machine code runs).
    """

    id: str
    login_email: EmailAddress
    last_name: str
    first_name: str
    created_at: datetime
    state: AccountState = AccountState.CREATED
    contact_email_override: EmailAddress | None = None
    survey_consent: bool = False
    password_hash: str | None = None
    secret_question: str | None = None
    secret_answer_hash: str | None = None
    activation: PendingToken | None = None
    password_reset: PendingToken | None = None
    reactivation: PendingToken | None = None
    login_code: PendingLoginCode | None = None
    """The one-time code sent at the last login whose password was right, while it waits."""
    failed_logins: int = 0
    login_blocked_until: datetime | None = None
    failed_answers: int = 0
    answers_blocked_until: datetime | None = None
    last_login_at: datetime | None = None
    credentials_version: int = 0
    """Bumped whenever the credentials change: a host's session made before is stale."""
    deactivated_by_support: bool = False
    """Whether support (not the owner) deactivated the account: only support reactivates it."""
    reactivation_asked_at: datetime | None = None
    version: int = 0
    # Created with the first event only: most loaded accounts record none.
    _pending_events: list[events.DomainEvent] | None = field(default=None, init=False, repr=False)

    # --- construction -----------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        account_id: str,
        login_email: EmailAddress,
        last_name: str,
        first_name: str,
        contact_email: EmailAddress | None,
        survey_consent: bool,
        now: datetime,
    ) -> Account:
        """A new account in state CREATED; the contact email defaults to the login email."""
        override = None if contact_email is None or contact_email == login_email else contact_email
        return cls(
            id=account_id,
            login_email=login_email,
            last_name=last_name,
            first_name=first_name,
            created_at=now,
            contact_email_override=override,
            survey_consent=survey_consent,
        )

    # --- reading ----------------------------------------------------------

    @property
    def contact_email(self) -> EmailAddress:
        """Where notifications go: the contact email, or else the login email."""
        return self.contact_email_override or self.login_email

    @property
    def is_active(self) -> bool:
        """Whether the account is ACTIVE (the only state with rights)."""
        return self.state is AccountState.ACTIVE

    def login_blocked(self, now: datetime) -> bool:
        """Whether logins are refused for now after too many failures."""
        return self.login_blocked_until is not None and now < self.login_blocked_until

    def session_is_current(self, credentials_version: int) -> bool:
        """Whether a session opened at ``credentials_version`` may go on.

        Only while the account is active and its credentials have not changed
        since (a new password, a new secret question, a reset, a
        deactivation): after that the user logs in again.
        """
        return self.is_active and self.credentials_version == credentials_version

    # --- activation -------------------------------------------------------

    @property
    def was_activated(self) -> bool:
        """Whether its owner ever chose a password (activated it)."""
        return self.password_hash is not None

    def issue_activation(
        self, token: IssuedToken, now: datetime, validity: timedelta, *, by_support: bool = False
    ) -> None:
        """Send (or resend) the activation link; a resend cancels the previous one.

        An account support deactivated before it was ever activated comes
        back this way, by support's hand alone; one that was activated comes
        back by reactivation.
        """
        resent = self.state is not AccountState.CREATED
        if self.state is AccountState.DEACTIVATED and (self.was_activated or not by_support):
            raise InvalidTransition(
                entity="compte", from_state=self.state.value, event="resend_activation"
            )
        ACCOUNT_LIFECYCLE.fire(self, "resend_activation" if resent else "send_activation")
        self.deactivated_by_support = False
        self.activation = PendingToken.issue(token, now, validity)
        self._record(
            events.ActivationLinkIssued(
                occurred_at=now,
                account_id=self.id,
                link_id=token.link_id,
                expires_at=self.activation.expires_at,
                resent=resent,
            )
        )

    def check_activation(self, digest: str, now: datetime) -> None:
        """Raise unless ``digest`` is this account's live activation token.

        Does not change the state: the caller expires the account on
        :class:`ActivationExpired` and keeps that change.
        """
        link = self.activation
        if link is None or not link.matches(digest):
            raise TokenInvalid(field="token")
        if self.state is AccountState.EXPIRED or link.expired(now):
            raise ActivationExpired(deadline=link.expires_at.isoformat())
        ACCOUNT_LIFECYCLE.require(self, [AccountState.ACTIVATION_PENDING], "activate")

    def activate(
        self,
        *,
        digest: str,
        password_hash: str,
        question: str,
        answer_hash: str,
        now: datetime,
    ) -> None:
        """Consume the activation token and set the first password and secret question."""
        self.check_activation(digest, now)
        ACCOUNT_LIFECYCLE.fire(self, "activate")
        self.activation = None
        self.password_hash = password_hash
        self.secret_question = question
        self.secret_answer_hash = answer_hash
        self._record(events.AccountActivated(occurred_at=now, account_id=self.id))

    def expire(self, now: datetime) -> None:
        """The activation deadline passed: the link is refused from now on."""
        ACCOUNT_LIFECYCLE.fire(self, "expire")
        self._record(events.ActivationExpired(occurred_at=now, account_id=self.id))

    def activation_overdue(self, now: datetime) -> bool:
        """Whether the account waits for an activation whose deadline has passed."""
        return (
            self.state is AccountState.ACTIVATION_PENDING
            and self.activation is not None
            and self.activation.expired(now)
        )

    # --- login ------------------------------------------------------------

    def reserve_login_check(self, now: datetime, limit: int, block_for: timedelta) -> bool:
        """Whether a password may be checked now; if so, it counts as failed until proven right.

        Counting before checking is what bounds the checks when guesses come
        in parallel: ``limit`` checks at most, then logins are blocked (and
        the owner told) even if every one of them is still running.
        """
        if self.login_blocked(now):
            return False
        if self.failed_logins >= limit:
            self._block_logins(now, block_for)
            return False
        self.failed_logins += 1
        return True

    def confirm_login_failure(self, now: datetime, limit: int, block_for: timedelta) -> None:
        """The reserved check failed: at ``limit`` failures in a row, block logins and tell the owner."""
        if self.failed_logins >= limit and not self.login_blocked(now):
            self._block_logins(now, block_for)

    def record_login_failure(self, now: datetime, limit: int, block_for: timedelta) -> None:
        """One wrong password, counted and judged at once (one login at a time)."""
        self.failed_logins += 1
        self.confirm_login_failure(now, limit, block_for)

    def _block_logins(self, now: datetime, block_for: timedelta) -> None:
        self.failed_logins = 0
        self.login_blocked_until = now + block_for
        self._record(
            events.LoginThrottled(
                occurred_at=now, account_id=self.id, until=self.login_blocked_until
            )
        )

    def lift_login_suspension(self, now: datetime) -> bool:
        """Support lets the owner try again at once: the failure count starts again.

        Returns whether logins were suspended; only then is the lifting
        recorded (an account with a few failures is merely given a clean count).
        """
        suspended = self.login_blocked(now)
        self.failed_logins = 0
        self.login_blocked_until = None
        if suspended:
            self._record(events.LoginSuspensionLifted(occurred_at=now, account_id=self.id))
        return suspended

    def clear_login_failures(self) -> None:
        """The right password was given (the account may not be active): the count starts again."""
        self.failed_logins = 0

    def ensure_may_log_in(self) -> None:
        """Raise :class:`AccountNotActive` unless the account is ACTIVE.

        Only an active account logs in: one pending activation, expired or
        deactivated is refused, with its state. Call it once the password has
        proved right, so that the refusal tells the state only to the owner.
        """
        if not self.is_active:
            raise AccountNotActive(state=self.state.name)

    def record_login_success(self, now: datetime, rehashed_password: str | None = None) -> None:
        """A good login clears the failure count (and stores a stronger hash if given)."""
        self.failed_logins = 0
        self.login_blocked_until = None
        self.last_login_at = now
        self.login_code = None
        if rehashed_password is not None:
            self.password_hash = rehashed_password

    # --- the code emailed at login ------------------------------------------

    def send_login_code(
        self,
        token: IssuedToken,
        now: datetime,
        rules: CodeRules,
        rehashed_password: str | None = None,
    ) -> None:
        """The password proved right: a code goes to the login email; it alone opens the session.

        Within ``rules.resend_interval`` of the last code, that code, still
        valid, stands instead: no new email.

        The check this password was reserved as (:meth:`reserve_login_check`)
        is given back rather than the count cleared: wrong codes add to the
        wrong passwords before them, and only a whole login starts the count
        again, so that knowing the password buys no more guesses at the code.
        """
        self.ensure_may_log_in()
        self.failed_logins = max(0, self.failed_logins - 1)
        if rehashed_password is not None:
            self.password_hash = rehashed_password
        waiting = self.login_code
        # The code just sent still stands: logging in again floods no mailbox.
        if (
            waiting is not None
            and waiting.usable(now)
            and self.login_code_resend_wait(now, rules.resend_interval)
        ):
            return
        self.login_code = PendingLoginCode.issue(token, now, rules)
        self._announce_login_code(token, resent=False)

    def resend_login_code(self, token: IssuedToken, now: datetime, rules: CodeRules) -> None:
        """A new code replaces the waiting one (which dies), tries counted afresh.

        The caller has checked :meth:`login_code_resend_wait` and the number
        of resends; with no code waiting there is nothing to resend.
        """
        waiting = self.login_code
        if waiting is None or waiting.token.expired(now) or not self.is_active:
            raise LoginCodeRejected(field="code")
        self.login_code = PendingLoginCode.issue(token, now, rules, waiting.resends + 1)
        self._announce_login_code(token, resent=True)

    def login_code_resend_wait(self, now: datetime, interval: timedelta) -> timedelta:
        """How long before a new code may be sent (zero: now)."""
        waiting = self.login_code
        if waiting is None:
            return timedelta(0)
        return max(timedelta(0), waiting.sent_at + interval - now)

    def _announce_login_code(self, token: IssuedToken, *, resent: bool) -> None:
        assert self.login_code is not None
        self._record(
            events.LoginCodeSent(
                occurred_at=self.login_code.sent_at,
                account_id=self.id,
                link_id=token.link_id,
                expires_at=self.login_code.expires_at,
                digits=self.login_code.digits,
                resent=resent,
            )
        )

    def try_login_code(self, digest: str, now: datetime, limit: int, block_for: timedelta) -> bool:
        """Check a typed code (its digest): True opens the session, and the code is used up.

        Every try counts like a password check: refused while logins are
        suspended, a wrong one adds to the failures (at ``limit``, logins are
        suspended and the owner told) and takes a try from the code, which
        dies with its last one.
        """
        if not self.reserve_login_check(now, limit, block_for):
            return False
        waiting = self.login_code
        if waiting is not None and waiting.usable(now) and waiting.token.matches(digest):
            self.login_code = None
            return True
        if waiting is not None:
            fewer = waiting.tried()
            self.login_code = fewer if fewer.usable(now) else None
        self.confirm_login_failure(now, limit, block_for)
        return False

    # --- account management ----------------------------------------------

    def _require_active(self, action: str) -> None:
        ACCOUNT_LIFECYCLE.require(self, [AccountState.ACTIVE], action)

    def change_contact_email(self, new: EmailAddress, now: datetime) -> None:
        """Change where notifications go; the old and the new address are told."""
        self._require_active("change_contact_email")
        old = self.contact_email
        if new == old:
            raise ContactEmailUnchanged(field="contact_email")
        self.contact_email_override = None if new == self.login_email else new
        self._record(
            events.ContactEmailChanged(
                occurred_at=now, account_id=self.id, previous_contact_email=old.value
            )
        )

    def change_survey_consent(self, consent: bool, now: datetime) -> bool:
        """Give or withdraw the consent to the satisfaction survey; whether it changed.

        The registration's checkbox can be unticked at any time ("je pourrai
        à tout moment exercer mon droit de retrait en décochant l'option"),
        and ticked again. Only a change is recorded.
        """
        self._require_active("change_survey_consent")
        if consent is self.survey_consent:
            return False
        self.survey_consent = consent
        self._record(
            events.SurveyConsentChanged(occurred_at=now, account_id=self.id, consent=consent)
        )
        return True

    def _credentials_changed(self) -> None:
        """What the old credentials opened closes: outstanding links die, sessions go stale."""
        self.credentials_version += 1
        self.password_reset = None
        self.reactivation = None
        self.login_code = None

    def check_current_password(self, typed: str, verify: Callable[[str, str], bool]) -> None:
        """Raise :class:`WrongCurrentPassword` unless ``typed`` is the account's password.

        Changing the password or the secret question from "Mon compte" needs
        the current password. ``verify(hash, password)`` is the password
        hasher's check (the domain never hashes).
        """
        if self.password_hash is None or not verify(self.password_hash, typed):
            raise WrongCurrentPassword(field="current_password")

    def change_password(self, new_hash: str, now: datetime) -> None:
        """Store a new password hash (after :meth:`check_current_password`)."""
        self._require_active("change_password")
        self.password_hash = new_hash
        self._credentials_changed()
        self._record(
            events.PasswordChanged(occurred_at=now, account_id=self.id, through_reset=False)
        )

    def change_secret_question(self, question: str, answer_hash: str, now: datetime) -> None:
        """Replace the secret question and its answer."""
        self._require_active("change_secret_question")
        self.secret_question = question
        self.secret_answer_hash = answer_hash
        self.failed_answers = 0
        self.answers_blocked_until = None
        self._credentials_changed()
        self._record(events.SecretQuestionChanged(occurred_at=now, account_id=self.id))

    def deactivate(self, now: datetime, *, by_owner: bool) -> None:
        """Close the account; its links die and its sessions go stale.

        Deactivated by someone else than its owner (support), it can only be
        reactivated by support. Support may close an account still pending
        activation too: its activation link dies with it.
        """
        if by_owner:
            # Only an active owner can act at all; the other sources are support's.
            ACCOUNT_LIFECYCLE.require(self, [AccountState.ACTIVE], "deactivate")
        ACCOUNT_LIFECYCLE.fire(self, "deactivate")
        self._credentials_changed()
        self.activation = None
        self.deactivated_by_support = not by_owner
        self.reactivation_asked_at = None
        self._record(
            events.AccountDeactivated(occurred_at=now, account_id=self.id, by_owner=by_owner)
        )

    def may_ask_reactivation(self, now: datetime, interval: timedelta) -> bool:
        """Whether a reactivation request now would be heard (one per ``interval`` at most)."""
        if self.state is not AccountState.DEACTIVATED:
            return False
        last = self.reactivation_asked_at
        return last is None or now - last >= interval

    def ask_support_for_reactivation(self, now: datetime) -> None:
        """The owner of an account support deactivated asks to come back: support decides."""
        ACCOUNT_LIFECYCLE.require(self, [AccountState.DEACTIVATED], "request_reactivation")
        self.reactivation_asked_at = now
        self._record(events.ReactivationAskedOfSupport(occurred_at=now, account_id=self.id))

    def request_reactivation(self, token: IssuedToken, now: datetime, validity: timedelta) -> None:
        """Send a reactivation link to the contact email; a new request cancels the last.

        Only for an account its owner deactivated: support's decision stands.
        """
        ACCOUNT_LIFECYCLE.require(self, [AccountState.DEACTIVATED], "request_reactivation")
        if self.deactivated_by_support:
            raise TokenInvalid(field="token")
        self.reactivation_asked_at = now
        self.reactivation = PendingToken.issue(token, now, validity)
        self._record(
            events.ReactivationLinkIssued(
                occurred_at=now,
                account_id=self.id,
                link_id=token.link_id,
                expires_at=self.reactivation.expires_at,
            )
        )

    def reactivate(self, now: datetime, *, digest: str | None = None) -> None:
        """Make the account active again, by its owner's link or by an administrator.

        With ``digest`` (the owner followed the emailed link) the link must be
        live; without it the caller has checked the actor's right.
        """
        if self.state is AccountState.DEACTIVATED and not self.was_activated:
            raise NeverActivated()
        if digest is not None:
            link = self.reactivation
            if (
                link is None
                or not link.matches(digest)
                or link.expired(now)
                or self.deactivated_by_support
            ):
                raise TokenInvalid(field="token")
        ACCOUNT_LIFECYCLE.fire(self, "reactivate")
        self.reactivation = None
        self.deactivated_by_support = False
        self.reactivation_asked_at = None
        self.failed_logins = 0
        self.login_blocked_until = None
        self._record(
            events.AccountReactivated(
                occurred_at=now, account_id=self.id, by_owner=digest is not None
            )
        )

    # --- forgotten password -----------------------------------------------

    def answers_blocked(self, now: datetime) -> bool:
        """Whether secret answers are refused for now after too many wrong ones."""
        return self.answers_blocked_until is not None and now < self.answers_blocked_until

    def record_wrong_answer(self, now: datetime, limit: int, block_for: timedelta) -> None:
        """Count a wrong secret answer; at ``limit`` in a row, block answers and tell the owner."""
        self.failed_answers += 1
        if self.failed_answers >= limit:
            self.failed_answers = 0
            self.answers_blocked_until = now + block_for
            self._record(
                events.SecretAnswersBlocked(
                    occurred_at=now, account_id=self.id, until=self.answers_blocked_until
                )
            )

    def issue_password_reset(self, token: IssuedToken, now: datetime, validity: timedelta) -> None:
        """The answer was right: send a reset link (it alone can change the password)."""
        self._require_active("reset_password")
        self.failed_answers = 0
        self.answers_blocked_until = None
        self.password_reset = PendingToken.issue(token, now, validity)
        self._record(
            events.PasswordResetLinkIssued(
                occurred_at=now,
                account_id=self.id,
                link_id=token.link_id,
                expires_at=self.password_reset.expires_at,
            )
        )

    def check_password_reset(self, digest: str, now: datetime) -> None:
        """Raise unless ``digest`` is the live reset token.

        The token is checked first: whoever does not hold it learns nothing
        of the account's state.
        """
        link = self.password_reset
        if link is None or not link.matches(digest):
            raise TokenInvalid(field="token")
        if link.expired(now):
            raise ResetLinkExpired(field="token")
        self._require_active("reset_password")

    def reset_password(self, *, digest: str, new_hash: str, now: datetime) -> None:
        """Consume the reset link and set the new password.

        Following the link proves the owner reads the login mailbox, so it also
        lifts a login block.
        """
        self.check_password_reset(digest, now)
        self.password_hash = new_hash
        self._credentials_changed()
        self.failed_logins = 0
        self.login_blocked_until = None
        self._record(
            events.PasswordChanged(occurred_at=now, account_id=self.id, through_reset=True)
        )
