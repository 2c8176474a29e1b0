"""Events become emails: who is told, and what, decided when the email is written.

The notifier reads the current facts (names, addresses, managers) through the
:class:`~chorus_onboarding.ports.NotificationFacts` port, derives the link
tokens from the link ids the events carry, and fills the templates of one
language. An event nobody needs to hear of gives no email.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import singledispatchmethod
from gettext import NullTranslations
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import attrs
from attrs import frozen

from ..domain import events
from ..domain.errors import InvalidInput
from ..domain.login_codes import code_from_token
from ..domain.states import AttachmentState, SubscriptionState
from ..domain.structures import DEFAULT_SERVICE, DEFAULT_SERVICE_NAME
from ..i18n import (
    PARIS,
    fill,
    format_instant,
    label_in,
    time_zone_named,
    translate,
    translations,
)
from ..ports import NotificationFacts, OutboxEntry, OutgoingEmail, Person, TokenGenerator
from .templates import Templates


def paris_time(instant: datetime, language: str = "fr") -> str:
    """``03/02/2018 10:05:10 (heure locale France métropolitaine, GMT+1)``: as the portal shows deadlines."""
    return format_instant(instant, language, PARIS)


def _address(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if (
        not isinstance(value, str)
        or not value.startswith(("https://", "http://"))
        or len(value) > 500
        or not value.isprintable()
        or any(character.isspace() for character in value)
    ):
        raise InvalidInput(field=attribute.name, expected="adresse http(s)")


def _path(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or len(value) > 200
        or not value.isprintable()
        or any(character in value for character in " ?#")
    ):
        raise InvalidInput(field=attribute.name, expected="chemin commençant par /")


@frozen
class Links:
    """Builds the links the emails carry, from the portal's address and the pages' paths."""

    portal_url: str = attrs.field(default="https://chorus-pro.gouv.fr", validator=_address)
    activation_path: str = attrs.field(default="/cpp/activationCompte", validator=_path)
    password_reset_path: str = attrs.field(
        default="/cpp/reinitialisationMotDePasse", validator=_path
    )
    reactivation_path: str = attrs.field(default="/cpp/reactivationCompte", validator=_path)

    def _link(self, path: str, email: str, token: str) -> str:
        return f"{self.portal_url.rstrip('/')}{path}?{urlencode({'email': email, 'token': token})}"

    def activation(self, email: str, token: str) -> str:
        """The account activation link."""
        return self._link(self.activation_path, email, token)

    def password_reset(self, email: str, token: str) -> str:
        """The forgotten-password link."""
        return self._link(self.password_reset_path, email, token)

    def reactivation(self, email: str, token: str) -> str:
        """The link that reactivates a deactivated account."""
        return self._link(self.reactivation_path, email, token)


@frozen
class _Draft:
    """One email before rendering: to whom, which template, with what."""

    to: tuple[str, ...]
    template: str
    context: dict[str, Any]


class Notifier:
    """Turns an outbox entry into the emails it sends, in one language.

    ``templates`` is the wording (:meth:`Templates.default` unless replaced);
    ``language`` is ``"fr"`` (the portal's), ``"en"`` or a language a host
    added a catalogue for; ``time_zone`` is the zone dates are shown in,
    labelled with it (Paris, the portal's, by default).
    """

    def __init__(
        self,
        *,
        links: Links,
        tokens: TokenGenerator,
        templates: Templates | None = None,
        language: str = "fr",
        support_email: str | None = None,
        time_zone: str | ZoneInfo = PARIS,
    ) -> None:
        if not isinstance(language, str) or not language.isalpha() or len(language) > 8:
            raise InvalidInput(field="language", expected="code de langue (fr, en...)")
        # French needs no catalogue (its texts are the msgids); another language does.
        if language != "fr" and type(translations(language)) is NullTranslations:
            raise InvalidInput(field="language", expected="langue dont un catalogue est installé")
        self.time_zone = time_zone_named(time_zone)
        if templates is not None and not isinstance(templates, Templates):
            raise InvalidInput(field="templates", expected="Templates")
        self.links = links
        self.language = language
        self.templates = templates or Templates.default()
        self.support_email = support_email
        self._tokens = tokens

    def emails(self, entry: OutboxEntry, facts: NotificationFacts) -> list[OutgoingEmail]:
        """The emails ``entry`` sends (none for an event nobody needs to hear of).

        Each has a dedupe key derived from the entry's id: the same on every retry.
        """
        drafts = [d for d in self._compose(entry.event, facts) if d.to]
        return [self._render(draft, f"{entry.id}/{index}") for index, draft in enumerate(drafts)]

    def _render(self, draft: _Draft, dedupe_key: str) -> OutgoingEmail:
        template = self.templates.get(self.language, draft.template)
        context = draft.context
        # Names, reasons and company names are typed by people: in HTML they are text.
        escaped = {key: html.escape(str(value)) for key, value in context.items()}
        rich = None if template.html is None else fill(template.html, escaped)
        return OutgoingEmail(
            to=draft.to,
            subject=fill(template.subject, context),
            body=fill(template.text, context) + self.templates.signature(self.language),
            dedupe_key=dedupe_key,
            html=rich,
        )

    # --- words ----------------------------------------------------------------------

    def _word(self, name: str, **context: Any) -> str:
        return fill(self.templates.get(self.language, name).text, context)

    def _time(self, instant: datetime) -> str:
        return format_instant(instant, self.language, self.time_zone)

    def _service_name(self, code: str, names: Mapping[str, str]) -> str:
        name = names.get(code, code)
        # The service every structure has is named by the library: in the reader's language.
        if code == DEFAULT_SERVICE and name == DEFAULT_SERVICE_NAME:
            return translate(self.language, name, "service")
        return name

    def _reason_line(self, reason: str) -> str:
        return self._word("reason_line", reason=reason) if reason else ""

    # --- who is told what -----------------------------------------------------------

    @singledispatchmethod
    def _compose(self, event: events.DomainEvent, facts: NotificationFacts) -> list[_Draft]:
        """Events with no email (account activated, structure changed...) compose none."""
        return []

    def _to_owner(
        self,
        event: events.AccountEvent,
        facts: NotificationFacts,
        template: str,
        address: Callable[[Person], str],
        **context: Any,
    ) -> list[_Draft]:
        person = facts.person(event.account_id)
        if person is None:
            return []
        names = {"first_name": person.first_name, "last_name": person.last_name}
        return [_Draft((address(person),), template, {**names, **context})]

    def _link_email(
        self,
        event: events.ActivationLinkIssued
        | events.PasswordResetLinkIssued
        | events.ReactivationLinkIssued,
        facts: NotificationFacts,
        template: str,
        address: Callable[[Person], str],
        link: Callable[[str, str], str],
        **context: Any,
    ) -> list[_Draft]:
        """The email that carries a link: its token derived here, never stored."""
        person = facts.person(event.account_id)
        if person is None:
            return []
        token = self._tokens.token_for(event.link_id)
        return self._to_owner(
            event,
            facts,
            template,
            address,
            link=link(person.login_email, token),
            deadline=self._time(event.expires_at),
            **context,
        )

    @_compose.register
    def _(self, event: events.ActivationLinkIssued, facts: NotificationFacts) -> list[_Draft]:
        note = self._word("activation_resent_note") if event.resent else ""
        return self._link_email(
            event, facts, "activation", _login, self.links.activation, resent_note=note
        )

    @_compose.register
    def _(self, event: events.PasswordResetLinkIssued, facts: NotificationFacts) -> list[_Draft]:
        return self._link_email(event, facts, "password_reset", _login, self.links.password_reset)

    @_compose.register
    def _(self, event: events.ReactivationLinkIssued, facts: NotificationFacts) -> list[_Draft]:
        return self._link_email(event, facts, "reactivation", _contact, self.links.reactivation)

    @_compose.register
    def _(self, event: events.LoginCodeSent, facts: NotificationFacts) -> list[_Draft]:
        # The code is derived here from the link id, like a link's token: it is stored nowhere.
        code = code_from_token(self._tokens.token_for(event.link_id), event.digits)
        note = self._word("login_code_resent_note") if event.resent else ""
        return self._to_owner(
            event,
            facts,
            "login_code",
            _login,
            code=code,
            deadline=self._time(event.expires_at),
            resent_note=note,
        )

    @_compose.register
    def _(self, event: events.ContactEmailChanged, facts: NotificationFacts) -> list[_Draft]:
        person = facts.person(event.account_id)
        if person is None:
            return []
        context = {
            "new_contact_email": person.contact_email,
            "previous_contact_email": event.previous_contact_email,
        }
        return [
            _Draft((event.previous_contact_email,), "contact_email_changed", context),
            _Draft((person.contact_email,), "contact_email_changed", context),
        ]

    @_compose.register
    def _(self, event: events.PasswordChanged, facts: NotificationFacts) -> list[_Draft]:
        how = (
            "password_changed_through_reset"
            if event.through_reset
            else "password_changed_in_account"
        )
        return self._to_owner(event, facts, "password_changed", _contact, how=self._word(how))

    @_compose.register
    def _(self, event: events.SecretQuestionChanged, facts: NotificationFacts) -> list[_Draft]:
        return self._to_owner(event, facts, "secret_question_changed", _contact)

    @_compose.register
    def _(self, event: events.LoginThrottled, facts: NotificationFacts) -> list[_Draft]:
        return self._to_owner(
            event, facts, "login_throttled", _contact, until=self._time(event.until)
        )

    @_compose.register
    def _(self, event: events.SecretAnswersBlocked, facts: NotificationFacts) -> list[_Draft]:
        return self._to_owner(
            event, facts, "secret_answers_blocked", _contact, until=self._time(event.until)
        )

    @_compose.register
    def _(self, event: events.AccountDeactivated, facts: NotificationFacts) -> list[_Draft]:
        who = "deactivated_by_owner" if event.by_owner else "deactivated_by_administrator"
        return self._to_owner(event, facts, "account_deactivated", _login, who=self._word(who))

    @_compose.register
    def _(self, event: events.ReactivationAskedOfSupport, facts: NotificationFacts) -> list[_Draft]:
        person = facts.person(event.account_id)
        if person is None or self.support_email is None:
            return []
        context = {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "login_email": person.login_email,
            "account_id": event.account_id,
        }
        return [_Draft((self.support_email,), "reactivation_asked_of_support", context)]

    @_compose.register
    def _(self, event: events.AccountReactivated, facts: NotificationFacts) -> list[_Draft]:
        return self._to_owner(event, facts, "account_reactivated", _contact)

    @_compose.register
    def _(self, event: events.AttachmentRequested, facts: NotificationFacts) -> list[_Draft]:
        structure = facts.structure(event.structure_id)
        requester = facts.person(event.account_id)
        if structure is None or requester is None:
            return []
        managers = sorted({structure.principal_manager_id, *structure.manager_ids})
        found = [facts.person(manager) for manager in managers]
        to = tuple(p.contact_email for p in found if p is not None and p.active)
        context = {
            "requester_name": f"{requester.first_name} {requester.last_name}",
            "requester_email": requester.contact_email,
            "structure_name": structure.name,
        }
        return [_Draft(to, "attachment_requested", context)]

    @_compose.register
    def _(self, event: events.AttachmentDecided, facts: NotificationFacts) -> list[_Draft]:
        if event.by == event.account_id:
            return []  # the user made the structure: nothing to tell them
        structure = facts.structure(event.structure_id)
        if structure is None:
            return []
        if event.outcome is AttachmentState.VALIDATED:
            template = "attachment_validated"
        else:
            template = "attachment_refused"
        return self._to_owner(
            event,
            facts,
            template,
            _contact,
            structure_name=structure.name,
            reason_line=self._reason_line(event.reason),
        )

    @_compose.register
    def _(self, event: events.InvitationIssued, facts: NotificationFacts) -> list[_Draft]:
        structure = facts.structure(event.structure_id)
        inviter = facts.person(event.by)
        if structure is None or inviter is None:
            return []
        return self._to_owner(
            event,
            facts,
            "invitation",
            _contact,
            structure_name=structure.name,
            inviter_name=f"{inviter.first_name} {inviter.last_name}",
            deadline=self._time(event.expires_at),
        )

    @_compose.register
    def _(self, event: events.InvitationAnswered, facts: NotificationFacts) -> list[_Draft]:
        structure = facts.structure(event.structure_id)
        invited = facts.person(event.account_id)
        inviter = facts.person(event.invited_by)
        if structure is None or invited is None or inviter is None or not inviter.active:
            return []
        template = "invitation_accepted" if event.accepted else "invitation_declined"
        context = {
            "invited_name": f"{invited.first_name} {invited.last_name}",
            "structure_name": structure.name,
        }
        return [_Draft((inviter.contact_email,), template, context)]

    @_compose.register
    def _(self, event: events.UserDetached, facts: NotificationFacts) -> list[_Draft]:
        if event.by == event.account_id:
            return []  # they left on their own
        structure = facts.structure(event.structure_id)
        if structure is None:
            return []
        return self._to_owner(
            event, facts, "user_detached", _contact, structure_name=structure.name
        )

    @_compose.register
    def _(self, event: events.SubscriptionRequested, facts: NotificationFacts) -> list[_Draft]:
        structure = facts.structure(event.structure_id)
        requester = facts.person(event.account_id)
        if structure is None or requester is None:
            return []
        principal = facts.person(structure.principal_manager_id)
        if principal is None or not principal.active:
            return []
        context = {
            "requester_name": f"{requester.first_name} {requester.last_name}",
            "structure_name": structure.name,
            "espace": label_in(event.espace, self.language),
            "habilitation": label_in(event.habilitation, self.language),
            "service_name": self._service_name(event.service, structure.services),
        }
        return [_Draft((principal.contact_email,), "subscription_requested", context)]

    @_compose.register
    def _(self, event: events.SubscriptionDecided, facts: NotificationFacts) -> list[_Draft]:
        if event.outcome in (SubscriptionState.ANNULE, SubscriptionState.EN_COURS_DE_VALIDATION):
            return []  # the user gave it up, or it ended with their attachment (told then)
        structure = facts.structure(event.structure_id)
        if structure is None:
            return []
        return self._to_owner(
            event,
            facts,
            "subscription_decided",
            _contact,
            structure_name=structure.name,
            espace=label_in(event.espace, self.language),
            habilitation=label_in(event.habilitation, self.language),
            outcome=self._word(f"outcome_{event.outcome.name}"),
            reason_line=self._reason_line(event.reason),
        )

    @_compose.register
    def _(self, event: events.SiretChanged, facts: NotificationFacts) -> list[_Draft]:
        structure = facts.structure(event.structure_id)
        if structure is None:
            return []
        context = {
            "structure_name": structure.name,
            "previous_siret": event.previous_siret,
            "new_siret": event.new_siret,
        }
        # One email each: no one learns the others' addresses.
        found = [facts.person(account_id) for account_id in event.told]
        return [
            _Draft((person.contact_email,), "siret_changed", context)
            for person in found
            if person is not None
        ]


def _login(person: Person) -> str:
    return person.login_email


def _contact(person: Person) -> str:
    return person.contact_email
