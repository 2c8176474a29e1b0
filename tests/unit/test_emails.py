"""Email addresses: syntax, normalisation, case-insensitive identity."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chorus_onboarding.domain.emails import EmailAddress, confirmed_login_email
from chorus_onboarding.domain.errors import EmailConfirmationMismatch, InvalidEmail


def test_an_address_keeps_its_local_part_and_lowers_its_domain() -> None:
    assert EmailAddress.parse("  Louise.Galfe@Exemple.FR ").value == "Louise.Galfe@exemple.fr"


def test_identity_ignores_case_entirely() -> None:
    assert EmailAddress.parse("LOUISE@exemple.fr") == EmailAddress.parse("louise@EXEMPLE.fr")
    assert len({EmailAddress.parse("a@b.fr"), EmailAddress.parse("A@B.FR")}) == 1


def test_an_accented_domain_is_stored_in_its_ascii_form() -> None:
    assert EmailAddress.parse("marie@café.fr").value == "marie@xn--caf-dma.fr"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("louise", "format"),
        ("@exemple.fr", "format"),
        ("louise@", "domain"),
        ("louise@exemple", "domain"),
        ("lou ise@exemple.fr", "local_part"),
        ("louise..galfe@exemple.fr", "local_part"),
        ("louise@-exemple.fr", "domain"),
        ("louise@exemple.123", "domain"),
        ("a" * 65 + "@exemple.fr", "local_part"),
        ("a@" + "b" * 250 + ".fr", "length"),
        (42, "type"),
    ],
)
def test_malformed_addresses_are_refused_with_a_reason(text: object, reason: str) -> None:
    with pytest.raises(InvalidEmail) as refused:
        EmailAddress.parse(text, field="login_email")
    assert refused.value.params["reason"] == reason
    assert refused.value.field == "login_email"
    assert not EmailAddress.is_valid(text)


def test_the_confirmation_must_be_the_same_address() -> None:
    assert (
        confirmed_login_email("louise@exemple.fr", "LOUISE@exemple.fr").value == "louise@exemple.fr"
    )
    for confirmation in ("louis@exemple.fr", "", None, "not an email", 3):
        with pytest.raises(EmailConfirmationMismatch):
            confirmed_login_email("louise@exemple.fr", confirmation)


# --- internationalised domains: IDNA 2008 / UTS 46 ------------------------------


def test_sharp_s_keeps_its_own_domain_as_mail_systems_send_to_it() -> None:
    # IDNA 2003 mapped "ß" to "ss": straße.de and strasse.de are two domains.
    email = EmailAddress.parse("hans@straße.de")
    assert email.value == "hans@xn--strae-oqa.de"
    assert email != EmailAddress.parse("hans@strasse.de")


@pytest.mark.parametrize(
    "typed", ["marie@café.fr", "marie@CAFÉ.FR", "Marie@xn--caf-dma.fr", "marie@ＣＡＦÉ.fr"]
)
def test_a_domain_in_unicode_or_ascii_form_is_one_address(typed: str) -> None:
    assert EmailAddress.parse(typed) == EmailAddress("marie@xn--caf-dma.fr")
    assert EmailAddress.parse(typed).value.endswith("@xn--caf-dma.fr")


@pytest.mark.parametrize(
    "text",
    [
        "marie@xn--abc.fr",  # looks like an A-label, decodes to nothing valid
        "marie@ab--cd.fr",  # reserved: two letters then "--"
        "marie@exemple.test",  # special-use names reach no mailbox
        "marie@machine.local",
        "marie@localhost",
        "marie@exemple.c1",  # top-level domains end with a letter
        "marie@ex\u00ademple.fr",  # a soft hyphen hides in the domain
    ],
)
def test_domains_mail_cannot_reach_are_refused(text: str) -> None:
    with pytest.raises(InvalidEmail) as refused:
        EmailAddress.parse(text)
    assert refused.value.params["reason"] == "domain"


def test_a_non_ascii_local_part_is_refused_since_delivery_needs_smtputf8_everywhere() -> None:
    for text in ("élodie@exemple.fr", "张伟@exemple.fr", "jose\u0301@exemple.fr"):
        with pytest.raises(InvalidEmail) as refused:
            EmailAddress.parse(text, field="login_email")
        assert refused.value.params["reason"] == "local_part"


def test_the_local_part_is_kept_as_typed_even_for_role_names() -> None:
    assert EmailAddress.parse("Postmaster@Exemple.fr").value == "Postmaster@exemple.fr"


@pytest.mark.parametrize(
    "text", ['"louise galfe"@exemple.fr', "Louise <louise@exemple.fr>", "louise@[192.0.2.1]"]
)
def test_quoted_local_parts_display_names_and_ip_literals_are_refused(text: str) -> None:
    assert not EmailAddress.is_valid(text)


# --- an address is valid however it is built ------------------------------------


def test_building_an_address_directly_validates_and_normalises_it() -> None:
    assert EmailAddress("  Louise@Exemple.FR ").value == "Louise@exemple.fr"
    assert EmailAddress("hans@straße.de").value == "hans@xn--strae-oqa.de"
    for junk, reason in [
        ("not an email", "format"),
        ("", "empty"),
        ("louise@exemple", "domain"),
        ("é@exemple.fr", "local_part"),
        (None, "type"),
        (b"louise@exemple.fr", "type"),
    ]:
        with pytest.raises(InvalidEmail) as refused:
            EmailAddress(junk)
        assert refused.value.params["reason"] == reason
        assert isinstance(refused.value, ValueError)


def test_an_address_loaded_in_normal_form_is_kept_as_it_is() -> None:
    for stored in ("Louise.Galfe@exemple.fr", "marie@xn--caf-dma.fr", "a+tag@sub.exemple.co.uk"):
        assert EmailAddress(stored).value == stored


# Text near the shape of an address: the characters that matter to each
# check (dots, hyphens, "xn--", case, non-ASCII, spaces, reserved names).
_NEAR_LOCAL = st.text(alphabet='aZ0.+-_é "<', min_size=0, max_size=70)
_NEAR_DOMAIN = st.one_of(
    st.text(alphabet="abXN1-.éß\u00ad ", min_size=0, max_size=40),
    st.lists(
        st.sampled_from(["xn--caf-dma", "xn--abc", "exemple", "EXEMPLE", "ab--c", "test", "fr"]),
        min_size=1,
        max_size=4,
    ).map(".".join),
)
_NEAR_ADDRESSES = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", _NEAR_LOCAL, _NEAR_DOMAIN),
    st.emails(),
    st.text(),
)


@settings(max_examples=500)
@given(_NEAR_ADDRESSES)
def test_building_an_address_succeeds_exactly_when_is_valid_accepts_the_text(text: str) -> None:
    if EmailAddress.is_valid(text):
        built = EmailAddress(text)
        assert built.value == EmailAddress.validate(text)
        # The normal form is a fixed point: loading it back changes nothing.
        assert EmailAddress(built.value).value == built.value
    else:
        with pytest.raises(InvalidEmail):
            EmailAddress(text)


@given(st.emails())
def test_any_valid_address_built_two_ways_is_equal(text: str) -> None:
    assume(EmailAddress.is_valid(text))
    parsed = EmailAddress.parse(text)
    built = EmailAddress(text)
    assert parsed == built
    assert parsed.value == built.value
    assert hash(parsed) == hash(built)
    assert EmailAddress(text.upper()) == built
