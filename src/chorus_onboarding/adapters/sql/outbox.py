"""The relay's side of the outbox in the database: claims, marks, retries, dead letters, purge.

Every call is its own short transaction: claims hold across processes
(``claimed_until``) without a transaction left open while emails go out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ...domain.errors import StorageUnavailable
from ...ports import DeadLetter, OutboxEntry
from . import codec, schema

_T = schema.outbox
_WAITING = (_T.c.delivered_at.is_(None), _T.c.dead_at.is_(None))


class SqlOutbox:
    """The outbox of one database, for relays (any number, in any process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _run(self, work: Any) -> Any:
        try:
            with self.engine.begin() as connection:
                return work(connection)
        except DBAPIError as error:
            raise StorageUnavailable() from error

    def claim(self, limit: int, now: datetime, lease: timedelta) -> list[OutboxEntry]:
        """Claim up to ``limit`` due entries, oldest first, until ``now + lease``."""

        def work(connection: Connection) -> list[OutboxEntry]:
            free = or_(_T.c.claimed_until.is_(None), _T.c.claimed_until < now)
            due = or_(_T.c.due_at.is_(None), _T.c.due_at <= now)
            query = select(_T.c.id).where(*_WAITING, free, due).order_by(_T.c.seq).limit(limit)
            if connection.dialect.name == "postgresql":
                # Two relays skip each other's rows instead of queueing behind them.
                query = query.with_for_update(skip_locked=True)
            ids = [row.id for row in connection.execute(query)]
            if not ids:
                return []
            claimed = connection.execute(
                update(_T)
                .where(_T.c.id.in_(ids), *_WAITING, free)
                .values(claimed_until=now + lease)
                .returning(_T.c.id, _T.c.event, _T.c.attempts, _T.c.document, _T.c.seq)
            ).all()
            entries, unreadable = [], []
            for row in sorted(claimed, key=lambda r: r.seq):
                try:
                    event = codec.load_event(row.event, row.document)
                except Exception:  # a stored event this version cannot read
                    unreadable.append(row.id)
                    continue
                entries.append(OutboxEntry(id=row.id, event=event, attempts=row.attempts))
            if unreadable:
                connection.execute(
                    update(_T)
                    .where(_T.c.id.in_(unreadable))
                    .values(dead_at=now, claimed_until=None, last_error="événement illisible")
                )
            return entries

        result: list[OutboxEntry] = self._run(work)
        return result

    def mark_sent(self, entry_ids: Sequence[str], now: datetime) -> None:
        """Record these entries as delivered."""
        if entry_ids:
            self._run(
                lambda c: c.execute(
                    update(_T)
                    .where(_T.c.id.in_(list(entry_ids)))
                    .values(delivered_at=now, claimed_until=None)
                )
            )

    def retry_later(self, entry_id: str, error: str, at: datetime) -> None:
        """Count a failed attempt; due again at ``at``."""
        self._run(
            lambda c: c.execute(
                update(_T)
                .where(_T.c.id == entry_id)
                .values(attempts=_T.c.attempts + 1, due_at=at, claimed_until=None, last_error=error)
            )
        )

    def set_aside(self, entry_id: str, error: str, now: datetime) -> None:
        """Move the entry to the dead letters."""
        self._run(
            lambda c: c.execute(
                update(_T)
                .where(_T.c.id == entry_id)
                .values(
                    attempts=_T.c.attempts + 1, dead_at=now, claimed_until=None, last_error=error
                )
            )
        )

    def release(self, entry_ids: Sequence[str]) -> None:
        """Drop the claims on these entries."""
        if entry_ids:
            self._run(
                lambda c: c.execute(
                    update(_T).where(_T.c.id.in_(list(entry_ids))).values(claimed_until=None)
                )
            )

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        """The entries set aside, oldest first."""
        rows = self._run(
            lambda c: c.execute(
                select(_T.c.id, _T.c.event, _T.c.attempts, _T.c.last_error, _T.c.dead_at)
                .where(_T.c.dead_at.is_not(None))
                .order_by(_T.c.dead_at, _T.c.seq)
                .limit(limit)
            ).all()
        )
        return [
            DeadLetter(row.id, row.event, row.attempts, row.last_error or "", row.dead_at)
            for row in rows
        ]

    def requeue(self, entry_ids: Sequence[str], now: datetime) -> int:
        """Put dead letters back in the queue, due at ``now``, attempts reset."""
        if not entry_ids:
            return 0
        done = self._run(
            lambda c: c.execute(
                update(_T)
                .where(_T.c.id.in_(list(entry_ids)), _T.c.dead_at.is_not(None))
                .values(dead_at=None, attempts=0, due_at=now, last_error=None, claimed_until=None)
            )
        )
        return int(done.rowcount)

    def purge_sent(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` entries delivered before ``before``."""

        def work(connection: Connection) -> int:
            old = (
                select(_T.c.seq)
                .where(_T.c.delivered_at.is_not(None), _T.c.delivered_at < before)
                .order_by(_T.c.delivered_at)
                .limit(limit)
            )
            ids = [row.seq for row in connection.execute(old)]
            if ids:
                connection.execute(delete(_T).where(_T.c.seq.in_(ids)))
            return len(ids)

        purged: int = self._run(work)
        return purged

    def backlog(self) -> int:
        """How many entries wait for delivery."""
        count = self._run(
            lambda c: c.execute(select(func.count()).select_from(_T).where(*_WAITING)).scalar()
        )
        return int(count or 0)
