"""Captcha checks for the in-memory wiring and for tests."""

from __future__ import annotations


class FixedCaptcha:
    """Accepts one expected answer, ignoring case and surrounding spaces.

    The in-memory wiring uses it as a stand-in for the portal's image captcha:
    the demo and tests type the answer shown to them (``XWWXS`` by default,
    the one in the user guide's screenshot).
    """

    def __init__(self, answer: str = "XWWXS") -> None:
        self.answer = answer.strip().casefold()

    def verify(self, response: str) -> bool:
        """Whether ``response`` is the expected answer."""
        return isinstance(response, str) and response.strip().casefold() == self.answer
