"""Hosted mode's commands: server's refusals, db upgrade, users add and invite, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from backcare.accounts import Accounts, SignInError
from backcare.cli.app import app
from backcare.errors import InputError
from backcare.store import HEAD, current_revision, open_store
from store_fixtures import database_url

PASSWORD = "a long enough password"


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[str]:
    with database_url("postgresql", tmp_path) as url:
        yield url


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        pytest.param({}, "BACKCARE_DATABASE_URL", id="no-database"),
        pytest.param(
            {"BACKCARE_DATABASE_URL": "sqlite:///diary.sqlite3"},
            "BACKCARE_DATABASE_URL",
            id="sqlite-is-for-one-person",
        ),
        pytest.param(
            {"BACKCARE_DATABASE_URL": "postgresql+psycopg://u@localhost/db"},
            "BACKCARE_PUBLIC_URL",
            id="no-public-address",
        ),
    ],
)
def test_server_says_which_setting_is_missing(
    env: dict[str, str], setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BACKCARE_DATABASE_URL", "BACKCARE_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["server"], env=env)
    assert isinstance(result.exception, InputError)
    assert setting in [problem.field for problem in result.exception.problems]


def test_db_upgrade_makes_a_local_diarys_records_the_local_persons(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    engine = sa.create_engine(url)
    try:
        from backcare.store import migrate

        migrate(engine, revision="0004")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO episodes (uid, onset_at, started_at, answers, assessment, status)"
                    " VALUES (:u, :t, :t, '{}', '{}', 'active')"
                ),
                {"u": "b" * 32, "t": datetime(2026, 3, 2, 8, 0)},
            )
    finally:
        engine.dispose()
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert HEAD in result.output
    with open_store(url) as store, store.read() as repo:
        assert current_revision(store.engine) == HEAD
        assert [e.uid for e in repo.episodes()] == ["b" * 32]


def test_users_add_invite_and_the_audit_commands(pg: str) -> None:
    runner = CliRunner()
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    made = runner.invoke(
        app,
        [
            "users",
            "add",
            "--role",
            "clinician",
            "--email",
            "kim@example.org",
            "--db",
            pg,
            "--care-team",
            "north",
        ],
        input=typed,
    )
    assert made.exit_code == 0, made.output
    secret = re.search(r"Secret: ([A-Z2-7]+)", made.output)
    assert secret is not None
    patient = runner.invoke(
        app,
        [
            *("users", "add", "--role", "patient", "--email", "lee@example.org"),
            "--db",
            pg,
            "--care-team",
            "north",
        ],
        input=typed,
    )
    assert patient.exit_code == 0, patient.output
    assert "Secret" not in patient.output  # patients choose their own second factor
    invite = runner.invoke(
        app,
        ["users", "invite", "--by", "kim@example.org", "--db", pg],
        env={"BACKCARE_PUBLIC_URL": "https://clinic.example"},
    )
    assert invite.exit_code == 0, invite.output
    assert re.search(r"https://clinic\.example/join\?invite=\S+", invite.output)
    with open_store(pg) as store:
        accounts = Accounts(store)
        started = accounts.sign_in("kim@example.org", PASSWORD, address="127.0.0.1")
        assert started.needs_code
        kim = accounts.check_code(
            started.token, pyotp.TOTP(secret.group(1)).now(), address="127.0.0.1"
        )
        lee = accounts.person_by_email("lee@example.org")
        assert lee is not None
        accounts.diary_store(kim, lee.id, action="read", address="10.1.2.3")
    shown = runner.invoke(app, ["audit", "show", "--patient", "lee@example.org", "--db", pg])
    assert shown.exit_code == 0, shown.output
    assert "kim@example.org" in shown.output
    assert "10.1.2.3" in shown.output
    signins = runner.invoke(app, ["audit", "sign-ins", "--account", "kim@example.org", "--db", pg])
    assert signins.exit_code == 0, signins.output
    assert re.fullmatch(r"\S+ \S+ UTC  sign_in  password and code  127\.0\.0\.1\n", signins.output)
    unknown = runner.invoke(app, ["audit", "sign-ins", "--account", "zed@example.org", "--db", pg])
    assert isinstance(unknown.exception, InputError)
    assert [p.field for p in unknown.exception.problems] == ["--account"]
    verified = runner.invoke(app, ["audit", "verify", "--db", pg])
    assert verified.exit_code == 0
    assert "intact (2 rows)" in verified.output  # kim's sign-in, then kim's read
    off = runner.invoke(app, ["users", "switch-off", "--email", "kim@example.org", "--db", pg])
    assert off.exit_code == 0, off.output
    assert "Switched off kim@example.org" in off.output
    with open_store(pg) as store, pytest.raises(SignInError, match="switched off"):
        Accounts(store).sign_in("kim@example.org", PASSWORD, address="127.0.0.1")
    on = runner.invoke(app, ["users", "switch-on", "--email", "kim@example.org", "--db", pg])
    assert on.exit_code == 0, on.output
    nobody = runner.invoke(app, ["users", "switch-off", "--email", "zed@example.org", "--db", pg])
    assert isinstance(nobody.exception, InputError)
    assert [p.field for p in nobody.exception.problems] == ["--email"]
    verified = runner.invoke(app, ["audit", "verify", "--db", pg])
    assert "intact (5 rows)" in verified.output  # + switched off, refused, switched on
    engine = sa.create_engine(pg)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(sa.text("UPDATE audit_log SET address = '10.9.9.9'"))
    finally:
        engine.dispose()
    tampered = runner.invoke(app, ["audit", "verify", "--db", pg])
    assert tampered.exit_code == 1
    assert "NOT intact" in tampered.output
