"""The password policy, the built-in common list and the zxcvbn strength meter."""

from __future__ import annotations

import copy
import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from chorus_onboarding import OnboardingSettings
from chorus_onboarding.adapters.strength import (
    ZxcvbnStrengthMeter,
    default_policy,
    extended_common_passwords,
)
from chorus_onboarding.domain.common_passwords import COMMON_PASSWORDS
from chorus_onboarding.domain.errors import InvalidInput, PasswordRejected
from chorus_onboarding.domain.passwords import (
    REASONS,
    STRENGTH_LABELS,
    CharacterGroup,
    LazyCommonPasswords,
    PasswordPolicy,
    PasswordStrength,
    character_groups,
)

POLICY = PasswordPolicy.default()
SEEDS = PasswordPolicy.seeds()
GOOD = "Tulipe-Verte-42"  # 15 characters, 4 groups, not common


# --- the character groups ----------------------------------------------------


def test_a_password_with_every_group_has_all_four() -> None:
    assert character_groups("aA1!") == set(CharacterGroup)


def test_accented_letters_are_special_characters_not_letters() -> None:
    assert character_groups("éééééééé1Aa") == set(CharacterGroup)
    assert character_groups("àçÉ") == {CharacterGroup.SPECIAL}


def test_spaces_and_non_breaking_spaces_are_special_characters() -> None:
    assert character_groups(" \u00a0") == {CharacterGroup.SPECIAL}


def test_non_ascii_digits_and_letters_are_special_characters() -> None:
    """Only ASCII counts as digit or letter: Arabic-Indic three and Greek alpha are special."""
    assert character_groups("\u0663\u03b1\u0391") == {CharacterGroup.SPECIAL}


def test_control_characters_belong_to_no_group() -> None:
    assert character_groups("\x00\n\t\u200b\u00ad") == frozenset()


def test_character_groups_refuses_what_is_not_text() -> None:
    with pytest.raises(InvalidInput):
        character_groups(b"abc")  # type: ignore[arg-type]


# --- each reason -------------------------------------------------------------


def test_an_acceptable_password_breaks_no_rule() -> None:
    assert POLICY.check(GOOD) == ()
    assert POLICY.is_valid(GOOD)
    assert POLICY.validate(GOOD) is GOOD


def test_a_password_under_the_minimum_length_is_too_short() -> None:
    assert POLICY.check("Tulipe-Ve1") == ("too_short",)


def test_the_minimum_length_itself_is_enough() -> None:
    assert POLICY.check("Tulipe-Ver1x") == ()


def test_a_password_of_128_characters_is_accepted() -> None:
    password = "Aa1!" + "x" * 124
    assert len(password) == 128
    assert POLICY.check(password) == ()


def test_a_password_of_129_characters_is_too_long() -> None:
    password = "Aa1!" + "x" * 125
    assert POLICY.check(password) == ("too_long",)


def test_nothing_is_truncated_so_the_last_character_counts() -> None:
    """Two 128-character passwords differing only at the end stay different."""
    first = "Aa1!" + "x" * 123 + "y"
    second = first[:-1] + "z"
    assert POLICY.validate(first) == first
    assert POLICY.validate(second) == second
    assert POLICY.validate(first) != POLICY.validate(second)


def test_length_counts_code_points_without_normalisation() -> None:
    """ "é" decomposed is two code points, so 11 visible characters make 12."""
    decomposed = "Tulipe-Ve" + "e\u0301" + "1"
    assert len(decomposed) == 12
    assert POLICY.check(decomposed) == ()
    assert POLICY.validate(decomposed) == decomposed


def test_two_groups_are_not_enough() -> None:
    assert POLICY.check("tulipeverte42") == ("not_enough_groups",)


def test_lower_case_with_accents_makes_only_two_groups() -> None:
    assert character_groups("motdepassééé") == {CharacterGroup.LOWER, CharacterGroup.SPECIAL}
    assert POLICY.check("motdepassééé") == ("not_enough_groups",)


def test_accents_complete_the_third_group() -> None:
    assert POLICY.check("Tulipeverteé") == ()


def test_a_password_containing_the_login_email_is_refused() -> None:
    reasons = POLICY.check("X1-Jean.Dupont@Exemple.fr", login_email="jean.dupont@exemple.fr")
    assert reasons == ("contains_login_email",)


def test_a_password_containing_the_local_part_is_refused() -> None:
    assert POLICY.check("Zz9-JEAN.dupont", login_email="jean.dupont@exemple.fr") == (
        "contains_login_email",
    )


def test_a_local_part_of_four_characters_is_enough_to_refuse() -> None:
    assert POLICY.check("Tulipe-JEAN-42", login_email="jean@exemple.fr") == (
        "contains_login_email",
    )


