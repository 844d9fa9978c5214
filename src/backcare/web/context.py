"""What the app holds for its lifetime: the engine, settings, signer, templates and the diary.

One :class:`WebContext` lives in ``app.state.backcare``. The diary (and so the
database) is opened on first use, not at start-up, so the assessment pages and
the JSON assessment API work without touching the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.templating import Jinja2Templates

from backcare.diary import Diary
from backcare.rules.assessor import Engine
from backcare.settings import Settings
from backcare.web.security import AccessGuard, Signer

__all__ = ["DRAWINGS_URL", "STATIC_DIR", "TEMPLATES_DIR", "WebContext"]

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
#: Where the knowledge base's exercise drawings are served.
DRAWINGS_URL = "/static/exercises"


@dataclass(eq=False)
class WebContext:
    """The app's long-lived objects.

    Attributes:
        engine: the triage engine (knowledge base and settings compiled once).
        settings: backcare's settings.
        database_url: the diary database; ``None`` for the settings' default.
        signer: signs form state and CSRF tokens (a fresh key per process).
        templates: the Jinja environment of the pages.
        access: remote mode's access guard; ``None`` in local mode.
    """

    engine: Engine
    settings: Settings
    database_url: str | None
    signer: Signer
    templates: Jinja2Templates
    access: AccessGuard | None = None
    _diary: Diary | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def diary(self) -> Diary:
        """The diary, opened (and migrated) on first use.

        Raises:
            StoreError: the database cannot be opened or migrated.
        """
        with self._lock:
            if self._diary is None:
                from backcare.store import open_store

                store = open_store(self.database_url, settings=self.settings)
                self._diary = Diary(store, engine=self.engine)
            return self._diary

    def close(self) -> None:
        """Close the diary's database, if it was opened."""
        with self._lock:
            if self._diary is not None:
                self._diary.close()
                self._diary = None
