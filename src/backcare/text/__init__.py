"""Free-text intake: read what a person wrote and pre-fill the assessment from it.

:func:`extract` turns "put my back out lifting the kids' bike on Tuesday, about 7/10,
no tingling but it's agony when I sneeze" into a partial answer set of contract v1 and
a list of findings, each a mention with its status (``present``, ``absent``,
``uncertain``, ``hypothetical``, ``other_person``, ``past``). The safety rules
(docs/free-text.md):

* only ``present`` findings set red flags, history or conditions, and only to ``true``;
  nothing read from text is ever ``false`` ("no numbness" leaves the question
  unanswered, to be asked as always);
* age, onset, a pain score the person gave as a number, and the trigger may be
  pre-filled; the web app and the interactive CLI show them for confirmation and ask
  each mentioned red flag first ("You mentioned X. Is that right?").

The language pipeline needs the optional ``text`` extra (spaCy, negspacy and spaCy's lemma
lookup tables; no model download): ``pip install 'backcare[text]'``. Without it,
:func:`available` is false and :func:`extract` raises :class:`MissingTextExtraError`
saying how to install it.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backcare.domain.answers import Answers, parse_answers
from backcare.errors import MissingTextExtraError
from backcare.i18n import gettext
from backcare.text._numbers import read_onset
from backcare.text._vocabulary import check_vocabulary, load_vocabulary

if TYPE_CHECKING:
    from backcare.text._pipeline import Pipeline

__all__ = [
    "CONTRACT_VERSION",
    "MAX_TEXT_LENGTH",
    "Extraction",
    "Finding",
    "FindingStatus",
    "MissingTextExtraError",
    "available",
    "check_vocabulary",
    "extract",
    "load_pipeline",
    "load_vocabulary",
    "read_onset",
]

#: Version of the extraction output (docs/json-api.md, "Extraction contract v1").
CONTRACT_VERSION = 1
#: The longest text read; longer input is an error naming the limit.
MAX_TEXT_LENGTH = 4000

INSTALL_HINT = "pip install 'backcare[text]'"


class FindingStatus(StrEnum):
    """What the text says about one mention."""

    PRESENT = "present"
    ABSENT = "absent"
    UNCERTAIN = "uncertain"
    HYPOTHETICAL = "hypothetical"
    OTHER_PERSON = "other_person"
    PAST = "past"


_STATUS = {
    "present": FindingStatus.PRESENT,
    "negated": FindingStatus.ABSENT,
    "uncertain": FindingStatus.UNCERTAIN,
    "hypothetical": FindingStatus.HYPOTHETICAL,
    "other_person": FindingStatus.OTHER_PERSON,
    "past": FindingStatus.PAST,
}
_OUT = ConfigDict(extra="forbid", frozen=True)


class Finding(BaseModel):
    """One mention: its answer key, status, and the words (with character offsets)."""

    model_config = _OUT

    key: str
    status: FindingStatus
    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]


class Extraction(BaseModel):
    """The extraction contract v1: a partial answer set and every finding."""

    model_config = _OUT

    contract_version: Literal[1] = 1
    answers: dict[str, Any]
    findings: tuple[Finding, ...]

    def to_answers(self) -> Answers:
        """The pre-filled answers as the contract model."""
        return parse_answers(self.answers)

    def mentioned(self, group: str = "red_flags") -> tuple[str, ...]:
        """Keys of ``group`` found present, in the order first mentioned."""
        keys = (f.key for f in self.findings if f.status is FindingStatus.PRESENT)
        return tuple(dict.fromkeys(k for k in keys if k.startswith(group + ".")))

    def quote(self, key: str) -> str | None:
        """The words of the first present mention of ``key``."""
        for f in self.findings:
            if f.key == key and f.status is FindingStatus.PRESENT:
                return f.text
        return None


def available() -> bool:
    """Whether the ``text`` extra (spaCy, negspacy, spacy-lookups-data) is installed."""
    names = ("spacy", "negspacy", "spacy_lookups_data")
    return all(importlib.util.find_spec(name) is not None for name in names)


def load_pipeline() -> Pipeline:
    """Load (once per process) the English pipeline.

    Raises:
        MissingTextExtraError: the ``text`` extra is not installed.
        KnowledgeBaseError: the vocabulary file is invalid.
    """
    return _cached_pipeline()


@lru_cache(maxsize=1)
def _cached_pipeline() -> Pipeline:
    try:
        from backcare.text._pipeline import Pipeline
    except ImportError as exc:
        raise MissingTextExtraError(
            gettext("reading free text needs the optional 'text' extra: {install_hint}").format(
                install_hint=INSTALL_HINT
            )
        ) from exc
    from backcare.text._cache import cache_path, read_cache, write_cache

    # A pipeline built and checked from the same files is reused from disk (see _cache).
    path = cache_path()
    cached = read_cache(path)
    if cached is not None:
        return cached
    from backcare.knowledge.loader import load_knowledge_base
    from backcare.text._vocabulary import check_vocabulary, load_vocabulary

    vocabulary = load_vocabulary()
    kb = load_knowledge_base()
    check_vocabulary(
        vocabulary,
        sources={s.id for s in kb.sources},
        medicines={m.id for m in kb.medicines},
    )
    pipeline = Pipeline(vocabulary)
    write_cache(path, pipeline)
    return pipeline


def extract(text: str, *, now: datetime | None = None) -> Extraction:
    """Read a person's own words into a partial answer set and a list of findings.

    Pure and offline: the same text and ``now`` give the same result.

    Args:
        text: what the person wrote, at most :data:`MAX_TEXT_LENGTH` characters.
        now: the moment the text was written, for onsets such as "Tuesday morning"
            (default: the current local time).

    Raises:
        InputError: the text is too long.
        MissingTextExtraError: the ``text`` extra is not installed.
    """
    from backcare.errors import FieldProblem, InputError
    from backcare.text._numbers import (
        read_age,
        read_onset,
        read_pain,
        told_as_cause,
        told_of_another,
    )

    if len(text) > MAX_TEXT_LENGTH:
        raise InputError(
            gettext("the text is too long"),
            problems=[
                FieldProblem(
                    "text",
                    gettext("at most {max_text_length} characters").format(
                        max_text_length=MAX_TEXT_LENGTH
                    ),
                )
            ],
        )
    pipeline = load_pipeline()
    when = now or datetime.now()
    findings: list[Finding] = []
    answers: dict[str, Any] = {"red_flags": {}, "history": {}}
    conditions: list[str] = []
    triggers: list[tuple[str, int, int]] = []
    symptoms: list[int] = []  # where a red flag is mentioned, present or not
    hedged: list[tuple[str, int, int]] = []  # triggers the person is unsure of
    mentions, for_someone = pipeline.read(text)
    for mention in mentions:
        status = _STATUS[mention.status]
        findings.append(
            Finding(
                key=mention.key,
                status=status,
                text=mention.text,
                start=mention.start,
                end=mention.end,
            )
        )
        group, _, name = mention.key.partition(".")
        if group == "trigger" and status is FindingStatus.UNCERTAIN:
            # The person's own best guess at the cause ("desk-job back I think") is worth
            # offering: a trigger is pre-filled only for them to confirm or change.
            hedged.append((name, mention.start, mention.end))
        if group == "red_flags":
            # A time told of a sign, present or gone ("chest pain on Monday but it went"),
            # is not when the back pain began.
            symptoms.append(mention.start)
        if status is not FindingStatus.PRESENT:
            continue  # the safety rule: nothing but a present mention sets an answer
        if group in {"red_flags", "history"}:
            answers[group][name] = True
        elif group == "conditions" and name not in conditions:
            conditions.append(name)
        elif group == "trigger":
            triggers.append((name, mention.start, mention.end))
    # What the person says set it off ("hurt my back *lifting*", "did it *hoovering*")
    # wins over an activity told plainly ("she *fell*"); one told as how it is now or in a
    # question ("it's *bending* that kills", "can I still play *golf*?") is none.
    told = [
        # Another person's fall or accident ("my husband fell over and I strained my back
        # helping him up") is not the writer's trigger, unless they are the patient.
        (t, False)
        if not for_someone
        and t[0] in {"minor_fall", "serious_accident"}
        and told_of_another(text, t[1])
        else (t, told_as_cause(text, t[1], t[2]))
        for t in triggers or hedged
    ]
    caused = [t for t, how in told if how] or [t for t, how in told if how is None]
    # A serious accident the person tells of at all (a road collision, a fall from a
    # height) is the trigger whatever else they did after it ("came off my motorbike
    # yesterday ... when I stood up just now"): it changes the triage, so it is put in
    # front of them to confirm rather than lost behind a smaller cause.
    caused = [t for t, how in told if how is not False and t[0] == "serious_accident"] or caused
    for name, number in (
        ("age", read_age(text, now=when, for_someone=for_someone)),
        ("pain", read_pain(text)),
        (
            "hours_since_onset",
            read_onset(
                text,
                now=when,
                elsewhere=tuple(symptoms),
                causes=tuple(start for _, start, _ in caused),
            ),
        ),
    ):
        if number is not None:
            value = number.value if name == "hours_since_onset" else int(number.value)
            answers[name] = value
            findings.append(
                Finding(
                    key=name,
                    status=FindingStatus.PRESENT,
                    text=number.text,
                    start=number.start,
                    end=number.end,
                )
            )
    if conditions:
        answers["conditions"] = sorted(conditions)
    if caused:
        answers["trigger"] = pipeline.first_trigger(name for name, _, _ in caused)
    parse_answers(answers)  # the contract holds by construction; fail loudly if not
    findings.sort(key=lambda f: (f.start, f.key))
    return Extraction(answers=answers, findings=tuple(findings))
