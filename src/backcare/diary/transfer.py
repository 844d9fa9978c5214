"""Export and import the whole diary: a versioned, lossless JSON or CSV file.

Format ``backcare-diary`` version 1 (documented in ``docs/diary.md``). JSON::

    {"format": "backcare-diary", "version": 1, "episodes": [
      {"uid": "...", "onset_at": "2026-01-05T08:00:00Z", ..., "answers": {...},
       "assessment": {...},
       "checkins": [{"recorded_at": "...", "pain": 6, ..., "activities": [...],
                     "actions": [...], "doses": [...]}],
       "doses": [...]}]}          # doses logged without a check-in

CSV: the first row is ``format,backcare-diary,version,1``, the second the column
names, then one row per record (``episode``, ``checkin``, ``activity``,
``action``, ``dose``); JSON-valued cells (answers, reasons) hold compact JSON and
an empty cell is "none".

Nothing in the file depends on database ids (episodes have a uid, check-ins are
numbered within their episode), so export → import → export gives the same
bytes. Import checks everything first and writes in one transaction: a malformed
or foreign file raises :class:`~backcare.errors.ImportFormatError` and changes
nothing; an episode already in the diary raises
:class:`~backcare.errors.ConflictError`.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from backcare.domain.answers import parse_answers
from backcare.domain.enums import Trend, TriageLevel, Trigger
from backcare.domain.results import Reason
from backcare.errors import ConflictError, FieldProblem, ImportFormatError, InputError
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

__all__ = [
    "CSV_COLUMNS",
    "FORMAT",
    "VERSION",
    "DiaryDocument",
    "ExportFormat",
    "ImportResult",
    "dump",
    "episode_data",
    "episode_document",
    "export_data",
    "export_diary",
    "import_diary",
    "parse",
]

FORMAT: Final = "backcare-diary"
VERSION: Final = 1


class ExportFormat(StrEnum):
    """File formats of the diary export."""

    JSON = "json"
    CSV = "csv"


_DOC = ConfigDict(extra="forbid", strict=True, frozen=True)
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Score = Annotated[int, Field(ge=0, le=10)]


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

    name: Annotated[str, Field(min_length=1, max_length=80)]
    score: Score


class ActionDoc(BaseModel):
    """A self-care action with its count."""

    model_config = _DOC

    action: SelfCareAction
    count: Annotated[int, Field(ge=1)]


class DoseDoc(BaseModel):
    """A dose of a medicine."""

    model_config = _DOC

    drug: Annotated[str, Field(min_length=1, max_length=60)]
    mg: Annotated[int, Field(gt=0)]
    taken_at: AwareDatetime
    overridden: bool = False
    override_reason: Text | None = None


class CheckInDoc(BaseModel):
    """A check-in with what was logged in it."""

    model_config = _DOC

    recorded_at: AwareDatetime
    pain: Score
    worst_pain: Score | None = None
    days_of_self_care: Annotated[int, Field(ge=0)]
    trend: Trend | None = None
    triage_level: TriageLevel
    triage_reasons: tuple[ReasonDoc, ...] = ()
    answers_update: dict[str, Any] | None = None
    note: Text | None = None
    activities: Annotated[tuple[ActivityDoc, ...], Field(max_length=3)] = ()
    actions: tuple[ActionDoc, ...] = ()
    doses: tuple[DoseDoc, ...] = ()


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
    assessment: dict[str, Any]
    checkins: tuple[CheckInDoc, ...] = ()
    doses: tuple[DoseDoc, ...] = ()


class DiaryDocument(BaseModel):
    """A whole exported diary, format ``backcare-diary`` version 1."""

    model_config = _DOC

    format: Literal["backcare-diary"] = "backcare-diary"
    version: Literal[1] = 1
    episodes: tuple[EpisodeDoc, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How much an import added."""

    episodes: int
    checkins: int
    doses: int


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


