"""A stateful test of who may do what, for a host to run through its own layer.

:class:`OnboardingMachine` is a Hypothesis ``RuleBasedStateMachine``. It sets
up three structures and five users, then runs random programs of the
membership operations (asking to join, validating, inviting, detaching,
leaving, subscribing to espaces, delegating, transferring the principal
manager's role, opening and closing espaces, deactivating and reactivating
accounts), each by a random actor: a member, a manager of another structure,
a deactivated account, an account that does not exist, support. Beside the
service it keeps :class:`Model`, the rules of DOMAIN.md written plainly and
separately from the library, which says for every call whether it must
succeed. After every step that changed something it checks that access is
exactly what the rules give, for every person, structure, espace and mode,
and that each structure has one principal manager, the managers, members and
rights the rules name.

Run as it is, it checks the library against its rules. A host subclasses it
to check its own layer (its HTTP API, its views) instead: each operation
goes through :meth:`OnboardingMachine.perform`, which calls the facade by
default; override it to send the operation through the host's layer and
tell what came back (:class:`Outcome`). Override
:meth:`OnboardingMachine.host_can_access` to answer access the way the host
does (its permission checks, its caches). The host's layer is built in
:meth:`OnboardingMachine.start_host`, on the machine's own service
(``self.world.service``), so that it sees everything the machine does::

    from hypothesis import settings

    from chorus_onboarding.testing.stateful import OnboardingMachine, Outcome


    class ThroughOurApi(OnboardingMachine):
        def start_host(self):
            self.client = make_app(self.world.service).test_client()  # your application

        def perform(self, operation, actor, **arguments):
            if operation != "validate_attachment" or actor.is_support:
                return super().perform(operation, actor, **arguments)  # not ours: the library
            response = self.client.post(
                f"/attachments/{arguments['attachment_id']}/validation",
                headers={"X-Account": actor.account_id},  # stands for a session
            )
            return Outcome.of_http(response.status_code, response.get_json())

        def host_can_access(self, account_id, structure_id, espace, mode):
            url = f"/access/{account_id}/{structure_id}/{espace.value}/{mode.value}"
            return self.client.get(url).get_json()


    ThroughOurApi.TestCase.settings = settings(
        max_examples=200, stateful_step_count=30, deadline=None
    )
    test_our_api_keeps_the_rules = ThroughOurApi.TestCase

A host routes the operations it exposes and hands the others back to the
library (``super().perform``): the machine still runs every operation, and
checks the host's part. A failure names the operation, its arguments, the
actor, what the rules say and what the layer did; Hypothesis prints the
shortest program it found.

Two variants run the same programs with more besides:
:class:`LoginCodeMachine`, on a portal whose logins ask for the code emailed
to the login email, has its users log in (passwords, codes, new codes, time
passing; hosts route those steps through :meth:`LoginCodeMachine.perform_login`);
:class:`SiretChangeMachine` has principal managers and others declare new
SIRETs. A host combines them as it needs.

Needs Hypothesis (the ``testing`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from .. import (
    Actor,
    Espace,
    ExistingStructureRegistration,
    Habilitation,
    LoginCodeSent,
    NewStructureRegistration,
    OnboardingError,
    OnboardingSettings,
    StructureNaming,
)
from ..adapters.snapshots import snapshot
from ..domain.accounts import AccountState
from ..domain.errors import ValidationError
from ..domain.identifiers import IdentifierType, Siret, StructureIdentifier
from ..domain.login_codes import typed_code
from ..domain.states import AttachmentState, SubscriptionState
from . import require_testing_extra
from .world import PASSWORD, World, build_world

require_testing_extra("hypothesis")

from hypothesis import event  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

__all__ = [
    "CHANGE_SIRETS",
    "EMAILS",
    "ESPACES",
    "LOGIN_OPERATIONS",
    "LOGIN_STEPS",
    "MODES",
    "OPERATIONS",
    "SIRET_OPERATIONS",
    "STRANGER",
    "STRUCTURE_SIRETS",
    "SUPPORT",
    "WRONG_PASSWORD",
    "LoginCodeMachine",
    "LoginRules",
    "Model",
    "ModelLogin",
    "ModelSubscription",
    "OnboardingMachine",
    "Outcome",
    "SiretChangeMachine",
]

EMAILS = tuple(f"user{number}@exemple.fr" for number in range(5))
"""The login emails of the machine's five users, ``user0`` to ``user4``; their password is
:data:`~chorus_onboarding.testing.world.PASSWORD`."""

ESPACES = (Espace.FACTURES_EMISES, Espace.SOLLICITATIONS_EMISES, Espace.FACTURES_TRAVAUX)
"""The espaces the machine opens, closes and subscribes to (the first two open at the start)."""

MODES = (Habilitation.CONSULTATION_UNIQUEMENT, Habilitation.MODIFICATION)
"""Both habilitations: subscriptions ask for one, access is checked in each."""

STRUCTURE_SIRETS = ("52601815500014", "90830166600016")
"""The SIRETs ``structure0`` and ``structure1`` register with (``structure2`` is outside the EU)."""

STRANGER = "no-such-account"
"""An account id that does not exist: acts as a user, may do nothing, never has access."""

SUPPORT = "support"
"""How the model names support (never an account id)."""

OPERATIONS: Mapping[str, tuple[str, ...]] = {
    # Attachments.
    "request_attachment": ("structure_id",),
    "withdraw_attachment_request": ("attachment_id",),
    "validate_attachment": ("attachment_id",),
    "refuse_attachment": ("attachment_id",),
    "invite_user": ("structure_id", "login_email"),
    "accept_invitation": ("attachment_id",),
    "decline_invitation": ("attachment_id",),
    "detach_user": ("structure_id", "account_id"),
    "leave_structure": ("structure_id",),
    # Subscriptions to espaces.
    "request_subscription": ("structure_id", "espace", "habilitation"),
    "validate_subscription": ("subscription_id",),
    "refuse_subscription": ("subscription_id",),
    "revoke_subscription": ("subscription_id",),
    "cancel_subscription": ("subscription_id",),
    # Managers and espaces.
    "grant_manager": ("structure_id", "account_id"),
    "revoke_manager": ("structure_id", "account_id"),
    "transfer_principal_manager": ("structure_id", "account_id"),
    "appoint_principal_manager": ("structure_id", "account_id"),
    "open_espace": ("structure_id", "espace"),
    "close_espace": ("structure_id", "espace"),
    # Accounts: one's own deactivation passes no account_id; support's names it.
    "deactivate_account": ("account_id",),
    "reactivate_account": ("account_id",),
}
"""Every operation the machine performs, by its facade method's name, with the keyword
arguments :meth:`OnboardingMachine.perform` receives (the facade's parameter names).

``espace`` is an :class:`~chorus_onboarding.Espace`, ``habilitation`` a
:class:`~chorus_onboarding.Habilitation`; the others are strings.
``deactivate_account`` comes without ``account_id`` when users deactivate
their own account, with it when support deactivates someone's.
"""

PENDING, INVITED, VALIDATED = (
    AttachmentState.PENDING,
    AttachmentState.INVITED,
    AttachmentState.VALIDATED,
)
ASKED, GRANTED = SubscriptionState.EN_COURS_DE_VALIDATION, SubscriptionState.VALIDE


# Codes of the errors for values the library could not read: a call the rules
# refuse is refused for who asks or for what is aimed at, never as malformed.
def _codes(root: type[OnboardingError]) -> frozenset[str]:
    return frozenset({root.code}).union(*(_codes(cls) for cls in root.__subclasses__()))


_MALFORMED = _codes(ValidationError)
# Checks of what a SIRET stands for, not of how it is written: a refusal for what is aimed at.
_MALFORMED -= {"siret_not_in_register", "company_closed", "siret_unchanged"}


# --- what a layer answered ---------------------------------------------------------------


@attrs.frozen
class Outcome:
    """What the layer under test answered to an operation: done, or refused.

    Build one with :meth:`succeeded`, :meth:`refused`, :meth:`of_call` (a
    Python call raising the library's errors) or :meth:`of_http` (an HTTP
    response, with its problem+json body if any).
    """

    done: bool
    """Whether the operation was carried out."""
    code: str | None = None
    """When refused: the library's error code, if the layer tells it (``"not_a_manager"``...)."""
    detail: str = ""
    """Anything that helps read a failure: a status, a message. Shown, never checked."""
    value: object = attrs.field(default=None, eq=False, kw_only=True)
    """What a done operation gave back that the machine needs next: a login's challenge
    (:class:`LoginCodeMachine`). Never compared."""

    @classmethod
    def succeeded(cls, detail: str = "", *, value: object = None) -> Outcome:
        """The operation was carried out (and gave back ``value``, if the machine needs it)."""
        return cls(True, None, detail, value=value)

    @classmethod
    def refused(cls, code: str | None = None, detail: str = "") -> Outcome:
        """The operation was refused, with the library's error code if known."""
        return cls(False, code, detail)

    @classmethod
    def of_call(cls, call: Callable[[], object]) -> Outcome:
        """Run ``call``: refused with its code if it raises the library's error, else done.

        Any other exception goes through: a layer that crashes is a finding.
        """
        try:
            value = call()
        except OnboardingError as error:
            return cls.refused(error.code, type(error).__name__)
        return cls.succeeded(value=value)

    @classmethod
    def of_http(cls, status: int, body: object = None) -> Outcome:
        """Done on a 2xx status, refused on a 4xx (``body["code"]`` as the code, if any).

        ``body`` is the decoded JSON of the response, if there is one: the
        library's problem+json (``error.to_problem()``) carries ``code``. Any
        other status means the layer broke, which is a failure of its own.
        """
        if 200 <= status < 300:
            return cls.succeeded(f"HTTP {status}")
        code = body.get("code") if isinstance(body, Mapping) else None
        if 400 <= status < 500:
            return cls.refused(code if isinstance(code, str) else None, f"HTTP {status}")
        raise AssertionError(f"the host layer answered HTTP {status}: {body!r}")


# --- the rules, written plainly ----------------------------------------------------------


@attrs.define
class ModelSubscription:
    """A subscription as the model knows it."""

    user: str
    structure: str
    espace: Espace
    habilitation: Habilitation
    state: SubscriptionState = ASKED

    @property
    def live(self) -> bool:
        """Asked or granted."""
        return self.state.is_live


@attrs.frozen
class LoginRules:
    """The settings a login follows, read from the service (:meth:`of`)."""

    max_failures: int
    """Failed logins in a row (wrong passwords and wrong codes together) before suspension."""
    suspension: timedelta
    code_tries: int
    code_validity: timedelta
    resend_interval: timedelta
    resends: int
    code_length: int

    @classmethod
    def of(cls, settings: OnboardingSettings) -> LoginRules:
        """The rules ``settings`` set."""
        return cls(
            settings.max_failed_logins,
            settings.login_block,
            settings.login_code_tries,
            settings.login_code_validity,
            settings.login_code_resend_interval,
            settings.login_code_resends,
            settings.login_code_length,
        )


@attrs.define
class ModelLogin:
    """Where one account's logins stand, as the model knows it."""

    failures: int = 0
    """Failed logins since the last good one (or the last suspension)."""
    suspended_until: datetime | None = None
    emailed: str | None = None
    """The digits of the last code emailed, whether it still works or not."""
    code: str | None = None
    """The digits of the code the login waits for; None when none does (used, dead, replaced)."""
    tries_left: int = 0
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    resends: int = 0
    """How many new codes this login asked for."""
    challenge: str | None = None
    """The last challenge the password step gave back, valid until :attr:`challenge_until`."""
    challenge_until: datetime | None = None

    def suspended(self, now: datetime) -> bool:
        """Whether logins are refused at ``now``."""
        return self.suspended_until is not None and now < self.suspended_until


@attrs.define
class Model:
    """The rules of DOMAIN.md over a few people and structures, written plainly.

    Kept apart from the library on purpose: it stores plain sets and
    dictionaries, and says what each operation requires (the ``may_...``
    methods) and what it changes (the methods named after the operation).
    People are account ids; support is :data:`SUPPORT`; an id the model does
    not know is an account that may do nothing and reach nothing.

    The rules, in short: an account acts only while active. Anyone asks to
    join a structure, once at a time; a manager of it (principal or
    delegated) validates, refuses or invites; the invitee alone answers an
    invitation, the requester alone takes a request back. A member asks for
    a subscription to an open espace; only the principal manager validates,
    refuses or revokes it, its owner cancels it. Only the principal manager
    opens and closes espaces, delegates managing rights and hands its role
    to another active member (keeping a manager's rights and getting
    subscriptions to what is open); support appoints a principal manager,
    deactivates and reactivates accounts. A delegated manager detaches only
    plain members (no managing right, no espace right); no one detaches the
    principal manager, who cannot leave. Access needs an active account, a
    validated attachment and an open espace, and then the principal
    manager's role or a validated subscription covering the mode
    (modification covers consultation).
    """

    active: dict[str, bool] = attrs.field(factory=dict)
    """Whether each known account is active (else deactivated)."""
    principal: dict[str, str] = attrs.field(factory=dict)
    """Each structure's principal manager."""
    delegated: dict[str, set[str]] = attrs.field(factory=dict)
    """Each structure's delegated managers."""
    opened: dict[str, set[Espace]] = attrs.field(factory=dict)
    """The espaces open on each structure (in both modes, on the default service)."""
    membership: dict[tuple[str, str], AttachmentState] = attrs.field(factory=dict)
    """The live attachment of (user, structure): PENDING, INVITED or VALIDATED; absent if none."""
    requests: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    """Pending requests to join, by id: (user, structure)."""
    invitations: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    """Invitations not answered yet, by id: (user, structure)."""
    subscriptions: dict[str, ModelSubscription] = attrs.field(factory=dict)
    """Every subscription, by id."""
    logins: dict[str, ModelLogin] = attrs.field(factory=dict)
    sirets: dict[str, str] = attrs.field(factory=dict)
    """The SIRET of each structure identified by one (:class:`SiretChangeMachine` only)."""
    formers: dict[str, str] = attrs.field(factory=dict)
    """Each SIRET replaced by a change, with the structure that had it."""
    register: dict[str, bool] = attrs.field(factory=dict)
    """The SIRETs the company register knows, and whether each establishment is open."""
    """Where each account's logins stand, once it tried one (:class:`LoginCodeMachine` only)."""

    @classmethod
    def of_structures(cls, principals: Mapping[str, str], opened: Iterable[Espace] = ()) -> Model:
        """Structures with their principal manager (active, attached) and these espaces open."""
        return cls(
            active=dict.fromkeys(principals.values(), True),
            principal=dict(principals),
            delegated={s: set() for s in principals},
            opened={s: set(opened) for s in principals},
            membership={(user, s): VALIDATED for s, user in principals.items()},
        )

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything the model holds, as a value to compare."""
        return (
            sorted(self.active.items()),
            sorted(self.principal.items()),
            sorted((s, sorted(users)) for s, users in self.delegated.items()),
            sorted((s, sorted(e.value for e in espaces)) for s, espaces in self.opened.items()),
            sorted((key, state.value) for key, state in self.membership.items()),
            sorted(self.requests.items()),
            sorted(self.invitations.items()),
            sorted((key, attrs.astuple(sub)) for key, sub in self.subscriptions.items()),
        )

    # --- facts --------------------------------------------------------------------------

    def is_active(self, user: str) -> bool:
        """Whether ``user`` is a known, active account."""
        return self.active.get(user, False)

    def is_member(self, user: str, structure: str) -> bool:
        """Whether ``user`` has a validated attachment to ``structure``."""
        return self.membership.get((user, structure)) is VALIDATED

    def manages(self, user: str, structure: str) -> bool:
        """Whether ``user`` is active and the principal or a delegated manager of ``structure``."""
        return self.is_active(user) and (
            self.principal.get(structure) == user or user in self.delegated.get(structure, ())
        )

    def leads(self, user: str, structure: str) -> bool:
        """Whether ``user`` is active and the principal manager of ``structure``."""
        return self.is_active(user) and self.principal.get(structure) == user

    def holds_rights(self, user: str, structure: str) -> bool:
        """Whether ``user`` holds a validated subscription on ``structure``."""
        return any(
            s.user == user and s.structure == structure and s.state is GRANTED
            for s in self.subscriptions.values()
        )

    def may_access(self, user: str, structure: str, espace: Espace, mode: Habilitation) -> bool:
        """Whether ``user`` may use ``espace`` of ``structure`` in ``mode`` now."""
        if (
            not self.is_active(user)
            or espace not in self.opened.get(structure, ())
            or not self.is_member(user, structure)
        ):
            return False
        if self.principal[structure] == user:
            return True  # every right on what is open, without subscribing
        return any(
            s.user == user
            and s.structure == structure
            and s.espace is espace
            and s.state is GRANTED
            and (
                s.habilitation is Habilitation.MODIFICATION
                or mode is Habilitation.CONSULTATION_UNIQUEMENT
            )
            for s in self.subscriptions.values()
        )

    # --- attachments --------------------------------------------------------------------

    def may_request_attachment(self, me: str, structure: str) -> bool:
        """An active account with no live attachment to the structure."""
        return self.is_active(me) and (me, structure) not in self.membership

    def request_attachment(self, me: str, structure: str, request: str) -> None:
        """``me`` asked to join ``structure``: the request is ``request``."""
        self.membership[(me, structure)] = PENDING
        self.requests[request] = (me, structure)

    def may_withdraw_attachment_request(self, me: str, request: str) -> bool:
        """The requester, while active and the request is pending."""
        user, _ = self.requests[request]
        return self.is_active(me) and me == user

    def may_decide_attachment(self, me: str, request: str) -> bool:
        """A manager of the structure (principal or delegated) validates or refuses a pending request."""
        user, structure = self.requests[request]
        return self.manages(me, structure) and self.membership.get((user, structure)) is PENDING

    def close_request(self, request: str, *, validated: bool) -> None:
        """The request was validated (the user is a member) or refused or taken back."""
        user, structure = self.requests.pop(request)
        if validated:
            self.membership[(user, structure)] = VALIDATED
        else:
            del self.membership[(user, structure)]

    def may_invite_user(self, me: str, structure: str) -> bool:
        """A manager of the structure invites anyone (the same answer whoever is invited)."""
        return self.manages(me, structure)

    def invite_user(self, user: str, structure: str, invitation: str | None) -> None:
        """``user`` was invited: a pending request becomes a membership, else an invitation waits.

        Nothing changes for an account that is not active or already has
        an invitation or a membership there. ``invitation`` is the id of the
        invitation created, if one was.
        """
        if not self.is_active(user):
            return
        before = self.membership.get((user, structure))
        if before is PENDING:  # they asked: the invitation is their consent
            self.membership[(user, structure)] = VALIDATED
            self.requests = {r: m for r, m in self.requests.items() if m != (user, structure)}
        elif before is None:
            assert invitation is not None
            self.membership[(user, structure)] = INVITED
            self.invitations[invitation] = (user, structure)

    def invitation_created(self, user: str, structure: str) -> bool:
        """Whether inviting ``user`` to ``structure`` now creates an invitation."""
        return self.is_active(user) and (user, structure) not in self.membership

    def may_answer_invitation(self, me: str, invitation: str) -> bool:
        """The invitee alone, while active."""
        user, _ = self.invitations[invitation]
        return self.is_active(me) and me == user

    def answer_invitation(self, invitation: str, *, accepted: bool) -> None:
        """The invitee accepted (a member now) or declined."""
        user, structure = self.invitations.pop(invitation)
        if accepted:
            self.membership[(user, structure)] = VALIDATED
        else:
            del self.membership[(user, structure)]

    def may_detach_user(self, me: str, structure: str, user: str) -> bool:
        """A manager detaches a member other than the principal manager.

        The principal manager detaches anyone; a delegated manager only
        themselves (as good as leaving) or plain members, with no managing
        right and no espace right.
        """
        return (
            self.manages(me, structure)
            and self.principal[structure] != user
            and self.is_member(user, structure)
            and (
                self.leads(me, structure)
                or user == me
                or (
                    user not in self.delegated[structure] and not self.holds_rights(user, structure)
                )
            )
        )

    def may_leave_structure(self, me: str, structure: str) -> bool:
        """An active member who is not the principal manager."""
        return (
            self.is_active(me) and self.is_member(me, structure) and self.principal[structure] != me
        )

    def end_membership(self, user: str, structure: str) -> None:
        """``user`` was detached or left: their managing rights go, their live subscriptions end."""
        del self.membership[(user, structure)]
        self.delegated[structure].discard(user)
        for sub in self.subscriptions.values():
            if sub.user == user and sub.structure == structure and sub.live:
                sub.state = SubscriptionState.ANNULE

    # --- subscriptions ------------------------------------------------------------------

    def may_request_subscription(self, me: str, structure: str, espace: Espace) -> bool:
        """An active member, not the principal manager, on an open espace, with none live there."""
        live = any(
            s.user == me and s.structure == structure and s.espace is espace and s.live
            for s in self.subscriptions.values()
        )
        return (
            self.is_active(me)
            and self.is_member(me, structure)
            and self.principal[structure] != me
            and espace in self.opened[structure]
            and not live
        )

    def request_subscription(
        self, me: str, structure: str, espace: Espace, mode: Habilitation, subscription: str
    ) -> None:
        """``me`` asked for ``espace`` in ``mode``: the request is ``subscription``."""
        self.subscriptions[subscription] = ModelSubscription(me, structure, espace, mode)

    def may_decide_subscription(self, me: str, subscription: str, decision: str) -> bool:
        """``decision`` is ``validate``, ``refuse``, ``revoke`` or ``cancel``.

        The principal manager validates a pending request of a member on an
        open espace, refuses a pending one, revokes a granted one; its owner
        cancels it while it is live.
        """
        sub = self.subscriptions[subscription]
        leads = self.leads(me, sub.structure)
        if decision == "validate":
            return (
                leads
                and sub.state is ASKED
                and self.is_member(sub.user, sub.structure)
                and sub.espace in self.opened[sub.structure]
            )
        if decision == "refuse":
            return leads and sub.state is ASKED
        if decision == "revoke":
            return leads and sub.state is GRANTED
        assert decision == "cancel", decision
        return self.is_active(me) and me == sub.user and sub.live

    def decide_subscription(self, subscription: str, decision: str) -> None:
        """The subscription was validated, refused, revoked or cancelled."""
        self.subscriptions[subscription].state = {
            "validate": GRANTED,
            "refuse": SubscriptionState.REFUSE,
            "revoke": SubscriptionState.REVOQUE,
            "cancel": SubscriptionState.ANNULE,
        }[decision]

    # --- managers and espaces -----------------------------------------------------------

    def may_grant_manager(self, me: str, structure: str, user: str) -> bool:
        """The principal manager delegates to an active member who does not manage yet."""
        return (
            self.leads(me, structure)
            and self.is_active(user)
            and self.is_member(user, structure)
            and self.principal[structure] != user
            and user not in self.delegated[structure]
        )

    def may_revoke_manager(self, me: str, structure: str, user: str) -> bool:
        """The principal manager takes back a delegation."""
        return self.leads(me, structure) and user in self.delegated[structure]

    def may_transfer_principal_manager(self, me: str, structure: str, user: str) -> bool:
        """The principal manager hands the role to an active member (themselves included)."""
        return (
            self.leads(me, structure) and self.is_active(user) and self.is_member(user, structure)
        )

    def transfer_principal_manager(
        self, structure: str, user: str, given: Mapping[str, ModelSubscription]
    ) -> None:
        """``user`` leads; the former principal manager manages, with the subscriptions ``given``."""
        former = self.principal[structure]
        self.principal[structure] = user
        self.delegated[structure] = (self.delegated[structure] | {former}) - {user}
        self.subscriptions.update(given)

    def may_appoint_principal_manager(self, me: str, structure: str, user: str) -> bool:
        """Support appoints an active member."""
        return me == SUPPORT and self.is_active(user) and self.is_member(user, structure)

    def appoint_principal_manager(self, structure: str, user: str) -> None:
        """``user`` leads; the former principal manager keeps no managing right."""
        self.principal[structure] = user
        self.delegated[structure].discard(user)

    def may_open_espace(self, me: str, structure: str) -> bool:
        """The principal manager (opening what is open changes nothing)."""
        return self.leads(me, structure)

    def may_close_espace(self, me: str, structure: str, espace: Espace) -> bool:
        """The principal manager, on an open espace."""
        return self.leads(me, structure) and espace in self.opened[structure]

    # --- accounts -----------------------------------------------------------------------

    def may_deactivate_account(self, me: str, user: str | None = None) -> bool:
        """An active account deactivates itself (``user`` None); support deactivates any active one."""
        if user is None:
            return self.is_active(me)
        return me == SUPPORT and self.is_active(user)

    def may_reactivate_account(self, me: str, user: str) -> bool:
        """Support reactivates a deactivated account."""
        return me == SUPPORT and user in self.active and not self.active[user]

    def deactivate(self, user: str) -> None:
        """``user``'s account was deactivated: the code its login waits for dies with it."""
        self.active[user] = False
        login = self.logins.get(user)
        if login is not None:
            login.code = None

    def reactivate(self, user: str) -> None:
        """``user``'s account was reactivated: its logins start afresh, suspension lifted."""
        self.active[user] = True
        login = self.logins.get(user)
        if login is not None:
            login.failures, login.suspended_until = 0, None

    # --- logins (the code emailed at login) ------------------------------------------

    def login_of(self, user: str) -> ModelLogin:
        """Where ``user``'s logins stand (a fresh start if they never tried)."""
        return self.logins.setdefault(user, ModelLogin())

    @staticmethod
    def _check_counted(login: ModelLogin, rules: LoginRules, now: datetime) -> bool:
        """Whether a password or a code may be checked now; if so, it counts as failed until right.

        At the limit already (which only a change of settings leaves
        standing), logins are suspended instead.
        """
        if login.suspended(now):
            return False
        if login.failures >= rules.max_failures:
            login.failures, login.suspended_until = 0, now + rules.suspension
            return False
        login.failures += 1
        return True

    @staticmethod
    def _failed(login: ModelLogin, rules: LoginRules, now: datetime) -> None:
        if login.failures >= rules.max_failures and not login.suspended(now):
            login.failures, login.suspended_until = 0, now + rules.suspension

    def log_in(self, user: str, right_password: bool, rules: LoginRules, now: datetime) -> bool:
        """The password step: whether it sends a code; the failures counted either way.

        Refused while suspended (nothing counted); a wrong password counts,
        and the ``max_failures``-th in a row suspends logins for
        ``suspension``. The right password of an account that is not active
        is refused and clears the count; of an active one, it sends a code and
        gives back only its own check: wrong codes add to the wrong passwords
        before them.
        """
        login = self.login_of(user)
        if not self._check_counted(login, rules, now):
            return False
        if not right_password:
            self._failed(login, rules, now)
            return False
        if not self.is_active(user):
            login.failures = 0
            return False
        login.failures = max(0, login.failures - 1)
        return True

    def code_sent(
        self,
        user: str,
        code: str,
        challenge: str,
        rules: LoginRules,
        now: datetime,
        *,
        resent: bool = False,
    ) -> None:
        """``code`` was emailed to ``user`` (``resent``: on demand), with ``challenge`` for the next step.

        It replaces any code before it, with all its tries, valid for
        ``code_validity``; the challenge for as long (whole seconds). A
        login within ``resend_interval`` of a code still valid leaves that
        code as it is: no new email.
        """
        login = self.login_of(user)
        if (
            not resent
            and login.code is not None
            and login.tries_left > 0
            and login.sent_at is not None
            and login.expires_at is not None
            and now <= login.expires_at
            and now < login.sent_at + rules.resend_interval
        ):
            return
        login.emailed = login.code = code
        login.tries_left, login.sent_at = rules.code_tries, now
        login.expires_at = now + rules.code_validity
        login.resends = login.resends + 1 if resent else 0
        login.challenge, login.challenge_until = challenge, login.expires_at.replace(microsecond=0)

    def challenge_holds(self, user: str, challenge: str | None, now: datetime) -> bool:
        """Whether ``challenge`` is ``user``'s last one and still valid: the code step reads no further otherwise."""
        login = self.logins.get(user)
        return (
            login is not None
            and challenge is not None
            and challenge == login.challenge
            and login.challenge_until is not None
            and now <= login.challenge_until
        )

    def confirm_login_code(
        self, user: str, challenge: str, digits: str | None, rules: LoginRules, now: datetime
    ) -> bool:
        """The code step: whether ``digits`` (None: not read as a code) open a session.

        A challenge that does not hold is refused before anything is
        counted. Else the try counts like a password: refused while
        suspended; the right code, still valid and with tries left, opens the
        session and clears the count; any other takes a try from the waiting
        code (which dies with its last try or past its deadline) and counts as
        a failed login, up to suspension.
        """
        if not self.challenge_holds(user, challenge, now):
            return False
        login = self.login_of(user)
        if not self._check_counted(login, rules, now):
            return False
        code, expires_at = login.code, login.expires_at
        if code is not None and expires_at is not None:
            if login.tries_left > 0 and now <= expires_at and digits == code:
                login.code, login.failures, login.suspended_until = None, 0, None
                return True
            login.tries_left -= 1
            if login.tries_left <= 0 or now > expires_at:
                login.code = None
        self._failed(login, rules, now)
        return False

    def may_resend_login_code(
        self, user: str, challenge: str, rules: LoginRules, now: datetime
    ) -> bool:
        """A new code, on a challenge that holds, for an active account whose code still waits.

        Not before ``resend_interval`` after the last code, nor past its
        deadline, nor more than ``resends`` times in one login, nor while
        logins are suspended.
        """
        login = self.logins.get(user)
        return (
            login is not None
            and self.challenge_holds(user, challenge, now)
            and self.is_active(user)
            and login.code is not None
            and login.sent_at is not None
            and login.expires_at is not None
            and login.resends < rules.resends
            and not login.suspended(now)
            and now >= login.sent_at + rules.resend_interval
            and now <= login.expires_at
        )

    # --- a change of SIRET --------------------------------------------------------------

    def may_declare_siret_change(self, me: str, structure: str, siret: str) -> bool:
        """The principal manager of a structure identified by a SIRET declares another one.

        Refused when the SIRET is its own already, another structure's, one
        some structure had before, unknown to the register or of a closed
        establishment.
        """
        return (
            self.leads(me, structure)
            and structure in self.sirets
            and siret not in self.sirets.values()
            and siret not in self.formers
            and self.register.get(siret, False)
        )

    def declare_siret_change(self, structure: str, siret: str) -> None:
        """``structure`` has ``siret`` now; its former one stays its own, and no one else's."""
        self.formers[self.sirets[structure]] = structure
        self.sirets[structure] = siret

    # --- what must hold whatever happened ---------------------------------------------

    def inconsistencies(self) -> list[str]:
        """What the model itself holds that its rules forbid: empty, or the model has a bug."""
        wrong = []
        for structure, principal in self.principal.items():
            if not self.is_member(principal, structure):
                wrong.append(f"the principal manager of {structure} is not a member")
            if principal in self.delegated[structure]:
                wrong.append(f"the principal manager of {structure} is also delegated")
            wrong.extend(
                f"{user} manages {structure} without being a member"
                for user in self.delegated[structure]
                if not self.is_member(user, structure)
            )
        wrong.extend(
            f"subscription {key} of {sub.user} is live without a membership"
            for key, sub in self.subscriptions.items()
            if sub.live and not self.is_member(sub.user, sub.structure)
        )
        return wrong


# --- the machine -------------------------------------------------------------------------

_actors = st.integers(0, 2 * (len(EMAILS) + 2) - 1)  # everyone, then those concerned
_picks = st.integers(0, 10_000)


class OnboardingMachine(RuleBasedStateMachine):
    """Random membership operations by random actors, checked against :class:`Model`.

    At the start (:meth:`populate`): five active users ``user0`` to
    ``user4`` (:data:`EMAILS`) and three structures, each led by one of
    ``user0``, ``user1``, ``user2`` with "Factures émises" and
    "Sollicitations émises" open. On the first structure ``user3`` is a
    delegated manager, ``user4`` a member holding a validated subscription
    to "Factures émises" and asking for "Sollicitations émises", and
    ``user1`` asks to join: every kind of decision is one step away.

    Each rule draws an actor among the users, :data:`STRANGER` and support,
    asks the model whether the operation must succeed, runs it through
    :meth:`perform`, and fails unless the answer matches; the model then
    learns what changed. After each step that changed the model or the
    store, the invariants check the library (and the host, through
    :meth:`host_can_access`) against the model.

    Hooks for a host:

    - :meth:`make_world`: the world to run on (default: :func:`build_world`).
    - :meth:`start_host`: build the host's layer on ``self.world.service``.
    - :meth:`perform`: run one operation through the host's layer.
    - :meth:`host_can_access`: answer access the way the host does.
    - ``teardown``: Hypothesis's hook after each program (call ``super()``).

    Subclasses may add rules and invariants of their own; ``self.model``
    is the rules' state, :meth:`people_to_check` the accounts whose access
    is checked.
    """

    world: World
    """The service and the fakes behind it (clock, mailbox, store)."""
    model: Model
    """What the rules say the state is."""
    users: list[str]
    """The account ids of ``user0`` to ``user4``, in order."""
    structures: list[str]
    """The three structures' ids, led at the start by ``user0``, ``user1`` and ``user2``."""
    outsiders: list[str]
    """Accounts the model does not know (:data:`STRANGER`, and any a subclass adds): never any access."""

    check_every_step: ClassVar[bool] = False
    """Compare access after every step, even one that changed nothing in the model or the store.

    Off by default: access is a function of the data, so an unchanged state
    gives unchanged answers. Turn it on for a host whose answers may change
    on their own (a cache filled by reads, a clock of its own).
    """

    world_settings: ClassVar[Mapping[str, Any]] = {}
    """Settings of the world :meth:`make_world` builds (none: the library's defaults)."""

    _checked: tuple[Any, ...] | None = None

    # --- hooks -------------------------------------------------------------------------

    def make_world(self) -> World:
        """The world the machine runs on: a fresh in-memory one with :attr:`world_settings`."""
        return build_world(**self.world_settings)

    def start_host(self) -> None:
        """Build the host's layer on ``self.world.service``: nothing by default.

        Called once per program, after :meth:`populate`: the people and
        structures exist, and the host's layer sees them through the service.
        """

    def perform(self, operation: str, actor: Actor, **arguments: Any) -> Outcome:
        """Run ``operation`` (a name of :data:`OPERATIONS`) by ``actor``: done or refused.

        The default calls the facade method of that name with ``actor`` and
        ``arguments`` (keywords named as the facade names them). A host
        overrides it to send the operations it exposes through its own
        layer, builds the :class:`Outcome` from its answer, and returns
        ``super().perform(...)`` for the others.
        """
        method = getattr(self.world.service, operation)
        return Outcome.of_call(lambda: method(actor, **arguments))

    def host_can_access(
        self, account_id: str, structure_id: str, espace: Espace, mode: Habilitation
    ) -> bool:
        """Whether the host lets ``account_id`` use ``espace`` of the structure in ``mode``.

        The default asks the library (``service.can_access``). A host that
        decides access its own way (a permission check in its views, a
        cache) overrides it; the invariants compare its answer to the model.
        """
        return self.world.service.can_access(account_id, structure_id, espace, mode)

    def people_to_check(self) -> list[str]:
        """The accounts whose access the invariants check: the users, then :attr:`outsiders`."""
        return [*self.users, *self.outsiders]

    # --- the start ---------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        """Build the world, the people and structures, then the host's layer."""
        self.world = self.make_world()
        self.populate()
        self.start_host()

    def populate(self) -> None:
        """Five users, three structures and the first decisions to take; the model of them.

        A subclass extends it (calling ``super().populate()`` first) to add
        people or data of its own; whatever the model should know, it must
        be told.
        """
        service = self.world.service
        self.users, self.structures, self.outsiders = [], [], [STRANGER]
        for number, email in enumerate(EMAILS):
            person = self._person(email, f"USER{number}")
            if number < 2:
                siret = STRUCTURE_SIRETS[number]
                done = service.register_with_new_structure(
                    NewStructureRegistration(**person, siret=siret)
                )
            elif number == 2:
                done = service.register_with_new_structure(
                    NewStructureRegistration(
                        **person,
                        identifier_type="HORS_UE",
                        identifier="CH-1",
                        company_name="Helvetia",
                        street="1 Rue",
                        postal_code="1200",
                        city="Genève",
                        country="CH",
                    )
                )
            else:
                done = service.register_for_existing_structure(
                    ExistingStructureRegistration(
                        **person, identifier_type="HORS_UE", identifier="CH-1"
                    )
                )
            self.world.activate(email)
            self.users.append(done.account_id)
            if done.structure_id is not None and number < 3:
                self.structures.append(done.structure_id)
        self.model = Model.of_structures(
            dict(zip(self.structures, self.users, strict=False)), ESPACES[:2]
        )
        self.model.active.update(dict.fromkeys(self.users, True))
        first, (owner, _, _, delegate, member) = self.structures[0], self.users
        lead = Actor.user(owner)
        for user in (delegate, member):
            service.invite_user(lead, first, self.email_of(user))
            service.accept_invitation(Actor.user(user), self._invitation(user, first))
            self.model.membership[(user, first)] = VALIDATED
        service.grant_manager(lead, first, delegate)
        self.model.delegated[first].add(delegate)
        granted = service.request_subscription(
            Actor.user(member), first, ESPACES[0], habilitation=Habilitation.MODIFICATION
        )
        service.validate_subscription(lead, granted)
        self.model.subscriptions[granted] = ModelSubscription(
            member, first, ESPACES[0], Habilitation.MODIFICATION, GRANTED
        )
        asked = service.request_subscription(Actor.user(member), first, ESPACES[1])
        self.model.subscriptions[asked] = ModelSubscription(member, first, ESPACES[1], MODES[0])
        request = service.request_attachment(Actor.user(self.users[1]), first)
        self.model.request_attachment(self.users[1], first, request)

    @staticmethod
    def _person(email: str, last_name: str) -> dict[str, Any]:
        return {
            "login_email": email,
            "login_email_confirmation": email,
            "last_name": last_name,
            "first_name": "Test",
            "captcha": "XWWXS",
        }

    # --- helpers -----------------------------------------------------------------------

    def email_of(self, user: str) -> str:
        """The login email of one of :attr:`users` (to log in as them: the password is ``PASSWORD``)."""
        return EMAILS[self.users.index(user)]

    def name_of(self, who: str) -> str:
        """How failures name an id: ``user3 (id-12)``, ``structure0 (id-2)``, ``a stranger``, ``support``."""
        if who in self.users:
            return f"user{self.users.index(who)} ({who})"
        if who in self.structures:
            return f"structure{self.structures.index(who)} ({who})"
        if who == STRANGER:
            return "a stranger"
        return who

    def _actor(self, index: int, concerned: Iterable[str] = ()) -> tuple[Actor, str]:
        """The actor ``index`` picks: half the picks among everyone, half among ``concerned``.

        Everyone: the users, a stranger, support. ``concerned`` are the people
        the rules let act (the structure's managers, the requester...): drawn
        often enough, the operations succeed and the programs go somewhere.
        """
        everyone = len(self.users) + 2
        chosen = list(concerned)
        if index >= everyone and chosen:
            me = chosen[(index - everyone) % len(chosen)]
        else:
            me = [*self.users, STRANGER, SUPPORT][index % everyone]
        return (Actor.support() if me == SUPPORT else Actor.user(me)), me

    def _structure(self, pick: int) -> str:
        return self.structures[pick % len(self.structures)]

    def _user(self, pick: int, concerned: Iterable[str] = ()) -> str:
        """The user ``pick`` picks: among the users, or (odd picks) among ``concerned``."""
        chosen = list(concerned)
        if pick % 2 and chosen:
            return chosen[(pick // 2) % len(chosen)]
        return self.users[pick % len(self.users)]

    def _managers(self, structure: str) -> list[str]:
        return [self.model.principal[structure], *sorted(self.model.delegated[structure])]

    def _members(self, structure: str) -> list[str]:
        return [u for u in self.users if self.model.is_member(u, structure)]

    def _invitation(self, user: str, structure: str) -> str:
        (offer,) = [
            a.id
            for a in self.world.service.my_attachments(Actor.user(user))
            if a.structure_id == structure and a.state is INVITED
        ]
        return offer

    def _layer(self) -> str:
        routed = type(self).perform is not OnboardingMachine.perform
        return "the host layer" if routed else "the library"

    def attempt(
        self, operation: str, actor: Actor, me: str, expected: bool, **arguments: Any
    ) -> bool:
        """Perform ``operation`` and fail unless it was done exactly when the rules say so.

        Returns whether it was done. Rules of a subclass use it too.
        """
        shown = ", ".join(
            f"{key}={value.value if isinstance(value, Espace | Habilitation) else self.name_of(value)}"
            for key, value in arguments.items()
        )
        call = f"{operation}({shown}) by {self.name_of(me)}"
        return self._judge(
            call,
            operation,
            expected,
            lambda: self.perform(operation, actor, **arguments),
            self._layer(),
        ).done

    def _judge(
        self,
        call: str,
        operation: str,
        expected: bool,
        perform: Callable[[], object],
        layer: str,
    ) -> Outcome:
        """Run ``perform`` and fail unless its :class:`Outcome` is done exactly when expected."""
        try:
            outcome = perform()
        except AssertionError as broken:  # Outcome.of_http on a 5xx, say
            raise AssertionError(f"{call}: {broken}") from broken
        if not isinstance(outcome, Outcome):
            raise TypeError(f"perform must return an Outcome, not {outcome!r}")
        if outcome.done != expected:
            did = (
                "did it"
                if outcome.done
                else f"refused it ({outcome.code or 'no code'} {outcome.detail})".rstrip()
            )
            rules = "the rules allow it" if expected else "the rules refuse it"
            raise AssertionError(f"{call}: {rules}, {layer} {did}")
        event(f"{operation}: {'done' if outcome.done else 'refused'}")
        if not outcome.done and outcome.code in _MALFORMED:
            raise AssertionError(
                f"{call}: refused as malformed ({outcome.code}), not for who asks or what is aimed"
                f" at: {layer} did not pass the call as the library reads it"
            )
        return outcome

    # --- attachments -------------------------------------------------------------------

    @rule(who=_actors, where=_picks)
    def ask_to_join(self, who: int, where: int) -> None:
        actor, me = self._actor(who)
        structure = self._structure(where)
        expected = self.model.may_request_attachment(me, structure)
        if self.attempt("request_attachment", actor, me, expected, structure_id=structure):
            (request,) = [
                a.id
                for a in self.world.service.my_attachments(actor)
                if a.structure_id == structure and a.state is PENDING
            ]
            self.model.request_attachment(me, structure, request)

    @rule(who=_actors, which=_picks)
    def withdraw_a_request(self, who: int, which: int) -> None:
        if not self.model.requests:
            return
        request = sorted(self.model.requests)[which % len(self.model.requests)]
        actor, me = self._actor(who, [self.model.requests[request][0]])
        expected = self.model.may_withdraw_attachment_request(me, request)
        if self.attempt("withdraw_attachment_request", actor, me, expected, attachment_id=request):
            self.model.close_request(request, validated=False)

    @rule(who=_actors, which=_picks, accept=st.booleans())
    def decide_a_request(self, who: int, which: int, accept: bool) -> None:
        if not self.model.requests:
            return
        request = sorted(self.model.requests)[which % len(self.model.requests)]
        actor, me = self._actor(who, self._managers(self.model.requests[request][1]))
        operation = "validate_attachment" if accept else "refuse_attachment"
        expected = self.model.may_decide_attachment(me, request)
        if self.attempt(operation, actor, me, expected, attachment_id=request):
            self.model.close_request(request, validated=accept)

    @rule(who=_actors, where=_picks, whom=_picks)
    def invite(self, who: int, where: int, whom: int) -> None:
        structure, user = self._structure(where), self._user(whom)
        actor, me = self._actor(who, self._managers(structure))
        creates = self.model.invitation_created(user, structure)
        expected = self.model.may_invite_user(me, structure)
        if self.attempt(
            "invite_user",
            actor,
            me,
            expected,
            structure_id=structure,
            login_email=self.email_of(user),
        ):
            invitation = self._invitation(user, structure) if creates else None
            self.model.invite_user(user, structure, invitation)

    @rule(who=_actors, which=_picks, accept=st.booleans())
    def answer_an_invitation(self, who: int, which: int, accept: bool) -> None:
        if not self.model.invitations:
            return
        invitation = sorted(self.model.invitations)[which % len(self.model.invitations)]
        actor, me = self._actor(who, [self.model.invitations[invitation][0]])
        operation = "accept_invitation" if accept else "decline_invitation"
        expected = self.model.may_answer_invitation(me, invitation)
        if self.attempt(operation, actor, me, expected, attachment_id=invitation):
            self.model.answer_invitation(invitation, accepted=accept)

    @rule(who=_actors, where=_picks, whom=_picks)
    def detach(self, who: int, where: int, whom: int) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, self._managers(structure))
        leader = self.model.principal[structure]
        user = self._user(whom, [u for u in self._members(structure) if u != leader])
        expected = self.model.may_detach_user(me, structure, user)
        if self.attempt(
            "detach_user", actor, me, expected, structure_id=structure, account_id=user
        ):
            self.model.end_membership(user, structure)

    @rule(who=_actors, where=_picks)
    def leave(self, who: int, where: int) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, self._members(structure))
        expected = self.model.may_leave_structure(me, structure)
        if self.attempt("leave_structure", actor, me, expected, structure_id=structure):
            self.model.end_membership(me, structure)

    # --- subscriptions -----------------------------------------------------------------

    @rule(who=_actors, where=_picks, espace=st.sampled_from(ESPACES), mode=st.sampled_from(MODES))
    def ask_for_a_subscription(
        self, who: int, where: int, espace: Espace, mode: Habilitation
    ) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, self._members(structure))
        expected = self.model.may_request_subscription(me, structure, espace)
        if self.attempt(
            "request_subscription",
            actor,
            me,
            expected,
            structure_id=structure,
            espace=espace,
            habilitation=mode,
        ):
            (sub,) = [
                s.id
                for s in self.world.service.my_subscriptions(actor)
                if s.id not in self.model.subscriptions
                and (s.structure_id, s.espace) == (structure, espace)
            ]
            self.model.request_subscription(me, structure, espace, mode, sub)

    @rule(
        who=_actors,
        which=_picks,
        decision=st.sampled_from(["validate", "refuse", "revoke", "cancel"]),
    )
    def decide_a_subscription(self, who: int, which: int, decision: str) -> None:
        if not self.model.subscriptions:
            return
        key = sorted(self.model.subscriptions)[which % len(self.model.subscriptions)]
        sub = self.model.subscriptions[key]
        actor, me = self._actor(who, [self.model.principal[sub.structure], sub.user])
        expected = self.model.may_decide_subscription(me, key, decision)
        if self.attempt(f"{decision}_subscription", actor, me, expected, subscription_id=key):
            self.model.decide_subscription(key, decision)

    # --- managers, espaces ---------------------------------------------------------------

    @rule(who=_actors, where=_picks, whom=_picks, grant=st.booleans())
    def delegate(self, who: int, where: int, whom: int, grant: bool) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, [self.model.principal[structure]])
        user = self._user(whom, self._members(structure))
        if grant:
            expected = self.model.may_grant_manager(me, structure, user)
            if self.attempt(
                "grant_manager", actor, me, expected, structure_id=structure, account_id=user
            ):
                self.model.delegated[structure].add(user)
        else:
            expected = self.model.may_revoke_manager(me, structure, user)
            if self.attempt(
                "revoke_manager", actor, me, expected, structure_id=structure, account_id=user
            ):
                self.model.delegated[structure].discard(user)

    @rule(who=_actors, where=_picks, whom=_picks)
    def transfer(self, who: int, where: int, whom: int) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, [self.model.principal[structure]])
        user = self._user(whom, self._members(structure))
        expected = self.model.may_transfer_principal_manager(me, structure, user)
        if not self.attempt(
            "transfer_principal_manager",
            actor,
            me,
            expected,
            structure_id=structure,
            account_id=user,
        ):
            return
        # The former principal manager is given rights to what is open: learn
        # their ids from the library, check their content against the model.
        given = {}
        for right in self.world.service.my_subscriptions(actor):
            if right.id not in self.model.subscriptions:
                assert right.structure_id == structure, right
                assert right.habilitation is Habilitation.MODIFICATION, right
                assert right.espace in self.model.opened[structure], right
                assert right.state is GRANTED, right
                given[right.id] = ModelSubscription(
                    me, structure, right.espace, right.habilitation, GRANTED
                )
        assert {s.espace for s in given.values()} <= self.model.opened[structure]
        self.model.transfer_principal_manager(structure, user, given)

    @rule(who=_actors, where=_picks, whom=_picks)
    def appoint(self, who: int, where: int, whom: int) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, [SUPPORT])
        user = self._user(whom, self._members(structure))
        expected = self.model.may_appoint_principal_manager(me, structure, user)
        if self.attempt(
            "appoint_principal_manager",
            actor,
            me,
            expected,
            structure_id=structure,
            account_id=user,
        ):
            self.model.appoint_principal_manager(structure, user)

    @rule(who=_actors, where=_picks, espace=st.sampled_from(ESPACES), open_=st.booleans())
    def open_or_close(self, who: int, where: int, espace: Espace, open_: bool) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, [self.model.principal[structure]])
        if open_:
            expected = self.model.may_open_espace(me, structure)
            if self.attempt(
                "open_espace", actor, me, expected, structure_id=structure, espace=espace
            ):
                self.model.opened[structure].add(espace)
        else:
            expected = self.model.may_close_espace(me, structure, espace)
            if self.attempt(
                "close_espace", actor, me, expected, structure_id=structure, espace=espace
            ):
                self.model.opened[structure].discard(espace)

    # --- accounts ----------------------------------------------------------------------

    @rule(
        who=_actors,
        whom=_picks,
        change=st.sampled_from(["deactivate oneself", "deactivate", "reactivate"]),
    )
    def deactivate_or_reactivate(self, who: int, whom: int, change: str) -> None:
        if change == "deactivate oneself":
            actor, me = self._actor(who)
            if self.attempt("deactivate_account", actor, me, self.model.may_deactivate_account(me)):
                self.model.deactivate(me)
            return
        actor, me = self._actor(who, [SUPPORT])
        if change == "deactivate":
            user = self._user(whom)
            expected = self.model.may_deactivate_account(me, user)
            if self.attempt("deactivate_account", actor, me, expected, account_id=user):
                self.model.deactivate(user)
        else:
            user = self._user(whom, [u for u in self.users if not self.model.is_active(u)])
            expected = self.model.may_reactivate_account(me, user)
            if self.attempt("reactivate_account", actor, me, expected, account_id=user):
                self.model.reactivate(user)

    # --- what must always hold ---------------------------------------------------------

    def _state(self) -> tuple[Any, ...]:
        """The model's state and, on an in-memory store, every stored entity."""
        store = self.world.store
        if store is None:
            return (self.model.fingerprint(),)
        with store.lock:
            entities = tuple(
                {key: snapshot(row) for key, row in table.rows.items()}
                for table in (
                    store.accounts,
                    store.structures,
                    store.attachments,
                    store.subscriptions,
                )
            )
        return (self.model.fingerprint(), entities)

    @invariant()
    def everything_is_what_the_rules_say(self) -> None:
        """The model holds together; the library and the host agree with it.

        Skipped after a step that changed neither the model nor the stored
        entities (unless :attr:`check_every_step`): the answers would be the
        same as last time.
        """
        state = self._state()
        if state == self._checked and not self.check_every_step:
            return
        wrong = self.model.inconsistencies()
        assert not wrong, f"the model breaks its own rules: {wrong}"
        self.check_structures()
        self.check_access()
        self._checked = state

    def check_structures(self) -> None:
        """Each structure has one principal manager, and the members, managers and rights the rules name.

        Read from the library as support sees them (``structure_users``): a
        user's attachment, account state, managing role and live
        subscriptions.
        """
        known = set(self.users)
        for structure in self.structures:
            everyone = self.world.service.structure_users(Actor.support(), structure)
            principals = [u.account_id for u in everyone if u.principal_manager]
            assert principals == [self.model.principal[structure]], (
                f"{structure}: the library names {principals} as principal manager, "
                f"the rules {self.model.principal[structure]}"
            )
            listed = [u for u in everyone if u.account_id in known]
            seen = {
                u.account_id: (
                    u.attachment_state,
                    u.account_state is AccountState.ACTIVE,
                    u.manager,
                    sorted((r.espace.value, r.habilitation.value, r.state.value) for r in u.rights),
                )
                for u in listed
            }
            expected = {
                user: (
                    state,
                    self.model.is_active(user),
                    user == self.model.principal[structure]
                    or user in self.model.delegated[structure],
                    sorted(
                        (s.espace.value, s.habilitation.value, s.state.value)
                        for s in self.model.subscriptions.values()
                        if s.user == user and s.structure == structure and s.live
                    ),
                )
                for (user, where), state in self.model.membership.items()
                if where == structure and state in (PENDING, VALIDATED)
            }
            assert seen == expected, (
                f"{structure}: the library lists {seen}, the rules say {expected}"
            )

    def check_access(self) -> None:
        """Access is exactly what the rules give, for every person, structure, espace and mode.

        The library's ``can_access`` is compared first, then the host's
        answer (:meth:`host_can_access`) if a subclass overrides it.
        """
        host = type(self).host_can_access is not OnboardingMachine.host_can_access
        service = self.world.service
        for user in self.people_to_check():
            for structure in self.structures:
                for espace in ESPACES:
                    for mode in MODES:
                        rules = self.model.may_access(user, structure, espace, mode)
                        where = (
                            f"can_access({self.name_of(user)}, {structure}, "
                            f"{espace.value}, {mode.value})"
                        )
                        library = service.can_access(user, structure, espace, mode)
                        assert library == rules, (
                            f"{where}: the library says {library}, the rules say {rules}"
                        )
                        if host:
                            answer = self.host_can_access(user, structure, espace, mode)
                            assert answer == rules, (
                                f"{where}: the host layer says {answer}, the rules say {rules}"
                            )

    def teardown(self) -> None:
        """Close the world (its relay threads and database connections, if any)."""
        world = getattr(self, "world", None)
        if world is not None:
            world.close()


