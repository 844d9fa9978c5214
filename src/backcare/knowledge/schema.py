"""Pydantic models of the knowledge-base YAML files.

The knowledge base is data, not code: every red flag, rule, recommendation,
medicine, exercise and source conflict lives in ``data/*.yaml`` and is parsed
into these models. Unknown keys are errors, and every clinical entry must name
at least one source; cross-references are checked by :mod:`backcare.knowledge.loader`.

Rules are written in a small condition language (:class:`Condition`). It has no
negation and booleans can only be tested for ``true``, so answering "yes" to
one more question can never make a rule stop firing: the triage engine is
monotonic by construction, not only by test.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from backcare.domain.enums import EvidenceGrade, MedicineStatus, Phase, Sides, Track, TriageLevel
from backcare.i18n import gettext, in_language

__all__ = [
    "BmiBand",
    "Condition",
    "Conflict",
    "ConflictPosition",
    "DoseSpec",
    "Drawing",
    "Exercise",
    "ExercisePosition",
    "IntakeQuestion",
    "KnowledgeBase",
    "Licence",
    "Medicine",
    "MedicineRule",
    "Message",
    "PhaseSpec",
    "Progression",
    "QuestionGroup",
    "Recommendation",
    "RedFlag",
    "ScheduleSpec",
    "Source",
    "Threshold",
    "TriageRule",
    "WarningSignSpec",
]

# defer_build: schemas are built on first validation, so a run that loads the cached
# knowledge base never pays for building them.
_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
SourceIds = Annotated[tuple[str, ...], Field(min_length=1)]


#: Words a person reads: a string (English) or a mapping of language to text.
Text = Annotated[str, BeforeValidator(in_language), Field(min_length=1)]


class Source(BaseModel):
    """A seed article or a guideline, paper, label or page that backcare cites."""

    model_config = _STRICT

    id: Id
    kind: Literal["seed", "guideline", "paper", "label", "web"]
    title: Text
    # How every view names the source to a person ("NICE NG59"), never its id.
    short_title: Annotated[Text, Field(max_length=40)]
    url: str | None = None
    file: str | None = None  # for seeds: the file name under shared/seeds
    authority: Literal["high", "moderate", "low"]
    notes: str | None = None

    @model_validator(mode="after")
    def _seed_has_file(self) -> Self:
        if self.kind == "seed" and not self.file:
            raise ValueError(gettext("a seed source must give its file name in 'file'"))
        if self.kind != "seed" and not self.url:
            raise ValueError(gettext("a non-seed source must give a 'url'"))
        return self


class Condition(BaseModel):
    """A test on the answers: one comparison, or ``all``/``any`` of other conditions.

    Comparisons (exactly one, with ``answer``): ``is: true``, ``at_least: n``,
    ``below: n``, ``in: [choices]``, ``contains: item`` (for the conditions list).
    ``or_unanswered: true`` makes an unanswered value count as a match, for rules
    that must err towards care when the person has not said.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    answer: str | None = None
    is_: Literal[True] | None = Field(default=None, alias="is")
    at_least: float | None = None
    below: float | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    contains: str | None = None
    or_unanswered: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        forms = [self.all is not None, self.any is not None, self.answer is not None]
        if sum(forms) != 1:
            raise ValueError(gettext("a condition needs exactly one of 'all', 'any' or 'answer'"))
        tests = [
            self.is_ is not None,
            self.at_least is not None,
            self.below is not None,
            self.in_ is not None,
            self.contains is not None,
        ]
        if self.answer is not None and sum(tests) != 1:
            raise ValueError(
                gettext(
                    "a comparison needs exactly one of 'is', 'at_least', 'below', 'in', 'contains'"
                )
            )
        if self.answer is None and any(tests):
            raise ValueError(gettext("'all'/'any' cannot also carry a comparison"))
        return self

    def answer_paths(self) -> list[str]:
        """Every answer path this condition reads, for cross-reference checks."""
        if self.answer is not None:
            return [self.answer]
        children = self.all or self.any or ()
        return [path for child in children for path in child.answer_paths()]


