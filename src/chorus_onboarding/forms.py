"""The forms a host application fills from its web pages and hands to the facade.

Fields are typed for the reader, but nothing is trusted: the facade checks
every field and reports all failures at once (``InvalidForm``), so raw form
values can be passed as they come.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from .domain.espaces import Espace
from .domain.structures import Purpose


@frozen(kw_only=True)
class NewStructureRegistration:
    """Journey 1: "Créer votre compte" with the SIRET of a structure new to the portal.

    Company name and address default to what the company register knows of the
    SIRET (see ``OnboardingService.lookup_company``); any of them given here
    replaces the register's value. ``espaces`` ``None`` means the defaults
    ("Factures émises" and "Sollicitations émises").
    """

    login_email: str
    login_email_confirmation: str
    last_name: str
    first_name: str
    captcha: str
    siret: str
    contact_email: str | None = None
    survey_consent: bool = False
    rcs: str | None = None
    company_name: str | None = None
    street: str | None = None
    complement: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    purposes: Iterable[Purpose | str] = (Purpose.DEPOSER_DEMANDES_PAIEMENT,)
    espaces: Iterable[Espace | str] | None = None
    categorie_prestataire: str | None = None
    categorie_beneficiaire: str | None = None
    pacage: str | None = None
