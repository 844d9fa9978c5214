"""Export and import the whole diary: a versioned, lossless JSON or CSV file.

Format ``backcare-diary`` version 1 (documented in ``docs/diary.md``). JSON::

    {"format": "backcare-diary", "version": 1, "episodes": [
      {"uid": "...", "onset_at": "2026-01-05T08:00:00Z", ..., "answers": {...},
       "assessment": {...},
       "checkins": [{"recorded_at": "...", "pain": 6, ..., "activities": [...],
                     "actions": [...], "doses": [...]}],
       "doses": [...],            # doses logged without a check-in
       "coach_sessions": [{"started_at": "...", "ended_at": "...", "phase": "acute",
                           ..., "exercises": [{"exercise_id": "pelvic_tilt", ...}]}],
       "questionnaires": [{"questionnaire": "odi", "version": "2.1a",
                           "answered_at": "...", "answers": {"walking": "2", ...}}]}]}

CSV: the first row is ``format,backcare-diary,version,1``, the second the column
names, then one row per record (``episode``, ``checkin``, ``activity``, ``action``,
``dose``, ``coach_session``, ``coach_exercise``, ``questionnaire``), and last the trailer
``end,N`` with the number of records, so a file cut short is refused. Coach
sessions are numbered within their episode (column ``session``) and their
exercises refer to that number; the coach columns come last, and a file written
before coach sessions were exported (without those columns, or without
``coach_sessions`` in JSON) still imports; so does one written before questionnaire
responses were exported (their columns ``questionnaire`` and ``version`` come last; a
response's time is in ``at`` and its answers in ``answers``). A response to a
questionnaire the knowledge base defines must score (its answers are checked as when
it was filled in); one to a questionnaire it no longer has is kept as it is.
JSON-valued cells (answers, reasons, reps) hold compact JSON and an empty cell is
"none". A cell a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``,
``@``, tab or carriage return, OWASP's list) or that starts with ``'`` gets a leading
``'``, which import takes off again.

The JSON Schema of the document is :data:`SCHEMA_FILE` (generated from
:class:`DiaryDocument`; a test pins the two together). Nothing in the file depends
on database ids (episodes have a uid, check-ins are numbered within their
episode), so export → import → export gives the same bytes.

Import checks everything before it writes, in one transaction: the document's
shape and bounds, that its times are possible (nothing in the future, check-ins
and doses within their episode), that answers updates set no derived field, and
every dose as a check-in would: a known medicine (brand names mapped through the
knowledge base's aliases and stored by its id), and within the label limits
counting the diary's own doses, unless the file records the override. Import
checks the label's daily maximum, not a maximum the person's plan lowers or
removes: those doses were taken and recorded already (older diaries checked only
the label), and refusing them would lose them; the clinician report shows them
against the plan's limit. A malformed,
foreign or unsafe file raises :class:`~backcare.errors.ImportFormatError` naming
the record and field, and changes nothing; an episode already in the diary raises
:class:`~backcare.errors.ConflictError`.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.resources import files
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from backcare.diary.escalation import effective_answers
from backcare.diary.inputs import (
    CLOCK_SKEW,
    DERIVED_ANSWERS,
    DOSE_LEAD_TIME,
    MAX_ACTION_COUNT,
    MAX_ACTIVITY_NAME,
    MAX_MG,
    bounded_time,
    check_free_text,
)
from backcare.diary.medicines import DAY, check_dose
from backcare.domain.answers import parse_answers
from backcare.domain.enums import MedicineStatus, Phase, Sides, Trend, TriageLevel, Trigger
from backcare.domain.exercise import Side, Step, Symptom
from backcare.domain.results import Reason
from backcare.errors import (
    ConflictError,
    FieldProblem,
    ImportFormatError,
    InputError,
    StoreError,
    json_syntax,
    validation_problems,
)
from backcare.i18n import N_, gettext
from backcare.knowledge.questionnaires import Questionnaires, load_questionnaires
from backcare.knowledge.schema import KnowledgeBase, Medicine
from backcare.measures import score_questionnaire
from backcare.rules.assessor import Engine
from backcare.store import (
    ActionCount,
    ActivityScore,
    CheckInRecord,
    DiaryRepository,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    NewCheckIn,
    NewDose,
    NewEpisode,
    SelfCareAction,
    Store,
)
from backcare.store.coach import (
    CoachRepository,
    CoachSessionRecord,
    NewCoachExercise,
    NewCoachSession,
)
from backcare.store.questionnaires import (
    NewQuestionnaireResponse,
    QuestionnaireRepository,
    QuestionnaireResponseRecord,
)
from backcare.viewmodels.summary import episode_summary

__all__ = [
    "CSV_COLUMNS",
    "FORMAT",
    "MAX_DEPTH",
    "SCHEMA_FILE",
    "VERSION",
    "DiaryDocument",
    "ExportFormat",
    "ImportResult",
    "QuestionnaireResponseDoc",
    "dump",
    "episode_data",
    "episode_document",
    "export_data",
    "export_diary",
    "import_diary",
    "json_schema",
    "parse",
    "published_schema",
    "schema_text",
]

FORMAT: Final = "backcare-diary"
VERSION: Final = 1
#: The JSON Schema of the export document, shipped in the package.
SCHEMA_FILE: Final = "backcare-diary.schema.json"
#: Exports nest about eight levels deep; anything far deeper is hostile, not a diary.
MAX_DEPTH: Final = 32
#: No import time is earlier than this (and none reaches the ends of the calendar).
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)


class ExportFormat(StrEnum):
    """File formats of the diary export."""

    JSON = "json"
    CSV = "csv"


_DOC = ConfigDict(extra="forbid", strict=True, frozen=True)
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Score = Annotated[int, Field(ge=0, le=10)]
#: Ten years of self-care days: far beyond any episode, far below any integer limit.
MAX_DAYS = 3650


class ReasonDoc(BaseModel):
    """A triage reason as stored with a check-in."""

    model_config = _DOC

    id: Text
    message: Text
    level: TriageLevel
    sources: tuple[str, ...]


class ActivityDoc(BaseModel):
    """A PSFS activity rating."""

    model_config = _DOC

    name: Annotated[str, Field(min_length=1, max_length=MAX_ACTIVITY_NAME)]
    score: Score


class ActionDoc(BaseModel):
    """A self-care action with its count."""

    model_config = _DOC

    action: SelfCareAction
    count: Annotated[int, Field(ge=1, le=MAX_ACTION_COUNT)]


class DoseDoc(BaseModel):
    """A dose of a medicine."""

    model_config = _DOC

    drug: Annotated[str, Field(min_length=1, max_length=60)]
    mg: Annotated[int, Field(ge=1, le=MAX_MG)]
    taken_at: AwareDatetime
    overridden: bool = False
    override_reason: Text | None = None


class CheckInDoc(BaseModel):
    """A check-in with what was logged in it."""

    model_config = _DOC

    recorded_at: AwareDatetime
    pain: Score
    worst_pain: Score | None = None
    days_of_self_care: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    trend: Trend | None = None
    triage_level: TriageLevel
    triage_reasons: tuple[ReasonDoc, ...] = ()
    answers_update: Annotated[dict[str, Any], Field(min_length=1)] | None = None
    note: Text | None = None
    activities: Annotated[tuple[ActivityDoc, ...], Field(max_length=3)] = ()
    actions: tuple[ActionDoc, ...] = ()
    doses: tuple[DoseDoc, ...] = ()


#: A session or hold far longer than any exercise plan (a day): hostile, not a diary.
MAX_SESSION_SECONDS = 86_400
Seconds = Annotated[float, Field(ge=0, le=MAX_SESSION_SECONDS, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10_000)]
_SIDES_OF = {Sides.BOTH: {Side.BOTH}, Sides.EACH: {Side.LEFT, Side.RIGHT}}


class CoachExerciseDoc(BaseModel):
    """One exercise of a coach session: target, what was achieved, the progression step."""

    model_config = _DOC

    exercise_id: Annotated[str, Field(min_length=1, max_length=60)]
    sides: Sides
    target_hold_seconds: Annotated[int, Field(ge=1, le=MAX_SESSION_SECONDS)]
    target_reps: Annotated[int, Field(ge=1, le=10_000)]
    achieved_hold_seconds: Seconds
    reps: dict[Side, Count]
    skipped: bool
    step: Step
    step_reason: Text

    @model_validator(mode="after")
    def _reps_match_sides(self) -> CoachExerciseDoc:
        if set(self.reps) != _SIDES_OF[self.sides]:
            expected = " and ".join(sorted(side.value for side in _SIDES_OF[self.sides]))
            raise ValueError(gettext("reps must be given for {expected}").format(expected=expected))
        return self


class CoachSessionDoc(BaseModel):
    """A coach session as far as it got, with its exercises in the planned order."""

    model_config = _DOC

    started_at: AwareDatetime
    ended_at: AwareDatetime
    phase: Phase
    pain_before: Score | None = None
    pain_after: Score | None = None
    quit_early: bool
    symptom: Symptom | None = None
    stopped_for_symptom: bool = False
    triage_level: TriageLevel | None = None
    active_seconds: Seconds = 0.0
    exercises: Annotated[tuple[CoachExerciseDoc, ...], Field(max_length=50)] = ()

    @model_validator(mode="after")
    def _consistent(self) -> CoachSessionDoc:
        if self.stopped_for_symptom and self.symptom is None:
            raise ValueError(gettext("stopped_for_symptom needs the symptom"))
        return self


class QuestionnaireResponseDoc(BaseModel):
    """A completed questionnaire: which one, its version, when, and the answer per item."""

    model_config = _DOC

    questionnaire: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    version: Annotated[str, Field(min_length=1, max_length=60)]
    answered_at: AwareDatetime
    answers: Annotated[
        dict[
            Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)],
            Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=40)],
        ],
        Field(max_length=200),
    ]


class EpisodeDoc(BaseModel):
    """An episode with its check-ins and the doses logged outside check-ins."""

    model_config = _DOC

    uid: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    onset_at: AwareDatetime
    started_at: AwareDatetime
    trigger: Trigger | None = None
    status: EpisodeStatus
    resolved_at: AwareDatetime | None = None
    summary: Text | None = None
    answers: dict[str, Any]
    assessment: Annotated[dict[str, Any], Field(min_length=1)]
    checkins: tuple[CheckInDoc, ...] = ()
    doses: tuple[DoseDoc, ...] = ()
    # Added after version 1 was published: a file without it has no sessions.
    coach_sessions: tuple[CoachSessionDoc, ...] = ()
    # Added later still: a file without it has no questionnaire responses.
    questionnaires: Annotated[tuple[QuestionnaireResponseDoc, ...], Field(max_length=1000)] = ()


class DiaryDocument(BaseModel):
    """A whole exported diary, format ``backcare-diary`` version 1."""

    model_config = _DOC

    format: Literal["backcare-diary"] = "backcare-diary"
    version: Literal[1] = 1
    episodes: tuple[EpisodeDoc, ...] = ()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the export document, as shipped in :data:`SCHEMA_FILE`.

    Generated from :class:`DiaryDocument` (import validates against that model);
    times are further bounded by import's own checks (see the module docstring).
    """
    schema = DiaryDocument.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def schema_text() -> str:
    """:func:`json_schema` as the text of :data:`SCHEMA_FILE` (``make docs`` writes it)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def published_schema() -> str:
    """The text of the schema file shipped in the package."""
    return (files("backcare.export") / SCHEMA_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How much an import added."""

    episodes: int
    checkins: int
    doses: int
    coach_sessions: int = 0
    questionnaires: int = 0