class RedFlag(BaseModel):
    """One yes/no red-flag or history question and the level a "yes" gives."""

    model_config = _STRICT

    id: Id
    answer: Annotated[str, Field(pattern=r"^(red_flags|history)\.[a-z_]+$")]
    level: TriageLevel
    priority: Annotated[int, Field(ge=1)]  # lower = asked earlier
    question: Text
    reason: Text
    may_suggest: Text
    sources: SourceIds
    # When another answer settles that this question cannot apply (no "yes" is possible),
    # it is not asked and does not hold the assessment incomplete. Never ``or_unanswered``.
    not_asked_when: Condition | None = None


class IntakeQuestion(BaseModel):
    """A question that is not a red flag but feeds the rules (age, trigger, pain...)."""

    model_config = _STRICT

    answer: Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_]+)?$")]
    kind: Literal["integer", "number", "choice", "multi_choice", "boolean"]
    priority: Annotated[int, Field(ge=1)]
    screening: bool  # counts toward a complete assessment
    question: Text
    why: Text
    choices: tuple[str, ...] = ()
    sources: SourceIds
    not_asked_when: Condition | None = None  # as for :class:`RedFlag`
    # Plain words for the person: each choice's label (the one home of these words, read
    # by the pages and the terminal), and what to type when an answer cannot be read or is
    # out of range ("Please enter your age in years, for example 42").
    choice_labels: dict[str, Text] = {}
    invalid: Text | None = None
    # Choices not offered when an answer settles that they cannot apply (pregnancy for a man).
    choices_not_offered_when: dict[str, Condition] = {}

    @model_validator(mode="after")
    def _every_choice_labelled(self) -> Self:
        if self.choices and set(self.choice_labels) != set(self.choices):
            missing = sorted(set(self.choices) - set(self.choice_labels))
            extra = sorted(set(self.choice_labels) - set(self.choices))
            raise ValueError(
                gettext(
                    "choice_labels must name every choice (missing {missing}, extra {extra})"
                ).format(missing=missing, extra=extra)
            )
        return self


class QuestionGroup(BaseModel):
    """One page of the assessment: questions asked together, most dangerous page first.

    Every question is in exactly one group and keeps its own explicit answer; the
    ``none_option`` (only for a group of yes/no questions) answers the group's
    unanswered questions "no" when, and only when, the person chooses it.
    """

    model_config = _STRICT

    id: Id
    title: Text
    hint: Text | None = None
    none_option: Text | None = None
    questions: Annotated[tuple[str, ...], Field(min_length=1)]  # answer paths, in page order


class TriageRule(BaseModel):
    """A rule beyond a single red flag: combinations, course of the episode, age."""

    model_config = _STRICT

    id: Id
    level: TriageLevel
    when: Condition
    message: Text
    sources: SourceIds


class PhaseSpec(BaseModel):
    """One phase of the episode, by hours since onset."""

    model_config = _STRICT

    id: Phase
    from_hours: Annotated[float, Field(ge=0)]
    until_hours: float | None  # None = open-ended
    summary: Text
    sources: SourceIds


class DoseSpec(BaseModel):
    """Dose of a recommendation: duration, frequency, window and hard limits."""

    model_config = _STRICT

    minutes: float | None = None
    max_minutes: float | None = None
    every_hours: float | None = None
    times_per_day: int | None = None
    for_hours: tuple[float, float] | None = None
    amount: Text | None = None
    notes: tuple[Text, ...] = ()


