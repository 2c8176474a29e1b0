"""The current facts a notifier reads, through any unit of work."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from ..ports import NotificationFacts, Person, StructureFacts, UnitOfWork


class UnitOfWorkFacts(NotificationFacts):
    """Reads accounts and structures through one unit of work, opened for a batch.

    Use as a context manager: ``with UnitOfWorkFacts(factory) as facts: ...``.
    Each account and structure is read once per batch.
    """

    def __init__(self, unit_of_work: Callable[[], UnitOfWork]) -> None:
        self._factory = unit_of_work
        self._uow: UnitOfWork | None = None
        self._people: dict[str, Person | None] = {}
        self._structures: dict[str, StructureFacts | None] = {}

    def __enter__(self) -> Self:
        self._uow = self._factory().__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        uow, self._uow = self._uow, None
        if uow is not None:
            uow.__exit__(exc_type, exc, tb)

    def _open(self) -> UnitOfWork:
        if self._uow is None:
            raise RuntimeError("UnitOfWorkFacts is used inside a with block")
        return self._uow

    def person(self, account_id: str) -> Person | None:
        """The account with this id, as notifications need it."""
        if account_id not in self._people:
            account = self._open().accounts.get(account_id)
            self._people[account_id] = (
                None
                if account is None
                else Person(
                    login_email=account.login_email.value,
                    contact_email=account.contact_email.value,
                    first_name=account.first_name,
                    last_name=account.last_name,
                    active=account.is_active,
                )
            )
        return self._people[account_id]

    def structure(self, structure_id: str) -> StructureFacts | None:
        """The structure with this id, as notifications need it."""
        if structure_id not in self._structures:
            structure = self._open().structures.get(structure_id)
            self._structures[structure_id] = (
                None
                if structure is None
                else StructureFacts(
                    name=structure.company_name,
                    principal_manager_id=structure.principal_manager_id,
                    manager_ids=frozenset(structure.managers),
                    services={service.code: service.name for service in structure.services},
                )
            )
        return self._structures[structure_id]
