"""Reading structures through the facade."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ..actors import Actor
from ..domain.espaces import Espace, OpenEspace
from ..domain.identifiers import Rcs, StructureIdentifier
from ..domain.structures import Address, Purpose, Structure, StructureStatus
from .core import ServiceCore


@frozen
class StructureView:
    """What the manager's pages show of a structure."""

    id: str
    identifier: StructureIdentifier
    company_name: str
    address: Address
    rcs: Rcs | None
    status: StructureStatus
    agricultural_centre: bool
    purposes: frozenset[Purpose]
    espaces: tuple[OpenEspace, ...]
    principal_manager_id: str
    created_at: datetime

    @classmethod
    def of(cls, structure: Structure) -> StructureView:
        """The view of ``structure``."""
        return cls(
            id=structure.id,
            identifier=structure.identifier,
            company_name=structure.company_name,
            address=structure.address,
            rcs=structure.rcs,
            status=structure.status,
            agricultural_centre=structure.agricultural_centre,
            purposes=structure.purposes,
            espaces=structure.espaces,
            principal_manager_id=structure.principal_manager_id,
            created_at=structure.created_at,
        )

    def opened(self, espace: Espace) -> OpenEspace | None:
        """The espace as opened on the structure, or None if it is not open."""
        return next((open_ for open_ in self.espaces if open_.espace is espace), None)


class StructureUseCases(ServiceCore):
    """What a user sees of the structures they manage."""

    def managed_structures(self, actor: Actor) -> list[StructureView]:
        """The structures whose principal manager is the actor, oldest first."""
        with self._uow() as uow:
            account = self._acting_account(uow, actor)
            structures = uow.structures.managed_by(account.id)
        return [StructureView.of(s) for s in sorted(structures, key=lambda s: (s.created_at, s.id))]