def episode_document(
    episode: EpisodeRecord, checkins: Sequence[CheckInRecord], doses: Sequence[DoseRecord]
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
        summary=episode.summary,
        answers=episode.answers,
        assessment=episode.assessment,
        checkins=tuple(_checkin_doc(c) for c in checkins),
        doses=tuple(_dose_doc(d) for d in doses if d.checkin_id is None),
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


def episode_data(
    episode: EpisodeRecord, checkins: Sequence[CheckInRecord], doses: Sequence[DoseRecord]
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
        "summary": episode.summary,
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
    }


def export_data(repo: DiaryRepository) -> dict[str, Any]:
    """The whole diary as JSON-ready data in the export format."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "episodes": [episode_data(e, *repo.history(e.id)) for e in repo.episodes()],
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
            f"unknown export format {fmt!r}", problems=[FieldProblem("--format", "json or csv")]
        ) from None


def _serialise(data: dict[str, Any], fmt: ExportFormat) -> str:
    if fmt is ExportFormat.JSON:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
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
)
_JSON_CELLS = frozenset({"answers", "assessment", "triage_reasons", "answers_update"})
_INT_CELLS = frozenset({"pain", "worst_pain", "days_of_self_care", "score", "count", "mg"})


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _JSON_CELLS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
    for row in _csv_rows(data):
        writer.writerow([_cell(c, row.get(c)) for c in CSV_COLUMNS])
    return buffer.getvalue()


# --- import -------------------------------------------------------------------------


def _foreign(detail: str) -> ImportFormatError:
    return ImportFormatError(
        f"not a backcare diary export (expected format {FORMAT!r})",
        problems=[FieldProblem("format", detail)],
    )


def _check_version(version: object) -> None:
    if version != VERSION:
        raise ImportFormatError(
            f"unsupported diary export version {version!r}",
            problems=[FieldProblem("version", f"this backcare reads version {VERSION}")],
        )


def parse(text: str) -> DiaryDocument:
    """Parse and validate the text of an export file (JSON or CSV, told apart by content).

    Raises:
        ImportFormatError: not a backcare diary, an unknown version, or invalid content;
            each problem names the place (``episodes.0.checkins.3.pain`` or ``row 12``).
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(
                "the file is not valid JSON",
                problems=[FieldProblem("", f"line {exc.lineno} column {exc.colno}: {exc.msg}")],
            ) from exc
    elif stripped.startswith("format,"):
        data = _from_csv(stripped)
    else:
        raise _foreign("the file is neither a backcare JSON nor a backcare CSV export")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise _foreign(f"found {found!r}")
    _check_version(data.get("version"))
    try:
        document = DiaryDocument.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise ImportFormatError(
            "the diary file has invalid content",
            problems=[
                FieldProblem(".".join(str(p) for p in err["loc"]), str(err["msg"]))
                for err in exc.errors()[:20]
            ],
        ) from exc
    _check_semantics(document)
    return document


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, 1)
    except csv.Error as exc:
        raise ImportFormatError(
            "the CSV file is malformed", problems=[FieldProblem("csv", str(exc))]
        ) from exc


def _from_csv(text: str) -> dict[str, Any]:
    rows = _rows(text)
    _, header = next(rows)
    if len(header) != 4 or header[:3] != ["format", FORMAT, "version"]:
        raise _foreign(f"first row is {','.join(header)!r}")
    try:
        version = int(header[3])
    except ValueError:
        version = -1
    _check_version(version)
    number, columns = next(rows, (2, []))
    if tuple(columns) != CSV_COLUMNS:
        raise ImportFormatError(
            "the CSV columns are not those of a backcare diary",
            problems=[FieldProblem(f"row {number}", "expected: " + ",".join(CSV_COLUMNS))],
        )
    episodes: list[dict[str, Any]] = []
    by_uid: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        if len(row) != len(CSV_COLUMNS):
            raise ImportFormatError(
                "a CSV row has the wrong number of cells",
                problems=[FieldProblem(f"row {number}", f"{len(row)} cells")],
            )
        cells = {c: _value(c, v, number) for c, v in zip(CSV_COLUMNS, row, strict=True)}
        _place(cells, number, episodes, by_uid)
    return {"format": FORMAT, "version": version, "episodes": episodes}


def _value(column: str, text: str, number: int) -> Any:
    if text == "":
        return None
    try:
        if column in _JSON_CELLS:
            return json.loads(text)
        if column in _INT_CELLS:
            return int(text)
    except ValueError as exc:
        raise ImportFormatError(
            "a CSV cell cannot be read",
            problems=[FieldProblem(f"row {number}, {column}", str(exc))],
        ) from exc
    if column == "overridden":
        if text not in ("true", "false"):
            raise ImportFormatError(
                "a CSV cell cannot be read",
                problems=[FieldProblem(f"row {number}, overridden", "must be true or false")],
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
        new |= {"checkins": [], "doses": []}
        if uid in by_uid:
            raise ImportFormatError("duplicate episode", problems=[FieldProblem(where, uid)])
        episodes.append(new)
        by_uid[str(uid)] = new
        return
    episode = by_uid.get(str(uid))
    if episode is None:
        raise ImportFormatError(
            "a row refers to an episode not given before it",
            problems=[FieldProblem(where, f"episode {uid!r}")],
        )
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
                    "check-ins must be numbered 1, 2, 3... within their episode",
                    problems=[FieldProblem(where, f"checkin {seq!r}")],
                )
        elif not 1 <= index <= len(checkins):
            raise ImportFormatError(
                "a row refers to a check-in not given before it",
                problems=[FieldProblem(where, f"checkin {seq!r}")],
            )
        else:
            checkin = checkins[index - 1]
    if record == "checkin":
        if seq is None:
            raise ImportFormatError(
                "a check-in row needs its number", problems=[FieldProblem(where, "checkin")]
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
            "unknown or misplaced CSV record",
            problems=[FieldProblem(where, f"record {record!r}")],
        )