# --- the code emailed at login -------------------------------------------------------------

LOGIN_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "login": ("login_email", "password"),
    "confirm_login_code": ("login_email", "challenge", "code"),
    "resend_login_code": ("login_email", "challenge"),
}
"""The login steps :class:`LoginCodeMachine` performs, by facade method, with the keyword
arguments :meth:`LoginCodeMachine.perform_login` receives. No actor: no one is signed in yet."""

WRONG_PASSWORD = "Pas-le-bon-mot-de-passe-1"
"""The password the machine types when it types the wrong one."""

_WAITS = {
    "wait 30 s": timedelta(seconds=30),
    "wait a minute": timedelta(minutes=1),
    "wait past the code": timedelta(minutes=10, seconds=1),
    "wait a quarter of an hour": timedelta(minutes=15),
}

LOGIN_STEPS = (
    "right password",
    "wrong password",
    "code as emailed",
    "code in groups",
    "code with dashes",
    "wrong code",
    "code under a forged challenge",
    "new code",
    *_WAITS,
)
"""What a person does while logging in: :meth:`LoginCodeMachine.log_in` draws a few in a row.

A code is the last one emailed to the person, typed as named (``wrong``:
each digit moved by one), with the last challenge (``forged``: its
signature altered); a wait moves the clock on."""