def test_a_local_part_under_four_characters_is_ignored() -> None:
    assert POLICY.check("Tulipe-Jo-42xx", login_email="jo@exemple.fr") == ()


def test_the_login_email_is_matched_without_regard_to_case() -> None:
    assert POLICY.check("Tulipe-Jean-42", login_email="JEAN@EXEMPLE.FR") == (
        "contains_login_email",
    )


def test_a_blank_login_email_never_matches() -> None:
    assert POLICY.check("Tulipe Verte 42", login_email=" ") == ()
    assert POLICY.check(GOOD, login_email="") == ()


def test_a_common_password_is_refused_whatever_its_case() -> None:
    assert "common_password" in POLICY.check("AZERTYUIOP")


def test_a_common_password_with_trailing_digits_and_punctuation_is_refused() -> None:
    assert POLICY.check("Azerty123!") == ("too_short", "common_password")
    assert POLICY.check("MotDePasse2024") == ("common_password",)
    assert SEEDS.check("Soleil2024!") == ("common_password",)


def test_a_common_word_inside_a_longer_password_is_not_common() -> None:
    """The rule is whole-password only, to stay simple and predictable."""
    assert POLICY.check("Soleil-Levant-42") == ()


def test_a_common_password_with_leading_digits_is_not_stripped() -> None:
    assert POLICY.check("2024Marseille!") == ()


def test_control_characters_are_refused() -> None:
    for control in ("\x00", "\n", "\t", "\u200b", "\u00ad", "\u202e"):
        assert POLICY.check(GOOD + control) == ("control_character",), repr(control)


def test_a_lone_surrogate_is_refused_as_a_control_character() -> None:
    assert POLICY.check(GOOD + "\ud800") == ("control_character",)


def test_every_broken_rule_is_listed_in_the_fixed_order() -> None:
    reasons = POLICY.check("jean\x00", login_email="jean@exemple.fr")
    assert reasons == (
        "too_short",
        "not_enough_groups",
        "contains_login_email",
        "control_character",
    )


def test_five_reasons_at_once_come_in_the_fixed_order() -> None:
    """Five is the most at once: too short and too long exclude each other."""
    policy = PasswordPolicy(common_passwords={"soleil\x00"})
    assert policy.check("soleil\x00", login_email="soleil\x00@exemple.fr") == (
        "too_short",
        "not_enough_groups",
        "contains_login_email",
        "common_password",
        "control_character",
    )


def test_too_long_comes_first_when_the_password_is_too_long() -> None:
    assert POLICY.check("x" * 129 + "\x00") == (
        "too_long",
        "not_enough_groups",
        "control_character",
    )


def test_the_reason_codes_are_the_documented_ones() -> None:
    assert REASONS == (
        "too_short",
        "too_long",
        "not_enough_groups",
        "contains_login_email",
        "common_password",
        "control_character",
    )


def test_validate_raises_with_every_reason() -> None:
    with pytest.raises(PasswordRejected) as raised:
        POLICY.validate("azerty")
    assert raised.value.reasons == ("too_short", "not_enough_groups", "common_password")
    assert raised.value.field == "password"
    assert not POLICY.is_valid("azerty")


# --- presets and construction ------------------------------------------------


def test_the_seeds_preset_accepts_eight_characters() -> None:
    assert SEEDS.min_length == 8
    assert SEEDS.check("Tulip-42") == ()
    assert SEEDS.check("Tulip-4") == ("too_short",)


def test_the_default_preset_asks_twelve_characters_of_three_groups() -> None:
    assert (POLICY.min_length, POLICY.max_length, POLICY.min_groups) == (12, 128, 3)
    assert PasswordPolicy() == POLICY
    assert POLICY.check("Tulip-42") == ("too_short",)


@pytest.mark.parametrize(
    "arguments",
    [
        {"min_length": 0},
        {"min_length": True},
        {"min_length": 12.0},
        {"max_length": 127},
        {"max_length": "128"},
        {"min_length": 200, "max_length": 150},
        {"min_groups": 0},
        {"min_groups": 5},
        {"common_passwords": "azerty"},
        {"common_passwords": {"azerty", 1}},
    ],
)
def test_a_policy_with_impossible_settings_is_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        PasswordPolicy(**arguments)  # type: ignore[arg-type]


def test_a_policy_may_ask_more_than_128_characters_at_most() -> None:
    policy = PasswordPolicy(min_length=130, max_length=130)
    assert policy.check("Aa1!" + "x" * 126) == ()


def test_common_passwords_given_in_any_case_are_casefolded() -> None:
    policy = PasswordPolicy(common_passwords={"Tulipe-Verte"})
    assert policy.common_passwords == {"tulipe-verte"}
    assert policy.check("TULIPE-VERTE-42") == ("common_password",)


def test_the_policy_is_immutable() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        POLICY.min_length = 4  # type: ignore[misc]


