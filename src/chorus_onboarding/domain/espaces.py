"""The espace catalogue, habilitations and the parameters some espaces ask for.

An *espace* is a feature area of the portal opened on a structure. Opening
"Mémoires de frais de justice" asks for a *catégorie de prestataire*; opening
"Demande de remboursement TIC" asks for a *catégorie de bénéficiaire* and,
for farmers, a PACAGE number.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen

from ..i18n import NP_, labelled
from .checks import instance, member, optional
from .choices import member_of
from .errors import InvalidInput, InvalidPacage, RequiredField
from .identifiers import Pacage


@labelled("habilitation")
class Habilitation(enum.Enum):
    """A right on an espace; modification implies consultation."""

    CONSULTATION_UNIQUEMENT = "CONSULTATION_UNIQUEMENT"
    MODIFICATION = "MODIFICATION"

    def covers(self, wanted: Habilitation) -> bool:
        """Whether holding ``self`` grants ``wanted``."""
        return self is Habilitation.MODIFICATION or wanted is Habilitation.CONSULTATION_UNIQUEMENT

    @property
    def label(self) -> str:
        """The right as the portal's screens name it, in French (the msgid of its translations)."""
        return _HABILITATION_LABELS[self]


_HABILITATION_LABELS = {
    Habilitation.CONSULTATION_UNIQUEMENT: NP_("habilitation", "consultation"),
    Habilitation.MODIFICATION: NP_("habilitation", "consultation et modification"),
}


class CategoriePrestataire(enum.Enum):
    """Catégorie de prestataire asked when opening "Mémoires de frais de justice"."""

    ADMINISTRATEUR_AD_HOC = "Administrateur ad hoc"
    ASSOCIATION_HABILITEE = "Association habilitée"
    CONTROLEUR_JUDICIAIRE = "Contrôleur judiciaire"
    DELEGUE_PROCUREUR = "Délégué du procureur"
    ENQUETEUR_SOCIAL = "Enquêteur social"
    EXPERT = "Expert"
    GARDIEN_SCELLES = "Gardien de scellés"
    INTERPRETE_TRADUCTEUR = "Interprète-traducteur"
    MEDECIN = "Médecin"
    MEDIATEUR = "Médiateur"
    OPERATEUR_COMMUNICATIONS = "Opérateur de communications électroniques"
    AUTRE = "Autre prestataire"


class RegimeStatut(enum.Enum):
    """Régime/statut of a prestataire de justice, asked with the catégorie de prestataire.

    The portal asks for it when "Mémoires de frais de justice" is opened on
    a structure without a SIRET (guide « Créer un compte utilisateur et
    s'authentifier », 1.3); with a SIRET it may be given, and is kept.
    The guides name the field but their screenshots do not show its list
    legibly: these are the régimes a prestataire de justice comes under
    (collaborateur occasionnel du service public or not). Members are stored
    by name; the values are labels only.
    """

    COLLABORATEUR_OCCASIONNEL = "Collaborateur occasionnel du service public (COSP)"
    TRAVAILLEUR_INDEPENDANT = "Travailleur indépendant"
    PERSONNE_MORALE = "Structure dotée de la personnalité morale"
    AUTRE = "Autre régime"


class CategorieBeneficiaire(enum.Enum):
    """Catégorie de bénéficiaire asked when opening "Demande de remboursement TIC".

    The labels are the portal's list (guide « S'inscrire sur Chorus Pro »,
    étape 3): the farmer, individually or as a company, the contractors of
    agricultural or forestry work, the cooperatives (CUMA) and the cotisants
    solidaires. Members are stored by name: relabelling one moves no data.
    ``pacage_expected`` tells the forms that farmers usually have a PACAGE
    number; it stays optional, as on the portal ("si besoin").
    """

    EXPLOITANT_INDIVIDUEL = "Exploitant agricole à titre individuel"
    SOCIETE_AGRICOLE = "Exploitant agricole à titre sociétaire"
    ENTREPRISE_TRAVAUX_AGRICOLES = "Entreprise de travaux agricoles ou forestiers"
    CUMA = "Coopérative d'utilisation de matériel agricole"
    COTISANT_SOLIDAIRE = "Cotisant solidaire"
    AUTRE = "Autre bénéficiaire"

    @property
    def pacage_expected(self) -> bool:
        """Whether this category normally comes with a PACAGE number."""
        return self in (
            CategorieBeneficiaire.EXPLOITANT_INDIVIDUEL,
            CategorieBeneficiaire.SOCIETE_AGRICOLE,
        )


