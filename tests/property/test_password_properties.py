"""Property-based tests: the password policy against an independent oracle."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chorus_onboarding.domain.errors import PasswordRejected
from chorus_onboarding.domain.passwords import PasswordPolicy, character_groups

# --- the oracle: the rules restated plainly, sharing no code with the module ---

# Every character the generator may emit that the portal must refuse: C0
# controls, DEL, zero-width space and joiner, soft hyphen, BOM, a bidi
# override, a lone surrogate.
CONTROLS = "\x00\t\n\r\x1b\x7f\u200b\u200d\u00ad\ufeff\u202e\ud800"
ACCENTED = "éèêàçùôÉÀÇßẞœŒİ"
OTHER_PRINTABLE = " \u00a0\u0663α😀€"
ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
CLASSES = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    ASCII_PUNCTUATION,
    ACCENTED,
    OTHER_PRINTABLE,
    CONTROLS,
)
ALPHABET = "".join(CLASSES)

# Mixed case on purpose: the policy must casefold what it is given.
COMMON = frozenset({"Soleil", "azerty", "MotDePasse", "ß-secret", "1234", "chorus pro"})

TRAILING_DECORATION = re.compile(r"[0-9!-/:-@\[-`{-~]+\Z")
LOCAL_PART = re.compile(r"(.*)@[^@]*", re.DOTALL)


def oracle_groups(password: str) -> set[str]:
    """The names of the groups present, by pattern matching one character at a time."""
    groups = set()
    for char in password:
        if re.fullmatch("[A-Z]", char):
            groups.add("upper")
        elif re.fullmatch("[a-z]", char):
            groups.add("lower")
        elif re.fullmatch("[0-9]", char):
            groups.add("digit")
        elif char not in CONTROLS:
            groups.add("special")
    return groups


def oracle(
    password: str,
    login_email: str | None,
    *,
    min_length: int,
    max_length: int,
    min_groups: int,
) -> list[str]:
    """The reasons, computed from the written rules without the module's help."""
    reasons = []
    if len(password) < min_length:
        reasons.append("too_short")
    if len(password) > max_length:
        reasons.append("too_long")

    if len(oracle_groups(password)) < min_groups:
        reasons.append("not_enough_groups")

    folded = password.casefold()
    if login_email is not None:
        email = login_email.strip().casefold()
        contained = email != "" and email in folded
        match = LOCAL_PART.fullmatch(email)
        if match is not None and len(match.group(1)) >= 4 and match.group(1) in folded:
            contained = True
        if contained:
            reasons.append("contains_login_email")

    common = {word.casefold() for word in COMMON}
    if folded in common or TRAILING_DECORATION.sub("", folded) in common:
        reasons.append("common_password")

    for char in password:
        if char in CONTROLS:
            reasons.append("control_character")
            break
    return reasons


# --- generators ---------------------------------------------------------------

# Lengths cluster around the limits that matter (8, 12, 128) as well as anywhere.
lengths = st.one_of(
    st.sampled_from([0, 1, 7, 8, 9, 11, 12, 13, 127, 128, 129, 130]),
    st.integers(min_value=0, max_value=140),
)

emails = st.one_of(
    st.none(),
    st.builds(
        "{}@{}".format,
        st.text(alphabet="abcdefgjlmnopstuxyzABJMß0123456789._-é", min_size=1, max_size=8),
        st.sampled_from(["exemple.fr", "chorus-pro.gouv.fr", "x.io"]),
    ),
    # Odd values a caller may pass: blank, no "@", several "@".
    st.text(alphabet="ab@ .", max_size=10),
)


@st.composite
def passwords_and_emails(draw: st.DrawFn) -> tuple[str, str | None]:
    """A password of chosen length, sometimes holding a common word or the email."""
    login_email = draw(emails)
    size = draw(lengths)
    # A few characters of a few classes make group counts land on the
    # threshold, where one misclassified character (say "É" taken as upper
    # case) changes the verdict.
    classes = draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=4))
    few = "".join(draw(st.sampled_from(chars)) for chars in classes)
    alphabet = draw(st.sampled_from([ALPHABET, few]))
    base = draw(st.text(alphabet=alphabet, min_size=size, max_size=size))
    insertions = [st.sampled_from(sorted(COMMON))]
    if login_email:
        insertions.append(st.just(login_email))
        insertions.append(st.just(login_email.rpartition("@")[0]))
    inserted = draw(st.one_of(st.just(""), *insertions))
    if draw(st.booleans()):
        inserted = inserted.upper()
    decoration = draw(st.text(alphabet="0123456789!?.#", max_size=4))
    cut = draw(st.integers(min_value=0, max_value=len(base)))
    layout = draw(st.sampled_from(["alone", "front", "middle"]))
    if layout == "alone":
        password = inserted + decoration if inserted else base
    elif layout == "front":
        password = inserted + decoration + base
    else:
        password = base[:cut] + inserted + base[cut:]
    return password, login_email


policies = st.builds(
    PasswordPolicy,
    min_length=st.sampled_from([1, 8, 12, 20]),
    max_length=st.sampled_from([128, 129, 140]),
    min_groups=st.integers(min_value=1, max_value=4),
    common_passwords=st.just(COMMON),
)


# --- properties ---------------------------------------------------------------


@settings(max_examples=1000)
@given(policies, passwords_and_emails())
def test_the_policy_agrees_with_the_oracle(
    policy: PasswordPolicy, case: tuple[str, str | None]
) -> None:
    password, login_email = case
    expected = oracle(
        password,
        login_email,
        min_length=policy.min_length,
        max_length=policy.max_length,
        min_groups=policy.min_groups,
    )
    assert list(policy.check(password, login_email=login_email)) == expected


@given(policies, st.text(max_size=140), st.one_of(st.none(), st.text(max_size=20)))
def test_check_is_deterministic(
    policy: PasswordPolicy, password: str, login_email: str | None
) -> None:
    first = policy.check(password, login_email=login_email)
    twin = PasswordPolicy(
        min_length=policy.min_length,
        max_length=policy.max_length,
        min_groups=policy.min_groups,
        common_passwords=COMMON,
    )
    assert policy.check(password, login_email=login_email) == first
    assert twin.check(password, login_email=login_email) == first


@given(policies, passwords_and_emails())
def test_validate_raises_exactly_when_check_finds_reasons(
    policy: PasswordPolicy, case: tuple[str, str | None]
) -> None:
    password, login_email = case
    reasons = policy.check(password, login_email=login_email)
    if reasons:
        with pytest.raises(PasswordRejected) as raised:
            policy.validate(password, login_email=login_email)
        assert raised.value.reasons == reasons
        assert not policy.is_valid(password, login_email=login_email)
    else:
        assert policy.validate(password, login_email=login_email) is password
        assert policy.is_valid(password, login_email=login_email)


@settings(max_examples=500)
@given(passwords_and_emails())
def test_character_groups_agree_with_the_oracle(case: tuple[str, str | None]) -> None:
    password, _ = case
    assert {group.value for group in character_groups(password)} == oracle_groups(password)
