"""A second assessment while an episode is active: update it, or close it and start anew.

The service use-cases behind the web choice page, the API's ``if_active`` and the
CLI's ``--update-current`` / ``--close-current``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from backcare.diary import CheckInEntry, Diary, EpisodeStatus
from backcare.domain.answers import parse_answers
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


# --- the open safety questions, answered where they are ---------------------------------


def _with_open(*open_paths: str, **overrides: object) -> dict[str, object]:
    """Typical start answers with ``open_paths`` left unanswered."""
    answers = start_answers(**overrides)
    for path in open_paths:
        group, _, name = path.partition(".")
        answers[group].pop(name)
    return answers


@BOTH_BACKENDS
def test_current_answers_are_the_persons_own_with_every_update(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    diary.start_episode(onset=START, answers=_with_open("red_flags.fever"))
    clock.current = START + timedelta(days=3)
    diary.check_in(CheckInEntry(pain=4, answers={"red_flags": {"fever": True}}))
    answers = diary.current_answers()
    assert answers.red_flags.fever is True  # the check-in's update over the start
    assert answers.pain == 4  # the pain now
    assert answers.age == start_answers()["age"]
    # What the diary works out itself is not the person's answer: left out.
    assert answers.hours_since_onset is None
    assert answers.course.days_of_self_care is None
    assert answers.course.trend is None
    assert diary.plan().triage.level is diary.engine.assess(answers).triage.level


def test_current_answers_need_an_active_episode(diary: Diary) -> None:  # noqa: F811
    with pytest.raises(NotFoundError):
        diary.current_answers()


@BOTH_BACKENDS
def test_answering_open_questions_writes_only_those_still_open(
    diary: Diary,  # noqa: F811
) -> None:
    open_paths = ("red_flags.fever", "red_flags.night_or_rest_pain", "history.cancer")
    started = diary.start_episode(onset=START, answers=_with_open(*open_paths))
    asked = diary.current_answers()
    # Meanwhile a check-in ticks one of them as present: an answer given then is kept.
    diary.check_in(CheckInEntry(pain=6, answers={"red_flags": {"night_or_rest_pain": True}}))
    answers = asked.merged(
        parse_answers(
            {
                "red_flags": {"fever": False, "night_or_rest_pain": False, "chest_pain": True},
                "age": 80,
            }
        )
    )
    result = diary.answer_open_questions(
        answers, questions=open_paths, episode_uid=started.episode.uid
    )
    assert result is not None
    # Only the still-open question answered now; history.cancer ("Not sure") stays open.
    assert result.checkin.answers_update == {"red_flags": {"fever": False}}
    assert result.checkin.pain == 6  # the diary's pain now
    assert diary.current_answers().red_flags.night_or_rest_pain is True
    assert result.assessment.triage.missing == ("history.cancer",)


def test_answers_for_another_episode_are_refused(diary: Diary) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=_with_open("red_flags.fever"))
    with pytest.raises(NotFoundError):
        diary.answer_open_questions(
            parse_answers({"red_flags": {"fever": False}}),
            questions=("red_flags.fever",),
            episode_uid="someone else's episode",
        )
    assert diary.history().checkins == ()


def test_nothing_answered_records_nothing(diary: Diary) -> None:  # noqa: F811
    started = diary.start_episode(onset=START, answers=_with_open("red_flags.fever"))
    result = diary.answer_open_questions(
        diary.current_answers(), questions=("red_flags.fever",), episode_uid=started.episode.uid
    )
    assert result is None
    assert diary.history().checkins == ()