# --- export -------------------------------------------------------------------------


def _dose_doc(dose: DoseRecord) -> DoseDoc:
    return DoseDoc.model_construct(
        drug=dose.drug,
        mg=dose.mg,
        taken_at=dose.taken_at,
        overridden=dose.overridden,
        override_reason=dose.override_reason,
    )


def _checkin_doc(checkin: CheckInRecord) -> CheckInDoc:
    return CheckInDoc.model_construct(
        recorded_at=checkin.recorded_at,
        pain=checkin.pain,
        worst_pain=checkin.worst_pain,
        days_of_self_care=checkin.days_of_self_care,
        trend=checkin.trend,
        triage_level=checkin.triage_level,
        triage_reasons=tuple(
            ReasonDoc.model_construct(id=r.id, message=r.message, level=r.level, sources=r.sources)
            for r in checkin.triage_reasons
        ),
        answers_update=checkin.answers_update,
        note=checkin.note,
        activities=tuple(
            ActivityDoc.model_construct(name=a.name, score=a.score) for a in checkin.activities
        ),
        actions=tuple(
            ActionDoc.model_construct(action=a.action, count=a.count) for a in checkin.actions
        ),
        doses=tuple(_dose_doc(d) for d in checkin.doses),
    )


def _session_doc(session: CoachSessionRecord) -> CoachSessionDoc:
    return CoachSessionDoc.model_construct(
        started_at=session.started_at,
        ended_at=session.ended_at,
        phase=session.phase,
        pain_before=session.pain_before,
        pain_after=session.pain_after,
        quit_early=session.quit_early,
        symptom=session.symptom,
        stopped_for_symptom=session.stopped_for_symptom,
        triage_level=session.triage_level,
        active_seconds=session.active_seconds,
        exercises=tuple(
            CoachExerciseDoc.model_construct(
                exercise_id=e.exercise_id,
                sides=e.sides,
                target_hold_seconds=e.target_hold_seconds,
                target_reps=e.target_reps,
                achieved_hold_seconds=e.achieved_hold_seconds,
                reps=dict(e.reps),
                skipped=e.skipped,
                step=e.step,
                step_reason=e.step_reason,
            )
            for e in session.exercises
        ),
    )