class ScheduleSpec(BaseModel):
    """How a recommendation becomes timed actions in today's schedule."""

    model_config = _STRICT

    every_hours: float | None = None
    times_per_day: int | None = None
    anchor: Literal["wake", "sleep"] = "wake"
    offset_minutes: Annotated[int, Field(ge=0)] = 0  # after wake, or before sleep
    from_hours: Annotated[float, Field(ge=0)] = 0  # not timetabled before this hour of the episode
    minutes: float | None = None
    title: Text

    @model_validator(mode="after")
    def _one_frequency(self) -> Self:
        if (self.every_hours is None) == (self.times_per_day is None):
            raise ValueError(
                gettext("a schedule needs exactly one of 'every_hours' or 'times_per_day'")
            )
        if self.anchor == "sleep" and self.times_per_day != 1:
            raise ValueError(gettext("a schedule anchored to sleep must be once a day"))
        return self


class Recommendation(BaseModel):
    """One piece of advice in one of the three tracks."""

    model_config = _STRICT

    id: Id
    track: Track
    title: Text
    phases: Annotated[tuple[Phase, ...], Field(min_length=1)]
    hours: tuple[float, float | None] | None = None  # narrower window within the phases
    when: Condition | None = None  # only for people this applies to
    # Shown instead of these recommendations when it applies (a variant for a group,
    # e.g. pregnancy): it needs a `when`, so the general advice stays the default.
    replaces: tuple[Id, ...] = ()
    instructions: Annotated[tuple[Text, ...], Field(min_length=1)]
    dose: DoseSpec | None = None
    safety: tuple[Text, ...] = ()
    stop_if: tuple[Text, ...] = ()
    schedule: ScheduleSpec | None = None
    # An exercise or activity card: left out of a plan that waits for a clinician (urgent).
    exercise: bool = False
    evidence: EvidenceGrade
    sources: SourceIds

    @model_validator(mode="after")
    def _variant_has_when(self) -> Self:
        if self.replaces and self.when is None:
            raise ValueError(gettext("a recommendation that 'replaces' others needs a 'when'"))
        return self


class MedicineRule(BaseModel):
    """A contraindication or caution: when it applies, the status it forces and why.

    A rule may also change the label limits shown with the medicine when it applies:
    ``max_daily_mg`` lowers the daily maximum, ``no_daily_max`` removes it (the
    reason then says who sets it: a pharmacist or doctor), and ``usual_dose``
    replaces the adult dose text (e.g. children's doses go by age and weight).
    The lowest limit of all fired rules wins, and ``no_daily_max`` beats any number.
    """

    model_config = _STRICT

    when: Condition
    status: MedicineStatus
    reason: Text
    max_daily_mg: Annotated[int, Field(gt=0)] | None = None
    no_daily_max: bool = False
    usual_dose: Text | None = None
    sources: SourceIds

    @model_validator(mode="after")
    def _one_limit(self) -> Self:
        if self.no_daily_max and self.max_daily_mg is not None:
            raise ValueError(gettext("give 'max_daily_mg' or 'no_daily_max', not both"))
        return self


class Licence(BaseModel):
    """What a medicine is licensed for in one region, shown with it as a note.

    Statuses stay label-based; this only tells the person what the pharmacy pack
    in their country may say.
    """

    model_config = _STRICT

    region: Text
    note: Text
    sources: SourceIds


class OverdoseAdvice(BaseModel):
    """What to do after taking more of a medicine than the limit: who to call, and when.

    ``text`` is shown when a logged dose breaks a limit; ``{number}`` is the person's
    emergency number and ``{max}`` the label's daily maximum in mg.
    """

    model_config = _STRICT

    text: Text
    evidence: EvidenceGrade
    sources: SourceIds


