"""The daily reminder's store layer on SQLite and PostgreSQL: migration 0011 up and down,
the opt-in, who gets a reminder, and the once-a-day claim; migration 0012 (the audit log's
index by actor) and 0013 (accounts switched off) up and down."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backcare.accounts import Accounts
from backcare.store import Store
from backcare.store.database import migrate
from backcare.store.records import NewEpisode
from store_fixtures import START, store, store_url  # noqa: F401  (fixtures)

PASSWORD = "a long enough password"
DAY = date(2026, 3, 2)


def _downgrade_one(engine: sa.Engine) -> None:
    """Undo the newest migration applied, as ``alembic downgrade -1`` does."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "backcare.store:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")


def test_migration_0011_adds_the_columns_off_by_default_and_downgrades(
    store_url: str,  # noqa: F811
) -> None:
    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0008")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, role, display_name, created_at) "
                    "VALUES ('old@example.org', 'patient', '', :t)"
                ),
                {"t": START},
            )
        migrate(engine, revision="0011")
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT daily_reminder, digest_sent_on FROM users "
                    "WHERE email = 'old@example.org'"
                )
            ).one()
        assert (bool(row.daily_reminder), row.digest_sent_on) == (False, None)
        _downgrade_one(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("users")}
        assert {"daily_reminder", "digest_sent_on"}.isdisjoint(columns)
        assert "email" in columns  # the account is kept
    finally:
        engine.dispose()


def test_migration_0013_adds_disabled_at_empty_and_downgrades(
    store_url: str,  # noqa: F811
) -> None:
    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0012")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, role, display_name, created_at) "
                    "VALUES ('kept@example.org', 'clinician', '', :t)"
                ),
                {"t": START},
            )
        migrate(engine, revision="0013")
        with engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT disabled_at FROM users WHERE email = 'kept@example.org'")
            ).scalar_one()
        assert kept is None  # every account that existed stays switched on
        _downgrade_one(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("users")}
        assert "disabled_at" not in columns
        assert "email" in columns
    finally:
        engine.dispose()


def test_migration_0012_indexes_the_audit_log_by_actor_and_downgrades(
    store_url: str,  # noqa: F811
) -> None:
    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0012")
        names = {i["name"] for i in sa.inspect(engine).get_indexes("audit_log")}
        assert {"ix_audit_log_actor_id", "ix_audit_log_patient_id"} <= names
        _downgrade_one(engine)
        names = {i["name"] for i in sa.inspect(engine).get_indexes("audit_log")}
        assert "ix_audit_log_actor_id" not in names
        assert "ix_audit_log_patient_id" in names
    finally:
        engine.dispose()


def _episode(store: Store, patient_id: int, status: str = "active") -> None:  # noqa: F811
    with store.for_person(patient_id).write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid=f"{patient_id:032d}",
                onset_at=START,
                started_at=START,
                trigger="lifting",
                answers={"pain": 6},
                assessment={"triage": {"level": "self_care"}},
            )
        )
        if status != "active":
            repo.session.execute(
                sa.text("UPDATE episodes SET status = :s, resolved_at = :t WHERE id = :i"),
                {"s": status, "t": START, "i": episode.id},
            )


@pytest.mark.parametrize(
    ("opted_in", "episode", "reminded"),
    [
        pytest.param(True, "active", True, id="opted-in-with-an-episode-going"),
        pytest.param(False, "active", False, id="off-by-default"),
        pytest.param(True, None, False, id="no-episode-nothing-to-remind-of"),
        pytest.param(True, "resolved", False, id="episode-resolved"),
    ],
)
def test_who_gets_a_reminder(
    store: Store,  # noqa: F811
    opted_in: bool,
    episode: str | None,
    reminded: bool,
) -> None:
    accounts = Accounts(store)
    patient = accounts.add_person(email="p@example.org", role="patient", password=PASSWORD)
    if episode is not None:
        _episode(store, patient.id, episode)
    if opted_in:
        accounts.set_daily_reminder(patient.id, True)
    assert accounts.daily_reminder(patient.id) is opted_in
    assert [p.id for p in accounts.reminder_patients()] == ([patient.id] if reminded else [])


def test_a_digest_is_claimed_once_a_day_and_a_failed_send_undoes_the_claim(
    store: Store,  # noqa: F811
) -> None:
    accounts = Accounts(store)
    person = accounts.add_person(email="p@example.org", role="patient", password=PASSWORD)

    def send_fails() -> None:
        with accounts.digest_claim(person.id, DAY) as mine:
            assert mine
            raise ConnectionError("the mail server is down")

    with pytest.raises(ConnectionError):
        send_fails()
    claims = []
    for day in (DAY, DAY, DAY + timedelta(days=1), DAY):
        with accounts.digest_claim(person.id, day) as mine:
            claims.append(mine)
    assert claims == [True, False, True, False]  # never again for a past day either


def test_clinicians_of_a_care_team_get_digests(store: Store) -> None:  # noqa: F811
    accounts = Accounts(store)
    north = accounts.add_person(
        email="n@example.org", role="clinician", password=PASSWORD, care_team="north"
    )
    accounts.add_person(email="free@example.org", role="clinician", password=PASSWORD)
    accounts.add_person(email="a@example.org", role="admin", password=PASSWORD, care_team="north")
    assert [p.id for p in accounts.care_team_clinicians()] == [north.id]
