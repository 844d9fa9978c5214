"""The exercise coach's use-cases: where the coach meets the triage engine and the diary.

:class:`CoachService` works on an open :class:`~backcare.diary.Diary`:

* :meth:`~CoachService.plan_session` builds today's session for the active episode: the
  exercises the knowledge base allows in the episode's phase (from the plan of the
  episode's answers at the current hours since onset), gentle stretches first, each at
  the dose the progression rule (:mod:`backcare.coach.progression`) sets from the diary.
  An urgent or emergency triage gives no session, only the reason.
* :meth:`~CoachService.triage_symptom` re-runs triage at once with a symptom reported
  during or after a session merged into the episode's answers.
* :meth:`~CoachService.record_session` saves a session as far as it got; a red-flag
  symptom is also recorded as a diary check-in, so the episode's triage keeps it.
* :meth:`~CoachService.sessions` and :meth:`~CoachService.adherence` read the log.

The terminal UI (:mod:`backcare.cli.coach`) and, later, the web app drive the same
service; neither holds clinical logic or SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backcare.coach._timing import ExerciseDose, SessionResult
from backcare.coach.adherence import Adherence, adherence
from backcare.coach.progression import LastSession, ProgressionDecision, Step, next_dose
from backcare.coach.symptoms import EXERCISE_PAIN_WARNING, Symptom
from backcare.diary import CheckInEntry, CheckInResult, Diary
from backcare.diary.service import EpisodeHistory
from backcare.domain.answers import Answers, parse_answers
from backcare.domain.enums import Phase, TriageLevel
from backcare.domain.results import Assessment, PlannedExercise, WarningSign
from backcare.errors import FieldProblem, InputError, NotFoundError
from backcare.i18n import gettext
from backcare.knowledge.schema import Drawing, Exercise
from backcare.store import EpisodeRecord
from backcare.store.coach import (
    CoachRepository,
    CoachSessionRecord,
    NewCoachExercise,
    NewCoachSession,
)

__all__ = [
    "BLOCKING_LEVELS",
    "KIND_ORDER",
    "CoachService",
    "PlannedItem",
    "RecordedSession",
    "SessionPlan",
    "SymptomOutcome",
]

#: Triage levels at which the coach runs no session (the plan holds the exercises too).
BLOCKING_LEVELS = frozenset({TriageLevel.URGENT, TriageLevel.EMERGENCY})
#: Gentle stretches first, then mobility, then strength.
KIND_ORDER = {"stretch": 0, "mobility": 1, "strength": 2}
#: The recommendation whose instructions say when to book a GP appointment.
SEE_GP_RECOMMENDATION = "see_gp_when"

_BLOCKED = {
    TriageLevel.EMERGENCY: (
        "No exercise session: your answers need emergency help now. Exercises wait until a "
        "clinician has seen you."
    ),
    TriageLevel.URGENT: (
        "No exercise session today: your answers need a doctor today. Exercises wait until a "
        "clinician has checked you."
    ),
}


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One exercise of today's session.

    Attributes:
        exercise: The plan's entry (steps, stop rules, sources, starting dose).
        kind: ``stretch``, ``mobility`` or ``strength``.
        decision: Today's dose and why (the progression rule).
        drawing: The knowledge base's illustration of the exercise.
    """

    exercise: PlannedExercise
    kind: str
    decision: ProgressionDecision
    drawing: Drawing

    @property
    def dose(self) -> ExerciseDose:
        """The dose for the timing engine."""
        ex = self.exercise
        return ExerciseDose(
            exercise_id=ex.id,
            name=ex.name,
            steps=ex.steps,
            hold_seconds=self.decision.hold_seconds,
            reps=self.decision.reps,
            sides=ex.sides.value,
            rest_seconds=ex.rest_seconds,
        )


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """Today's session for the active episode, or why there is none.

    Attributes:
        episode: The active episode.
        answers: The answers triage ran on (start answers, check-in updates, course now).
        assessment: Today's triage and plan.
        items: The exercises, gentle stretches first; empty when ``blocked_reason`` is set.
        blocked_reason: Why there is no session (urgent or emergency triage), else ``None``.
        sessions_today: Sessions already done today (at least one rep held).
        times_per_day: Sessions a day the plan asks for.
    """

    episode: EpisodeRecord
    answers: Answers
    assessment: Assessment
    items: tuple[PlannedItem, ...]
    blocked_reason: str | None
    sessions_today: int
    times_per_day: int

    @property
    def phase(self) -> Phase:
        """The episode's phase now."""
        return self.assessment.plan.phase

    @property
    def doses(self) -> tuple[ExerciseDose, ...]:
        """The doses for :class:`~backcare.coach.CoachSession`, in order."""
        return tuple(item.dose for item in self.items)

    def item(self, exercise_id: str) -> PlannedItem:
        """The planned item of an exercise.

        Raises:
            NotFoundError: it is not in this session.
        """
        for item in self.items:
            if item.exercise.id == exercise_id:
                return item
        raise NotFoundError(
            gettext("exercise {exercise_id!r} is not in this session").format(
                exercise_id=exercise_id
            )
        )


