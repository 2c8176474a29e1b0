"""Registration: creating an account, with a new structure or for an existing one (journeys 1 to 4)."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain.accounts import Account, person_name
from ..domain.emails import EmailAddress, confirmed_login_email
from ..domain.errors import (
    CaptchaRejected,
    InvalidInput,
    LoginEmailTaken,
    OnboardingError,
    RequiredField,
    StructureNotFound,
)
from ..domain.espaces import Espace, EspaceParameters, OpenEspace, registration_espace_set
from ..domain.history import ManagerActionKind
from ..domain.identifiers import IdentifierType, Siret
from ..domain.structures import DEFAULT_SERVICE, CompanyRecord
from ..forms import ExistingStructureRegistration, NewStructureRegistration, PersonFields
from ..ports import UnitOfWork
from .arguments import flag_argument
from .attachments import ask_to_join
from .building import (
    blank,
    check_structure_fields,
    create_structure_of,
    naming,
    purposes,
)
from .checks import Checked, FieldChecks
from .context import Context
from .loaders import principal_manager_name, structure_named


@frozen
class Registration:
    """What a registration created, and until when the activation link is valid.

    ``structure_id`` is the structure created or asked for (None when an
    existing structure without SIRET was named: the account comes alone);
    ``attachment_id`` is the attachment made or requested, if any;
    ``principal_manager_name`` the "Prénom Nom" of the structure's principal
    manager, shown on the summary screen ("Gestionnaire principal"): the
    registrant's own name for a new structure, the name of who decides on
    the request for an existing one (the name only, never an address).
    """

    account_id: str
    structure_id: str | None
    activation_deadline: datetime
    attachment_id: str | None = None
    principal_manager_name: str | None = None


@frozen
class _Person:
    email: Checked[EmailAddress]
    last_name: Checked[str]
    first_name: Checked[str]
    contact: Checked[EmailAddress | None]
    consent: Checked[bool]


def lookup_company(ctx: Context, siret: object) -> CompanyRecord | None:
    """What the company register knows of ``siret``, to pre-fill the form.

    None for a SIRET the register does not know; ``name`` or ``address``
    None where it withholds them (diffusion partielle). Raises
    :class:`~chorus_onboarding.domain.errors.RegisterUnavailable` when the
    register does not answer: the form then asks for the name and address
    to be typed, and the registration goes through with them.
    """
    return ctx.ports.directory.lookup(Siret.parse(siret, field="siret"))


def _captcha(ctx: Context, response: object) -> None:
    if not isinstance(response, str) or not ctx.ports.captcha.verify(response):
        raise CaptchaRejected(field="captcha")


def _check_person(ctx: Context, check: FieldChecks, form: PersonFields) -> _Person:
    person = _Person(
        email=check(
            "login_email",
            lambda: confirmed_login_email(form.login_email, form.login_email_confirmation),
        ),
        last_name=check("last_name", lambda: person_name(form.last_name, "last_name")),
        first_name=check("first_name", lambda: person_name(form.first_name, "first_name")),
        contact=check(
            "contact_email",
            lambda: (
                None
                if blank(form.contact_email)
                else EmailAddress.parse(form.contact_email, field="contact_email")
            ),
        ),
        consent=check(
            "survey_consent", lambda: flag_argument(form.survey_consent, "survey_consent")
        ),
    )
    check("captcha", lambda: _captcha(ctx, form.captcha))
    return person


def _new_account(ctx: Context, uow: UnitOfWork, person: _Person, now: datetime) -> Account:
    if uow.accounts.get_by_login_email(person.email.value) is not None:
        raise LoginEmailTaken(field="login_email")
    account = Account.register(
        account_id=ctx.ports.ids.new_id(),
        login_email=person.email.value,
        last_name=person.last_name.value,
        first_name=person.first_name.value,
        contact_email=person.contact.value,
        survey_consent=person.consent.value,
        now=now,
    )
    account.issue_activation(ctx.ports.tokens.issue(), now, ctx.settings.activation_validity)
    uow.accounts.add(account)
    return account


def _names_a_siret(form: NewStructureRegistration) -> bool:
    """Whether the form names its structure by a SIRET, in either of the ways it may.

    Read from the form itself, not from the checked naming, so that the
    espaces are reported with the other fields even when the naming fails.
    """
    if not blank(form.siret):
        return True
    try:
        return IdentifierType.parse(form.identifier_type) is IdentifierType.SIRET
    except OnboardingError:
        return False


def _espaces(ctx: Context, form: NewStructureRegistration) -> tuple[OpenEspace, ...]:
    chosen = (
        ctx.settings.registration_espaces
        if form.espaces is None
        else registration_espace_set(form.espaces)
    )
    opened = tuple(
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
                regime_statut=form.regime_statut
                if espace is Espace.MEMOIRES_FRAIS_JUSTICE
                else None,
            ),
        )
        for espace in sorted(chosen, key=lambda e: e.value)
    )
    # Said here too (the structure says it when it opens the espace), so that
    # the form reports it with its other fields.
    for open_ in opened:
        if (
            open_.espace is Espace.MEMOIRES_FRAIS_JUSTICE
            and not _names_a_siret(form)
            and open_.parameters.regime_statut is None
        ):
            raise RequiredField(field="regime_statut")
    return opened


def register_with_new_structure(ctx: Context, form: NewStructureRegistration) -> Registration:
    """Journeys 1 and 2: create the account and its new structure; the activation email goes out.

    The registrant becomes the structure's principal manager, attached to
    it. Every field is checked and all failures are reported together
    (``InvalidForm``).
    """
    if not isinstance(form, NewStructureRegistration):
        raise InvalidInput(field="form", expected="NewStructureRegistration")
    check = FieldChecks()
    person = _check_person(ctx, check, form)
    named, rcs, described = check_structure_fields(ctx, check, form, form)
    chosen_purposes = check("purposes", lambda: purposes(form.purposes))
    espaces = check("espaces", lambda: _espaces(ctx, form))
    check.done()
    with ctx.unit_of_work() as uow:
        now = ctx.now()
        account = _new_account(ctx, uow, person, now)
        structure = create_structure_of(
            ctx,
            uow,
            named=named.value,
            described=described.value,
            rcs=rcs.value,
            chosen_purposes=chosen_purposes.value,
            espaces=espaces.value,
            creator_id=account.id,
            now=now,
        )
        ctx.log(
            uow,
            structure,
            Actor.user(account.id),
            ManagerActionKind.STRUCTURE_CREATED,
            account.id,
            "inscription",
        )
        uow.commit()
    return Registration(
        account.id,
        structure.id,
        _deadline(account, now),
        principal_manager_name=f"{account.first_name} {account.last_name}",
    )


def register_for_existing_structure(
    ctx: Context, form: ExistingStructureRegistration
) -> Registration:
    """Journeys 3 and 4: create an account for a structure already on the portal.

    With a SIRET, the structure must exist and an attachment request goes
    to its managers at once (a SIRET replaced by a change of SIRET names the
    structure under its new one). Without a SIRET, the account is created alone
    ("Mon compte" asks for the attachment later).
    """
    if not isinstance(form, ExistingStructureRegistration):
        raise InvalidInput(field="form", expected="ExistingStructureRegistration")
    check = FieldChecks()
    person = _check_person(ctx, check, form)
    named = check("siret", lambda: naming(form, searching=True))
    check.done()
    with ctx.unit_of_work() as uow:
        structure = None
        if named.value.type is IdentifierType.SIRET and named.value.identifier is not None:
            # A SIRET the structure had before a change of SIRET names it still.
            structure = structure_named(uow, named.value.identifier)
            if structure is None:
                raise StructureNotFound(field="siret")
        now = ctx.now()
        account = _new_account(ctx, uow, person, now)
        attachment = ask_to_join(ctx, uow, account, structure) if structure is not None else None
        manager = principal_manager_name(uow, structure) if structure is not None else None
        uow.commit()
    return Registration(
        account.id,
        structure.id if structure else None,
        _deadline(account, now),
        attachment.id if attachment else None,
        manager,
    )


def _deadline(account: Account, now: datetime) -> datetime:
    return account.activation.expires_at if account.activation else now
