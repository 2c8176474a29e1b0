"""A mail sender that hands emails to an SMTP server (a relay, Postfix, a provider).

It satisfies :class:`~chorus_onboarding.ports.MailSender`: plug it in with
``OnboardingService.in_memory(mailer=SmtpMailSender(host=..., sender=...))``
or any other factory. It holds no connection between emails: each
:meth:`SmtpMailSender.send` opens one, sends and closes it, which suits the
outbox relay (a few emails after each use case) and never leaves a stale
connection behind.
"""

from __future__ import annotations

import hashlib
import math
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import attrs
from attrs import field, frozen

from ..domain.emails import EmailAddress
from ..domain.errors import InvalidEmail, InvalidInput
from ..ports import OutgoingEmail

_MAX_HOST_LENGTH = 253


def _host(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > _MAX_HOST_LENGTH
        or any(character.isspace() or not character.isprintable() for character in value)
    ):
        raise InvalidInput(field=attribute.name, expected="nom d'hôte ou adresse IP")


def _port(_: Any, attribute: attrs.Attribute[int], value: object) -> None:
    # bool is an int to Python, but ``port=True`` is always a mistake.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput(field=attribute.name, expected="nombre entier de 1 à 65 535")


def _sender(value: object) -> str:
    """The From address, normalised (ASCII domain) so that any relay takes it."""
    try:
        return EmailAddress.validate(value)
    except InvalidEmail:
        raise InvalidInput(field="sender", expected="adresse électronique") from None


def _optional_text(_: Any, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidInput(field=attribute.name, expected="texte non vide ou None")


def _flag(_: Any, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(field=attribute.name, expected="booléen")


def _timeout(_: Any, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidInput(field=attribute.name, expected="durée positive en secondes")


def message_id(dedupe_key: str) -> str:
    """The Message-ID of the email with this dedupe key: the same on every retry.

    >>> message_id("activation:42") == message_id("activation:42")
    True
    >>> message_id("activation:42") == message_id("activation:43")
    False
    """
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@chorus-onboarding>"


@frozen(kw_only=True)
class SmtpMailSender:
    """Sends each email through an SMTP server, one connection per email.

    ``host`` and ``port`` locate the server; ``sender`` is the From address
    (and the envelope sender). With ``username`` and ``password`` (both or
    neither) the sender logs in; with ``starttls`` it switches the connection
    to TLS first, checking the server's certificate against the system's
    authorities, and fails rather than sending in clear text if the server
    does not offer STARTTLS. ``timeout`` bounds every network operation, in
    seconds; ``local_hostname`` is the name given in EHLO (the machine's
    fully qualified name by default).

    Every argument is checked when the sender is built: a wrong one raises
    :class:`~chorus_onboarding.domain.errors.InvalidInput` naming the field.
    The password never shows in ``repr()``.
    """

    host: str = field(validator=_host)
    port: int = field(default=25, validator=_port)
    sender: str = field(converter=_sender)
    username: str | None = field(default=None, validator=_optional_text)
    password: str | None = field(default=None, validator=_optional_text, repr=False)
    starttls: bool = field(default=False, validator=_flag)
    timeout: float = field(default=10.0, validator=_timeout)
    local_hostname: str | None = field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        # One credential without the other is a configuration mistake; sending
        # without logging in would hide it until the server refuses to relay.
        if (self.username is None) != (self.password is None):
            missing = "password" if self.password is None else "username"
            raise InvalidInput(field=missing, expected="identifiant et mot de passe ensemble")

    def build_message(self, email: OutgoingEmail) -> EmailMessage:
        """The MIME message :meth:`send` sends for ``email``.

        Its ``Message-ID`` is derived from ``email.dedupe_key`` (see
        :func:`message_id`): the outbox relay sends an email again when an
        attempt failed, possibly after the server had taken it, and the same
        Message-ID on every attempt lets receiving servers and mail clients
        drop the duplicate. ``Auto-Submitted: auto-generated`` (RFC 3834)
        keeps auto-responders (out-of-office replies) from answering.
        """
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id(email.dedupe_key)
        message["Auto-Submitted"] = "auto-generated"
        # Quoted-printable keeps the accented French text 7-bit clean, so that
        # relays without 8BITMIME carry it unchanged.
        message.set_content(email.body, charset="utf-8", cte="quoted-printable")
        return message

    def send(self, email: OutgoingEmail) -> None:
        """Send ``email`` to its recipients through the SMTP server.

        Failures are raised as they come, never swallowed: the outbox relay
        (``deliver_notifications``) catches them, keeps the event in the
        outbox and tries again on a later call. Expect
        :class:`smtplib.SMTPException` when the server refuses (sender,
        recipients, data, login, missing STARTTLS; a refusal of only some
        recipients is not raised by :mod:`smtplib`, as the others got the
        email) and :class:`OSError` when it cannot be reached, times out or
        fails the TLS handshake. The connection is closed in every case; an
        error on the final QUIT is raised too, so that email is sent again,
        with the same Message-ID.
        """
        message = self.build_message(email)
        with smtplib.SMTP(
            self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname
        ) as connection:
            if self.starttls:
                # smtplib's default context verifies nothing; this one checks the
                # certificate and the host name, or the password could leak.
                connection.starttls(context=ssl.create_default_context())
            if self.username is not None and self.password is not None:
                connection.login(self.username, self.password)
            connection.send_message(message, from_addr=self.sender, to_addrs=list(email.to))
