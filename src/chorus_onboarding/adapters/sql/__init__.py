"""Persistence on SQLAlchemy Core: SQLite as the embedded default, PostgreSQL for scale.

Needs the ``sql`` extra (``pip install chorus-onboarding[sql]``), and
``postgresql`` for PostgreSQL.
"""

from ...domain.errors import StorageUnavailable, StoredDataUnreadable
from .engines import database_waits, release_engine, sqlite_engine, url_engine
from .migrate import HEAD_REVISION, current_revision
from .outbox import SqlOutbox
from .schema import SCHEMA_VERSION, create_schema, installed_version, prepare
from .uow import SqlUnitOfWork

__all__ = [
    "HEAD_REVISION",
    "SCHEMA_VERSION",
    "SqlOutbox",
    "SqlUnitOfWork",
    "StorageUnavailable",
    "StoredDataUnreadable",
    "create_schema",
    "current_revision",
    "database_waits",
    "installed_version",
    "prepare",
    "release_engine",
    "sqlite_engine",
    "url_engine",
]
