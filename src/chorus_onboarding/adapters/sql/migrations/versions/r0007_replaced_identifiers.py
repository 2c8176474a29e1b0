"""Version 7: the identifiers structures had before they declared a new SIRET.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

A structure that changes SIRET keeps its id; its former identifier is kept
in its document and, so that it is found by it and never given to another
structure, in ``co_replaced_identifiers``: one row per replaced identifier
(its key, the structure it led to, when). No existing row changes.

Frozen: the table is spelled out here, not imported from ``schema.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    """Create the table of replaced identifiers, record version 7."""
    op.create_table(
        "co_replaced_identifiers",
        sa.Column("identifier_key", sa.String(128), primary_key=True),
        sa.Column("structure_id", sa.String(ID), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_co_replaced_identifiers_structure_id", "co_replaced_identifiers", ["structure_id"]
    )
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(
        versions.insert().values(version=7, applied_at=datetime.now(UTC).replace(tzinfo=None))
    )


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
