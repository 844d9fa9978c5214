"""The diary repository: every query the diary needs, and nothing else touches SQL.

A :class:`DiaryRepository` wraps one session inside one transaction opened by
:meth:`backcare.store.engine.Store.read` or :meth:`~backcare.store.engine.Store.write`.
It reads plain records (:mod:`backcare.store.records`), selecting columns rather than
ORM objects so that a ten-year history loads in a few queries and milliseconds.
It holds no clinical logic: limits, trends and triage live in :mod:`backcare.diary`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.results import Reason
from backcare.errors import ConflictError, NotFoundError
from backcare.store.records import (
    ActionCount,
    ActivityScore,
    CheckInRecord,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    SelfCareAction,
)
from backcare.store.tables import ActionTaken, ActivityRating, CheckIn, Episode, MedicineDose

__all__ = ["DiaryRepository"]

_EPISODE_COLUMNS = (
    Episode.id,
    Episode.uid,
    Episode.onset_at,
    Episode.started_at,
    Episode.trigger,
    Episode.answers,
    Episode.assessment,
    Episode.status,
    Episode.resolved_at,
    Episode.summary,
)
_CHECKIN_COLUMNS = (
    CheckIn.id,
    CheckIn.episode_id,
    CheckIn.recorded_at,
    CheckIn.pain,
    CheckIn.worst_pain,
    CheckIn.days_of_self_care,
    CheckIn.trend,
    CheckIn.triage_level,
    CheckIn.triage_reasons,
    CheckIn.answers_update,
    CheckIn.note,
)
_DOSE_COLUMNS = (
    MedicineDose.id,
    MedicineDose.episode_id,
    MedicineDose.checkin_id,
    MedicineDose.drug,
    MedicineDose.mg,
    MedicineDose.taken_at,
    MedicineDose.overridden,
    MedicineDose.override_reason,
)
_TRENDS = {t.value: t for t in Trend}
_LEVELS = {level.value: level for level in TriageLevel}
_ACTIONS = {a.value: a for a in SelfCareAction}


def _episode(row: Any) -> EpisodeRecord:
    return EpisodeRecord(
        id=row.id,
        uid=row.uid,
        onset_at=row.onset_at,
        started_at=row.started_at,
        trigger=row.trigger,
        answers=row.answers,
        assessment=row.assessment,
        status=EpisodeStatus(row.status),
        resolved_at=row.resolved_at,
        summary=row.summary,
    )


def _dose(row: Any) -> DoseRecord:
    return DoseRecord(
        id=row.id,
        episode_id=row.episode_id,
        checkin_id=row.checkin_id,
        drug=row.drug,
        mg=row.mg,
        taken_at=row.taken_at,
        overridden=bool(row.overridden),
        override_reason=row.override_reason,
    )


def _reasons(data: Sequence[dict[str, Any]]) -> tuple[Reason, ...]:
    # Stored by this package (or validated on import): construct without re-validating.
    return tuple(
        Reason.model_construct(
            id=r["id"],
            message=r["message"],
            level=_LEVELS[r["level"]],
            sources=tuple(r["sources"]),
        )
        for r in data
    )


def _reason_data(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "message": r.message, "level": r.level.value, "sources": list(r.sources)}
        for r in reasons
    ]


class DiaryRepository:
    """Queries and writes of the diary, inside one transaction of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- episodes -------------------------------------------------------------------

    def add_episode(self, new: NewEpisode) -> EpisodeRecord:
        """Record an episode.

        Raises:
            ConflictError: another episode is already active, or the uid is taken.
        """
        if new.status is EpisodeStatus.ACTIVE and self.active_episode() is not None:
            raise ConflictError("an episode is already active: resolve it before starting another")
        if self.episode_by_uid(new.uid) is not None:
            raise ConflictError(f"an episode with uid {new.uid} is already in the diary")
        try:
            episode_id = self.session.execute(
                insert(Episode)
                .values(
                    uid=new.uid,
                    onset_at=new.onset_at,
                    started_at=new.started_at,
                    trigger=new.trigger,
                    answers=new.answers,
                    assessment=new.assessment,
                    status=new.status.value,
                    resolved_at=new.resolved_at,
                    summary=new.summary,
                )
                .returning(Episode.id)
            ).scalar_one()
        except IntegrityError as error:  # another process started one in between
            raise ConflictError(f"cannot record the episode: {error.orig}") from error
        return self.episode(episode_id)

    def episode(self, episode_id: int) -> EpisodeRecord:
        """The episode with this id.

        Raises:
            NotFoundError: there is none.
        """
        row = self.session.execute(
            select(*_EPISODE_COLUMNS).where(Episode.id == episode_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no episode {episode_id} in the diary")
        return _episode(row)

    def episode_by_uid(self, uid: str) -> EpisodeRecord | None:
        """The episode with this uid, if any."""
        row = self.session.execute(select(*_EPISODE_COLUMNS).where(Episode.uid == uid)).first()
        return None if row is None else _episode(row)

    def active_episode(self) -> EpisodeRecord | None:
        """The active episode, if there is one (there is at most one)."""
        row = self.session.execute(
            select(*_EPISODE_COLUMNS).where(Episode.status == EpisodeStatus.ACTIVE.value)
        ).first()
        return None if row is None else _episode(row)

    def latest_episode(self) -> EpisodeRecord | None:
        """The most recently started episode, active or not."""
        row = self.session.execute(
            select(*_EPISODE_COLUMNS).order_by(Episode.started_at.desc(), Episode.id.desc())
        ).first()
        return None if row is None else _episode(row)

    def episodes(self) -> list[EpisodeRecord]:
        """Every episode, oldest first."""
        rows = self.session.execute(
            select(*_EPISODE_COLUMNS).order_by(Episode.started_at, Episode.id)
        )
        return [_episode(row) for row in rows]

    def lock_episode(self, episode_id: int) -> None:
        """Serialise writers on this episode for the rest of the transaction.

        On SQLite the write transaction already holds the database's write lock
        (``BEGIN IMMEDIATE``); on PostgreSQL this takes a row lock.
        """
        if self.session.get_bind().dialect.name != "sqlite":
            self.session.execute(
                select(Episode.id).where(Episode.id == episode_id).with_for_update()
            )

    def resolve_episode(
        self, episode_id: int, *, resolved_at: datetime, summary: str | None
    ) -> EpisodeRecord:
        """Mark an episode resolved with its summary.

        Raises:
            NotFoundError: no such episode.
            ConflictError: it is already resolved.
        """
        episode = self.episode(episode_id)
        if episode.status is EpisodeStatus.RESOLVED:
            raise ConflictError(f"episode {episode_id} is already resolved")
        self.session.execute(
            update(Episode)
            .where(Episode.id == episode_id)
            .values(status=EpisodeStatus.RESOLVED.value, resolved_at=resolved_at, summary=summary)
        )
        return self.episode(episode_id)

    # --- check-ins ------------------------------------------------------------------

    def add_checkin(self, episode_id: int, new: NewCheckIn) -> CheckInRecord:
        """Record a check-in with its activities, actions and doses."""
        checkin_id = self.session.execute(
            insert(CheckIn)
            .values(
                episode_id=episode_id,
                recorded_at=new.recorded_at,
                pain=new.pain,
                worst_pain=new.worst_pain,
                days_of_self_care=new.days_of_self_care,
                trend=None if new.trend is None else new.trend.value,
                triage_level=new.triage_level.value,
                triage_reasons=_reason_data(new.triage_reasons),
                answers_update=new.answers_update,
                note=new.note,
            )
            .returning(CheckIn.id)
        ).scalar_one()
        if new.activities:
            self.session.execute(
                insert(ActivityRating),
                [
                    {"checkin_id": checkin_id, "position": i, "name": a.name, "score": a.score}
                    for i, a in enumerate(new.activities, 1)
                ],
            )
        if new.actions:
            self.session.execute(
                insert(ActionTaken),
                [
                    {"checkin_id": checkin_id, "action": a.action.value, "count": a.count}
                    for a in new.actions
                ],
            )
        doses = tuple(self.add_dose(episode_id, dose, checkin_id=checkin_id) for dose in new.doses)
        return CheckInRecord(
            id=checkin_id,
            episode_id=episode_id,
            recorded_at=new.recorded_at,
            pain=new.pain,
            worst_pain=new.worst_pain,
            days_of_self_care=new.days_of_self_care,
            trend=new.trend,
            triage_level=new.triage_level,
            triage_reasons=new.triage_reasons,
            answers_update=new.answers_update,
            note=new.note,
            activities=new.activities,
            actions=new.actions,
            doses=doses,
        )

    def checkins(
        self,
        episode_id: int,
        *,
        since: datetime | None = None,
        with_details: bool = True,
    ) -> list[CheckInRecord]:
        """The check-ins of an episode in time order, with activities, actions and doses.

        Args:
            episode_id: the episode.
            since: only check-ins recorded at or after this time.
            with_details: also load activities, actions and doses (four queries in all).
        """
        query = select(*_CHECKIN_COLUMNS).where(CheckIn.episode_id == episode_id)
        if since is not None:
            query = query.where(CheckIn.recorded_at >= since)
        rows = self.session.execute(query.order_by(CheckIn.recorded_at, CheckIn.id)).all()
        if not rows:
            return []
        activities: dict[int, list[ActivityScore]] = defaultdict(list)
        actions: dict[int, list[ActionCount]] = defaultdict(list)
        doses: dict[int, list[DoseRecord]] = defaultdict(list)
        if with_details:
            first_id = min(row.id for row in rows) if since is not None else None
            self._load_details(episode_id, first_id, activities, actions, doses)
        empty: tuple[Any, ...] = ()
        return [
            CheckInRecord(
                id=row.id,
                episode_id=row.episode_id,
                recorded_at=row.recorded_at,
                pain=row.pain,
                worst_pain=row.worst_pain,
                days_of_self_care=row.days_of_self_care,
                trend=None if row.trend is None else _TRENDS[row.trend],
                triage_level=_LEVELS[row.triage_level],
                triage_reasons=_reasons(row.triage_reasons),
                answers_update=row.answers_update,
                note=row.note,
                activities=tuple(activities[row.id]) if row.id in activities else empty,
                actions=tuple(actions[row.id]) if row.id in actions else empty,
                doses=tuple(doses[row.id]) if row.id in doses else empty,
            )
            for row in rows
        ]

    def _load_details(
        self,
        episode_id: int,
        first_id: int | None,
        activities: dict[int, list[ActivityScore]],
        actions: dict[int, list[ActionCount]],
        doses: dict[int, list[DoseRecord]],
    ) -> None:
        in_episode = select(CheckIn.id).where(CheckIn.episode_id == episode_id)
        if first_id is not None:
            in_episode = in_episode.where(CheckIn.id >= first_id)
        ids = in_episode.scalar_subquery()
        for checkin_id, name, score in self.session.execute(
            select(ActivityRating.checkin_id, ActivityRating.name, ActivityRating.score)
            .where(ActivityRating.checkin_id.in_(ids))
            .order_by(ActivityRating.checkin_id, ActivityRating.position)
        ):
            activities[checkin_id].append(ActivityScore(name, score))
        for checkin_id, action, count in self.session.execute(
            select(ActionTaken.checkin_id, ActionTaken.action, ActionTaken.count)
            .where(ActionTaken.checkin_id.in_(ids))
            .order_by(ActionTaken.checkin_id, ActionTaken.id)
        ):
            actions[checkin_id].append(ActionCount(_ACTIONS[action], count))
        for row in self.session.execute(
            select(*_DOSE_COLUMNS)
            .where(MedicineDose.episode_id == episode_id, MedicineDose.checkin_id.is_not(None))
            .order_by(MedicineDose.taken_at, MedicineDose.id)
        ):
            doses[row.checkin_id].append(_dose(row))

    def first_checkin(self, episode_id: int) -> CheckInRecord | None:
        """The episode's first check-in (its pain baseline), with its activities."""
        row = self.session.execute(
            select(*_CHECKIN_COLUMNS)
            .where(CheckIn.episode_id == episode_id)
            .order_by(CheckIn.recorded_at, CheckIn.id)
            .limit(1)
        ).first()
        if row is None:
            return None
        return self._with_activities(row)

    def first_activity_checkin(self, episode_id: int) -> CheckInRecord | None:
        """The first check-in that rated PSFS activities (the function baseline)."""
        row = self.session.execute(
            select(*_CHECKIN_COLUMNS)
            .where(
                CheckIn.episode_id == episode_id,
                CheckIn.id.in_(select(ActivityRating.checkin_id)),
            )
            .order_by(CheckIn.recorded_at, CheckIn.id)
            .limit(1)
        ).first()
        if row is None:
            return None
        return self._with_activities(row)

    def latest_checkin(self, episode_id: int) -> CheckInRecord | None:
        """The most recent check-in of the episode, with its activities."""
        row = self.session.execute(
            select(*_CHECKIN_COLUMNS)
            .where(CheckIn.episode_id == episode_id)
            .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return self._with_activities(row)

    def _with_activities(self, row: Any) -> CheckInRecord:
        activities = tuple(
            ActivityScore(name, score)
            for name, score in self.session.execute(
                select(ActivityRating.name, ActivityRating.score)
                .where(ActivityRating.checkin_id == row.id)
                .order_by(ActivityRating.position)
            )
        )
        return CheckInRecord(
            id=row.id,
            episode_id=row.episode_id,
            recorded_at=row.recorded_at,
            pain=row.pain,
            worst_pain=row.worst_pain,
            days_of_self_care=row.days_of_self_care,
            trend=None if row.trend is None else _TRENDS[row.trend],
            triage_level=_LEVELS[row.triage_level],
            triage_reasons=_reasons(row.triage_reasons),
            answers_update=row.answers_update,
            note=row.note,
            activities=activities,
        )

    def checkin_count(self, episode_id: int) -> int:
        """How many check-ins the episode has."""
        return int(
            self.session.execute(
                select(func.count()).select_from(CheckIn).where(CheckIn.episode_id == episode_id)
            ).scalar_one()
        )

    def answer_updates(self, episode_id: int) -> list[dict[str, Any]]:
        """The answers changed at check-ins (new red flags and the like), in time order."""
        return [
            update_
            for (update_,) in self.session.execute(
                select(CheckIn.answers_update)
                .where(CheckIn.episode_id == episode_id, CheckIn.answers_update.is_not(None))
                .order_by(CheckIn.recorded_at, CheckIn.id)
            )
            if update_
        ]

    # --- doses ----------------------------------------------------------------------

    def add_dose(self, episode_id: int, dose: NewDose, *, checkin_id: int | None) -> DoseRecord:
        """Record one dose (the diary has checked it against the limits first)."""
        dose_id = self.session.execute(
            insert(MedicineDose)
            .values(
                episode_id=episode_id,
                checkin_id=checkin_id,
                drug=dose.drug,
                mg=dose.mg,
                taken_at=dose.taken_at,
                overridden=dose.overridden,
                override_reason=dose.override_reason,
            )
            .returning(MedicineDose.id)
        ).scalar_one()
        return DoseRecord(
            id=dose_id,
            episode_id=episode_id,
            checkin_id=checkin_id,
            drug=dose.drug,
            mg=dose.mg,
            taken_at=dose.taken_at,
            overridden=dose.overridden,
            override_reason=dose.override_reason,
        )

    def doses_between(
        self, start: datetime, end: datetime, *, drugs: Collection[str] | None = None
    ) -> list[DoseRecord]:
        """Doses taken in ``[start, end]`` in any episode, oldest first."""
        query = select(*_DOSE_COLUMNS).where(
            MedicineDose.taken_at >= start, MedicineDose.taken_at <= end
        )
        if drugs is not None:
            query = query.where(MedicineDose.drug.in_(list(drugs)))
        rows = self.session.execute(query.order_by(MedicineDose.taken_at, MedicineDose.id))
        return [_dose(row) for row in rows]

    def first_dose_time(self, episode_id: int, drug: str) -> datetime | None:
        """When the episode's first dose of ``drug`` was taken, if any."""
        value = self.session.execute(
            select(func.min(MedicineDose.taken_at)).where(
                MedicineDose.episode_id == episode_id, MedicineDose.drug == drug
            )
        ).scalar_one()
        if value is None:
            return None
        # Aggregates lose the column type on SQLite: parse what came back.
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    def doses(self, episode_id: int) -> list[DoseRecord]:
        """Every dose of the episode (with or without a check-in), oldest first."""
        rows = self.session.execute(
            select(*_DOSE_COLUMNS)
            .where(MedicineDose.episode_id == episode_id)
            .order_by(MedicineDose.taken_at, MedicineDose.id)
        )
        return [_dose(row) for row in rows]
