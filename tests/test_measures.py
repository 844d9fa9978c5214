"""Tables of scored cases for the outcome measures (NRS, PSFS, STarT Back, Oswestry, RMDQ)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.domain.enums import Trend
from backcare.errors import InputError
from backcare.measures import (
    Bothersomeness,
    OswestryBand,
    StartBackRisk,
    nrs,
    nrs_change,
    oswestry,
    psfs_change,
    psfs_mean,
    roland_morris,
    start_back,
)

B = Bothersomeness


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        pytest.param(6, 4, Trend.BETTER, id="two-point-drop-is-better"),
        pytest.param(6, 5, Trend.SAME, id="one-point-drop-from-6-is-same"),
        pytest.param(3, 2, Trend.BETTER, id="one-point-drop-from-3-is-33-percent-better"),
        pytest.param(4, 3, Trend.SAME, id="one-point-drop-from-4-is-25-percent-same"),
        pytest.param(10, 8, Trend.BETTER, id="two-points-from-10-is-better"),
        pytest.param(10, 9, Trend.SAME, id="one-point-from-10-is-same"),
        pytest.param(7, 7, Trend.SAME, id="no-change-is-same"),
        pytest.param(4, 6, Trend.WORSE, id="two-point-rise-is-worse"),
        pytest.param(5, 6, Trend.SAME, id="one-point-rise-from-5-is-same"),
        pytest.param(3, 4, Trend.WORSE, id="one-point-rise-from-3-is-33-percent-worse"),
        pytest.param(0, 1, Trend.SAME, id="rise-from-zero-judged-in-points-only"),
        pytest.param(0, 2, Trend.WORSE, id="two-point-rise-from-zero-is-worse"),
        pytest.param(1, 0, Trend.BETTER, id="one-to-zero-is-100-percent-better"),
    ],
)
def test_nrs_change_applies_two_points_or_thirty_percent(
    baseline: int, current: int, expected: Trend
) -> None:
    assert nrs_change(baseline, current) is expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(-1, id="negative"),
        pytest.param(11, id="above-10"),
        pytest.param(True, id="bool"),
    ],
)
def test_nrs_out_of_range_is_refused(value: int) -> None:
    with pytest.raises(InputError) as caught:
        nrs(value)
    assert caught.value.problems[0].field == "pain"


@given(st.integers(0, 10), st.integers(0, 10))
def test_nrs_change_is_antisymmetric_for_better_and_worse(a: int, b: int) -> None:
    forward, backward = nrs_change(a, b), nrs_change(b, a)
    if forward is Trend.BETTER and abs(a - b) >= 2:
        assert backward is Trend.WORSE
    if a == b:
        assert forward is backward is Trend.SAME


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        pytest.param([4], 4.0, id="one-activity"),
        pytest.param([2, 5], 3.5, id="two-activities"),
        pytest.param([0, 10, 5], 5.0, id="three-activities"),
    ],
)
def test_psfs_mean_is_the_average_rating(scores: list[int], expected: float) -> None:
    assert psfs_mean(scores) == expected


@pytest.mark.parametrize(
    "scores",
    [
        pytest.param([], id="none"),
        pytest.param([1, 2, 3, 4], id="four"),
        pytest.param([11], id="above-10"),
        pytest.param([-1], id="negative"),
    ],
)
def test_psfs_mean_refuses_bad_ratings(scores: list[int]) -> None:
    with pytest.raises(InputError):
        psfs_mean(scores)


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        pytest.param(3.0, 5.0, Trend.BETTER, id="plus-two-is-better"),
        pytest.param(3.0, 4.5, Trend.SAME, id="plus-one-and-a-half-is-same"),
        pytest.param(5.0, 3.0, Trend.WORSE, id="minus-two-is-worse"),
        pytest.param(11 / 3, 17 / 3, Trend.BETTER, id="thirds-compared-exactly"),
    ],
)
def test_psfs_change_uses_two_point_mdc(baseline: float, current: float, expected: Trend) -> None:
    assert psfs_change(baseline, current) is expected


def _agree(*items: int) -> list[bool]:
    return [i in items for i in range(1, 9)]


@pytest.mark.parametrize(
    ("agree", "bother", "total", "psychosocial", "risk"),
    [
        pytest.param(_agree(), B.NOT_AT_ALL, 0, 0, StartBackRisk.LOW, id="nothing-low"),
        pytest.param(_agree(1, 2, 3), B.MODERATELY, 3, 0, StartBackRisk.LOW, id="total-3-low"),
        pytest.param(_agree(1, 2, 3), B.VERY_MUCH, 4, 1, StartBackRisk.MEDIUM, id="total-4-medium"),
        pytest.param(
            _agree(1, 5, 6, 7), B.SLIGHTLY, 4, 3, StartBackRisk.MEDIUM, id="subscale-3-medium"
        ),
        pytest.param(_agree(5, 6, 7), B.EXTREMELY, 4, 4, StartBackRisk.HIGH, id="subscale-4-high"),
        pytest.param(
            _agree(*range(1, 9)), B.EXTREMELY, 9, 5, StartBackRisk.HIGH, id="everything-high"
        ),
    ],
)
def test_start_back_scores_total_subscale_and_risk(
    agree: list[bool], bother: Bothersomeness, total: int, psychosocial: int, risk: StartBackRisk
) -> None:
    result = start_back(agree, bothersomeness=bother)
    assert (result.total, result.psychosocial, result.risk) == (total, psychosocial, risk)


def test_start_back_refuses_wrong_item_count() -> None:
    with pytest.raises(InputError, match="exactly 8"):
        start_back([True] * 7, bothersomeness=B.SLIGHTLY)


@pytest.mark.parametrize(
    ("sections", "percent", "band"),
    [
        pytest.param([0] * 10, 0.0, OswestryBand.MINIMAL, id="zero-minimal"),
        pytest.param([2] * 10, 40.0, OswestryBand.MODERATE, id="forty-is-moderate"),
        pytest.param([1] * 10, 20.0, OswestryBand.MINIMAL, id="twenty-is-minimal"),
        pytest.param(
            [2, 2, 2, 2, 2, 2, 2, None, 1, 1],
            16 / 45 * 100,
            OswestryBand.MODERATE,
            id="sex-life-not-applicable-divides-by-45",
        ),
        pytest.param([3] * 10, 60.0, OswestryBand.SEVERE, id="sixty-severe"),
        pytest.param([4] * 10, 80.0, OswestryBand.CRIPPLED, id="eighty-crippled"),
        pytest.param([5] * 10, 100.0, OswestryBand.BED_BOUND, id="hundred-bed-bound"),
        pytest.param(
            [5, 5, 5, 5, 5, 5, 5, 5, None, None],
            100.0,
            OswestryBand.BED_BOUND,
            id="two-missing-still-scored",
        ),
    ],
)
def test_oswestry_percentage_and_band(
    sections: list[int | None], percent: float, band: OswestryBand
) -> None:
    result = oswestry(sections)
    assert result.percent == pytest.approx(percent)
    assert result.band is band


def test_oswestry_refuses_too_few_sections_and_says_threshold_is_backcares() -> None:
    with pytest.raises(InputError) as caught:
        oswestry([1, 1, 1, 1, 1, 1, 1, None, None, None])
    assert "unconfirmed" in str(caught.value)


@pytest.mark.parametrize(
    "sections",
    [
        pytest.param([1] * 9, id="nine-sections"),
        pytest.param([6] + [1] * 9, id="score-above-5"),
    ],
)
def test_oswestry_refuses_malformed_sections(sections: list[int | None]) -> None:
    with pytest.raises(InputError):
        oswestry(sections)


@pytest.mark.parametrize(
    ("ticked", "expected"),
    [
        pytest.param(0, 0, id="none"),
        pytest.param(7, 7, id="seven"),
        pytest.param(24, 24, id="all"),
    ],
)
def test_roland_morris_counts_ticked_statements(ticked: int, expected: int) -> None:
    items = [i < ticked for i in range(24)]
    assert roland_morris(items) == expected


@pytest.mark.parametrize(
    "items",
    [pytest.param([True] * 23, id="23-items"), pytest.param([1] * 24, id="ints-not-bools")],
)
def test_roland_morris_refuses_malformed_items(items: list[bool]) -> None:
    with pytest.raises(InputError):
        roland_morris(items)
