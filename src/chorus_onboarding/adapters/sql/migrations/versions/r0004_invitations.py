"""Version 4: invitations are live attachments too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A manager no longer attaches a user directly: they invite them, and the
invitation (state ``INVITED``) holds the user's one live attachment to the
structure until it is accepted, declined or lapses. The partial unique index
of the live attachments is rebuilt to count it. No row changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Rebuild the live-attachment index with the invited state, record version 4."""
    op.drop_index("co_attachments_one_live", table_name="co_attachments")
    live = sa.text("state IN ('PENDING', 'INVITED', 'VALIDATED')")
    op.create_index(
        "co_attachments_one_live",
        "co_attachments",
        ["account_id", "structure_id"],
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(
        versions.insert().values(version=4, applied_at=datetime.now(UTC).replace(tzinfo=None))
    )


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
