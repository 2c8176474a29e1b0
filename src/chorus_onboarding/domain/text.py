"""Free text typed in forms: names, questions, company names, address lines."""

from __future__ import annotations

from .errors import InvalidInput, RequiredField


def printable_text(value: object, field: str, maximum: int, *, required: bool = True) -> str:
    """``value`` with its spacing collapsed, if it is printable and short enough.

    Printable in Python's sense: no control character and no format
    character, which keeps out the bidirectional embeddings, overrides and
    isolates (U+202A to U+202E, U+2066 to U+2069) that make a text display
    otherwise than it reads. A missing or blank value raises
    :class:`RequiredField`, or gives ``""`` when the field is optional.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RequiredField(field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(field=field, expected="texte")
    cleaned = " ".join(value.split())
    if len(cleaned) > maximum or not cleaned.isprintable():
        raise InvalidInput(
            field=field,
            expected="texte imprimable de {maximum} caractères au plus",
            maximum=maximum,
        )
    return cleaned
