"""Version 6: the support desk's log of its agents' actions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A new table, ``co_support_log``: one row per action of a support agent
(a change or a read of someone's data), in order of writing, with the
account, the structure and the agent beside the JSON document so that an
auditor finds them through an index. No existing row changes. Frozen: the
table is spelled out here, not imported from ``schema.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    """Create the support log and its indexes, record version 6."""
    op.create_table(
        "co_support_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("account_id", sa.String(ID), nullable=True),
        sa.Column("structure_id", sa.String(ID), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    for column in ("account_id", "structure_id", "actor"):
        op.create_index(f"ix_co_support_log_{column}", "co_support_log", [column])
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(
        versions.insert().values(version=6, applied_at=datetime.now(UTC).replace(tzinfo=None))
    )


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
