"""Decide: the clinical policy, from one person's facts to named :class:`Decisions`.

A :class:`Policy` is the compiled protocol (:mod:`backcare.rules.protocol`) made
ready to run; :meth:`Policy.decide` makes every clinical decision for one person
and returns them as a frozen :class:`Decisions`. It builds no result: the builder
(:mod:`backcare.rules.build`) turns decisions into the result, and two people with
equal decisions get equal results. Standard library only, so the command line's
fast path runs the same policy without pydantic.

Safety properties (tested, and guaranteed by the condition language):
- each red flag answered "yes" gives at least its own level;
- answering one more question "yes" never lowers the level (conditions cannot negate);
- an unanswered screening question is never read as "no": it is listed in
  ``missing``, most dangerous first, and the result says it is incomplete; the only
  exception is a question another answer settles as not applicable
  (``not_asked_when``, e.g. the erection question for a woman), which is neither
  asked nor missing, and never "no" (its flag stays unanswered, so it cannot fire);
- while the person has not said which conditions they have, no over-the-counter
  medicine is ``suitable`` (the builder makes each ``ask_first``);
- a medicine rule can only make a status stricter and a daily maximum lower;
- every timed rule and the phase read one episode age (:func:`derive`), and the
  result says which answer it came from;
- an urgent plan holds exercises and exercise advice back; an emergency has no plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from backcare.rules.facts import AnswerReader, Facts, compile_condition, derive

__all__ = [
    "ASK_FIRST",
    "EMERGENCY",
    "FORMAT",
    "SELF_CARE",
    "SUITABLE",
    "URGENT",
    "DayDecisions",
    "Decisions",
    "EpisodeDecision",
    "MedicineDecisions",
    "Policy",
    "TriageDecisions",
    "derive",
]

# Distinct combinations of medicine tests and conditions kept worked out.
_COMBINATIONS_KEPT = 4096

# The layout of the compiled protocol: bump it when that changes (it keys stored copies).
FORMAT = 5

# Contract values (TriageLevel, MedicineStatus) the policy acts on, by name.
EMERGENCY, URGENT, SELF_CARE = "emergency", "urgent", "self_care"
SUITABLE, ASK_FIRST = "suitable", "ask_first"
# Answer paths an episode age can come from, as EpisodeAge.source names them.
FROM_HOURS, FROM_DAYS = "hours_since_onset", "course.days_of_self_care"


class TriageDecisions(NamedTuple):
    """The triage: which reasons fired, the level, and which screening answers are missing."""

    fired: tuple[int, ...]  # reasons, most severe first, then knowledge-base order
    level: str
    missing: tuple[str, ...]  # unanswered screening questions, most dangerous first


class EpisodeDecision(NamedTuple):
    """The episode age the result shows: days (two decimals), its source and a note."""

    days: float | None
    source: str | None  # the answer path it came from
    contradiction: tuple[int, float] | None  # (days of home care, hours) when they disagree


class DayDecisions(NamedTuple):
    """What a day of self-care is made from: recommendations, exercises, schedule."""

    phase: str
    hold_exercises: bool  # urgent: exercises wait for a clinician
    applies: tuple[bool, ...]  # per conditional recommendation of the phase
    timetabled: tuple[bool, ...]  # per schedule start the episode has reached
    left_out: tuple[bool, ...]  # per position some people leave out


class MedicineDecisions(NamedTuple):
    """Whether the person's conditions are unknown, and the rules fired per medicine."""

    conditions_unknown: bool
    fired: tuple[tuple[int, ...], ...]


class Decisions(NamedTuple):
    """Every decision an assessment is made from; equal decisions give equal results.

    It and its parts are named tuples: immutable, hashable and cheap to make (one is
    made per person, and hashed to find a kept result); the builder keeps what it builds
    from each part by its value. Read them by field name.
    """

    triage: TriageDecisions
    unanswered: tuple[bool, ...]  # per question, in the order they are asked
    phase: str
    episode: EpisodeDecision
    onset_assumed: bool
    day: DayDecisions | None  # None in an emergency: no plan
    medicines: MedicineDecisions | None
    bmi: float | None  # only where the WHO adult bands apply

    @property
    def emergency(self) -> bool:
        return self.triage.level == EMERGENCY


class Recommendation:
    """When a recommendation of the knowledge base applies."""

    __slots__ = ("applies", "conditional", "end", "exercise", "id", "replaces", "schedule", "start")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.id: str = spec["id"]
        self.exercise: bool = spec["exercise"]
        self.start: float = spec["hours"][0] if spec["hours"] else 0.0
        self.end: float | None = spec["hours"][1] if spec["hours"] else None
        self.applies = compile_condition(spec["when"]) if spec["when"] else None
        self.replaces: frozenset[str] = frozenset(spec["replaces"])
        # (timetabled from hour, clock times, title, minutes) or None
        self.schedule: Sequence[Any] | None = spec["schedule"]
        self.conditional = self.start > 0 or self.end is not None or self.applies is not None

    def fits(self, hours: float, facts: Facts) -> bool:
        if hours < self.start or (self.end is not None and hours >= self.end):
            return False
        return self.applies is None or self.applies(facts)


