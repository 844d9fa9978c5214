"""Outcome measures for back pain: pure scoring of item responses, no I/O.

Scores the instruments of the clinical fact base §5 from the person's responses:

* **NRS** (numeric pain rating, 0-10) and its minimal clinically important change:
  the knowledge base's threshold ``nrs_mcid`` (``thresholds.yaml``: 2 points or 30 % of
  the baseline, Ostelo 2008 consensus), read through :func:`nrs_mcid`.
* **PSFS** (Patient-Specific Functional Scale, Stratford 1995): the mean of up to three
  activities rated 0 (unable) to 10 (as before the problem); change of at least
  2 points in the mean is beyond measurement error (MDC 90 %).
* **STarT Back** (Keele, Hill 2008): 9 items → total 0-9, psychosocial subscale
  (items 5-9) 0-5, risk group low / medium / high.
* **Oswestry Disability Index** (v2.1a): 10 section scores 0-5, missing or not
  applicable sections shrink the denominator; percentage and band.
* **Roland-Morris** (RMDQ-24): 24 ticked/unticked statements → 0-24.

Any questionnaire defined as data (:class:`~backcare.domain.questionnaire.QuestionnaireDefinition`,
one file in the knowledge base) is scored by :func:`score_questionnaire`, which reads
only the definition: its scales, scores and bands.

Licensing (fact base §5): the item *texts* of STarT Back (© Keele University),
the Oswestry index (© Jeremy Fairbank, licensed through Mapi Research Trust) and
Roland-Morris are copyrighted, so backcare ships **no item text**, only scoring of
responses a licensed form has collected. Every function raises
:class:`~backcare.errors.InputError` naming the offending item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING

from backcare.domain.enums import Trend
from backcare.domain.questionnaire import Band, QuestionnaireDefinition, first_band
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext

if TYPE_CHECKING:
    from backcare.knowledge.schema import Threshold

__all__ = [
    "ODI_MIN_ANSWERED",
    "PSFS_MAX_ACTIVITIES",
    "PSFS_MDC_POINTS",
    "RMDQ_ITEMS",
    "Bothersomeness",
    "OswestryBand",
    "OswestryResult",
    "QuestionnaireScore",
    "StartBackResult",
    "StartBackRisk",
    "nrs",
    "nrs_change",
    "nrs_mcid",
    "oswestry",
    "psfs_change",
    "psfs_mean",
    "roland_morris",
    "score_questionnaire",
    "start_back",
]


@cache
def nrs_mcid() -> Threshold:
    """The NRS minimal clinically important change, from the shipped knowledge base.

    One home for the number (``thresholds.yaml``, id ``nrs_mcid``), with its sources and
    evidence grade; the diary, the coach, the report and the command line all read it here.
    """
    from backcare.knowledge.loader import load_knowledge_base

    return load_knowledge_base().threshold("nrs_mcid")


#: PSFS minimal detectable change of the mean score (90 % confidence), in points.
PSFS_MDC_POINTS = 2
#: How many activities the PSFS takes (the three-activity version).
PSFS_MAX_ACTIVITIES = 3
#: Fewest Oswestry sections that must be answered for a score. This is backcare's
#: choice: the fact base marks the published limit on missing sections UNCONFIRMED.
ODI_MIN_ANSWERED = 8
#: Number of statements in the Roland-Morris questionnaire.
RMDQ_ITEMS = 24

_START_BACK_AGREE_ITEMS = 8
_ODI_SECTIONS = 10


def _score(value: object, *, field: str, low: int, high: int) -> int:
    # bool is an int subclass: reject it so True never passes as a score of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            gettext("a score must be a whole number"),
            problems=[
                FieldProblem(
                    field, gettext("must be a whole number {low}-{high}").format(low=low, high=high)
                )
            ],
        )
    if not low <= value <= high:
        raise InputError(
            gettext("a score is out of range"),
            problems=[
                FieldProblem(
                    field,
                    gettext("must be between {low} and {high}, got {value}").format(
                        low=low, high=high, value=value
                    ),
                )
            ],
        )
    return value


def nrs(value: int) -> int:
    """Check a 0-10 numeric pain rating (0 = no pain, 10 = worst imaginable).

    Args:
        value: the rating.

    Returns:
        The rating, unchanged.

    Raises:
        InputError: not a whole number from 0 to 10.
    """
    return _score(value, field="pain", low=0, high=10)


def nrs_change(baseline: int, current: int) -> Trend:
    """Classify a change in pain against the minimal clinically important change.

    Better: pain fell by at least :func:`nrs_mcid` (2 points or 30 % of the baseline).
    Worse: pain rose by at least as much (the
    same thresholds in the other direction, so a rise is never taken lightly).
    Otherwise the same. A baseline of 0 can only be judged in points.

    Args:
        baseline: the first pain score of the episode (0-10).
        current: the pain score now (0-10).

    Returns:
        :class:`~backcare.domain.enums.Trend` ``better``, ``same`` or ``worse``.

    Raises:
        InputError: a score is not 0-10.
    """
    base = _score(baseline, field="baseline", low=0, high=10)
    now = _score(current, field="current", low=0, high=10)
    drop = base - now
    if drop == 0:
        return Trend.SAME
    # Exact rational arithmetic: 30 % of 7 is 2.1, so a 2-point drop from 7 already counts.
    relative = Fraction(abs(drop), base) if base else Fraction(0)
    mcid = nrs_mcid()
    fraction = Fraction(str(mcid.fraction)) if mcid.fraction is not None else None
    meaningful = abs(drop) >= mcid.points or (
        base > 0 and fraction is not None and relative >= fraction
    )
    if not meaningful:
        return Trend.SAME
    return Trend.BETTER if drop > 0 else Trend.WORSE


def psfs_mean(scores: Sequence[int]) -> float:
    """The PSFS score: the mean of 1-3 activity ratings (0 = unable, 10 = as before).

    Args:
        scores: one rating per named activity.

    Returns:
        The mean rating, 0-10.

    Raises:
        InputError: no ratings, more than three, or a rating not 0-10.
    """
    if not 1 <= len(scores) <= PSFS_MAX_ACTIVITIES:
        raise InputError(
            gettext("the PSFS takes one to three activities"),
            problems=[
                FieldProblem(
                    "activities", gettext("got {scores_count}").format(scores_count=len(scores))
                )
            ],
        )
    checked = [_score(s, field=f"activities[{i}]", low=0, high=10) for i, s in enumerate(scores, 1)]
    return sum(checked) / len(checked)


def psfs_change(baseline_mean: float, current_mean: float) -> Trend:
    """Classify a change in the PSFS mean against its minimal detectable change (2 points).

    Higher PSFS is better, so a rise of 2 or more is ``better`` and a fall of 2 or
    more is ``worse``.

    Args:
        baseline_mean: the first PSFS mean of the episode.
        current_mean: the PSFS mean now.

    Returns:
        ``better``, ``same`` or ``worse``.
    """
    # Means of up to three whole numbers are multiples of 1/6 or 1/3: compare exactly.
    change = Fraction(current_mean).limit_denominator(1000) - Fraction(
        baseline_mean
    ).limit_denominator(1000)
    if change >= PSFS_MDC_POINTS:
        return Trend.BETTER
    if change <= -PSFS_MDC_POINTS:
        return Trend.WORSE
    return Trend.SAME


class Bothersomeness(StrEnum):
    """STarT Back item 9, how bothersome the back pain has been in the last 2 weeks.

    The five labels are not confirmed by the fact base; that only "very much" and
    "extremely" score a point is.
    """

    NOT_AT_ALL = "not_at_all"
    SLIGHTLY = "slightly"
    MODERATELY = "moderately"
    VERY_MUCH = "very_much"
    EXTREMELY = "extremely"

    @property
    def scores(self) -> bool:
        """Whether this answer counts one point."""
        return self in (Bothersomeness.VERY_MUCH, Bothersomeness.EXTREMELY)


class StartBackRisk(StrEnum):
    """STarT Back risk group."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class StartBackResult:
    """A scored STarT Back questionnaire."""

    total: int
    """Items 1-9, 0-9."""
    psychosocial: int
    """Items 5-9 (fear, anxiety, catastrophising, low mood, bothersomeness), 0-5."""
    risk: StartBackRisk


