"""The store on SQLite and PostgreSQL: migrations, constraints, UTC times, transactions, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.results import Reason
from backcare.errors import ConflictError, NotFoundError, StoreError
from backcare.settings import Settings
from backcare.store import (
    HEAD,
    REVISIONS,
    ActionCount,
    ActivityScore,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    SelfCareAction,
    Store,
    current_revision,
    default_database_url,
    migrate,
    open_store,
)
from backcare.store.tables import metadata
from store_fixtures import START, sqlite_url, store, store_url  # noqa: F401  (fixtures)


def new_episode(n: int = 1, **overrides: Any) -> NewEpisode:
    fields: dict[str, Any] = {
        "uid": f"{n:032x}",
        "onset_at": START,
        "started_at": START + timedelta(minutes=n),
        "trigger": "lifting",
        "answers": {"pain": 6, "trigger": "lifting"},
        "assessment": {"triage": {"level": "self_care"}},
    }
    return NewEpisode(**(fields | overrides))


def new_checkin(hours: float = 1, **overrides: Any) -> NewCheckIn:
    fields: dict[str, Any] = {
        "recorded_at": START + timedelta(hours=hours),
        "pain": 5,
        "worst_pain": 7,
        "days_of_self_care": 0,
        "trend": Trend.SAME,
        "triage_level": TriageLevel.SELF_CARE,
        "triage_reasons": (
            Reason(id="r", message="m", level=TriageLevel.SELF_CARE, sources=("nhs_back_pain",)),
        ),
    }
    return NewCheckIn(**(fields | overrides))


# --- migrations -----------------------------------------------------------------------


def test_open_creates_the_schema_at_head(store: Store) -> None:  # noqa: F811
    assert current_revision(store.engine) == HEAD


def test_revisions_from_file_names_match_alembics_straight_history() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "backcare.store:migrations")
    script = ScriptDirectory.from_config(config)
    history = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(history) == REVISIONS
    assert REVISIONS[:2] == ("0001", "0002")
    assert script.get_heads() == [HEAD]
    for rev in script.walk_revisions():
        assert Path(rev.path).name.startswith(f"v{rev.revision}_")


def _all_tables() -> sa.MetaData:
    """The diary metadata with every table module of the store imported."""
    import importlib
    import pkgutil

    import backcare.store

    for module in pkgutil.iter_modules(backcare.store.__path__):
        if not module.ispkg:
            importlib.import_module(f"backcare.store.{module.name}")
    return metadata


def test_migrated_schema_matches_the_table_definitions(store: Store) -> None:  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), _all_tables())
        connection.rollback()
    assert diff == []


def test_reopening_an_up_to_date_database_runs_no_migration(
    store_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_store(store_url).close()
    import backcare.store.database as engine_module

    def fail(*_: Any, **__: Any) -> None:
        raise AssertionError("migrate called")

    monkeypatch.setattr(engine_module, "migrate", fail)
    open_store(store_url).close()


def test_upgrade_from_first_migration_keeps_the_data(store_url: str) -> None:  # noqa: F811
    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0001")
        assert current_revision(engine) == "0001"
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO episodes (id, uid, onset_at, started_at, trigger, answers, "
                    "assessment, status) VALUES (1, :uid, :t, :t, 'lifting', '{\"pain\": 6}', "
                    "'{}', 'active')"
                ),
                {"uid": "a" * 32, "t": datetime(2026, 3, 2, 8, 0)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO checkins (id, episode_id, recorded_at, pain, days_of_self_care, "
                    "triage_level, triage_reasons) VALUES (1, 1, :t, 5, 0, 'self_care', '[]')"
                ),
                {"t": datetime(2026, 3, 2, 9, 0)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO medicine_doses (episode_id, checkin_id, drug, mg, taken_at) "
                    "VALUES (1, 1, 'ibuprofen', 200, :t)"
                ),
                {"t": datetime(2026, 3, 2, 9, 0)},
            )
    finally:
        engine.dispose()
    with open_store(store_url) as upgraded, upgraded.read() as repo:
        assert current_revision(upgraded.engine) == HEAD
        episode = repo.episode(1)
        assert episode.answers == {"pain": 6}
        assert episode.onset_at == START
        [checkin] = repo.checkins(1)
        assert checkin.pain == 5
        [dose] = checkin.doses
        assert (dose.drug, dose.mg, dose.overridden, dose.override_reason) == (
            "ibuprofen",
            200,
            False,
            None,
        )


def test_summaries_stored_as_prose_survive_the_facts_column(store_url: str) -> None:  # noqa: F811
    """Migration 0008 adds ``summary_facts``; a summary older versions wrote stays shown."""
    from backcare.viewmodels.summary import episode_summary

    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0004")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO episodes (id, uid, onset_at, started_at, trigger, answers, "
                    "assessment, status, resolved_at, summary) VALUES (1, :uid, :t, :t, "
                    "'lifting', '{}', '{}', 'resolved', :t, :prose)"
                ),
                {"uid": "b" * 32, "t": datetime(2026, 3, 2, 8, 0), "prose": "Back spasm, 3 days."},
            )
    finally:
        engine.dispose()
    with open_store(store_url) as upgraded, upgraded.read() as repo:
        episode = repo.episode(1)
    assert (episode.summary, episode.summary_facts) == ("Back spasm, 3 days.", None)
    assert episode_summary(episode) == "Back spasm, 3 days."


def test_database_from_a_newer_backcare_is_refused(store_url: str) -> None:  # noqa: F811
    open_store(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer backcare"):
        open_store(store_url)


def test_downgrade_to_first_migration_drops_the_override_columns(store_url: str) -> None:  # noqa: F811
    engine = sa.create_engine(store_url)
    try:
        migrate(engine)
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "backcare.store:migrations")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("medicine_doses")}
        assert "overridden" not in columns
    finally:
        engine.dispose()


# --- SQLite connection settings -------------------------------------------------------


def test_sqlite_uses_wal_foreign_keys_and_busy_timeout(sqlite_url: str) -> None:  # noqa: F811
    with open_store(sqlite_url) as opened, opened.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
        connection.rollback()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "synchronous": 2,
    }


def test_in_memory_sqlite_keeps_data_across_transactions() -> None:
    with open_store("sqlite://") as opened:
        with opened.write() as repo:
            repo.add_episode(new_episode())
        with opened.read() as repo:
            assert len(repo.episodes()) == 1


# --- constraints and transactions -----------------------------------------------------


def test_only_one_episode_can_be_active(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        repo.add_episode(new_episode(1))
    with pytest.raises(ConflictError, match="already active"), store.write() as repo:
        repo.add_episode(new_episode(2))


def test_database_itself_refuses_a_second_active_episode(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        repo.add_episode(new_episode(1))
    with pytest.raises(ConflictError), store.write() as repo:
        repo.session.execute(
            sa.text(
                "INSERT INTO episodes (uid, onset_at, started_at, answers, assessment, status) "
                "VALUES (:uid, :t, :t, '{}', '{}', 'active')"
            ),
            {"uid": "b" * 32, "t": datetime(2026, 3, 2, 8, 0)},
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("pain", 11, id="pain-above-10"),
        pytest.param("worst_pain", -1, id="worst-negative"),
        pytest.param("trend", "sideways", id="unknown-trend"),
        pytest.param("triage_level", "panic", id="unknown-level"),
    ],
)
def test_database_checks_the_closed_sets_and_ranges(
    store: Store,  # noqa: F811
    column: str,
    value: Any,
) -> None:
    with store.write() as repo:
        repo.add_episode(new_episode())
    row = {
        "episode_id": 1,
        "t": datetime(2026, 3, 2, 9, 0),
        "pain": 5,
        "worst_pain": None,
        "trend": None,
        "triage_level": "self_care",
    } | {column: value}
    with pytest.raises(ConflictError), store.write() as repo:
        repo.session.execute(
            sa.text(
                "INSERT INTO checkins (episode_id, recorded_at, pain, worst_pain, trend, "
                "days_of_self_care, triage_level, triage_reasons) VALUES (:episode_id, :t, "
                ":pain, :worst_pain, :trend, 0, :triage_level, '[]')"
            ),
            row,
        )


def test_foreign_keys_are_enforced(store: Store) -> None:  # noqa: F811
    # The repository refuses an unknown episode before SQL (see test_people); the
    # database itself must refuse a row pointing at nothing too.
    with pytest.raises(ConflictError), store.write() as repo:
        repo.session.execute(
            sa.text("INSERT INTO checkin_actions (checkin_id, action, count) VALUES (42, 'ice', 1)")
        )


def test_an_unknown_episode_is_not_found(store: Store) -> None:  # noqa: F811
    with pytest.raises(NotFoundError), store.write() as repo:
        repo.add_checkin(42, new_checkin())


def test_failed_write_leaves_no_half_checkin(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        episode = repo.add_episode(new_episode())
    bad = new_checkin(activities=(ActivityScore("a", 5), ActivityScore("a", 6)))
    with pytest.raises(ConflictError), store.write() as repo:
        repo.add_checkin(episode.id, bad)
    with store.read() as repo:
        assert repo.checkins(episode.id) == []


def test_an_exception_in_a_write_block_rolls_back(store: Store) -> None:  # noqa: F811
    def write_then_fail() -> None:
        with store.write() as repo:
            repo.add_episode(new_episode())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()
    with store.read() as repo:
        assert repo.episodes() == []


def test_naive_datetimes_are_refused(
    store: Store,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(StoreError, match="cannot be reached or written"), store.write() as repo:
        repo.add_episode(new_episode(onset_at=datetime(2026, 3, 2, 8, 0)))
    assert "timezone-aware" in caplog.text  # the detail is logged, not shown


def test_times_are_stored_as_utc_and_read_back_aware(store: Store) -> None:  # noqa: F811
    from datetime import timezone

    eastern = timezone(timedelta(hours=-5))
    with store.write() as repo:
        episode = repo.add_episode(new_episode(onset_at=datetime(2026, 3, 2, 3, 0, tzinfo=eastern)))
    assert episode.onset_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert episode.onset_at.tzinfo is UTC


# --- repository -----------------------------------------------------------------------


def test_checkins_load_with_details_in_order(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        episode = repo.add_episode(new_episode())
        repo.add_checkin(
            episode.id,
            new_checkin(
                hours=5,
                activities=(ActivityScore("socks", 3), ActivityScore("sitting", 6)),
                actions=(ActionCount(SelfCareAction.HEAT, 2),),
                doses=(NewDose("ibuprofen", 200, START + timedelta(hours=4)),),
                answers_update={"red_flags": {"fever": False}},
                note="late",
            ),
        )
        repo.add_checkin(episode.id, new_checkin(hours=2, pain=6))
        repo.add_doses(episode.id, [(NewDose("paracetamol", 500, START), None)])
    with store.read() as repo:
        first, second = repo.checkins(episode.id)
        assert (first.pain, second.pain) == (6, 5)
        assert second.activities == (ActivityScore("socks", 3), ActivityScore("sitting", 6))
        assert second.actions == (ActionCount(SelfCareAction.HEAT, 2),)
        assert [(d.drug, d.mg) for d in second.doses] == [("ibuprofen", 200)]
        assert second.triage_reasons[0].sources == ("nhs_back_pain",)
        assert repo.answer_updates(episode.id) == [{"red_flags": {"fever": False}}]
        assert [d.drug for d in repo.doses(episode.id)] == ["paracetamol", "ibuprofen"]
        assert repo.first_checkin(episode.id) == repo.checkins(episode.id, with_details=False)[0]
        latest = repo.latest_checkin(episode.id)
        assert latest is not None
        assert latest.activities == second.activities
        rated = repo.first_activity_checkin(episode.id)
        assert rated is not None
        assert rated.id == second.id
        assert len(repo.checkins(episode.id)) == 2
        # A window reads only its check-ins, with the same details as the whole history.
        assert repo.checkins(episode.id, since=START + timedelta(hours=3)) == [second]


def test_doses_are_found_across_episodes_by_time(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        first = repo.add_episode(new_episode(1))
        repo.add_doses(first.id, [(NewDose("ibuprofen", 400, START), None)])
        repo.resolve_episode(first.id, resolved_at=START + timedelta(hours=1), summary="ok")
        second = repo.add_episode(new_episode(2))
        repo.add_doses(
            second.id,
            [
                (NewDose("ibuprofen", 400, START + timedelta(hours=6)), None),
                (NewDose("naproxen", 220, START + timedelta(hours=6)), None),
            ],
        )
    with store.read() as repo:
        window = repo.doses_between(START, START + timedelta(hours=24), drugs=["ibuprofen"])
        assert [d.episode_id for d in window] == [first.id, second.id]
        assert repo.first_dose_time(second.id, "ibuprofen") == START + timedelta(hours=6)
        assert repo.first_dose_time(second.id, "paracetamol") is None


def test_missing_episode_is_not_found(store: Store) -> None:  # noqa: F811
    with pytest.raises(NotFoundError), store.read() as repo:
        repo.episode(99)


def test_resolving_twice_is_a_conflict(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        episode = repo.add_episode(new_episode())
        resolved = repo.resolve_episode(episode.id, resolved_at=START, summary=None)
        assert resolved.status is EpisodeStatus.RESOLVED
    with pytest.raises(ConflictError), store.write() as repo:
        repo.resolve_episode(episode.id, resolved_at=START, summary=None)


# --- where the database is ------------------------------------------------------------


def test_default_database_is_in_the_user_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'backcare' / 'diary.sqlite3'}"
    with open_store() as opened:
        assert opened.url == url
    assert (tmp_path / "backcare" / "diary.sqlite3").exists()


def test_settings_database_url_selects_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chosen.sqlite3'}"
    with open_store(settings=Settings(database_url=url)) as opened:
        assert opened.url == url
        assert opened.dialect == "sqlite"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("not a url", "not a database URL", id="garbage"),
        pytest.param("nosuchdb://x/y", "no database driver", id="unknown-dialect"),
        pytest.param(
            "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "cannot be reached",
            id="unreachable-postgres",
        ),
        pytest.param("sqlite:////proc/no/such/dir/diary.sqlite3", "folder", id="unwritable-path"),
    ],
)
def test_unusable_database_url_is_a_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_migrating_to_an_unknown_revision_is_a_store_error(sqlite_url: str) -> None:  # noqa: F811
    engine = sa.create_engine(sqlite_url)
    try:
        with pytest.raises(StoreError, match="cannot migrate"):
            migrate(engine, revision="9999")
    finally:
        engine.dispose()
