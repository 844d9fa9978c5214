"""The diary repository: every query the diary needs, and nothing else touches SQL.

A :class:`DiaryRepository` wraps one session inside one transaction opened by
:meth:`backcare.store.database.Store.read` or :meth:`~backcare.store.database.Store.write`.
It reads and writes plain records (:mod:`backcare.store.records`) with Core
statements on the tables, not ORM objects, so a ten-year history loads in four
queries and its check-ins are written in batches. JSON columns are read as text
and decoded once per distinct value (triage reasons repeat from day to day). There
is no clinical logic here: limits, trends and triage live in :mod:`backcare.diary`.

Every repository acts for one person (``person``, a ``users.id``): each query is scoped
to that person's episodes, and an episode id of anyone else is "not found". This is the
one place access to clinical records is enforced; who may act for whom is decided by
:meth:`backcare.store.database.Store.for_person` (a local diary's one person is
:data:`LOCAL_PERSON`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.results import Reason
from backcare.errors import ConflictError, NotFoundError
from backcare.i18n import gettext
from backcare.store.records import (
    ActionCount,
    ActivityScore,
    CheckInMarks,
    CheckInRecord,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    PainPoint,
    SelfCareAction,
)
from backcare.store.tables import (
    ActionTaken,
    ActivityRating,
    CheckIn,
    Episode,
    MedicineDose,
    Preference,
)

__all__ = ["LOCAL_PERSON", "CurrentEpisode", "DiaryRepository", "current_episodes"]

#: The ``users.id`` of a local diary's one person (made by migration 0006).
LOCAL_PERSON = 1

_log = logging.getLogger("backcare.store")


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


EPISODES = _table(Episode)
CHECKINS = _table(CheckIn)
ACTIVITIES = _table(ActivityRating)
ACTIONS = _table(ActionTaken)
DOSES = _table(MedicineDose)

_E, _C, _A, _T, _D = EPISODES.c, CHECKINS.c, ACTIVITIES.c, ACTIONS.c, DOSES.c
_EPISODE_COLUMNS = (
    _E.id,
    _E.uid,
    _E.onset_at,
    _E.started_at,
    _E.trigger,
    _E.answers,
    _E.assessment,
    _E.status,
    _E.resolved_at,
    _E.summary,
    _E.summary_facts,
)
_CHECKIN_COLUMNS = (
    _C.id,
    _C.episode_id,
    _C.recorded_at,
    _C.pain,
    _C.worst_pain,
    _C.days_of_self_care,
    _C.trend,
    _C.triage_level,
    cast(_C.triage_reasons, Text).label("triage_reasons"),
    cast(_C.answers_update, Text).label("answers_update"),
    _C.note,
)
_DOSE_COLUMNS = (
    _D.id,
    _D.episode_id,
    _D.checkin_id,
    _D.drug,
    _D.mg,
    _D.taken_at,
    _D.overridden,
    _D.override_reason,
)
_TRENDS = {t.value: t for t in Trend}
_LEVELS = {level.value: level for level in TriageLevel}
_ACTIONS = {a.value: a for a in SelfCareAction}
_NO_DETAILS: tuple[Any, ...] = ()
_PERSON_LOCK = 0x64696172  # "diar": the advisory lock id of dose checks


def _episode(row: Any, *, assessment: dict[str, Any] | None = None) -> EpisodeRecord:
    return EpisodeRecord(
        id=row.id,
        uid=row.uid,
        onset_at=row.onset_at,
        started_at=row.started_at,
        trigger=row.trigger,
        answers=row.answers,
        assessment=row.assessment if assessment is None else assessment,
        status=EpisodeStatus(row.status),
        resolved_at=row.resolved_at,
        summary=row.summary,
        summary_facts=row.summary_facts,
    )


def _dose(row: Any) -> DoseRecord:
    dose_id, episode_id, checkin_id, drug, mg, taken_at, overridden, reason = row
    return DoseRecord(dose_id, episode_id, checkin_id, drug, mg, taken_at, bool(overridden), reason)


def _reason_data(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "message": r.message, "level": r.level.value, "sources": list(r.sources)}
        for r in reasons
    ]


class _Decoder:
    """Decode JSON text columns, each distinct triage-reasons text only once."""

    def __init__(self) -> None:
        self._reasons: dict[str, tuple[Reason, ...]] = {}

    def reasons(self, text: str) -> tuple[Reason, ...]:
        cached = self._reasons.get(text)
        if cached is None:
            # Written by this package (or validated on import): no need to re-validate.
            cached = tuple(
                Reason.model_construct(
                    id=r["id"],
                    message=r["message"],
                    level=_LEVELS[r["level"]],
                    sources=tuple(r["sources"]),
                )
                for r in json.loads(text)
            )
            self._reasons[text] = cached
        return cached

    @staticmethod
    def answers(text: str | None) -> dict[str, Any] | None:
        if text is None:
            return None
        value = json.loads(text)  # rows written before none_as_null hold JSON 'null'
        return value if isinstance(value, dict) else None

    def checkin(
        self,
        row: Any,
        activities: tuple[ActivityScore, ...] = _NO_DETAILS,
        actions: tuple[ActionCount, ...] = _NO_DETAILS,
        doses: tuple[DoseRecord, ...] = _NO_DETAILS,
    ) -> CheckInRecord:
        (checkin_id, episode_id, at, pain, worst, days, trend, level, reasons, update, note) = row
        return CheckInRecord(
            checkin_id,
            episode_id,
            at,
            pain,
            worst,
            days,
            None if trend is None else _TRENDS[trend],
            _LEVELS[level],
            self.reasons(reasons),
            None if update is None else self.answers(update),
            note,
            activities,
            actions,
            doses,
        )


def _with_details(
    session: Session, rows: Sequence[Any], ids: Any, doses: Sequence[DoseRecord]
) -> list[CheckInRecord]:
    """Check-in rows with their activities and actions (of ``ids``) and their doses."""
    decoder = _Decoder()
    in_episode = ids
    # Frozen dataclasses are slow to build and these values repeat: share equal ones.
    scores: dict[tuple[str, int], ActivityScore] = {}
    activities: dict[int, list[ActivityScore]] = defaultdict(list)
    counts: dict[tuple[str, int], ActionCount] = {}
    actions: dict[int, list[ActionCount]] = defaultdict(list)
    # Activities and actions in one statement: (check-in, kind, name, score or count).
    details = union_all(
        select(_A.checkin_id, literal(0).label("kind"), _A.name, _A.score, _A.position).where(
            _A.checkin_id.in_(in_episode)
        ),
        select(_T.checkin_id, literal(1), _T.action, _T.count, _T.id).where(
            _T.checkin_id.in_(in_episode)
        ),
    ).subquery()
    for checkin_id, kind, name, value, _ in session.execute(
        select(details).order_by(details.c.checkin_id, details.c.kind, details.c.position)
    ).all():
        if kind == 0:
            rating = scores.get((name, value))
            if rating is None:
                rating = scores[name, value] = ActivityScore(name, value)
            activities[checkin_id].append(rating)
            continue
        done = counts.get((name, value))
        if done is None:
            done = counts[name, value] = ActionCount(_ACTIONS[name], value)
        actions[checkin_id].append(done)
    by_checkin: dict[int, list[DoseRecord]] = defaultdict(list)
    for dose in doses:
        if dose.checkin_id is not None:
            by_checkin[dose.checkin_id].append(dose)
    return [
        decoder.checkin(
            row,
            tuple(activities[row[0]]) if row[0] in activities else _NO_DETAILS,
            tuple(actions[row[0]]) if row[0] in actions else _NO_DETAILS,
            tuple(by_checkin[row[0]]) if row[0] in by_checkin else _NO_DETAILS,
        )
        for row in rows
    ]


@cache
def _marks_query() -> Any:
    """The statement of :meth:`DiaryRepository.marks`, built once (it is a large one).

    Its one parameter is ``episode_id``.
    """
    episode_id = bindparam("episode_id", type_=Integer)
    inner = CHECKINS.alias("marked")  # an alias: the outer query must not correlate it
    rated = inner.c.id.in_(select(_A.checkin_id))

    def pick(*where: Any, descending: bool = False) -> Any:
        order = (
            (inner.c.recorded_at.desc(), inner.c.id.desc())
            if descending
            else (inner.c.recorded_at, inner.c.id)
        )
        return (
            select(inner.c.id)
            .where(inner.c.episode_id == episode_id, *where)
            .order_by(*order)
            .limit(1)
            .scalar_subquery()
        )

    count = (
        select(func.count())
        .select_from(inner)
        .where(inner.c.episode_id == episode_id)
        .scalar_subquery()
    )
    return (
        select(*_CHECKIN_COLUMNS, _A.name, _A.score, count.label("total"))
        .select_from(CHECKINS.outerjoin(ACTIVITIES, _A.checkin_id == _C.id))
        .where(
            _C.id.in_([pick(), pick(descending=True), pick(rated), pick(rated, descending=True)])
        )
        .order_by(_C.recorded_at, _C.id, _A.position)
    )


@cache
def _active_query(*, lock: bool) -> Any:
    """The statement of :meth:`DiaryRepository.lock_active_episode` (parameter ``person``)."""
    person = bindparam("person", type_=Integer)
    found = EPISODES.alias("found")  # an alias: the outer query must not correlate it
    active = (
        select(found.c.id)
        .where(found.c.patient_id == person, found.c.status == EpisodeStatus.ACTIVE.value)
        .limit(1)
        .scalar_subquery()
    )
    query = select(*_EPISODE_COLUMNS).where(_E.patient_id == person, _E.id == active)
    return query.with_for_update(of=EPISODES) if lock else query


class DiaryRepository:
    """Queries and writes of one person's diary, inside one transaction of one session.

    Args:
        session: the transaction's session.
        person: whose records are read and written (``users.id``).
    """

    def __init__(self, session: Session, person: int = LOCAL_PERSON) -> None:
        self.session = session
        self.person = person
        self._owned: set[int] = set()

    def require_episode(self, episode_id: int) -> None:
        """Refuse an episode id of another person as if it did not exist.

        Raises:
            NotFoundError: no episode with this id belongs to the person.
        """
        if episode_id in self._owned:
            return
        found = self.session.execute(
            select(_E.id).where(_E.id == episode_id, _E.patient_id == self.person)
        ).first()
        if found is None:
            raise NotFoundError(
                gettext("no episode {episode_id} in the diary").format(episode_id=episode_id)
            )
        self._owned.add(episode_id)

    # --- episodes -------------------------------------------------------------------

    def add_episode(self, new: NewEpisode) -> EpisodeRecord:
        """Record an episode.

        Raises:
            ConflictError: another episode is already active, or the uid is taken.
        """
        if new.status is EpisodeStatus.ACTIVE and self.active_episode() is not None:
            raise ConflictError(
                gettext("an episode is already active: resolve it before starting another")
            )
        if self.episode_by_uid(new.uid) is not None:
            raise ConflictError(
                gettext("an episode with uid {new_uid} is already in the diary").format(
                    new_uid=new.uid
                )
            )
        try:
            episode_id = self.session.execute(
                insert(EPISODES)
                .values(
                    patient_id=self.person,
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
                .returning(_E.id)
            ).scalar_one()
        except IntegrityError as error:  # another process started one in between
            _log.warning("backcare: the database refused an episode: %s", error.orig)
            raise ConflictError(
                gettext("another episode was started at the same moment: nothing was recorded")
            ) from error
        return self.episode(episode_id)

    def _one_episode(self, *where: Any, order: Sequence[Any] = ()) -> EpisodeRecord | None:
        row = self.session.execute(
            select(*_EPISODE_COLUMNS)
            .where(_E.patient_id == self.person, *where)
            .order_by(*order)
            .limit(1)
        ).first()
        return None if row is None else self._owned_episode(row)

    def _owned_episode(self, row: Any) -> EpisodeRecord:
        # Read with the person's scope: later queries of this transaction need not re-check.
        self._owned.add(row.id)
        return _episode(row)

    def episode(self, episode_id: int) -> EpisodeRecord:
        """The episode with this id.

        Raises:
            NotFoundError: there is none.
        """
        episode = self._one_episode(_E.id == episode_id)
        if episode is None:
            raise NotFoundError(
                gettext("no episode {episode_id} in the diary").format(episode_id=episode_id)
            )
        return episode

    def episode_by_uid(self, uid: str) -> EpisodeRecord | None:
        """The episode with this uid, if any."""
        return self._one_episode(_E.uid == uid)

    def active_episode(self) -> EpisodeRecord | None:
        """The active episode, if there is one (there is at most one)."""
        return self._one_episode(_E.status == EpisodeStatus.ACTIVE.value)

    def latest_episode(self) -> EpisodeRecord | None:
        """The most recently started episode, active or not."""
        return self._one_episode(order=(_E.started_at.desc(), _E.id.desc()))

    def episodes(self) -> list[EpisodeRecord]:
        """Every episode, oldest first."""
        rows = self.session.execute(
            select(*_EPISODE_COLUMNS)
            .where(_E.patient_id == self.person)
            .order_by(_E.started_at, _E.id)
        )
        return [_episode(row) for row in rows]

    def lock_episode(self, episode_id: int) -> EpisodeRecord:
        """Serialise writers on this episode for the rest of the transaction.

        On SQLite the write transaction already holds the database's write lock
        (``BEGIN IMMEDIATE``); on PostgreSQL this takes a row lock. Either way the
        episode returned is read under the lock, so its status is the committed one:
        callers re-check it (a check-in may race a ``resolve``).

        Raises:
            NotFoundError: no such episode.
        """
        if self._sqlite:
            return self.episode(episode_id)
        row = self.session.execute(
            select(*_EPISODE_COLUMNS)
            .where(_E.id == episode_id, _E.patient_id == self.person)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(
                gettext("no episode {episode_id} in the diary").format(episode_id=episode_id)
            )
        return self._owned_episode(row)

    def lock_active_episode(self) -> EpisodeRecord | None:
        """The active episode, locked as :meth:`lock_episode` locks it, in one statement.

        The episode is found in the transaction's snapshot and returned as it is once
        locked: a ``resolve`` that committed meanwhile shows as a resolved episode, which
        callers refuse. ``None``: there was no active episode.
        """
        # SQLite's write transaction holds the database lock already.
        query = _active_query(lock=not self._sqlite)
        row = self.session.execute(query, {"person": self.person}).first()
        return None if row is None else self._owned_episode(row)

    def lock_person(self) -> None:
        """Serialise dose checks of this diary's person for the rest of the transaction.

        A dose is checked against the doses of every episode, so two check-ins in
        different episodes (or an import) must not check-then-record at once. One
        diary is one person: on PostgreSQL this is a transaction-level advisory lock
        on the diary; SQLite's write transaction holds the database lock already.
        """
        if not self._sqlite:
            self.session.execute(select(func.pg_advisory_xact_lock(_PERSON_LOCK, self.person)))

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    def resolve_episode(
        self,
        episode_id: int,
        *,
        resolved_at: datetime,
        summary: str | None,
        summary_facts: dict[str, Any] | None = None,
    ) -> EpisodeRecord:
        """Mark an episode resolved with its summary: the person's words, or facts.

        Raises:
            NotFoundError: no such episode.
            ConflictError: it is already resolved.
        """
        episode = self.episode(episode_id)
        if episode.status is EpisodeStatus.RESOLVED:
            raise ConflictError(
                gettext("episode {episode_id} is already resolved").format(episode_id=episode_id)
            )
        self.session.execute(
            update(EPISODES)
            .where(_E.id == episode_id)
            .values(
                status=EpisodeStatus.RESOLVED.value,
                resolved_at=resolved_at,
                summary=summary,
                summary_facts=summary_facts,
            )
        )
        return self.episode(episode_id)

    # --- check-ins ------------------------------------------------------------------

    def add_checkin(self, episode_id: int, new: NewCheckIn) -> CheckInRecord:
        """Record a check-in with its activities, actions and doses."""
        return self.add_checkins(episode_id, [new])[0]

    def add_checkins(self, episode_id: int, news: Sequence[NewCheckIn]) -> list[CheckInRecord]:
        """Record check-ins with everything logged in them, in a few batched statements."""
        if not news:
            return []
        self.require_episode(episode_id)
        ids = self._insert_ids(
            CHECKINS,
            [
                {
                    "episode_id": episode_id,
                    "recorded_at": new.recorded_at,
                    "pain": new.pain,
                    "worst_pain": new.worst_pain,
                    "days_of_self_care": new.days_of_self_care,
                    "trend": None if new.trend is None else new.trend.value,
                    "triage_level": new.triage_level.value,
                    "triage_reasons": _reason_data(new.triage_reasons),
                    "answers_update": new.answers_update,
                    "note": new.note,
                }
                for new in news
            ],
        )
        activities = [
            {"checkin_id": checkin_id, "position": i, "name": a.name, "score": a.score}
            for checkin_id, new in zip(ids, news, strict=True)
            for i, a in enumerate(new.activities, 1)
        ]
        if activities:
            self.session.execute(insert(ACTIVITIES), activities)
        actions = [
            {"checkin_id": checkin_id, "action": a.action.value, "count": a.count}
            for checkin_id, new in zip(ids, news, strict=True)
            for a in new.actions
        ]
        if actions:
            self.session.execute(insert(ACTIONS), actions)
        doses = self.add_doses(
            episode_id,
            [
                (dose, checkin_id)
                for checkin_id, new in zip(ids, news, strict=True)
                for dose in new.doses
            ],
        )
        by_checkin: dict[int | None, list[DoseRecord]] = defaultdict(list)
        for dose in doses:
            by_checkin[dose.checkin_id].append(dose)
        return [
            CheckInRecord(
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
                doses=tuple(by_checkin[checkin_id]),
            )
            for checkin_id, new in zip(ids, news, strict=True)
        ]

    def _insert_ids(self, table: Table, rows: list[dict[str, Any]]) -> list[int]:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        if len(rows) == 1:
            return [self.session.execute(statement.values(**rows[0])).scalar_one()]
        return list(self.session.execute(statement, rows).scalars())

    def history(self, episode_id: int) -> tuple[list[CheckInRecord], list[DoseRecord]]:
        """Every check-in of an episode with its details, and every dose of the episode.

        Four queries in all; check-ins in time order, doses by the time they were taken.
        """
        self.require_episode(episode_id)
        rows = self.session.execute(
            select(*_CHECKIN_COLUMNS)
            .where(_C.episode_id == episode_id)
            .order_by(_C.recorded_at, _C.id)
        ).all()
        in_episode = select(_C.id).where(_C.episode_id == episode_id).scalar_subquery()
        doses = self.doses(episode_id)
        return self._with_details(rows, in_episode, doses), doses

    def checkin_page(
        self,
        episode_id: int,
        *,
        before: tuple[datetime, int] | None,
        limit: int,
    ) -> tuple[list[CheckInRecord], list[DoseRecord], bool]:
        """One page of an episode's check-ins, newest first by (time, id) - keyset paging.

        Args:
            episode_id: the episode.
            before: the (recorded_at, id) of the last check-in of the page before, if any.
            limit: how many check-ins at most.

        Returns:
            The page's check-ins in time order with their details; the doses of those
            check-ins and any dose logged without a check-in in the page's time span;
            and whether there are older check-ins.
        """
        self.require_episode(episode_id)
        query = select(*_CHECKIN_COLUMNS).where(_C.episode_id == episode_id)
        if before is not None:
            # Spelt out rather than a row value, so the time is bound as the column's type;
            # the plain ``<=`` lets the index start at the cursor (PostgreSQL cannot seek
            # on the OR alone, and filtered every newer row: page 70 read 3,500 of them).
            at, last_id = before
            query = query.where(
                _C.recorded_at <= at,
                or_(_C.recorded_at < at, and_(_C.recorded_at == at, _C.id < last_id)),
            )
        rows = self.session.execute(
            query.order_by(_C.recorded_at.desc(), _C.id.desc()).limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit][::-1]
        ids = [row.id for row in rows]
        doses: list[DoseRecord] = []
        if rows:
            span = [_D.episode_id == episode_id, _D.checkin_id.is_(None)]
            if more:
                span.append(_D.taken_at >= rows[0].recorded_at)
            if before is not None:
                span.append(_D.taken_at < before[0])
            dose_rows = self.session.execute(
                select(*_DOSE_COLUMNS)
                .where((_D.checkin_id.in_(ids)) | (and_(*span)))
                .order_by(_D.taken_at, _D.id)
            ).all()
            doses = [_dose(row) for row in dose_rows]
        return self._with_details(rows, ids, doses), doses, more

    def pain_series(self, episode_id: int, *, since: datetime | None = None) -> list[PainPoint]:
        """The check-ins' times and scores (since ``since``, if given), in time order."""
        self.require_episode(episode_id)
        query = select(_C.recorded_at, _C.pain, _C.worst_pain).where(_C.episode_id == episode_id)
        if since is not None:
            query = query.where(_C.recorded_at >= since)
        rows = self.session.execute(query.order_by(_C.recorded_at, _C.id)).all()
        return [PainPoint(at, pain, worst) for at, pain, worst in rows]

    def checkin_count(self, episode_id: int) -> int:
        """How many check-ins the episode has."""
        self.require_episode(episode_id)
        return int(
            self.session.execute(
                select(func.count()).select_from(CHECKINS).where(_C.episode_id == episode_id)
            ).scalar_one()
        )

    def pain_runs(
        self, episode_id: int, *, most: int, count: int | None = None
    ) -> list[tuple[datetime, int]]:
        """Pain over the episode in at most ``most`` points, for a chart.

        With more check-ins than that, consecutive check-ins are taken in equal runs and
        each run gives its last time and its highest pain (so no bad day is averaged
        away), grouped in the database: a ten-year diary sends ``most`` rows, not 3,650.
        ``count`` is the episode's number of check-ins when the caller has read it.
        """
        if count is None:
            count = self.checkin_count(episode_id)
        if count <= most:
            rows = self.session.execute(
                select(_C.recorded_at, _C.pain)
                .where(_C.episode_id == episode_id)
                .order_by(_C.recorded_at, _C.id)
            ).all()
            return [(at, pain) for at, pain in rows]
        size = -(-count // most)  # ceiling division
        position = func.row_number().over(order_by=(_C.recorded_at, _C.id)) - 1
        numbered = (
            select(_C.recorded_at, _C.pain, (position // size).label("run"))
            .where(_C.episode_id == episode_id)
            .subquery()
        )
        rows = self.session.execute(
            select(func.max(numbered.c.recorded_at), func.max(numbered.c.pain))
            .group_by(numbered.c.run)
            .order_by(numbered.c.run)
        ).all()
        return [(at, pain) for at, pain in rows]

    def marks(self, episode_id: int) -> CheckInMarks:
        """The first, latest, first and last rated check-ins, and the count, in one query.

        Equal to :meth:`first_checkin`, :meth:`latest_checkin`,
        :meth:`first_activity_checkin`, :meth:`last_activity_checkin` and
        :meth:`checkin_count` (at most four check-ins, each with its activities).
        """
        self.require_episode(episode_id)
        rows = self.session.execute(_marks_query(), {"episode_id": episode_id}).all()
        if not rows:
            return CheckInMarks(None, None, None, None, 0)
        decoder = _Decoder()
        width = len(_CHECKIN_COLUMNS)
        rated_by: dict[int, list[ActivityScore]] = defaultdict(list)
        heads: dict[int, Any] = {}
        for row in rows:
            heads.setdefault(row.id, row[:width])
            if row.name is not None:
                rated_by[row.id].append(ActivityScore(row.name, row.score))
        found = [decoder.checkin(head, tuple(rated_by[i])) for i, head in heads.items()]
        with_rating = [c for c in found if c.activities]
        # Rows come in time order: the ends are first and latest; the rated ones are
        # among them, and no earlier (or later) rated check-in exists outside them.
        return CheckInMarks(
            first=found[0],
            latest=found[-1],
            first_rated=with_rating[0] if with_rating else None,
            last_rated=with_rating[-1] if with_rating else None,
            count=int(rows[0].total),
        )

    def last_activity_checkin(self, episode_id: int) -> CheckInRecord | None:
        """The latest check-in that rated PSFS activities."""
        self.require_episode(episode_id)
        return self._first(
            _C.episode_id == episode_id, _C.id.in_(select(_A.checkin_id)), descending=True
        )

    def _with_details(
        self, rows: Sequence[Any], ids: Any, doses: Sequence[DoseRecord]
    ) -> list[CheckInRecord]:
        """Check-in rows with their activities and actions (of ``ids``) and their doses."""
        return _with_details(self.session, rows, ids, doses)

    def checkins(
        self,
        episode_id: int,
        *,
        since: datetime | None = None,
        with_details: bool = True,
    ) -> list[CheckInRecord]:
        """The check-ins of an episode in time order.

        Args:
            episode_id: the episode.
            since: only check-ins recorded at or after this time.
            with_details: also load activities, actions and doses.
        """
        self.require_episode(episode_id)
        if with_details and since is None:
            return self.history(episode_id)[0]
        decoder = _Decoder()
        query = select(*_CHECKIN_COLUMNS).where(_C.episode_id == episode_id)
        if since is not None:
            query = query.where(_C.recorded_at >= since)
        rows = self.session.execute(query.order_by(_C.recorded_at, _C.id)).all()
        if not with_details:
            return [decoder.checkin(row) for row in rows]
        # Only these check-ins' details: the week view of a ten-year diary reads 8 days.
        ids = [row.id for row in rows]
        doses = [
            _dose(row)
            for row in self.session.execute(
                select(*_DOSE_COLUMNS).where(_D.checkin_id.in_(ids)).order_by(_D.taken_at, _D.id)
            )
        ]
        return self._with_details(rows, ids, doses)

    def _first(
        self, *where: Any, descending: bool = False, activities: bool = True
    ) -> CheckInRecord | None:
        order = (_C.recorded_at.desc(), _C.id.desc()) if descending else (_C.recorded_at, _C.id)
        row = self.session.execute(
            select(*_CHECKIN_COLUMNS).where(*where).order_by(*order).limit(1)
        ).first()
        if row is None:
            return None
        if not activities:
            return _Decoder().checkin(row)
        rated = tuple(
            ActivityScore(name, score)
            for name, score in self.session.execute(
                select(_A.name, _A.score).where(_A.checkin_id == row.id).order_by(_A.position)
            )
        )
        return _Decoder().checkin(row, rated)

    def first_checkin(self, episode_id: int, *, activities: bool = True) -> CheckInRecord | None:
        """The episode's first check-in (its pain baseline), with its activities unless told."""
        self.require_episode(episode_id)
        return self._first(_C.episode_id == episode_id, activities=activities)

    def first_activity_checkin(self, episode_id: int) -> CheckInRecord | None:
        """The first check-in that rated PSFS activities (the function baseline)."""
        self.require_episode(episode_id)
        return self._first(_C.episode_id == episode_id, _C.id.in_(select(_A.checkin_id)))

    def latest_checkin(self, episode_id: int, *, activities: bool = True) -> CheckInRecord | None:
        """The most recent check-in of the episode, with its activities unless told."""
        self.require_episode(episode_id)
        return self._first(_C.episode_id == episode_id, descending=True, activities=activities)

    def updates_and_pains(
        self, episode_id: int, *, since: datetime
    ) -> tuple[list[dict[str, Any]], list[PainPoint]]:
        """:meth:`answer_updates` and :meth:`pain_series` since ``since``, in one query."""
        self.require_episode(episode_id)
        rows = self.session.execute(
            select(_C.recorded_at, _C.pain, _C.worst_pain, cast(_C.answers_update, Text))
            .where(
                _C.episode_id == episode_id,
                or_(_C.answers_update.is_not(None), _C.recorded_at >= since),
            )
            .order_by(_C.recorded_at, _C.id)
        ).all()
        updates = []
        pains = []
        for at, pain, worst, text in rows:
            if text is not None:
                decoded = _Decoder.answers(text)
                if decoded:
                    updates.append(decoded)
            if at >= since:
                pains.append(PainPoint(at, pain, worst))
        return updates, pains

    def answer_updates(self, episode_id: int) -> list[dict[str, Any]]:
        """The answers changed at check-ins (new red flags and the like), in time order."""
        self.require_episode(episode_id)
        rows = self.session.execute(
            select(cast(_C.answers_update, Text))
            .where(_C.episode_id == episode_id, _C.answers_update.is_not(None))
            .order_by(_C.recorded_at, _C.id)
        )
        decoded = (_Decoder.answers(text) for (text,) in rows)
        return [update_ for update_ in decoded if update_]

    # --- doses ----------------------------------------------------------------------

    def add_doses(
        self, episode_id: int, doses: Sequence[tuple[NewDose, int | None]]
    ) -> list[DoseRecord]:
        """Record doses, each with the check-in it belongs to (or ``None``)."""
        if not doses:
            return []
        self.require_episode(episode_id)
        ids = self._insert_ids(
            DOSES,
            [
                {
                    "episode_id": episode_id,
                    "checkin_id": checkin_id,
                    "drug": dose.drug,
                    "mg": dose.mg,
                    "taken_at": dose.taken_at,
                    "overridden": dose.overridden,
                    "override_reason": dose.override_reason,
                }
                for dose, checkin_id in doses
            ],
        )
        return [
            DoseRecord(
                dose_id,
                episode_id,
                checkin_id,
                dose.drug,
                dose.mg,
                dose.taken_at,
                dose.overridden,
                dose.override_reason,
            )
            for dose_id, (dose, checkin_id) in zip(ids, doses, strict=True)
        ]

    def doses_between(
        self, start: datetime, end: datetime, *, drugs: Collection[str] | None = None
    ) -> list[DoseRecord]:
        """Doses taken in ``[start, end]`` in any of the person's episodes, oldest first."""
        mine = select(_E.id).where(_E.patient_id == self.person)
        query = select(*_DOSE_COLUMNS).where(
            _D.taken_at >= start, _D.taken_at <= end, _D.episode_id.in_(mine)
        )
        if drugs is not None:
            query = query.where(_D.drug.in_(list(drugs)))
        rows = self.session.execute(query.order_by(_D.taken_at, _D.id))
        return [_dose(row) for row in rows]

    def first_dose_time(self, episode_id: int, drug: str) -> datetime | None:
        """When the episode's first dose of ``drug`` was taken, if any."""
        self.require_episode(episode_id)
        value: datetime | str | None = self.session.execute(
            select(func.min(_D.taken_at)).where(_D.episode_id == episode_id, _D.drug == drug)
        ).scalar_one()
        if value is None:
            return None
        if isinstance(value, str):  # in case an aggregate loses the column type
            value = datetime.fromisoformat(value)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    def doses(self, episode_id: int) -> list[DoseRecord]:
        """Every dose of the episode (with or without a check-in), oldest first."""
        self.require_episode(episode_id)
        rows = self.session.execute(
            select(*_DOSE_COLUMNS).where(_D.episode_id == episode_id).order_by(_D.taken_at, _D.id)
        ).all()
        return [_dose(row) for row in rows]

    # --- preferences ----------------------------------------------------------------

    def preferences(self) -> dict[str, str]:
        """The settings the person chose, by name (only those that override a default)."""
        if self.person != LOCAL_PERSON:  # one table for one person: hosted mode uses defaults
            return {}
        rows = self.session.execute(select(Preference.name, Preference.value)).all()
        return {str(name): str(value) for name, value in rows}

    def replace_preferences(self, values: Mapping[str, str]) -> None:
        """Store exactly ``values`` as the person's settings (others go back to defaults)."""
        if self.person != LOCAL_PERSON:
            raise ConflictError(
                gettext("personal settings cannot be changed on a shared server yet")
            )
        self.session.execute(delete(Preference))
        if values:
            self.session.execute(
                insert(Preference), [{"name": k, "value": v} for k, v in values.items()]
            )


@dataclass(frozen=True, slots=True)
class CurrentEpisode:
    """A person's current episode with every check-in (with details) and every dose.

    The episode's stored first assessment is not read (``episode.assessment`` is empty):
    the dashboard does not show it, and it is the largest column (some 30 KB of JSON an
    episode, most of a care team's read).
    """

    episode: EpisodeRecord
    checkins: tuple[CheckInRecord, ...]
    doses: tuple[DoseRecord, ...]


def current_episodes(session: Session, people: Collection[int]) -> dict[int, CurrentEpisode]:
    """Several people's current episodes (active, else latest), whole, in four queries.

    (Without the episodes' first assessments: see :class:`CurrentEpisode`.)

    What :meth:`DiaryRepository.history` gives for each person's current episode, for a
    clinician's dashboard: a care team's patients in a fixed number of queries, not a
    few per patient. Only ``people`` are read: the caller passes the people the access
    gate let it read (:meth:`backcare.accounts.Accounts.diary_stores`, which audits it).
    A person without an episode is not in the result.
    """
    if not people:
        return {}
    ranked = (
        select(
            *(column for column in _EPISODE_COLUMNS if column is not _E.assessment),
            _E.patient_id,
            func.row_number()
            .over(
                partition_by=_E.patient_id,
                # As DiaryRepository: the active episode, else the latest started.
                order_by=(
                    case((_E.status == EpisodeStatus.ACTIVE.value, 0), else_=1),
                    _E.started_at.desc(),
                    _E.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(_E.patient_id.in_(sorted(people)))
        .subquery()
    )
    current = {
        int(row.patient_id): _episode(row, assessment={})
        for row in session.execute(select(ranked).where(ranked.c.rank == 1))
    }
    if not current:
        return {}
    episode_ids = sorted(e.id for e in current.values())
    rows = session.execute(
        select(*_CHECKIN_COLUMNS)
        .where(_C.episode_id.in_(episode_ids))
        .order_by(_C.episode_id, _C.recorded_at, _C.id)
    ).all()
    doses = [
        _dose(row)
        for row in session.execute(
            select(*_DOSE_COLUMNS)
            .where(_D.episode_id.in_(episode_ids))
            .order_by(_D.taken_at, _D.id)
        )
    ]
    in_episodes = select(_C.id).where(_C.episode_id.in_(episode_ids)).scalar_subquery()
    checkins: dict[int, list[CheckInRecord]] = defaultdict(list)
    for checkin in _with_details(session, rows, in_episodes, doses):
        checkins[checkin.episode_id].append(checkin)
    episode_doses: dict[int, list[DoseRecord]] = defaultdict(list)
    for dose in doses:
        episode_doses[dose.episode_id].append(dose)
    return {
        person: CurrentEpisode(
            episode, tuple(checkins[episode.id]), tuple(episode_doses[episode.id])
        )
        for person, episode in current.items()
    }
