"""What each kind of entity needs from a store, in one table read by every store.

For each aggregate: where it is kept, the columns written beside its
document (codes, never display labels), the unique rule (and the states in
which it applies), the duplicate error that rule raises, and the lookups the
memory store indexes. The memory and SQL stores read this table instead of
asking ``isinstance`` each time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic

from attrs import frozen

from ..domain.accounts import Account, AccountState
from ..domain.attachments import Attachment
from ..domain.errors import (
    AlreadyAttached,
    LoginEmailTaken,
    OnboardingError,
    StructureAlreadyRegistered,
    SubscriptionExists,
)
from ..domain.states import AttachmentState, SubscriptionState
from ..domain.structures import Structure
from ..domain.subscriptions import Subscription
from .snapshots import E, Entity


@frozen
class EntityKind(Generic[E]):
    """How one kind of entity is stored."""

    entity: type[E]
    name: str
    """A stable code for the kind ("account"...), as errors name it."""
    table: str
    """The SQL table that keeps it."""
    columns: Callable[[E], dict[str, Any]]
    """The columns written beside the document, for queries and unique rules."""
    unique: tuple[str, ...]
    """The columns no two live entities may share."""
    live_states: frozenset[str] | None
    """The ``state`` codes in which the unique rule applies (None: in every state)."""
    duplicate: Callable[[E], OnboardingError]
    """The error a second entity breaking the unique rule gets."""
    lookups: Mapping[str, Callable[[E], Iterable[Hashable]]]
    """The keys under which the memory store finds it, by lookup name."""

    def unique_key(self, entity: E) -> tuple[Any, ...] | None:
        """The value of the unique rule for ``entity``, or None when the rule does not apply."""
        columns = self.columns(entity)
        if self.live_states is not None and columns["state"] not in self.live_states:
            return None
        return tuple(columns[name] for name in self.unique)


def _account_columns(account: Account) -> dict[str, Any]:
    pending = account.state is AccountState.ACTIVATION_PENDING and account.activation
    return {
        "login_key": account.login_email.key,
        "state": account.state.name,
        "activation_deadline": account.activation.expires_at if pending else None,  # type: ignore[union-attr]
    }


def _membership_columns(entity: Attachment | Subscription) -> dict[str, Any]:
    return {
        "account_id": entity.account_id,
        "structure_id": entity.structure_id,
        "state": entity.state.name,
    }


def _subscription_columns(subscription: Subscription) -> dict[str, Any]:
    return {
        **_membership_columns(subscription),
        "service": subscription.service,
        "espace": subscription.espace.name,
    }


def _by_member(entity: Attachment | Subscription) -> list[Hashable]:
    return [(entity.account_id, entity.structure_id)]


def _by_structure(entity: Attachment | Subscription) -> list[Hashable]:
    return [entity.structure_id]


def _by_account(entity: Attachment | Subscription) -> list[Hashable]:
    return [entity.account_id]


_MEMBERSHIP_LOOKUPS = {"member": _by_member, "structure": _by_structure, "account": _by_account}

ACCOUNTS: EntityKind[Account] = EntityKind(
    entity=Account,
    name="account",
    table="co_accounts",
    columns=_account_columns,
    unique=("login_key",),
    live_states=None,
    duplicate=lambda _: LoginEmailTaken(field="login_email"),
    lookups={},
)
STRUCTURES: EntityKind[Structure] = EntityKind(
    entity=Structure,
    name="structure",
    table="co_structures",
    columns=lambda s: {"identifier_key": s.identifier.key},
    unique=("identifier_key",),
    live_states=None,
    duplicate=lambda s: StructureAlreadyRegistered(
        field="identifier", identifier=s.identifier.value
    ),
    lookups={"manager": lambda s: {s.principal_manager_id, *s.managers}},
)
ATTACHMENTS: EntityKind[Attachment] = EntityKind(
    entity=Attachment,
    name="attachment",
    table="co_attachments",
    columns=_membership_columns,
    unique=("account_id", "structure_id"),
    live_states=frozenset(state.name for state in AttachmentState if state.is_live),
    duplicate=lambda _: AlreadyAttached(field="structure_id"),
    lookups=_MEMBERSHIP_LOOKUPS,
)
SUBSCRIPTIONS: EntityKind[Subscription] = EntityKind(
    entity=Subscription,
    name="subscription",
    table="co_subscriptions",
    columns=_subscription_columns,
    unique=("account_id", "structure_id", "service", "espace"),
    live_states=frozenset(state.name for state in SubscriptionState if state.is_live),
    duplicate=lambda _: SubscriptionExists(field="espace"),
    lookups=_MEMBERSHIP_LOOKUPS,
)

KINDS: dict[type, EntityKind[Any]] = {
    kind.entity: kind for kind in (ACCOUNTS, STRUCTURES, ATTACHMENTS, SUBSCRIPTIONS)
}
"""Every kind of entity a store keeps, by class."""


def kind_of(entity: Entity) -> EntityKind[Any]:
    """The kind ``entity`` belongs to."""
    return KINDS[type(entity)]
