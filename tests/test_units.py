"""Imperial <-> metric conversion of height and weight (``backcare.units``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.units import cm_to_feet_inches, feet_inches_to_cm, kg_to_pounds, pounds_to_kg


@pytest.mark.parametrize(
    ("feet", "inches", "cm"),
    [
        pytest.param(5, 10, 177.8, id="5ft-10in"),
        pytest.param(6, 0, 182.88, id="0-inches"),
        pytest.param(0, 0, 0.0, id="nothing"),
        pytest.param(5, 11.5, 181.61, id="half-inch"),
        pytest.param(8, 11, 271.78, id="near-the-272-cm-bound"),
    ],
)
def test_feet_and_inches_to_cm(feet: float, inches: float, cm: float) -> None:
    assert feet_inches_to_cm(feet, inches) == cm


@pytest.mark.parametrize(
    ("pounds", "kg"),
    [
        pytest.param(154, 69.85, id="154lb"),
        pytest.param(0, 0.0, id="zero"),
        pytest.param(1, 0.45, id="one-pound"),
        pytest.param(1432, 649.54, id="near-the-650-kg-bound"),
    ],
)
def test_pounds_to_kg(pounds: float, kg: float) -> None:
    assert pounds_to_kg(pounds) == kg


@pytest.mark.parametrize(
    ("feet", "inches", "words"),
    [
        pytest.param(5, 12, "under 12", id="12-inches-is-a-foot"),
        pytest.param(-1, 0, "negative", id="negative-feet"),
        pytest.param(5, -1, "negative", id="negative-inches"),
    ],
)
def test_impossible_heights_are_refused(feet: float, inches: float, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        feet_inches_to_cm(feet, inches)


def test_negative_pounds_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        pounds_to_kg(-1)


@given(st.integers(0, 8), st.integers(0, 11))
def test_whole_feet_and_inches_come_back_unchanged(feet: int, inches: int) -> None:
    assert cm_to_feet_inches(feet_inches_to_cm(feet, inches)) == (feet, inches)


@given(st.integers(0, 1400))
def test_whole_pounds_come_back_unchanged(pounds: int) -> None:
    assert kg_to_pounds(pounds_to_kg(pounds)) == pounds
