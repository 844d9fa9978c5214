"""Open the diary database: engine, connection settings, migrations, short transactions.

:func:`open_store` picks the database (an explicit URL, else the
``BACKCARE_DATABASE_URL`` setting, else ``diary.sqlite3`` in the user's data
directory), upgrades it to the newest migration and returns a :class:`Store`.

SQLite is opened for a single person's diary written by more than one process:

* WAL journal, so readers never block the writer and a killed process leaves the
  last committed transaction intact;
* ``foreign_keys=ON`` on every connection (SQLite's default is off);
* ``synchronous=FULL``: a committed check-in survives a power cut, not only a crash;
* ``busy_timeout``: a second writer waits for the lock instead of failing;
* write transactions start with ``BEGIN IMMEDIATE``, taking the write lock before
  the first read, so "check the dose limit, then record the dose" cannot interleave
  with another process doing the same;
* the folders it creates are ``0700`` and the database file ``0600`` whatever the
  umask (SQLite gives its WAL and shared-memory files the database's mode); an
  existing database other users can read is used, with a warning on the log.

PostgreSQL write transactions lock the episode row instead (see the repository).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from backcare.errors import BackcareError, ConflictError, FieldProblem, InputError, StoreError
from backcare.i18n import gettext
from backcare.locations import create_private_file, exposed, private_folder
from backcare.settings import Settings
from backcare.store.migrations import HEAD, REVISIONS, SCRIPT_LOCATION
from backcare.store.repository import LOCAL_PERSON, DiaryRepository

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DATABASE_FILE_NAME",
    "Store",
    "current_revision",
    "default_database_url",
    "migrate",
    "open_store",
]

#: How long a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 30_000
#: The file name of the default SQLite database in the user's data directory.
DATABASE_FILE_NAME = "diary.sqlite3"
_BEGIN_OPTION = "backcare_begin"
_PG_MIGRATION_LOCK = 0x6261636B  # "back": an advisory lock id for concurrent migrations
_log = logging.getLogger("backcare.store")
_UNAVAILABLE = "the diary database cannot be reached or written (the details are in the log)"


def default_database_url() -> str:
    """The SQLite URL of ``diary.sqlite3`` in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('backcare', appauthor=False)) / DATABASE_FILE_NAME}"