class Parameter(enum.Enum):
    """The parameters an espace may require when it is opened."""

    CATEGORIE_PRESTATAIRE = "categorie_prestataire"
    CATEGORIE_BENEFICIAIRE = "categorie_beneficiaire"


@labelled("espace")
class Espace(enum.Enum):
    """The espaces of the portal, with their label, description and rules."""

    FACTURES_EMISES = "FACTURES_EMISES"
    SOLLICITATIONS_EMISES = "SOLLICITATIONS_EMISES"
    DEMANDE_REMBOURSEMENT_TIC = "DEMANDE_REMBOURSEMENT_TIC"
    MEMOIRES_FRAIS_JUSTICE = "MEMOIRES_FRAIS_JUSTICE"
    FACTURES_TRAVAUX = "FACTURES_TRAVAUX"
    FACTURES_A_VALIDER = "FACTURES_A_VALIDER"
    ENGAGEMENTS = "ENGAGEMENTS"
    RACCORDEMENT_EDI_API = "RACCORDEMENT_EDI_API"
    SUIVI_FLUX = "SUIVI_FLUX"
    FACTURES_RECUES = "FACTURES_RECUES"
    SOLLICITATIONS_RECUES = "SOLLICITATIONS_RECUES"

    @property
    def label(self) -> str:
        """The espace's name on the portal, in French (the msgid of its translations)."""
        return _CATALOGUE[self][0]

    @property
    def description(self) -> str:
        """What the espace is for, as the registration screen says."""
        return _CATALOGUE[self][1]

    @property
    def required_parameter(self) -> Parameter | None:
        """The parameter opening this espace asks for, if any."""
        return _CATALOGUE[self][2]

    @classmethod
    def parse(cls, value: object, *, field: str = "espace") -> Espace:
        """The espace named by ``value`` (the member or its code)."""
        return member_of(cls, value, field=field, expected="code d'espace")


_P = Parameter
_CATALOGUE: dict[Espace, tuple[str, str, Parameter | None]] = {
    Espace.FACTURES_EMISES: (
        NP_("espace", "Factures émises"),
        "Réservé au dépôt et à la visualisation des factures émises à destination des structures publiques",
        None,
    ),
    Espace.SOLLICITATIONS_EMISES: (
        NP_("espace", "Sollicitations émises"),
        "Échanges avec ses clients ou partenaires",
        None,
    ),
    Espace.DEMANDE_REMBOURSEMENT_TIC: (
        NP_("espace", "Demande de remboursement TIC"),
        "Réservé au dépôt des demandes de remboursement TIC",
        _P.CATEGORIE_BENEFICIAIRE,
    ),
    Espace.MEMOIRES_FRAIS_JUSTICE: (
        NP_("espace", "Mémoires de frais de justice"),
        "Réservé au dépôt de mémoires de frais de justice",
        _P.CATEGORIE_PRESTATAIRE,
    ),
    Espace.FACTURES_TRAVAUX: (
        NP_("espace", "Factures de travaux"),
        "Réservé au dépôt de factures de travaux (fournisseurs, MOE, MOA)",
        None,
    ),
    Espace.FACTURES_A_VALIDER: (
        NP_("espace", "Factures à valider"),
        "Réservé à la validation des sous-traitants et cotraitants",
        None,
    ),
    Espace.ENGAGEMENTS: (
        NP_("espace", "Engagements"),
        "Visualisation des commandes de l'État",
        None,
    ),
    Espace.RACCORDEMENT_EDI_API: (
        NP_("espace", "Raccordement EDI et API"),
        "Permet de demander et de suivre le raccordement de vos structures "
        "pour l'utilisation des modes EDI et API",
        None,
    ),
    Espace.SUIVI_FLUX: (
        NP_("espace", "Suivi des flux"),
        "Réservé aux structures raccordées émettant des flux EDI",
        None,
    ),
    Espace.FACTURES_RECUES: (
        NP_("espace", "Factures reçues"),
        "Réservé à la consultation des factures reçues",
        None,
    ),
    Espace.SOLLICITATIONS_RECUES: (
        NP_("espace", "Sollicitations reçues"),
        "Réservé au traitement des sollicitations reçues",
        None,
    ),
}

