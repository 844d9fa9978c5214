"""Alembic migrations of the diary database, shipped inside the package.

:func:`backcare.store.database.open_store` upgrades every database it opens to
:data:`HEAD`. To write a new migration, add ``versions/vNNNN_<what>.py`` with
``revision = "NNNN"`` and ``down_revision`` the previous head, and update the table
definitions to match. A test checks that file names and revision ids agree, that
the history is one straight line, and that the migrated schema equals the tables.

The revisions are read from the file names, not from alembic, so opening an
up-to-date database needs neither alembic nor the migration modules.
"""

from __future__ import annotations

import re
from importlib import resources

__all__ = ["HEAD", "REVISIONS", "SCRIPT_LOCATION"]

_FILE = re.compile(r"^v(\d{4})_[a-z0-9_]+\.py$")


def _revisions() -> tuple[str, ...]:
    folder = resources.files(__name__) / "versions"
    found = (_FILE.match(entry.name) for entry in folder.iterdir())
    return tuple(sorted(match.group(1) for match in found if match))


#: Every revision in order, oldest first (from ``versions/vNNNN_*.py``).
REVISIONS: tuple[str, ...] = _revisions()
#: The newest revision: a database at this revision needs no migration.
HEAD = REVISIONS[-1]
#: Where alembic finds this folder (package-resource form, works from a wheel).
SCRIPT_LOCATION = "backcare.store:migrations"
