"""Engine throughput: assess + plan for varied people vs validation alone.

Target: an assessment costs at most 5x validating the same answers with the
pydantic model (``Answers.model_validate``), measured side by side in one run, over
2,000 varied people from the seeded generator (:mod:`people`): golden scenarios
repeat too little to measure anything but a cache. The JSON the web API sends
(``assess_json``) is timed too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from backcare import Engine, Settings, load_knowledge_base
from backcare.domain.answers import Answers

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved, write_result
from people import people

TARGET = 5.0
PEOPLE = 2000


def main() -> dict[str, Any]:
    cases = people(PEOPLE)
    engine = Engine(load_knowledge_base(), Settings())
    repeat = 3

    def validate() -> None:
        for _ in range(repeat):
            for answers in cases:
                Answers.model_validate(answers)

    def assess() -> None:
        for _ in range(repeat):
            for answers in cases:
                engine.assess(answers)

    def assess_json() -> None:
        for _ in range(repeat):
            for answers in cases:
                engine.assess_json(answers)

    assess()  # warm up: first calls build the shared plan parts
    # CPU time of this thread: the machine is shared, and other processes' load must not
    # count against either side of the ratio.
    best = interleaved(
        9,
        {"validate": validate, "assess": assess, "assess_json": assess_json},
        clock=time.thread_time,
    )
    per_case = {name: seconds / (repeat * len(cases)) for name, seconds in best.items()}
    ratio = per_case["assess"] / per_case["validate"]
    result: dict[str, Any] = {
        "clock": "CPU time of the benchmark's thread (time.thread_time), best of 9 rounds",
        "people": len(cases),
        "distinct_results": len({engine.assess_json(answers) for answers in cases}),
        "validate_us_per_case": round(per_case["validate"] * 1e6, 2),
        "assess_us_per_case": round(per_case["assess"] * 1e6, 2),
        "assess_json_us_per_case": round(per_case["assess_json"] * 1e6, 2),
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
    return result


if __name__ == "__main__":
    main()
