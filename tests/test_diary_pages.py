"""The diary a page at a time: keyset pages cover every check-in once, and the trend and
chart of a page equal those of the whole history (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.store_fixtures import FakeClock, clock, diary, store, store_url  # noqa: F401
from tests.web_support import start_episode, web_client

from backcare import Engine
from backcare.diary import ActionCount, ActivityScore, CheckInEntry, Diary, SelfCareAction
from backcare.domain.enums import TriageLevel
from backcare.store import NewCheckIn, NewDose, NewEpisode, Store
from backcare.web.paging import decode_cursor, encode_cursor

START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def _seed(target: Store, *, days: int, seed: int, low_from: int | None = None) -> None:
    """One active episode with a varied check-in history (ties, ratings, loose doses)."""
    rng = random.Random(seed)
    with target.write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid=f"{seed:032x}",
                onset_at=START,
                started_at=START,
                trigger="lifting",
                answers={"pain": 7, "trigger": "lifting"},
                assessment={"triage": {"level": "self_care"}},
            )
        )
        news = []
        for day in range(days):
            low = low_from is not None and day >= low_from
            # A day without a check-in breaks a low-pain run: low days always have one.
            slots = rng.choice((0, 1, 1, 2))
            for slot in range(max(1, slots) if low else slots):
                at = START + timedelta(days=day, hours=9 + 6 * slot)
                pain = rng.randint(0, 1) if low else rng.randint(0 if low_from is None else 2, 10)
                news.append(
                    NewCheckIn(
                        recorded_at=at,
                        pain=pain,
                        worst_pain=None if low or rng.random() < 0.5 else min(10, pain + 2),
                        days_of_self_care=day,
                        trend=None,
                        triage_level=TriageLevel.SELF_CARE,
                        triage_reasons=(),
                        activities=(
                            (ActivityScore("sitting", rng.randint(0, 10)),)
                            if rng.random() < 0.3
                            else ()
                        ),
                        actions=(ActionCount(SelfCareAction.WALK, 1),) if day % 2 else (),
                        doses=(NewDose("paracetamol", 500, at),) if day % 3 == 0 else (),
                    )
                )
                if rng.random() < 0.05:  # two check-ins at the same moment: the id decides
                    news.append(news[-1])
        repo.add_checkins(episode.id, news)
        # Doses logged without a check-in.
        repo.add_doses(
            episode.id,
            [
                (NewDose("ibuprofen", 200, START + timedelta(days=day, hours=13)), None)
                for day in range(0, days, 7)
            ],
        )


@pytest.fixture
def long_diary(diary: Diary, store: Store, clock: FakeClock) -> Diary:  # noqa: F811
    _seed(store, days=120, seed=7)
    clock.current = START + timedelta(days=121)
    return diary


def _all_pages(opened: Diary, limit: int) -> list[Any]:
    pages, before = [], None
    while True:
        page = opened.history_page(before=before, limit=limit)
        pages.append(page)
        if page.older is None:
            return pages
        before = decode_cursor(encode_cursor(page.older))  # through the text cursor


@pytest.mark.parametrize("limit", [pytest.param(1, id="one"), pytest.param(17, id="seventeen")])
def test_pages_hold_every_check_in_and_dose_once_in_order(long_diary: Diary, limit: int) -> None:
    whole = long_diary.history()
    pages = _all_pages(long_diary, limit)
    paged = [c for page in reversed(pages) for c in page.checkins]
    assert [c.id for c in paged] == [c.id for c in whole.checkins]
    assert paged == list(whole.checkins)  # details (ratings, actions, doses) included
    assert all(len(page.checkins) <= limit for page in pages)
    doses = sorted(d.id for page in pages for d in page.doses)
    assert doses == sorted(d.id for d in whole.doses)


def test_the_trend_of_a_page_is_the_trend_of_the_whole_episode(long_diary: Diary) -> None:
    assert long_diary.history_page(limit=5).trend == long_diary.trend()


@pytest.mark.parametrize(
    "resolved", [pytest.param(False, id="active"), pytest.param(True, id="resolved")]
)
def test_the_page_with_its_plan_gives_the_plan_of_the_episode(
    long_diary: Diary,
    clock: FakeClock,  # noqa: F811
    resolved: bool,
) -> None:
    # An update of the answers counts: the plan the page shows is the plan itself.
    long_diary.check_in(CheckInEntry(pain=4, answers={"red_flags": {"fever": False}}))
    if resolved:
        long_diary.resolve()
        clock.advance(days=3)
    page = long_diary.history_page(limit=5, with_plan=True)
    assert page.assessment is not None
    assert page.assessment == long_diary.plan()
    assert long_diary.history_page(limit=5).assessment is None


@pytest.mark.parametrize(
    ("days", "low_from", "run"),
    [
        pytest.param(60, 20, 40, id="forty-low-days-widen-the-window"),
        pytest.param(60, 55, 5, id="five-low-days"),
        pytest.param(30, 0, 30, id="low-from-the-start"),
        pytest.param(100, 0, 100, id="low-for-longer-than-two-widenings"),
    ],
)
def test_the_resolution_count_equals_the_whole_historys(
    diary: Diary,  # noqa: F811
    store: Store,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    days: int,
    low_from: int,
    run: int,
) -> None:
    _seed(store, days=days, seed=days, low_from=low_from)
    clock.current = START + timedelta(days=days + 1)
    paged = diary.history_page().trend.resolution
    assert paged == diary.trend().resolution
    assert paged.low_days == run


def test_the_chart_is_at_most_its_points_each_the_highest_of_its_run(long_diary: Diary) -> None:
    whole = long_diary.history().checkins
    chart = long_diary.history_page(chart_points=20).chart
    assert len(chart) <= 20
    assert chart[-1][0] == whole[-1].recorded_at
    size = -(-len(whole) // 20)
    runs = [whole[i : i + size] for i in range(0, len(whole), size)]
    assert chart == tuple((run[-1].recorded_at, max(c.pain for c in run)) for run in runs)
    # A short diary is drawn check-in by check-in.
    small = long_diary.history_page(chart_points=len(whole)).chart
    assert small == tuple((c.recorded_at, c.pain) for c in whole)


@pytest.fixture
def client(engine: Engine, store_url: str) -> Iterator[TestClient]:  # noqa: F811
    with web_client(engine, database_url=store_url) as client:
        yield client


def test_the_api_pages_with_a_next_cursor(client: TestClient) -> None:
    start_episode(client)
    for pain in range(7):
        assert client.post("/api/v1/diary/check-ins", json={"pain": pain}).status_code == 201
    first = client.get("/api/v1/diary/history?limit=3").json()
    assert [c["pain"] for c in first["checkins"]] == [4, 5, 6]
    second = client.get(f"/api/v1/diary/history?limit=3&before={first['next']}").json()
    assert [c["pain"] for c in second["checkins"]] == [1, 2, 3]
    last = client.get(f"/api/v1/diary/history?limit=3&before={second['next']}").json()
    assert [c["pain"] for c in last["checkins"]] == [0]
    assert last["next"] is None
    assert first["trend"] == last["trend"]
    assert first["baseline"] == last["baseline"] == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("before=yesterday", "before", id="cursor-words"),
        pytest.param("before=1-2-3", "before", id="cursor-three-parts"),
        pytest.param("limit=0", "limit", id="limit-zero"),
        pytest.param("limit=201", "limit", id="limit-too-big"),
    ],
)
def test_a_bad_page_request_is_a_422_naming_the_field(
    client: TestClient, query: str, field: str
) -> None:
    start_episode(client)
    response = client.get(f"/api/v1/diary/history?{query}")
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["error"]["problems"]]


def _checkin_rows(page: str) -> int:
    """Rows of the check-ins table (the last table; the week's comes before it)."""
    return page.rsplit("<table>", 1)[1].split("</table>", 1)[0].count("<tr>")


def test_the_diary_page_links_to_older_check_ins(client: TestClient) -> None:
    start_episode(client)
    for n in range(52):
        assert client.post("/api/v1/diary/check-ins", json={"pain": n % 11}).status_code == 201
    page = client.get("/diary").text
    assert _checkin_rows(page) == 51  # the header and 50 check-ins
    assert "Newest check-ins" not in page
    older = page.split('<a href="/diary?before=')[1].split('"')[0]
    second = client.get(f"/diary?before={older}").text
    assert _checkin_rows(second) == 3
    assert "Older check-ins" not in second
    assert '<a href="/diary">Newest check-ins</a>' in second
    assert "52 check-ins" in second  # the chart is of the whole episode


def test_a_server_freezes_what_it_built_so_full_collections_skip_it(engine: Engine) -> None:
    import gc

    from backcare.web.app import create_app, freeze_start_up

    app = create_app(engine=engine, database_url="sqlite://")
    try:
        freeze_start_up()
        # The app's objects are out of the collector's passes (the diary page's p99 tail).
        assert gc.get_freeze_count() > 0
        assert not any(gc.is_tracked(o) and o is app for o in gc.get_objects())
    finally:
        gc.unfreeze()  # this test process builds many apps: collect them as usual
