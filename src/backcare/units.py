"""Imperial <-> metric conversion for the person's height and weight.

The answers contract is metric (``height_cm``, ``weight_kg``); a person who chose
imperial units types feet, inches and pounds, and these pure functions turn them into
the contract's units and back for display. Exact factors: 1 in = 2.54 cm, 1 lb =
0.45359237 kg (international yard and pound, 1959).
"""

from __future__ import annotations

from typing import Literal

from backcare.i18n import gettext

__all__ = [
    "UNITS",
    "Units",
    "cm_to_feet_inches",
    "feet_inches_to_cm",
    "kg_to_pounds",
    "pounds_to_kg",
]

Units = Literal["metric", "imperial"]
#: The unit systems a person can choose, the default first.
UNITS: tuple[Units, ...] = ("metric", "imperial")

_CM_PER_INCH = 2.54
_KG_PER_POUND = 0.45359237


def feet_inches_to_cm(feet: float, inches: float) -> float:
    """Height in centimetres (2 decimals) from feet and inches.

    Raises:
        ValueError: a negative number, or inches of 12 or more (that is another foot).
    """
    if feet < 0 or inches < 0:
        raise ValueError(gettext("feet and inches cannot be negative"))
    if inches >= 12:
        raise ValueError(gettext("inches must be under 12"))
    return round((feet * 12 + inches) * _CM_PER_INCH, 2)


def pounds_to_kg(pounds: float) -> float:
    """Weight in kilograms (2 decimals) from pounds.

    Raises:
        ValueError: a negative number.
    """
    if pounds < 0:
        raise ValueError(gettext("pounds cannot be negative"))
    return round(pounds * _KG_PER_POUND, 2)


def cm_to_feet_inches(cm: float) -> tuple[int, float]:
    """Whole feet and inches (1 decimal) for a height in centimetres."""
    total = round(cm / _CM_PER_INCH, 1)
    feet = int(total // 12)
    return feet, round(total - feet * 12, 1)


def kg_to_pounds(kg: float) -> float:
    """Pounds (1 decimal) for a weight in kilograms."""
    return round(kg / _KG_PER_POUND, 1)
