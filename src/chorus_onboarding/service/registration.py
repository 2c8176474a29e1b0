"""Registration: creating an account together with a structure (journey 1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from ..domain.accounts import Account, person_name
from ..domain.emails import EmailAddress, confirmed_login_email
from ..domain.errors import (
    CaptchaRejected,
    CompanyClosed,
    InvalidInput,
    LoginEmailTaken,
    PurposeRequired,
    StructureAlreadyRegistered,
    ValidationError,
)
from ..domain.espaces import Espace, EspaceParameters, OpenEspace, espace_set
from ..domain.identifiers import IdentifierType, Rcs, Siret, StructureIdentifier
from ..domain.structures import (
    DEFAULT_SERVICE,
    Address,
    CompanyRecord,
    Purpose,
    Structure,
    company_name,
)
from ..forms import NewStructureRegistration
from .checks import FieldChecks
from .core import ServiceCore


@frozen
class Registration:
    """What a registration created, and until when the activation link is valid."""

    account_id: str
    structure_id: str
    activation_deadline: datetime


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field=field, expected="booléen")
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _purposes(values: object) -> frozenset[Purpose]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field="purposes", expected="liste d'objectifs")
    chosen = set()
    for value in values:
        if isinstance(value, Purpose):
            chosen.add(value)
        elif isinstance(value, str) and value.strip().upper() in Purpose.__members__:
            chosen.add(Purpose[value.strip().upper()])
        else:
            raise InvalidInput(field="purposes", expected="objectif d'inscription")
    if not chosen:
        raise PurposeRequired(field="purposes")
    return frozenset(chosen)


class RegistrationUseCases(ServiceCore):
    """Journey 1, and the look-up that pre-fills its form."""

    def lookup_company(self, siret: object) -> CompanyRecord | None:
        """What the company register knows of ``siret``, to pre-fill the form."""
        try:
            number = Siret.parse(siret)
        except ValidationError as error:
            raise error.at("siret") from None
        return self.ports.directory.lookup(number)

    def _captcha(self, response: object) -> None:
        if not isinstance(response, str) or not self.ports.captcha.verify(response):
            raise CaptchaRejected(field="captcha")

    def _company(self, form: NewStructureRegistration, siret: Siret) -> tuple[str, Address]:
        record = self.ports.directory.lookup(siret)
        if record is not None and not record.active:
            raise CompanyClosed(field="siret")

        def pick(typed: object, known: str | None) -> object:
            return known if _blank(typed) and known else typed

        known = record.address if record else None
        name = company_name(pick(form.company_name, record.name if record else None))
        address = Address.parse(
            street=pick(form.street, known.street if known else None),
            complement=pick(form.complement, known.complement if known else None),
            postal_code=pick(form.postal_code, known.postal_code if known else None),
            city=pick(form.city, known.city if known else None),
            country=pick(form.country, known.country if known else "FR"),
        )
        return name, address

    def _espaces(self, form: NewStructureRegistration) -> tuple[OpenEspace, ...]:
        chosen = (
            self.settings.registration_espaces if form.espaces is None else espace_set(form.espaces)
        )
        return tuple(
            OpenEspace(
                espace=espace,
                services=frozenset({DEFAULT_SERVICE}),
                parameters=EspaceParameters.for_espace(
                    espace,
                    categorie_prestataire=form.categorie_prestataire
                    if espace is Espace.MEMOIRES_FRAIS_JUSTICE
                    else None,
                    categorie_beneficiaire=form.categorie_beneficiaire
                    if espace is Espace.DEMANDE_REMBOURSEMENT_TIC
                    else None,
                    pacage=form.pacage if espace is Espace.DEMANDE_REMBOURSEMENT_TIC else None,
                ),
            )
            for espace in sorted(chosen, key=lambda e: e.value)
        )

    def register_with_new_structure(self, form: NewStructureRegistration) -> Registration:
        """Create the account and its new structure; the activation email goes out.

        The registrant becomes the structure's principal manager. Every field is
        checked and all failures are reported together (``InvalidForm``).
        """
        if not isinstance(form, NewStructureRegistration):
            raise InvalidInput(field="form", expected="NewStructureRegistration")
        check = FieldChecks()
        email = check(
            "login_email",
            lambda: confirmed_login_email(form.login_email, form.login_email_confirmation),
        )
        last_name = check("last_name", lambda: person_name(form.last_name, "last_name"))
        first_name = check("first_name", lambda: person_name(form.first_name, "first_name"))
        contact = check(
            "contact_email",
            lambda: (
                None
                if _blank(form.contact_email)
                else EmailAddress.parse(form.contact_email, field="contact_email")
            ),
        )
        consent = check("survey_consent", lambda: _flag(form.survey_consent, "survey_consent"))
        check("captcha", lambda: self._captcha(form.captcha))
        siret = check("siret", lambda: Siret.parse(form.siret))
        rcs = check("rcs", lambda: None if _blank(form.rcs) else self._rcs(form.rcs, siret.value))
        purposes = check("purposes", lambda: _purposes(form.purposes))
        espaces = check("espaces", lambda: self._espaces(form))
        company = check("company_name", lambda: self._company(form, siret.value))
        check.done()

        identifier = StructureIdentifier(IdentifierType.SIRET, siret.value.value)
        with self._uow() as uow:
            if uow.accounts.get_by_login_email(email.value) is not None:
                raise LoginEmailTaken(field="login_email")
            if uow.structures.get_by_identifier(identifier) is not None:
                raise StructureAlreadyRegistered(field="siret", identifier=identifier.value)
            now = self._now()
            account = Account.register(
                account_id=self.ports.ids.new_id(),
                login_email=email.value,
                last_name=last_name.value,
                first_name=first_name.value,
                contact_email=contact.value,
                survey_consent=consent.value,
                now=now,
            )
            account.issue_activation(
                self.ports.tokens.issue(), now, self.settings.activation_validity
            )
            name, address = company.value
            structure = Structure.create(
                structure_id=self.ports.ids.new_id(),
                identifier=identifier,
                company_name=name,
                address=address,
                principal_manager_id=account.id,
                purposes=purposes.value,
                espaces=espaces.value,
                rcs=rcs.value,
                now=now,
            )
            uow.accounts.add(account)
            uow.structures.add(structure)
            uow.commit()
            deadline = account.activation.expires_at if account.activation else now
        self.deliver_notifications()
        return Registration(account.id, structure.id, deadline)

    @staticmethod
    def _rcs(text: object, siret: Siret) -> Rcs:
        rcs = Rcs.parse(text)
        rcs.check_matches(siret)
        return rcs