def start_back(agree: Sequence[bool], *, bothersomeness: Bothersomeness) -> StartBackResult:
    """Score the STarT Back Screening Tool (Hill et al. 2008).

    Total ≤ 3 → low risk; total ≥ 4 with psychosocial subscale ≤ 3 → medium;
    subscale ≥ 4 → high.

    Args:
        agree: items 1-8 in order, ``True`` for "agree".
        bothersomeness: the answer to item 9.

    Returns:
        The total, the psychosocial subscale and the risk group.

    Raises:
        InputError: not exactly 8 yes/no answers.
    """
    if len(agree) != _START_BACK_AGREE_ITEMS:
        raise InputError(
            gettext("STarT Back items 1-8 need exactly 8 answers"),
            problems=[
                FieldProblem("agree", gettext("got {agree_count}").format(agree_count=len(agree)))
            ],
        )
    for i, item in enumerate(agree, 1):
        if not isinstance(item, bool):
            raise InputError(
                gettext("STarT Back items 1-8 are agree/disagree"),
                problems=[FieldProblem(f"agree[{i}]", gettext("must be true (agree) or false"))],
            )
    item9 = int(Bothersomeness(bothersomeness).scores)
    total = sum(agree) + item9
    psychosocial = sum(agree[4:]) + item9
    if psychosocial >= 4:
        risk = StartBackRisk.HIGH
    elif total <= 3:
        risk = StartBackRisk.LOW
    else:
        risk = StartBackRisk.MEDIUM
    return StartBackResult(total=total, psychosocial=psychosocial, risk=risk)


