"""The stateful kit catches a host layer that breaks the rules, and passes one that keeps them.

A small portal (a Flask API over the facade, as a host writes one) runs
under :class:`~chorus_onboarding.testing.stateful.OnboardingMachine`: every
operation goes through its HTTP routes, and access through its own
permission check. Kept honest, it passes; with one check forgotten or one
cache left stale, the machine fails and its message names the disagreement.
"""

from __future__ import annotations

import enum
import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("flask")

from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from hypothesis.stateful import run_state_machine_as_test

import chorus_onboarding
from chorus_onboarding import (
    Actor,
    Espace,
    Habilitation,
    OnboardingError,
    OnboardingService,
)
from chorus_onboarding.testing.stateful import (
    OPERATIONS,
    OnboardingMachine,
    Outcome,
)
from tests.property.bounded import bounded

# --- the portal ------------------------------------------------------------------------

ROUTES: dict[str, tuple[str, str]] = {
    "request_attachment": ("POST", "/structures/<structure_id>/attachments"),
    "withdraw_attachment_request": ("DELETE", "/attachments/<attachment_id>"),
    "validate_attachment": ("POST", "/attachments/<attachment_id>/validation"),
    "refuse_attachment": ("POST", "/attachments/<attachment_id>/refusal"),
    "invite_user": ("POST", "/structures/<structure_id>/invitations"),
    "accept_invitation": ("POST", "/invitations/<attachment_id>/acceptance"),
    "decline_invitation": ("POST", "/invitations/<attachment_id>/refusal"),
    "detach_user": ("DELETE", "/structures/<structure_id>/members/<account_id>"),
    "leave_structure": ("DELETE", "/structures/<structure_id>/membership"),
    "request_subscription": ("POST", "/structures/<structure_id>/subscriptions"),
    "validate_subscription": ("POST", "/subscriptions/<subscription_id>/validation"),
    "refuse_subscription": ("POST", "/subscriptions/<subscription_id>/refusal"),
    "revoke_subscription": ("POST", "/subscriptions/<subscription_id>/revocation"),
    "cancel_subscription": ("DELETE", "/subscriptions/<subscription_id>"),
    "grant_manager": ("PUT", "/structures/<structure_id>/managers/<account_id>"),
    "revoke_manager": ("DELETE", "/structures/<structure_id>/managers/<account_id>"),
    "transfer_principal_manager": ("PUT", "/structures/<structure_id>/principal"),
    "appoint_principal_manager": ("POST", "/support/structures/<structure_id>/principal"),
    "open_espace": ("PUT", "/structures/<structure_id>/espaces/<espace>"),
    "close_espace": ("DELETE", "/structures/<structure_id>/espaces/<espace>"),
    "deactivate_account": ("POST", "/accounts/deactivation"),
    "reactivate_account": ("POST", "/support/accounts/<account_id>/reactivation"),
}
"""The portal's HTTP routes, one per operation the machine performs."""


def signed_in(headers: Any) -> Actor | None:
    """Who calls: the session stands in as headers (a real portal logs in with a password)."""
    if "X-Support" in headers:
        return Actor.support(headers["X-Support"])
    account = headers.get("X-Account")
    return Actor.user(account) if account else None


class Portal:
    """A host's API over the facade: each route calls its use case as the signed-in actor."""

    def __init__(self, service: OnboardingService) -> None:
        self.service = service
        self.app = Flask(__name__)
        for operation, (method, rule) in ROUTES.items():
            self.app.add_url_rule(
                rule,
                endpoint=operation,
                view_func=self._view(operation),
                methods=[method],
            )

    def _view(self, operation: str) -> Callable[..., Response | tuple[Response, int]]:
        def view(**path: str) -> Response | tuple[Response, int]:
            actor = signed_in(request.headers)
            if actor is None:
                return jsonify({"code": "not_signed_in"}), 401
            arguments = {**path, **(request.get_json(silent=True) or {})}
            try:
                self.act(operation, actor, arguments)
            except OnboardingError as error:
                return jsonify(error.to_problem("en")), error.http_status
            return jsonify({}), 200

        return view

    def act(self, operation: str, actor: Actor, arguments: dict[str, Any]) -> None:
        """Carry out ``operation`` for ``actor``: the library decides who may."""
        getattr(self.service, operation)(actor, **arguments)

    def may_use(self, account_id: str, structure_id: str, espace: str, mode: str) -> bool:
        """The portal's permission check, as its views' decorator calls it."""
        return self.service.can_access(account_id, structure_id, espace, mode)


class DetachingPortal(Portal):
    """Forgets an authorisation check: any signed-in user removes any member of any structure.

    Its detach route only checks that someone is signed in (the view's
    decorator), then removes the member as if they had left, never asking
    the library whether the caller manages that structure.
    """

    def act(self, operation: str, actor: Actor, arguments: dict[str, Any]) -> None:
        if operation == "detach_user" and not actor.is_support:
            member = Actor.user(arguments["account_id"])
            self.service.leave_structure(member, arguments["structure_id"])
        else:
            super().act(operation, actor, arguments)


