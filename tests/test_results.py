"""Result models built by the engine's trusted constructor behave like validated ones."""

from __future__ import annotations

import pytest
from tests.factories import all_no

from backcare import Engine, TriageLevel
from backcare.domain.results import Assessment, Reason, ScheduleItem, trusted_builder


def test_trusted_model_equals_the_validated_one() -> None:
    values = {"time": "07:00", "action": "cold_therapy", "title": "Cold pack", "minutes": 20.0}
    assert trusted_builder(ScheduleItem)(**values) == ScheduleItem(**values)
    assert trusted_builder(ScheduleItem)(**values).model_dump() == values


def test_trusted_requires_every_field() -> None:
    with pytest.raises(TypeError, match="missing"):
        trusted_builder(ScheduleItem)(time="07:00", action="x", title="y")


def test_trusted_models_are_frozen() -> None:
    reason = trusted_builder(Reason)(id="x", message="m", level=TriageLevel.URGENT, sources=("s",))
    with pytest.raises(ValueError, match="frozen"):
        reason.id = "y"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="self-care"),
        pytest.param({"red_flags__chest_pain": True}, id="emergency"),
        pytest.param(
            {"red_flags__fever": True, "height_cm": 170, "weight_kg": 80}, id="urgent-bmi"
        ),
    ],
)
def test_engine_output_round_trips_through_validation(
    engine: Engine, overrides: dict[str, object]
) -> None:
    result = engine.assess(all_no(**overrides))
    again = Assessment.model_validate_json(result.model_dump_json())
    assert again == result
