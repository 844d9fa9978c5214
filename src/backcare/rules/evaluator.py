"""The rules engine proper: triage, questions, medicines and the plan, over plain data.

An :class:`Evaluator` runs a *compiled protocol* - plain dicts, lists and strings
that :func:`backcare.rules.protocol.compile_protocol` makes once from the validated
knowledge base and the settings - against one person's flattened answers (the
*facts*). It builds its results through a :class:`Representation`: the engine's
makes the typed pydantic results of :mod:`backcare.domain.results`, the fast
command-line path's makes plain JSON-ready dicts in the same field order. There is
one evaluator for both, so they cannot disagree, and it imports only the standard
library, so a process that only assesses never pays for importing pydantic.

Safety properties (tested, and guaranteed by the condition language):
- each red flag answered "yes" gives at least its own level;
- answering one more question "yes" never lowers the level (conditions cannot negate);
- an unanswered screening question is never read as "no": ``complete`` stays false
  and the question is listed in ``missing``, most dangerous first; the only exception
  is a question another answer settles as not applicable (``not_asked_when``, e.g. the
  erection question for a woman), which is neither asked nor missing, and never "no";
- while the person has not said which conditions they have, no over-the-counter
  medicine is ``suitable``: each is ``ask_first`` until they answer;
- a medicine rule can only make a status stricter and a daily maximum lower (or
  remove it); under 16, or with no age given, the knowledge base's rules keep every
  over-the-counter medicine at ``ask_first`` at most, with no adult maximum;
- every timed rule and the phase read one episode age (:func:`derive`), and the
  result says which answer it came from.
- an urgent plan holds no exercises and no exercise or activity recommendation
  (marked ``exercise`` in the knowledge base): only pain relief until a clinician checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

__all__ = [
    "COMPACT_JSON",
    "DISCLAIMER",
    "FORMAT",
    "PLAIN",
    "AnswerReader",
    "Evaluator",
    "Facts",
    "Predicate",
    "Representation",
    "bmi_category",
    "compile_condition",
    "derive",
]

# The layout of the compiled protocol: bump it when that changes (it keys stored copies).
FORMAT = 4

Facts = dict[str, Any]
Predicate = Callable[[Facts], bool]

DISCLAIMER = (
    "backcare gives information and self-care guidance for acute back muscle spasm. It is not "
    "a diagnosis or a prescription and does not replace a doctor, pharmacist or physiotherapist. "
    "If you are worried, get medical advice."
)

# Contract values (TriageLevel, MedicineStatus) the evaluator acts on, by name.
EMERGENCY, URGENT, SELF_CARE = "emergency", "urgent", "self_care"
SUITABLE, ASK_FIRST = "suitable", "ask_first"

_SUMMARIES = {
    EMERGENCY: "Call {number} or go to the emergency department now.",
    URGENT: (
        "Get medical advice today: an urgent GP appointment, an urgent care service or "
        "NHS 111 (or your local equivalent)."
    ),
    "see_doctor": (
        "Book a doctor's appointment within the next few days; meanwhile follow the self-care plan."
    ),
    SELF_CARE: (
        "Nothing you told us points to a serious cause: follow the self-care plan and watch "
        "for the warning signs."
    ),
}
_INCOMPLETE = (
    " Some safety questions are still unanswered, so this result is provisional: "
    "please answer them."
)
_EMERGENCY_MESSAGE = (
    "Call {number} now (or go straight to the nearest emergency department). Do not drive "
    "yourself. Stop the self-care plan: no exercises, no heat or cold, and do not take "
    "anything by mouth unless told to."
)
_UNKNOWN_CONDITIONS = (
    "You have not told us about your health conditions yet (for example pregnancy, stomach "
    "ulcers, kidney or heart disease): ask a pharmacist or doctor first, or answer that question."
)
_NOT_OTC = "Prescription only: ask a doctor; backcare never suggests taking it on your own."
_ASSUMED_ONSET = (
    " You did not say when it started, so backcare assumes it is new (acute phase); "
    "answer 'hours since onset' for a plan that fits."
)
_EMERGENCY_NOTE = (
    "Self-care is on hold: get emergency help now. The plan resumes once a clinician has seen you."
)
_URGENT_NOTE = (
    " Until you have been seen today, use only the pain-relief steps; exercises wait until "
    "a clinician has checked you."
)
_CONTRADICTORY_TIMING = (
    "Your timings disagree: {days} days of home care (course.days_of_self_care) do not fit "
    "in {hours:g} hours since it started (hours_since_onset). backcare used the longer time, "
    "{days} days, because it is the safer reading; please check both answers."
)
# Answer paths an episode age can come from, as EpisodeAge.source names them.
_FROM_HOURS, _FROM_DAYS = "hours_since_onset", "course.days_of_self_care"
_BMI_SOURCES = ("who_bmi", "seed_000")
# The results built per assessment (the rest are shared parts, built once).
_COMPOSITES = (
    "Assessment",
    "Triage",
    "CarePlan",
    "BodyMassIndex",
    "EpisodeAge",
    "ScheduleItem",
    "MedicineAdvice",
)


class Representation(Protocol):
    """How the evaluator's results are built: typed models, or plain dicts."""

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        """A shared part (a reason, question, exercise...) from its canonical JSON form."""

    def builder(self, kind: str) -> Callable[..., Any]:
        """The constructor of a per-assessment result, called with every field by keyword.

        The evaluator passes the fields in the contract's field order.
        """

    def value(self, kind: str, raw: str) -> Any:
        """A contract enum value (``TriageLevel``, ``Phase``, ``MedicineStatus``)."""

    def many(self, items: tuple[Any, ...]) -> Any:
        """A list of parts the evaluator keeps and shares between assessments."""


