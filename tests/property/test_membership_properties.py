"""Properties of the membership rules over random entities: access needs every condition at once."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from chorus_onboarding.domain import membership
from chorus_onboarding.domain.accounts import Account, AccountState
from chorus_onboarding.domain.attachments import Attachment, AttachmentState
from chorus_onboarding.domain.emails import EmailAddress
from chorus_onboarding.domain.errors import OnboardingError
from chorus_onboarding.domain.espaces import Espace, Habilitation, OpenEspace
from chorus_onboarding.domain.identifiers import IdentifierType, StructureIdentifier
from chorus_onboarding.domain.structures import (
    Address,
    Purpose,
    Service,
    Structure,
    StructureStatus,
)
from chorus_onboarding.domain.subscriptions import Subscription, SubscriptionState

NOW = datetime(2018, 1, 4, tzinfo=UTC)
ME, BOSS, OTHER = "me", "boss", "other"
ESPACES = (Espace.FACTURES_EMISES, Espace.SOLLICITATIONS_EMISES)
SERVICES = ("DEFAUT", "COMPTA")
MODES = tuple(Habilitation)


@st.composite
def opened(draw: st.DrawFn, espace: Espace) -> OpenEspace | None:
    if not draw(st.booleans()):
        return None
    modes = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    services = draw(st.sets(st.sampled_from(SERVICES), min_size=1))
    return OpenEspace(
        espace=espace,
        services=frozenset(services),
        consultation=modes[0],
        modification=modes[1],
    )


@st.composite
def structures(draw: st.DrawFn) -> Structure:
    structure = Structure.create(
        structure_id="s1",
        identifier=StructureIdentifier(IdentifierType.SIRET, "90830166600016"),
        company_name="EARL",
        address=Address.parse(street="1 rue", postal_code="24100", city="Bergerac"),
        principal_manager_id=draw(st.sampled_from([ME, BOSS])),
        purposes=[Purpose.DEPOSER_DEMANDES_PAIEMENT],
        espaces=[],
        now=NOW,
    )
    structure.add_service(Service("COMPTA", "Comptabilité"))
    for espace in ESPACES:
        open_ = draw(opened(espace))
        if open_ is not None:
            structure.open(open_)
    structure.status = draw(st.sampled_from(list(StructureStatus)))
    return structure


def _account(state: AccountState) -> Account:
    return Account(
        id=ME,
        login_email=EmailAddress.parse("me@exemple.fr"),
        last_name="MOI",
        first_name="Test",
        created_at=NOW,
        state=state,
    )


@st.composite
def attachments(draw: st.DrawFn) -> list[Attachment]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from([ME, OTHER]),
                st.sampled_from(["s1", "s2"]),
                st.sampled_from(list(AttachmentState)),
            ),
            max_size=3,
        )
    )
    return [
        Attachment(
            id=f"a{number}",
            account_id=owner,
            structure_id=structure_id,
            requested_at=NOW,
            state=state,
        )
        for number, (owner, structure_id, state) in enumerate(rows)
    ]


@st.composite
def subscriptions(draw: st.DrawFn) -> list[Subscription]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from([ME, OTHER]),
                st.sampled_from(["s1", "s2"]),
                st.sampled_from(ESPACES),
                st.sampled_from(SERVICES),
                st.sampled_from(MODES),
                st.sampled_from(list(SubscriptionState)),
            ),
            max_size=4,
        )
    )
    return [
        Subscription(
            id=f"sub{number}",
            account_id=owner,
            structure_id=structure_id,
            espace=espace,
            service=service,
            habilitation=habilitation,
            requested_at=NOW,
            request_date=NOW.date(),
            state=state,
        )
        for number, (owner, structure_id, espace, service, habilitation, state) in enumerate(rows)
    ]


def _expected(
    account: Account,
    structure: Structure,
    held: list[Attachment],
    rights: list[Subscription],
    espace: Espace,
    mode: Habilitation,
) -> bool:
    """DOMAIN.md's access rule written plainly, apart from the library's."""
    open_ = next((o for o in structure.espaces if o.espace is espace), None)
    if open_ is None:
        return False
    mode_open = open_.modification if mode is Habilitation.MODIFICATION else True
    attached = any(
        a.account_id == ME and a.structure_id == "s1" and a.state is AttachmentState.VALIDATED
        for a in held
    )
    subscribed = any(
        s.account_id == ME
        and s.structure_id == "s1"
        and s.espace is espace
        and s.state is SubscriptionState.VALIDE
        and s.service in open_.services
        and (
            s.habilitation is Habilitation.MODIFICATION
            or mode is Habilitation.CONSULTATION_UNIQUEMENT
        )
        for s in rights
    )
    return (
        account.state is AccountState.ACTIVE
        and structure.status is StructureStatus.ACTIF
        and mode_open
        and attached
        and (structure.principal_manager_id == ME or subscribed)
    )


@given(
    st.sampled_from(list(AccountState)),
    structures(),
    attachments(),
    subscriptions(),
    st.sampled_from(ESPACES),
    st.sampled_from(MODES),
)
def test_can_access_agrees_with_the_rule_written_plainly(
    state: AccountState,
    structure: Structure,
    held: list[Attachment],
    rights: list[Subscription],
    espace: Espace,
    mode: Habilitation,
) -> None:
    """On random entities, can_access gives what DOMAIN.md's rule, written apart, gives."""
    account = _account(state)
    assert membership.can_access(account, structure, held, rights, espace, mode) == _expected(
        account, structure, held, rights, espace, mode
    )


