"""Answer and record factories shared by the tests (importable, unlike conftest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from backcare.domain.answers import History, RedFlags

if TYPE_CHECKING:
    from backcare.store import Store

RED_FLAG_KEYS = tuple(RedFlags.model_fields)
HISTORY_KEYS = tuple(History.model_fields)


def all_no(**overrides: Any) -> dict[str, Any]:
    """A complete, typical answer set (lifting spasm, adult, every safety question 'no')."""
    answers: dict[str, Any] = {
        "age": 35,
        "trigger": "lifting",
        "hours_since_onset": 10,
        "pain": 6,
        "conditions": [],
        "red_flags": dict.fromkeys(RED_FLAG_KEYS, False),
        "history": dict.fromkeys(HISTORY_KEYS, False),
    }
    for key, value in overrides.items():
        group, _, field = key.partition("__")
        if field:
            answers.setdefault(group, {})[field] = value
        else:
            answers[key] = value
    return answers


def add_coach_session(
    store: Store, *, now: datetime, left: int = 3, quit_early: bool = False
) -> None:
    """A knee-to-chest session, ``left`` holds on the left and 3 on the right, ending at ``now``."""
    from backcare.domain.enums import Phase, Sides
    from backcare.domain.exercise import Side, Step
    from backcare.store.coach import CoachRepository, NewCoachExercise, NewCoachSession

    with store.write() as repo:
        episode = repo.active_episode()
        assert episode is not None
        CoachRepository(repo).add_session(
            episode.id,
            NewCoachSession(
                started_at=now - timedelta(minutes=6),
                ended_at=now,
                phase=Phase.ACUTE,
                pain_before=5,
                pain_after=4,
                quit_early=quit_early,
                active_seconds=300.0,
                exercises=(
                    NewCoachExercise(
                        exercise_id="knee_to_chest",
                        sides=Sides.EACH,
                        target_hold_seconds=10,
                        target_reps=3,
                        achieved_hold_seconds=10.0,
                        reps={Side.LEFT: left, Side.RIGHT: 3},
                        skipped=False,
                        step=Step.START,
                        step_reason="First session.",
                    ),
                ),
            ),
        )
