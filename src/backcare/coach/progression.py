"""Progressions: how an exercise's dose changes from one session to the next. Pure.

The rule follows the beginner advice the knowledge base cites (NHS inform: start with a
few repetitions and add one or two "every few days if comfortable"; stop if an exercise
makes symptoms worse) and uses the numeric pain rating's minimal important change (the
knowledge base's ``nrs_mcid``: 2 points, Ostelo 2008) as "made pain worse":

============================================================  =========  ===================
After the last session with this exercise                     Step       Next dose
============================================================  =========  ===================
no earlier session in this episode                            ``start``  knowledge-base dose
stopped for (or followed by) a reported symptom               ``back``   one step down
pain after − pain before ≥ 2                                  ``back``   one step down
pain after − pain before = 1                                  ``same``   unchanged
pain not scored before or after                               ``same``   unchanged
pain did not rise, but a rep was missed or it was skipped     ``same``   unchanged
pain did not rise, every rep done, already stepped up today   ``same``   unchanged
pain did not rise, every rep done                             ``up``     one step up
============================================================  =========  ===================

One step is the exercise's ``progression.hold_step_seconds`` and ``reps_step``. A step up
never passes ``max_hold_seconds`` / ``max_reps``; a step back never goes below the
knowledge base's starting dose. At most one step up per calendar day
(:data:`MIN_DAYS_BETWEEN_STEPS_UP`): three sessions a day must not turn "every few days"
into three steps a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backcare.domain.exercise import Step, Symptom
from backcare.i18n import gettext as _
from backcare.knowledge.schema import Exercise
from backcare.measures import nrs_mcid

__all__ = [
    "MIN_DAYS_BETWEEN_STEPS_UP",
    "LastSession",
    "ProgressionDecision",
    "Step",
    "next_dose",
]

#: Days that must pass after a step up before the next one (1: not twice on one day).
MIN_DAYS_BETWEEN_STEPS_UP = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class LastSession:
    """How the exercise went in the last session that included it.

    Attributes:
        hold_seconds: The hold the person was asked for (the target, not the achievement).
        reps: The reps per side the person was asked for.
        completed: Whether every rep on every side was held to the end.
        skipped: Whether the person skipped the exercise.
        pain_before: Pain 0-10 before the session, if given.
        pain_after: Pain 0-10 after the session, if given.
        symptom: A symptom reported during or right after the session, if any.
    """

    hold_seconds: int
    reps: int
    completed: bool
    skipped: bool
    pain_before: int | None
    pain_after: int | None
    symptom: Symptom | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressionDecision:
    """Today's dose of one exercise and why.

    Attributes:
        exercise_id: The exercise.
        step: What the rule did.
        hold_seconds: Seconds per hold for this session.
        reps: Reps per side for this session.
        reason: One plain sentence, shown to the person and kept in the diary.
    """

    exercise_id: str
    step: Step
    hold_seconds: int
    reps: int
    reason: str


def next_dose(
    exercise: Exercise,
    *,
    last: LastSession | None,
    today: date,
    last_step_up_on: date | None = None,
    min_days_between_steps_up: int = MIN_DAYS_BETWEEN_STEPS_UP,
) -> ProgressionDecision:
    """Decide the dose of ``exercise`` for the next session.

    Args:
        exercise: The knowledge-base exercise (starting dose, steps and ceilings).
        last: The last session of this episode that included it; ``None`` if there was none.
        today: The person's calendar day of the new session.
        last_step_up_on: The calendar day of the last session whose dose was a step up.
        min_days_between_steps_up: Days that must pass between two steps up (0: no limit).

    Returns:
        The decision: step, hold seconds, reps and a one-sentence reason.
    """
    start_hold, start_reps = exercise.hold_seconds, exercise.reps
    if last is None:
        return _decision(
            exercise,
            Step.START,
            start_hold,
            start_reps,
            _("First session of this episode: the gentle starting dose."),
        )
    progression = exercise.progression
    top_hold = max(progression.max_hold_seconds, start_hold)
    top_reps = max(progression.max_reps, start_reps)
    # Clamp last time's dose into today's range, in case the knowledge base changed since.
    hold = min(max(last.hold_seconds, start_hold), top_hold)
    reps = min(max(last.reps, start_reps), top_reps)

    def back(why: str) -> ProgressionDecision:
        new_hold = max(start_hold, hold - progression.hold_step_seconds)
        new_reps = max(start_reps, reps - progression.reps_step)
        if (new_hold, new_reps) == (hold, reps):
            why += " " + _("You are already at the starting dose, so it stays there.")
        else:
            why += " " + _("One step back: {dose}.").format(
                dose=_dose_words(new_hold, new_reps, exercise)
            )
        return _decision(exercise, Step.BACK, new_hold, new_reps, why)

    def same(why: str) -> ProgressionDecision:
        return _decision(exercise, Step.SAME, hold, reps, why)

    if last.symptom is not None:
        return back(
            _("You reported {symptom} at the last session.").format(symptom=last.symptom.label)
        )
    if last.pain_before is None or last.pain_after is None:
        return same(_("Pain was not scored before and after the last session, so the dose stays."))
    rise = last.pain_after - last.pain_before
    if rise >= (worse := nrs_mcid().points):
        return back(
            _(
                "Pain went up {rise} points after the last session "
                "({points:g} or more is a change that matters)."
            ).format(rise=rise, points=worse)
        )
    if rise > 0:
        return same(_("Pain went up 1 point after the last session, so the dose stays the same."))
    if last.skipped:
        return same(_("You skipped it last time, so the dose stays the same."))
    if not last.completed:
        return same(_("You did not finish every rep last time, so the dose stays the same."))
    if last_step_up_on is not None and (today - last_step_up_on).days < min_days_between_steps_up:
        return same(
            _(
                "It already went up today; the next step can come tomorrow "
                "(add a little every few days, not every session)."
            )
        )
    new_hold = min(top_hold, hold + progression.hold_step_seconds)
    new_reps = min(top_reps, reps + progression.reps_step)
    if (new_hold, new_reps) == (hold, reps):
        return same(
            _(
                "Pain did not rise and you finished every rep; this is already the most backcare "
                "suggests ({dose})."
            ).format(dose=_dose_words(hold, reps, exercise))
        )
    return _decision(
        exercise,
        Step.UP,
        new_hold,
        new_reps,
        _("Pain did not rise and you finished every rep: one step up to {dose}.").format(
            dose=_dose_words(new_hold, new_reps, exercise)
        ),
    )


def _decision(
    exercise: Exercise, step: Step, hold: int, reps: int, reason: str
) -> ProgressionDecision:
    return ProgressionDecision(
        exercise_id=exercise.id, step=step, hold_seconds=hold, reps=reps, reason=reason
    )


def _dose_words(hold: int, reps: int, exercise: Exercise) -> str:
    if exercise.sides.value == "each":
        return _("hold {hold} s, {reps} reps each side").format(hold=hold, reps=reps)
    return _("hold {hold} s, {reps} reps").format(hold=hold, reps=reps)
