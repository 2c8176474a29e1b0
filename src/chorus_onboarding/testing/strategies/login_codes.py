"""The one-time code emailed at login, as people type it into the second step.

People copy the code from the email or type it from a phone: six digits in a
row, or in groups of three or two, with spaces or dashes between, a space
left at either end. The library takes all of those
(:func:`~chorus_onboarding.domain.login_codes.typed_code`) and refuses the
rest with ``LoginCodeRejected``, the one answer of the code step whatever
went wrong.
"""

from __future__ import annotations

from hypothesis import strategies as st

from ...domain.errors import InvalidInput, LoginCodeRejected
from ...domain.login_codes import CODE_LENGTHS, typed_code

__all__ = ["invalid_login_codes", "login_codes"]

_SEPARATORS = (" ", "-", "\u00a0", " - ")
"""What people put between groups: a space, a dash, the non-breaking space mail clients copy."""


def _length(value: object) -> int:
    if type(value) is not int or value not in CODE_LENGTHS:
        # The same words as the settings' ``login_code_length``: already translated.
        raise InvalidInput(field="length", expected="nombre de chiffres de 6 à 10")
    return value


def _code(value: object, length: int) -> str | None:
    if value is None:
        return None
    digits = typed_code(value, length)
    if digits is None:
        # The code step's own refusal: a code it would not read is no code to type.
        raise LoginCodeRejected(field="code")
    return digits


@st.composite
def _typed(draw: st.DrawFn, digits: str) -> str:
    """``digits`` as someone types them: whole, or in groups, with separators and stray spaces."""
    size = draw(st.sampled_from([len(digits), 3, 2, 4]))
    groups = [digits[start : start + size] for start in range(0, len(digits), size)]
    typed = groups[0]
    for group in groups[1:]:
        typed += draw(st.sampled_from(_SEPARATORS)) + group
    before, after = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " "]))
    return before + typed + after


def login_codes(length: int = 6, *, code: str | None = None) -> st.SearchStrategy[str]:
    """Codes of ``length`` digits typed as people type them: the library reads them all.

    Whole or in groups of two, three or four, with spaces, dashes or
    non-breaking spaces between the groups, a space or a tab left at either
    end. With ``code`` (the digits an email carried, say
    ``World.last_login_code``), every draw is a way of typing that code; without
    it, the digits are drawn too. ``length`` is a code length the settings
    allow (``login_code_length``, 6 to 10).
    """
    chosen = _length(length)
    known = _code(code, chosen)
    digits = (
        st.just(known)
        if known is not None
        else st.text(alphabet="0123456789", min_size=chosen, max_size=chosen)
    )
    return digits.flatmap(_typed)


def invalid_login_codes(length: int = 6) -> st.SearchStrategy[tuple[object, str]]:
    """What the code step refuses whatever the code is, each with ``login_code_rejected``.

    Too few or too many digits, a letter or a sign among them, digits of
    other scripts (Arabic-Indic, full-width), a dot or a slash between
    groups, an empty or blank field, text over 64 characters, and values
    that are not text at all (``None``, the number, bytes, a list) as a
    careless layer passes them on. Typed for a code of ``length`` digits.
    """
    chosen = _length(length)
    digits = st.text(alphabet="0123456789", min_size=chosen, max_size=chosen)
    code = LoginCodeRejected.code
    wrong_length = st.integers(0, 20).filter(lambda n: n != chosen)
    strings = st.one_of(
        wrong_length.flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
        st.tuples(digits, st.integers(0, chosen - 1), st.sampled_from("aOoIlx+#é*")).map(
            lambda d: d[0][: d[1]] + d[2] + d[0][d[1] + 1 :]
        ),
        digits.map(lambda d: d.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))),
        digits.map(lambda d: d.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
        st.tuples(digits, st.sampled_from("./_,")).map(lambda d: d[0][:3] + d[1] + d[0][3:]),
        st.sampled_from(["", " ", "\t", "-"]),
        digits.map(lambda d: d + " " * 60),
    )
    junk = st.one_of(
        st.none(),
        digits.map(int),
        digits.map(str.encode),
        digits.map(list),
        st.floats(allow_nan=True),
    )
    return st.one_of(strings, junk).map(lambda value: (value, code))
