"""Events become French emails after commit, delivered at least once, never twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.notifications import Links, paris_time
from chorus_onboarding.ports import OutgoingEmail
from chorus_onboarding.testing.world import LOUISE, build_world


def test_deadlines_are_shown_in_paris_time_winter_and_summer() -> None:
    assert paris_time(datetime(2018, 2, 3, 9, 5, 10, tzinfo=UTC)) == (
        "03/02/2018 10:05:10 (heure locale France métropolitaine, GMT+1)"
    )
    assert paris_time(datetime(2018, 7, 3, 9, 5, 10, tzinfo=UTC)).endswith(
        "11:05:10 (heure locale France métropolitaine, GMT+2)"
    )


def test_links_carry_the_login_email_and_the_token_url_encoded() -> None:
    link = Links("https://portail.exemple/").activation("a+b@exemple.fr", "tok_en-1")
    assert (
        link
        == "https://portail.exemple/cpp/activationCompte?email=a%2Bb%40exemple.fr&token=tok_en-1"
    )


class FlakyMailer(MemoryMailbox):
    """Fails the sends whose rank (from 0) is in ``failing``, like a mail server going down."""

    def __init__(self, failing: set[int]) -> None:
        super().__init__()
        self.failing = failing
        self.attempts = 0

    def send(self, email: OutgoingEmail) -> None:
        rank, self.attempts = self.attempts, self.attempts + 1
        if rank in self.failing:
            raise ConnectionError("mail server down")
        super().send(email)


def test_an_email_that_could_not_be_sent_stays_in_the_outbox_and_goes_later() -> None:
    flaky = FlakyMailer(failing={0})
    world = build_world(mailbox=flaky)
    world.register()
    assert flaky.sent == []
    assert len(world.memory.outbox) == 3, "the failed connection held the batch back"
    assert world.service.deliver_notifications() == 2, "the others go; the failed one waits"
    world.clock.advance(seconds=30)
    assert world.service.deliver_notifications() == 1
    assert [email.subject for email in flaky.to(LOUISE)] == [
        "Chorus Pro - Activation de votre compte"
    ]
    assert world.memory.outbox == {}


def test_a_retried_delivery_never_sends_twice() -> None:
    mailbox = MemoryMailbox()
    email = OutgoingEmail(to=("a@b.fr",), subject="s", body="b", dedupe_key="evt-1/0")
    mailbox.send(email)
    mailbox.send(email)
    assert len(mailbox.sent) == 1


def test_a_two_recipient_event_interrupted_half_way_completes_without_duplicates() -> None:
    # Send 0 is the activation email; the contact change then reaches the old
    # address (send 1) and fails on the new one (send 2). The retry sends both
    # again under the same dedupe keys: the old address must not get it twice.
    flaky = FlakyMailer(failing={2})
    world = build_world(mailbox=flaky)
    me = world.active_user()
    world.service.change_contact_email(me, "contact@exemple.fr")
    assert flaky.to("contact@exemple.fr") == []
    world.clock.advance(seconds=30)
    world.service.deliver_notifications()
    change = "Chorus Pro - Modification de votre adresse de contact"
    assert [e.subject for e in flaky.to(LOUISE)].count(change) == 1
    assert [e.subject for e in flaky.to("contact@exemple.fr")] == [change]


def test_delivery_refuses_a_silly_limit() -> None:
    from chorus_onboarding.errors import InvalidInput

    with pytest.raises(InvalidInput):
        build_world().service.deliver_notifications(0)
