"""Journey 11: a centre de gestion agricole files TIC refund requests for two farms.

Two farmers register their farms (SIRET) and open "Demande de remboursement
TIC" with their catégorie de bénéficiaire and PACAGE number. A centre de
gestion registers its own structure with only "Sollicitations émises", flags
it as a centre de gestion agricole, and is refused the TIC espace on it. Its
two agents then ask to be attached to each farm; each farmer validates, giving
them the right to file TIC requests. The script ends with who may do what, as
``can_access`` computes it.
"""

from __future__ import annotations

from chorus_onboarding import (
    Actor,
    Espace,
    EspaceGrant,
    ExistingStructureRegistration,
    Habilitation,
    NewStructureRegistration,
    OnboardingService,
    StructureNaming,
)
from chorus_onboarding.adapters.hashing import FastInsecureHasher
from chorus_onboarding.adapters.mail import MemoryMailbox
from chorus_onboarding.domain.espaces import CategorieBeneficiaire
from chorus_onboarding.errors import TicOnAgriculturalCentre
from chorus_onboarding.testing.fakes import FrozenClock, link_parameters

PASSWORD = "Ma-Ferme-En-Ligne-2024"
CGA_SIRET = "13186091800013"
# email, last name, first name, SIRET, PACAGE
FARMERS = [
    ("paul.martin@earl-trois-chenes.fr", "MARTIN", "Paul", "90830166600016", "024123456"),
    ("sophie.roche@gaec-plateau.fr", "ROCHE", "Sophie", "39099603100014", "015987654"),
]
CLAIRE = ("claire.faure@cga-sud-ouest.fr", "FAURE", "Claire")
LUC = ("luc.bonnet@cga-sud-ouest.fr", "BONNET", "Luc")


class Onboarding:
    """The service and its fakes, with the two steps every person goes through."""

    def __init__(self) -> None:
        self.mailbox = MemoryMailbox()
        self.service = OnboardingService.in_memory(
            clock=FrozenClock(), mailer=self.mailbox, hasher=FastInsecureHasher()
        )

    def activate(self, email: str) -> None:
        """Follow the activation link sent to ``email``, as its owner would."""
        link = link_parameters(self.mailbox, email, "activationCompte")
        self.service.activate_account(
            login_email=link["email"],
            token=link["token"],
            password=PASSWORD,
            password_confirmation=PASSWORD,
            secret_question="Quel est le nom de ma première vache ?",
            secret_answer="Marguerite",
        )

    def register(
        self, email: str, last_name: str, first_name: str, siret: str, espaces: list[Espace]
    ) -> tuple[Actor, str]:
        """Journey 1, then activation: the new principal manager and their structure."""
        registration = self.service.register_with_new_structure(
            NewStructureRegistration(
                login_email=email,
                login_email_confirmation=email,
                last_name=last_name,
                first_name=first_name,
                captcha="XWWXS",
                siret=siret,
                espaces=espaces,
            )
        )
        self.activate(email)
        assert registration.structure_id is not None
        return Actor.user(registration.account_id), registration.structure_id


def main() -> None:
    """Set up two farms and a centre de gestion, attach its agents, print the access table."""
    onboarding = Onboarding()
    service = onboarding.service

    farms: dict[str, tuple[Actor, str]] = {}
    for email, last_name, first_name, siret, pacage in FARMERS:
        farmer, farm = onboarding.register(
            email, last_name, first_name, siret, [Espace.SOLLICITATIONS_EMISES]
        )
        service.open_espace(
            farmer,
            farm,
            Espace.DEMANDE_REMBOURSEMENT_TIC,
            categorie_beneficiaire=CategorieBeneficiaire.SOCIETE_AGRICOLE.name,
            pacage=pacage,
        )
        name = service.structure(farmer, farm).company_name
        farms[name] = (farmer, farm)
        print(f"{first_name} {last_name} opened the TIC espace on {name}")

    claire, cga = onboarding.register(*CLAIRE, CGA_SIRET, [Espace.SOLLICITATIONS_EMISES])
    service.set_agricultural_centre(claire, cga, True)
    cga_name = service.structure(claire, cga).company_name
    print(f"{cga_name} is flagged as a centre de gestion agricole")
    try:
        service.open_espace(
            claire, cga, Espace.DEMANDE_REMBOURSEMENT_TIC, categorie_beneficiaire="AUTRE"
        )
    except TicOnAgriculturalCentre as refused:
        print(f"TIC refused on the centre de gestion: {refused}")

    email, last_name, first_name = LUC
    joined = service.register_for_existing_structure(
        ExistingStructureRegistration(
            login_email=email,
            login_email_confirmation=email,
            last_name=last_name,
            first_name=first_name,
            captcha="XWWXS",
            siret=CGA_SIRET,
        )
    )
    onboarding.activate(email)
    luc = Actor.user(joined.account_id)
    assert joined.attachment_id is not None
    service.validate_attachment(
        claire,
        joined.attachment_id,
        grants=[EspaceGrant(Espace.SOLLICITATIONS_EMISES, Habilitation.MODIFICATION)],
    )
    print(f"{first_name} {last_name} joined {cga_name}")

    tic = EspaceGrant(Espace.DEMANDE_REMBOURSEMENT_TIC, Habilitation.MODIFICATION)
    for _, _, _, siret, _ in FARMERS:
        (found,) = service.search_structures(claire, StructureNaming(siret=siret))
        farmer, _ = farms[found.company_name]
        for agent in (claire, luc):
            request_id = service.request_attachment(agent, found.id)
            service.validate_attachment(farmer, request_id, grants=[tic])
        print(f"Both agents are attached to {found.company_name}, with the TIC right")

    people = {
        "Paul MARTIN": farms["EARL DES TROIS CHENES"][0],
        "Sophie ROCHE": farms["GAEC DU PLATEAU"][0],
        "Claire FAURE": claire,
        "Luc BONNET": luc,
    }
    columns = {
        "EARL (TIC)": (farms["EARL DES TROIS CHENES"][1], Espace.DEMANDE_REMBOURSEMENT_TIC),
        "GAEC (TIC)": (farms["GAEC DU PLATEAU"][1], Espace.DEMANDE_REMBOURSEMENT_TIC),
        "CGA (TIC)": (cga, Espace.DEMANDE_REMBOURSEMENT_TIC),
        "CGA (Sollicitations)": (cga, Espace.SOLLICITATIONS_EMISES),
    }
    print()
    print("Who may file (MODIFICATION), as can_access computes it now:")
    print("".join(f"{title:<22}" for title in ["", *columns]).rstrip())
    for name, actor in people.items():
        assert actor.account_id is not None
        cells = [
            "oui"
            if service.can_access(actor.account_id, structure_id, espace, Habilitation.MODIFICATION)
            else "-"
            for structure_id, espace in columns.values()
        ]
        print("".join(f"{cell:<22}" for cell in [name, *cells]).rstrip())


if __name__ == "__main__":
    main()
