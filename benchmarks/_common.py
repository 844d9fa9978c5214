"""Shared helpers for the benchmarks: timing side by side and writing results.

Machines here are shared and noisy, so every benchmark measures its subject and
its baseline interleaved in one run and reports their ratio, using the best of
several rounds (the least disturbed measurement of each).
"""

from __future__ import annotations

import json
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def best_of(rounds: int, fn: Callable[[], Any]) -> float:
    """Seconds taken by the fastest of ``rounds`` calls of ``fn``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def interleaved(
    rounds: int,
    fns: dict[str, Callable[[], Any]],
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Best time of each function, measured round-robin so noise hits all alike.

    ``clock`` is wall time by default; in-process work can pass ``time.thread_time``
    (CPU time of this thread), which other processes on a shared machine do not inflate.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = clock()
            fn()
            best[name] = min(best[name], clock() - start)
    return best


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` with machine details to ``benchmarks/results/<name>.json``."""
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port on ``host`` (loopback only: the benchmarks never listen elsewhere)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(
    request: str | urllib.request.Request, process: subprocess.Popen[bytes], seconds: float
) -> None:
    """Return once ``request`` answers 200; fail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited; see its log")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {seconds:g} s")