@given(
    st.sampled_from(list(AccountState)),
    structures(),
    attachments(),
    subscriptions(),
)
def test_the_rights_listed_are_exactly_those_can_access_grants(
    state: AccountState,
    structure: Structure,
    held: list[Attachment],
    rights: list[Subscription],
) -> None:
    """ "Mes habilitations" (held_rights) lists a right, in a mode, exactly when can_access grants it."""
    account = _account(state)
    listed = membership.held_rights(account, structure, held, rights)
    for espace in Espace:
        for mode in MODES:
            granted = membership.can_access(account, structure, held, rights, espace, mode)
            covered = any(r.espace is espace and r.habilitation.covers(mode) for r in listed)
            assert granted == covered, (espace, mode, listed)


CONDITIONS = ("account", "structure", "espace", "mode", "attachment", "right")


def _sub(
    owner: str,
    structure_id: str,
    espace: Espace,
    habilitation: Habilitation,
    state: SubscriptionState = SubscriptionState.VALIDE,
    service: str = "DEFAUT",
) -> Subscription:
    return Subscription(
        id=f"{owner}-{structure_id}-{espace.name}-{service}-{habilitation.name}-{state.name}",
        account_id=owner,
        structure_id=structure_id,
        espace=espace,
        service=service,
        habilitation=habilitation,
        requested_at=NOW,
        request_date=NOW.date(),
        state=state,
    )


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[str | None, Account, Structure, list[Attachment], list[Subscription], Habilitation]:
    """Every condition of access met but (at most) one, among entries that must not count."""
    broken = draw(st.sampled_from((None, *CONDITIONS)))
    wanted = draw(st.sampled_from(MODES)) if broken != "mode" else Habilitation.MODIFICATION
    inactive = [s for s in AccountState if s is not AccountState.ACTIVE]
    account = _account(
        draw(st.sampled_from(inactive)) if broken == "account" else AccountState.ACTIVE
    )
    principal = broken != "right" and draw(st.booleans())
    structure = Structure.create(
        structure_id="s1",
        identifier=StructureIdentifier(IdentifierType.SIRET, "90830166600016"),
        company_name="EARL",
        address=Address.parse(street="1 rue", postal_code="24100", city="Bergerac"),
        principal_manager_id=ME if principal else BOSS,
        purposes=[Purpose.DEPOSER_DEMANDES_PAIEMENT],
        espaces=[],
        now=NOW,
    )
    structure.add_service(Service("COMPTA", "Comptabilité"))
    espace = Espace.FACTURES_EMISES
    if broken == "mode":
        modes = (True, False)
    elif wanted is Habilitation.MODIFICATION:
        modes = (draw(st.booleans()), True)
    else:
        modes = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    if broken != "espace":
        structure.open(
            OpenEspace(
                espace=espace,
                services=frozenset({"DEFAUT"}),
                consultation=modes[0],
                modification=modes[1],
            )
        )
    # Another espace open does not stand in for the one asked.
    structure.open(OpenEspace(espace=Espace.SOLLICITATIONS_EMISES, services=frozenset(SERVICES)))
    if broken == "structure":
        structure.status = StructureStatus.INACTIF
    held = [
        Attachment(
            id="o",
            account_id=OTHER,
            structure_id="s1",
            requested_at=NOW,
            state=AttachmentState.VALIDATED,
        ),
        Attachment(
            id="e",
            account_id=ME,
            structure_id="s2",
            requested_at=NOW,
            state=AttachmentState.VALIDATED,
        ),
    ]
    if broken == "attachment":
        not_valid = [s for s in AttachmentState if s is not AttachmentState.VALIDATED]
        for number, state in enumerate(draw(st.lists(st.sampled_from(not_valid), max_size=2))):
            held.append(
                Attachment(
                    id=f"m{number}", account_id=ME, structure_id="s1", requested_at=NOW, state=state
                )
            )
    else:
        held.append(
            Attachment(
                id="m",
                account_id=ME,
                structure_id="s1",
                requested_at=NOW,
                state=AttachmentState.VALIDATED,
            )
        )
    full = Habilitation.MODIFICATION
    rights = [
        _sub(OTHER, "s1", espace, full),
        _sub(ME, "s2", espace, full),
        _sub(ME, "s1", Espace.SOLLICITATIONS_EMISES, full),
    ]
    if broken == "right":
        not_granted = [s for s in SubscriptionState if s is not SubscriptionState.VALIDE]
        near_misses = [
            _sub(ME, "s1", espace, full, draw(st.sampled_from(not_granted))),
            _sub(ME, "s1", espace, full, service="COMPTA"),
        ]
        if wanted is Habilitation.MODIFICATION:
            near_misses.append(_sub(ME, "s1", espace, Habilitation.CONSULTATION_UNIQUEMENT))
        rights.extend(draw(st.lists(st.sampled_from(near_misses), max_size=3)))
    elif not principal:
        covering = [full] if wanted is full else list(MODES)
        rights.append(_sub(ME, "s1", espace, draw(st.sampled_from(covering))))
    shuffled = draw(st.permutations(rights))
    return broken, account, structure, held, list(shuffled), wanted