REGISTRATION_ESPACES: tuple[Espace, ...] = (
    Espace.DEMANDE_REMBOURSEMENT_TIC,
    Espace.ENGAGEMENTS,
    Espace.FACTURES_A_VALIDER,
    Espace.FACTURES_TRAVAUX,
    Espace.FACTURES_EMISES,
    Espace.MEMOIRES_FRAIS_JUSTICE,
    Espace.RACCORDEMENT_EDI_API,
    Espace.SOLLICITATIONS_EMISES,
    Espace.SUIVI_FLUX,
)
"""The espaces "Mes espaces de travail" offers at registration, in the screen's order.

The guides' list (« Créez votre compte en quelques clics », step 3):
"Factures reçues" and "Sollicitations reçues" belong to public structures
and are not offered there.
"""

DEFAULT_REGISTRATION_ESPACES: frozenset[Espace] = frozenset(
    {Espace.FACTURES_EMISES, Espace.SOLLICITATIONS_EMISES}
)
"""The espaces switched on by default on the registration screen (the seeds)."""


def registration_espace_set(
    values: Iterable[object], *, field: str = "espaces"
) -> frozenset[Espace]:
    """The espaces chosen on the registration screen: only those it offers."""
    chosen = espace_set(values, field=field)
    if not chosen <= frozenset(REGISTRATION_ESPACES):
        raise InvalidInput(field=field, expected="espace proposé à l'inscription")
    return chosen


_SERVICE_CODE_MAX = 50


