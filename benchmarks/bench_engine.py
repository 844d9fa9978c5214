"""Engine throughput: assess + plan over the golden scenarios vs validation alone.

Target: an assessment costs at most 5x validating the same answers with the
pydantic model (``Answers.model_validate``), measured side by side in one run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from backcare import Engine, Settings, load_knowledge_base
from backcare.domain.answers import Answers

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved, write_result

TARGET = 5.0
SCENARIOS = Path(__file__).parents[1] / "tests" / "data" / "scenarios"


def main() -> dict[str, float]:
    cases = [
        case["answers"]
        for path in sorted(SCENARIOS.glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    engine = Engine(load_knowledge_base(), Settings())
    repeat = 40

    def validate() -> None:
        for _ in range(repeat):
            for answers in cases:
                Answers.model_validate(answers)

    def assess() -> None:
        for _ in range(repeat):
            for answers in cases:
                engine.assess(answers)

    assess()  # warm up: first calls build the shared plan parts
    best = interleaved(15, {"validate": validate, "assess": assess})
    per_case = {name: seconds / (repeat * len(cases)) for name, seconds in best.items()}
    ratio = per_case["assess"] / per_case["validate"]
    result = {
        "cases": len(cases),
        "validate_us_per_case": round(per_case["validate"] * 1e6, 2),
        "assess_us_per_case": round(per_case["assess"] * 1e6, 2),
        "assessments_per_second": round(1 / per_case["assess"]),
        "ratio_assess_to_validate": round(ratio, 2),
        "target_ratio": TARGET,
        "meets_target": ratio <= TARGET,
    }
    write_result("engine", result)
    print(
        f"engine: validate {result['validate_us_per_case']} us, assess "
        f"{result['assess_us_per_case']} us per case -> ratio {result['ratio_assess_to_validate']}"
        f" (target <= {TARGET}: {'met' if result['meets_target'] else 'MISSED'})"
    )
    return per_case


if __name__ == "__main__":
    main()