@given(scenarios())
def test_can_access_is_false_unless_every_condition_holds(
    scenario: tuple[
        str | None, Account, Structure, list[Attachment], list[Subscription], Habilitation
    ],
) -> None:
    """Active account, active structure, espace open in the mode, attached, principal or subscribed."""
    broken, account, structure, held, rights, mode = scenario
    granted = membership.can_access(account, structure, held, rights, Espace.FACTURES_EMISES, mode)
    assert granted is (broken is None)


@given(structures(), attachments(), subscriptions(), st.sampled_from(ESPACES))
def test_modification_access_implies_consultation_access(
    structure: Structure,
    held: list[Attachment],
    rights: list[Subscription],
    espace: Espace,
) -> None:
    """Whoever may modify an espace may consult it."""
    account = _account(AccountState.ACTIVE)
    if membership.can_access(account, structure, held, rights, espace, Habilitation.MODIFICATION):
        assert membership.can_access(
            account, structure, held, rights, espace, Habilitation.CONSULTATION_UNIQUEMENT
        )


@given(structures(), attachments(), subscriptions())
def test_after_a_detachment_the_member_accesses_nothing(
    structure: Structure, held: list[Attachment], rights: list[Subscription]
) -> None:
    """Detaching ends every right of the member on the structure at once."""
    account = _account(AccountState.ACTIVE)
    attachment = membership.attachment_of(structure, ME, held)
    if attachment is None or structure.is_principal(ME):
        return
    membership.detach(structure, attachment, rights, by=BOSS, now=NOW)
    assert attachment.state is AttachmentState.ENDED
    assert not membership.may_manage(structure, ME)
    mine = [s for s in rights if s.account_id == ME and s.structure_id == "s1"]
    assert all(not s.state.is_live for s in mine)
    for espace in ESPACES:
        for mode in MODES:
            assert not membership.can_access(account, structure, held, rights, espace, mode)


@given(
    structures(),
    attachments(),
    subscriptions(),
    st.sampled_from(ESPACES),
    st.sampled_from(SERVICES),
    st.sampled_from(MODES),
)
def test_a_subscription_the_rules_accept_gives_access_once_validated(
    structure: Structure,
    held: list[Attachment],
    rights: list[Subscription],
    espace: Espace,
    service: str,
    mode: Habilitation,
) -> None:
    """What ensure_subscribable accepts, the principal manager can validate, and it opens the espace."""
    account = _account(AccountState.ACTIVE)
    try:
        membership.ensure_subscribable(
            structure, ME, espace, service, mode, attachments=held, subscriptions=rights
        )
    except OnboardingError:
        return
    asked = Subscription.ask(
        subscription_id="new",
        account_id=ME,
        structure_id=structure.id,
        espace=espace,
        service=service,
        habilitation=mode,
        request_date=NOW.date(),
        comment="",
        now=NOW,
    )
    membership.ensure_may_validate_subscription(structure, BOSS, asked, held)
    asked.validate(by=BOSS, now=NOW)
    assert membership.can_access(account, structure, held, [*rights, asked], espace, mode)
