"""What every export needs to know about an episode: its history, the answers at a moment, times.

The diary stores the answers an episode was started with and the changes made at
check-ins; the engine needs the whole picture at one moment. :func:`answers_at`
rebuilds it the way the diary does (:func:`backcare.diary.escalation.effective_answers`),
from the check-ins recorded up to that moment only, so a past day is planned with
what was known then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from backcare.domain.answers import Answers
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext

if TYPE_CHECKING:
    from backcare.diary import Diary, EpisodeHistory
    from backcare.store import CheckInRecord

__all__ = [
    "EpisodeContext",
    "answers_at",
    "load_context",
    "local_day_bounds",
    "parse_date",
]


@dataclass(frozen=True, slots=True)
class EpisodeContext:
    """An episode's history with the time zone and the moment the export is for.

    Attributes:
        history: the episode, all its check-ins and doses.
        tz: the person's time zone (calendar days, clock times).
        now: the time of the export (aware).
    """

    history: EpisodeHistory
    tz: tzinfo
    now: datetime

    @property
    def until(self) -> datetime:
        """The end of the episode: when it was resolved, else now."""
        return self.history.episode.resolved_at or self.now


def load_context(diary: Diary, *, episode_id: int | None) -> EpisodeContext:
    """Load an episode (default: the active one, else the latest) from the diary.

    Raises:
        NotFoundError: no such episode, or the diary is empty.
    """
    return EpisodeContext(history=diary.history(episode_id), tz=diary.tz, now=diary.now())


def checkins_until(history: EpisodeHistory, *, at: datetime) -> list[CheckInRecord]:
    """The check-ins recorded at or before ``at``, in time order."""
    return [c for c in history.checkins if c.recorded_at <= at]


def answers_at(history: EpisodeHistory, *, at: datetime) -> Answers:
    """The answers to assess at ``at``: start answers, updates so far, the derived course.

    Pain and trend are those of the latest check-in at or before ``at`` (the start
    pain before the first check-in).

    Raises:
        InputError: stored answers no longer fit the answers contract.
    """
    from backcare.diary.escalation import effective_answers

    episode = history.episode
    done = checkins_until(history, at=at)
    updates = [c.answers_update for c in done if c.answers_update]
    latest = done[-1] if done else None
    start_pain = episode.answers.get("pain")
    pain = (
        latest.pain if latest is not None else start_pain if isinstance(start_pain, int) else None
    )
    return effective_answers(
        episode.answers,
        updates,
        onset=episode.onset_at,
        at=max(at, episode.onset_at),
        pain=pain,
        trend=latest.trend if latest is not None else None,
    )


def local_day_bounds(day: date, *, tz: tzinfo) -> tuple[datetime, datetime]:
    """The first instant of ``day`` in ``tz`` and the first instant of the next day."""
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return start, end


def parse_date(text: str | None, *, field: str) -> date | None:
    """Parse an ISO date (``YYYY-MM-DD``) given for ``field``; ``None`` stays ``None``.

    Raises:
        InputError: the text is not a date; the problem names ``field``.
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            gettext("cannot read the date given for {field}").format(field=field),
            problems=[
                FieldProblem(
                    field, gettext("{text!r} is not a date: use YYYY-MM-DD").format(text=text)
                )
            ],
        ) from None