class _Plain:
    """Results as plain dicts: ``json.dumps`` of them is the contract's JSON."""

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        return data

    def builder(self, kind: str) -> Callable[..., Any]:
        return dict

    def value(self, kind: str, raw: str) -> Any:
        return raw

    def many(self, items: tuple[Any, ...]) -> Any:
        return items


PLAIN: Representation = _Plain()


# The contract's compact JSON, as pydantic's model_dump_json() writes it. One encoder:
# json.dumps() with options builds a new one on every call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_LITERALS = {None: b"null", True: b"true", False: b"false"}


_TEXTS: dict[str, bytes] = {}  # JSON of the strings results repeat (summaries, notes, ids)
_TEXTS_LIMIT = 4096


class _Pieces(list[bytes]):
    """A result's JSON as pieces, joined once by the outermost result (no copies per level)."""


def _emit(out: list[bytes], value: Any) -> None:
    """Append the JSON of a field value; ``bytes`` are parts already encoded."""
    kind = type(value)
    if kind is bytes:
        out.append(value)
    elif kind is _Pieces:
        out.extend(value)
    elif kind is str:
        text = _TEXTS.get(value)
        if text is None:
            if len(_TEXTS) >= _TEXTS_LIMIT:
                _TEXTS.clear()
            text = _TEXTS[value] = _dumps(value).encode()
        out.append(text)
    elif kind is tuple:
        separator = b"["
        for item in value:
            out.append(separator)
            _emit(out, item)
            separator = b","
        out.append(b"]" if value else b"[]")
    elif value is None or kind is bool:
        out.append(_LITERALS[value])
    else:
        out.append(_dumps(value).encode())


def _encode(value: Any) -> bytes:
    out: list[bytes] = []
    _emit(out, value)
    return b"".join(out)


class _CompactJson:
    """Results as compact JSON bytes, byte for byte ``model_dump_json()``.

    Shared parts are encoded once; a per-assessment result emits its fields' JSON as
    pieces that only the outermost result (the assessment) joins, so an assessment's
    JSON costs little more than the assessment.
    """

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        return _dumps(data).encode()

    def builder(self, kind: str) -> Callable[..., Any]:
        keys: dict[str, bytes] = {}  # field name -> its encoded key, made once
        outermost = kind == "Assessment"

        def build(**fields: Any) -> bytes | _Pieces:
            out = _Pieces()
            separator = b"{"
            for name, value in fields.items():
                key = keys.get(name)
                if key is None:
                    key = keys[name] = _dumps(name).encode() + b":"
                out.append(separator)
                out.append(key)
                _emit(out, value)
                separator = b","
            out.append(b"}")
            return b"".join(out) if outermost else out

        return build

    def value(self, kind: str, raw: str) -> Any:
        return raw

    def many(self, items: tuple[Any, ...]) -> Any:
        return _encode(items)  # shared, so joined once


COMPACT_JSON: Representation = _CompactJson()