def episode_document(
    episode: EpisodeRecord,
    checkins: Sequence[CheckInRecord],
    doses: Sequence[DoseRecord],
    sessions: Sequence[CoachSessionRecord] = (),
    responses: Sequence[QuestionnaireResponseRecord] = (),
) -> EpisodeDoc:
    """One episode in the export format (also the JSON of ``backcare history --json``)."""
    trigger = None
    if episode.trigger is not None:
        trigger = Trigger(episode.trigger)
    return EpisodeDoc.model_construct(
        uid=episode.uid,
        onset_at=episode.onset_at,
        started_at=episode.started_at,
        trigger=trigger,
        status=episode.status,
        resolved_at=episode.resolved_at,
        summary=episode_summary(episode),
        answers=episode.answers,
        assessment=episode.assessment,
        checkins=tuple(_checkin_doc(c) for c in checkins),
        doses=tuple(_dose_doc(d) for d in doses if d.checkin_id is None),
        coach_sessions=tuple(_session_doc(s) for s in sessions),
        questionnaires=tuple(
            QuestionnaireResponseDoc.model_construct(**_response_data(r, timed=False))
            for r in responses
        ),
    )


def _time(value: datetime | None) -> str | None:
    # The same text pydantic writes for an aware UTC datetime (a test pins the two together).
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _dose_data(dose: DoseRecord) -> dict[str, Any]:
    return {
        "drug": dose.drug,
        "mg": dose.mg,
        "taken_at": _time(dose.taken_at),
        "overridden": dose.overridden,
        "override_reason": dose.override_reason,
    }


def _session_data(session: CoachSessionRecord) -> dict[str, Any]:
    return {
        "started_at": _time(session.started_at),
        "ended_at": _time(session.ended_at),
        "phase": session.phase.value,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "quit_early": session.quit_early,
        "symptom": None if session.symptom is None else session.symptom.value,
        "stopped_for_symptom": session.stopped_for_symptom,
        "triage_level": None if session.triage_level is None else session.triage_level.value,
        "active_seconds": session.active_seconds,
        "exercises": [
            {
                "exercise_id": e.exercise_id,
                "sides": e.sides.value,
                "target_hold_seconds": e.target_hold_seconds,
                "target_reps": e.target_reps,
                "achieved_hold_seconds": e.achieved_hold_seconds,
                "reps": {side.value: n for side, n in e.reps.items()},
                "skipped": e.skipped,
                "step": e.step.value,
                "step_reason": e.step_reason,
            }
            for e in session.exercises
        ],
    }


def _response_data(response: QuestionnaireResponseRecord, *, timed: bool = True) -> dict[str, Any]:
    return {
        "questionnaire": response.questionnaire,
        "version": response.version,
        "answered_at": _time(response.answered_at) if timed else response.answered_at,
        "answers": dict(response.answers),
    }


def episode_data(
    episode: EpisodeRecord,
    checkins: Sequence[CheckInRecord],
    doses: Sequence[DoseRecord],
    sessions: Sequence[CoachSessionRecord] = (),
    responses: Sequence[QuestionnaireResponseRecord] = (),
) -> dict[str, Any]:
    """One episode as JSON-ready data in the export format, built directly for speed.

    Equal to ``episode_document(...).model_dump(mode="json")``.
    """
    reasons: dict[int, list[dict[str, Any]]] = {}
    return {
        "uid": episode.uid,
        "onset_at": _time(episode.onset_at),
        "started_at": _time(episode.started_at),
        "trigger": episode.trigger,
        "status": episode.status.value,
        "resolved_at": _time(episode.resolved_at),
        "summary": episode_summary(episode),
        "answers": episode.answers,
        "assessment": episode.assessment,
        "checkins": [
            {
                "recorded_at": _time(c.recorded_at),
                "pain": c.pain,
                "worst_pain": c.worst_pain,
                "days_of_self_care": c.days_of_self_care,
                "trend": None if c.trend is None else c.trend.value,
                "triage_level": c.triage_level.value,
                # Reason tuples are shared between check-ins: encode each once.
                "triage_reasons": reasons.get(id(c.triage_reasons))
                or reasons.setdefault(
                    id(c.triage_reasons),
                    [
                        {
                            "id": r.id,
                            "message": r.message,
                            "level": r.level.value,
                            "sources": list(r.sources),
                        }
                        for r in c.triage_reasons
                    ],
                ),
                "answers_update": c.answers_update,
                "note": c.note,
                "activities": [{"name": a.name, "score": a.score} for a in c.activities],
                "actions": [{"action": a.action.value, "count": a.count} for a in c.actions],
                "doses": [_dose_data(d) for d in c.doses],
            }
            for c in checkins
        ],
        "doses": [_dose_data(d) for d in doses if d.checkin_id is None],
        "coach_sessions": [_session_data(s) for s in sessions],
        "questionnaires": [_response_data(r) for r in responses],
    }


def export_data(repo: DiaryRepository) -> dict[str, Any]:
    """The whole diary as JSON-ready data in the export format."""
    coach = CoachRepository(repo)
    answered = QuestionnaireRepository(repo)
    return {
        "format": FORMAT,
        "version": VERSION,
        "episodes": [
            episode_data(e, *repo.history(e.id), coach.sessions(e.id), answered.responses(e.id))
            for e in repo.episodes()
        ],
    }


def export_diary(store: Store, *, fmt: ExportFormat | str = ExportFormat.JSON) -> str:
    """The whole diary as the text of a JSON or CSV export file.

    Raises:
        InputError: an unknown format.
    """
    chosen = _format(fmt)
    with store.read() as repo:
        data = export_data(repo)
    return _serialise(data, chosen)


def dump(document: DiaryDocument, *, fmt: ExportFormat | str = ExportFormat.JSON) -> str:
    """Serialise a document as JSON or CSV text.

    Raises:
        InputError: an unknown format.
    """
    return _serialise(document.model_dump(mode="json"), _format(fmt))


def _format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        raise InputError(
            gettext("unknown export format {fmt!r}").format(fmt=fmt),
            problems=[FieldProblem("--format", gettext("json or csv"))],
        ) from None


def _serialise(data: dict[str, Any], fmt: ExportFormat) -> str:
    if fmt is ExportFormat.JSON:
        try:
            # JSON has no NaN: writing a bare NaN would make a file nothing reads back.
            return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        except ValueError as exc:
            raise StoreError(
                gettext(
                    "the diary holds a number JSON cannot carry (NaN or "
                    "infinity): it was not written by backcare"
                )
            ) from exc
    return _to_csv(data)


