"""The diary store: SQLAlchemy 2.0 tables, Alembic migrations and one repository.

SQL lives only in this package. :func:`open_store` opens (and migrates) a
database; :meth:`Store.read` / :meth:`Store.write` give a
:class:`~backcare.store.repository.DiaryRepository` inside one short transaction.
SQLite in the user's data directory is the default; any SQLAlchemy URL, including
``postgresql+psycopg://...``, selects another database.
"""

from backcare.store.database import (
    Store,
    current_revision,
    default_database_url,
    migrate,
    open_store,
)
from backcare.store.migrations import HEAD, REVISIONS
from backcare.store.records import (
    ActionCount,
    ActivityScore,
    CheckInMarks,
    CheckInRecord,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    SelfCareAction,
)
from backcare.store.repository import DiaryRepository

__all__ = [
    "HEAD",
    "REVISIONS",
    "ActionCount",
    "ActivityScore",
    "CheckInMarks",
    "CheckInRecord",
    "DiaryRepository",
    "DoseRecord",
    "EpisodeRecord",
    "EpisodeStatus",
    "NewCheckIn",
    "NewDose",
    "NewEpisode",
    "SelfCareAction",
    "Store",
    "current_revision",
    "default_database_url",
    "migrate",
    "open_store",
]
