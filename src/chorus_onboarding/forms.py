"""The forms a host application fills from its web pages and hands to the facade.

Fields are typed for the reader, but nothing is trusted: the facade checks
every field and reports all failures at once (``InvalidForm``), so raw form
values can be passed as they come.

A structure is named either by its SIRET (``siret``) or, as on the portal's
"Je n'ai pas de numéro de SIRET", by ``identifier_type`` and ``identifier``
(none for PARTICULIER and AUTRE, whose identifier the library assigns).
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from .domain.espaces import CategorieBeneficiaire, CategoriePrestataire, Espace, RegimeStatut
from .domain.structures import Purpose


@frozen(kw_only=True, slots=False)
class PersonFields:
    """ "Je complète mes informations personnelles": the account part of a registration."""

    login_email: str
    login_email_confirmation: str
    last_name: str
    first_name: str
    captcha: str
    contact_email: str | None = None
    survey_consent: bool = False


@frozen(kw_only=True, slots=False)
class StructureNaming:
    """How a structure is named: a SIRET, or another identifier type."""

    siret: str | None = None
    identifier_type: str | None = None
    identifier: str | None = None


@frozen(kw_only=True, slots=False)
class StructureFilters:
    """ "Demander un rattachement": the search's other criteria, blank for any.

    ``postal_code`` matches the start of the code ("93" finds "93160"),
    ``city`` any part of the name, case, accents, hyphens and apostrophes
    ignored ("noisy le grand" finds NOISY-LE-GRAND), ``country`` the ISO
    code ("FR").
    """

    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


@frozen(kw_only=True, slots=False)
class CompanyFields:
    """A structure's general information; for a SIRET, blanks take the register's values.

    As "Je crée ma structure" lays it out: the raison sociale, the "Libellé
    de la structure" (``label``, optional), the address with its two lines
    "Complément adresse 1" (``complement``) and "Complément adresse 2"
    (``complement_2``), the postal code, the city and the country.
    """

    rcs: str | None = None
    company_name: str | None = None
    label: str | None = None
    street: str | None = None
    complement: str | None = None
    complement_2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


@frozen(kw_only=True, slots=False)
class NewStructureRegistration(PersonFields, StructureNaming, CompanyFields):
    """Journeys 1 and 2: "Créer votre compte" with a structure new to the portal.

    With a SIRET, company name and address default to what the company
    register knows (see ``OnboardingService.lookup_company``); without, or
    where the register withholds them or does not answer, they are typed.
    ``espaces`` ``None`` means the defaults ("Factures émises" and
    "Sollicitations émises"); only the espaces the registration screen
    offers may be chosen (``REGISTRATION_ESPACES``). "Mémoires de frais de
    justice" asks for ``categorie_prestataire`` and, without a SIRET,
    ``regime_statut``.
    """

    purposes: Iterable[Purpose | str] = (Purpose.DEPOSER_DEMANDES_PAIEMENT,)
    espaces: Iterable[Espace | str] | None = None
    categorie_prestataire: CategoriePrestataire | str | None = None
    categorie_beneficiaire: CategorieBeneficiaire | str | None = None
    pacage: str | None = None
    regime_statut: RegimeStatut | str | None = None


@frozen(kw_only=True, slots=False)
class ExistingStructureRegistration(PersonFields, StructureNaming):
    """Journeys 3 and 4: "Créer votre compte" for a structure already on the portal.

    With a SIRET, an attachment request goes to the structure's managers;
    without, the account is created alone and asks for attachment later.
    """


@frozen(kw_only=True, slots=False)
class NewStructure(StructureNaming, CompanyFields):
    """Journey 8, "Saisir une nouvelle structure" from "Mon compte"."""

    agricultural_centre: bool = False
    purposes: Iterable[Purpose | str] = (Purpose.DEPOSER_DEMANDES_PAIEMENT,)