# --- answers ---------------------------------------------------------------------------


def derive(facts: Facts) -> Facts:
    """Add the derived values rules may test: ``derived.episode_days`` and ``derived.bmi``.

    The episode's age in days is the larger of ``course.days_of_self_care`` and
    ``hours_since_onset / 24`` (the diary fills both from its onset), so every timed
    rule and the phase read one age whichever timing the person gave; the larger is
    the safer reading when they disagree. BMI (kg/m², WHO definition, one decimal)
    needs both height and weight.
    """
    days = facts["course.days_of_self_care"]
    hours = facts["hours_since_onset"]
    candidates = [v for v in (days, None if hours is None else hours / 24) if v is not None]
    facts["derived.episode_days"] = max(candidates) if candidates else None
    height, weight = facts["height_cm"], facts["weight_kg"]
    if height is None or weight is None:
        facts["derived.bmi"] = None
    else:
        metres = height / 100
        facts["derived.bmi"] = round(weight / (metres * metres), 1)
    return facts


_BAD = object()


def _boolean(value: Any) -> Any:
    return value if value is True or value is False else _BAD


def _checker(kind: str, argument: Any) -> Callable[[Any], Any]:
    """A check of one answer's JSON value: the value to keep, or ``_BAD``."""
    if kind == "boolean":
        return _boolean
    if kind == "choice":
        return lambda value: value if type(value) is str and value in argument else _BAD
    if kind == "choices":

        def choices(value: Any) -> Any:
            if type(value) is list and all(type(v) is str and v in argument for v in value):
                return frozenset(value)
            return _BAD

        return choices
    low, low_open, high, high_open = argument

    def in_range(value: Any) -> bool:
        if low is not None and (value <= low if low_open else value < low):
            return False
        return high is None or (value < high if high_open else value <= high)

    if kind == "integer":
        return lambda value: value if type(value) is int and in_range(value) else _BAD
    if kind == "number":
        # Range first: a huge integer must be refused, not overflow float().
        return lambda value: (
            float(value) if type(value) in (int, float) and in_range(value) else _BAD
        )
    raise ValueError(f"unknown answer kind {kind!r}")


# answer key -> (fact key, check, nested fields of a group)
_Fields = dict[str, tuple[str, Callable[[Any], Any], "_Fields | None"]]


class AnswerReader:
    """Read JSON answers straight into facts, or say it is not sure they are valid.

    Built from the compiled protocol's ``answers`` table, which is made from the
    contract's JSON Schema. Only plainly valid input is accepted - exact JSON types,
    values in range, no unknown keys - and it gives exactly the facts the pydantic
    contract model gives (a property test checks both directions on generated input).
    Anything else, valid or not, gets ``None`` so the caller validates it with the
    contract model, which names each bad field.
    """

    def __init__(self, table: Mapping[str, Any]) -> None:
        blank: Facts = {}
        self._fields = self._compile(table, "", blank)
        self._blank = blank

    @classmethod
    def _compile(cls, table: Mapping[str, Any], prefix: str, blank: Facts) -> _Fields:
        fields: _Fields = {}
        for key, (kind, argument) in table.items():
            if kind == "group":
                fields[key] = ("", _boolean, cls._compile(argument, key + ".", blank))
            else:
                blank[prefix + key] = None
                fields[key] = (prefix + key, _checker(kind, argument), None)
        return fields

    def read(self, data: object) -> Facts | None:
        """The facts of ``data`` (with derived values), or ``None``."""
        if type(data) is not dict:
            return None
        facts = self._blank.copy()
        if not _read(data, self._fields, facts):
            return None
        return derive(facts)


def _read(data: dict[Any, Any], fields: _Fields, facts: Facts) -> bool:
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            return False
        path, check, nested = spec
        if nested is not None:
            if type(value) is not dict or not _read(value, nested, facts):
                return False
        elif value is not None:
            value = check(value)
            if value is _BAD:
                return False
            facts[path] = value
    return True


# --- conditions ------------------------------------------------------------------------