class CachingPortal(Portal):
    """Answers access from a cache it clears on every change except detaching and leaving."""

    def __init__(self, service: OnboardingService) -> None:
        super().__init__(service)
        self.cache: dict[tuple[str, str, str, str], bool] = {}

    def act(self, operation: str, actor: Actor, arguments: dict[str, Any]) -> None:
        super().act(operation, actor, arguments)
        if operation not in ("detach_user", "leave_structure"):
            self.cache.clear()

    def may_use(self, account_id: str, structure_id: str, espace: str, mode: str) -> bool:
        key = (account_id, structure_id, espace, mode)
        if key not in self.cache:
            self.cache[key] = super().may_use(*key)
        return self.cache[key]


# --- the machine through the portal ----------------------------------------------------


class ThroughThePortal(OnboardingMachine):
    """Every operation through the portal's routes, access through its permission check."""

    portal_class: ClassVar[type[Portal]] = Portal
    portal: Portal
    client: FlaskClient

    def start_host(self) -> None:
        self.portal = self.portal_class(self.world.service)
        self.client = self.portal.app.test_client()

    def perform(self, operation: str, actor: Actor, **arguments: Any) -> Outcome:
        method, path = ROUTES[operation]
        body = {}
        for name, value in arguments.items():
            text = value.value if isinstance(value, enum.Enum) else value
            if f"<{name}>" in path:
                path = path.replace(f"<{name}>", text)
            else:
                body[name] = text
        headers = {"X-Support": actor.name} if actor.is_support else {"X-Account": actor.account_id}
        response = self.client.open(path, method=method, json=body, headers=headers)
        return Outcome.of_http(response.status_code, response.get_json(silent=True))

    def host_can_access(
        self, account_id: str, structure_id: str, espace: Espace, mode: Habilitation
    ) -> bool:
        return self.portal.may_use(account_id, structure_id, espace.value, mode.value)


class ThroughTheDetachingPortal(ThroughThePortal):
    portal_class = DetachingPortal


class ThroughTheCachingPortal(ThroughThePortal):
    portal_class = CachingPortal


def test_a_portal_that_keeps_the_rules_passes() -> None:
    run_state_machine_as_test(ThroughThePortal, settings=bounded(100))


def test_a_portal_that_forgets_to_check_who_detaches_fails_on_the_detachment() -> None:
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(ThroughTheDetachingPortal, settings=bounded(300))
    # Whoever detaches, the portal makes the member leave: a stranger to the
    # structure gets through, and a deactivated member cannot be removed.
    assert re.match(
        r"detach_user\(.*\) by .*: the rules (refuse|allow) it, the host layer", str(failure.value)
    )


def test_a_portal_whose_cache_outlives_a_detachment_fails_on_access() -> None:
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(ThroughTheCachingPortal, settings=bounded(300))
    assert "can_access(" in str(failure.value)
    assert "the host layer says True, the rules say False" in str(failure.value)


# --- the kit's own pieces --------------------------------------------------------------


def test_every_operation_is_a_facade_method_taking_an_actor_and_those_arguments() -> None:
    for operation, arguments in OPERATIONS.items():
        parameters = inspect.signature(getattr(OnboardingService, operation)).parameters
        assert {"actor", *arguments} <= parameters.keys(), operation


def test_the_portal_routes_every_operation() -> None:
    assert ROUTES.keys() == OPERATIONS.keys()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {}, Outcome(True, None, "HTTP 200")),
        (204, None, Outcome(True, None, "HTTP 204")),
        (403, {"code": "not_a_manager"}, Outcome(False, "not_a_manager", "HTTP 403")),
        (404, "not json", Outcome(False, None, "HTTP 404")),
    ],
)
def test_an_http_answer_is_done_on_2xx_and_refused_on_4xx(
    status: int, body: object, expected: Outcome
) -> None:
    assert Outcome.of_http(status, body) == expected


def test_an_http_answer_of_5xx_is_a_failure_of_the_host() -> None:
    with pytest.raises(AssertionError, match="HTTP 500"):
        Outcome.of_http(500, {"detail": "boom"})


def test_a_call_raising_the_library_error_is_refused_with_its_code() -> None:
    service = OnboardingService.in_memory()
    outcome = Outcome.of_call(lambda: service.leave_structure(Actor.user("nobody"), "s-1"))
    assert not outcome.done
    assert outcome.code


def test_without_hypothesis_the_stateful_base_says_which_extra_to_install() -> None:
    source = Path(chorus_onboarding.__file__).resolve().parents[1]
    code = textwrap.dedent(
        """
        import sys
        sys.modules["hypothesis"] = None  # as if it were not installed
        from chorus_onboarding.errors import ExtraNotInstalled
        try:
            import chorus_onboarding.testing.stateful
        except ExtraNotInstalled as error:
            print(error.code, error.params["extra"], error.field)
        """
    )
    pythonpath = os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "extra_not_installed testing hypothesis"
