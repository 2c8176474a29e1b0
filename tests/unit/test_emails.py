"""Email addresses: syntax, normalisation, case-insensitive identity."""

from __future__ import annotations

import pytest

from chorus_onboarding import EmailAddress
from chorus_onboarding.domain.emails import confirmed_login_email
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