def compile_condition(condition: Sequence[Any]) -> Predicate:
    """Compile a condition of the compiled protocol into a predicate over facts.

    Forms: ``("all", parts)``, ``("any", parts)`` and ``(test, path, argument,
    or_unanswered)`` with test one of ``is``, ``at_least``, ``below``, ``in``,
    ``contains``. An unanswered value (``None``) matches only with ``or_unanswered``.
    """
    if condition[0] in ("all", "any"):
        parts = tuple(compile_condition(c) for c in condition[1])
        if condition[0] == "all":

            def every(facts: Facts) -> bool:
                # A loop, not all() over a generator: this runs for every rule of every
                # assessment, and the generator costs more than the tests it runs.
                for part in parts:  # noqa: SIM110
                    if not part(facts):
                        return False
                return True

            return every

        def some(facts: Facts) -> bool:
            for part in parts:  # noqa: SIM110
                if part(facts):
                    return True
            return False

        return some
    test, path, argument, unanswered = condition
    compare = _comparison(test, argument)

    def predicate(facts: Facts) -> bool:
        value = facts[path]
        if value is None:
            return bool(unanswered)
        return compare(value)

    return predicate


def _comparison(test: str, argument: Any) -> Callable[[Any], bool]:
    if test == "is":
        return lambda value: value is True
    if test == "at_least":
        return lambda value: bool(value >= argument)
    if test == "below":
        return lambda value: bool(value < argument)
    if test == "in":
        choices = frozenset(argument)
        return lambda value: value in choices
    if test == "contains":
        return lambda value: argument in value
    raise ValueError(f"unknown condition test {test!r}")


# --- the evaluator ---------------------------------------------------------------------


def bmi_category(value: float) -> str:
    """The WHO adult BMI category of ``value`` (kg/m²)."""
    if value < 18.5:
        return "underweight"
    if value < 25:
        return "healthy weight"
    if value < 30:
        return "overweight"
    return "obese"