CSV_COLUMNS: tuple[str, ...] = (
    "record",
    "episode",
    "checkin",
    "at",
    "onset_at",
    "started_at",
    "trigger",
    "status",
    "resolved_at",
    "summary",
    "answers",
    "assessment",
    "pain",
    "worst_pain",
    "days_of_self_care",
    "trend",
    "triage_level",
    "triage_reasons",
    "answers_update",
    "note",
    "name",
    "score",
    "action",
    "count",
    "drug",
    "mg",
    "overridden",
    "override_reason",
    # Coach sessions (added later: a file without these columns still imports).
    "session",
    "ended_at",
    "phase",
    "pain_before",
    "pain_after",
    "quit_early",
    "symptom",
    "stopped_for_symptom",
    "active_seconds",
    "exercise",
    "sides",
    "target_hold_seconds",
    "target_reps",
    "achieved_hold_seconds",
    "reps",
    "skipped",
    "step",
    "step_reason",
    # Questionnaire responses (added later: a file without these columns still imports).
    "questionnaire",
    "version",
)
#: The columns of files written before coach sessions were exported.
_CSV_COLUMNS_BEFORE_COACH = CSV_COLUMNS[: CSV_COLUMNS.index("session")]
#: The columns of files written before questionnaire responses were exported.
_CSV_COLUMNS_BEFORE_QUESTIONNAIRES = CSV_COLUMNS[: CSV_COLUMNS.index("questionnaire")]
_JSON_CELLS = frozenset({"answers", "assessment", "triage_reasons", "answers_update", "reps"})
_INT_CELLS = frozenset(
    {
        "pain",
        "worst_pain",
        "days_of_self_care",
        "score",
        "count",
        "mg",
        "session",
        "pain_before",
        "pain_after",
        "target_hold_seconds",
        "target_reps",
    }
)
_FLOAT_CELLS = frozenset({"active_seconds", "achieved_hold_seconds"})
_BOOL_CELLS = frozenset({"overridden", "quit_early", "stopped_for_symptom", "skipped"})


#: What a spreadsheet runs as a formula at the start of a cell (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_END = "end"