@dataclass(frozen=True, slots=True)
class SymptomOutcome:
    """What a symptom reported during or after a session means.

    Attributes:
        symptom: What the person reported.
        assessment: Triage re-run with the symptom's red-flag answer merged in (for severe
            pain: today's assessment unchanged).
        advice: The knowledge base's warning sign for pain or nerve symptoms from exercise.
        see_gp: The knowledge base's advice on when to book a GP appointment.
    """

    symptom: Symptom
    assessment: Assessment
    advice: tuple[WarningSign, ...]
    see_gp: tuple[str, ...]

    @property
    def level(self) -> TriageLevel:
        """The triage level now: at least "see a doctor" for any symptom during exercise."""
        level = self.assessment.triage.level
        floor = max((sign.level for sign in self.advice), key=lambda x: x.rank, default=level)
        return max(level, floor, key=lambda x: x.rank)


@dataclass(frozen=True, slots=True)
class RecordedSession:
    """A saved session, and the diary check-in its red-flag symptom produced (if any).

    ``escalated``: the symptom raised the level (the check-in's escalation, or, with no
    check-in, the symptom's level above today's): the care team is told once, not at
    every session at a level they already know.
    """

    session: CoachSessionRecord
    checkin: CheckInResult | None
    escalated: bool = False


class CoachService:
    """The coach's use-cases on one diary.

    Args:
        diary: An open diary; its engine, clock and time zone are used.
    """

    def __init__(self, diary: Diary) -> None:
        self.diary = diary

    # --- planning -------------------------------------------------------------------

    def plan_session(self, *, exercise_id: str | None = None) -> SessionPlan:
        """Build today's session for the active episode.

        Args:
            exercise_id: Only this exercise (it must be allowed in today's phase).

        Returns:
            The session. When triage is urgent or emergency it has no items and
            ``blocked_reason`` says why.

        Raises:
            NotFoundError: There is no active episode, or no exercise with that id.
            InputError: The exercise is not allowed in the episode's phase.
        """
        now = self.diary.now()
        kb = self.diary.engine.knowledge
        if exercise_id is not None and kb.exercise(exercise_id) is None:
            known = ", ".join(ex.id for ex in kb.exercises)
            raise NotFoundError(
                gettext("no exercise {exercise_id!r} in the knowledge base (ids: {known})").format(
                    exercise_id=exercise_id, known=known
                )
            )
        with self.diary.store.read() as repo:
            episode = repo.active_episode()
            if episode is None:
                raise NotFoundError(
                    gettext("no active episode: start one first (backcare episode start)")
                )
            answers = self.diary.answers_at(repo, episode, now=now)
            history = CoachRepository(repo).sessions(episode.id)
        assessment = self.diary.engine.assess(answers)
        plan = assessment.plan
        times_per_day = max((ex.times_per_day for ex in plan.exercises), default=0)
        today = now.astimezone(self.diary.tz).date()
        sessions_today = sum(1 for s in history if s.reps_done and self._day(s.started_at) == today)

        def session(items: tuple[PlannedItem, ...], blocked: str | None) -> SessionPlan:
            return SessionPlan(
                episode=episode,
                answers=answers,
                assessment=assessment,
                items=items,
                blocked_reason=blocked,
                sessions_today=sessions_today,
                times_per_day=times_per_day,
            )

        blocked = _BLOCKED.get(assessment.triage.level)
        if blocked is not None:
            return session((), blocked)
        specs = {ex.id: ex for ex in kb.exercises}
        # Gentle stretches first; sorted() is stable, so the knowledge base's order within.
        chosen = sorted(plan.exercises, key=lambda ex: KIND_ORDER[specs[ex.id].kind])
        if exercise_id is not None:
            allowed = ", ".join(ex.id for ex in chosen)
            chosen = [ex for ex in chosen if ex.id == exercise_id]
            if not chosen:
                spec = specs[exercise_id]
                raise InputError(
                    gettext(
                        "{spec_name} ({spec_id}) is not allowed in the {phase_value} phase"
                    ).format(spec_name=spec.name, spec_id=spec.id, phase_value=plan.phase.value),
                    problems=[
                        FieldProblem(
                            "exercise",
                            gettext(
                                "{spec_id} starts in the {from_phase_value} phase; today's "
                                "exercises: {allowed}"
                            ).format(
                                spec_id=spec.id,
                                from_phase_value=spec.from_phase.value,
                                allowed=allowed,
                            ),
                        )
                    ],
                )
        items = tuple(
            PlannedItem(
                exercise=ex,
                kind=specs[ex.id].kind,
                decision=self._decide(specs[ex.id], history, today=today),
                drawing=specs[ex.id].drawing,
            )
            for ex in chosen
        )
        return session(items, None)

    def _decide(
        self, exercise: Exercise, history: Sequence[CoachSessionRecord], *, today: date
    ) -> ProgressionDecision:
        last: LastSession | None = None
        last_step_up_on: date | None = None
        for session in reversed(history):
            for done in session.exercises:
                if done.exercise_id != exercise.id:
                    continue
                if last is None:
                    last = LastSession(
                        hold_seconds=done.target_hold_seconds,
                        reps=done.target_reps,
                        completed=done.completed,
                        skipped=done.skipped,
                        pain_before=session.pain_before,
                        pain_after=session.pain_after,
                        symptom=session.symptom,
                    )
                if done.step is Step.UP and last_step_up_on is None:
                    last_step_up_on = self._day(session.started_at)
            if last is not None and last_step_up_on is not None:
                break
        return next_dose(exercise, last=last, today=today, last_step_up_on=last_step_up_on)

    # --- symptoms -------------------------------------------------------------------

    def triage_symptom(self, plan: SessionPlan, symptom: Symptom) -> SymptomOutcome:
        """Re-run triage with a symptom reported during or after a session.

        Numbness or tingling in one leg sets ``red_flags.one_leg_numbness_or_tingling``,
        in both legs ``red_flags.both_legs``, weakness ``red_flags.worsening_leg_weakness``;
        the core triage rules decide the level. Severe pain sets no answer; the knowledge
        base's "see a doctor" advice for exercise pain is returned with every symptom.

        Args:
            plan: The session the symptom happened in (its answers are the base).
            symptom: What the person reported.

        Returns:
            The new assessment and the advice to show.
        """
        update = symptom.answers_update()
        answers = plan.answers if update is None else plan.answers.merged(parse_answers(update))
        assessment = plan.assessment if update is None else self.diary.engine.assess(answers)
        kb = self.diary.engine.knowledge
        advice = tuple(
            WarningSign(id=w.id, text=w.text, level=w.level, sources=w.sources)
            for w in kb.warning_signs
            if w.id == EXERCISE_PAIN_WARNING
        )
        see_gp = next(
            (rec.instructions for rec in kb.recommendations if rec.id == SEE_GP_RECOMMENDATION),
            (),
        )
        return SymptomOutcome(
            symptom=symptom, assessment=assessment, advice=advice, see_gp=tuple(see_gp)
        )

    # --- recording ------------------------------------------------------------------

    def record_session(
        self,
        plan: SessionPlan,
        result: SessionResult,
        *,
        started_at: datetime,
        ended_at: datetime,
        pain_before: int | None,
        pain_after: int | None,
        symptom: Symptom | None = None,
        stopped_for_symptom: bool = False,
    ) -> RecordedSession:
        """Save a session as far as it got.

        A red-flag symptom is also recorded as a diary check-in (pain after, else pain
        before) with the red-flag answer, so later plans and check-ins keep it; without
        any pain score the symptom is kept on the session only.

        Args:
            plan: The planned session (episode, phase, progression decisions).
            result: The timing engine's result (callable mid-session).
            started_at: When the session started (aware).
            ended_at: When it ended (aware).
            pain_before: Pain 0-10 before, if given.
            pain_after: Pain 0-10 after, if given.
            symptom: A symptom reported during or after the session.
            stopped_for_symptom: Whether the symptom stopped the session while it ran.

        Returns:
            The stored session, and the check-in when one was recorded.

        Raises:
            InputError: A pain score is not 0-10, a time is naive or the end is before the
                start, or the result is not for this plan.
        """
        self._check_record(plan, result, started_at, ended_at, pain_before, pain_after)
        triage_level: TriageLevel | None = None
        if symptom is not None:
            triage_level = self.triage_symptom(plan, symptom).level
        exercises = tuple(
            NewCoachExercise(
                exercise_id=done.exercise_id,
                sides=item.exercise.sides,
                target_hold_seconds=done.target_hold_seconds,
                target_reps=done.target_reps,
                achieved_hold_seconds=round(done.longest_hold_seconds, 2),
                reps=dict(done.completed_reps),
                skipped=done.skipped,
                step=item.decision.step,
                step_reason=item.decision.reason,
            )
            for item, done in zip(plan.items, result.exercises, strict=True)
        )
        new = NewCoachSession(
            started_at=started_at,
            ended_at=ended_at,
            phase=plan.phase,
            pain_before=pain_before,
            pain_after=pain_after,
            quit_early=result.quit_early or stopped_for_symptom,
            symptom=symptom,
            stopped_for_symptom=stopped_for_symptom and symptom is not None,
            triage_level=triage_level,
            active_seconds=round(max(result.active_seconds, 0.0), 2),
            exercises=exercises,
        )
        with self.diary.store.write() as repo:
            stored = CoachRepository(repo).add_session(plan.episode.id, new)
        checkin = None
        update = None if symptom is None else symptom.answers_update()
        pain = pain_after if pain_after is not None else pain_before
        if symptom is not None and update is not None and pain is not None:
            when = "during" if stopped_for_symptom else "after"
            checkin = self.diary.check_in(
                CheckInEntry(
                    pain=pain,
                    answers=update,
                    note=f"Reported {when} an exercise session: {symptom.label}.",
                )
            )
        if checkin is not None:
            escalated = checkin.escalation.escalated
        else:
            escalated = (
                triage_level is not None and triage_level.rank > plan.assessment.triage.level.rank
            )
        return RecordedSession(session=stored, checkin=checkin, escalated=escalated)

    @staticmethod
    def _check_record(
        plan: SessionPlan,
        result: SessionResult,
        started_at: datetime,
        ended_at: datetime,
        pain_before: int | None,
        pain_after: int | None,
    ) -> None:
        problems: list[FieldProblem] = []
        for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10
            ):
                problems.append(FieldProblem(name, gettext("must be a whole number from 0 to 10")))
        for name, moment in (("started_at", started_at), ("ended_at", ended_at)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                problems.append(FieldProblem(name, gettext("needs a time zone")))
        if not problems and ended_at < started_at:
            problems.append(FieldProblem("ended_at", gettext("is before started_at")))
        planned = [item.exercise.id for item in plan.items]
        if [done.exercise_id for done in result.exercises] != planned:
            problems.append(
                FieldProblem("result", gettext("is not the result of this session's plan"))
            )
        if problems:
            raise InputError(gettext("cannot record the exercise session"), problems=problems)

    # --- reading --------------------------------------------------------------------

    def sessions(self, episode_id: int | None = None) -> list[CoachSessionRecord]:
        """The coach sessions of an episode (default: active, else latest), oldest first.

        Raises:
            NotFoundError: No such episode, or the diary is empty.
        """
        episode = self.diary.episode(episode_id)
        with self.diary.store.read() as repo:
            return CoachRepository(repo).sessions(episode.id)

    def adherence(self, episode_id: int | None = None) -> Adherence:
        """Sessions done per day against the plan's sessions per day.

        Covers the last 7 days and the whole episode, from the day of onset to today (or
        the day it was resolved). A session counts when at least one rep was held to the
        end. A day's planned number is the most ``times_per_day`` of the exercises allowed
        in the phase the episode was in at the start of that day.

        Raises:
            NotFoundError: No such episode, or the diary is empty.
        """
        episode = self.diary.episode(episode_id)
        with self.diary.store.read() as repo:
            sessions = CoachRepository(repo).sessions(episode.id)
        return self._adherence(episode, sessions)

    def adherence_of(self, history: EpisodeHistory) -> Adherence:
        """:meth:`adherence` of an already loaded history (no database access)."""
        return self._adherence(history.episode, history.coach_sessions)

    def _adherence(
        self, episode: EpisodeRecord, sessions: Sequence[CoachSessionRecord]
    ) -> Adherence:
        until = episode.resolved_at or self.diary.now()
        return adherence(
            (self._day(s.started_at) for s in sessions if s.reps_done),
            first_day=self._day(episode.onset_at),
            last_day=self._day(until),
            planned_on=lambda day: self._planned_on(episode, day),
        )

    def _planned_on(self, episode: EpisodeRecord, day: date) -> int:
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.diary.tz)
        hours = max(0.0, (start - episode.onset_at) / timedelta(hours=1))
        allowed = self.diary.engine.exercises_at(hours)
        return max((ex.times_per_day for ex in allowed), default=0)

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.diary.tz).date()
