"""Version 5: a HORS_UE identifier's unique key ignores case, width and compatibility forms.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-17

``ACME-123``, ``acme-123`` and ``ＡＣＭＥ－１２３`` are one structure: the
``identifier_key`` of a HORS_UE structure becomes ``HORS_UE:`` and its
identifier folded (NFKC, case folded, NFKC again, spaces collapsed), as
``StructureIdentifier.key`` computes it from this version on. Documents keep
the identifier as typed. Keys of every other type are unchanged (their
values were normalised already: digits, upper case).

Two structures whose identifiers fold alike cannot both keep their key: the
upgrade stops with ``StructureAlreadyRegistered`` naming them, and changes
nothing; correct or merge them, then upgrade again.

Frozen: the folding below is what the library did when this revision was
written, pasted here, so that changing it later changes nothing here.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from chorus_onboarding.domain.errors import StructureAlreadyRegistered

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PREFIX = "HORS_UE:"


def _folded(value: str) -> str:
    compatible = unicodedata.normalize("NFKC", value)
    return " ".join(unicodedata.normalize("NFKC", compatible.casefold()).split())


def upgrade() -> None:
    """Fold the keys of the HORS_UE structures; refuse keys that would then collide."""
    connection = op.get_bind()
    structures = sa.table(
        "co_structures", sa.column("id", sa.String()), sa.column("identifier_key", sa.String())
    )
    rows = connection.execute(
        sa.select(structures.c.id, structures.c.identifier_key)
        .where(structures.c.identifier_key.startswith(_PREFIX, autoescape=True))
        .order_by(structures.c.id)
    ).all()
    by_key: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for structure_id, key in rows:
        typed = key[len(_PREFIX) :]
        by_key[_PREFIX + _folded(typed)].append((structure_id, typed))
    for same in by_key.values():
        if len(same) > 1:
            named = ", ".join(f"{typed} (id {structure_id})" for structure_id, typed in same)
            raise StructureAlreadyRegistered(field="identifier", identifier=named)
    changed = [
        {"_id": structure_id, "identifier_key": key}
        for key, ((structure_id, typed),) in by_key.items()
        if key != _PREFIX + typed
    ]
    # Folding twice gives the same key: no new key is another row's old one,
    # whatever order the rows are updated in.
    if changed:
        connection.execute(
            sa.update(structures)
            .where(structures.c.id == sa.bindparam("_id"))
            .values(identifier_key=sa.bindparam("identifier_key")),
            changed,
        )
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(
        versions.insert().values(version=5, applied_at=datetime.now(UTC).replace(tzinfo=None))
    )


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