class Medicine(BaseModel):
    """An over-the-counter medicine, or a treatment that is only ever "ask a doctor"."""

    model_config = _STRICT

    id: Id
    name: Text
    aliases: tuple[str, ...] = ()
    otc: bool
    drug_class: Literal["nsaid", "analgesic", "muscle_relaxant", "injection"]
    usual_dose: Text
    dose_mg: tuple[int, int] | None = None  # one dose, smallest to largest
    min_interval_hours: float | None = None
    max_daily_mg: int | None = None
    max_days: int | None = None
    rules: tuple[MedicineRule, ...] = ()
    notes: tuple[Text, ...] = ()
    licences: tuple[Licence, ...] = ()
    # What to do after taking too much: every medicine backcare logs needs it.
    overdose: OverdoseAdvice | None = None
    sources: SourceIds

    @model_validator(mode="after")
    def _otc_has_limits(self) -> Self:
        if self.otc and (self.max_daily_mg is None or self.min_interval_hours is None):
            raise ValueError(
                gettext("an OTC medicine needs 'max_daily_mg' and 'min_interval_hours'")
            )
        if self.otc and self.overdose is None:
            raise ValueError(
                gettext("an OTC medicine needs 'overdose' advice (who to call after too much)")
            )
        for rule in self.rules:
            if rule.max_daily_mg is not None and (
                self.max_daily_mg is None or rule.max_daily_mg >= self.max_daily_mg
            ):
                raise ValueError(
                    gettext("a rule's 'max_daily_mg' must be below the medicine's own")
                )
        return self

    def licence_notes(self) -> tuple[str, ...]:
        """The licence notes as shown with the medicine, e.g. ``"UK licence: ..."``."""
        return tuple(
            gettext("{region} licence: {note}").format(region=licence.region, note=licence.note)
            for licence in self.licences
        )


class Progression(BaseModel):
    """How an exercise grows across sessions when pain allows, and its ceiling."""

    model_config = _STRICT

    hold_step_seconds: Annotated[int, Field(ge=0)] = 0
    reps_step: Annotated[int, Field(ge=0)] = 0
    max_hold_seconds: Annotated[int, Field(ge=1)]
    max_reps: Annotated[int, Field(ge=1)]


class ExercisePosition(BaseModel):
    """A body position exercises are done in, and who should leave them out.

    ``left_out_when`` uses the rule language (no negation), so answering one more
    question "yes" can only leave more exercises out; ``note`` tells the person why,
    in the plan.
    """

    model_config = _STRICT

    id: Id
    name: Text
    left_out_when: Condition | None = None
    note: Text | None = None
    sources: SourceIds

    @model_validator(mode="after")
    def _rule_has_note(self) -> Self:
        if (self.left_out_when is None) != (self.note is None):
            raise ValueError(gettext("'left_out_when' and 'note' go together"))
        return self


class Drawing(BaseModel):
    """The illustration of an exercise: an SVG file in ``data/drawings`` and its text alternative.

    The file draws the start position (group ``pose-start``) and the held position
    (group ``pose-end``); the loader checks that it exists and has both.
    """

    model_config = _STRICT

    file: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.svg$")]
    alt: Text
    """What the drawing shows, in words, for people who cannot see it."""


class Exercise(BaseModel):
    """A gentle exercise with its starting dose, phase gate and stop rules."""

    model_config = _STRICT

    id: Id
    name: Text
    drawing: Drawing
    kind: Literal["stretch", "mobility", "strength"]
    position: Id  # an id of positions.yaml
    from_phase: Phase
    steps: Annotated[tuple[Text, ...], Field(min_length=1)]
    hold_seconds: Annotated[int, Field(ge=1)]
    reps: Annotated[int, Field(ge=1)]
    sides: Sides
    rest_seconds: Annotated[int, Field(ge=0)]
    times_per_day: Annotated[int, Field(ge=1)]
    progression: Progression
    stop_if: Annotated[tuple[Text, ...], Field(min_length=1)]
    sources: SourceIds


class ConflictPosition(BaseModel):
    """What one source says on a disputed point."""

    model_config = _STRICT

    source: Id
    says: Text


class Conflict(BaseModel):
    """A point where sources disagree (or one is wrong) and how backcare resolves it."""

    model_config = _STRICT

    id: Id
    topic: Text
    positions: Annotated[tuple[ConflictPosition, ...], Field(min_length=2)]
    resolution: Text
    decided_by: SourceIds
    applies_to: tuple[str, ...] = ()  # ids of rules, recommendations, medicines affected


