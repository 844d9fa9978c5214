"""Height and weight asked in feet, inches and pounds, for a person who chose imperial units.

The assessment form then has three inputs (``height_ft``, ``height_in``, ``weight_lb``)
in place of ``height_cm`` and ``weight_kg``; this module turns them into the metric
form text the assessment flow reads (the answers contract stays metric) and back
into feet, inches and pounds for the form and "check your answers". The arithmetic is
in :mod:`backcare.units`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from backcare.errors import FieldProblem
from backcare.flow import SummaryLine
from backcare.i18n import gettext
from backcare.units import cm_to_feet_inches, feet_inches_to_cm, kg_to_pounds, pounds_to_kg

__all__ = [
    "IMPERIAL_TEXT",
    "imperial_problems",
    "imperial_summary",
    "imperial_values",
    "read_imperial",
]

HEIGHT, WEIGHT = "height_cm", "weight_kg"
#: The questions as an imperial form asks them, and the plain-word problem for each.
IMPERIAL_TEXT: dict[str, tuple[str, str]] = {
    HEIGHT: (
        "Your height in feet and inches (optional, for a BMI check)?",
        "Please enter your height in feet and inches, for example 5 ft 10 in, or leave it empty.",
    ),
    WEIGHT: (
        "Your weight in pounds (optional, for a BMI check and paracetamol dosing)?",
        "Please enter your weight in pounds, for example 154, or leave it empty.",
    ),
}
_NUMBER = re.compile(r"^\d{1,4}(?:[.,]\d{1,2})?$")


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text.replace(",", ".")) if _NUMBER.match(text) else None


def read_imperial(
    form: Mapping[str, str], keys: Iterable[str]
) -> tuple[dict[str, list[str]], list[FieldProblem]]:
    """The metric form text for ``keys`` (of height and weight) from the imperial inputs.

    A blank height or weight stays blank (unanswered); one that cannot be read is a
    problem in the person's units and is left out.
    """
    values: dict[str, list[str]] = {}
    problems: list[FieldProblem] = []
    for key in keys:
        if key == HEIGHT:
            feet_text, inches_text = form.get("height_ft", ""), form.get("height_in", "")
            if not (feet_text.strip() or inches_text.strip()):
                values[key] = []
                continue
            feet, inches = _number(feet_text or "0"), _number(inches_text or "0")
            try:
                if feet is None or inches is None:
                    raise ValueError(gettext("not a number"))
                values[key] = [f"{feet_inches_to_cm(feet, inches):g}"]
            except ValueError:
                problems.append(FieldProblem(key, IMPERIAL_TEXT[key][1]))
        elif key == WEIGHT:
            pounds_text = form.get("weight_lb", "")
            if not pounds_text.strip():
                values[key] = []
                continue
            pounds = _number(pounds_text)
            if pounds is None:
                problems.append(FieldProblem(key, IMPERIAL_TEXT[key][1]))
            else:
                values[key] = [f"{pounds_to_kg(pounds):g}"]
    return values, problems


def imperial_problems(problems: Sequence[FieldProblem]) -> tuple[FieldProblem, ...]:
    """``problems`` with those about height or weight worded in feet, inches and pounds."""
    return tuple(
        FieldProblem(p.field, IMPERIAL_TEXT[p.field][1]) if p.field in IMPERIAL_TEXT else p
        for p in problems
    )


def imperial_values(facts: Mapping[str, Any]) -> dict[str, str]:
    """The imperial inputs' text for the stored height and weight (empty when unanswered)."""
    shown = {"height_ft": "", "height_in": "", "weight_lb": ""}
    if facts.get(HEIGHT) is not None:
        feet, inches = cm_to_feet_inches(float(facts[HEIGHT]))
        shown["height_ft"], shown["height_in"] = str(feet), f"{inches:g}"
    if facts.get(WEIGHT) is not None:
        shown["weight_lb"] = f"{kg_to_pounds(float(facts[WEIGHT])):g}"
    return shown


def imperial_summary(lines: Sequence[SummaryLine], facts: Mapping[str, Any]) -> list[SummaryLine]:
    """ "Check your answers" with height and weight asked and shown in imperial units."""
    shown = imperial_values(facts)
    out = []
    for line in lines:
        if line.key in IMPERIAL_TEXT:
            line = replace(line, question=IMPERIAL_TEXT[line.key][0])
            if line.answered:
                answer = (
                    f"{shown['height_ft']} ft {shown['height_in']} in"
                    if line.key == HEIGHT
                    else f"{shown['weight_lb']} lb"
                )
                line = replace(line, answer=answer)
        out.append(line)
    return out
