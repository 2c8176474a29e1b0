"""The catalogues: shipped compiled and complete, English free of French, a host's language added."""

from __future__ import annotations

import gettext
import importlib.machinery
import importlib.util
import inspect
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chorus_onboarding import OnboardingSettings, i18n
from chorus_onboarding.adapters.directory import MemoryCompanyDirectory
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.adapters.runtime import SecretTokenGenerator
from chorus_onboarding.demo import SETTINGS as DEMO_SETTINGS
from chorus_onboarding.demo import accounts as demo_accounts
from chorus_onboarding.demo import structures as demo_structures
from chorus_onboarding.demo.tour import Tour
from chorus_onboarding.domain import errors
from chorus_onboarding.notifications import Links, Notifier, Templates, fill
from chorus_onboarding.notifications.templates import _FR
from chorus_onboarding.service import OnboardingService
from chorus_onboarding.testing.fakes import FrozenClock

babel_mofile = pytest.importorskip("babel.messages.mofile")
babel_pofile = pytest.importorskip("babel.messages.pofile")

CATALOGS_SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "catalogs"

# Words and letters that give away French in a text meant to be English. Proper
# names of the portal (Chorus Pro, SIRET, DUME...) hold none of them.
FRENCH = re.compile(
    r"\b(le|la|les|des|du|un|une|et|est|votre|vous|nous|compte|heure|pour|avec|sur|"
    r"pas|ce|cette|lien|courriel|structure introuvable|adresse|mot de passe)\b"
    r"|[éèêëàâçîïôûùœ]",
    re.IGNORECASE,
)


