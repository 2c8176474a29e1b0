"""The people of the examples' journeys, and what they type in the forms."""

from __future__ import annotations

LOUISE, CLAIRE = "louise@dressing-louise.fr", "claire@cabinet-martin.fr"
SIRET = "52601815500014"  # LE DRESSING DE LOUISE in the sample register
OTHER_SIRET = "94821993600010"  # CABINET MARTIN EXPERTISES, Claire's own structure
PASSWORD = "Robe-de-Soie-93"

ACTIVATION = {
    "password": PASSWORD,
    "password_confirmation": PASSWORD,
    "secret_question": "Quel est mon plat préféré ?",
    "secret_answer": "Aligot",
}
"""The activation form, filled in."""


def registration(email: str, first_name: str, siret: str) -> dict[str, str]:
    """The registration form with a new structure, filled in."""
    return {
        "login_email": email,
        "login_email_confirmation": email,
        "last_name": "GALFE",
        "first_name": first_name,
        "siret": siret,
        "captcha": "XWWXS",
    }
