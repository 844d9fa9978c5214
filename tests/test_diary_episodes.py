"""A second assessment while an episode is active: update it, or close it and start anew.

The service use-cases behind the web choice page, the API's ``if_active`` and the
CLI's ``--update-current`` / ``--close-current``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from backcare.diary import Diary, EpisodeStatus
from backcare.domain.enums import TriageLevel
from backcare.errors import ConflictError, EpisodeActiveError, InputError, NotFoundError
from backcare.viewmodels.summary import episode_summary
from store_fixtures import (  # noqa: F401  (fixtures)
    BOTH_BACKENDS,
    START,
    FakeClock,
    clock,
    database_url,
    diary,
    start_answers,
    store,
)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(getattr(request, "param", "sqlite"), tmp_path) as url:
        yield url


@BOTH_BACKENDS
def test_a_second_start_names_the_active_episode_and_the_choice(diary: Diary) -> None:  # noqa: F811
    first = diary.start_episode(onset=START, answers=start_answers())
    with pytest.raises(EpisodeActiveError) as raised:
        diary.start_episode(answers=start_answers(pain=3))
    assert isinstance(raised.value, ConflictError)  # still a conflict (exit 5, HTTP 409)
    assert raised.value.episode_id == first.episode.id
    assert raised.value.code == "conflict"
    assert [p.field for p in raised.value.problems] == ["if_active"]
    assert len(diary.episodes()) == 1


@BOTH_BACKENDS
def test_close_active_closes_with_a_summary_and_starts_afresh(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    first = diary.start_episode(onset=START, answers=start_answers())
    clock.current = START + timedelta(days=2)
    second = diary.start_episode(answers=start_answers(pain=3), close_active=True)
    old, new = diary.episodes()
    assert old.id == first.episode.id
    assert old.status is EpisodeStatus.RESOLVED
    assert old.resolved_at == clock.current
    # backcare's own summary is kept as facts and worded when shown.
    assert old.summary is None
    assert old.summary_facts is not None
    assert episode_summary(old).startswith("Back spasm")
    assert new.id == second.episode.id
    assert new.status is EpisodeStatus.ACTIVE
    assert new.answers["pain"] == 3


def test_close_active_without_an_active_episode_just_starts(diary: Diary) -> None:  # noqa: F811
    diary.start_episode(answers=start_answers(), close_active=True)
    assert [e.status for e in diary.episodes()] == [EpisodeStatus.ACTIVE]


def test_a_refused_start_leaves_the_active_episode_open(diary: Diary) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers())
    with pytest.raises(InputError):  # bad answers: nothing is closed either
        diary.start_episode(answers={"pain": 11}, close_active=True)
    assert [e.status for e in diary.episodes()] == [EpisodeStatus.ACTIVE]


@BOTH_BACKENDS
def test_update_records_the_answers_as_a_timed_check_in(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    diary.start_episode(onset=START, answers=start_answers())
    clock.current = START + timedelta(hours=5)
    answers = start_answers(pain=4, red_flags__fever=True, hours_since_onset=200)
    result = diary.update_episode(answers)
    assert result.checkin.pain == 4
    assert result.checkin.recorded_at == clock.current
    update = result.checkin.answers_update
    assert update is not None
    assert update["red_flags"]["fever"] is True
    assert "pain" not in update
    assert "hours_since_onset" not in update
    assert result.assessment.triage.level is not TriageLevel.SELF_CARE  # fever re-triaged
    history = diary.history()
    assert history.episode.onset_at == START  # the episode keeps its start
    assert history.episode.answers["red_flags"]["fever"] is False  # the first answer is kept


def test_an_unanswered_question_in_the_update_keeps_the_earlier_answer(
    diary: Diary,  # noqa: F811
) -> None:
    diary.start_episode(onset=START, answers=start_answers())
    result = diary.update_episode({"pain": 5})  # nothing else answered this time
    assert result.assessment.triage.complete
    assert result.checkin.answers_update is None


def test_update_needs_a_pain_score_and_an_active_episode(diary: Diary) -> None:  # noqa: F811
    with pytest.raises(NotFoundError):
        diary.update_episode({"pain": 5})
    diary.start_episode(onset=START, answers=start_answers())
    with pytest.raises(InputError) as raised:
        diary.update_episode({"age": 40})
    assert [p.field for p in raised.value.problems] == ["pain"]
    assert diary.history().checkins == ()