class OswestryBand(StrEnum):
    """Oswestry disability band by percentage (0-20, 21-40, 41-60, 61-80, 81-100)."""

    MINIMAL = "minimal"
    MODERATE = "moderate"
    SEVERE = "severe"
    CRIPPLED = "crippled"
    BED_BOUND = "bed_bound"


@dataclass(frozen=True, slots=True)
class OswestryResult:
    """A scored Oswestry Disability Index."""

    percent: float
    """sum ÷ (5 × sections answered) × 100."""
    total: int
    answered: int
    band: OswestryBand


def _oswestry_band(percent: Fraction) -> OswestryBand:
    for ceiling, band in (
        (20, OswestryBand.MINIMAL),
        (40, OswestryBand.MODERATE),
        (60, OswestryBand.SEVERE),
        (80, OswestryBand.CRIPPLED),
    ):
        if percent <= ceiling:
            return band
    return OswestryBand.BED_BOUND


def oswestry(
    sections: Sequence[int | None], *, min_answered: int = ODI_MIN_ANSWERED
) -> OswestryResult:
    """Score the Oswestry Disability Index v2.1a from its 10 section scores.

    Each missing or not-applicable section (``None``, e.g. sex life) lowers the
    denominator by 5: 16 points over 9 sections is 16/45 = 35.6 %.

    Args:
        sections: the 10 section scores in order, each 0-5 or ``None``.
        min_answered: fewest answered sections accepted. The default, 8, is
            backcare's choice: the fact base marks the published limit UNCONFIRMED.

    Returns:
        The percentage, the raw total, the sections answered and the band.

    Raises:
        InputError: not 10 sections, a score not 0-5, or too few sections answered.
    """
    if len(sections) != _ODI_SECTIONS:
        raise InputError(
            gettext("the Oswestry index has 10 sections"),
            problems=[
                FieldProblem(
                    "sections", gettext("got {sections_count}").format(sections_count=len(sections))
                )
            ],
        )
    answered = [
        _score(s, field=f"sections[{i}]", low=0, high=5)
        for i, s in enumerate(sections, 1)
        if s is not None
    ]
    if len(answered) < min_answered:
        raise InputError(
            gettext("too few Oswestry sections answered for a valid score"),
            problems=[
                FieldProblem(
                    "sections",
                    gettext(
                        "{answered_count} answered; backcare needs at least "
                        "{min_answered} (its own threshold: the published limit is "
                        "unconfirmed)"
                    ).format(answered_count=len(answered), min_answered=min_answered),
                )
            ],
        )
    total = sum(answered)
    exact = Fraction(total * 100, 5 * len(answered))
    return OswestryResult(
        percent=float(exact), total=total, answered=len(answered), band=_oswestry_band(exact)
    )


