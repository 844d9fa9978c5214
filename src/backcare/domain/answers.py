"""The intake answers: public JSON contract v1, input side.

Every field is optional because a person may stop part-way; ``None`` always means
"not answered", never "no". The models are strict (no ``"5"`` for 5) and forbid
unknown keys, so a typo is an error that names the key instead of a silent "no".
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from backcare.domain.enums import Condition, Sex, Trend, Trigger
from backcare.errors import FieldProblem, InputError, validation_problems
from backcare.i18n import gettext

__all__ = ["Answers", "Course", "History", "RedFlags", "parse_answers"]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class RedFlags(BaseModel):
    """Yes/no answers to the red-flag questions (see ``red_flags.yaml`` for the wording)."""

    model_config = _STRICT

    saddle_numbness: bool | None = None
    bladder_or_bowel_change: bool | None = None
    both_legs: bool | None = None
    worsening_leg_weakness: bool | None = None
    erection_problems: bool | None = None
    chest_pain: bool | None = None
    collapse_signs: bool | None = None
    confusion_or_drowsiness: bool | None = None
    fever: bool | None = None
    unexplained_weight_loss: bool | None = None
    night_or_rest_pain: bool | None = None
    back_deformity_or_lump: bool | None = None
    worse_cough_sneeze_bowel: bool | None = None
    upper_back_pain: bool | None = None
    urinary_symptoms: bool | None = None
    one_leg_numbness_or_tingling: bool | None = None


class History(BaseModel):
    """Yes/no answers about medical history that raise the risk of serious causes."""

    model_config = _STRICT

    cancer: bool | None = None
    osteoporosis: bool | None = None
    long_term_steroids: bool | None = None
    iv_drug_use: bool | None = None
    immunosuppressed: bool | None = None


class Course(BaseModel):
    """How the episode has gone so far (typed by the person or derived from the diary)."""

    model_config = _STRICT

    days_of_self_care: Annotated[int, Field(ge=0, le=3650)] | None = None
    trend: Annotated[Trend | None, Field(strict=False)] = None
    recurrent_same_spot: bool | None = None
    disrupts_sleep_or_daily_life: bool | None = None


class Answers(BaseModel):
    """Everything the person has told backcare. All optional; ``None`` = unanswered."""

    model_config = _STRICT

    age: Annotated[int, Field(ge=0, le=120)] | None = None
    # Optional (contract v1 addition): settles questions that cannot apply, e.g. the
    # erection question for a woman. Unanswered, every question is asked.
    sex: Annotated[Sex | None, Field(strict=False)] = None
    hours_since_onset: Annotated[float, Field(ge=0, le=24 * 3650)] | None = None
    pain: Annotated[int, Field(ge=0, le=10)] | None = None
    height_cm: Annotated[float, Field(gt=50, le=272)] | None = None
    weight_kg: Annotated[float, Field(gt=10, le=650)] | None = None
    # Enum and set fields take their JSON forms ("lifting", a list) even in strict mode.
    trigger: Annotated[Trigger | None, Field(strict=False)] = None
    red_flags: RedFlags = RedFlags()
    history: History = History()
    conditions: Annotated[
        frozenset[Annotated[Condition, Strict(False)]] | None, Field(strict=False)
    ] = None
    course: Course = Course()

    def merged(self, update: Answers) -> Answers:
        """Return these answers with every answered field of ``update`` laid over them."""
        data = self.model_dump(exclude_none=True)
        for key, value in update.model_dump(exclude_none=True).items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                data[key] = value
        return Answers.model_validate(data, strict=False)


def parse_answers(data: object) -> Answers:
    """Validate raw JSON-like data into :class:`Answers`.

    Integers are accepted for number fields and JSON arrays for ``conditions``;
    anything else must have the exact type.

    Raises:
        InputError: with one :class:`~backcare.errors.FieldProblem` per bad field.
    """
    if isinstance(data, Answers):
        return data
    if not isinstance(data, dict):
        raise InputError(
            gettext("answers must be a JSON object"),
            problems=[FieldProblem("", gettext("got {name}").format(name=type(data).__name__))],
        )
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc.errors())
        raise InputError(gettext("invalid answers"), problems=problems) from exc
