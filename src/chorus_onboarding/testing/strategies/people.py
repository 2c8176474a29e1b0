"""Strategies for what a person types: emails, names, passwords, secret questions; and actors.

The valid strategies draw what the library's validators accept; the invalid
ones draw ``(value, code)``, the code of the error the validator must answer
with (``refused_passwords`` draws ``(password, reason)``, a reason of
:data:`~chorus_onboarding.domain.passwords.REASONS`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection

from hypothesis import reject
from hypothesis import strategies as st

from ...actors import Actor
from ...domain.emails import EmailAddress
from ...domain.errors import InvalidEmail, InvalidInput, RequiredField
from ...domain.passwords import PasswordPolicy
from ...service.arguments import flag_argument
from . import _arguments
from .identifiers import UNPRINTABLE, Refusal

# --- emails ------------------------------------------------------------------

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_LDH = string.ascii_lowercase + string.digits
# Lower-case letters IDNA 2008 takes in a domain, as people type them (and a
# few upper-case ones, which UTS 46 maps): the domain travels as its A-label.
_IDN_LETTERS = "éèêëàâäçùûüôöîïñßøåæœ" + "ÉÇÜ"
# Real top-level domains: email-validator refuses special-use ones (.test,
# .local, .invalid...) and all-numeric ones.
_TLDS = ("fr", "com", "org", "net", "eu", "de", "be", "bzh", "paris", "corsica", "re", "nc", "pf")


def _local_parts() -> st.SearchStrategy[str]:
    atoms = st.text(alphabet=_ATEXT, min_size=1, max_size=12)
    return st.lists(atoms, min_size=1, max_size=4).map(".".join).filter(lambda s: len(s) <= 64)


@st.composite
def _labels(draw: st.DrawFn, *, international: bool) -> str:
    alphabet = _LDH + (_IDN_LETTERS if international else "")
    inner = draw(st.text(alphabet=alphabet + "-", max_size=18))
    first = draw(st.sampled_from(string.ascii_lowercase + (_IDN_LETTERS if international else "")))
    last = draw(st.sampled_from(alphabet))
    # No "--" at all: "xn--" and other R-LDH labels are IDNA's business, not a typist's.
    return re.sub("-+", "-", first + inner + last)


@st.composite
def _domains(draw: st.DrawFn, *, international: bool) -> str:
    labels = draw(st.lists(_labels(international=international), min_size=1, max_size=3))
    return ".".join([*labels, draw(st.sampled_from(_TLDS))])


def emails(*, international: bool = True) -> st.SearchStrategy[str]:
    """Email addresses the library accepts, as typed: any case, maybe spaces around.

    The local part is an ASCII dot-atom (the library refuses non-ASCII ones:
    their mail may not arrive); the domain may be internationalised
    (``café.fr``, ``straße.de``) unless ``international`` is False. The
    library keeps such a domain as its A-label (``xn--caf-dma.fr``).
    """
    return _emails(international=flag_argument(international, "international"))


@st.composite
def _emails(draw: st.DrawFn, *, international: bool) -> str:
    local = draw(_local_parts())
    domain = draw(_domains(international=international))
    if draw(st.booleans()):
        domain = domain.upper()
    address = f"{local}@{domain}"
    return draw(st.sampled_from(["", " "])) + address + draw(st.sampled_from(["", " ", "\n"]))


def email_addresses() -> st.SearchStrategy[EmailAddress]:
    """:class:`~chorus_onboarding.domain.emails.EmailAddress` values, parsed from :func:`emails`."""
    return emails().map(EmailAddress.parse)


_SOUND_LOCAL = "louise.galfe"
_SOUND_DOMAIN = "dressing-louise.fr"


@st.composite
def _hostile_emails(draw: st.DrawFn) -> str:
    local = draw(_local_parts())
    domain = draw(_domains(international=True))
    kind = draw(
        st.sampled_from(
            [
                "blank",
                "no_at",
                "nothing_before",
                "nothing_after",
                "header_injection",
                "space",
                "unprintable",
                "unicode_local",
                "quoted",
                "dots",
                "long_local",
                "overlong",
                "bad_domain",
            ]
        )
    )
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t\n"]))
    if kind == "no_at":
        return f"{local}.{domain}"
    if kind == "nothing_before":
        return f"@{domain}"
    if kind == "nothing_after":
        return f"{local}@"
    if kind == "header_injection":
        # The line break inside, where stripping does not reach it.
        extra = draw(st.sampled_from(["Bcc: pirate@exemple.com", "Subject: hello", ""]))
        newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
        return f"{local}@{domain}{newline}{extra}x@{domain}"
    if kind == "space":
        return f"{local[:1]} {local[1:]}@{domain}"
    if kind == "unprintable":
        hidden = draw(st.sampled_from(UNPRINTABLE))
        where = draw(st.booleans())
        return f"{local}{hidden}@{domain}" if where else f"{local}@{domain[:1]}{hidden}{domain[1:]}"
    if kind == "unicode_local":
        return f"{draw(st.sampled_from(['élodie', 'josé', 'zoë', 'françois', 'δοκιμή']))}@{domain}"
    if kind == "quoted":
        return f'"{local}"@{domain}'
    if kind == "dots":
        return draw(st.sampled_from([f".{local}@{domain}", f"{local}.@{domain}", "a..b@" + domain]))
    if kind == "long_local":
        return "a" * draw(st.integers(65, 100)) + f"@{_SOUND_DOMAIN}"
    if kind == "overlong":
        return f"{local}@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".fr"
    return f"{_SOUND_LOCAL}@" + draw(
        st.sampled_from(
            [
                "localhost",
                "exemple",
                "exemple.test",
                "exemple.local",
                "exemple.invalid",
                "exe_mple.fr",
                "-exemple.fr",
                "exemple-.fr",
                "exemple..fr",
                "exemple.fr.",
                "exemple.123",
                "[192.168.0.1]",
                "exem ple.fr",
                "exemple\u202e.fr",
                "a" * 64 + ".fr",
            ]
        )
    )


def invalid_emails() -> st.SearchStrategy[Refusal]:
    """Hostile or mistyped addresses the library refuses, each with ``invalid_email``.

    Blank, no ``@``, nothing before or after it, a header injection (a line
    break and a ``Bcc:`` inside the address), spaces, control and
    bidirectional characters, a non-ASCII local part, quoting, stray dots,
    a local part over 64 characters, an address over 254, domains mail
    cannot reach (``localhost``, ``.test``, an IP literal, a bad label).
    Homoglyph domains are not among them: IDNA 2008 takes ``exаmple.fr``
    with a Cyrillic "а", and so does the library, as its A-label.
    """
    return _hostile_emails().map(lambda text: (text, InvalidEmail.code))


# --- person names ------------------------------------------------------------

_NAMES = (
    "Louise",
    "GALFE",
    "Jean-Pierre",
    "N'Diaye",
    "Éloïse",
    "Ørsted",
    "de La Fontaine",
    "Nguyễn",
    "Łukasz",
    "Ólafsdóttir",
    "Δημήτρης",
    "Жанна",
    "王",
    "محمد",
    "O'Brien",
    "St. John",
)


def _free_text(min_words: int, max_words: int) -> st.SearchStrategy[str]:
    """Printable words of any script, separated by whatever spacing a form sends."""
    word = st.text(
        alphabet=st.characters(categories=["L", "M", "N", "P", "S"]), min_size=1, max_size=12
    )
    spacing = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0"])
    return st.tuples(st.lists(word, min_size=min_words, max_size=max_words), spacing).map(
        lambda parts: parts[1].join(parts[0])
    )


def person_names() -> st.SearchStrategy[str]:
    """First or last names the library accepts: printable, any script, at most 100 characters."""
    return st.one_of(
        st.sampled_from(_NAMES), _free_text(1, 4).filter(lambda s: len(" ".join(s.split())) <= 100)
    )


@st.composite
def _unprintable_in(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> str:
    text = draw(valid)
    position = draw(st.integers(0, len(text)))
    return text[:position] + draw(st.sampled_from(UNPRINTABLE)) + text[position:]


def _too_long(maximum: int) -> st.SearchStrategy[str]:
    return st.integers(maximum + 1, maximum + 50).map(
        lambda n: ("Abcdéfgh " * n)[: n + 1].strip() + "x"
    )


def _invalid_text(valid: st.SearchStrategy[str], maximum: int) -> st.SearchStrategy[Refusal]:
    """Blank (``required``), too long or unprintable (``invalid_input``)."""
    return st.one_of(
        st.sampled_from(["", " ", "\t\n", "\u00a0"]).map(lambda s: (s, RequiredField.code)),
        _too_long(maximum).map(lambda s: (s, InvalidInput.code)),
        _unprintable_in(valid).map(lambda s: (s, InvalidInput.code)),
    )


def invalid_person_names() -> st.SearchStrategy[Refusal]:
    """Names refused: blank (``required``), over 100 characters or unprintable (``invalid_input``)."""
    return _invalid_text(person_names(), 100)


# --- secret questions and answers ---------------------------------------------

_QUESTIONS = (
    "Quel est le nom de mon animal de compagnie ?",
    "Dans quelle ville suis-je né ?",
    "Quel était le nom de mon école primaire ?",
    "What was my first car?",
)


def secret_questions() -> st.SearchStrategy[str]:
    """Secret questions the library accepts: 5 to 200 printable characters."""
    return st.one_of(
        st.sampled_from(_QUESTIONS),
        _free_text(1, 12).filter(lambda s: 5 <= len(" ".join(s.split())) <= 200),
    )


def invalid_secret_questions() -> st.SearchStrategy[Refusal]:
    """Questions refused: blank (``required``), under 5 or over 200 characters, unprintable."""
    short = st.text(alphabet=string.ascii_letters + "?", min_size=1, max_size=4)
    return st.one_of(
        _invalid_text(secret_questions(), 200), short.map(lambda s: (s, InvalidInput.code))
    )


def secret_answers() -> st.SearchStrategy[str]:
    """Answers the library accepts: printable, at most 200, 2 or more once accents are dropped."""
    word = st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=2, max_size=15)
    return st.one_of(
        st.sampled_from(["Médor", "Paris", "12 rue des Lilas", "Zoé", "42"]),
        st.lists(word, min_size=1, max_size=6).map(" ".join),
    )


def invalid_secret_answers() -> st.SearchStrategy[Refusal]:
    """Answers refused: blank (``required``), one letter, over 200 characters, unprintable."""
    single = st.sampled_from(["a", "é", " Z ", "e\u0301"])
    return st.one_of(
        _invalid_text(secret_answers(), 200), single.map(lambda s: (s, InvalidInput.code))
    )


# --- passwords -----------------------------------------------------------------

_UPPER = string.ascii_uppercase
_LOWER = string.ascii_lowercase
_DIGIT_CHARS = string.digits
# Special for the portal: punctuation, spaces, accented letters.
_SPECIAL = "!#%&()*+,-./:;<=>?@[]^_{|}~ éàçÉèù€"
_ANY = _UPPER + _LOWER + _DIGIT_CHARS + _SPECIAL + "ßøæΩжé漢"
_CONTROL = "\x00\t\n\r\x1b\x7f\u200b\u200e\u202e\u2066\ufeff\u00ad"


@st.composite
def _mixed(draw: st.DrawFn, size: int) -> str:
    """``size`` characters (4 or more) with each of the four groups, ending with a letter."""
    groups = [draw(st.sampled_from(chars)) for chars in (_UPPER, _LOWER, _DIGIT_CHARS, _SPECIAL)]
    rest = draw(st.text(alphabet=_ANY, min_size=size - 5, max_size=size - 5))
    middle = draw(st.permutations([*groups, *rest]))
    # A final letter: the common-password rule strips trailing digits and
    # punctuation, so a password never ends as a listed word plus decoration.
    return "".join(middle) + draw(st.sampled_from(_LOWER + "é"))


def accepted_passwords(
    policy: PasswordPolicy | None = None, *, login_email: str | None = None
) -> st.SearchStrategy[str]:
    """Passwords ``policy`` accepts (by default the library's, 12 characters).

    Each has the four groups of characters, a length between the minimum
    and 40 more (within the maximum), no control character, and does not
    contain ``login_email``. A draw that should happen to be in the policy's
    list of common passwords is drawn again. The strength meter plays no
    part: it is a hint shown to the user, never a rule.
    """
    chosen = _policy(policy)
    _arguments.text(login_email, "login_email", optional=True)
    low = max(chosen.min_length, 5)
    high = max(low, min(chosen.max_length, chosen.min_length + 40))
    return (
        st.integers(low, high)
        .flatmap(_mixed)
        .filter(lambda password: chosen.is_valid(password, login_email=login_email))
    )


def _policy(policy: object) -> PasswordPolicy:
    chosen = _arguments.policy(policy)
    if chosen is not None:
        return chosen
    # Here, not at import: the default policy's list of common passwords is zxcvbn's.
    from ...adapters.strength import default_policy

    return default_policy()


def _common_words(policy: PasswordPolicy) -> list[str]:
    # Letters only, so that adding case, digits and "!" keeps the word findable.
    return sorted(w for w in policy.common_passwords if w.isascii() and w.isalpha() and len(w) > 2)


def refused_passwords(
    policy: PasswordPolicy | None = None, *, login_email: str | None = None
) -> st.SearchStrategy[tuple[str, str]]:
    """``(password, reason)``: a password ``policy`` refuses for that reason, and that one only.

    Reasons are the policy's own codes (:data:`~chorus_onboarding.domain.passwords.REASONS`):
    ``too_short``, ``too_long``, ``not_enough_groups``, ``common_password``,
    ``control_character``, and ``contains_login_email`` when ``login_email``
    is given (check the password with it). A reason the policy cannot give
    alone (``too_short`` when it asks one character) is never drawn.
    """
    chosen = _policy(policy)
    _arguments.text(login_email, "login_email", optional=True)
    return _refused_passwords(chosen, login_email)


@st.composite
def _refused_passwords(
    draw: st.DrawFn, chosen: PasswordPolicy, login_email: str | None
) -> tuple[str, str]:
    reasons = ["too_long", "control_character"]
    if chosen.min_length > 5:
        reasons.append("too_short")
    if chosen.min_groups > 1:
        reasons.append("not_enough_groups")
    words = _common_words(chosen)
    if words:
        reasons.append("common_password")
    local = None if login_email is None else login_email.strip().rpartition("@")[0]
    if login_email is not None and login_email.strip():
        reasons.append("contains_login_email")
    reason = draw(st.sampled_from(reasons))
    fits = accepted_passwords(chosen, login_email=login_email)
    if reason == "too_short":
        password = draw(st.integers(5, chosen.min_length - 1).flatmap(_mixed))
    elif reason == "too_long":
        password = draw(st.integers(chosen.max_length + 1, chosen.max_length + 20).flatmap(_mixed))
    elif reason == "not_enough_groups":
        size = draw(st.integers(chosen.min_length, chosen.min_length + 10))
        password = draw(st.text(alphabet="zqwkyjv", min_size=size, max_size=size))
    elif reason == "common_password":
        word = draw(st.sampled_from(words))
        decoration = draw(st.sampled_from(["!", "?", ".", "#"]))
        stem = word[0].upper() + word[1:] + "1" + decoration
        padding = max(0, chosen.min_length - len(stem))
        password = stem[:-1] + "2" * padding + decoration
    elif reason == "control_character":
        password = draw(_unprintable_password(fits))
    else:
        assert login_email is not None
        part = login_email.strip() if not local or len(local) < 4 else local
        if draw(st.booleans()):
            part = part.upper()
        password = draw(fits) + part
    # What the construction cannot rule out by itself (a random string that
    # is also a listed password, a long address making it too long) is drawn again.
    if chosen.check(password, login_email=login_email) != (reason,):
        reject()
    return password, reason


@st.composite
def _unprintable_password(draw: st.DrawFn, fits: st.SearchStrategy[str]) -> str:
    password = draw(fits)
    position = draw(st.integers(1, len(password) - 1))
    return password[:position] + draw(st.sampled_from(_CONTROL)) + password[position:]


# --- actors --------------------------------------------------------------------


def account_ids() -> st.SearchStrategy[str]:
    """Account ids as the library's id port makes them (text, at most 200 characters)."""
    return st.one_of(
        st.uuids().map(str),
        st.integers(1, 10**9).map(lambda n: f"id-{n}"),
        st.text(alphabet=string.ascii_letters + string.digits + "-_:", min_size=1, max_size=40),
    )


def users(among: Collection[str] | None = None) -> st.SearchStrategy[Actor]:
    """Signed-in users: their account is one of ``among`` if given (a host's accounts), else any id."""
    chosen = _arguments.texts(among, "among")
    ids = st.sampled_from(chosen) if chosen else account_ids()
    return ids.map(Actor.user)


def support_agents() -> st.SearchStrategy[Actor]:
    """Agents of the support team, named by up to 100 printable characters."""
    name = person_names().map(lambda s: " ".join(s.split())).filter(lambda s: len(s) <= 100)
    return st.one_of(st.just(Actor.support()), name.map(Actor.support))


def actors(among: Collection[str] | None = None) -> st.SearchStrategy[Actor]:
    """Users (whose accounts are ``among``, if given) and support agents."""
    return st.one_of(users(among), support_agents())
