"""The API's assessment JSON is byte for byte ``Assessment.model_dump_json()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from backcare import Engine
from backcare.web.encoding import AssessmentEncoder

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
CASES = [
    pytest.param(case["answers"], id=f"{path.stem}-{i}")
    for path in sorted(SCENARIOS.glob("*.yaml"))
    for i, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")))
]


@pytest.fixture(scope="module")
def encoder() -> AssessmentEncoder:
    return AssessmentEncoder(maxsize=8)


@pytest.mark.parametrize("answers", CASES)
def test_encoded_assessment_equals_pydantics_json(
    engine: Engine, encoder: AssessmentEncoder, answers: dict[str, Any]
) -> None:
    assessment = engine.assess(answers)
    expected = assessment.model_dump_json().encode()
    assert encoder.encode(assessment) == expected
    assert encoder.encode(engine.assess(answers)) == expected  # again, from the cache