class WarningSignSpec(BaseModel):
    """A "see a doctor if..." line shown with every plan."""

    model_config = _STRICT

    id: Id
    text: Text
    level: TriageLevel
    sources: SourceIds
    covers: tuple[str, ...] = ()  # the questions (answer keys) this line stands for


class Message(BaseModel):
    """A patient-facing text the engine builds results from (a triage summary, a note).

    ``{number}`` stands for the emergency number of the settings; the engine names the
    messages it needs by id and the loader checks each is here.
    """

    model_config = _STRICT

    id: Id
    text: Text
    sources: tuple[str, ...] = ()


class BmiBand(BaseModel):
    """An adult body-mass-index band: values below ``below`` (kg/m²), the last open-ended."""

    model_config = _STRICT

    id: Id
    label: Text
    below: float | None
    sources: SourceIds


class Threshold(BaseModel):
    """When a change in an outcome score matters: ``points``, or ``fraction`` of the baseline."""

    model_config = _STRICT

    id: Id
    measure: Text
    meaning: Text
    points: Annotated[float, Field(gt=0)]
    fraction: Annotated[float, Field(gt=0, lt=1)] | None = None
    sources: SourceIds
    evidence: EvidenceGrade

    @property
    def text(self) -> str:
        """The threshold in words: "2 points or 30%"."""
        points = f"{self.points:g} point{'' if self.points == 1 else 's'}"
        return points if self.fraction is None else f"{points} or {self.fraction:.0%}"


class KnowledgeBase(BaseModel):
    """The whole protocol, validated and cross-checked."""

    model_config = _STRICT

    sources: tuple[Source, ...]
    red_flags: tuple[RedFlag, ...]
    intake: tuple[IntakeQuestion, ...]
    triage_rules: tuple[TriageRule, ...]
    phases: tuple[PhaseSpec, ...]
    recommendations: tuple[Recommendation, ...]
    medicines: tuple[Medicine, ...]
    exercises: tuple[Exercise, ...]
    positions: tuple[ExercisePosition, ...]
    warning_signs: tuple[WarningSignSpec, ...]
    conflicts: tuple[Conflict, ...]
    groups: tuple[QuestionGroup, ...]
    messages: tuple[Message, ...]
    bmi_bands: tuple[BmiBand, ...]
    thresholds: tuple[Threshold, ...]

    def message(self, message_id: str) -> str:
        """The text of a message (the loader checks the engine's messages are all here)."""
        return next(m.text for m in self.messages if m.id == message_id)

    def threshold(self, threshold_id: str) -> Threshold:
        """A threshold by id (the loader checks the ones the code reads are all here)."""
        return next(t for t in self.thresholds if t.id == threshold_id)

    def source(self, source_id: str) -> Source:
        """Return the source with this id (ids are checked at load time)."""
        return self._sources_by_id[source_id]

    def source_title(self, source_id: str) -> str:
        """How a person sees a source: its short title ("NICE NG59"); an unknown id as is."""
        source = self._sources_by_id.get(source_id)
        return source.short_title if source is not None else source_id

    def medicine(self, name: str) -> Medicine | None:
        """Find a medicine by id, name or alias, ignoring case (paracetamol = acetaminophen)."""
        return self._medicines_by_name.get(name.strip().lower())

    def exercise(self, exercise_id: str) -> Exercise | None:
        """Return the exercise with this id, if any."""
        return self._exercises_by_id.get(exercise_id)

    def choice_labels(self) -> dict[str, str]:
        """Every choice id of the intake questions and the words shown for it."""
        return {choice: label for q in self.intake for choice, label in q.choice_labels.items()}

    @property
    def _sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @property
    def _medicines_by_name(self) -> dict[str, Medicine]:
        index: dict[str, Medicine] = {}
        for med in self.medicines:
            for name in (med.id, med.name, *med.aliases):
                index[name.lower()] = med
        return index

    @property
    def _exercises_by_id(self) -> dict[str, Exercise]:
        return {e.id: e for e in self.exercises}
