"""The version-1 schema: one table per aggregate, its state as a JSON document.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

What ``create_schema`` of the first release created. A database made by that
release (``co_schema_version`` 1, no ``co_alembic_version``) is stamped with
this revision rather than running it. Frozen: the tables are spelled out
here, not imported from ``schema.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 64


def _seq() -> sa.Column[int]:
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def upgrade() -> None:
    """Create the version-1 tables and indexes, seed the identifier counter, record version 1."""
    op.create_table(
        "co_accounts",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("login_key", sa.String(320), nullable=False, unique=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("activation_deadline", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    _partial_index(
        "co_accounts_pending_deadline",
        "co_accounts",
        ["activation_deadline"],
        "state = 'ACTIVATION_PENDING'",
    )
    op.create_table(
        "co_structures",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("identifier_key", sa.String(128), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_table(
        "co_structure_managers",
        sa.Column("structure_id", sa.String(ID), primary_key=True),
        sa.Column("account_id", sa.String(ID), primary_key=True),
    )
    op.create_index("ix_co_structure_managers_account_id", "co_structure_managers", ["account_id"])
    op.create_table(
        "co_attachments",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("account_id", sa.String(ID), nullable=False),
        sa.Column("structure_id", sa.String(ID), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_co_attachments_account_id", "co_attachments", ["account_id"])
    op.create_index("ix_co_attachments_structure_id", "co_attachments", ["structure_id"])
    op.create_index("co_attachments_member", "co_attachments", ["account_id", "structure_id"])
    _partial_index(
        "co_attachments_one_live",
        "co_attachments",
        ["account_id", "structure_id"],
        "state IN ('EN_ATTENTE', 'VALIDE')",
        unique=True,
    )
    op.create_table(
        "co_subscriptions",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("account_id", sa.String(ID), nullable=False),
        sa.Column("structure_id", sa.String(ID), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("espace", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_co_subscriptions_account_id", "co_subscriptions", ["account_id"])
    op.create_index("ix_co_subscriptions_structure_id", "co_subscriptions", ["structure_id"])
    op.create_index("co_subscriptions_member", "co_subscriptions", ["account_id", "structure_id"])
    _partial_index(
        "co_subscriptions_one_live",
        "co_subscriptions",
        ["account_id", "structure_id", "service", "espace"],
        "state IN ('EN_COURS_DE_VALIDATION', 'VALIDE')",
        unique=True,
    )
    op.create_table(
        "co_history",
        _seq(),
        sa.Column("structure_id", sa.String(ID), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_co_history_structure_id", "co_history", ["structure_id"])
    op.create_table(
        "co_outbox",
        _seq(),
        sa.Column("id", sa.String(ID), nullable=False, unique=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    _partial_index("co_outbox_undelivered", "co_outbox", ["seq"], "delivered_at IS NULL")
    counters = op.create_table(
        "co_counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    versions = op.create_table(
        "co_schema_version",
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
    )
    op.bulk_insert(counters, [{"name": "assigned_identifiers", "value": 0}])
    op.bulk_insert(versions, [{"version": 1, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])


def _partial_index(
    name: str, table: str, columns: list[str], where: str, *, unique: bool = False
) -> None:
    condition = sa.text(where)
    op.create_index(
        name,
        table,
        columns,
        unique=unique,
        postgresql_where=condition,
        sqlite_where=condition,
    )


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
