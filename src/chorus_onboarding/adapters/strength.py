"""The password strength meter (zxcvbn) and the policy wired with zxcvbn's word list.

The domain's :class:`~chorus_onboarding.domain.passwords.PasswordPolicy` is
pure and ships a short list of common passwords; this adapter owns everything
that needs the zxcvbn package: the "Complexité du mot de passe" gauge and the
longer list of common passwords.

zxcvbn itself is imported on first need only (the meter's first estimate, the
default policy's first check), so that importing the library, or building its
settings and services, does not pay for it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, Final

import attrs

from ..domain.common_passwords import COMMON_PASSWORDS
from ..domain.errors import InvalidInput
from ..domain.passwords import LazyCommonPasswords, PasswordPolicy, PasswordStrength

__all__ = [
    "DEFAULT_MAX_INPUT_LENGTH",
    "ZxcvbnStrengthMeter",
    "default_policy",
    "extended_common_passwords",
]

# zxcvbn's matching is super-linear: it tries every substring against its
# dictionaries once per combination of "l33t" substitutions that the input's
# characters allow, so the cost grows with the length and, much faster, with
# the number of distinct substitutable characters (@ 4 ! 1 3 0 $ 5 7 + | ...).
# Measured here: a 32-character input costs ~1 ms usually and ~0.5 s at worst
# (crafted to hold many such characters); 100 characters cost ~0.1 s usually
# and ~5 s at worst. Past 32 characters the score says nothing new (such a
# password is rated strong anyway), so the meter stops there. zxcvbn 4.5 also
# refuses inputs longer than its own ``max_length`` (72 by default), which we
# set to the cap.
DEFAULT_MAX_INPUT_LENGTH: Final = 32
"""How many leading characters of a password zxcvbn scores by default."""

# zxcvbn stores the user inputs of the call in a module-level dictionary and
# then reads it back: two threads estimating at once could see each other's
# inputs. Scoring is CPU-bound pure Python, so the lock costs no parallelism.
_ZXCVBN_LOCK: Final = threading.Lock()


def _check_max_input_length(_: Any, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(field="max_input_length", expected="un entier ≥ 1")


@attrs.frozen
class ZxcvbnStrengthMeter:
    """The strength meter backed by zxcvbn (Dropbox's estimator, Python port).

    The score, guesses and English ``warning``/``suggestions`` are zxcvbn's;
    the label is French. A password longer than ``max_input_length`` is scored
    on its first ``max_input_length`` characters only (the meter is a hint;
    the policy, which reads every character, decides what is accepted).
    """

    max_input_length: int = attrs.field(
        default=DEFAULT_MAX_INPUT_LENGTH, validator=_check_max_input_length
    )
    """The cap on what is handed to zxcvbn (see ``DEFAULT_MAX_INPUT_LENGTH``)."""

    def estimate(self, password: str, user_inputs: Sequence[str] = ()) -> PasswordStrength:
        """The strength of ``password``; ``user_inputs`` (names, email) count as guessable.

        Never raises for a str: the empty password scores 0. Raises
        :class:`InvalidInput` if ``password`` is not text.
        """
        if not isinstance(password, str):
            raise InvalidInput(field="password", expected="texte")
        # A lone str is a Sequence[str] too: without this, "jean@x.fr" would
        # be taken as nine one-letter inputs.
        inputs = [user_inputs] if isinstance(user_inputs, str) else [str(i) for i in user_inputs]
        scored = password[: self.max_input_length]
        # Here rather than at the top: see the module's docstring.
        import zxcvbn
        from zxcvbn.feedback import get_feedback

        if not scored:
            # zxcvbn 4.5 fails on "" (IndexError); its feedback for an empty
            # match sequence is what the JavaScript original shows for "".
            feedback = get_feedback(0, [])
            return PasswordStrength.of(
                0,
                guesses_log10=0.0,
                warning=str(feedback["warning"]),
                suggestions=[str(s) for s in feedback["suggestions"]],
            )
        with _ZXCVBN_LOCK:
            result = zxcvbn.zxcvbn(scored, user_inputs=inputs, max_length=len(scored))
        return PasswordStrength.of(
            int(result["score"]),
            guesses_log10=float(result["guesses_log10"]),
            warning=str(result["feedback"]["warning"]),
            suggestions=[str(s) for s in result["feedback"]["suggestions"]],
        )


@functools.cache
def extended_common_passwords(limit: int = 10_000) -> frozenset[str]:
    """The built-in list united with the ``limit`` most frequent of zxcvbn's passwords.

    zxcvbn's "passwords" list is ordered from the most frequent; entries are
    casefolded. Computed once per ``limit``.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidInput(field="limit", expected="un entier ≥ 0")
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked: list[str] = FREQUENCY_LISTS["passwords"]
    return COMMON_PASSWORDS | frozenset(entry.casefold() for entry in ranked[:limit])


# One lazy list for both policies below: zxcvbn's list is read and casefolded
# once, on the first check of either, not when settings are built.
_EXTENDED_COMMON_PASSWORDS: Final = LazyCommonPasswords(extended_common_passwords)


@functools.cache
def default_policy(*, seeds: bool = False) -> PasswordPolicy:
    """The policy with the extended common-password list: 12 characters, or 8 with ``seeds``.

    Either is a stricter choice than the user guides, which refuse no common
    password; the guides' own rules are ``OnboardingSettings.seeds()``.

    The list (:func:`extended_common_passwords`) loads on the policy's first
    check, once for both policies. Cached: the policy is immutable.
    """
    if seeds:
        return PasswordPolicy.seeds(common_passwords=_EXTENDED_COMMON_PASSWORDS)
    return PasswordPolicy.default(common_passwords=_EXTENDED_COMMON_PASSWORDS)
