"""Fixtures and factories for the store and diary tests (import the fixtures you use).

``store_url`` is parametrised over SQLite and PostgreSQL: the PostgreSQL case
runs when ``BACKCARE_TEST_POSTGRES_URL`` is set (``scripts/pg-test-server.sh
start`` prints it) and skips with the reason otherwise. Each PostgreSQL test gets
its own schema, dropped afterwards; each SQLite test its own file under
``tmp_path``. Every engine is disposed, so no connection outlives its test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from backcare import Engine
from backcare.diary import Diary
from backcare.errors import BackcareError
from backcare.store import Store, open_store

PG_ENV = "BACKCARE_TEST_POSTGRES_URL"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def _pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file in ``folder``, or a new PostgreSQL schema.

    The PostgreSQL case skips the test when ``BACKCARE_TEST_POSTGRES_URL`` is unset.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'diary.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (run scripts/pg-test-server.sh start)")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        yield _pg_schema_url(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


#: Run a test on both back ends in a module whose ``store_url`` defaults to SQLite.
BOTH_BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL, once on SQLite and once on PostgreSQL."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """A SQLite file URL under the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'diary.sqlite3'}"


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock starting on Monday 2 March 2026, 08:00 UTC."""
    return FakeClock()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated store on SQLite or PostgreSQL."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """An open, migrated SQLite store (for tests that need no second back end)."""
    with open_store(sqlite_url) as opened:
        yield opened


@pytest.fixture
def diary(store: Store, engine: Engine, clock: FakeClock) -> Diary:
    """A diary on ``store`` with the fixed-settings engine, the fake clock and UTC days."""
    return Diary(store, engine=engine, clock=clock, tz=UTC)


@pytest.fixture
def sqlite_diary(sqlite_url: str, engine: Engine, clock: FakeClock) -> Iterator[Diary]:
    """A diary on a SQLite file only (for tests that do not need both back ends)."""
    with Diary(open_store(sqlite_url), engine=engine, clock=clock, tz=UTC) as opened:
        yield opened


def start_answers(**overrides: Any) -> dict[str, Any]:
    """Intake answers of a typical lifting spasm with every safety question answered 'no'."""
    from conftest import all_no

    answers = all_no(**overrides)
    answers.pop("hours_since_onset", None)
    return answers


def invoke(app: typer.Typer, args: list[str], **kwargs: Any) -> tuple[int, Result]:
    """Run the CLI like ``backcare.cli.main`` does: a BackcareError becomes its exit code.

    The terminal is 200 columns wide, so Rich does not wrap the sentences tests look for.
    """
    kwargs["env"] = {"COLUMNS": "200"} | dict(kwargs.get("env") or {})
    result = CliRunner().invoke(app, args, **kwargs)
    if isinstance(result.exception, BackcareError):
        return result.exception.exit_code, result
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result


def cli_app() -> typer.Typer:
    """A Typer app with only the diary commands, as ``backcare.cli.app`` registers them."""
    from backcare.cli.diary import register

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """backcare (diary commands only)."""

    register(app)
    return app


Factory = Callable[..., Any]
