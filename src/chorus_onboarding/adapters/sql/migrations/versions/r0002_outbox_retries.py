"""Version 2: the outbox learns retries and dead letters; no clear token stays.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Version-1 events carried mail addresses and clear link tokens; version-2
events are facts read by the notifier. Entries still waiting are set aside
as dead letters (listed by ``dead-letters``: resend the activation or reset
from the library) with their tokens erased; delivered ones are kept as
history with their tokens erased. A database made by the release that
brought version 2 (``co_schema_version`` 2, no ``co_alembic_version``) is
stamped with this revision rather than running it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OUTBOX = sa.table(
    "co_outbox",
    sa.column("id", sa.String()),
    sa.column("event", sa.String()),
    sa.column("delivered_at", sa.DateTime()),
    sa.column("dead_at", sa.DateTime()),
    sa.column("last_error", sa.String()),
    sa.column("attempts", sa.Integer()),
    sa.column("document", sa.JSON()),
)
_BATCH = 500


def upgrade() -> None:
    """Add the retry columns, rebuild the outbox indexes, erase tokens, set waiting entries aside."""
    op.add_column(
        "co_outbox", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("co_outbox", sa.Column("due_at", sa.DateTime(), nullable=True))
    op.add_column("co_outbox", sa.Column("last_error", sa.String(500), nullable=True))
    op.add_column("co_outbox", sa.Column("dead_at", sa.DateTime(), nullable=True))
    op.drop_index("co_outbox_undelivered", table_name="co_outbox")
    for name, column, where in (
        ("co_outbox_waiting", "seq", "delivered_at IS NULL AND dead_at IS NULL"),
        ("co_outbox_sent", "delivered_at", "delivered_at IS NOT NULL"),
        ("co_outbox_dead", "dead_at", "dead_at IS NOT NULL"),
    ):
        condition = sa.text(where)
        op.create_index(
            name, "co_outbox", [column], postgresql_where=condition, sqlite_where=condition
        )
    _erase_tokens()
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(versions.insert().values(version=2, applied_at=_now()))


def _erase_tokens() -> None:
    connection = op.get_bind()
    now = _now()
    last = ""
    while True:
        # Pages in key order: a large outbox is never read into memory at once.
        # Read as text where the database hands text back (SQLite): a document
        # that is not JSON is left for the relay to set aside as unreadable.
        raw = sa.type_coerce(_OUTBOX.c.document, sa.Text()).label("raw")
        rows = connection.execute(
            sa.select(_OUTBOX.c.id, _OUTBOX.c.event, _OUTBOX.c.delivered_at, raw)
            .where(_OUTBOX.c.id > last)
            .order_by(_OUTBOX.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            values: dict[str, Any] = {}
            found = _parsed(row.raw)
            if isinstance(found, dict):
                values["document"] = {k: ("" if k == "token" else v) for k, v in found.items()}
            if row.delivered_at is None:
                values |= {"dead_at": now, "last_error": f"format 1 : {row.event}", "attempts": 0}
            if values:
                connection.execute(
                    sa.update(_OUTBOX).where(_OUTBOX.c.id == row.id).values(**values)
                )
        last = rows[-1].id


def _parsed(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw  # PostgreSQL's driver parses JSON itself


def _now() -> datetime:
    # Stored as naive UTC, as the library's UtcDateTime columns are.
    return datetime.now(UTC).replace(tzinfo=None)


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
