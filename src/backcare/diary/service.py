"""The diary's use-cases: the only place the triage engine meets the store.

:class:`Diary` starts and resolves episodes, records check-ins (re-running triage
with the course the diary observed, and checking every dose against the label
limits before it is stored), and reads history, trends and today's plan. Each
use-case is one short transaction; a check-in and everything in it are recorded
together or not at all.

    >>> with open_diary("sqlite://") as diary:  # doctest: +SKIP
    ...     diary.start_episode(trigger="lifting", answers={"pain": 7})
    ...     result = diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 200),)))
    ...     result.escalation.level
    <TriageLevel.SELF_CARE: 'self_care'>
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from backcare.diary.escalation import Escalation, effective_answers, escalation
from backcare.diary.inputs import (
    CLOCK_SKEW,
    DERIVED_ANSWERS,
    DOSE_LEAD_TIME,
    MAX_ACTION_COUNT,
    MAX_ACTIVITY_NAME,
    MAX_EPISODE_AGE,
    MAX_MG,
    MAX_NOTE_LENGTH,
    PERSON_COURSE_FIELDS,
    CheckInEntry,
    DoseEntry,
    bounded_time,
    check_free_text,
)
from backcare.diary.medicines import (
    DAY,
    DoseAdvice,
    DoseCheck,
    check_dose,
    dose_advice,
    find_medicine,
    refuse,
)
from backcare.diary.summary import summary_facts
from backcare.diary.trends import (
    RESOLUTION_DAYS,
    FunctionChange,
    PainChange,
    Resolution,
    TrendReport,
    build_trend,
    episode_baseline,
    function_change,
    overall_trend,
    pain_change,
    resolution_status,
    trend_report,
)
from backcare.diary.week import WeekView, week_view
from backcare.domain.answers import Answers, parse_answers
from backcare.domain.enums import MedicineStatus, TriageLevel, Trigger
from backcare.domain.results import Assessment, MedicineAdvice
from backcare.errors import (
    ConflictError,
    EpisodeActiveError,
    FieldProblem,
    InputError,
    NotFoundError,
)
from backcare.i18n import N_, format_when, gettext
from backcare.knowledge.questionnaires import Questionnaires, load_questionnaires
from backcare.knowledge.schema import KnowledgeBase, RedFlag
from backcare.measures import PSFS_MAX_ACTIVITIES, nrs
from backcare.rules.assessor import Engine, default_engine
from backcare.settings import Settings, get_settings, with_personal
from backcare.store import (
    CheckInMarks,
    CheckInRecord,
    DiaryRepository,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    Store,
    open_store,
)
from backcare.store.coach import CoachRepository, CoachSessionRecord
from backcare.store.feeds import FeedRepository
from backcare.store.questionnaires import QuestionnaireRepository, QuestionnaireResponseRecord
from backcare.store.records import PainPoint
from backcare.store.requests import RequestRepository

__all__ = [
    "CHART_POINTS",
    "CheckInResult",
    "Diary",
    "EpisodeHistory",
    "EpisodePlan",
    "EpisodeStart",
    "HistoryPage",
    "Once",
    "compact_answers",
    "local_timezone",
    "open_diary",
]

#: At most this many points of pain over time in a chart (see :meth:`Diary.history_page`).
CHART_POINTS = 180


def local_timezone() -> tzinfo:
    """This machine's current time zone (a fixed offset), for calendar days and clock times."""
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def compact_answers(answers: Answers) -> dict[str, Any]:
    """Answers as compact JSON data: unanswered fields dropped, ``conditions`` sorted."""
    data = answers.model_dump(mode="json", exclude_none=True)
    compact = {k: v for k, v in data.items() if not (isinstance(v, dict) and not v)}
    if "conditions" in compact:
        compact["conditions"] = sorted(compact["conditions"])
    return compact


@dataclass(frozen=True, slots=True)
class EpisodeStart:
    """A new episode and its first assessment."""

    episode: EpisodeRecord
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class EpisodePlan:
    """An episode and today's plan for it, read together (:meth:`Diary.episode_plan`).

    Attributes:
        episode: the episode.
        assessment: today's assessment and plan; ``None`` for a resolved episode when
            only an active one's plan was asked for.
    """

    episode: EpisodeRecord
    assessment: Assessment | None


