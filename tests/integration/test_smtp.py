"""The SMTP mail sender, against a real SMTP server (aiosmtpd) on the loopback interface."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from chorus_onboarding import NewStructureRegistration, OnboardingService
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.adapters.smtp import SmtpMailSender
from chorus_onboarding.domain.errors import DeliveryRefused
from chorus_onboarding.errors import InvalidInput
from chorus_onboarding.ports import OutgoingEmail
from chorus_onboarding.testing.fakes import FrozenClock

LOOPBACK = "127.0.0.1"
SENDER = "ne-pas-repondre@chorus-pro.gouv.fr"
LOUISE = "louise.galfe@exemple.fr"
ACTIVATION = "https://chorus-pro.gouv.fr/cpp/activationCompte"
BODY = "Bonjour Louise,\n\nVotre compte a été créé : activez-le avant l'échéance.\n"


def free_port() -> int:
    """A port nobody listens on right now (the system picks it, then we let it go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class Collector:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """The received emails, parsed."""
        parsed = []
        for envelope in self.envelopes:
            # Lines end in CRLF on the wire; a mailbox stores them as "\n", and
            # so does this, so that bodies compare with the text sent.
            content = envelope.content.replace(b"\r\n", b"\n")
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


class RefusesRecipients(Collector):
    """Refuses every recipient, as a server that does not know them would."""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        return "550 5.1.1 No such user here"


class RefusesData(Collector):
    """Takes the envelope, then refuses the content, as a spam filter would."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "554 5.7.1 Message rejected"


class SmtpServer:
    """An aiosmtpd server on a free loopback port, and what it received."""

    def __init__(self, handler: Collector, **smtp_options: Any) -> None:
        self.handler = handler
        self.port = free_port()
        self._controller: Any = Controller(
            handler, hostname=LOOPBACK, port=self.port, **smtp_options
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def sender(self, **options: Any) -> SmtpMailSender:
        """A mail sender pointed at this server (a short timeout: a hang fails fast)."""
        return SmtpMailSender(host=LOOPBACK, port=self.port, sender=SENDER, timeout=2.0, **options)

    def messages(self) -> list[EmailMessage]:
        return self.handler.messages()


@pytest.fixture
def serve() -> Iterator[Callable[..., SmtpServer]]:
    """Starts SMTP servers on demand; every one still running is stopped after the test."""
    running: list[SmtpServer] = []

    def start(handler: Collector | None = None, **smtp_options: Any) -> SmtpServer:
        server = SmtpServer(handler or Collector(), **smtp_options)
        server.start()
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., SmtpServer]) -> SmtpServer:
    """A running server that accepts everything."""
    return serve()


def outgoing(*to: str, dedupe_key: str = "activation:1", body: str = BODY) -> OutgoingEmail:
    return OutgoingEmail(
        to=to or (LOUISE,),
        subject="Chorus Pro - Activation de votre compte",
        body=body,
        dedupe_key=dedupe_key,
    )


# --- what arrives ---------------------------------------------------------------


def test_an_email_arrives_with_its_headers_and_accented_body_intact(server: SmtpServer) -> None:
    server.sender().send(outgoing())

    (envelope,) = server.handler.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [LOUISE]
    (message,) = server.messages()
    assert message["From"] == SENDER
    assert message["To"] == LOUISE
    assert message["Subject"] == "Chorus Pro - Activation de votre compte"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime.utcoffset() == timedelta(0)
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == BODY


def test_an_email_to_several_recipients_reaches_each_of_them(server: SmtpServer) -> None:
    recipients = (LOUISE, "gestionnaire@exemple.fr", "support@chorus-pro.gouv.fr")

    server.sender().send(outgoing(*recipients))

    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == list(recipients)
    (message,) = server.messages()
    assert [address.addr_spec for address in message["To"].addresses] == list(recipients)


def test_a_long_line_and_accents_survive_the_transfer_encoding(server: SmtpServer) -> None:
    link = "https://chorus-pro.gouv.fr/cpp/activationCompte?token=" + "a" * 200
    body = f"Cliquez ici, réservé à vous :\n{link}\n"

    server.sender().send(outgoing(body=body))

    (message,) = server.messages()
    assert message.get_content() == body


def test_the_message_id_is_the_same_for_the_same_dedupe_key_and_differs_otherwise(
    server: SmtpServer,
) -> None:
    sender = server.sender()

    sender.send(outgoing(dedupe_key="activation:1"))
    sender.send(outgoing(dedupe_key="activation:1"))
    sender.send(outgoing(dedupe_key="activation:2"))

    first, retried, other = (message["Message-ID"] for message in server.messages())
    assert first == retried
    assert other != first
    assert first.startswith("<")
    assert first.endswith("@chorus-onboarding>")


def test_the_sender_logs_in_when_given_credentials(serve: Callable[..., SmtpServer]) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd answers the client itself (535 on failure).
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    smtp = serve(authenticator=authenticator, auth_require_tls=False)

    smtp.sender(username="relay", password="s3cret").send(outgoing())

    assert logins == [(b"relay", b"s3cret")]
    assert len(smtp.handler.envelopes) == 1
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp.sender(username="relay", password="wrong").send(outgoing())
    assert len(smtp.handler.envelopes) == 1


# --- failures are raised, for the relay to retry ---------------------------------


def test_a_recipient_refused_for_good_is_delivery_refused_naming_the_address(
    serve: Callable[..., SmtpServer],
) -> None:
    smtp = serve(RefusesRecipients())

    with pytest.raises(DeliveryRefused) as refused:
        smtp.sender().send(outgoing())
    assert "550" in str(refused.value)
    assert isinstance(refused.value.__cause__, smtplib.SMTPRecipientsRefused)


def test_content_refused_for_good_is_delivery_refused(
    serve: Callable[..., SmtpServer],
) -> None:
    smtp = serve(RefusesData())

    with pytest.raises(DeliveryRefused) as refused:
        smtp.sender().send(outgoing())
    assert "554" in str(refused.value)


def test_asking_for_starttls_from_a_server_without_it_raises_rather_than_sending_in_clear(
    server: SmtpServer,
) -> None:
    with pytest.raises(smtplib.SMTPException):
        server.sender(starttls=True, username="relay", password="s3cret").send(outgoing())
    assert server.handler.envelopes == []


def test_an_unreachable_server_raises_an_os_error() -> None:
    sender = SmtpMailSender(host=LOOPBACK, port=free_port(), sender=SENDER, timeout=1.0)

    with pytest.raises(OSError):  # noqa: PT011 - any OSError: refused, unreachable, timed out
        sender.send(outgoing())


# --- construction ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"host": ""}, "host"),
        ({"host": None}, "host"),
        ({"host": "smtp relay"}, "host"),
        ({"port": 0}, "port"),
        ({"port": 65536}, "port"),
        ({"port": "25"}, "port"),
        ({"port": True}, "port"),
        ({"sender": "pas une adresse"}, "sender"),
        ({"sender": None}, "sender"),
        ({"username": "relay"}, "password"),
        ({"password": "s3cret"}, "username"),
        ({"username": "", "password": "s3cret"}, "username"),
        ({"starttls": "yes"}, "starttls"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"local_hostname": ""}, "local_hostname"),
    ],
)
def test_junk_constructor_arguments_raise_invalid_input_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"host": "smtp.exemple.fr", "sender": SENDER, **changes}

    with pytest.raises(InvalidInput) as raised:
        SmtpMailSender(**arguments)
    assert raised.value.field == field


def test_the_password_does_not_show_in_the_repr() -> None:
    sender = SmtpMailSender(
        host="smtp.exemple.fr", sender=SENDER, username="relay", password="s3cret"
    )

    assert "s3cret" not in repr(sender)
    assert sender.port == 25


# --- through the service ---------------------------------------------------------------


def register(service: OnboardingService, siret: str, login_email: str) -> None:
    service.register_with_new_structure(
        NewStructureRegistration(
            login_email=login_email,
            login_email_confirmation=login_email,
            last_name="GALFE",
            first_name="Louise",
            captcha="XWWXS",
            siret=siret,
        )
    )


def service_with(
    mailer: SmtpMailSender, store: MemoryStore | None = None, clock: FrozenClock | None = None
) -> OnboardingService:
    return OnboardingService.in_memory(
        store=store, mailer=mailer, hasher=FastInsecureHasher(), clock=clock or FrozenClock()
    )


def test_registration_sends_the_activation_email_through_the_smtp_server(
    server: SmtpServer,
) -> None:
    register(service_with(server.sender()), "52601815500014", LOUISE)

    (message,) = server.messages()
    assert message["Subject"] == "Chorus Pro - Activation de votre compte"
    assert message["To"] == LOUISE
    body = message.get_content()
    link = f"{ACTIVATION}?email=louise.galfe%40exemple.fr&token="
    assert link in body
    assert "Votre compte utilisateur a été créé" in body


def test_an_email_the_server_could_not_take_stays_in_the_outbox_and_goes_out_once(
    server: SmtpServer,
) -> None:
    store, clock = MemoryStore(), FrozenClock()
    unreachable = SmtpMailSender(host=LOOPBACK, port=free_port(), sender=SENDER, timeout=1.0)
    offline = service_with(unreachable, store, clock)

    register(offline, "90830166600016", "earl@exemple.fr")  # succeeds all the same
    assert offline.deliver_notifications() == 0

    online = service_with(server.sender(), store, clock)
    assert online.deliver_notifications() == 0, "it waits for its retry"
    clock.advance(seconds=30)
    assert online.deliver_notifications() == 1
    assert online.deliver_notifications() == 0
    (message,) = server.messages()
    assert message["To"] == "earl@exemple.fr"
    assert f"{ACTIVATION}?email=earl%40exemple.fr&token=" in message.get_content()


def test_an_html_part_travels_as_an_alternative_to_the_text(server: SmtpServer) -> None:
    email = OutgoingEmail(
        to=(LOUISE,),
        subject="Chorus Pro - Activation de votre compte",
        body=BODY,
        dedupe_key="activation:html",
        html="<p>Bonjour Louise, activez votre compte.</p>",
    )
    server.sender().send(email)
    (message,) = server.messages()
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "activez votre compte" in html.get_content()
    assert text.get_content() == BODY
