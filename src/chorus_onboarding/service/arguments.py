"""Checking the plain arguments of the use cases: text, flags, notes, passwords typed twice."""

from __future__ import annotations

from collections.abc import Callable

from ..domain.accounts import secret_question
from ..domain.errors import InvalidInput, PasswordConfirmationMismatch, RequiredField
from ..i18n import NP_


def text_argument(value: object, field: str, *, maximum: int = 1024) -> str:
    """A plain text argument: anything else is the caller's mistake, said clearly."""
    if value is None or (isinstance(value, str) and not value):
        raise RequiredField(field=field)
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected="texte")
    if len(value) > maximum:
        raise InvalidInput(
            field=field, expected="texte de {maximum} caractères au plus", maximum=maximum
        )
    return value


def flag_argument(value: object, field: str) -> bool:
    """A yes/no argument: a real bool, never a truthy stand-in."""
    if not isinstance(value, bool):
        raise InvalidInput(field=field, expected="booléen")
    return value


def note_argument(text: object, field: str) -> str:
    """An optional free note (a reason, a comment): up to 1000 printable characters and newlines."""
    if text is None:
        return ""
    if not isinstance(text, str) or len(text) > 1000 or not text.replace("\n", " ").isprintable():
        raise InvalidInput(field=field, expected="texte de 1000 caractères au plus")
    return text.strip()


def confirmed_password(password: object, confirmation: object) -> str:
    """The password, once its confirmation (typed twice) is identical."""
    typed = text_argument(password, "password")
    if confirmation != typed:
        raise PasswordConfirmationMismatch(field="password_confirmation")
    return typed


def typed_question(text: object) -> str:
    """The secret question typed by the owner, checked."""
    return secret_question(text_argument(text, "secret_question"))


def progress_argument(value: object) -> Callable[[int], None]:
    """A long use case's ``progress`` callback (told how many items were just done), or a no-op.

    A callback that fails is the caller's mistake, reported as the library's
    error; what the use case committed before it stays committed.
    """
    if value is None:
        return _unwatched
    if not callable(value):
        raise InvalidInput(field="progress", expected=_PROGRESS)
    watch = value

    def tell(done: int) -> None:
        try:
            watch(done)
        except Exception as error:
            raise InvalidInput(field="progress", expected=_PROGRESS) from error

    return tell


_PROGRESS = NP_("expected", "fonction appelée avec un nombre d'éléments")


def _unwatched(_done: int) -> None:
    """Nobody watches the progress."""
