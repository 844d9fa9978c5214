#!/usr/bin/env python3
"""Audit the locked dependencies for known vulnerabilities, offline-aware.

    python scripts/audit_dependencies.py requirements.lock

Runs ``pip-audit`` on the lock file. A vulnerability database that cannot be
reached must not look like a clean audit (``pip-audit`` reports every package
"not found" and exits 0 when PyPI's JSON API is blocked), so each service is first
asked about a canary: a release with a published vulnerability. The first service
that knows the canary audits the lock file; if none does, the audit is skipped
with the reason printed, and the exit status is 0, so a closed network alone
never fails CI. Exit status 1: a locked release has a known vulnerability, or a
locked package could not be audited while the database was reachable.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Starlette 0.49.0 has CVE-2025-62727 (fixed in 0.49.1): any working database knows it.
CANARY = "starlette==0.49.0"
SERVICES = ("pypi", "osv")
TIMEOUT = "20"


def pip_audit(requirements: Path, service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report for ``requirements`` (``None`` and the reason if it failed)."""
    command = [
        sys.executable, "-m", "pip_audit", "--requirement", str(requirements),
        "--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off",
        "--vulnerability-service", service, "--timeout", TIMEOUT,
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return None, lines[-1] if lines else f"pip-audit exited {done.returncode}"
    return (report if isinstance(report, dict) else None), "unexpected report"


def knows_the_canary(service: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as folder:
        canary = Path(folder) / "canary.txt"
        canary.write_text(CANARY + "\n")
        report, reason = pip_audit(canary, service)
    if report is None:
        return False, reason
    dependencies = report.get("dependencies", [])
    if any(d.get("vulns") for d in dependencies):
        return True, ""
    skipped = [d.get("skip_reason") for d in dependencies if d.get("skip_reason")]
    return False, skipped[0] if skipped else f"it does not know the advisory of {CANARY}"


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements.lock")
    if not lock.is_file():
        print(f"dependency audit: no lock file {lock} (run make lock)", file=sys.stderr)
        return 1
    reasons = []
    for service in SERVICES:
        usable, reason = knows_the_canary(service)
        if usable:
            break
        reasons.append(f"{service}: {reason}")
    else:
        print("dependency audit SKIPPED: no vulnerability database is reachable")
        for reason in reasons:
            print(f"  - {reason}")
        return 0
    report, reason = pip_audit(lock, service)
    if report is None:
        print(f"dependency audit FAILED ({service}): {reason}", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    for dependency in unaudited:
        print(f"{dependency['name']}: not audited ({dependency['skip_reason']})")
    audited = len(dependencies) - len(unaudited)
    print(
        f"dependency audit ({service}): {audited} locked packages audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(unaudited)} not audited"
    )
    return 1 if vulnerable or unaudited else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