def _check_semantics(document: DiaryDocument) -> None:
    problems: list[FieldProblem] = []
    uids = [e.uid for e in document.episodes]
    if len(set(uids)) != len(uids):
        problems.append(FieldProblem("episodes", "an episode uid appears twice"))
    if sum(e.status is EpisodeStatus.ACTIVE for e in document.episodes) > 1:
        problems.append(FieldProblem("episodes", "more than one active episode"))
    if not _ordered([(e.started_at,) for e in document.episodes]):
        problems.append(FieldProblem("episodes", "not in the order they were started"))
    for i, episode in enumerate(document.episodes):
        where = f"episodes.{i}"
        if (episode.status is EpisodeStatus.RESOLVED) != (episode.resolved_at is not None):
            problems.append(FieldProblem(f"{where}.resolved_at", "set exactly when resolved"))
        problems += _answers_problems(episode.answers, f"{where}.answers")
        if not _ordered([(c.recorded_at,) for c in episode.checkins]):
            problems.append(FieldProblem(f"{where}.checkins", "not in time order"))
        if not _ordered([(d.taken_at,) for d in episode.doses]):
            problems.append(FieldProblem(f"{where}.doses", "not in time order"))
        for j, checkin in enumerate(episode.checkins):
            here = f"{where}.checkins.{j}"
            if checkin.answers_update is not None:
                problems += _answers_problems(checkin.answers_update, f"{here}.answers_update")
            names = [a.name for a in checkin.activities]
            if len(set(names)) != len(names):
                problems.append(FieldProblem(f"{here}.activities", "an activity appears twice"))
            actions = [a.action for a in checkin.actions]
            if len(set(actions)) != len(actions):
                problems.append(FieldProblem(f"{here}.actions", "an action appears twice"))
            if not _ordered([(d.taken_at,) for d in checkin.doses]):
                problems.append(FieldProblem(f"{here}.doses", "not in time order"))
    if problems:
        raise ImportFormatError("the diary file is inconsistent", problems=problems[:20])


def _ordered(keys: Sequence[tuple[Any, ...]]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(keys))


def _answers_problems(data: dict[str, Any], where: str) -> list[FieldProblem]:
    try:
        parse_answers(data)
    except InputError as exc:
        return [FieldProblem(f"{where}.{p.field}".rstrip("."), p.problem) for p in exc.problems]
    return []


def _new_dose(dose: DoseDoc) -> NewDose:
    return NewDose(
        drug=dose.drug,
        mg=dose.mg,
        taken_at=dose.taken_at,
        overridden=dose.overridden,
        override_reason=dose.override_reason,
    )


def _new_checkin(checkin: CheckInDoc) -> NewCheckIn:
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
        doses=tuple(_new_dose(d) for d in checkin.doses),
    )


def import_diary(store: Store, text: str) -> ImportResult:
    """Add the episodes of an export file to the diary, all or nothing.

    Raises:
        ImportFormatError: the file is malformed, foreign or of an unknown version.
        ConflictError: an episode in the file is already in the diary, or the file has
            an active episode while the diary has one too.
    """
    document = parse(text)
    checkins = doses = 0
    with store.write() as repo:
        active = repo.active_episode()
        for episode in document.episodes:
            if repo.episode_by_uid(episode.uid) is not None:
                raise ConflictError(
                    f"episode {episode.uid} is already in the diary: nothing was imported"
                )
            if episode.status is EpisodeStatus.ACTIVE and active is not None:
                raise ConflictError(
                    "the file has an active episode and so does the diary: resolve the "
                    "diary's one first; nothing was imported"
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
            repo.add_checkins(record.id, [_new_checkin(c) for c in episode.checkins])
            repo.add_doses(record.id, [(_new_dose(d), None) for d in episode.doses])
            checkins += len(episode.checkins)
            doses += len(episode.doses) + sum(len(c.doses) for c in episode.checkins)
    return ImportResult(episodes=len(document.episodes), checkins=checkins, doses=doses)