class Medicine:
    """A medicine's rules, indexed so only the person's own conditions are looked at.

    Rules on other answers (age, long-term steroids, episode length) name a test in the
    policy's shared table (``tests``), because several medicines ask the same thing and
    each test then runs once per person.
    """

    __slots__ = ("by_condition", "general", "spec")

    def __init__(self, spec: Mapping[str, Any], tests: dict[str, Sequence[Any]]) -> None:
        self.spec = spec
        by_condition: dict[str, list[int]] = {}
        general: list[tuple[int, int]] = []
        for index, rule in enumerate(spec["rules"]):
            when = rule["when"]
            if when[0] == "contains" and when[1] == "conditions" and not when[3]:
                by_condition.setdefault(when[2], []).append(index)
            else:
                key = repr(when)  # conditions are plain data: equal ones print alike
                if key not in tests:
                    tests[key] = when
                general.append((index, list(tests).index(key)))
        self.by_condition = {name: tuple(ids) for name, ids in by_condition.items()}
        self.general = tuple(general)

    def fired(self, passed: Sequence[bool], conditions: frozenset[str] | None) -> tuple[int, ...]:
        """The rules that fire, given the shared tests' outcomes and the conditions."""
        hits = [index for index, test in self.general if passed[test]]
        if not conditions:
            return tuple(hits)
        for condition in conditions:
            hits.extend(self.by_condition.get(condition, ()))
        return tuple(sorted(set(hits)))


