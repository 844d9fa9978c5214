"""Alembic migrations of the diary database, shipped inside the package.

:func:`backcare.store.engine.open_store` upgrades every database it opens to
:data:`HEAD`. To write a new migration, add ``versions/vNNNN_<what>.py`` with
``revision = "NNNN"`` and ``down_revision`` the previous head, extend
:data:`REVISIONS`, and update :mod:`backcare.store.tables` to match (a test checks
that the tables and the migrated schema agree, and that ``HEAD`` is alembic's head).
"""

from __future__ import annotations

__all__ = ["HEAD", "REVISIONS", "SCRIPT_LOCATION"]

#: Every revision in order, oldest first.
REVISIONS: tuple[str, ...] = ("0001", "0002")
#: The newest revision: a database at this revision needs no migration.
HEAD = REVISIONS[-1]
#: Where alembic finds this folder (package-resource form, works from a wheel).
SCRIPT_LOCATION = "backcare.store:migrations"
