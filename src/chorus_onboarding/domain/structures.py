"""Structures: the legal entities users act for, with their espaces and managers."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime

from attrs import define, field, frozen
from attrs.validators import optional

from ..i18n import NP_
from . import events
from .checks import aware, flag, instance
from .errors import (
    AlreadyExists,
    EspaceNotOpen,
    InvalidInput,
    NotFound,
    RequiredField,
    RuleViolation,
    SiretChangeNeedsSiret,
    SiretUnchanged,
    StructureInactive,
    TicOnAgriculturalCentre,
    UnknownService,
)
from .espaces import Espace, Habilitation, OpenEspace
from .espaces import service_code as service_code
from .identifiers import IdentifierType, Rcs, Siret, StructureIdentifier
from .text import printable_text

_FRENCH_POSTAL_CODE = re.compile(r"(?!00)[0-9]{5}")
# Postal codes elsewhere: letters, digits and hyphens ("SW1A1AA", "00-950",
# "12345-6789"); the longest in use has 10 characters.
_POSTAL_CODE = re.compile(r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*")
_POSTAL_CODE_MAX = 12
_TEXT_MAX = 200

# ISO 3166-1 alpha-2: the officially assigned codes, and XK (Kosovo), which
# the EU and most registers use although it is user-assigned.
_ISO_3166 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ "
    "BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR "
    "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
    "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR "
    "TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK"
)
COUNTRY_CODES: frozenset[str] = frozenset(_ISO_3166.split())
"""The country codes an address may have (ISO 3166-1 alpha-2, and XK)."""

DEFAULT_SERVICE = "DEFAUT"
"""Code of the service every structure has, named :data:`DEFAULT_SERVICE_NAME`."""
DEFAULT_SERVICE_NAME = NP_("service", "Service par défaut de la structure")
"""The name of the service every structure has (the msgid of its translations)."""


def _text(value: object, field: str, *, required: bool = True) -> str:
    return printable_text(value, field, _TEXT_MAX, required=required)


def _street(value: object) -> str:
    return _text(value, "street")


def _city(value: object) -> str:
    return _text(value, "city")


def _complement(value: object) -> str:
    return _text(value, "complement", required=False)


def _complement_2(value: object) -> str:
    return _text(value, "complement_2", required=False)


def _postal_code(value: object) -> str:
    return _text(value, "postal_code").replace(" ", "")


def _country(value: object) -> str:
    code = _text(value, "country").upper()
    if code not in COUNTRY_CODES:
        raise InvalidInput(field="country", expected="code pays ISO à deux lettres")
    return code


@frozen
class Address:
    """A postal address, checked and normalised however it is built.

    Each line is printable text (no control or bidirectional formatting
    character, such as U+202E, which would make it display otherwise than it
    reads) of at most 200 characters, spacing collapsed; the country is a
    known ISO 3166-1 code, upper case; a French postal code has 5 digits, any
    other at most 12 letters, digits or hyphens, spaces dropped.
    ``Address(...)`` and :meth:`parse` check alike, so no address breaks
    these rules; an invalid part raises :class:`InvalidInput` or
    :class:`RequiredField` naming it.
    """

    street: str = field(converter=_street)
    postal_code: str = field(converter=_postal_code)
    city: str = field(converter=_city)
    country: str = field(default="FR", converter=_country)
    complement: str = field(default="", converter=_complement)
    """ "Complément adresse 1"."""
    complement_2: str = field(default="", converter=_complement_2)
    """ "Complément adresse 2"."""

    def __attrs_post_init__(self) -> None:
        # The one rule across parts: the country decides the postal code's shape.
        code = self.postal_code
        if self.country == "FR":
            if not _FRENCH_POSTAL_CODE.fullmatch(code):
                raise InvalidInput(
                    field="postal_code", expected="code postal français à 5 chiffres"
                )
        elif len(code) > _POSTAL_CODE_MAX or not _POSTAL_CODE.fullmatch(code):
            raise InvalidInput(
                field="postal_code",
                expected="code postal de {maximum} lettres, chiffres ou tirets au plus",
                maximum=_POSTAL_CODE_MAX,
            )

    @classmethod
    def parse(
        cls,
        *,
        street: object,
        postal_code: object,
        city: object,
        country: object = "FR",
        complement: object = None,
        complement_2: object = None,
    ) -> Address:
        """Check each part of an address typed in a form (``None`` is a blank part)."""
        return cls(
            street=street,
            postal_code=postal_code,
            city=city,
            country=country,
            complement=complement,
            complement_2=complement_2,
        )


def company_name(value: object) -> str:
    """The raison sociale: required, printable, at most 200 characters."""
    return _text(value, "company_name")


def _optional_company_name(value: object) -> str | None:
    return None if value is None else company_name(value)


class Purpose(enum.Enum):
    """Why the structure registers (at least one; the first is checked by default)."""

    DEPOSER_DEMANDES_PAIEMENT = "Déposer des demandes de paiement"
    DUME = "Créer et/ou consulter des DUME"


class StructureStatus(enum.Enum):
    """Whether the structure can be used."""

    ACTIF = "ACTIF"
    INACTIF = "INACTIF"


def _service_name(value: object) -> str:
    return _text(value, "name")


@frozen
class Service:
    """A sub-unit of a structure: a code (unique in it) and a name, both checked."""

    code: str = field(converter=service_code)
    name: str = field(converter=_service_name)


@frozen
class CompanyRecord:
    """What the company register (SIRENE) knows of an establishment.

    Building one checks it: a structure identifier, the raison sociale as
    :func:`company_name` takes it, an :class:`Address`. Under *diffusion
    partielle* (the owner objected to the publication of their data) the
    register withholds the address, and for a person in business the name
    too: ``None`` then, and the form asks for them to be typed.
    """

    identifier: StructureIdentifier = field(validator=instance(StructureIdentifier))
    name: str | None = field(converter=_optional_company_name)
    address: Address | None = field(validator=optional(instance(Address)))
    active: bool = field(default=True, validator=flag)


@frozen
class FormerIdentifier:
    """An identifier a structure had until it declared a new SIRET, and when it was replaced.

    The structure stays findable by it ("remplacé par" its current
    identifier), and no structure is ever given it again.
    """

    identifier: StructureIdentifier = field(validator=instance(StructureIdentifier))
    replaced_at: datetime = field(validator=aware)


@define(eq=False, weakref_slot=False)
class Structure(events.RecordsEvents):
    """A legal entity on the portal.

    Collections are immutable (tuples, frozensets) and replaced, never mutated
    in place, so a loaded copy can be compared with what was stored.
    """

    id: str
    identifier: StructureIdentifier
    company_name: str
    address: Address
    created_at: datetime
    principal_manager_id: str
    purposes: frozenset[Purpose]
    rcs: Rcs | None = None
    status: StructureStatus = StructureStatus.ACTIF
    agricultural_centre: bool = False
    services: tuple[Service, ...] = (Service(DEFAULT_SERVICE, DEFAULT_SERVICE_NAME),)
    espaces: tuple[OpenEspace, ...] = ()
    managers: frozenset[str] = frozenset()
    label: str = ""
    former_identifiers: tuple[FormerIdentifier, ...] = ()
    version: int = 0
    _pending_events: list[events.DomainEvent] | None = field(default=None, init=False, repr=False)

    @classmethod
    def create(
        cls,
        *,
        structure_id: str,
        identifier: StructureIdentifier,
        company_name: str,
        address: Address,
        principal_manager_id: str,
        purposes: Iterable[Purpose],
        espaces: Iterable[OpenEspace],
        now: datetime,
        rcs: Rcs | None = None,
        agricultural_centre: bool = False,
        label: str = "",
    ) -> Structure:
        """A new active structure whose creator is its principal manager.

        ``label`` is the "Libellé de la structure", checked by the caller
        (:func:`~chorus_onboarding.domain.text.printable_text`, 200 characters).
        """
        chosen = frozenset(purposes)
        if not chosen:
            raise RuleViolation(field="purposes")
        return cls(
            id=structure_id,
            identifier=identifier,
            company_name=company_name,
            address=address,
            created_at=now,
            principal_manager_id=principal_manager_id,
            purposes=chosen,
            rcs=rcs,
            agricultural_centre=agricultural_centre,
            label=label,
        )._with_espaces(espaces)

    def opened(self, espace: Espace) -> OpenEspace | None:
        """The espace as opened here, or None if it is not open."""
        return next((open_ for open_ in self.espaces if open_.espace is espace), None)

    # --- reading ------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        """Whether the structure's status is ACTIF."""
        return self.status is StructureStatus.ACTIF

    def is_principal(self, account_id: str) -> bool:
        """Whether ``account_id`` is the principal manager."""
        return account_id == self.principal_manager_id

    def is_manager(self, account_id: str) -> bool:
        """Whether ``account_id`` manages the structure (principal or delegated)."""
        return account_id == self.principal_manager_id or account_id in self.managers

    def service(self, code: str) -> Service | None:
        """The service with this code, or None."""
        return next((service for service in self.services if service.code == code), None)

    def offers(self, espace: Espace, service: str, habilitation: Habilitation) -> bool:
        """Whether ``espace`` is open here, for ``service``, in the mode ``habilitation`` needs."""
        opened = self.opened(espace)
        return opened is not None and service in opened.services and opened.allows(habilitation)

    def check_active(self) -> None:
        """Raise :class:`StructureInactive` unless the structure is ACTIF.

        Nothing new happens on an inactive structure: no one asks to join it,
        is invited to it or asks for a subscription on it.
        """
        if not self.is_active:
            raise StructureInactive(field="structure_id")

    def check_offers(self, espace: Espace, service: str, habilitation: Habilitation) -> None:
        """Raise :class:`EspaceNotOpen` unless :meth:`offers`."""
        if self.service(service) is None:
            raise UnknownService(field="service", service=service)
        if not self.offers(espace, service, habilitation):
            raise EspaceNotOpen(field="espace", espace=espace.label)

    # --- changes ------------------------------------------------------------

    def _with_espaces(self, espaces: Iterable[OpenEspace]) -> Structure:
        for open_ in espaces:
            self.open(open_)
        return self

    def open(self, open_: OpenEspace) -> None:
        """Open an espace (or change how it is open): modes, services, parameters.

        "Demande de remboursement TIC" cannot be opened on a centre de gestion
        agricole: the centre files for farms that open it on their own structure.
        "Mémoires de frais de justice" on a structure without a SIRET asks for
        the régime/statut with the catégorie de prestataire.
        """
        if open_.espace is Espace.DEMANDE_REMBOURSEMENT_TIC and self.agricultural_centre:
            raise TicOnAgriculturalCentre(field="espace")
        if (
            open_.espace is Espace.MEMOIRES_FRAIS_JUSTICE
            and self.identifier.type is not IdentifierType.SIRET
            and open_.parameters.regime_statut is None
        ):
            raise RequiredField(field="regime_statut")
        unknown = sorted(code for code in open_.services if self.service(code) is None)
        if unknown:
            raise UnknownService(field="services", service=unknown[0])
        kept = tuple(other for other in self.espaces if other.espace is not open_.espace)
        self.espaces = tuple(sorted((*kept, open_), key=lambda item: item.espace.value))

    def close(self, espace: Espace) -> OpenEspace:
        """Close an open espace; returns how it was open."""
        opened = self.opened(espace)
        if opened is None:
            raise EspaceNotOpen(field="espace", espace=espace.label)
        self.espaces = tuple(other for other in self.espaces if other.espace is not espace)
        return opened

    def flag_agricultural_centre(self, flag: bool) -> None:
        """Mark (or unmark) the structure as a centre de gestion agricole.

        Refused while "Demande de remboursement TIC" is open on it.
        """
        if flag and self.opened(Espace.DEMANDE_REMBOURSEMENT_TIC) is not None:
            raise TicOnAgriculturalCentre(field="agricultural_centre")
        self.agricultural_centre = flag

    def modify(
        self, *, company_name: str, label: str, address: Address, status: StructureStatus
    ) -> None:
        """Replace the structure's general information."""
        self.company_name = company_name
        self.label = label
        self.address = address
        self.status = status

    def add_service(self, service: Service) -> None:
        """Add a service; codes are unique within the structure."""
        if self.service(service.code) is not None:
            raise AlreadyExists(field="service", what="service", service=service.code)
        self.services = (*self.services, service)

    def grant_manager(self, account_id: str) -> None:
        """Delegate managing rights to ``account_id``; refused to whoever manages already.

        Only an active user validly attached to the structure may receive
        them, which the structure cannot check: it holds neither accounts nor
        attachments. :func:`~chorus_onboarding.domain.membership.delegate_managing`
        checks that first, then calls this.
        """
        if self.is_manager(account_id):
            raise AlreadyExists(field="account_id", what="manager")
        self.managers = self.managers | {account_id}

    def revoke_manager(self, account_id: str) -> None:
        """Take delegated managing rights back (not from the principal manager)."""
        if account_id not in self.managers:
            raise NotFound(field="account_id", what="delegated_manager")
        self.managers = self.managers - {account_id}

    def make_principal(self, account_id: str, *, keep_former: bool) -> None:
        """Hand the principal manager role to ``account_id``.

        With ``keep_former`` the former principal manager keeps managing as a
        delegated manager (a transfer must not lock them out); without, they
        keep no right (support appoints a successor to someone gone).

        The role goes only to an active user validly attached to the
        structure ("transférer le rôle à un autre utilisateur rattaché
        actif"). The structure cannot check that: the account's state and the
        attachments are other entities it does not hold. Call
        :func:`~chorus_onboarding.domain.membership.transfer_principal_role`
        or :func:`~chorus_onboarding.domain.membership.appoint_principal_manager`,
        which check it and then call this; call this directly only with an
        account that :func:`~chorus_onboarding.domain.membership.may_receive_principal_role`
        accepted.
        """
        former = self.principal_manager_id
        self.principal_manager_id = account_id
        kept = {former} if keep_former and former != account_id else set()
        self.managers = (self.managers | kept) - {account_id}

    def change_siret(
        self,
        new: StructureIdentifier,
        record: CompanyRecord,
        *,
        by: str,
        told: Iterable[str],
        now: datetime,
    ) -> None:
        """Declare the structure's new SIRET, as the company register knows it.

        Only a structure identified by a SIRET changes to another one. The
        structure keeps its id, so its attachments, managers, services,
        espaces, subscriptions and requests stay its own; the former SIRET is
        kept in :attr:`former_identifiers`, and the name and address become
        the register's where it gives them. An RCS number of another SIREN
        than the new SIRET's (a change of legal form) is no longer the
        structure's and is dropped. ``told`` are the accounts attached,
        asking to be or invited, whom the :class:`~.events.SiretChanged` event
        names.
        That the new SIRET is no other structure's, now or before, is for
        the store to say: the structure cannot see the others.
        """
        if self.identifier.type is not IdentifierType.SIRET:
            raise SiretChangeNeedsSiret(field="structure_id")
        if new.type is not IdentifierType.SIRET or record.identifier != new:
            raise InvalidInput(field="siret", expected="numéro SIRET")
        if new == self.identifier:
            raise SiretUnchanged(field="siret")
        former = self.identifier
        self.former_identifiers = (
            *self.former_identifiers,
            FormerIdentifier(identifier=former, replaced_at=now),
        )
        self.identifier = new
        if self.rcs is not None and self.rcs.siren != Siret(new.value).siren:
            self.rcs = None
        self.company_name = record.name or self.company_name
        self.address = record.address or self.address
        self._record(
            events.SiretChanged(
                occurred_at=now,
                structure_id=self.id,
                previous_siret=former.value,
                new_siret=new.value,
                by=by,
                told=tuple(sorted(set(told))),
            )
        )

    def forget_member(self, account_id: str) -> None:
        """A detached user loses the managing rights they had here."""
        self.managers = self.managers - {account_id}