def _neutral(text: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run (or to one already starting ``'``)."""
    return "'" + text if text.startswith((*_FORMULA_STARTS, "'")) else text


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _JSON_CELLS:
        return _neutral(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, bool):
        return "true" if value else "false"
    return _neutral(str(value))


def _csv_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for episode in data["episodes"]:
        uid = episode["uid"]
        yield {
            "record": "episode",
            "episode": uid,
            **{k: episode[k] for k in ("onset_at", "started_at", "trigger", "status")},
            **{k: episode[k] for k in ("resolved_at", "summary", "answers", "assessment")},
        }
        for seq, checkin in enumerate(episode["checkins"], 1):
            yield {
                "record": "checkin",
                "episode": uid,
                "checkin": seq,
                "at": checkin["recorded_at"],
                **{
                    k: checkin[k]
                    for k in (
                        "pain",
                        "worst_pain",
                        "days_of_self_care",
                        "trend",
                        "triage_level",
                        "triage_reasons",
                        "answers_update",
                        "note",
                    )
                },
            }
            for activity in checkin["activities"]:
                yield {"record": "activity", "episode": uid, "checkin": seq, **activity}
            for action in checkin["actions"]:
                yield {"record": "action", "episode": uid, "checkin": seq, **action}
            for dose in checkin["doses"]:
                yield _dose_row(uid, seq, dose)
        for dose in episode["doses"]:
            yield _dose_row(uid, None, dose)
        for number, session in enumerate(episode.get("coach_sessions", ()), 1):
            yield {
                "record": "coach_session",
                "episode": uid,
                "session": number,
                "at": session["started_at"],
                **{k: v for k, v in session.items() if k not in ("started_at", "exercises")},
            }
            for exercise in session["exercises"]:
                yield {
                    "record": "coach_exercise",
                    "episode": uid,
                    "session": number,
                    "exercise": exercise["exercise_id"],
                    **{k: v for k, v in exercise.items() if k != "exercise_id"},
                }
        for response in episode.get("questionnaires", ()):
            yield {
                "record": "questionnaire",
                "episode": uid,
                "at": response["answered_at"],
                **{k: response[k] for k in ("questionnaire", "version", "answers")},
            }


def _dose_row(uid: str, seq: int | None, dose: dict[str, Any]) -> dict[str, Any]:
    return {
        "record": "dose",
        "episode": uid,
        "checkin": seq,
        "at": dose["taken_at"],
        **{k: dose[k] for k in ("drug", "mg", "overridden", "override_reason")},
    }


def _to_csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # "\r\n" line ends: any \r or \n inside a cell is quoted
    writer.writerow(["format", FORMAT, "version", str(VERSION)])
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in _csv_rows(data):
        writer.writerow([_cell(c, row.get(c)) for c in CSV_COLUMNS])
        count += 1
    writer.writerow([_END, str(count)])
    return buffer.getvalue()


# --- import -------------------------------------------------------------------------


def _foreign(detail: str) -> ImportFormatError:
    return ImportFormatError(
        gettext("not a backcare diary export (expected format {format!r})").format(format=FORMAT),
        problems=[FieldProblem("format", detail)],
    )


def _check_version(version: object) -> None:
    # ``True == 1`` and ``1.0 == 1`` in Python: only the integer itself is version 1.
    if type(version) is not int or version != VERSION:
        raise ImportFormatError(
            gettext("unsupported diary export version {version!r}").format(version=version),
            problems=[
                FieldProblem(
                    "version",
                    gettext("this backcare reads version {version}").format(version=VERSION),
                )
            ],
        )


def _no_constant(name: str) -> Any:
    raise ValueError(gettext("{name} is not a JSON number").format(name=name))


def _load_json(text: str, where: str, *, invalid: str = N_("the file is not valid JSON")) -> Any:
    """JSON text as data; NaN, infinities, huge or too deeply nested values refused."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            gettext(invalid),
            problems=[
                FieldProblem(
                    where,
                    json_syntax(exc.msg, exc.lineno, exc.colno),
                )
            ],
        ) from exc
    except RecursionError:
        raise _nested_too_deep(where) from None
    except ValueError as exc:  # NaN/Infinity, or an integer of thousands of digits
        raise ImportFormatError(
            gettext("the file holds a value JSON import refuses"),
            problems=[FieldProblem(where, str(exc))],
        ) from exc
    if _too_deep(data):
        raise _nested_too_deep(where)
    return data


def _nested_too_deep(where: str) -> ImportFormatError:
    return ImportFormatError(
        gettext("the file is nested too deeply to be a backcare diary"),
        problems=[
            FieldProblem(where, gettext("more than {max_depth} levels").format(max_depth=MAX_DEPTH))
        ],
    )


def _too_deep(data: Any) -> bool:
    """Whether ``data`` nests deeper than :data:`MAX_DEPTH` (iteratively: no recursion)."""
    if not isinstance(data, dict | list):
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def parse(text: str, *, now: datetime | None = None) -> DiaryDocument:
    """Parse and validate the text of an export file (JSON or CSV, told apart by content).

    Args:
        text: the file's text.
        now: the current time, for "not in the future" (default: the system clock).

    Raises:
        ImportFormatError: not a backcare diary, an unknown version, or invalid content;
            each problem names the place (``episodes.0.checkins.3.pain`` or ``row 12``).
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        data = _load_json(stripped, "")
    elif stripped.startswith("format,"):
        data = _from_csv(stripped)
    else:
        raise _foreign(gettext("the file is neither a backcare JSON nor a backcare CSV export"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise _foreign(gettext("found {found!r}").format(found=found))
    _check_version(data.get("version"))
    try:
        document = DiaryDocument.model_validate_json(json.dumps(data, allow_nan=False))
    except ValidationError as exc:
        raise ImportFormatError(
            gettext("the diary file has invalid content"),
            problems=validation_problems(
                exc.errors(), field=lambda loc: ".".join(map(str, loc)), limit=20
            ),
        ) from exc
    _check_semantics(document, now=datetime.now(UTC) if now is None else now)
    return document


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, 1)
    except csv.Error as exc:
        raise ImportFormatError(
            gettext("the CSV file is malformed"), problems=[FieldProblem("csv", str(exc))]
        ) from exc


def _from_csv(text: str) -> dict[str, Any]:
    rows = _rows(text)
    _, header = next(rows)
    if len(header) != 4 or header[:3] != ["format", FORMAT, "version"]:
        raise _foreign(gettext("first row is {header!r}").format(header=",".join(header)))
    # Only the text export writes is version 1 ("01", " 1" or "+1" are not).
    version: int | str = VERSION if header[3] == str(VERSION) else header[3]
    _check_version(version)
    number, columns = next(rows, (2, []))
    width = len(columns)
    if tuple(columns) not in (
        CSV_COLUMNS,
        _CSV_COLUMNS_BEFORE_COACH,
        _CSV_COLUMNS_BEFORE_QUESTIONNAIRES,
    ):
        raise ImportFormatError(
            gettext("the CSV columns are not those of a backcare diary"),
            problems=[
                FieldProblem(
                    f"row {number}",
                    gettext("expected: {columns}").format(columns=",".join(CSV_COLUMNS)),
                )
            ],
        )
    episodes: list[dict[str, Any]] = []
    by_uid: dict[str, dict[str, Any]] = {}
    records = 0
    end: tuple[int, list[str]] | None = None
    for number, row in rows:
        if end is not None:
            if not row:  # a blank line an editor added after the end row
                continue
            raise ImportFormatError(
                gettext("the CSV file goes on after its end row"),
                problems=[FieldProblem(f"row {number}", gettext("nothing may follow the end row"))],
            )
        if row[:1] == [_END]:
            end = number, row
            continue
        records += 1
        if len(row) != width:
            raise ImportFormatError(
                gettext("a CSV row has the wrong number of cells"),
                problems=[
                    FieldProblem(
                        f"row {number}", gettext("{row_count} cells").format(row_count=len(row))
                    )
                ],
            )
        # An older file's rows lack the coach columns: they read as empty.
        row = row + [""] * (len(CSV_COLUMNS) - width)
        cells = {c: _value(c, v, number) for c, v in zip(CSV_COLUMNS, row, strict=True)}
        _place(cells, number, episodes, by_uid)
    _check_end(end, records)
    return {"format": FORMAT, "version": version, "episodes": episodes}


def _check_end(end: tuple[int, list[str]] | None, records: int) -> None:
    """The trailer must be there and count every record: else the file was cut short."""
    if end is None:
        raise ImportFormatError(
            gettext("the CSV file is incomplete: its end row is missing (was it cut short?)"),
            problems=[
                FieldProblem(
                    "csv",
                    gettext("{records} records read, no 'end,N' row after them").format(
                        records=records
                    ),
                )
            ],
        )
    number, row = end
    if len(row) != 2 or row[1] != str(records):
        raise ImportFormatError(
            gettext("the CSV file is incomplete: its end row does not match the records read"),
            problems=[
                FieldProblem(
                    f"row {number}",
                    gettext("{records} records read, end row {row!r}").format(
                        records=records, row=row
                    ),
                )
            ],
        )


def _value(column: str, text: str, number: int) -> Any:
    if text == "":
        return None
    if text.startswith("'"):  # neutralised on export (see _neutral)
        text = text[1:]
    try:
        if column in _JSON_CELLS:
            return _load_json(
                text, f"row {number}, {column}", invalid=N_("a CSV cell cannot be read")
            )
        if column in _INT_CELLS:
            return int(text)
        if column in _FLOAT_CELLS:
            return float(text)
    except ValueError as exc:
        raise ImportFormatError(
            gettext("a CSV cell cannot be read"),
            problems=[FieldProblem(f"row {number}, {column}", str(exc))],
        ) from exc
    if column in _BOOL_CELLS:
        if text not in ("true", "false"):
            raise ImportFormatError(
                gettext("a CSV cell cannot be read"),
                problems=[
                    FieldProblem(f"row {number}, {column}", gettext("must be true or false"))
                ],
            )
        return text == "true"
    return text


def _only(cells: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: cells[k] for k in keys if cells[k] is not None}


def _place(
    cells: dict[str, Any],
    number: int,
    episodes: list[dict[str, Any]],
    by_uid: dict[str, dict[str, Any]],
) -> None:
    record, uid = cells["record"], cells["episode"]
    where = f"row {number}"
    if record == "episode":
        new = _only(
            cells,
            ("onset_at", "started_at", "trigger", "status", "resolved_at", "summary"),
        ) | {"uid": uid, "answers": cells["answers"], "assessment": cells["assessment"]}
        new |= {"checkins": [], "doses": [], "coach_sessions": [], "questionnaires": []}
        if uid in by_uid:
            raise ImportFormatError(
                gettext("duplicate episode"), problems=[FieldProblem(where, uid)]
            )
        episodes.append(new)
        by_uid[str(uid)] = new
        return
    episode = by_uid.get(str(uid))
    if episode is None:
        raise ImportFormatError(
            gettext("a row refers to an episode not given before it"),
            problems=[FieldProblem(where, gettext("episode {uid!r}").format(uid=uid))],
        )
    if record in ("coach_session", "coach_exercise"):
        _place_coach(cells, where, episode)
        return
    if record == "questionnaire":
        episode["questionnaires"].append(
            _only(cells, ("questionnaire", "version", "answers")) | {"answered_at": cells["at"]}
        )
        return
    seq = cells["checkin"]
    checkin: dict[str, Any] | None = None
    if seq is not None:
        try:
            index = int(seq)
        except ValueError:
            index = 0
        checkins = episode["checkins"]
        if record == "checkin":
            if index != len(checkins) + 1:
                raise ImportFormatError(
                    gettext("check-ins must be numbered 1, 2, 3... within their episode"),
                    problems=[FieldProblem(where, gettext("checkin {seq!r}").format(seq=seq))],
                )
        elif not 1 <= index <= len(checkins):
            raise ImportFormatError(
                gettext("a row refers to a check-in not given before it"),
                problems=[FieldProblem(where, gettext("checkin {seq!r}").format(seq=seq))],
            )
        else:
            checkin = checkins[index - 1]
    if record == "checkin":
        if seq is None:
            raise ImportFormatError(
                gettext("a check-in row needs its number"),
                problems=[FieldProblem(where, gettext("checkin"))],
            )
        fields = (
            "pain",
            "worst_pain",
            "days_of_self_care",
            "trend",
            "triage_level",
            "answers_update",
            "note",
        )
        episode["checkins"].append(
            _only(cells, fields)
            | {
                "recorded_at": cells["at"],
                "triage_reasons": cells["triage_reasons"] or [],
                "activities": [],
                "actions": [],
                "doses": [],
            }
        )
    elif record == "activity" and checkin is not None:
        checkin["activities"].append(_only(cells, ("name", "score")))
    elif record == "action" and checkin is not None:
        checkin["actions"].append(_only(cells, ("action", "count")))
    elif record == "dose":
        dose = _only(cells, ("drug", "mg", "overridden", "override_reason"))
        dose["taken_at"] = cells["at"]
        (checkin["doses"] if checkin is not None else episode["doses"]).append(dose)
    else:
        raise ImportFormatError(
            gettext("unknown or misplaced CSV record"),
            problems=[FieldProblem(where, gettext("record {record!r}").format(record=record))],
        )


_SESSION_FIELDS = (
    "ended_at",
    "phase",
    "pain_before",
    "pain_after",
    "quit_early",
    "symptom",
    "stopped_for_symptom",
    "triage_level",
    "active_seconds",
)
_EXERCISE_FIELDS = (
    "sides",
    "target_hold_seconds",
    "target_reps",
    "achieved_hold_seconds",
    "reps",
    "skipped",
    "step",
    "step_reason",
)


def _place_coach(cells: dict[str, Any], where: str, episode: dict[str, Any]) -> None:
    """Add a coach session row, or an exercise row to the session it numbers."""
    sessions: list[dict[str, Any]] = episode["coach_sessions"]
    number = cells["session"]
    if cells["record"] == "coach_session":
        if number != len(sessions) + 1:
            raise ImportFormatError(
                gettext("coach sessions must be numbered 1, 2, 3... within their episode"),
                problems=[FieldProblem(where, gettext("session {number!r}").format(number=number))],
            )
        sessions.append(
            _only(cells, _SESSION_FIELDS) | {"started_at": cells["at"], "exercises": []}
        )
        return
    if number is None or not 1 <= number <= len(sessions):
        raise ImportFormatError(
            gettext("a row refers to a coach session not given before it"),
            problems=[FieldProblem(where, gettext("session {number!r}").format(number=number))],
        )
    sessions[number - 1]["exercises"].append(
        _only(cells, _EXERCISE_FIELDS) | {"exercise_id": cells["exercise"]}
    )


def _check_semantics(document: DiaryDocument, *, now: datetime) -> None:
    # Times first: later checks compare them, which must not overflow.
    problems = _time_problems(document, now=now)
    if problems:
        raise ImportFormatError(
            gettext("the diary file has impossible times"), problems=problems[:20]
        )
    uids = [e.uid for e in document.episodes]
    if len(set(uids)) != len(uids):
        problems.append(FieldProblem("episodes", gettext("an episode uid appears twice")))
    if sum(e.status is EpisodeStatus.ACTIVE for e in document.episodes) > 1:
        problems.append(FieldProblem("episodes", gettext("more than one active episode")))
    if not _ordered([(e.started_at,) for e in document.episodes]):
        problems.append(FieldProblem("episodes", gettext("not in the order they were started")))
    for i, episode in enumerate(document.episodes):
        where = f"episodes.{i}"
        if (episode.status is EpisodeStatus.RESOLVED) != (episode.resolved_at is not None):
            problems.append(
                FieldProblem(f"{where}.resolved_at", gettext("set exactly when resolved"))
            )
        problems += _answers_problems(episode.answers, f"{where}.answers", derived=False)
        problems += _assessment_problems(episode.assessment, f"{where}.assessment")
        if episode.summary is not None:
            problems += _text_problems(episode.summary, f"{where}.summary")
        problems += _dose_text_problems(episode.doses, f"{where}.doses")
        if not _ordered([(c.recorded_at,) for c in episode.checkins]):
            problems.append(FieldProblem(f"{where}.checkins", gettext("not in time order")))
        if not _ordered([(d.taken_at,) for d in episode.doses]):
            problems.append(FieldProblem(f"{where}.doses", gettext("not in time order")))
        if not _ordered([(c.started_at,) for c in episode.coach_sessions]):
            problems.append(FieldProblem(f"{where}.coach_sessions", gettext("not in time order")))
        if not _ordered([(r.answered_at,) for r in episode.questionnaires]):
            problems.append(FieldProblem(f"{where}.questionnaires", gettext("not in time order")))
        for j, session in enumerate(episode.coach_sessions):
            for k, exercise in enumerate(session.exercises):
                problems += _text_problems(
                    exercise.step_reason, f"{where}.coach_sessions.{j}.exercises.{k}.step_reason"
                )
        for j, checkin in enumerate(episode.checkins):
            here = f"{where}.checkins.{j}"
            if checkin.answers_update is not None:
                problems += _answers_problems(
                    checkin.answers_update, f"{here}.answers_update", derived=True
                )
            if checkin.note is not None:
                problems += _text_problems(checkin.note, f"{here}.note")
            for k, activity in enumerate(checkin.activities):
                problems += _text_problems(activity.name, f"{here}.activities.{k}.name")
            problems += _dose_text_problems(checkin.doses, f"{here}.doses")
            names = [a.name for a in checkin.activities]
            if len(set(names)) != len(names):
                problems.append(
                    FieldProblem(f"{here}.activities", gettext("an activity appears twice"))
                )
            actions = [a.action for a in checkin.actions]
            if len(set(actions)) != len(actions):
                problems.append(FieldProblem(f"{here}.actions", gettext("an action appears twice")))
            if not _ordered([(d.taken_at,) for d in checkin.doses]):
                problems.append(FieldProblem(f"{here}.doses", gettext("not in time order")))
    if problems:
        raise ImportFormatError(gettext("the diary file is inconsistent"), problems=problems[:20])


def _ordered(keys: Sequence[tuple[Any, ...]]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(keys))


def _answers_problems(data: dict[str, Any], where: str, *, derived: bool) -> list[FieldProblem]:
    """Problems of stored answers; ``derived``: also refuse what the diary works out itself."""
    try:
        parse_answers(data)
    except InputError as exc:
        return [FieldProblem(f"{where}.{p.field}".rstrip("."), p.problem) for p in exc.problems]
    refused = DERIVED_ANSWERS if derived else DERIVED_ANSWERS[1:]  # start answers hold pain
    problems = []
    for path in refused:
        group, _, name = path.partition(".")
        if (name and name in (data.get(group) or {})) or (not name and group in data):
            problems.append(
                FieldProblem(f"{where}.{path}", gettext("the diary works this out itself"))
            )
    return problems


def _assessment_problems(data: dict[str, Any], where: str) -> list[FieldProblem]:
    """An assessment must at least carry its triage level (else it would read as self-care)."""
    triage = data.get("triage")
    level = triage.get("level") if isinstance(triage, dict) else None
    if not isinstance(level, str) or level not in {t.value for t in TriageLevel}:
        return [FieldProblem(f"{where}.triage.level", gettext("missing or not a triage level"))]
    return []


def _text_problems(text: str, where: str) -> list[FieldProblem]:
    try:
        check_free_text(text, field=where)
    except InputError as exc:
        return list(exc.problems)
    return []


def _dose_text_problems(doses: Sequence[DoseDoc], where: str) -> list[FieldProblem]:
    return [
        problem
        for k, dose in enumerate(doses)
        if dose.override_reason is not None
        for problem in _text_problems(dose.override_reason, f"{where}.{k}.override_reason")
    ]


def _time_problems(document: DiaryDocument, *, now: datetime) -> list[FieldProblem]:
    """Every time within its bounds: none in the future, check-ins and doses in the episode."""
    problems: list[FieldProblem] = []
    latest = now + CLOCK_SKEW

    def check(value: datetime, where: str, earliest: datetime, last: datetime, what: str) -> bool:
        try:
            bounded_time(value, field=where, earliest=earliest, latest=last, what=what)
        except InputError as exc:
            problems.append(FieldProblem(where, f"{exc.message}: {exc.problems[0].problem}"))
            return False
        return True

    for i, episode in enumerate(document.episodes):
        where = f"episodes.{i}"
        if not check(episode.onset_at, f"{where}.onset_at", EARLIEST, latest, "1970"):
            continue
        onset = episode.onset_at
        if not check(
            episode.started_at, f"{where}.started_at", onset - CLOCK_SKEW, latest, N_("the onset")
        ):
            continue
        end = latest
        if episode.resolved_at is not None:
            if not check(
                episode.resolved_at,
                f"{where}.resolved_at",
                episode.started_at,
                latest,
                N_("the episode was started"),
            ):
                continue
            end = episode.resolved_at + CLOCK_SKEW
        for j, checkin in enumerate(episode.checkins):
            here = f"{where}.checkins.{j}"
            check(checkin.recorded_at, f"{here}.recorded_at", onset, end, N_("the episode began"))
            for k, dose in enumerate(checkin.doses):
                check(
                    dose.taken_at,
                    f"{here}.doses.{k}.taken_at",
                    onset - DOSE_LEAD_TIME,
                    end,
                    N_("the day before the episode began"),
                )
        for k, dose in enumerate(episode.doses):
            check(
                dose.taken_at,
                f"{where}.doses.{k}.taken_at",
                onset - DOSE_LEAD_TIME,
                end,
                N_("the day before the episode began"),
            )
        for k, session in enumerate(episode.coach_sessions):
            here = f"{where}.coach_sessions.{k}"
            if check(session.started_at, f"{here}.started_at", onset, end, N_("the episode began")):
                check(
                    session.ended_at, f"{here}.ended_at", session.started_at, end, N_("it started")
                )
        for k, response in enumerate(episode.questionnaires):
            here = f"{where}.questionnaires.{k}.answered_at"
            check(response.answered_at, here, onset, end, N_("the episode began"))
    return problems


def _episode_doses(i: int, episode: EpisodeDoc) -> Iterator[tuple[str, DoseDoc]]:
    """Every dose of episode ``i`` with its place (``episodes.0.checkins.2.doses.0``)."""
    for j, checkin in enumerate(episode.checkins):
        for k, dose in enumerate(checkin.doses):
            yield f"episodes.{i}.checkins.{j}.doses.{k}", dose
    for k, dose in enumerate(episode.doses):
        yield f"episodes.{i}.doses.{k}", dose


def _doses_of(document: DiaryDocument) -> Iterator[tuple[str, DoseDoc]]:
    """Every dose of the document with its place."""
    for i, episode in enumerate(document.episodes):
        yield from _episode_doses(i, episode)


def _medicines(document: DiaryDocument, kb: KnowledgeBase) -> dict[str, Medicine]:
    """Each dose's medicine by the name in the file (id, name or brand alias, any case).

    Raises:
        ImportFormatError: a medicine backcare does not know or cannot check.
    """
    found: dict[str, Medicine] = {}
    problems: list[FieldProblem] = []
    for where, dose in _doses_of(document):
        medicine = found.get(dose.drug) or kb.medicine(dose.drug)
        if medicine is None or medicine.max_daily_mg is None or not medicine.otc:
            known = ", ".join(m.id for m in kb.medicines if m.otc)
            problems.append(
                FieldProblem(
                    f"{where}.drug",
                    gettext("{dose_drug!r} is not a medicine backcare checks ({known})").format(
                        dose_drug=dose.drug, known=known
                    ),
                )
            )
        else:
            found[dose.drug] = medicine
    if problems:
        raise ImportFormatError(
            gettext("the diary file has unknown medicines"), problems=problems[:20]
        )
    return found


#: A medicine's status for the person ("avoid", "ask first"...) and why.
_Status = tuple[MedicineStatus, tuple[str, ...]]


def _dose_statuses(
    document: DiaryDocument, medicines: dict[str, Medicine], engine: Engine
) -> dict[str, _Status]:
    """Each dose's medicine status as a check-in at that time would have had it.

    The plan is assessed from the episode's start answers and the answers updates
    recorded up to the dose (once per such state: updates are rare), as a check-in
    does; pain and trend do not change a medicine's status.
    """
    statuses: dict[str, _Status] = {}
    for i, episode in enumerate(document.episodes):
        changes = [(c.recorded_at, c.answers_update) for c in episode.checkins if c.answers_update]
        times = [at for at, _ in changes]
        plans: dict[int, dict[str, _Status]] = {}
        for place, dose in _episode_doses(i, episode):
            if dose.overridden:
                continue
            state = bisect.bisect_right(times, dose.taken_at)
            plan = plans.get(state)
            if plan is None:
                answers = effective_answers(
                    episode.answers,
                    [update for _, update in changes[:state] if update],
                    onset=episode.onset_at,
                    at=dose.taken_at,
                    pain=None,
                    trend=None,
                )
                plan = plans[state] = {
                    m.drug: (m.status, m.reasons) for m in engine.assess(answers).plan.medications
                }
            statuses[place] = plan.get(medicines[dose.drug].id, (MedicineStatus.ASK_FIRST, ()))
    return statuses


def _limit_problems(
    document: DiaryDocument,
    medicines: dict[str, Medicine],
    kb: KnowledgeBase,
    logged: Sequence[DoseRecord],
    statuses: dict[str, _Status],
) -> list[FieldProblem]:
    """Doses of the file that break a limit without a recorded override.

    Each is checked as a check-in checks it: against the person's status for the
    medicine at the time, and against every other dose of the same medicine within
    24 hours, in the file and already in the diary.
    """
    # medicine id -> (taken_at, mg, place in the file or None for the diary, overridden)
    doses: dict[str, list[tuple[datetime, int, str | None, bool]]] = {}
    for place, dose in _doses_of(document):
        doses.setdefault(medicines[dose.drug].id, []).append(
            (dose.taken_at.astimezone(UTC), dose.mg, place, dose.overridden)
        )
    for record in logged:
        known = kb.medicine(record.drug)
        if known is not None and known.id in doses:
            doses[known.id].append((record.taken_at, record.mg, None, True))
    problems: list[FieldProblem] = []
    for drug, entries in doses.items():
        medicine = kb.medicine(drug)
        assert medicine is not None
        entries.sort(key=lambda entry: entry[0])
        times = [entry[0] for entry in entries]
        for index, (at, mg, where, overridden) in enumerate(entries):
            if where is None or overridden:
                continue
            low = bisect.bisect_left(times, at - DAY)
            high = bisect.bisect_right(times, at + DAY)
            near = [(times[n], entries[n][1]) for n in range(low, high) if n != index]
            status, reasons = statuses[where]
            check = check_dose(
                medicine,
                mg=mg,
                taken_at=at,
                status=status,
                status_reasons=reasons,
                same_drug=near,
            )
            problems += [
                FieldProblem(
                    where,
                    gettext("{problem}; the file records no override for it").format(
                        problem=problem
                    ),
                )
                for problem in check.problems
            ]
    return problems


def _new_dose(dose: DoseDoc, medicines: dict[str, Medicine]) -> NewDose:
    return NewDose(
        drug=medicines[dose.drug].id,
        mg=dose.mg,
        taken_at=dose.taken_at,
        overridden=dose.overridden,
        override_reason=dose.override_reason,
    )


def _new_checkin(checkin: CheckInDoc, medicines: dict[str, Medicine]) -> NewCheckIn:
    return NewCheckIn(
        recorded_at=checkin.recorded_at,
        pain=checkin.pain,
        worst_pain=checkin.worst_pain,
        days_of_self_care=checkin.days_of_self_care,
        trend=checkin.trend,
        triage_level=checkin.triage_level,
        triage_reasons=tuple(
            Reason.model_construct(id=r.id, message=r.message, level=r.level, sources=r.sources)
            for r in checkin.triage_reasons
        ),
        answers_update=checkin.answers_update,
        note=checkin.note,
        activities=tuple(ActivityScore(a.name, a.score) for a in checkin.activities),
        actions=tuple(ActionCount(a.action, a.count) for a in checkin.actions),
        doses=tuple(_new_dose(d, medicines) for d in checkin.doses),
    )


def _new_session(session: CoachSessionDoc) -> NewCoachSession:
    return NewCoachSession(
        started_at=session.started_at,
        ended_at=session.ended_at,
        phase=session.phase,
        pain_before=session.pain_before,
        pain_after=session.pain_after,
        quit_early=session.quit_early,
        symptom=session.symptom,
        stopped_for_symptom=session.stopped_for_symptom,
        triage_level=session.triage_level,
        active_seconds=session.active_seconds,
        exercises=tuple(
            NewCoachExercise(
                exercise_id=e.exercise_id,
                sides=e.sides,
                target_hold_seconds=e.target_hold_seconds,
                target_reps=e.target_reps,
                achieved_hold_seconds=e.achieved_hold_seconds,
                reps=dict(e.reps),
                skipped=e.skipped,
                step=e.step,
                step_reason=e.step_reason,
            )
            for e in session.exercises
        ),
    )


def import_diary(
    store: Store,
    text: str,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    questionnaires: Questionnaires | None = None,
) -> ImportResult:
    """Add the episodes of an export file to the diary, all or nothing.

    Args:
        store: the diary's store.
        text: the export file's text (JSON or CSV).
        engine: the triage engine whose knowledge base and plan doses are checked
            against; default: the shipped knowledge base with the ``BACKCARE_*`` settings.
        now: the current time (default: the system clock).
        questionnaires: the definitions responses are checked against; default: the
            shipped knowledge base's.

    Raises:
        ImportFormatError: the file is malformed, foreign, of an unknown version, has
            impossible values, or a dose of an unknown medicine or over a limit without
            its recorded override.
        ConflictError: an episode in the file is already in the diary, or the file has
            an active episode while the diary has one too.
    """
    document = parse(text, now=now)
    if engine is None:
        from backcare.rules.assessor import default_engine

        engine = default_engine()
    knowledge = engine.knowledge
    _check_responses(document, questionnaires or load_questionnaires())
    medicines = _medicines(document, knowledge)
    statuses = _dose_statuses(document, medicines, engine)
    taken = [dose.taken_at for _, dose in _doses_of(document)]
    checkins = doses = sessions = answered = 0
    with store.write() as repo:
        if taken:
            # Doses are checked against the diary's own: one check at a time per person.
            repo.lock_person()
            logged = repo.doses_between(min(taken) - DAY, max(taken) + DAY)
            problems = _limit_problems(document, medicines, knowledge, logged, statuses)
            if problems:
                raise ImportFormatError(
                    gettext(
                        "the diary file has doses over a safety limit without a "
                        "recorded override: nothing was imported"
                    ),
                    problems=problems[:20],
                )
        active = repo.active_episode()
        for episode in document.episodes:
            if repo.episode_by_uid(episode.uid) is not None:
                raise ConflictError(
                    gettext(
                        "episode {episode_uid} is already in the diary: nothing was imported"
                    ).format(episode_uid=episode.uid)
                )
            if episode.status is EpisodeStatus.ACTIVE and active is not None:
                raise ConflictError(
                    gettext(
                        "the file has an active episode and so does the diary: "
                        "resolve the diary's one first; nothing was imported"
                    )
                )
            record = repo.add_episode(
                NewEpisode(
                    uid=episode.uid,
                    onset_at=episode.onset_at,
                    started_at=episode.started_at,
                    trigger=None if episode.trigger is None else episode.trigger.value,
                    answers=episode.answers,
                    assessment=episode.assessment,
                    status=episode.status,
                    resolved_at=episode.resolved_at,
                    summary=episode.summary,
                )
            )
            repo.add_checkins(record.id, [_new_checkin(c, medicines) for c in episode.checkins])
            repo.add_doses(record.id, [(_new_dose(d, medicines), None) for d in episode.doses])
            coach = CoachRepository(repo)
            for session in episode.coach_sessions:
                coach.add_session(record.id, _new_session(session))
            checkins += len(episode.checkins)
            doses += len(episode.doses) + sum(len(c.doses) for c in episode.checkins)
            sessions += len(episode.coach_sessions)
            responses = QuestionnaireRepository(repo)
            for response in episode.questionnaires:
                responses.add(
                    record.id,
                    NewQuestionnaireResponse(
                        questionnaire=response.questionnaire,
                        version=response.version,
                        answered_at=response.answered_at,
                        answers=response.answers,
                    ),
                )
            answered += len(episode.questionnaires)
    return ImportResult(
        episodes=len(document.episodes),
        checkins=checkins,
        doses=doses,
        coach_sessions=sessions,
        questionnaires=answered,
    )


def _check_responses(document: DiaryDocument, questionnaires: Questionnaires) -> None:
    """A response to a questionnaire the knowledge base defines must score with it."""
    known = {d.id: d for d in questionnaires.definitions}
    problems: list[FieldProblem] = []
    for i, episode in enumerate(document.episodes):
        for k, response in enumerate(episode.questionnaires):
            definition = known.get(response.questionnaire)
            if definition is None:
                continue  # kept as it is; shown as "no longer in the knowledge base"
            try:
                score_questionnaire(definition, response.answers)
            except InputError as exc:
                where = f"episodes.{i}.questionnaires.{k}.answers"
                problems += [FieldProblem(f"{where}.{p.field}", p.problem) for p in exc.problems]
    if problems:
        raise ImportFormatError(
            gettext(
                "the diary file has questionnaire answers that do not fit "
                "the questionnaire: nothing was imported"
            ),
            problems=problems[:20],
        )