def _typed(digits: str, typing: str) -> str:
    """``digits`` typed as ``typing`` says: the machine's codes, right and wrong."""
    if typing == "code in groups":
        return f" {digits[:3]} {digits[3:]} "
    if typing == "code with dashes":
        return "-".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    if typing == "wrong code":
        return "".join(str((int(d) + 1) % 10) for d in digits)
    return digits


class LoginCodeMachine(OnboardingMachine):
    """:class:`OnboardingMachine` on a portal whose logins ask for the code emailed to the login email.

    Everything the base machine does, on a world with ``login_code`` on
    (:attr:`world_settings`), and the login steps besides, by its five
    users: the password, right or wrong (a code is then waiting, or a
    failure counted); the code, typed as emailed, in groups, with dashes,
    wrong, or under a forged challenge (a session, or a refusal counted
    with the wrong passwords); a new code (not before the interval, a few
    times per login); and time passing, so that codes, challenges and
    suspensions run out. :class:`Model` predicts each answer: logins are
    suspended after ``max_failed_logins`` failures in a row, wrong passwords
    and wrong codes together, a right password gives back only its own
    check, and a deactivation kills the waiting code. The model learns each
    code from the email, as the user would.

    A host routes the login steps through its own pages by overriding
    :meth:`perform_login`; the settings come from the service
    (``self.world.service.settings``), which must have ``login_code`` on.
    """

    world_settings: ClassVar[Mapping[str, Any]] = {"login_code": True}
    login_rules: LoginRules
    """What the service's settings say of logins and codes."""

    def populate(self) -> None:
        """The base machine's people and structures; the login rules read from the settings."""
        super().populate()
        settings = self.world.service.settings
        if not settings.login_code:
            raise AssertionError("LoginCodeMachine needs a service with settings.login_code on")
        self.login_rules = LoginRules.of(settings)

    def perform_login(self, operation: str, **arguments: Any) -> Outcome:
        """Run a login step (a name of :data:`LOGIN_OPERATIONS`): done or refused.

        The default calls the facade. A done ``login`` or
        ``resend_login_code`` must carry the challenge for the next step as
        the outcome's ``value`` (``LoginCodeSent.challenge``), as a host's
        page keeps it in its session.
        """
        method = getattr(self.world.service, operation)

        def call() -> object:
            answer = method(**arguments)
            return answer.challenge if isinstance(answer, LoginCodeSent) else answer

        return Outcome.of_call(call)

    def _login_step(self, operation: str, user: str, expected: bool, **arguments: Any) -> Outcome:
        shown = ", ".join(
            f"{key}={value!r}" for key, value in arguments.items() if key != "password"
        )
        if "password" in arguments:
            right = arguments["password"] != WRONG_PASSWORD
            shown += f", password={'right' if right else 'wrong'}"
        call = f"{operation}({shown}) for {self.name_of(user)}"
        routed = type(self).perform_login is not LoginCodeMachine.perform_login
        outcome = self._judge(
            call,
            operation,
            expected,
            lambda: self.perform_login(operation, **arguments),
            "the host layer" if routed else "the library",
        )
        if (
            outcome.done
            and operation != "confirm_login_code"
            and not isinstance(outcome.value, str)
        ):
            raise AssertionError(f"{call}: done, but gave back no challenge ({outcome.value!r})")
        return outcome

    def _tried(self) -> list[str]:
        """Those who tried to log in: picked often, they reach suspension within a program."""
        return [u for u in self.users if u in self.model.logins]

    @rule(whom=_picks, steps=st.lists(st.sampled_from(LOGIN_STEPS), min_size=1, max_size=6))
    def log_in(self, whom: int, steps: list[str]) -> None:
        """One person's go at logging in: a few :data:`LOGIN_STEPS` in a row."""
        user = self._user(whom, self._tried())
        for step in steps:
            if step.startswith("wait "):
                self.world.clock.advance(_WAITS[step])
            elif step.endswith(" password"):
                self._password(user, step == "right password")
            elif step == "new code":
                self._new_code(user)
            else:
                self._code(user, step)
            if self.model.login_of(user).suspended(self.world.clock.now()):
                event("logins suspended")

    def _password(self, user: str, right: bool) -> None:
        now, email = self.world.clock.now(), self.email_of(user)
        expected = self.model.log_in(user, right, self.login_rules, now)
        password = PASSWORD if right else WRONG_PASSWORD
        outcome = self._login_step("login", user, expected, login_email=email, password=password)
        if outcome.done:
            code = self.world.last_login_code(email)
            self.model.code_sent(user, code, str(outcome.value), self.login_rules, now)

    def _code(self, user: str, typing: str) -> None:
        login = self.model.login_of(user)
        if login.challenge is None or login.emailed is None:
            return
        now, challenge = self.world.clock.now(), login.challenge
        if typing == "code under a forged challenge":
            challenge = challenge[:-1] + ("A" if challenge[-1] != "A" else "B")
        code = _typed(login.emailed, typing)
        digits = typed_code(code, self.login_rules.code_length)
        expected = self.model.confirm_login_code(user, challenge, digits, self.login_rules, now)
        self._login_step(
            "confirm_login_code",
            user,
            expected,
            login_email=self.email_of(user),
            challenge=challenge,
            code=code,
        )

    def _new_code(self, user: str) -> None:
        login = self.model.login_of(user)
        if login.challenge is None:
            return
        now, email = self.world.clock.now(), self.email_of(user)
        expected = self.model.may_resend_login_code(user, login.challenge, self.login_rules, now)
        outcome = self._login_step(
            "resend_login_code", user, expected, login_email=email, challenge=login.challenge
        )
        if outcome.done:
            code = self.world.last_login_code(email)
            self.model.code_sent(user, code, str(outcome.value), self.login_rules, now, resent=True)


