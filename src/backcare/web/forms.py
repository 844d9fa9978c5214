"""Read HTML forms into the core's inputs: the assessment's signed state, a check-in.

(One page of the assessment is read by the core, :class:`backcare.flow.AssessmentFlow`.)

This is edge parsing, like the CLI's prompts: text from a form becomes a typed value,
and a value that cannot be read becomes an :class:`~backcare.errors.InputError`
naming the field. Whether a value is *allowed* (ranges, red flags) is still decided
by the core when the answers are validated and assessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from pydantic import ValidationError

from backcare.diary.inputs import (
    MAX_ACTION_COUNT,
    CheckInEntry,
    DoseEntry,
    combine_actions,
    parse_time,
)
from backcare.diary.service import compact_answers
from backcare.domain.answers import Answers, parse_answers
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext
from backcare.store.records import ActionCount, ActivityScore, SelfCareAction
from backcare.text.hints import StoryHints
from backcare.web.errors import validation_problems
from backcare.web.schemas.diary import CheckInIn
from backcare.web.security import Signer

__all__ = [
    "DiaryUpdate",
    "checkin_entry",
    "checkin_from_form",
    "decode_hints",
    "decode_state",
    "decode_update",
    "encode_state",
]

_STATE = "assess"
_INT = re.compile(r"^[+-]?\d{1,6}$")


@dataclass(frozen=True, slots=True)
class DiaryUpdate:
    """An assessment that answers a diary's open safety questions, and nothing else.

    Attributes:
        episode: the uid of the diary episode the questions are open in.
        questions: the answer paths that were open, the only ones asked and saved.
    """

    episode: str
    questions: tuple[str, ...]


def encode_state(
    signer: Signer,
    answers: Answers,
    skipped: Sequence[str],
    hints: StoryHints | None = None,
    update: DiaryUpdate | None = None,
) -> str:
    """The assessment so far, signed, for the form's hidden ``state`` field.

    ``hints`` (from the "Tell us what happened" box) travel with it, so mentioned red
    flags stay first and pre-filled values stay shown on later pages; ``update`` marks
    an assessment that answers a diary's open questions.
    """
    data: dict[str, Any] = {"answers": compact_answers(answers), "skipped": list(skipped)}
    if hints is not None and (hints.mentioned or hints.prefill):
        data["story"] = hints.to_data()
    if update is not None:
        data["update"] = {"episode": update.episode, "questions": list(update.questions)}
    return signer.sign(data, purpose=_STATE)


def decode_update(signer: Signer, token: str) -> DiaryUpdate | None:
    """The diary update the hidden ``state`` field is for (``None``: a new assessment).

    Raises:
        BadRequestError: the state was altered or comes from an earlier server run.
    """
    if not token:
        return None
    data = signer.unsign(token, purpose=_STATE)
    update = data.get("update") if isinstance(data, dict) else None
    if not isinstance(update, dict):
        return None
    questions = update.get("questions", [])
    return DiaryUpdate(
        episode=str(update.get("episode", "")),
        questions=tuple(str(q) for q in questions) if isinstance(questions, list) else (),
    )


def decode_hints(signer: Signer, token: str) -> StoryHints:
    """The story hints in the hidden ``state`` field (none if there are none).

    Raises:
        BadRequestError: the state was altered or comes from an earlier server run.
    """
    if not token:
        return StoryHints()
    data = signer.unsign(token, purpose=_STATE)
    return StoryHints.from_data(data.get("story") if isinstance(data, dict) else None)


def decode_state(signer: Signer, token: str) -> tuple[Answers, tuple[str, ...]]:
    """Read the hidden ``state`` field back.

    Raises:
        BadRequestError: the state was altered or comes from an earlier server run.
    """
    if not token:
        return Answers(), ()
    data = signer.unsign(token, purpose=_STATE)
    answers = data.get("answers", {}) if isinstance(data, dict) else {}
    skipped = data.get("skipped", []) if isinstance(data, dict) else []
    return parse_answers(answers), tuple(str(s) for s in skipped)


def checkin_entry(data: CheckInIn) -> CheckInEntry:
    """The diary's check-in entry from the API's (or the form's) check-in model."""
    answers = None
    if data.answers is not None:
        dumped = data.answers.model_dump(mode="json", exclude_none=True)
        answers = {k: v for k, v in dumped.items() if v != {}}
    return CheckInEntry(
        pain=data.pain,
        worst_pain=data.worst_pain,
        activities=tuple(ActivityScore(name=a.name, score=a.score) for a in data.activities),
        # A repeated action adds up (ice twice is ice x2), as on the command line.
        actions=combine_actions(ActionCount(action=a.action, count=a.count) for a in data.actions),
        doses=tuple(DoseEntry(drug=d.drug, mg=d.mg, taken_at=d.taken_at) for d in data.doses),
        answers=answers or None,
        note=data.note,
        at=data.at,
    )


def _score(text: str, field: str, *, required: bool) -> int | None:
    text = text.strip()
    if not text:
        if required:
            raise InputError(
                gettext("please check the form"),
                problems=[FieldProblem(field, gettext("choose a score, 0-10"))],
            )
        return None
    if not _INT.match(text):
        raise InputError(
            gettext("please check the form"),
            problems=[FieldProblem(field, gettext("must be a whole number"))],
        )
    return int(text)


def checkin_from_form(form: Mapping[str, Sequence[str]], *, now: datetime, tz: tzinfo) -> CheckInIn:
    """Read the check-in form (``pain``, ``count_*``, ``dose_*``, ``flags``, ``gone``...).

    ``count_walk`` and the like are how many times each self-care action was done
    (0 or empty: not done); ``gone`` lists red flags the person says have gone.

    Args:
        form: every field's values.
        now: the current time, for a dose time typed as ``HH:MM``.
        tz: the person's time zone.

    Raises:
        InputError: a field cannot be read or is out of range, named by its form field.
    """

    def first(name: str) -> str:
        values = form.get(name, ())
        return values[0] if values else ""

    data: dict[str, Any] = {
        "pain": _score(first("pain"), "pain", required=True),
        "worst_pain": _score(first("worst_pain"), "worst_pain", required=False),
        "override_dose_limits": first("override") == "yes",
    }
    # Older forms (and queued offline posts) tick ``actions``: once each. A count wins.
    counts: dict[str, int] = dict.fromkeys(form.get("actions", ()), 1)
    for action in SelfCareAction:
        field = f"count_{action.value}"
        text = first(field).strip()
        if not text:
            continue
        if not _INT.match(text) or not 0 <= int(text) <= MAX_ACTION_COUNT:
            raise InputError(
                gettext("please check the form"),
                problems=[
                    FieldProblem(
                        field,
                        gettext("type how many times, a whole number 0-{most}").format(
                            most=MAX_ACTION_COUNT
                        ),
                    )
                ],
            )
        counts[action.value] = int(text)
    data["actions"] = [{"action": a, "count": n} for a, n in counts.items() if n]
    # PSFS: up to three activities, each a name and a 0-10 rating; a row without a
    # rating is not rated this time.
    names, scores = form.get("activity_name", ()), form.get("activity_score", ())
    activities = []
    for name, score in zip(names, scores, strict=False):
        if name.strip() and score.strip():
            rating = _score(score, "activity_score", required=True)
            activities.append({"name": " ".join(name.split()), "score": rating})
        elif score.strip():
            raise InputError(
                gettext("please check the form"),
                problems=[FieldProblem("activity_name", gettext("name the activity you rated"))],
            )
    if activities:
        data["activities"] = activities
    note = first("note").strip()
    if note:
        data["note"] = note
    drug = first("dose_drug").strip()
    if drug:
        mg_text = first("dose_mg").strip()
        if not _INT.match(mg_text):
            raise InputError(
                gettext("please check the form"),
                problems=[FieldProblem("dose_mg", gettext("type the dose in whole milligrams"))],
            )
        dose: dict[str, Any] = {"drug": drug, "mg": int(mg_text)}
        when = first("dose_time").strip()
        if when:
            dose["taken_at"] = parse_time(when, now=now, tz=tz, option="dose_time")
        data["doses"] = [dose]
    flags: dict[str, dict[str, bool]] = {}
    # "It has gone": the person's own statement, recorded as a "no" with this check-in's
    # time. Only red flags can go (a history of cancer cannot); a sign ticked again in
    # the same form stays "yes", so a mixed answer never lowers the level.
    for path in form.get("gone", ()):
        group, _, name = path.partition(".")
        if group != "red_flags" or not name:
            raise InputError(
                gettext("please check the form"),
                problems=[FieldProblem("gone", gettext("unknown {path}").format(path=repr(path)))],
            )
        flags.setdefault(group, {})[name] = False
    for path in form.get("flags", ()):
        group, _, name = path.partition(".")
        if group not in {"red_flags", "history"} or not name:
            raise InputError(
                gettext("please check the form"),
                problems=[FieldProblem("flags", gettext("unknown {path}").format(path=repr(path)))],
            )
        flags.setdefault(group, {})[name] = True
    if flags:
        data["answers"] = flags
    try:
        return CheckInIn.model_validate(data, strict=False)
    except ValidationError as exc:
        raise InputError(
            gettext("please check the form"), problems=validation_problems(exc.errors())
        ) from exc
