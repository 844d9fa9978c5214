"""Outcome questionnaires as data: the typed definition one YAML file describes.

A :class:`QuestionnaireDefinition` holds everything backcare needs to ask, score,
explain and export a questionnaire: its items (with their text only where the licence
allows shipping it, otherwise a short neutral label), the answer scales, the scores
(sums and percentages of item scores), the bands a result falls into (each with its
source), the minimal clinically important change if known, and the FHIR identifiers.

The model checks itself as it is built, so a definition that exists is usable: every
item names a real scale, every score and band names real items and scores, item texts
appear only when the licence says they may be shipped, and the bands cover every score
the questionnaire can produce (they are tried in order; the first that matches wins).
Scoring lives in :func:`backcare.measures.score_questionnaire`; the files live in the
knowledge base (``knowledge/data/questionnaires/``), loaded by
:func:`backcare.knowledge.questionnaires.load_questionnaires`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from backcare.i18n import in_language

__all__ = [
    "AnswerOption",
    "Band",
    "Bound",
    "FhirIdentity",
    "Licence",
    "Mcid",
    "QuestionnaireDefinition",
    "QuestionnaireItem",
    "ScoreSpec",
    "first_band",
    "reachable_values",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
#: Words a person reads: a string (English) or one text per language, English required
#: (as every knowledge-base text; :func:`backcare.i18n.in_language` keeps the active one).
Text = Annotated[
    str, BeforeValidator(in_language), StringConstraints(min_length=1, strip_whitespace=True)
]
# More combinations than this and the coverage check would take too long to be a load check.
_MAX_COMBINATIONS = 200_000


class AnswerOption(BaseModel):
    """One answer on a scale: the stored value, the words shown and its score."""

    model_config = _STRICT

    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=40)]
    label: Text
    score: int


class QuestionnaireItem(BaseModel):
    """One item: a neutral label always, the item's own text only where it may be shipped."""

    model_config = _STRICT

    id: Id
    label: Text
    text: Text | None = None
    scale: Id
    optional: bool = False
    """May be left blank ("not applicable"); only percentage scores may include it."""


class ScoreSpec(BaseModel):
    """A score: the sum of item scores, or that sum as a percentage of the most possible."""

    model_config = _STRICT

    id: Id
    label: Text
    method: Literal["sum", "percent"]
    items: tuple[Id, ...] | Literal["all"] = "all"
    min_answered: int | None = Field(default=None, ge=1)
    """Percent only: fewest items answered for a valid score (blanks shrink the maximum)."""
    explanation: Text
    """What the score means, in plain words."""


class Bound(BaseModel):
    """Limits on one score's value (all inclusive or exclusive as named; any may be left out)."""

    model_config = _STRICT

    at_least: float | None = None
    at_most: float | None = None
    above: float | None = None
    below: float | None = None

    def holds(self, value: Fraction) -> bool:
        """Whether ``value`` is within the limits."""
        return (
            (self.at_least is None or value >= Fraction(self.at_least))
            and (self.at_most is None or value <= Fraction(self.at_most))
            and (self.above is None or value > Fraction(self.above))
            and (self.below is None or value < Fraction(self.below))
        )


class Band(BaseModel):
    """A named range of results (a risk group, a disability band), with its meaning and source."""

    model_config = _STRICT

    id: Id
    label: Text
    when: dict[Id, Bound] = Field(default_factory=dict)
    """Limits on the scores, all of which must hold; empty matches anything."""
    explanation: Text


class Mcid(BaseModel):
    """The minimal clinically important change of one score, with its sources."""

    model_config = _STRICT

    score: Id
    points: float = Field(gt=0)
    better: Literal["lower", "higher"] = "lower"
    """Which way a score moves when the person is better."""
    sources: tuple[Id, ...] = Field(min_length=1)
    note: str | None = None


class Licence(BaseModel):
    """Who holds the questionnaire's copyright and what backcare may ship."""

    model_config = _STRICT

    holder: Text
    terms: Text
    item_texts_shipped: bool
    """False: items carry a neutral label only; the person answers from their own copy."""
    notice: Text | None = None
    """A copyright notice that must be shown with the questionnaire."""


class FhirIdentity(BaseModel):
    """How the questionnaire is named in FHIR: its canonical URL and any LOINC codes."""

    model_config = _STRICT

    canonical: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    """Kebab-case name, used in resource ids and local codes."""
    loinc: dict[Id, str] = Field(default_factory=dict)
    """LOINC code of a score (by score id), where one is known."""


