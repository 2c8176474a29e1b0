"""A mail sender that hands emails to an SMTP server (a relay, Postfix, a provider).

It satisfies :class:`~chorus_onboarding.ports.MailSender`: plug it in with
``OnboardingService.sqlite(path, mailer=SmtpMailSender(host=..., sender=...), ...)``
or any other factory. The outbox relay opens one connection per batch
(:meth:`SmtpMailSender.session`) and closes it at the end, so no stale
connection stays open between batches. A refusal for good (5xx) becomes
:class:`~chorus_onboarding.domain.errors.DeliveryRefused`, which the relay
sets aside without holding back the other emails.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import attrs
from attrs import field, frozen

from ..domain.emails import EmailAddress
from ..domain.errors import DeliveryRefused, InvalidEmail, InvalidInput
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
    """Sends emails through an SMTP server, one connection per batch.

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
        if email.html is not None:
            message.add_alternative(email.html, subtype="html", charset="utf-8")
        return message

    @contextlib.contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """One connection (with STARTTLS and login as configured) for a batch of emails.

        Raises :class:`smtplib.SMTPException` or :class:`OSError` when the
        server cannot be reached, refuses the login or lacks STARTTLS: the
        relay then tries the whole batch again later. The connection is
        closed when the block ends; an error on the final QUIT is ignored,
        since every email was accepted (code 250) before it.
        """
        connection = smtplib.SMTP(
            self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname
        )
        try:
            if self.starttls:
                # smtplib's default context verifies nothing; this one checks the
                # certificate and the host name, or the password could leak.
                connection.starttls(context=ssl.create_default_context())
            if self.username is not None and self.password is not None:
                connection.login(self.username, self.password)
            yield SmtpSession(self, connection)
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def send(self, email: OutgoingEmail) -> None:
        """Send one email over a connection of its own (see :meth:`session` for batches)."""
        with self.session() as session:
            session.send(email)


class SmtpSession:
    """An open SMTP connection of a :class:`SmtpMailSender`, for one batch."""

    def __init__(self, sender: SmtpMailSender, connection: smtplib.SMTP) -> None:
        self._sender = sender
        self._connection = connection

    def send(self, email: OutgoingEmail) -> None:
        """Send ``email``; a refusal for good (5xx) is :class:`DeliveryRefused`.

        A refusal for now (4xx: mailbox full, greylisting) and a dropped
        connection are raised as they come (:class:`smtplib.SMTPException`,
        :class:`OSError`): the relay tries again later. A refusal of only some
        recipients is not raised (the others got the email).
        """
        message = self._sender.build_message(email)
        try:
            self._connection.send_message(
                message, from_addr=self._sender.sender, to_addrs=list(email.to)
            )
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise DeliveryRefused(reason=_describe(refused.recipients)) from refused
            raise
        except smtplib.SMTPDataError as refused:
            if refused.smtp_code >= 500:
                raise DeliveryRefused(
                    reason=f"{refused.smtp_code} {_text(refused.smtp_error)}"
                ) from refused
            raise


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {_text(reply)}" for address, (code, reply) in recipients.items()
    )
