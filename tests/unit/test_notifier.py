"""Events become emails by the notifier: who is told, in which language, with whose wording."""

from __future__ import annotations

from chorus_onboarding import OnboardingService, OnboardingSettings
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.memory import MemoryStore
from chorus_onboarding.domain.events import AccountActivated, DomainEvent, StructureChanged
from chorus_onboarding.notifications import Links, Templates
from chorus_onboarding.testing.fakes import FrozenClock, SequentialIds, link_parameters
from chorus_onboarding.testing.world import LOUISE, World, build_world


def _world(**wiring: object) -> World:
    clock, mailbox, store = FrozenClock(), MemoryMailbox(), MemoryStore()
    service = _service(store, clock, mailbox, **wiring)
    return World(service, clock, mailbox, store)


def _service(
    store: MemoryStore, clock: FrozenClock, mailbox: MemoryMailbox, **wiring: object
) -> OnboardingService:
    return OnboardingService.in_memory(
        store=store,
        clock=clock,
        ids=SequentialIds(),
        hasher=FastInsecureHasher(),
        mailer=mailbox,
        **wiring,  # type: ignore[arg-type]
    )


def test_english_emails_carry_no_french_words_of_ours() -> None:
    world = _world(language="en")
    world.register()
    (email,) = world.mailbox.to(LOUISE)
    assert email.subject == "Chorus Pro - Activate your account"
    assert "(Paris time, UTC+1)" in email.body
    for french in ("Bonjour", "heure locale", "Cordialement", "valable"):
        assert french not in email.body


def test_dates_in_emails_are_in_the_zone_of_the_settings_and_say_which() -> None:
    world = build_world(time_zone="America/New_York")
    world.register()
    (email,) = world.mailbox.to(LOUISE)
    assert "(heure de New York, GMT-5)" in email.body
    english = _world(language="en", settings=OnboardingSettings(time_zone="America/New_York"))
    english.register()
    (email,) = english.mailbox.to(LOUISE)
    assert "(New York time, UTC-5)" in email.body


def test_a_host_rewords_and_rebrands_an_email_and_adds_an_html_part_escaped() -> None:
    templates = (
        Templates.default()
        .replace("fr", "activation", subject="Bienvenue {first_name}", html="<p>{last_name}</p>")
        .with_signature("fr", "\n\n-- Mon Portail")
    )
    world = _world(templates=templates)
    world.register(last_name="<b>GALFE</b>")
    (email,) = world.mailbox.to(LOUISE)
    assert email.subject == "Bienvenue Louise"
    assert email.body.endswith("-- Mon Portail")
    assert email.html == "<p>&lt;b&gt;GALFE&lt;/b&gt;</p>", "typed text is text in HTML"
    assert "<b>GALFE</b>" in email.body, "the plain text keeps it as typed"


def test_links_point_at_the_host_s_own_pages() -> None:
    links = Links("https://portail.exemple", activation_path="/compte/activer")
    world = _world(links=links)
    world.register()
    (email,) = world.mailbox.to(LOUISE)
    assert "https://portail.exemple/compte/activer?email=" in email.body
    assert link_parameters(world.mailbox, LOUISE, "activer")["token"]


def test_creating_a_structure_attaches_its_creator_without_telling_them() -> None:
    world = build_world()
    world.register()
    assert [e.subject for e in world.mailbox.to(LOUISE)] == [
        "Chorus Pro - Activation de votre compte"
    ]


class Recorder:
    """A host's subscriber: keeps what it is told, as an audit log would."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, DomainEvent]] = []

    def handle(self, event: DomainEvent, entry_id: str) -> None:
        self.seen.append((entry_id, event))


def test_a_host_s_subscriber_hears_every_fact_in_order_once() -> None:
    recorder = Recorder()
    world = _world(subscribers=[recorder])
    me = world.active_user()
    names = [event.name for _, event in recorder.seen]
    assert names == [
        "ActivationLinkIssued",
        "AttachmentDecided",
        "StructureChanged",
        "AccountActivated",
    ]
    (activated,) = [e for _, e in recorder.seen if isinstance(e, AccountActivated)]
    assert activated.account_id == me.account_id
    assert isinstance(recorder.seen[2][1], StructureChanged)
    assert len({entry_id for entry_id, _ in recorder.seen}) == 4


class FailsOnce(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def handle(self, event: DomainEvent, entry_id: str) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("audit store down")
        super().handle(event, entry_id)


def test_a_failing_subscriber_gets_the_event_again_later() -> None:
    flaky = FailsOnce()
    world = _world(subscribers=[flaky])
    world.register()
    assert world.mailbox.to(LOUISE) == [], "the entry waits for its retry, email and all"
    world.clock.advance(seconds=30)
    world.service.deliver_notifications()
    names = [event.name for _, event in flaky.seen]
    # The others were not held back: the retried one comes last, once.
    assert names == ["AttachmentDecided", "StructureChanged", "ActivationLinkIssued"]
    assert len(world.mailbox.to(LOUISE)) == 1
