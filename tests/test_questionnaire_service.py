"""Questionnaire responses stored per episode, on SQLite and PostgreSQL.

Record, list and score through :class:`~backcare.diary.questionnaires.QuestionnaireService`;
bad answers are refused naming the item, and nothing half-saved is left behind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from backcare.diary import Diary
from backcare.diary.questionnaires import QuestionnaireService, format_score
from backcare.errors import InputError, NotFoundError
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    diary,
    start_answers,
    store,
    store_url,
)

ODI_ITEMS = [
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
]


def _start(diary: Diary) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers())


def test_a_response_is_saved_to_the_episode_and_read_back_scored(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    _start(diary)
    service = QuestionnaireService(diary)
    clock.advance(hours=2)
    odi = dict(zip(ODI_ITEMS, [2, 2, 2, 2, 2, 2, 1, None, 1, 2], strict=True))
    saved = service.record("odi", odi)
    assert saved.score is not None
    assert format_score(saved.score.values["percent"]) == "35.6"
    clock.advance(days=3)
    service.record("odi", dict.fromkeys(ODI_ITEMS, "1"))
    listed = service.responses()
    assert [r.record.answered_at for r in listed] == [
        START + timedelta(hours=2),
        START + timedelta(days=3, hours=2),
    ]
    assert "sex_life" not in listed[0].record.answers  # a blank section is not stored
    assert listed[0].record.answers["pain_intensity"] == "2"
    assert [r.score.band.id for r in listed if r.score and r.score.band] == [
        "moderate",
        "minimal",
    ]
    assert diary.history().questionnaires == tuple(r.record for r in listed)


def test_bad_answers_are_refused_in_words_and_nothing_is_saved(diary: Diary) -> None:  # noqa: F811
    _start(diary)
    service = QuestionnaireService(diary)
    answers = {f"statement{i}": "ticked" for i in range(1, 24)} | {"statement24": "yes"}
    with pytest.raises(InputError) as caught:
        service.record("rmdq", answers)
    (problem,) = caught.value.problems
    assert problem.field == "statement24"
    assert problem.problem == "Statement 24: 'yes' is not one of the answers (not_ticked, ticked)"
    assert service.responses() == []


def test_a_time_before_the_episode_is_refused(diary: Diary) -> None:  # noqa: F811
    _start(diary)
    answers = {f"statement{i}": "not_ticked" for i in range(1, 25)}
    with pytest.raises(InputError, match="before"):
        QuestionnaireService(diary).record("rmdq", answers, at=START - timedelta(days=1))


@pytest.mark.parametrize(
    ("questionnaire", "episode_id"),
    [
        pytest.param("sf36", None, id="unknown-questionnaire"),
        pytest.param("rmdq", 999, id="unknown-episode"),
    ],
)
def test_unknown_questionnaire_or_episode_is_not_found(
    diary: Diary,  # noqa: F811
    questionnaire: str,
    episode_id: int | None,
) -> None:
    _start(diary)
    answers = {f"statement{i}": "not_ticked" for i in range(1, 25)}
    with pytest.raises(NotFoundError):
        QuestionnaireService(diary).record(questionnaire, answers, episode_id=episode_id)


def test_an_empty_diary_has_no_episode_to_record_to(diary: Diary) -> None:  # noqa: F811
    with pytest.raises(NotFoundError, match="start one first"):
        QuestionnaireService(diary).responses()