class QuestionnaireDefinition(BaseModel):
    """One questionnaire, as its knowledge-base file describes it."""

    model_config = _STRICT

    id: Id
    title: Text
    short_title: Text
    version: Text
    description: Text
    instructions: Text
    """Shown before the first item: what the questionnaire asks about and how to answer."""
    licence: Licence
    sources: tuple[Id, ...] = Field(min_length=1)
    scales: dict[Id, tuple[AnswerOption, ...]]
    items: tuple[QuestionnaireItem, ...] = Field(min_length=1)
    scores: tuple[ScoreSpec, ...] = Field(min_length=1)
    bands: tuple[Band, ...] = ()
    band_sources: tuple[Id, ...] = ()
    mcid: Mcid | None = None
    fhir: FhirIdentity

    def item(self, item_id: str) -> QuestionnaireItem | None:
        """The item with this id, if any."""
        return next((i for i in self.items if i.id == item_id), None)

    def score_items(self, spec: ScoreSpec) -> tuple[QuestionnaireItem, ...]:
        """The items a score adds up, in questionnaire order."""
        if spec.items == "all":
            return self.items
        wanted = set(spec.items)
        return tuple(i for i in self.items if i.id in wanted)

    def options(self, item: QuestionnaireItem) -> tuple[AnswerOption, ...]:
        """The answers an item takes."""
        return self.scales[item.scale]

    def cited_sources(self) -> tuple[str, ...]:
        """Every source id the definition cites, once each."""
        found = [*self.sources, *self.band_sources, *(self.mcid.sources if self.mcid else ())]
        return tuple(dict.fromkeys(found))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = list(self._problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> Iterator[str]:
        yield from _duplicates("item", [i.id for i in self.items])
        yield from _duplicates("score", [s.id for s in self.scores])
        yield from _duplicates("band", [b.id for b in self.bands])
        for scale, options in self.scales.items():
            if len(options) < 2:
                yield f"scale '{scale}' needs at least two answers"
            yield from _duplicates(f"answer of scale '{scale}'", [o.value for o in options])
        items = {i.id: i for i in self.items}
        for item in self.items:
            if item.scale not in self.scales:
                yield f"item '{item.id}' uses scale '{item.scale}', which is not defined"
            if item.text is not None and not self.licence.item_texts_shipped:
                yield (
                    f"item '{item.id}' carries its text, but the licence says item texts "
                    "are not shipped (give a neutral label only)"
                )
        if any(item.scale not in self.scales for item in self.items):
            return
        scores = {s.id: s for s in self.scores}
        for spec in self.scores:
            named = () if spec.items == "all" else spec.items
            for item_id in named:
                if item_id not in items:
                    yield f"score '{spec.id}' adds item '{item_id}', which does not exist"
            if any(item_id not in items for item_id in named):
                continue
            members = self.score_items(spec)
            if spec.method == "sum":
                if spec.min_answered is not None:
                    yield f"score '{spec.id}': min_answered applies to percentage scores only"
                blank = [i.id for i in members if i.optional]
                if blank:
                    yield (
                        f"score '{spec.id}' is a sum but items {', '.join(blank)} may be left "
                        "blank (use a percentage score)"
                    )
            elif spec.min_answered is not None and spec.min_answered > len(members):
                yield f"score '{spec.id}' needs more answered items than it has"
        for band in self.bands:
            for score_id in band.when:
                if score_id not in scores:
                    yield f"band '{band.id}' reads score '{score_id}', which does not exist"
        if self.mcid is not None and self.mcid.score not in scores:
            yield f"the MCID names score '{self.mcid.score}', which does not exist"
        for score_id in self.fhir.loinc:
            if score_id not in scores:
                yield f"a LOINC code is given for score '{score_id}', which does not exist"
        if self.bands and not self.band_sources:
            yield "bands need their sources ('band_sources')"
        if self.bands and all(s in scores for b in self.bands for s in b.when):
            yield from self._coverage()

    def _coverage(self) -> Iterator[str]:
        """Every combination of reachable score values falls into some band; no band is dead."""
        read = sorted({s for band in self.bands for s in band.when})
        values = [
            sorted(reachable_values(self, next(s for s in self.scores if s.id == score_id)))
            for score_id in read
        ]
        count = 1
        for choices in values:
            count *= len(choices)
        if count > _MAX_COMBINATIONS:
            yield f"the bands read too many score combinations to check ({count})"
            return
        used: set[str] = set()
        for combination in itertools.product(*values):
            result = dict(zip(read, combination, strict=True))
            band = first_band(self, result)
            if band is None:
                shown = ", ".join(f"{k} = {float(v):g}" for k, v in result.items())
                yield f"no band covers {shown}"
                return
            used.add(band.id)
        for band in self.bands:
            if band.id not in used:
                yield f"band '{band.id}' can never be reached (an earlier band takes its range)"


def first_band(definition: QuestionnaireDefinition, values: Mapping[str, Fraction]) -> Band | None:
    """The first band whose limits all hold for these score values."""
    for band in definition.bands:
        if all(bound.holds(values[score]) for score, bound in band.when.items()):
            return band
    return None


def reachable_values(definition: QuestionnaireDefinition, spec: ScoreSpec) -> set[Fraction]:
    """Every value a score can take (exact), from the item scales.

    Sums: every sum of one answer per item. Percentages: every sum over every maximum
    of an allowed set of answered items (blank optional items lower the maximum).
    """
    # State: (sum of scores, sum of the answered items' maxima, items answered).
    states: set[tuple[int, int, int]] = {(0, 0, 0)}
    for item in definition.score_items(spec):
        scores = [o.score for o in definition.options(item)]
        top = max(scores)
        following = {(s + score, m + top, n + 1) for s, m, n in states for score in scores}
        states = following | states if item.optional else following
    members = len(definition.score_items(spec))
    if spec.method == "sum":
        return {Fraction(s) for s, _, _ in states}
    least = spec.min_answered or members
    return {Fraction(100 * s, m) for s, m, n in states if n >= least and m > 0}


def _duplicates(what: str, ids: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            yield f"{what} '{value}' is given twice"
        seen.add(value)