@pytest.mark.parametrize("junk", [None, 1, b"x", [], 12.5])
def test_what_is_not_text_is_invalid_input(junk: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        POLICY.check(junk)
    assert raised.value.field == "password"
    with pytest.raises(InvalidInput):
        POLICY.validate(junk)
    with pytest.raises(InvalidInput):
        POLICY.is_valid(junk)


def test_a_login_email_that_is_not_text_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        POLICY.check(GOOD, login_email=b"jean@exemple.fr")  # type: ignore[arg-type]
    assert raised.value.field == "login_email"


# --- the built-in common list ------------------------------------------------


def test_the_built_in_list_is_casefolded_and_of_a_reasonable_size() -> None:
    assert 150 <= len(COMMON_PASSWORDS) <= 300
    assert all(entry == entry.casefold() and entry.strip() for entry in COMMON_PASSWORDS)


def test_the_built_in_list_holds_french_and_english_favourites() -> None:
    for word in ("azerty", "motdepasse", "soleil", "bonjour", "choruspro", "password", "123456"):
        assert word in COMMON_PASSWORDS


# --- the extended list and the wired policy ----------------------------------


def test_the_extended_list_holds_zxcvbn_top_entries_and_the_built_in_list() -> None:
    extended = extended_common_passwords()
    top = FREQUENCY_LISTS["passwords"]
    assert set(top[:10_000]) <= extended
    assert extended >= COMMON_PASSWORDS
    assert top[10_000] not in extended or top[10_000] in COMMON_PASSWORDS


def test_the_extended_list_honours_its_limit() -> None:
    assert extended_common_passwords(0) == COMMON_PASSWORDS
    assert extended_common_passwords(3) == COMMON_PASSWORDS | {"123456", "password", "12345678"}


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(InvalidInput):
        extended_common_passwords(-1)


def test_the_wired_policy_refuses_a_password_only_zxcvbn_knows() -> None:
    only_in_zxcvbn = next(
        word
        for word in FREQUENCY_LISTS["passwords"][:10_000]
        if word.isalpha() and word not in COMMON_PASSWORDS
    )
    assert default_policy().common_passwords >= {only_in_zxcvbn}
    assert "common_password" in default_policy().check(only_in_zxcvbn.upper() + "2024!")
    assert "common_password" not in POLICY.check(only_in_zxcvbn.upper() + "2024!")


def test_the_wired_policies_ask_twelve_or_eight_characters() -> None:
    assert default_policy().min_length == 12
    assert default_policy(seeds=True).min_length == 8


# --- the strength meter ------------------------------------------------------

METER = ZxcvbnStrengthMeter()


def test_a_passphrase_scores_higher_than_a_common_password() -> None:
    weak = METER.estimate("password")
    strong = METER.estimate("correct horse battery staple 9!")
    assert weak.score < strong.score
    assert weak.guesses_log10 < strong.guesses_log10


def test_the_label_is_french() -> None:
    assert METER.estimate("password").label == "Très faible"
    assert METER.estimate("correct horse battery staple 9!").label == "Très fort"
    assert STRENGTH_LABELS == ("Très faible", "Faible", "Moyen", "Fort", "Très fort")


def test_zxcvbn_feedback_is_passed_through() -> None:
    strength = METER.estimate("password")
    assert strength.warning
    assert strength.suggestions


def test_the_empty_password_scores_zero() -> None:
    strength = METER.estimate("")
    assert (strength.score, strength.label) == (0, "Très faible")
    assert strength.suggestions


def test_user_inputs_lower_the_score() -> None:
    plain = METER.estimate("Gribouillard1987")
    known = METER.estimate("Gribouillard1987", ["gribouillard@exemple.fr", "gribouillard"])
    assert known.guesses_log10 < plain.guesses_log10


def test_a_single_string_user_input_is_one_input_not_characters() -> None:
    as_string = METER.estimate("Gribouillard1987", "gribouillard")
    as_list = METER.estimate("Gribouillard1987", ["gribouillard"])
    assert as_string == as_list


def test_a_very_long_password_is_scored_on_its_first_100_characters_quickly() -> None:
    long_password = "Tulipe verte, 42 pétales ! " * 4_000
    started = time.perf_counter()
    strength = METER.estimate(long_password)
    elapsed = time.perf_counter() - started
    assert strength == METER.estimate(long_password[:100])
    assert elapsed < 5


def test_the_input_cap_is_configurable_and_checked() -> None:
    assert ZxcvbnStrengthMeter(max_input_length=8).estimate("password" + "x" * 50).score == 0
    with pytest.raises(InvalidInput):
        ZxcvbnStrengthMeter(max_input_length=0)


def test_the_meter_refuses_what_is_not_text() -> None:
    with pytest.raises(InvalidInput):
        METER.estimate(None)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_the_meter_never_raises_on_text(password: str) -> None:
    strength = METER.estimate(password)
    assert 0 <= strength.score <= 4
    assert strength.label == STRENGTH_LABELS[strength.score]


def test_a_strength_value_keeps_score_and_label_consistent() -> None:
    assert PasswordStrength.of(3, guesses_log10=9.0).label == "Fort"
    with pytest.raises(InvalidInput):
        PasswordStrength(score=3, label="Faible", guesses_log10=9.0)
    with pytest.raises(InvalidInput):
        PasswordStrength.of(5, guesses_log10=9.0)


def test_a_strength_value_keeps_its_texts_and_numbers_as_given() -> None:
    strength = PasswordStrength.of(
        1, guesses_log10=3, warning="Short", suggestions=iter(["Add a word"])
    )
    assert (strength.guesses_log10, strength.warning, strength.suggestions) == (
        3,
        "Short",
        ("Add a word",),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"guesses_log10": -1.0}, "guesses_log10"),
        ({"guesses_log10": float("nan")}, "guesses_log10"),
        ({"guesses_log10": float("inf")}, "guesses_log10"),
        ({"guesses_log10": "9"}, "guesses_log10"),
        ({"guesses_log10": True}, "guesses_log10"),
        ({"warning": None}, "warning"),
        ({"warning": ["Short"]}, "warning"),
        ({"suggestions": "Add a word"}, "suggestions"),
        ({"suggestions": 5}, "suggestions"),
        ({"suggestions": ["Add a word", None]}, "suggestions"),
    ],
)
def test_a_strength_value_refuses_junk_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    values: dict[str, Any] = {"guesses_log10": 9.0, **changes}
    with pytest.raises(InvalidInput) as refused:
        PasswordStrength(score=3, label="Fort", **values)
    assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        PasswordStrength.of(3, **values)
    assert refused.value.field == field