class Policy:
    """The compiled protocol, ready to decide for one person at a time."""

    def __init__(self, protocol: Mapping[str, Any]) -> None:
        self.protocol = protocol
        self.reader = AnswerReader(protocol["answers"])
        self.levels = tuple(protocol["levels"])  # least to most urgent
        rank = {name: i for i, name in enumerate(self.levels)}
        # Every reason triage can give, flags first then rules (knowledge-base order).
        reasons = [reason for _, reason in protocol["flags"]]
        reasons += [reason for _, reason in protocol["rules"]]
        self.reason_ranks = tuple(rank[reason["level"]] for reason in reasons)
        # The red-flag answers, fetched together, and the reason each gives (itemgetter and
        # compress work in C: this runs for every person). Answers are True, False or None.
        self._flag_answers = _getter([path for path, _ in protocol["flags"]])
        self._flag_reasons = tuple(range(len(protocol["flags"])))
        self._rules = tuple(
            (compile_condition(when), len(protocol["flags"]) + i)
            for i, (when, _) in enumerate(protocol["rules"])
        )
        self.screening = tuple(protocol["screening"])
        self.question_keys = tuple(key for key, _ in protocol["questions"])
        self._question_answers = _getter(self.question_keys)
        # Picks the screening questions out of the per-question answers (all are asked).
        self._screening_unanswered = _getter(
            [self.question_keys.index(path) for path in self.screening]
        )
        self._not_asked = tuple((path, compile_condition(c)) for path, c in protocol["not_asked"])
        # (name, from hour, until hour or None, summary), in timeline order
        self.phases = tuple(tuple(phase) for phase in protocol["phases"])
        order = {phase[0]: i for i, phase in enumerate(self.phases)}
        self.recommendations = tuple(Recommendation(s) for s in protocol["recommendations"])
        self.by_phase = {
            phase: tuple(
                rec
                for rec, spec in zip(self.recommendations, protocol["recommendations"], strict=True)
                if phase in spec["phases"]
            )
            for phase in order
        }
        self.conditional = {
            phase: tuple(rec for rec in recs if rec.conditional)
            for phase, recs in self.by_phase.items()
        }
        self.exercises = {
            phase: tuple(
                spec for spec in protocol["exercises"] if order[spec["from_phase"]] <= order[phase]
            )
            for phase in order
        }
        self.timetable_from = tuple(protocol["timetable_from"])
        self.positions = tuple(
            (position, compile_condition(when), note)
            for position, when, note in protocol["positions"]
        )
        tests: dict[str, Sequence[Any]] = {}
        self.medicines = tuple(Medicine(spec, tests) for spec in protocol["medicines"])
        self._medicine_tests = tuple(compile_condition(when) for when in tests.values())
        # Which medicine rules fire depends only on those few yes/no tests and the
        # conditions, so it is worked out once per combination (there are few).
        self._medicine_rules = lru_cache(maxsize=_COMBINATIONS_KEPT)(self._medicines_fired)

    def phase_at(self, hours: float) -> str:
        """The phase containing ``hours`` since onset (the loader checks they tile time)."""
        for name, start, end, _ in self.phases:
            if start <= hours and (end is None or hours < end):
                return str(name)
        raise AssertionError("phases do not cover the timeline")  # pragma: no cover

    def settled(self, facts: Facts) -> frozenset[str]:
        """Unanswered questions that other answers settle as not applicable.

        Such a question is neither asked nor missing; it is not read as "no" either:
        its flag stays unanswered, so it cannot fire or be cleared.
        """
        return frozenset(
            [path for path, applies in self._not_asked if facts[path] is None and applies(facts)]
        )

    def unanswered(self, facts: Facts, settled: frozenset[str] | None = None) -> tuple[bool, ...]:
        """Per question, in the order they are asked: is its answer still missing?

        ``settled`` is :meth:`settled` of the same facts, when the caller has it already.
        """
        if settled is None:
            settled = self.settled(facts)
        missing = [value is None for value in self._question_answers(facts)]
        if settled:
            missing = [
                still and key not in settled
                for key, still in zip(self.question_keys, missing, strict=True)
            ]
        return tuple(missing)

    def decide(self, facts: Facts) -> Decisions:
        """Every clinical decision for these facts, top to bottom."""
        # 1. Triage: every red flag answered yes and every rule that fires gives a reason;
        #    the most urgent reason sets the level. Nothing can lower it.
        fired = list(compress(self._flag_reasons, self._flag_answers(facts)))  # the yeses
        fired += [index for fires, index in self._rules if fires(facts)]
        ranks = self.reason_ranks
        level = self.levels[0]  # nothing fired: the least urgent level
        if fired:
            level = self.levels[max([ranks[i] for i in fired])]
            # Most severe first, then knowledge-base order: the first reason explains the level.
            fired.sort(key=lambda i: -ranks[i])
        # 2. Unanswered screening questions are missing, never "no" (unless another
        #    answer settles them as not applicable: see settled()).
        unanswered = self.unanswered(facts, self.settled(facts))
        missing = tuple(compress(self.screening, self._screening_unanswered(unanswered)))
        triage = TriageDecisions(tuple(fired), level, missing)
        # 3. One episode age for every timed rule and the phase; the phase it falls in.
        days = facts["derived.episode_days"]
        hours = 0.0 if days is None else days * 24
        phase = self.phase_at(hours)
        episode = _episode(facts)
        # 4. An emergency has no plan: the person gets help first.
        if level == EMERGENCY:
            return Decisions(triage, unanswered, phase, episode, days is None, None, None, None)
        # 5. The day: recommendations that fit, what is timetabled by now, positions left out
        #    (lying on the back in pregnancy); urgent holds exercises until a clinician checks.
        day = DayDecisions(
            phase,
            level == URGENT,  # hold_exercises
            tuple([rec.fits(hours, facts) for rec in self.conditional[phase]]),  # applies
            tuple([hours >= start for start in self.timetable_from]),  # timetabled
            tuple([left_out(facts) for _, left_out, _ in self.positions]),  # left_out
        )
        # 6. Medicines: which rules fire for each; unknown conditions keep them "ask first".
        conditions = facts["conditions"]
        fired_per_medicine = self._medicine_rules(
            tuple([test(facts) for test in self._medicine_tests]), conditions
        )
        medicines = MedicineDecisions(conditions is None, fired_per_medicine)
        return Decisions(
            triage, unanswered, phase, episode, days is None, day, medicines, _adult_bmi(facts)
        )

    def _medicines_fired(
        self, passed: tuple[bool, ...], conditions: frozenset[str] | None
    ) -> tuple[tuple[int, ...], ...]:
        return tuple([medicine.fired(passed, conditions) for medicine in self.medicines])


def _getter(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """Fetch ``keys`` of a mapping or sequence as a tuple (even of none or one key)."""
    if not keys:
        return lambda data: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda data: (data[key],)
    getter: Callable[[Any], tuple[Any, ...]] = itemgetter(*keys)
    return getter


def _adult_bmi(facts: Facts) -> float | None:
    """BMI for the plan, only where the WHO adult bands apply.

    They are not for pregnancy (weight gain is expected; no weight-loss advice) or
    under-18s (children use BMI-for-age charts), so the plan shows no BMI there.
    """
    bmi: float | None = facts["derived.bmi"]
    if bmi is None:
        return None
    age, conditions = facts["age"], facts["conditions"]
    if (age is not None and age < 18) or (conditions is not None and "pregnant" in conditions):
        return None
    return bmi


def _episode(facts: Facts) -> EpisodeDecision:
    """The episode age of these facts, where it came from, and whether timings contradict.

    They contradict when the days of home care are more than the hours since onset
    allow (one day's slack for counting days inclusively).
    """
    days = facts["derived.episode_days"]
    if days is None:
        return EpisodeDecision(None, None, None)
    told_days, hours = facts["course.days_of_self_care"], facts["hours_since_onset"]
    if hours is None or (told_days is not None and told_days > hours / 24):
        source = FROM_DAYS
    else:
        source = FROM_HOURS
    contradiction = None
    if hours is not None and told_days is not None and told_days > hours / 24 + 1:
        contradiction = (told_days, hours)
    return EpisodeDecision(round(float(days), 2), source, contradiction)