# --- a change of SIRET ---------------------------------------------------------------------

SIRET_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "declare_siret_change": ("structure_id", "new_siret"),
}
"""The operation :class:`SiretChangeMachine` adds to :data:`OPERATIONS`, with its arguments."""

CHANGE_SIRETS: Mapping[str, bool | None] = {
    "53101234200006": True,
    "73301234800005": True,
    "61201234400000": True,
    "44201234000000": False,
    "81401234000000": None,
}
"""The SIRETs :class:`SiretChangeMachine` declares besides :data:`STRUCTURE_SIRETS`: whether
the register it adds them to knows the establishment open (True), closed (False), or not at
all (None)."""


class SiretChangeMachine(OnboardingMachine):
    """:class:`OnboardingMachine` with changes of SIRET besides (``declare_siret_change``).

    At the start it adds :data:`CHANGE_SIRETS` to the world's company
    register (``World.directory``). Its rules: a random actor declares a
    SIRET drawn among those and :data:`STRUCTURE_SIRETS` for a random
    structure (the model says when the principal manager may:
    :meth:`Model.may_declare_siret_change`); and a newcomer registers a new
    structure with a SIRET the portal knows, current or replaced, which is
    always refused (``structure_already_registered``, ``identifier_replaced``).
    Besides the base machine's checks, the structure keeps its id, so its
    people, managers and rights; each structure is found by its SIRET, and
    by each SIRET it had, as replaced by its current one
    (``registered_structure``).

    A host routes ``declare_siret_change`` through :meth:`perform` like the
    other operations (:data:`SIRET_OPERATIONS`).
    """

    _newcomers = 0

    def populate(self) -> None:
        """The base machine's people and structures; the register knows :data:`CHANGE_SIRETS`."""
        super().populate()
        directory = self.world.directory
        if directory is None:
            raise AssertionError("SiretChangeMachine needs the world's company register")
        known = directory.lookup(Siret(STRUCTURE_SIRETS[0]))
        assert known is not None, "the sample register knows the first structure's SIRET"
        for siret, active in CHANGE_SIRETS.items():
            if active is not None:
                identifier = StructureIdentifier(IdentifierType.SIRET, siret)
                directory.add(
                    attrs.evolve(
                        known, identifier=identifier, name=f"ETABLISSEMENT {siret}", active=active
                    )
                )
        self.model.sirets = dict(zip(self.structures, STRUCTURE_SIRETS, strict=False))
        self.model.register = {
            siret: record.active
            for siret in [*STRUCTURE_SIRETS, *CHANGE_SIRETS]
            if (record := directory.lookup(Siret(siret))) is not None
        }

    @rule(who=_actors, where=_picks, which=_picks)
    def declare_a_new_siret(self, who: int, where: int, which: int) -> None:
        structure = self._structure(where)
        actor, me = self._actor(who, [self.model.principal[structure]])
        pool = [*CHANGE_SIRETS, *STRUCTURE_SIRETS]
        siret = pool[which % len(pool)]
        expected = self.model.may_declare_siret_change(me, structure, siret)
        if self.attempt(
            "declare_siret_change", actor, me, expected, structure_id=structure, new_siret=siret
        ):
            self.model.declare_siret_change(structure, siret)

    @rule(which=_picks)
    def register_on_a_siret_taken(self, which: int) -> None:
        taken = sorted({*self.model.sirets.values(), *self.model.formers})
        siret = taken[which % len(taken)]
        expected = (
            "identifier_replaced"
            if siret in self.model.formers
            else ("structure_already_registered")
        )
        email = f"newcomer{self._newcomers}@exemple.fr"
        self._newcomers += 1
        form = NewStructureRegistration(**self._person(email, "NEWCOMER"), siret=siret)
        outcome = Outcome.of_call(lambda: self.world.service.register_with_new_structure(form))
        assert (outcome.done, outcome.code) == (False, expected), (
            f"register_with_new_structure(siret={siret}): the rules say {expected}, "
            f"the library {'did it' if outcome.done else outcome.code}"
        )

    def check_structures(self) -> None:
        """The base's checks; then each structure is found by its SIRET and by each it had."""
        super().check_structures()
        service = self.world.service
        for siret, structure in [
            *((s, k) for k, s in self.model.sirets.items()),
            *self.model.formers.items(),
        ]:
            found = service.registered_structure(StructureNaming(siret=siret))
            current = self.model.sirets[structure]
            replaced = None if siret == current else siret
            seen = (
                None
                if found is None
                else (
                    found.id,
                    found.identifier.value,
                    None if found.replaced_identifier is None else found.replaced_identifier.value,
                )
            )
            assert seen == (structure, current, replaced), (
                f"registered_structure(siret={siret}): the library finds {seen}, "
                f"the rules say {(self.name_of(structure), current, replaced)}"
            )