# --- the lazily loaded list --------------------------------------------------


def _tulipes() -> list[str]:
    # Module level, so that a pickled lazy list can name it.
    return ["Tulipe", "ROSE"]


class _CountingLoad:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[str]:
        self.calls += 1
        time.sleep(0.01)  # widens the window in which threads could race
        return _tulipes()


def test_a_lazy_list_loads_on_first_use_once_whatever_the_threads() -> None:
    load = _CountingLoad()
    lazy = LazyCommonPasswords(load)
    policy = PasswordPolicy(common_passwords=lazy)
    assert policy.common_passwords is lazy
    assert attrs.evolve(policy, min_length=20).common_passwords is lazy
    assert (load.calls, lazy.loaded) == (0, False)
    barrier = threading.Barrier(8)

    def check() -> bool:
        barrier.wait()
        return "common_password" in policy.check("ROSE")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(lambda _: check(), range(8)))
    assert (load.calls, lazy.loaded) == (1, True)


def test_a_lazy_list_is_casefolded_and_equal_to_the_same_set() -> None:
    lazy = LazyCommonPasswords(_tulipes)
    assert lazy == {"tulipe", "rose"}
    assert frozenset({"tulipe", "rose"}) == lazy
    assert lazy != {"tulipe"}
    assert lazy == LazyCommonPasswords(lambda: ["tulipe", "rose"])
    assert hash(lazy) == hash(frozenset({"tulipe", "rose"}))
    assert sorted(lazy) == ["rose", "tulipe"]
    union = lazy | {"lys"}
    assert type(union) is frozenset
    assert union == {"tulipe", "rose", "lys"}
    assert PasswordPolicy(common_passwords=lazy) == PasswordPolicy(
        common_passwords={"Rose", "tulipe"}
    )


def test_a_lazy_list_checks_what_it_loads_when_it_loads_it() -> None:
    lazy = LazyCommonPasswords(lambda: ["azerty", 1])  # type: ignore[list-item]
    policy = PasswordPolicy(common_passwords=lazy)
    with pytest.raises(InvalidInput):
        policy.check("azerty")
    assert not lazy.loaded
    with pytest.raises(InvalidInput):
        LazyCommonPasswords("azerty")  # type: ignore[arg-type]


def test_a_lazy_list_copies_and_pickles_unloaded() -> None:
    policy = PasswordPolicy(common_passwords=LazyCommonPasswords(_tulipes))
    assert "rose" in policy.common_passwords  # loads the original
    for twin in (copy.deepcopy(policy), pickle.loads(pickle.dumps(policy))):
        assert isinstance(twin.common_passwords, LazyCommonPasswords)
        assert not twin.common_passwords.loaded
        assert twin == policy


def test_the_wired_policy_holds_the_extended_list_lazily() -> None:
    common = default_policy().common_passwords
    assert isinstance(common, LazyCommonPasswords)
    assert default_policy(seeds=True).common_passwords is common
    assert common == extended_common_passwords()
    assert OnboardingSettings().password_policy == default_policy()