def roland_morris(items: Sequence[bool]) -> int:
    """Score the Roland-Morris Disability Questionnaire: the number of ticked statements.

    Args:
        items: the 24 statements in order, ``True`` when ticked (unticked or not
            applicable is ``False``).

    Returns:
        The score, 0-24.

    Raises:
        InputError: not exactly 24 yes/no answers.
    """
    if len(items) != RMDQ_ITEMS:
        raise InputError(
            gettext("the Roland-Morris questionnaire has 24 statements"),
            problems=[
                FieldProblem("items", gettext("got {items_count}").format(items_count=len(items)))
            ],
        )
    for i, item in enumerate(items, 1):
        if not isinstance(item, bool):
            raise InputError(
                gettext("Roland-Morris statements are ticked or not"),
                problems=[FieldProblem(f"items[{i}]", gettext("must be true (ticked) or false"))],
            )
    return sum(items)


# --- questionnaires defined as data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionnaireScore:
    """A questionnaire scored from its definition (see :func:`score_questionnaire`)."""

    questionnaire: str
    """The definition's id."""
    version: str
    values: dict[str, float]
    """Each score by id (sums are whole numbers; percentages exact to float precision)."""
    answered: int
    """How many items were answered (blank optional items are not)."""
    band: Band | None
    """The band the result falls into, if the questionnaire has bands."""


def score_questionnaire(
    definition: QuestionnaireDefinition, answers: Mapping[str, object]
) -> QuestionnaireScore:
    """Score answers to any questionnaire from its definition alone.

    Args:
        definition: the questionnaire (from the knowledge base).
        answers: the chosen answer's value per item id; a blank optional item may be
            left out or given as ``None``. Whole numbers are read as their digits, so
            ``3`` and ``"3"`` are the same answer.

    Returns:
        Every score, the number of items answered and the band.

    Raises:
        InputError: an unknown item, an answer the item does not offer, a required item
            left blank, or too few items answered for a percentage; each problem names
            the item (its id and label) in plain words.
    """
    problems: list[FieldProblem] = []
    for item_id in answers:
        if definition.item(item_id) is None:
            problems.append(
                FieldProblem(
                    item_id,
                    gettext("is not an item of the {definition_short_title}").format(
                        definition_short_title=definition.short_title
                    ),
                )
            )
    chosen: dict[str, int] = {}
    for item in definition.items:
        given = answers.get(item.id)
        if isinstance(given, int) and not isinstance(given, bool):
            given = str(given)
        options = definition.options(item)
        if given is None or given == "":
            if not item.optional:
                problems.append(
                    FieldProblem(
                        item.id,
                        gettext("{item_label}: please choose an answer").format(
                            item_label=item.label
                        ),
                    )
                )
            continue
        option = next((o for o in options if o.value == given), None)
        if option is None:
            offered = ", ".join(o.value for o in options)
            problems.append(
                FieldProblem(
                    item.id,
                    gettext("{item_label}: {given!r} is not one of the answers ({offered})").format(
                        item_label=item.label, given=given, offered=offered
                    ),
                )
            )
            continue
        chosen[item.id] = option.score
    if problems:
        raise InputError(
            gettext("the {definition_short_title} answers have problems").format(
                definition_short_title=definition.short_title
            ),
            problems=problems,
        )
    exact: dict[str, Fraction] = {}
    for spec in definition.scores:
        members = definition.score_items(spec)
        answered = [i for i in members if i.id in chosen]
        total = sum(chosen[i.id] for i in answered)
        if spec.method == "sum":
            exact[spec.id] = Fraction(total)
            continue
        least = spec.min_answered or len(members)
        if len(answered) < least:
            raise InputError(
                gettext("too few {definition_short_title} items answered for a score").format(
                    definition_short_title=definition.short_title
                ),
                problems=[
                    FieldProblem(
                        spec.id,
                        gettext(
                            "{answered_count} of {members_count} answered; the {value} "
                            "needs at least {least}"
                        ).format(
                            answered_count=len(answered),
                            members_count=len(members),
                            value=spec.label.lower(),
                            least=least,
                        ),
                    )
                ],
            )
        most = sum(max(o.score for o in definition.options(i)) for i in answered)
        exact[spec.id] = Fraction(100 * total, most)
    return QuestionnaireScore(
        questionnaire=definition.id,
        version=definition.version,
        values={k: int(v) if v.denominator == 1 else float(v) for k, v in exact.items()},
        answered=len(chosen),
        band=first_band(definition, exact) if definition.bands else None,
    )
