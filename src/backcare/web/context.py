"""What the app holds for its lifetime: the engine, settings, signer, templates and the diary.

One :class:`WebContext` lives in ``app.state.backcare``. The diary (and so the
database) is opened on first use, not at start-up. The person's own settings
(emergency number, waking hours; the settings page) are stored in the diary and
read on the first request that needs settings or the engine; if the database
cannot be opened, the assessment still works with the configured defaults.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from backcare.diary import Diary
from backcare.errors import InputError, StoreError
from backcare.rules.assessor import Engine
from backcare.settings import Settings, with_personal
from backcare.web.security import AccessGuard, Signer

__all__ = ["DRAWINGS_URL", "STATIC_DIR", "TEMPLATES_DIR", "WebContext"]

_log = logging.getLogger("backcare.web")

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
#: Where the knowledge base's exercise drawings are served.
DRAWINGS_URL = "/static/exercises"


@dataclass(eq=False)
class WebContext:
    """The app's long-lived objects.

    Attributes:
        base_engine: the triage engine built with the configured settings.
        base_settings: backcare's configured settings (``BACKCARE_*``), before the
            person's own choices.
        database_url: the diary database; ``None`` for the settings' default.
        signer: signs form state and CSRF tokens (a fresh key per process).
        templates: the Jinja environment of the pages.
        access: remote mode's access guard; ``None`` in local mode.
    """

    base_engine: Engine
    base_settings: Settings
    database_url: str | None
    signer: Signer
    templates: Jinja2Templates
    access: AccessGuard | None = None
    hosting: Any = None
    """Hosted mode (:class:`backcare.web.hosted.Hosting`); ``None``: one local person."""
    _diary: Diary | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _current: tuple[Settings, Engine] | None = field(default=None, init=False, repr=False)
    _engines: dict[Settings, Engine] = field(default_factory=dict, init=False, repr=False)

    @property
    def settings(self) -> Settings:
        """The settings in force: the configured ones with the person's choices over them."""
        return self._effective()[0]

    @property
    def engine(self) -> Engine:
        """The triage engine compiled with :attr:`settings` (one per distinct settings)."""
        return self._effective()[1]

    def _effective(self) -> tuple[Settings, Engine]:
        current = self._current
        if current is not None:
            return current
        if self.hosting is not None:  # personal settings are a local diary's, not per patient
            return self.base_settings, self.base_engine
        try:
            values = self._open().personal_settings()
            settings = with_personal(self.base_settings, values)
        except (StoreError, InputError) as exc:
            # The defaults still give safe advice; not kept, so the next request tries again.
            _log.warning("personal settings not used: %s", exc)
            return self.base_settings, self.base_engine
        return self.use(settings)

    def use(self, settings: Settings) -> tuple[Settings, Engine]:
        """Put ``settings`` in force for every page, the API and the diary."""
        with self._lock:
            engine = self._engines.get(settings)
            if engine is None:
                engine = (
                    self.base_engine
                    if settings == self.base_settings
                    else Engine(self.base_engine.knowledge, settings)
                )
                self._engines[settings] = engine
            if self._diary is not None and self._diary.engine is not engine:
                self._diary = Diary(self._diary.store, engine=engine)
            self._current = (settings, engine)
            return self._current

    def diary(self) -> Diary:
        """The diary, opened (and migrated) on first use, with the person's settings in force.

        Raises:
            StoreError: the database cannot be opened or migrated.
        """
        diary = self._open()
        if self._current is None:
            # First use: its engine must carry the stored settings (a calendar feed may be
            # the first request after a restart).
            with_stored = with_personal(self.base_settings, diary.personal_settings())
            self.use(with_stored)
            return self._open()
        return diary

    def _open(self) -> Diary:
        with self._lock:
            if self._diary is None:
                from backcare.store import open_store

                store = open_store(self.database_url, settings=self.base_settings)
                engine = self._current[1] if self._current else self.base_engine
                self._diary = Diary(store, engine=engine)
            return self._diary

    def close(self) -> None:
        """Close the diary's database, if it was opened."""
        with self._lock:
            if self._diary is not None:
                self._diary.close()
                self._diary = None