def _adult_bmi(facts: Facts) -> float | None:
    """BMI for the plan, only where the WHO adult categories apply.

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


class _Episode(NamedTuple):
    """The episode age as the result shows it (``EpisodeAge``); hashable, for the memos."""

    days: float | None  # two decimals
    source: str | None  # the answer path it came from
    note: str | None  # why the timings contradict each other, naming both fields


def _episode(facts: Facts) -> _Episode:
    """The episode age of these facts, where it came from, and a note on contradictions.

    The note names both fields when the days of home care are more than the hours
    since onset allow (one day's slack for counting days inclusively).
    """
    days = facts["derived.episode_days"]
    if days is None:
        return _Episode(None, None, None)
    told_days, hours = facts["course.days_of_self_care"], facts["hours_since_onset"]
    if hours is None or (told_days is not None and told_days > hours / 24):
        source = _FROM_DAYS
    else:
        source = _FROM_HOURS
    note = None
    if hours is not None and told_days is not None and told_days > hours / 24 + 1:
        note = _CONTRADICTORY_TIMING.format(days=told_days, hours=hours)
    return _Episode(round(float(days), 2), source, note)


class _Recommendation:
    __slots__ = (
        "applies",
        "conditional",
        "end",
        "exercise",
        "id",
        "item",
        "replaces",
        "schedule",
        "start",
    )

    def __init__(self, spec: Mapping[str, Any], rep: Representation) -> None:
        self.id: str = spec["id"]
        self.exercise: bool = spec["exercise"]
        self.item = rep.leaf("RecommendationItem", spec["item"])
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


class _Medicine:
    __slots__ = ("by_condition", "general", "rules", "spec")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        # (status, reason, sources, daily maximum, dose text) per rule; most rules are "the
        # person has condition X", indexed by condition so only the person's own
        # conditions are looked at.
        self.rules = tuple(
            (r["status"], r["reason"], tuple(r["sources"]), r["max_daily_mg"], r["usual_dose"])
            for r in spec["rules"]
        )
        by_condition: dict[str, list[int]] = {}
        general: list[tuple[int, Predicate]] = []
        for index, rule in enumerate(spec["rules"]):
            when = rule["when"]
            if when[0] == "contains" and when[1] == "conditions" and not when[3]:
                by_condition.setdefault(when[2], []).append(index)
            else:
                general.append((index, compile_condition(when)))
        self.by_condition = {name: tuple(ids) for name, ids in by_condition.items()}
        self.general = tuple(general)

    def fired(self, facts: Facts) -> tuple[int, ...]:
        hits = [i for i, predicate in self.general if predicate(facts)]
        conditions = facts["conditions"]
        if not conditions:
            return tuple(hits)
        for condition in conditions:
            hits.extend(self.by_condition.get(condition, ()))
        return tuple(sorted(set(hits)))


class _Memo(dict[Any, Any]):
    """Results by the exact decisions they are made from, bounded: emptied when full."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: Any, value: Any) -> Any:
        if self.limit:
            if len(self) >= self.limit:
                self.clear()
            self[key] = value
        return value


class Evaluator:
    """Assess facts against one compiled protocol, building results with ``rep``.

    Everything that does not depend on the person (reasons, questions, recommendation
    items, exercises, schedules) is built once here. Results are functions of a few
    discrete decisions, so each result and part is built once per distinct decisions
    and shared (they are immutable); ``memo_size`` bounds each memo, 0 turns them off.
    """

    def __init__(
        self, protocol: Mapping[str, Any], rep: Representation, *, memo_size: int = 512
    ) -> None:
        self.protocol = protocol
        self.rep = rep
        number = protocol["emergency_number"]
        level_rank = {name: rank for rank, name in enumerate(protocol["levels"])}
        self._level_names = tuple(protocol["levels"])
        self._levels = {name: rep.value("TriageLevel", name) for name in protocol["levels"]}
        self._reader = AnswerReader(protocol["answers"])
        self._make = {kind: rep.builder(kind) for kind in _COMPOSITES}
        self._status_rank = {name: rank for rank, name in enumerate(protocol["statuses"])}
        self._statuses = {name: rep.value("MedicineStatus", name) for name in protocol["statuses"]}
        # Every reason triage can give, flags first then rules (knowledge-base order):
        # (rank of its level, the reason).
        reasons = [reason for _, reason in protocol["flags"]]
        reasons += [reason for _, reason in protocol["rules"]]
        self._reasons = tuple(
            (level_rank[reason["level"]], rep.leaf("Reason", reason)) for reason in reasons
        )
        self._flags = tuple((path, i) for i, (path, _) in enumerate(protocol["flags"]))
        self._rules = tuple(
            (compile_condition(when), len(self._flags) + i)
            for i, (when, _) in enumerate(protocol["rules"])
        )
        self._screening = tuple(protocol["screening"])
        self._not_asked = tuple((path, compile_condition(c)) for path, c in protocol["not_asked"])
        self._summaries = {level: text.format(number=number) for level, text in _SUMMARIES.items()}
        self._emergency = rep.leaf(
            "EmergencyInstruction",
            {"number": number, "message": _EMERGENCY_MESSAGE.format(number=number)},
        )
        self._question_keys = tuple(key for key, _ in protocol["questions"])
        self._question_items = tuple(rep.leaf("Question", q) for _, q in protocol["questions"])
        self._phases = tuple(
            (name, rep.value("Phase", name), start, end, summary)
            for name, start, end, summary in protocol["phases"]
        )
        self._phase_named = {phase[0]: phase for phase in self._phases}
        recommendations = [_Recommendation(spec, rep) for spec in protocol["recommendations"]]
        exercises = [(spec["from_phase"], spec) for spec in protocol["exercises"]]
        phase_order = {name: i for i, (name, *_rest) in enumerate(protocol["phases"])}
        self._by_phase: dict[str, tuple[_Recommendation, ...]] = {}
        self._conditional: dict[str, tuple[_Recommendation, ...]] = {}
        self._exercises: dict[str, tuple[Any, ...]] = {}
        self._exercise_specs: dict[str, tuple[Mapping[str, Any], ...]] = {}
        leaves = {id(spec): rep.leaf("PlannedExercise", spec["item"]) for _, spec in exercises}
        for phase in phase_order:
            recs = tuple(
                rec
                for rec, spec in zip(recommendations, protocol["recommendations"], strict=True)
                if phase in spec["phases"]
            )
            self._by_phase[phase] = recs
            self._conditional[phase] = tuple(rec for rec in recs if rec.conditional)
            allowed = [s for start, s in exercises if phase_order[start] <= phase_order[phase]]
            self._exercise_specs[phase] = tuple(allowed)
            self._exercises[phase] = tuple(leaves[id(s)] for s in allowed)
        self._positions = tuple(
            (position, compile_condition(when), note)
            for position, when, note in protocol["positions"]
        )
        self._session_clocks = {int(k): v for k, v in protocol["session_clocks"].items()}
        self._timetable_from = tuple(protocol["timetable_from"])
        self._warning_signs = rep.many(
            tuple(rep.leaf("WarningSign", sign) for sign in protocol["warning_signs"])
        )
        self._medicines = tuple(_Medicine(spec) for spec in protocol["medicines"])
        # Each memo is keyed by exactly what its result is made from (see the builders).
        self._assessments = _Memo(memo_size)
        self._triages = _Memo(memo_size)
        self._plans = _Memo(memo_size)
        self._days = _Memo(memo_size)
        self._advice = _Memo(memo_size)
        self._unanswered = _Memo(memo_size)

    # -- answers --

    def read_answers(self, data: object) -> Facts | None:
        """Facts of JSON answers, or ``None`` when the contract model must validate them."""
        return self._reader.read(data)

    # -- the whole assessment --

    def assess(self, facts: Facts) -> Any:
        """Triage these facts and build the plan: an ``Assessment`` in this representation.

        The clinical decisions (which rules fire, what is unanswered, the phase, which
        recommendations and medicine rules apply) are made afresh for every call. The
        result is a function of exactly those decisions, so it is assembled once per
        distinct set of them and shared (results are immutable; the memo is bounded).
        """
        key, level = self._decide(facts)
        assessment = self._assessments.get(key)
        if assessment is None:
            fired, missing, unanswered, plan, episode = key
            assessment = self._assessments.keep(
                key,
                self._make["Assessment"](
                    contract_version=1,
                    triage=self._triage(fired, missing, level),
                    plan=self._plan(plan),
                    next_questions=self._questions(unanswered),
                    disclaimer=DISCLAIMER,
                    episode=self._make["EpisodeAge"](
                        days=episode.days, source=episode.source, note=episode.note
                    ),
                ),
            )
        return assessment

    def unanswered(self, facts: Facts) -> Any:
        """The questions whose answers are still missing, most dangerous first."""
        settled = self._settled(facts)
        return self._questions(
            tuple([facts[key] is None and key not in settled for key in self._question_keys])
        )

    def _settled(self, facts: Facts) -> frozenset[str]:
        """Unanswered questions that other answers settle as not applicable.

        Such a question is neither asked nor missing; it is not read as "no" either:
        its flag stays unanswered, so it cannot fire or be cleared.
        """
        return frozenset(
            [path for path, applies in self._not_asked if facts[path] is None and applies(facts)]
        )

    def _decide(self, facts: Facts) -> tuple[tuple[Any, ...], str]:
        """Every decision the result depends on, as a key, and the triage level's name."""
        fired = [index for path, index in self._flags if facts[path] is True]
        fired += [index for fires, index in self._rules if fires(facts)]
        rank = max([self._reasons[i][0] for i in fired], default=0)
        level = self._level_names[rank]
        settled = self._settled(facts) if self._not_asked else frozenset()
        missing = tuple([facts[path] is None and path not in settled for path in self._screening])
        unanswered = tuple(
            [facts[key] is None and key not in settled for key in self._question_keys]
        )
        episode = _episode(facts)
        plan = self._plan_decisions(facts, level, episode.note)
        return (tuple(fired), missing, unanswered, plan, episode), level

    # -- triage and questions --

    def _triage(self, fired: tuple[int, ...], unanswered: tuple[bool, ...], level: str) -> Any:
        key = (fired, unanswered)
        triage = self._triages.get(key)
        if triage is not None:
            return triage
        # Most severe first, then knowledge-base order, so the first reason explains the level.
        ordered = sorted(fired, key=lambda i: -self._reasons[i][0])
        missing = tuple(path for path, no in zip(self._screening, unanswered, strict=True) if no)
        summary = self._summaries[level]
        if missing and level != EMERGENCY:
            summary += _INCOMPLETE
        return self._triages.keep(
            key,
            self._make["Triage"](
                level=self._levels[level],
                reasons=tuple(self._reasons[i][1] for i in ordered),
                complete=not missing,
                missing=missing,
                summary=summary,
                emergency=self._emergency if level == EMERGENCY else None,
            ),
        )

    def _questions(self, unanswered: tuple[bool, ...]) -> Any:
        questions = self._unanswered.get(unanswered)
        if questions is None:
            pairs = zip(self._question_items, unanswered, strict=True)
            questions = self._unanswered.keep(
                unanswered, self.rep.many(tuple(q for q, missing in pairs if missing))
            )
        return questions

    # -- the plan --

    def phase_at(self, hours: float) -> tuple[str, Any, float, float | None, str]:
        """The phase containing ``hours`` since onset: name, value, start, end, summary.

        The loader checks that the phases tile the whole timeline.
        """
        for phase in self._phases:
            if phase[2] <= hours and (phase[3] is None or hours < phase[3]):
                return phase
        raise AssertionError("phases do not cover the timeline")  # pragma: no cover

    def exercises_at(self, hours: float) -> tuple[Any, ...]:
        """The exercises the protocol allows ``hours`` after onset (before any triage hold)."""
        return self._exercises[self.phase_at(hours)[0]]

    def _plan_decisions(self, facts: Facts, level: str, timing_note: str | None) -> tuple[Any, ...]:
        """Everything the plan depends on: the phase, and for self-care plans the rest."""
        days = facts["derived.episode_days"]
        at = 0.0 if days is None else days * 24
        phase = self.phase_at(at)[0]
        if level == EMERGENCY:
            return (phase, EMERGENCY)
        return (
            phase,
            level == URGENT,  # exercises wait for a clinician
            days is None,  # onset assumed
            timing_note,
            tuple([rec.fits(at, facts) for rec in self._conditional[phase]]),
            tuple([at >= start for start in self._timetable_from]),
            tuple([left_out(facts) for _, left_out, _ in self._positions]),
            self._medicine_decisions(facts),
            _adult_bmi(facts),
        )

    def _plan(self, decisions: tuple[Any, ...]) -> Any:
        plan = self._plans.get(decisions)
        if plan is not None:
            return plan
        _, phase_value, _, _, summary = self._phase_named[decisions[0]]
        make = self._make
        if decisions[1] == EMERGENCY:
            return self._plans.keep(
                decisions,
                make["CarePlan"](
                    phase=phase_value,
                    phase_note=_EMERGENCY_NOTE,
                    recommendations=(),
                    medications=(),
                    exercises=(),
                    schedule=(),
                    see_doctor_if=(),
                    bmi=None,
                ),
            )
        (phase, hold, assumed_onset, timing_note, applies, timetabled, left_out, medicines, bmi) = (
            decisions
        )
        note = summary + (_ASSUMED_ONSET if assumed_onset else "") + (_URGENT_NOTE if hold else "")
        if timing_note is not None:
            note += " " + timing_note
        if not hold:
            # Say why exercises of this phase are missing (e.g. lying on the back in pregnancy).
            positions = {spec["position"] for spec in self._exercise_specs[phase]}
            for (position, _, why), out in zip(self._positions, left_out, strict=True):
                if out and position in positions:
                    note += " " + why
        recommendations, exercises, schedule = self._day(
            (phase, hold, applies, timetabled, left_out)
        )
        return self._plans.keep(
            decisions,
            make["CarePlan"](
                phase=phase_value,
                phase_note=note,
                recommendations=recommendations,
                medications=self._advice_for(medicines),
                exercises=exercises,
                schedule=schedule,
                see_doctor_if=self._warning_signs,
                bmi=None
                if bmi is None
                else make["BodyMassIndex"](
                    value=bmi, category=bmi_category(bmi), sources=_BMI_SOURCES
                ),
            ),
        )

    def _day(self, key: tuple[Any, ...]) -> tuple[Any, Any, Any]:
        """Recommendations, exercises and schedule of one day.

        ``key`` is (phase, hold, applies, timetabled, positions left out).
        """
        day: tuple[Any, Any, Any] | None = self._days.get(key)
        if day is not None:
            return day
        phase, hold_exercises, applies, timetabled, left_out = key
        excluded = {
            rec.id for rec, ok in zip(self._conditional[phase], applies, strict=True) if not ok
        }
        recs = [
            rec
            for rec in self._by_phase[phase]
            if rec.id not in excluded and not (hold_exercises and rec.exercise)
        ]
        # A variant that applies (e.g. for pregnancy) stands in for the advice it replaces.
        replaced = frozenset().union(*(rec.replaces for rec in recs))
        if replaced:
            recs = [rec for rec in recs if rec.id not in replaced]
        exercises: tuple[Any, ...] = ()
        specs: tuple[Mapping[str, Any], ...] = ()
        if not hold_exercises:
            exercises, specs = self._exercises[phase], self._exercise_specs[phase]
            gone = {pos for (pos, _, _), out in zip(self._positions, left_out, strict=True) if out}
            if gone:
                kept = [
                    (leaf, spec)
                    for leaf, spec in zip(exercises, specs, strict=True)
                    if spec["position"] not in gone
                ]
                exercises = tuple(leaf for leaf, _ in kept)
                specs = tuple(spec for _, spec in kept)
        ready = {0.0}.union(
            start for start, ok in zip(self._timetable_from, timetabled, strict=True) if ok
        )
        many = self.rep.many
        day = (
            many(tuple(rec.item for rec in recs)),
            many(exercises),
            many(self._schedule(recs, specs, ready)),
        )
        return self._days.keep(key, day)  # type: ignore[no-any-return]

    def _schedule(
        self,
        recs: Sequence[_Recommendation],
        exercises: Sequence[Mapping[str, Any]],
        ready: set[float],
    ) -> tuple[Any, ...]:
        make = self._make["ScheduleItem"]
        items: list[tuple[str, str, Any]] = []
        for rec in recs:
            # A recommendation can be offered before it is timetabled (heat from 48 h is an
            # option, but cold stays the scheduled action until 72 h; see conflicts.yaml).
            if rec.schedule is None or rec.schedule[0] not in ready:
                continue
            _, clocks, title, minutes = rec.schedule
            items += [
                (
                    clock,
                    rec.id,
                    make(time=clock, action=rec.id, title=title, minutes=minutes),
                )
                for clock in clocks
            ]
        if exercises:
            per_day = max(spec["item"]["times_per_day"] for spec in exercises)
            title = "Exercise session: " + ", ".join(spec["item"]["name"] for spec in exercises)
            items += [
                (
                    clock,
                    "exercises",
                    make(time=clock, action="exercises", title=title, minutes=None),
                )
                for clock in self._session_clocks[per_day]
            ]
        items.sort(key=lambda item: (item[0], item[1]))
        return tuple(item[2] for item in items)

    # -- medicines --

    def _medicine_decisions(self, facts: Facts) -> tuple[Any, ...]:
        """Whether conditions are unknown, and which rules fire for each medicine."""
        return (
            facts["conditions"] is None,
            tuple([medicine.fired(facts) for medicine in self._medicines]),
        )

    def _advice_for(self, decisions: tuple[Any, ...]) -> Any:
        """Advice for every medicine in the knowledge base, in knowledge-base order."""
        advice = self._advice.get(decisions)
        if advice is None:
            unknown, fired = decisions
            advice = self._advice.keep(
                decisions,
                self.rep.many(
                    tuple(
                        self._advise(medicine, unknown, rules)
                        for medicine, rules in zip(self._medicines, fired, strict=True)
                    )
                ),
            )
        return advice

    def _advise(self, medicine: _Medicine, unknown: bool, fired: tuple[int, ...]) -> Any:
        med = medicine.spec
        rank = self._status_rank
        status = SUITABLE
        reasons: list[str] = []
        sources = list(med["sources"])
        max_daily_mg, usual_dose = med["max_daily_mg"], None
        if not med["otc"]:
            status = ASK_FIRST
        elif unknown:
            status = ASK_FIRST
            reasons.append(_UNKNOWN_CONDITIONS)
        for index in fired:
            rule_status, reason, rule_sources, rule_max, rule_dose = medicine.rules[index]
            status = max(status, rule_status, key=rank.__getitem__)
            reasons.append(reason)
            sources.extend(s for s in rule_sources if s not in sources)
            # The lowest maximum wins; 0 means none can be given here (None stays None).
            if rule_max is not None and max_daily_mg is not None:
                max_daily_mg = min(max_daily_mg, rule_max) or None
            if usual_dose is None:
                usual_dose = rule_dose
        if not med["otc"] and not reasons:
            reasons.append(_NOT_OTC)
        return self._make["MedicineAdvice"](
            drug=med["id"],
            name=med["name"],
            status=self._statuses[status],
            reasons=tuple(dict.fromkeys(reasons)),
            usual_dose=med["usual_dose"] if usual_dose is None else usual_dose,
            min_interval_hours=med["min_interval_hours"],
            max_daily_mg=max_daily_mg,
            max_days=med["max_days"],
            notes=tuple(med["notes"]),
            sources=tuple(sources),
        )
