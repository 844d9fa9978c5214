"""The batched reads equal the reads they replace (SQLite and PostgreSQL).

The trend's check-ins in one query (``marks``), a care team's current episodes at once
(``current_episodes``), and a history page's week, chart and resolution taken from the
page's own check-ins when they reach far enough: each against what the one-at-a-time
reads give, on a long varied diary.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.store_fixtures import FakeClock, clock, diary, store, store_url  # noqa: F401
from tests.test_diary_pages import START, _seed

from backcare.accounts import Accounts
from backcare.diary import Diary
from backcare.store import CheckInMarks, EpisodeStatus, NewEpisode, Store
from backcare.store.repository import LOCAL_PERSON, current_episodes

PASSWORD = "a long enough password"


@pytest.fixture
def long_diary(diary: Diary, store: Store, clock: FakeClock) -> Diary:  # noqa: F811
    _seed(store, days=60, seed=11)
    clock.current = START + timedelta(days=61)
    return diary


def test_the_marks_are_the_first_latest_and_rated_check_ins_and_the_count(
    long_diary: Diary,
) -> None:
    with long_diary.store.read() as repo:
        episode = repo.active_episode()
        assert episode is not None
        one_by_one = CheckInMarks(
            first=repo.first_checkin(episode.id),
            latest=repo.latest_checkin(episode.id),
            first_rated=repo.first_activity_checkin(episode.id),
            last_rated=repo.last_activity_checkin(episode.id),
            count=repo.checkin_count(episode.id),
        )
        assert repo.marks(episode.id) == one_by_one
    # The diary has rated and unrated check-ins: the four marks are not all one check-in.
    assert one_by_one.first is not None
    assert one_by_one.first_rated is not None
    assert one_by_one.first_rated.id != one_by_one.first.id
    assert one_by_one.count > 50


def test_the_marks_of_an_episode_without_check_ins_are_empty(store: Store) -> None:  # noqa: F811
    with store.write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid="e" * 32,
                onset_at=START,
                started_at=START,
                trigger=None,
                answers={},
                assessment={},
            )
        )
        assert repo.marks(episode.id) == CheckInMarks(None, None, None, None, 0)


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(3, id="page-shorter-than-the-week"),
        pytest.param(50, id="page-longer-than-the-week"),
        pytest.param(500, id="page-holding-every-check-in"),
    ],
)
def test_a_pages_week_chart_and_trend_equal_the_whole_historys(
    long_diary: Diary, limit: int
) -> None:
    page = long_diary.history_page(limit=limit)
    whole = long_diary.history()
    assert page.week == long_diary.week_of(whole)
    assert page.trend == long_diary.trend_of(whole)
    assert page.chart == long_diary.chart_of(whole)


def test_the_chart_of_a_long_history_is_grouped_as_the_pages_is(long_diary: Diary) -> None:
    whole = long_diary.history()
    assert len(whole.checkins) > 20
    assert long_diary.chart_of(whole, most=20) == long_diary.history_page(chart_points=20).chart


def test_current_episodes_equal_each_persons_history(
    store: Store,  # noqa: F811
    long_diary: Diary,
) -> None:
    # A second person with a resolved episode and a later active one, and a third with none.
    accounts = Accounts(store)
    second, third = (
        accounts.add_person(email=f"{name}@example.org", role="patient", password=PASSWORD)
        for name in ("b", "c")
    )
    other = store.for_person(second.id)
    with other.write() as repo:
        for n, status in enumerate(("resolved", "active")):
            repo.add_episode(
                NewEpisode(
                    uid=f"{n}" * 32,
                    onset_at=START + timedelta(days=n),
                    started_at=START + timedelta(days=n),
                    trigger=None,
                    answers={"pain": 5},
                    assessment={"triage": {"level": "self_care"}},
                    status=EpisodeStatus(status),
                    resolved_at=START + timedelta(hours=5) if status == "resolved" else None,
                )
            )
    with store.read() as repo:
        found = current_episodes(repo.session, [LOCAL_PERSON, second.id, third.id])
    assert set(found) == {LOCAL_PERSON, second.id}
    for person, scoped in ((LOCAL_PERSON, long_diary.store), (second.id, other)):
        history = Diary(scoped, engine=long_diary.engine).history()
        current = found[person]
        assert current.episode.id == history.episode.id
        assert current.episode.status == history.episode.status
        assert current.episode.answers == history.episode.answers
        assert current.episode.assessment == {}  # not read: the dashboard does not show it
        assert current.checkins == history.checkins
        assert current.doses == history.doses