def service_code(value: object) -> str:
    """A service code as typed: printable, at most 50 characters, spaces around dropped."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > _SERVICE_CODE_MAX
        or not value.isprintable()
    ):
        raise InvalidInput(field="service", expected="code de service")
    return value.strip()


@frozen
class EspaceParameters:
    """The parameters given when an espace is opened (only those it asks for).

    Checked when built: each is absent or a member of its own kind (a
    :class:`Pacage` for ``pacage``), and they are those one espace could ask
    for: nothing, a catégorie de prestataire with, if given, a régime/statut,
    or a catégorie de bénéficiaire with, if need be, a PACAGE number. :meth:`for_espace` also checks that
    they are the ones a given espace asks for.
    """

    categorie_prestataire: CategoriePrestataire | None = field(
        default=None, validator=optional(member(CategoriePrestataire))
    )
    categorie_beneficiaire: CategorieBeneficiaire | None = field(
        default=None, validator=optional(member(CategorieBeneficiaire))
    )
    pacage: Pacage | None = field(default=None, validator=optional(instance(Pacage)))
    regime_statut: RegimeStatut | None = field(
        default=None, validator=optional(member(RegimeStatut))
    )

    def __attrs_post_init__(self) -> None:
        # No espace asks for both catégories; a PACAGE number goes with a bénéficiaire,
        # a régime/statut with a prestataire.
        if self.categorie_prestataire is not None and self.categorie_beneficiaire is not None:
            raise InvalidInput(
                field="categorie_beneficiaire", expected="une seule des deux catégories"
            )
        if self.pacage is not None and self.categorie_beneficiaire is None:
            raise InvalidInput(field="pacage", expected="rien sans catégorie de bénéficiaire")
        if self.regime_statut is not None and self.categorie_prestataire is None:
            raise InvalidInput(field="regime_statut", expected="rien sans catégorie de prestataire")

    @classmethod
    def for_espace(
        cls,
        espace: Espace,
        *,
        categorie_prestataire: object = None,
        categorie_beneficiaire: object = None,
        pacage: object = None,
        regime_statut: object = None,
    ) -> EspaceParameters:
        """Check and build the parameters ``espace`` needs; others must be absent.

        The régime/statut goes with the catégorie de prestataire; whether it
        is required (no SIRET) is the structure's to say: see
        :meth:`~chorus_onboarding.domain.structures.Structure.open`.
        """
        needed = espace.required_parameter
        prestataire: CategoriePrestataire | None = None
        beneficiaire: CategorieBeneficiaire | None = None
        number: Pacage | None = None
        regime: RegimeStatut | None = None
        if needed is Parameter.CATEGORIE_PRESTATAIRE:
            if categorie_prestataire is None:
                raise RequiredField(field="categorie_prestataire")
            prestataire = member_of(
                CategoriePrestataire, categorie_prestataire, field="categorie_prestataire"
            )
            if regime_statut not in (None, ""):
                regime = member_of(RegimeStatut, regime_statut, field="regime_statut")
        if needed is Parameter.CATEGORIE_BENEFICIAIRE:
            if categorie_beneficiaire is None:
                raise RequiredField(field="categorie_beneficiaire")
            beneficiaire = member_of(
                CategorieBeneficiaire, categorie_beneficiaire, field="categorie_beneficiaire"
            )
            if pacage is not None and not (isinstance(pacage, str) and not pacage.strip()):
                try:
                    number = Pacage.parse(pacage)
                except InvalidPacage as error:
                    raise error.at("pacage") from None
        unexpected = [
            name
            for name, given, used in (
                ("categorie_prestataire", categorie_prestataire, prestataire),
                ("categorie_beneficiaire", categorie_beneficiaire, beneficiaire),
                ("pacage", pacage, number),
                ("regime_statut", regime_statut, regime),
            )
            if given not in (None, "") and used is None
        ]
        if unexpected:
            raise InvalidInput(
                field=unexpected[0], expected="rien pour l'espace {espace}", espace=espace.label
            )
        return cls(
            categorie_prestataire=prestataire,
            categorie_beneficiaire=beneficiaire,
            pacage=number,
            regime_statut=regime,
        )


def _is_espace(_: Any, attribute: attrs.Attribute[Espace], value: object) -> None:
    if not isinstance(value, Espace):
        raise InvalidInput(field="espace", expected="Espace")


def _service_codes(values: object) -> frozenset[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="services", expected="codes de service")
    codes = frozenset(service_code(value) for value in values)
    if not codes:
        raise InvalidInput(field="services", expected="au moins un service")
    return codes


def _is_flag(_: Any, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(field=attribute.name, expected="booléen")


def _is_parameters(_: Any, attribute: attrs.Attribute[EspaceParameters], value: object) -> None:
    if not isinstance(value, EspaceParameters):
        raise InvalidInput(field="parameters", expected="EspaceParameters")


@frozen
class OpenEspace:
    """An espace opened on a structure: its modes, services and parameters.

    Checked when built: an espace, at least one service code, at least one
    mode, and only the parameters this espace asks for.
    """

    espace: Espace = field(validator=_is_espace)
    services: frozenset[str] = field(converter=_service_codes)
    consultation: bool = field(default=True, validator=_is_flag)
    modification: bool = field(default=True, validator=_is_flag)
    parameters: EspaceParameters = field(factory=EspaceParameters, validator=_is_parameters)

    def __attrs_post_init__(self) -> None:
        if not (self.consultation or self.modification):
            raise InvalidInput(field="modification", expected="consultation ou modification")
        asked = self.espace.required_parameter
        given = self.parameters
        if (given.categorie_prestataire is not None) != (asked is Parameter.CATEGORIE_PRESTATAIRE):
            raise InvalidInput(
                field="categorie_prestataire",
                expected="selon l'espace {espace}",
                espace=self.espace.label,
            )
        if (given.categorie_beneficiaire is not None) != (
            asked is Parameter.CATEGORIE_BENEFICIAIRE
        ):
            raise InvalidInput(
                field="categorie_beneficiaire",
                expected="selon l'espace {espace}",
                espace=self.espace.label,
            )
        # A PACAGE number comes with a catégorie de bénéficiaire (EspaceParameters checks it).

    def allows(self, habilitation: Habilitation) -> bool:
        """Whether the espace is open in the mode ``habilitation`` needs."""
        if habilitation is Habilitation.MODIFICATION:
            return self.modification
        return self.consultation or self.modification


def espace_set(values: Iterable[object], *, field: str = "espaces") -> frozenset[Espace]:
    """A set of espaces from codes or members; junk gives the library's error."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field=field, expected="liste d'espaces")
    return frozenset(Espace.parse(value, field=field) for value in values)
