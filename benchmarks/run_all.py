"""Run benchmarks of this folder; each writes benchmarks/results/<name>.json.

``python benchmarks/run_all.py engine cli web`` runs those three one after the other, so
their figures come from one run on the same machine state. With ``--repeat N`` the whole
sequence runs N times (engine, cli, web, engine, cli, web, ...) and each result file
keeps the run with the median headline ratio, listing every run's ratio and the load
average before each: on a shared machine one run can be unlucky, and the spread says how
much the figures can be trusted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _common import write_result  # noqa: E402

#: The figure each benchmark is judged by, for choosing the median of repeated runs.
HEADLINE = {
    "bench_engine": "ratio_assess_to_validate",
    "bench_cli": "ratio_cli_to_bare_python",
    "bench_web": "ratio_assess_to_health",
    "bench_hosted": "ratio_2_to_1_workers",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="run the sequence N times")
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in HERE.glob("bench_*.py"))
    modules = [
        importlib.import_module(name if name.startswith("bench_") else f"bench_{name}")
        for name in names
    ]
    runs: dict[str, list[dict[str, Any]]] = {module.__name__: [] for module in modules}
    for _ in range(args.repeat):
        for module in modules:
            load = [round(x, 2) for x in os.getloadavg()]
            result = module.main()
            if result:
                runs[module.__name__].append({**result, "load_average_at_start": load})
    if args.repeat == 1:
        return
    for module in modules:
        key = HEADLINE.get(module.__name__)
        results = runs[module.__name__]
        if key is None or not results:
            continue
        ordered = sorted(results, key=lambda r: r[key])
        median = ordered[len(ordered) // 2]
        name = module.__name__.removeprefix("bench_")
        write_result(
            name,
            {
                **median,
                "repeats": len(results),
                "chosen": f"the run with the median {key} of {len(results)}",
                f"{key}_of_every_run": [r[key] for r in results],
                "load_average_at_start_of_every_run": [r["load_average_at_start"] for r in results],
            },
        )
        print(f"{name}: median {key} {median[key]} of {[r[key] for r in results]}")


if __name__ == "__main__":
    main()