@dataclass(frozen=True, slots=True)
class CheckInResult:
    """What a check-in recorded and what it means.

    Attributes:
        checkin: the stored check-in.
        assessment: triage and plan re-run with the diary's course.
        escalation: the level now against the level before, with reasons and sources.
        pain: pain against the baseline (``None`` for the baseline check-in itself).
        function: PSFS against its baseline, when comparable.
        doses: the check of each dose (warnings, and any limit it broke).
        resolution: progress towards PACE's recovery definition; ``met`` means the
            diary suggests resolving the episode.
        dose_advice: for each dose over a limit (recorded, flagged): when the next
            dose is allowed and who to call after too much.
    """

    checkin: CheckInRecord
    assessment: Assessment
    escalation: Escalation
    pain: PainChange | None
    function: FunctionChange | None
    doses: tuple[DoseCheck, ...]
    resolution: Resolution
    dose_advice: tuple[DoseAdvice, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of an episode's check-ins, with what the whole episode shows.

    Attributes:
        episode: the episode.
        checkins: this page's check-ins (with details), in time order.
        doses: their doses, and doses logged without a check-in in the page's time span.
        trend: the whole episode's trend report.
        chart: pain over the whole episode, (time, pain), at most a chart's worth of
            points: with more check-ins, each is the highest pain of a run of them.
        older: the (time, id) cursor of the next, older page; ``None`` on the last page.
        week: the last 7 days (to now, or to when the episode was resolved).
        coach_sessions: the exercise sessions of the last 30 days of the episode.
        questionnaires: every questionnaire filled in during the episode (a few).
        assessment: today's plan (:meth:`Diary.plan`), when asked for with ``with_plan``.
    """

    episode: EpisodeRecord
    checkins: tuple[CheckInRecord, ...]
    doses: tuple[DoseRecord, ...]
    trend: TrendReport
    chart: tuple[tuple[datetime, int], ...]
    older: tuple[datetime, int] | None
    week: WeekView
    coach_sessions: tuple[CoachSessionRecord, ...]
    questionnaires: tuple[QuestionnaireResponseRecord, ...]
    assessment: Assessment | None = None


@dataclass(frozen=True, slots=True)
class Once:
    """The answer to a check-in sent with an idempotency key.

    Attributes:
        response: the answer the first request with the key got (JSON data).
        replayed: ``True`` when this request was a repeat and recorded nothing.
    """

    response: dict[str, Any]
    replayed: bool


@dataclass(frozen=True, slots=True)
class EpisodeHistory:
    """An episode with every check-in (and what was logged in it) in time order."""

    episode: EpisodeRecord
    checkins: tuple[CheckInRecord, ...]
    doses: tuple[DoseRecord, ...]
    """Every dose of the episode, including any logged without a check-in."""
    coach_sessions: tuple[CoachSessionRecord, ...] = ()
    """The exercise coach's sessions of the episode, oldest first."""
    questionnaires: tuple[QuestionnaireResponseRecord, ...] = ()
    """The questionnaires filled in during the episode, oldest first."""


class Diary:
    """The episode diary of one person, on one store.

    Args:
        store: an open store (see :func:`open_diary`).
        engine: the triage engine; default: the shipped knowledge base with ``settings``,
            built on first use (reading the history never loads the knowledge base).
        settings: for the default engine; default: the ``BACKCARE_*`` environment.
        clock: returns the current time (aware); default: the system clock.
        tz: the person's time zone, for calendar days and typed clock times.
        questionnaires: the questionnaire definitions; default: the shipped knowledge base's.
    """

    def __init__(
        self,
        store: Store,
        *,
        engine: Engine | None = None,
        settings: Settings | None = None,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        questionnaires: Questionnaires | None = None,
    ) -> None:
        self.store = store
        self._questionnaires = questionnaires
        self._engine = engine
        self._settings = settings
        self._clock = clock if clock is not None else (lambda: datetime.now(UTC))
        self.tz = tz if tz is not None else local_timezone()

    @property
    def engine(self) -> Engine:
        """The triage engine (the default one is built when first needed)."""
        if self._engine is None:
            self._engine = default_engine(self._settings)
        return self._engine

    @property
    def questionnaires(self) -> Questionnaires:
        """The questionnaires the diary collects (the shipped ones unless given others)."""
        if self._questionnaires is None:
            self._questionnaires = load_questionnaires()
        return self._questionnaires

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return self._clock().astimezone(UTC)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Diary:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the calendar link ------------------------------------------------------------

    def new_calendar_token(self) -> str:
        """Make the person's secret calendar token; links made before stop working.

        Returns:
            The token, the only time it is seen: the diary keeps its hash only.
        """
        token = secrets.token_urlsafe(32)
        with self.store.write() as repo:
            FeedRepository(repo.session, repo.person).replace(_token_hash(token), now=self.now())
        return token

    def revoke_calendar_token(self) -> bool:
        """Stop the calendar link; ``False`` if there was none working."""
        with self.store.write() as repo:
            return FeedRepository(repo.session, repo.person).revoke_all(now=self.now()) > 0

    def calendar_token_works(self, token: str) -> bool:
        """Whether ``token`` is the person's working calendar token."""
        if not token or len(token) > 100:
            return False
        with self.store.read() as repo:
            return FeedRepository(repo.session, repo.person).works(_token_hash(token))

    def calendar_link_since(self) -> datetime | None:
        """When the working calendar link was made (``None``: there is none)."""
        with self.store.read() as repo:
            return FeedRepository(repo.session, repo.person).active_since()

    # --- the person's settings --------------------------------------------------------

    def personal_settings(self) -> dict[str, str]:
        """The settings the person chose (emergency number, waking hours), by name."""
        with self.store.read() as repo:
            return repo.preferences()

    def save_personal_settings(self, base: Settings, values: Mapping[str, str]) -> Settings:
        """Check ``values`` over ``base``, store them and return the settings in force.

        Raises:
            InputError: a value is not allowed (nothing is saved).
        """
        settings = with_personal(base, values)
        # Only real overrides are kept, normalised ("07:00" is stored as "07:00:00").
        keep = {
            name: str(getattr(settings, name))
            for name in values
            if getattr(settings, name) != getattr(base, name)
        }
        with self.store.write() as repo:
            repo.replace_preferences(keep)
        return settings

    # --- episodes -------------------------------------------------------------------

    def start_episode(
        self,
        *,
        onset: datetime | None = None,
        trigger: Trigger | str | None = None,
        answers: Mapping[str, Any] | Answers | None = None,
        close_active: bool = False,
    ) -> EpisodeStart:
        """Start an episode and assess it.

        Args:
            onset: when the spasm began (aware); default: ``answers.hours_since_onset``
                before now, else now.
            trigger: what set it off (overrides ``answers.trigger``).
            answers: the intake answers (answers contract v1), e.g. pain and red flags.
            close_active: close the active episode first (with backcare's summary), in
                the same transaction; without it an active episode is a conflict.

        Raises:
            InputError: bad answers, an unknown trigger, or an onset in the future or more
                than a year ago.
            EpisodeActiveError: another episode is still active and ``close_active`` is
                not set (see :meth:`update_episode` for the other way on).
        """
        now = self.now()
        given = parse_answers(
            answers if isinstance(answers, Answers) else dict(answers or {})
        ).model_dump(exclude_none=True)
        if trigger is not None:
            try:
                given["trigger"] = Trigger(trigger)
            except ValueError:
                choices = ", ".join(t.value for t in Trigger)
                raise InputError(
                    gettext("unknown trigger {trigger!r}").format(trigger=trigger),
                    problems=[FieldProblem("trigger", choices)],
                ) from None
        hours = given.pop("hours_since_onset", None)
        given.get("course", {}).pop("days_of_self_care", None)
        field = "onset" if onset is not None or hours is None else "hours_since_onset"
        if onset is None:
            onset = now - timedelta(hours=hours) if hours is not None else now
        onset = bounded_time(
            onset,
            field=field,
            earliest=now - MAX_EPISODE_AGE,
            latest=now + CLOCK_SKEW,
            what=N_("a year ago (an episode of back spasm lasts weeks, not years)"),
        )
        start = compact_answers(Answers.model_validate(given, strict=False))
        assessment = self.engine.assess(
            effective_answers(start, (), onset=onset, at=now, pain=start.get("pain"), trend=None)
        )
        with self.store.write() as repo:
            active = repo.active_episode()
            if active is not None:
                if not close_active:
                    raise _active_error(active, self.tz)
                self._close(repo, active.id, now=now, summary=None)
            episode = repo.add_episode(
                NewEpisode(
                    uid=uuid.uuid4().hex,
                    onset_at=onset,
                    started_at=now,
                    trigger=start.get("trigger"),
                    answers=start,
                    assessment=assessment.model_dump(mode="json"),
                )
            )
        return EpisodeStart(episode=episode, assessment=assessment)

    def episode(self, episode_id: int | None = None) -> EpisodeRecord:
        """An episode by id; default: the active one, else the most recent.

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        with self.store.read() as repo:
            return self._episode(repo, episode_id)

    def episodes(self) -> list[EpisodeRecord]:
        """Every episode, oldest first."""
        with self.store.read() as repo:
            return repo.episodes()

    def resolve(
        self, episode_id: int | None = None, *, summary: str | None = None
    ) -> EpisodeRecord:
        """Close an episode with a summary (written by backcare unless given).

        Raises:
            NotFoundError: no such episode.
            ConflictError: it is already resolved.
        """
        now = self.now()
        text = _clean_text(summary, field="summary")
        with self.store.write() as repo:
            episode = self._episode(repo, episode_id, active=episode_id is None)
            return self._close(repo, episode.id, now=now, summary=text)

    def update_episode(self, answers: Mapping[str, Any] | Answers) -> CheckInResult:
        """Bring the active episode up to date with a new assessment's answers.

        Recorded as a check-in at the current time: pain from the answers, every other
        answer as an update (so the history keeps the earlier answers and when each
        changed), triage re-run. The episode keeps its start; an unanswered question
        in the new answers leaves the earlier answer as it was.

        Raises:
            InputError: bad answers, or no pain score (a check-in needs one).
            NotFoundError: there is no active episode.
        """
        given = compact_answers(
            parse_answers(answers if isinstance(answers, Answers) else dict(answers))
        )
        pain = given.pop("pain", None)
        if pain is None:
            raise InputError(
                gettext("to update the episode, say how bad the pain is now"),
                problems=[FieldProblem("pain", gettext("needed to update the episode (0-10)"))],
            )
        # What the diary works out itself (time since onset, its own course) is not copied.
        given.pop("hours_since_onset", None)
        course = {k: v for k, v in given.pop("course", {}).items() if k in PERSON_COURSE_FIELDS}
        if course:
            given["course"] = course
        entry = CheckInEntry(
            pain=pain, answers=given or None, note="Answers updated from a new assessment."
        )
        return self.check_in(entry)

    def current_answers(self) -> Answers:
        """The active episode's answers now, as the person gave them (answers contract v1).

        The start answers with every check-in's update over them (the latest wins) and
        the pain now (the latest check-in's, else the start's): the answers :meth:`plan`
        assesses without what the diary works out itself (time since onset, its own
        course), so they can go back into :meth:`update_episode` as they are.

        Raises:
            NotFoundError: there is no active episode.
        """
        now = self.now()
        with self.store.read() as repo:
            episode = repo.active_episode()
            if episode is None:
                raise NotFoundError(
                    gettext("no active episode: start one first (backcare episode start)")
                )
            answers = self.answers_at(repo, episode, now=now)
        data = compact_answers(answers)
        data.pop("hours_since_onset", None)
        course = {k: v for k, v in data.pop("course", {}).items() if k in PERSON_COURSE_FIELDS}
        if course:
            data["course"] = course
        return parse_answers(data)

    def answer_open_questions(
        self, answers: Answers, *, questions: Sequence[str], episode_uid: str
    ) -> CheckInResult | None:
        """Record answers to questions the active episode left open, as a check-in now.

        Only the ``questions`` (answer paths such as ``red_flags.fever``) the diary still
        holds unanswered are written: an answer given meanwhile (a check-in ticking a
        sign) is never overwritten, and a question left unanswered stays unanswered,
        never "no". The pain is the one in ``answers`` when ``pain`` is among the
        questions, else the diary's pain now.

        Args:
            answers: the answers, e.g. an assessment pre-filled with :meth:`current_answers`.
            questions: the questions that were open when the answers were asked for.
            episode_uid: the episode they were asked for; answers for another episode
                (closed meanwhile, or someone else's) are refused.

        Returns:
            The check-in, or ``None`` when none of the questions got an answer.

        Raises:
            NotFoundError: there is no active episode, or it is not ``episode_uid``.
            InputError: no pain score is known (a check-in needs one).
        """
        current = self.current_answers()
        if self.episode().uid != episode_uid:
            raise NotFoundError(
                gettext("these answers were for an episode that is no longer active")
            )
        held = compact_answers(current)
        given = compact_answers(answers)
        update: dict[str, Any] = {}
        for path in questions:
            value = _at_path(given, path)
            if path != "pain" and value is not None and _at_path(held, path) is None:
                group, _, name = path.partition(".")
                if name:
                    update.setdefault(group, {})[name] = value
                else:
                    update[group] = value
        pain = given.get("pain") if "pain" in questions else current.pain
        if pain is None:
            raise InputError(
                gettext("to update the episode, say how bad the pain is now"),
                problems=[FieldProblem("pain", gettext("needed to update the episode (0-10)"))],
            )
        if not update and "pain" not in questions:
            return None
        entry = CheckInEntry(pain=pain, answers=update or None, note="Safety questions answered.")
        return self.check_in(entry)

    def _close(
        self, repo: DiaryRepository, episode_id: int, *, now: datetime, summary: str | None
    ) -> EpisodeRecord:
        # Read the history under the episode's lock: a check-in committing meanwhile
        # is either in the summary or refused, never left out of it.
        episode = repo.lock_episode(episode_id)
        if episode.status is EpisodeStatus.RESOLVED:
            raise ConflictError(
                gettext("episode {episode_id} is already resolved").format(episode_id=episode.id)
            )
        checkins, doses = repo.history(episode.id)
        report = build_trend(
            answers=episode.answers,
            checkins=checkins,
            onset=episode.onset_at,
            now=now,
            tz=self.tz,
        )
        if summary:
            return repo.resolve_episode(episode.id, resolved_at=now, summary=summary)
        # backcare's own summary is kept as facts and worded when shown.
        facts = summary_facts(episode, checkins, doses, report, now=now, tz=self.tz)
        return repo.resolve_episode(episode.id, resolved_at=now, summary=None, summary_facts=facts)

    # --- check-ins ------------------------------------------------------------------

    def check_in(
        self,
        entry: CheckInEntry,
        *,
        override_dose_limits: bool = False,
        refuse_over_limit: bool = False,
    ) -> CheckInResult:
        """Record a check-in on the active episode and re-run triage with the diary's course.

        Doses are checked against the label limits and the person's status first.
        A dose is one the person has taken, so one that breaks a limit is recorded
        flagged with the limits it broke, with everything else in the check-in, and
        the result's ``dose_advice`` says when the next dose is allowed and who to
        call after too much. With ``refuse_over_limit`` such a check-in is refused
        instead (nothing recorded, :class:`DoseLimitError` names the limit) unless
        ``override_dose_limits`` is set.

        Raises:
            InputError: a value is out of range or malformed.
            NotFoundError: there is no active episode.
            DoseLimitError: ``refuse_over_limit`` and a dose breaks a limit, not overridden.
        """
        now = self.now()
        self._check_entry(entry)
        with self.store.write() as repo:
            if entry.doses:
                # Dose limits count every episode's doses: one check at a time per person.
                repo.lock_person()
            return self._record(
                repo,
                entry,
                now=now,
                override_dose_limits=override_dose_limits,
                refuse_over_limit=refuse_over_limit,
            )

    def check_in_once(
        self,
        entry: CheckInEntry,
        *,
        key: str,
        fingerprint: str,
        encode: Callable[[CheckInResult], dict[str, Any]],
        override_dose_limits: bool = False,
    ) -> Once:
        """Record a check-in at most once per idempotency ``key`` (a phone may send it twice).

        The first request with a key records the check-in as :meth:`check_in` does and
        stores the key, the request's ``fingerprint`` and ``encode(result)`` in the same
        transaction. A repeat with the same fingerprint records nothing and gets the
        stored answer back, even after the episode was resolved. Repeats are serialised
        with the first (the person's lock, and the key's primary key as a last guard).

        Args:
            entry: the check-in.
            key: the client's key (a UUID, as text).
            fingerprint: a digest of the request, to recognise a different check-in.
            encode: turns the result into the JSON answer to keep for repeats.
            override_dose_limits: as for :meth:`check_in`.

        Raises:
            ConflictError: the key was used for a different check-in.
            InputError, NotFoundError, DoseLimitError: as for :meth:`check_in` (nothing
                is stored for the key, so the phone may correct the check-in and retry).
        """
        now = self.now()
        self._check_entry(entry)
        with self.store.write() as repo:
            # Every keyed check-in takes the person's lock, so a repeat that arrives while
            # the first is being recorded waits and then finds its key.
            repo.lock_person()
            requests = RequestRepository(repo)
            seen = requests.find(key)
            if seen is not None:
                if not seen.mine or seen.fingerprint != fingerprint:
                    raise ConflictError(
                        gettext(
                            "this check-in's idempotency key was already used for a "
                            "different check-in: nothing was recorded (make a new key "
                            "for a new check-in)"
                        ),
                        problems=[FieldProblem("Idempotency-Key", gettext("already used"))],
                    )
                return Once(response=seen.response, replayed=True)
            result = self._record(repo, entry, now=now, override_dose_limits=override_dose_limits)
            response = encode(result)
            requests.add(
                key,
                fingerprint=fingerprint,
                checkin_id=result.checkin.id,
                created_at=now,
                response=response,
            )
        return Once(response=response, replayed=False)

    def _record(
        self,
        repo: DiaryRepository,
        entry: CheckInEntry,
        *,
        now: datetime,
        override_dose_limits: bool,
        refuse_over_limit: bool = False,
    ) -> CheckInResult:
        """Record a checked entry inside the caller's write transaction."""
        update = self._answers_update(entry.answers)
        note = _clean_text(entry.note, field="note")
        # Found and locked at once; as locked, it may have been resolved a moment ago.
        episode = repo.lock_active_episode()
        if episode is None:
            raise NotFoundError(
                gettext("no active episode: start one first (backcare episode start)")
            )
        if episode.status is not EpisodeStatus.ACTIVE:
            raise NotFoundError(gettext("no active episode: it was resolved a moment ago"))
        at, times = self._entry_times(entry, episode, now=now)
        marks = repo.marks(episode.id)
        baseline = episode_baseline(episode.answers, marks.first)
        # No baseline yet: this check-in is the baseline, nothing to compare with.
        pain = None if baseline is None else pain_change(baseline, entry.pain)
        function = None
        if entry.activities and marks.first_rated is not None:
            function = function_change(marks.first_rated.activities, entry.activities)
        trend = overall_trend(pain, function)
        previous = marks.latest
        newest = max(at, previous.recorded_at) if previous is not None else at
        # The resolution counts the last 8 days, this check-in included (added below).
        since = newest - timedelta(days=8)
        earlier, recent = repo.updates_and_pains(episode.id, since=since)
        updates = earlier + ([update] if update else [])
        answers = effective_answers(
            episode.answers,
            updates,
            onset=episode.onset_at,
            at=at,
            pain=entry.pain,
            trend=trend,
        )
        assessment = self.engine.assess(answers)
        checks, advice = self._check_doses(repo, episode, entry.doses, times, plan=assessment)
        if advice and refuse_over_limit and not override_dose_limits:
            raise refuse(checks)
        record = repo.add_checkin(
            episode.id,
            NewCheckIn(
                recorded_at=at,
                pain=entry.pain,
                worst_pain=entry.worst_pain,
                days_of_self_care=answers.course.days_of_self_care or 0,
                trend=trend,
                triage_level=assessment.triage.level,
                triage_reasons=assessment.triage.reasons,
                answers_update=update,
                note=note,
                activities=entry.activities,
                actions=entry.actions,
                doses=tuple(
                    NewDose(
                        drug=c.drug,
                        mg=c.mg,
                        taken_at=c.taken_at,
                        overridden=not c.allowed,
                        override_reason=c.override_reason(),
                    )
                    for c in checks
                ),
            ),
        )
        if at >= since:  # a check-in dated back past the window is not in it
            recent.append(PainPoint(at, entry.pain, entry.worst_pain))
        previous_level = previous.triage_level if previous is not None else _episode_level(episode)
        return CheckInResult(
            checkin=record,
            assessment=assessment,
            escalation=escalation(assessment.triage, previous=previous_level),
            pain=pain,
            function=function,
            doses=checks,
            resolution=resolution_status(recent, tz=self.tz),
            dose_advice=advice,
        )

    def checkin_questions(self) -> tuple[RedFlag, ...]:
        """The red-flag and history questions to re-ask at a check-in, most dangerous first."""
        return tuple(sorted(self.engine.knowledge.red_flags, key=lambda f: f.priority))

    def red_flags_present(self) -> tuple[RedFlag, ...]:
        """The red flags the active episode's answers hold as "yes" now, most dangerous first.

        The start answers with every later answer over them (the latest wins): these are
        the signs a person can later say have gone, which a check-in records as a "no"
        with its time while the earlier "yes" stays in the history.
        """
        now = self.now()
        with self.store.read() as repo:
            episode = repo.active_episode()
            if episode is None:
                return ()
            updates = repo.answer_updates(episode.id)
        answers = effective_answers(
            episode.answers, updates, onset=episode.onset_at, at=now, pain=None, trend=None
        )
        present = answers.red_flags.model_dump(exclude_none=True)
        return tuple(
            flag
            for flag in self.checkin_questions()
            if flag.answer.startswith("red_flags.")
            and present.get(flag.answer.partition(".")[2]) is True
        )

    def recent_activities(self) -> tuple[str, ...]:
        """The PSFS activities last rated in the active episode, to ask about again."""
        with self.store.read() as repo:
            episode = repo.active_episode()
            if episode is None:
                return ()
            for checkin in reversed(repo.checkins(episode.id)):
                if checkin.activities:
                    return tuple(a.name for a in checkin.activities)
        return ()

    # --- reading --------------------------------------------------------------------

    def history(self, episode_id: int | None = None) -> EpisodeHistory:
        """An episode (default: active, else latest) with all its check-ins and doses.

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        with self.store.read() as repo:
            episode = self._episode(repo, episode_id)
            checkins, doses = repo.history(episode.id)
            sessions = CoachRepository(repo).sessions(episode.id)
            responses = QuestionnaireRepository(repo).responses(episode.id)
        return EpisodeHistory(
            episode=episode,
            checkins=tuple(checkins),
            doses=tuple(doses),
            coach_sessions=tuple(sessions),
            questionnaires=tuple(responses),
        )

    def history_page(
        self,
        episode_id: int | None = None,
        *,
        before: tuple[datetime, int] | None = None,
        limit: int = 50,
        chart_points: int = CHART_POINTS,
        with_plan: bool = False,
    ) -> HistoryPage:
        """One page of an episode's check-ins (newest first), with the trend and every score.

        Reads the page's check-ins with their details, and only times and scores of the
        rest, so a ten-year diary pages as fast as a new one.

        Args:
            episode_id: the episode; default: the active one, else the latest.
            before: the ``older`` cursor of the page before (``None``: the newest page).
            limit: check-ins per page.
            chart_points: at most this many points of pain over time (see
                :meth:`~backcare.store.DiaryRepository.pain_runs`).
            with_plan: also today's plan, as :meth:`plan` gives it, read in the same
                transaction (the diary page shows it; an active episode's plan reuses
                the trend just read instead of reading it again).

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        answers: Answers | None = None
        with self.store.read() as repo:
            episode = self._episode(repo, episode_id)
            checkins, doses, more = repo.checkin_page(episode.id, before=before, limit=limit)
            now = self.now()
            until = episode.resolved_at or now
            marks = repo.marks(episode.id)
            # The newest page holds the latest check-ins: the resolution count, the chart
            # and the week use them instead of reading them again when they reach far enough.
            newest = checkins if before is None else None
            trend, latest = self._trend_in(repo, episode, now=until, marks=marks, newest=newest)
            if newest is not None and not more and marks.count <= chart_points:
                chart = [(c.recorded_at, c.pain) for c in newest]
            else:
                chart = repo.pain_runs(episode.id, most=chart_points, count=marks.count)
            # The week and the recent sessions read only their own days, not the whole diary.
            since = until - timedelta(days=8)
            recent = _newest_since(newest, since, count=marks.count)
            if recent is None:
                recent = repo.checkins(episode.id, since=since)
            sessions = CoachRepository(repo).sessions(episode.id, since=until - timedelta(days=30))
            responses = QuestionnaireRepository(repo).responses(episode.id)
            if with_plan and episode.resolved_at is None:
                answers = self._effective(repo, episode, trend, latest, at=now)
            elif with_plan:  # a resolved episode's plan measures the trend up to now
                answers = self.answers_at(repo, episode, now=now, at=until)
        older = (checkins[0].recorded_at, checkins[0].id) if more and checkins else None
        return HistoryPage(
            episode=episode,
            checkins=tuple(checkins),
            doses=tuple(doses),
            trend=trend,
            chart=tuple(chart),
            older=older,
            week=week_view(recent, sessions, onset=episode.onset_at, until=until, tz=self.tz),
            coach_sessions=tuple(sessions),
            questionnaires=tuple(responses),
            assessment=self.engine.assess(answers) if answers is not None else None,
        )

    def trend(self, episode_id: int | None = None) -> TrendReport:
        """How the episode is going: pain and function against baseline, and resolution.

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        history = self.history(episode_id)
        return self.trend_of(history)

    def trend_of(self, history: EpisodeHistory) -> TrendReport:
        """The trend report of an already loaded history (no database access)."""
        episode = history.episode
        until = episode.resolved_at or self.now()
        return build_trend(
            answers=episode.answers,
            checkins=history.checkins,
            onset=episode.onset_at,
            now=until,
            tz=self.tz,
        )

    def chart_of(
        self, history: EpisodeHistory, *, most: int = CHART_POINTS
    ) -> tuple[tuple[datetime, int], ...]:
        """Pain over a loaded history for a chart, as :attr:`HistoryPage.chart` has it.

        Up to ``most`` check-ins the history's own scores, with no database access; a
        longer episode's runs are grouped in the database as the history page does.
        """
        checkins = history.checkins
        if len(checkins) <= most:
            return tuple((c.recorded_at, c.pain) for c in checkins)
        with self.store.read() as repo:
            runs = repo.pain_runs(history.episode.id, most=most, count=len(checkins))
        return tuple(runs)

    def week_of(self, history: EpisodeHistory) -> WeekView:
        """The last 7 days of a loaded history (to now, or to when it was resolved)."""
        episode = history.episode
        return week_view(
            history.checkins,
            history.coach_sessions,
            onset=episode.onset_at,
            until=episode.resolved_at or self.now(),
            tz=self.tz,
        )

    def plan(self, episode_id: int | None = None) -> Assessment:
        """Today's assessment and plan for the episode: phase from onset, course from the diary.

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        now = self.now()
        with self.store.read() as repo:
            episode = self._episode(repo, episode_id)
            answers = self.answers_at(repo, episode, now=now, at=episode.resolved_at or now)
        return self.engine.assess(answers)

    def plan_of(self, history: EpisodeHistory) -> Assessment:
        """:meth:`plan` of an already loaded history (no database access).

        The answers are the same: the start answers, each check-in's update in time order
        (a history's check-ins are in that order) and the trend over the whole history.
        """
        episode = history.episode
        now = self.now()
        at = episode.resolved_at or now
        latest = history.checkins[-1] if history.checkins else None
        answers = effective_answers(
            episode.answers,
            [c.answers_update for c in history.checkins if c.answers_update],
            onset=episode.onset_at,
            at=at,
            pain=latest.pain if latest is not None else episode.answers.get("pain"),
            trend=build_trend(
                answers=episode.answers,
                checkins=history.checkins,
                onset=episode.onset_at,
                now=now,
                tz=self.tz,
            ).overall,
        )
        return self.engine.assess(answers)

    def episode_plan(
        self, episode_id: int | None = None, *, active_only: bool = False
    ) -> EpisodePlan:
        """An episode (default: active, else latest) and its :meth:`plan`, in one read.

        Args:
            episode_id: the episode; default: the active one, else the latest.
            active_only: no plan for a resolved episode (``assessment`` is ``None``).

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        now = self.now()
        with self.store.read() as repo:
            episode = self._episode(repo, episode_id)
            if active_only and episode.status is not EpisodeStatus.ACTIVE:
                return EpisodePlan(episode, None)
            answers = self.answers_at(repo, episode, now=now, at=episode.resolved_at or now)
        return EpisodePlan(episode, self.engine.assess(answers))

    def answers_at(
        self,
        repo: DiaryRepository,
        episode: EpisodeRecord,
        *,
        now: datetime,
        at: datetime | None = None,
    ) -> Answers:
        """The answers triage runs on: the start answers, every update, the diary's course.

        Args:
            repo: an open repository (the caller's transaction).
            episode: the episode.
            now: the time the trend is measured up to.
            at: the moment to triage (sets the phase); default ``now``.
        """
        report, latest = self._trend_in(repo, episode, now=now)
        return self._effective(repo, episode, report, latest, at=now if at is None else at)

    def _effective(
        self,
        repo: DiaryRepository,
        episode: EpisodeRecord,
        report: TrendReport,
        latest: CheckInRecord | None,
        *,
        at: datetime,
    ) -> Answers:
        """:meth:`answers_at` from a trend already read in this transaction."""
        return effective_answers(
            episode.answers,
            repo.answer_updates(episode.id),
            onset=episode.onset_at,
            at=at,
            pain=latest.pain if latest is not None else episode.answers.get("pain"),
            trend=report.overall,
        )

    def _trend_in(
        self,
        repo: DiaryRepository,
        episode: EpisodeRecord,
        *,
        now: datetime,
        marks: CheckInMarks | None = None,
        newest: Sequence[CheckInRecord] | None = None,
    ) -> tuple[TrendReport, CheckInRecord | None]:
        """The trend report and latest check-in, reading only the check-ins it compares.

        Equal to :func:`build_trend` over the whole history, in a few small queries
        (a ten-year diary has thousands of check-ins; the trend compares four of them
        and counts the low-pain days at the end).

        Args:
            repo: the caller's transaction.
            episode: the episode.
            now: the time the trend is measured up to.
            marks: the episode's :meth:`~backcare.store.DiaryRepository.marks`, if read.
            newest: the episode's newest check-ins in time order, if read (a history
                page): the resolution count uses them when they reach back far enough.
        """
        if marks is None:
            marks = repo.marks(episode.id)
        report = trend_report(
            answers=episode.answers,
            first=marks.first,
            latest=marks.latest,
            first_rated=marks.first_rated,
            last_rated=marks.last_rated,
            count=marks.count,
            resolution=self._resolution_in(repo, episode, marks, newest),
            onset=episode.onset_at,
            now=now,
        )
        return report, marks.latest

    def _resolution_in(
        self,
        repo: DiaryRepository,
        episode: EpisodeRecord,
        marks: CheckInMarks,
        newest: Sequence[CheckInRecord] | None,
    ) -> Resolution:
        """:func:`resolution_status` of the episode, reading the latest days only.

        The run of low-pain days ends at the latest check-in; a window of days is read,
        and widened only while the run reaches back to the window's first day (which may
        be cut short), so the answer equals reading every check-in.
        """
        first, latest = marks.first, marks.latest
        if first is None or latest is None:
            return resolution_status((), tz=self.tz)
        window = timedelta(days=RESOLUTION_DAYS * 2)
        while True:
            since = latest.recorded_at - window
            page = _newest_since(newest, since, count=marks.count)
            scores = page if page is not None else repo.pain_series(episode.id, since=since)
            status = resolution_status(scores, tz=self.tz)
            first_day = scores[0].recorded_at.astimezone(self.tz).date()
            last_day = latest.recorded_at.astimezone(self.tz).date()
            # The run stops inside the window, or the window holds every check-in.
            if status.low_days <= (last_day - first_day).days or since <= first.recorded_at:
                return status
            window *= 4

    # --- helpers --------------------------------------------------------------------

    def _episode(
        self, repo: DiaryRepository, episode_id: int | None, *, active: bool = False
    ) -> EpisodeRecord:
        if episode_id is not None:
            return repo.episode(episode_id)
        episode = repo.active_episode()
        if episode is None and not active:
            episode = repo.latest_episode()
        if episode is None:
            raise NotFoundError(
                gettext("no active episode: start one first (backcare episode start)")
                if active
                else gettext("no episode in the diary: start one first (backcare episode start)")
            )
        return episode

    @staticmethod
    def _entry_times(
        entry: CheckInEntry, episode: EpisodeRecord, *, now: datetime
    ) -> tuple[datetime, list[datetime]]:
        """The check-in's time and each dose's, all within the episode (onset to now)."""
        bounds: dict[str, Any] = {
            "earliest": episode.onset_at,
            "latest": now + CLOCK_SKEW,
            "what": N_("the episode began"),
        }
        at = bounded_time(now if entry.at is None else entry.at, field="at", **bounds)
        bounds |= {
            "earliest": episode.onset_at - DOSE_LEAD_TIME,
            "what": N_("the day before the episode began"),
        }
        times = [
            at
            if d.taken_at is None
            else bounded_time(d.taken_at, field=f"doses.{d.drug}", **bounds)
            for d in entry.doses
        ]
        return at, times

    @staticmethod
    def _check_entry(entry: CheckInEntry) -> None:
        problems: list[FieldProblem] = []
        for name, value in (("pain", entry.pain), ("worst_pain", entry.worst_pain)):
            if value is None:
                continue
            try:
                nrs(value)
            except InputError:
                problems.append(FieldProblem(name, gettext("must be a whole number from 0 to 10")))
        if len(entry.activities) > PSFS_MAX_ACTIVITIES:
            problems.append(
                FieldProblem(
                    "activities",
                    gettext("at most {psfs_max_activities} activities (PSFS)").format(
                        psfs_max_activities=PSFS_MAX_ACTIVITIES
                    ),
                )
            )
        names = Counter(a.name.casefold() for a in entry.activities)
        problems += [
            FieldProblem("activities", gettext("{name!r} is rated twice").format(name=name))
            for name, count in names.items()
            if count > 1
        ]
        problems += [
            FieldProblem(f"activities.{a.name[:MAX_ACTIVITY_NAME]}", gettext("score must be 0-10"))
            for a in entry.activities
            if not (0 <= a.score <= 10) or not a.name.strip()
        ]
        problems += [
            FieldProblem(
                "activities",
                gettext("a name is at most {max_activity_name} characters").format(
                    max_activity_name=MAX_ACTIVITY_NAME
                ),
            )
            for a in entry.activities
            if len(a.name) > MAX_ACTIVITY_NAME
        ]
        actions = Counter(a.action for a in entry.actions)
        problems += [
            FieldProblem(
                "actions",
                gettext("{action_value} is given twice").format(action_value=action.value),
            )
            for action, count in actions.items()
            if count > 1
        ]
        problems += [
            FieldProblem(
                f"actions.{a.action.value}",
                gettext("count must be 1-{max_action_count}").format(
                    max_action_count=MAX_ACTION_COUNT
                ),
            )
            for a in entry.actions
            if not 1 <= a.count <= MAX_ACTION_COUNT
        ]
        problems += [
            FieldProblem(
                f"doses.{dose.drug}",
                gettext("mg must be a whole number from 1 to {max_mg}").format(max_mg=MAX_MG),
            )
            for dose in entry.doses
            if not 0 < dose.mg <= MAX_MG
        ]
        for activity in entry.activities:
            try:
                check_free_text(activity.name, field=f"activities.{activity.name!r}")
            except InputError as exc:
                problems += exc.problems
        if problems:
            raise InputError(gettext("the check-in has problems"), problems=problems)

    @staticmethod
    def _answers_update(given: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not given:
            return None
        answers = parse_answers(dict(given))
        data = compact_answers(answers)
        for path in DERIVED_ANSWERS:
            group, _, name = path.partition(".")
            if (name and name in data.get(group, {})) or (not name and group in data):
                raise InputError(
                    gettext("the diary works this out itself"),
                    problems=[FieldProblem(path, gettext("cannot be set at a check-in"))],
                )
        course = data.get("course", {})
        assert set(course) <= set(PERSON_COURSE_FIELDS)
        return data or None

    def _check_doses(
        self,
        repo: DiaryRepository,
        episode: EpisodeRecord,
        entries: Sequence[DoseEntry],
        times: Sequence[datetime],
        *,
        plan: Assessment,
    ) -> tuple[tuple[DoseCheck, ...], tuple[DoseAdvice, ...]]:
        """Each dose's check, and advice for each one over a limit."""
        if not entries:
            return (), ()
        kb = self.engine.knowledge
        medicines = [find_medicine(kb, e.drug) for e in entries]
        advice: dict[str, MedicineAdvice] = {m.drug: m for m in plan.plan.medications}
        # Logged names go through the aliases too: a diary written before imports were
        # checked may hold "Nurofen" or "IBUPROFEN", and those doses count as ibuprofen.
        logged = [
            (_medicine_id(kb, d.drug), d.taken_at, d.mg)
            for d in repo.doses_between(min(times) - DAY, max(times) + DAY)
        ]
        checks: list[DoseCheck] = []
        after: list[DoseAdvice] = []
        for medicine, entry, taken_at in zip(medicines, entries, times, strict=True):
            status = advice.get(medicine.id)
            same_class = []
            for drug, when, _ in logged:
                other = kb.medicine(drug)
                if (
                    other is not None
                    and other.id != medicine.id
                    and (other.drug_class == medicine.drug_class == "nsaid")
                ):
                    same_class.append((other.name, when))
            check = check_dose(
                medicine,
                mg=entry.mg,
                taken_at=taken_at,
                status=status.status if status is not None else MedicineStatus.ASK_FIRST,
                status_reasons=status.reasons if status is not None else (),
                same_drug=[(when, mg) for drug, when, mg in logged if drug == medicine.id],
                same_class=same_class,
                first_taken=repo.first_dose_time(episode.id, medicine.id),
                plan=status,
            )
            checks.append(check)
            if not check.allowed:
                after.append(
                    dose_advice(
                        medicine,
                        check,
                        doses=[(when, mg) for drug, when, mg in logged if drug == medicine.id],
                        plan=status,
                        emergency_number=self.engine.settings.emergency_number,
                        tz=self.tz,
                    )
                )
            # Later doses in the same check-in count this one.
            logged.append((medicine.id, taken_at, entry.mg))
        return tuple(checks), tuple(after)


def _at_path(data: Mapping[str, Any], path: str) -> Any:
    """The value at an answer path (``pain``, ``red_flags.fever``) of compact answers."""
    group, _, name = path.partition(".")
    value = data.get(group)
    if name:
        return value.get(name) if isinstance(value, Mapping) else None
    return value


def _newest_since(
    newest: Sequence[CheckInRecord] | None, since: datetime, *, count: int
) -> list[CheckInRecord] | None:
    """The check-ins recorded at or after ``since``, if ``newest`` surely holds them all.

    ``newest`` are the episode's newest check-ins in time order (``None``: not read): they
    hold every one since ``since`` when they are all the episode's check-ins or when the
    oldest of them is older than ``since``. ``None`` when they may not: read them.
    """
    if newest is None:
        return None
    if len(newest) < count and (not newest or newest[0].recorded_at >= since):
        return None
    return [c for c in newest if c.recorded_at >= since]


def _active_error(active: EpisodeRecord, tz: tzinfo) -> EpisodeActiveError:
    began = format_when(active.onset_at.astimezone(tz), "date")
    return EpisodeActiveError(
        gettext(
            "episode {active_id} (began {began}) is already active: "
            "update it with these answers, or close it and start a new "
            "one"
        ).format(active_id=active.id, began=began),
        episode_id=active.id,
        problems=[
            FieldProblem(
                "if_active",
                gettext(
                    "choose 'update' (add these answers to episode {active_id}) "
                    "or 'close' (close episode {active_id} and start a new one)"
                ).format(active_id=active.id),
            )
        ],
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _medicine_id(kb: KnowledgeBase, name: str) -> str:
    medicine = kb.medicine(name)
    return name if medicine is None else medicine.id


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _episode_level(episode: EpisodeRecord) -> TriageLevel:
    level = episode.assessment.get("triage", {}).get("level", TriageLevel.SELF_CARE.value)
    try:
        return TriageLevel(level)
    except ValueError:
        return TriageLevel.SELF_CARE


def _clean_text(value: str | None, *, field: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    check_free_text(text, field=field)
    if len(text) > MAX_NOTE_LENGTH:
        raise InputError(
            gettext("text too long"),
            problems=[
                FieldProblem(
                    field,
                    gettext("at most {max_note_length} characters").format(
                        max_note_length=MAX_NOTE_LENGTH
                    ),
                )
            ],
        )
    return text or None


def open_diary(
    url: str | None = None,
    *,
    settings: Settings | None = None,
    clock: Callable[[], datetime] | None = None,
    tz: tzinfo | None = None,
) -> Diary:
    """Open the diary: the database (migrated to the newest schema) and the triage engine.

    Args:
        url: database URL; default ``settings.database_url``, else the SQLite file in
            the user's data directory.
        settings: default: :func:`backcare.settings.get_settings` (``BACKCARE_*``).
        clock: for tests; default: the system clock.
        tz: the person's time zone; default: this machine's.

    Raises:
        StoreError: the database cannot be opened or migrated.
        InputError: a ``BACKCARE_*`` setting is invalid.
    """
    settings = settings if settings is not None else get_settings()
    store = open_store(url, settings=settings)
    return Diary(store, settings=settings, clock=clock, tz=tz)