def catalogs() -> ModuleType:
    """bin/catalogs, the catalogues' maintenance script, as a module."""
    loader = importlib.machinery.SourceFileLoader("catalogs_script", str(CATALOGS_SCRIPT))
    spec = importlib.util.spec_from_loader("catalogs_script", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def every_error_class() -> Iterator[type[errors.OnboardingError]]:
    def below(cls: type[errors.OnboardingError]) -> Iterator[type[errors.OnboardingError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    yield errors.OnboardingError
    yield from below(errors.OnboardingError)


TOKENS = SecretTokenGenerator(b"k" * 32)
DEADLINE = datetime(2027, 1, 2, 19, 23, 0, tzinfo=UTC)

# Parameters as the library's call sites give them: keys and data, never words.
PARAMS: dict[str, Any] = {
    "field": "login_email",
    "reason": "length",
    "expected": "texte non vide",
    "what": "account",
    "state": "DEACTIVATED",
    "deadline": DEADLINE,
    "count": 1,
    "identifier": "73282932000074",
    "service": "S1",
    "espace": "Factures émises",
    "port": "mailer",
    "extra": "sql",
}


def example(cls: type[errors.OnboardingError]) -> errors.OnboardingError:
    """An instance of ``cls`` with representative parameters."""
    if cls is errors.InvalidForm:
        return cls([errors.RequiredField(field="first_name")])
    if issubclass(cls, errors.PasswordRejected):
        return cls(["too_short", "common_password"])
    if cls is errors.InvalidTransition:
        return cls(entity="compte", from_state="ACTIVE", event="activate")
    if cls is errors.StoredDataUnreadable:
        return cls(what="outbox_event", id="42")
    if cls is errors.SchemaOutdated:
        return cls(revision="0001", head="0002", command="chorus-onboarding db upgrade")
    accepted = inspect.signature(cls.__init__).parameters
    if "params" in accepted or all(name in accepted for name in ("field", "reason")):
        return cls(**PARAMS)
    return cls(**{k: v for k, v in PARAMS.items() if k in accepted})


def test_the_shipped_mo_files_are_the_compiled_po_files() -> None:
    script = catalogs()
    for language in script.languages():
        shipped = script.po_path(language).with_suffix(".mo").read_bytes()
        assert shipped == script.compiled(language), f"bin/catalogs compile ({language})"


def test_the_template_holds_every_text_of_the_code_and_every_catalogue_translates_it() -> None:
    script = catalogs()
    in_code = {(m.context, m.id) for m in script.extract() if m.id}
    template = script.read(script.TEMPLATE)
    assert {(m.context, m.id) for m in template if m.id} == in_code, "bin/catalogs extract"
    for language in ("fr", "en"):
        catalogue = script.read(script.po_path(language), language)
        untranslated = [
            (m.context, m.id)
            for m in catalogue
            if m.id and (not m.string or m.fuzzy or (m.context, m.id) not in in_code)
        ]
        assert {(m.context, m.id) for m in catalogue if m.id} >= in_code, "bin/catalogs update"
        assert untranslated == [], language


@pytest.mark.parametrize("cls", list(every_error_class()), ids=lambda cls: cls.__name__)
def test_an_error_in_english_holds_no_french(cls: type[errors.OnboardingError]) -> None:
    error = example(cls)
    english = error.message("en")
    assert not FRENCH.search(english), english
    assert not FRENCH.search(error.category.title("en"))
    problem = error.to_problem("en")
    assert not FRENCH.search(str(problem["detail"]))
    # The French message is the class's text, its parameters in French words.
    assert str(error) == error.message("fr")


def test_keys_given_as_parameters_read_in_the_message_language() -> None:
    missing = errors.NotFound(field="structure_id", what="structure")
    assert str(missing) == "La structure introuvable."
    assert missing.message("en") == "The structure not found."
    assert missing.to_dict("en")["params"] == {"what": "structure"}
    inactive = errors.AccountNotActive(state="DEACTIVATED")
    assert str(inactive) == "Votre compte n'est pas actif (désactivé)."
    assert inactive.message("en") == "Your account is not active (deactivated)."
    wrong = errors.InvalidInput(field="limit", expected="nombre entier de 1 à 10 000")
    assert wrong.message("en") == (
        "Field 'limit' holds an unexpected value (whole number from 1 to 10,000 expected)."
    )
    # An expectation naming a number keeps it as data and words it in each language.
    many = errors.InvalidInput(field="names", expected="{maximum} noms au plus", maximum=50)
    assert "(50 noms au plus attendu)" in str(many)
    assert "(at most 50 names expected)" in many.message("en")
    assert many.to_dict()["params"] == {"expected": "{maximum} noms au plus", "maximum": 50}
    # An espace's label is the portal's French name, translated like the rest.
    closed = errors.EspaceNotOpen(field="espace", espace="Factures émises")
    assert closed.message("en") == "Espace 'Invoices issued' is not open on this structure."
    taken = errors.AlreadyExists(field="service", what="service", service="S1")
    assert (str(taken), taken.message("en")) == (
        "Le service S1 existe déjà.",
        "Service S1 already exists.",
    )


def context_for(template_names: set[str]) -> dict[str, str]:
    """Representative values for every placeholder: names and addresses, no words."""
    return dict.fromkeys(template_names, "X")


@pytest.mark.parametrize("name", sorted(_FR), ids=str)
def test_an_email_in_english_holds_no_french(name: str) -> None:
    templates = Templates.default()
    template = templates.get("en", name)
    values = context_for(set(template.fields()))
    for part in (template.subject, template.text, templates.signature("en")):
        filled = fill(part, values)
        assert not FRENCH.search(filled), filled
    # The French is the library's source text itself.
    assert templates.get("fr", name) == _FR[name]


# Names people and companies gave themselves (``FROMAGERIE DU LÉMAN SA``): proper
# nouns an English email quotes as they are.
PROPER_NAMES = re.compile(r"\b[A-ZÀ-Ý0-9'-]{2,}(?:\s+[A-ZÀ-Ý0-9'-]+)+\b")


class EnglishTour(Tour):
    """The demo's tour, keeping every refusal it meets."""

    refusals: list[errors.OnboardingError]

    def attempt(self, what: str, action: Callable[[], object]) -> None:
        def kept() -> object:
            try:
                return action()
            except errors.OnboardingError as error:
                self.refusals.append(error)
                raise

        super().attempt(what, kept)


def test_every_journey_in_english_sends_and_refuses_in_english_only() -> None:
    # Every journey of the demo, on a service whose emails are in English: the
    # words the library adds to them (a right, an espace, the default service,
    # dates) are English too, and so is every refusal met on the way.
    clock = FrozenClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    mailbox, directory = MemoryMailbox(), MemoryCompanyDirectory()
    service = OnboardingService.in_memory(
        clock=clock,
        mailer=mailbox,
        directory=directory,
        hasher=FastInsecureHasher(),
        language="en",
        settings=DEMO_SETTINGS,
    )
    tour = EnglishTour(io.StringIO(), service, mailbox, clock, directory=directory)
    tour.refusals = []
    _, paul = demo_accounts.tell(tour)
    demo_structures.tell(tour, paul)
    assert len(mailbox.sent) >= 40
    assert len(tour.refusals) >= 10
    for email in mailbox.sent:
        for part in (email.subject, email.body):
            assert not FRENCH.search(PROPER_NAMES.sub("X", part)), part
    for refusal in tour.refusals:
        assert not FRENCH.search(refusal.message("en")), refusal.message("en")


def test_dates_are_in_the_zone_asked_for_and_labelled_with_it() -> None:
    assert i18n.format_instant(DEADLINE) == (
        "02/01/2027 20:23:00 (heure locale France métropolitaine, GMT+1)"
    )
    assert i18n.format_instant(DEADLINE, "en") == "2 January 2027 20:23:00 (Paris time, UTC+1)"
    new_york = ZoneInfo("America/New_York")
    assert i18n.format_instant(DEADLINE, "fr", new_york) == (
        "02/01/2027 14:23:00 (heure de New York, GMT-5)"
    )
    assert i18n.format_instant(DEADLINE, "en", new_york) == (
        "2 January 2027 14:23:00 (New York time, UTC-5)"
    )


def test_a_language_tag_is_never_a_path() -> None:
    for junk in ("../../etc", "en;q=0.9", "", "x" * 50):
        assert type(i18n.translations(junk)) is gettext.NullTranslations
    assert i18n.translate("en-GB", "Introuvable") == "Not found"


def test_a_host_overriding_one_email_keeps_the_others_from_the_catalogues() -> None:
    templates = Templates.default().replace("en", "activation", subject="Welcome to My Portal")
    assert templates.get("en", "activation").subject == "Welcome to My Portal"
    assert (
        templates.get("en", "activation").text == Templates.default().get("en", "activation").text
    )
    assert templates.get("fr", "activation").subject == "Chorus Pro - Activation de votre compte"
    assert templates.get("en", "password_reset").subject == "Chorus Pro - Reset your password"


@pytest.fixture
def german(tmp_path: Path) -> Iterator[Path]:
    """A host's catalogue directory with German for two texts, nothing else."""
    catalog = babel_pofile.read_po(
        iter(
            [
                'msgid ""\n',
                'msgstr "Content-Type: text/plain; charset=utf-8\\n"\n',
                "\n",
                'msgid "Introuvable"\n',
                'msgstr "Nicht gefunden"\n',
                "\n",
                'msgctxt "email activation"\n',
                'msgid "Chorus Pro - Activation de votre compte"\n',
                'msgstr "Chorus Pro - Aktivieren Sie Ihr Konto"\n',
            ]
        ),
        locale="de",
    )
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as file:
        babel_mofile.write_mo(file, catalog)
    i18n.add_locale_dir(tmp_path)
    yield tmp_path
    i18n.remove_locale_dir(tmp_path)


def test_a_host_adds_a_language_with_a_catalogue_the_rest_in_french(german: Path) -> None:
    missing = errors.NotFound(what="account")
    assert missing.category.title("de") == "Nicht gefunden"
    # What the German catalogue lacks is French, the portal's language.
    assert missing.message("de") == "Le compte introuvable."
    assert Templates.default().get("de", "activation").subject == (
        "Chorus Pro - Aktivieren Sie Ihr Konto"
    )
    notifier = Notifier(links=Links(), tokens=TOKENS, language="de")
    assert notifier.language == "de"


def test_a_language_without_a_catalogue_is_refused_for_emails() -> None:
    with pytest.raises(errors.InvalidInput):
        Notifier(links=Links(), tokens=TOKENS, language="de")
    with pytest.raises(errors.InvalidInput):
        Notifier(links=Links(), tokens=TOKENS, time_zone="Mars/Olympus")
    with pytest.raises(errors.InvalidInput):
        i18n.add_locale_dir("/no/such/folder")
    with pytest.raises(errors.InvalidInput):
        OnboardingSettings(time_zone="Mars/Olympus")