class Store:
    """An open diary database. Use :meth:`read` and :meth:`write` for short transactions.

    Close it (or use it as a context manager) to release every connection.

    Args:
        engine: the database.
        person: whose diary its repositories read and write (``users.id``); default: a
            local diary's one person. See :meth:`for_person`.
    """

    def __init__(self, engine: Engine, *, person: int = LOCAL_PERSON) -> None:
        self.engine = engine
        self.person = person
        self._writer = (
            engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
            if engine.dialect.name == "sqlite"
            else engine
        )

    def for_person(self, person: int) -> Store:
        """The same database, read and written as ``person``'s diary (closing it is a no-op).

        Every repository it hands out is scoped to ``person``'s records; who may act for
        whom (a patient for themselves, a clinician for their care team's patients) is
        checked before, by :mod:`backcare.store.people`.
        """
        scoped = Store(self.engine, person=person)
        scoped._owner = False
        return scoped

    _owner = True

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[DiaryRepository]:
        """A read-only transaction: a consistent snapshot, rolled back at the end.

        Raises:
            StoreError: the database cannot be read.
        """
        with _translated(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield DiaryRepository(session, self.person)
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[DiaryRepository]:
        """A write transaction: committed if the block succeeds, rolled back otherwise.

        Raises:
            StoreError: the database cannot be written (locked too long, disk full...).
            ConflictError: the write clashes with saved data (e.g. a second active episode).
        """
        with _translated(), Session(self._writer, expire_on_commit=False) as session:
            try:
                yield DiaryRepository(session, self.person)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        """Close every pooled connection (a :meth:`for_person` view leaves them open)."""
        if self._owner:
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def _translated() -> Iterator[None]:
    """Turn database errors into backcare's errors (never let a driver error escape).

    The errors say what happened in backcare's own words: a driver's message names
    hosts, ports, tables and constraints, which the web app must not hand to a client.
    It goes to the ``backcare.store`` log instead (standard error for the CLI).
    """
    try:
        yield
    except BackcareError:
        raise
    except exc.IntegrityError as error:
        _log.warning("backcare: the database refused a write: %s", error.orig)
        raise ConflictError(
            gettext(
                "the change clashes with what was saved a moment ago "
                "(another window or process changed the diary): nothing was "
                "recorded, try again"
            )
        ) from error
    except OverflowError as error:  # the diary bounds every number; a last line of defence
        raise InputError(
            gettext("a number is too large to store"), problems=[FieldProblem("", str(error))]
        ) from error
    except exc.DBAPIError as error:
        _log.warning("backcare: the diary database failed: %s", error.orig)
        raise StoreError(_UNAVAILABLE) from error
    except exc.SQLAlchemyError as error:
        _log.warning("backcare: the diary database failed: %s", error)
        raise StoreError(_UNAVAILABLE) from error


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    if memory:
        # One shared connection, or each session would see its own empty database.
        kwargs.update(poolclass=StaticPool)
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        _private_database(Path(str(parsed.database)).expanduser())
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, so writes can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _private_database(path: Path) -> None:
    """Create the database file ``0600`` in ``0700`` folders; warn if it is readable by others."""
    if path.exists():
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if file.exists() and exposed(file):
                _log.warning(
                    "backcare: the diary %s can be read by other users of this machine; "
                    "make it private with: chmod 600 %s*",
                    file,
                    path,
                )
                break
        return
    private_folder(path.parent)
    create_private_file(path)


def _make_engine(url: str) -> Engine:
    try:
        backend = make_url(url).get_backend_name()
    except exc.ArgumentError as error:
        raise StoreError(gettext("not a database URL: {url!r}").format(url=url)) from error
    try:
        if backend == "sqlite":
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=False)
    except (exc.NoSuchModuleError, ModuleNotFoundError) as error:
        if backend == "postgresql":
            message = gettext(
                "no database driver for {backend!r} (install backcare[postgres] for "
                "PostgreSQL): {error}"
            )
        else:
            message = gettext("no database driver for {backend!r}: {error}")
        raise StoreError(message.format(backend=backend, error=error)) from error
    except OSError as error:
        raise StoreError(
            gettext("cannot create the database folder: {error}").format(error=error)
        ) from error


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (``None``: not migrated yet).

    Raises:
        StoreError: the database cannot be reached.
    """
    with _translated(), engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        connection.rollback()
        return None if row is None else str(row[0])


def migrate(engine: Engine, *, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest), in one transaction.

    Raises:
        StoreError: the database was made by a newer backcare, or a migration failed.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    writer = (
        engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        if engine.dialect.name == "sqlite"
        else engine
    )
    sqlite = engine.dialect.name == "sqlite"
    try:
        with writer.connect() as connection:
            if sqlite:
                # SQLite's table rebuilds (batch migrations) drop and re-create a table: with
                # foreign keys on, dropping episodes would cascade to every check-in. The
                # pragma only takes effect outside a transaction; the keys are checked below.
                connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA foreign_keys = OFF"
                )
            try:
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        connection.execute(
                            text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                        )
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise StoreError(gettext("a migration left rows pointing at nothing"))
            finally:
                if sqlite:
                    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                        "PRAGMA foreign_keys = ON"
                    )
    except StoreError:
        raise
    except exc.SQLAlchemyError as error:
        raise StoreError(
            gettext("cannot migrate the diary database: {error}").format(error=error)
        ) from error
    except Exception as error:  # alembic's own errors (e.g. an unknown revision)
        raise StoreError(
            gettext("cannot migrate the diary database: {error}").format(error=error)
        ) from error


def open_store(
    url: str | None = None, *, settings: Settings | None = None, upgrade: bool = True
) -> Store:
    """Open (creating if needed) the diary database and upgrade it to the newest schema.

    Args:
        url: SQLAlchemy URL such as ``sqlite:///path/diary.sqlite3`` or
            ``postgresql+psycopg://user@host/db``; default ``settings.database_url``,
            else ``diary.sqlite3`` in the user's data directory.
        settings: where ``database_url`` comes from when ``url`` is not given.
        upgrade: run pending migrations (tests of old schemas turn this off).

    Returns:
        The open store; close it when done.

    Raises:
        StoreError: the URL is wrong, the database cannot be reached, or its schema is
            newer than this backcare knows.
    """
    if url is None and settings is not None:
        url = settings.database_url
    engine = _make_engine(url or default_database_url())
    try:
        if upgrade:
            revision = current_revision(engine)
            if revision is not None and revision not in REVISIONS:
                raise StoreError(
                    gettext(
                        "the diary database has schema revision {revision!r}, which "
                        "this backcare does not know: it was written by a newer "
                        "backcare"
                    ).format(revision=revision)
                )
            if revision != HEAD:
                migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)
