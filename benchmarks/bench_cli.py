"""CLI wall time: ``backcare assess --json`` vs a bare ``python -c pass``.

Target: at most 6x the bare interpreter start. Measured interleaved in one run,
best of N; every ``assess`` run gets the next of the seeded generator's varied people
(:mod:`people`), so no run repeats the last one's answers. The same run also
times ``import pydantic`` plus one model, the floor for any process that validates
the contract with pydantic, so the result says how much of the CLI's cost is
backcare's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved, write_result
from people import people

TARGET = 6.0
ROUNDS = 15
PYDANTIC_FLOOR = (
    "from pydantic import BaseModel, ConfigDict\n"
    "class A(BaseModel):\n"
    "    model_config = ConfigDict(strict=True, extra='forbid')\n"
    "    x: int\n"
    "A(x=1)\n"
)


def main() -> dict[str, Any]:
    python = sys.executable
    backcare = [python, "-m", "backcare.cli", "assess", "--json", "-"]
    bodies = iter([json.dumps(answers).encode() for answers in people(2000)])

    def run(args: list[str], stdin: bytes | None = None) -> None:
        subprocess.run(args, input=stdin, capture_output=True, check=True)

    run(backcare, next(bodies))  # warm the knowledge-base cache, as any second run would find it
    best = interleaved(
        ROUNDS,
        {
            "bare_python": lambda: run([python, "-c", "pass"]),
            "pydantic_floor": lambda: run([python, "-c", PYDANTIC_FLOOR]),
            "backcare_assess_json": lambda: run(backcare, next(bodies)),
        },
    )
    ratio = best["backcare_assess_json"] / best["bare_python"]
    floor = best["pydantic_floor"] / best["bare_python"]
    result: dict[str, Any] = {
        **{f"{name}_ms": round(seconds * 1000, 1) for name, seconds in best.items()},
        "ratio_cli_to_bare_python": round(ratio, 1),
        "ratio_pydantic_floor_to_bare_python": round(floor, 1),
        "target_ratio": TARGET,
        "meets_target": ratio <= TARGET,
    }
    write_result("cli", result)
    print(
        f"cli: bare python {result['bare_python_ms']} ms, pydantic floor "
        f"{result['pydantic_floor_ms']} ms ({result['ratio_pydantic_floor_to_bare_python']}x), "
        f"backcare assess --json {result['backcare_assess_json_ms']} ms -> ratio "
        f"{result['ratio_cli_to_bare_python']} (target <= {TARGET}: "
        f"{'met' if result['meets_target'] else 'MISSED'})"
    )
    return result


if __name__ == "__main__":
    main()
