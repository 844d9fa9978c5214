"""Hosted mode under load: 200 patients and 5 clinicians against ``backcare server``.

A bounded load test on loopback with locust (headless, ``hosted_locustfile.py``): 200
simulated patients sign in (password), open today's plan, send a check-in through the
JSON API with an ``Idempotency-Key`` (one in ten sent twice, as a phone retries), open
the diary page and its JSON twin; 5 clinicians sign in with a TOTP code, open the
dashboard and one of their care team's patients. It runs against ``backcare server
--workers 1`` and then ``--workers 2``, each on a fresh PostgreSQL database copied from
one seeded template (200 patients in 5 care teams, each with a varied episode from
:mod:`people` and a check-in whose note carries the patient's marker; 5 clinicians
with TOTP).

Checked, not only timed: no failed request, no response of a patient showing another
patient's marker or episode uid (nor a clinician's showing a patient outside the care
team), and the check-ins in the database equal the acknowledged (201) ones, counted by
idempotency key. Reported: requests/s, p50/p99 per route, the 1 -> 2 worker ratio, the
load average before and after each run and the CPU count (the load generator shares the
machine's cores with the server and PostgreSQL: nothing is pinned).

PostgreSQL: ``--database-url`` or ``BACKCARE_TEST_POSTGRES_URL`` (a user that may create
databases); without it the benchmark says it is skipped. Results:
``benchmarks/results/hosted.json``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import free_port, wait_until_up, write_result
from people import people

HERE = Path(__file__).parent
PATIENTS = 200
CLINICIANS = 5
RUN_SECONDS = int(os.environ.get("BENCH_HOSTED_SECONDS", "60"))
#: Patients arrive over 20 s: each sign-in costs an argon2id hash (about 0.1-0.2 s of CPU).
SPAWN_RATE = 10
WORKERS = (1, 2)
HOST = "clinic.example"
PASSWORD = "a long enough password for the load test"
BIN = Path(sys.executable).parent


def main(database_url: str | None = None) -> dict[str, Any] | None:
    base = database_url or os.environ.get("BACKCARE_TEST_POSTGRES_URL")
    if not base:
        print("hosted: skipped: no PostgreSQL (set BACKCARE_TEST_POSTGRES_URL or --database-url)")
        return None
    if not (BIN / "locust").exists():
        print("hosted: skipped: locust is not installed (pip install -e '.[dev]')")
        return None
    work = Path(tempfile.mkdtemp(prefix="backcare-bench-hosted-"))
    stamp = uuid.uuid4().hex[:8]
    runs: dict[str, Any] = {}
    with _database(base, f"bench_hosted_{stamp}_seed") as template:
        started = time.perf_counter()
        plan = _seed(template, work)
        seed_seconds = round(time.perf_counter() - started, 1)
        for workers in WORKERS:
            with _database(base, f"bench_hosted_{stamp}_{workers}", template=template) as url:
                runs[f"workers_{workers}"] = _run(url, plan, work, workers)
            print(f"hosted, {workers} worker(s):", json.dumps(runs[f"workers_{workers}"]["total"]))
    one, two = (runs[f"workers_{n}"]["total"]["requests_per_s"] for n in WORKERS)
    ok = all(
        r["total"]["failures"] == 0
        and r["cross_patient_reads"] == 0
        and r["acknowledged_not_stored"] == 0
        and r["checkins_stored"] == r["idempotency_keys_stored"]
        and r["stored_not_sent"] == 0
        for r in runs.values()
    )
    payload = {
        "patients": PATIENTS,
        "clinicians": CLINICIANS,
        "run_seconds": RUN_SECONDS,
        "cpus": os.cpu_count(),
        "seed_seconds": seed_seconds,
        "ratio_2_to_1_workers": round(two / one, 2) if one else None,
        "all_checks_pass": ok,
        "runs": runs,
    }
    write_result("hosted", payload)
    print(
        f"hosted: {one} -> {two} requests/s (x{payload['ratio_2_to_1_workers']}); checks pass: {ok}"
    )
    return payload


def _seed(url: str, work: Path) -> Path:
    """Accounts, care teams and varied episodes in the template database; the plan file."""
    import backcare.accounts as accounts_module
    from backcare.accounts import Accounts
    from backcare.diary import Diary
    from backcare.diary.inputs import CheckInEntry
    from backcare.rules.assessor import default_engine
    from backcare.store import open_store

    rng = random.Random(15)
    # One password for every account: hash it once (each hash is a deliberate 0.1 s or so).
    accounts_module.hash_password = functools.cache(accounts_module.hash_password)
    store = open_store(url)
    accounts = Accounts(store)
    engine = default_engine(None)
    now = datetime.now(UTC)
    teams = [f"team{n}" for n in range(CLINICIANS)]
    plan: dict[str, Any] = {"host": HOST, "password": PASSWORD, "patients": [], "clinicians": []}
    try:
        for n, team in enumerate(teams):
            person = accounts.add_person(
                email=f"clinician{n}@{HOST}", role="clinician", password=PASSWORD, care_team=team
            )
            secret = accounts.set_totp(person.id)
            plan["clinicians"].append({"email": person.email, "team": team, "totp": secret})
        for n, answers in enumerate(people(PATIENTS, seed=15)):
            team = teams[n % len(teams)]
            person = accounts.add_person(
                email=f"patient{n}@{HOST}", role="patient", password=PASSWORD, care_team=team
            )
            diary = Diary(store.for_person(person.id), engine=engine)
            onset = now - timedelta(hours=rng.uniform(2, 24 * 20))
            start = diary.start_episode(onset=onset, answers=answers)
            marker = f"loadmark{uuid.uuid4().hex[:12]}"
            diary.check_in(CheckInEntry(pain=rng.randint(1, 9), note=f"{marker} first"))
            plan["patients"].append(
                {
                    "id": person.id,
                    "email": person.email,
                    "team": team,
                    "marker": marker,
                    "uid": start.episode.uid,
                }
            )
    finally:
        store.close()
    path = work / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def _run(url: str, plan: Path, work: Path, workers: int) -> dict[str, Any]:
    """One locust run against ``backcare server --workers N``; stats and checks."""
    port = free_port()
    secret = work / "secret"
    if not secret.exists():
        secret.write_text(uuid.uuid4().hex * 2, encoding="utf-8")
    env = {
        **os.environ,
        "BACKCARE_DATABASE_URL": url,
        "BACKCARE_PUBLIC_URL": f"https://{HOST}",
        "BACKCARE_SECRET_FILE": str(secret),
        "BACKCARE_TRUSTED_PROXIES": "127.0.0.1",
    }
    log = (work / f"server-{workers}.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "backcare"), "server", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/health",
            headers={"Host": HOST, "X-Forwarded-Proto": "https"},
        )
        wait_until_up(health, server, 60)
        before = _stored(url)
        load_before = [round(x, 2) for x in os.getloadavg()]
        prefix = work / f"locust-{workers}"
        out = work / f"counts-{workers}.json"
        errors = (work / f"locust-{workers}.log").open("wb")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "hosted_locustfile.py"),
                "--headless",
                "--users",
                str(PATIENTS + CLINICIANS),
                "--spawn-rate",
                str(SPAWN_RATE),
                "--run-time",
                f"{RUN_SECONDS}s",
                "--stop-timeout",  # let each user finish its visit: its answers are counted
                "60",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "BENCH_HOSTED_PLAN": str(plan),
                "BENCH_HOSTED_OUT": str(out),
                "BENCH_HOSTED_CLINICIANS": str(CLINICIANS),
            },
            check=False,  # locust exits 1 when a request failed: the figures say which
            timeout=RUN_SECONDS + 120,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        errors.close()
        load_after = [round(x, 2) for x in os.getloadavg()]
        counted = json.loads(out.read_text(encoding="utf-8"))
        after = _stored(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    routes, total = _stats(Path(f"{prefix}_stats.csv"))
    timeline = _timeline(Path(f"{prefix}_stats_history.csv"))
    signed_in = [t["requests_per_s"] for t in timeline if 0 <= RUN_SECONDS - t["second"] <= 10]
    return {
        "workers": workers,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "total": total,
        # Once every patient has signed in (argon2id takes most of the ramp), the last 10 s.
        "requests_per_s_last_10_s": round(sum(signed_in) / len(signed_in), 1)
        if signed_in
        else None,
        "routes": routes,
        "timeline": timeline,
        "cross_patient_reads": counted["cross_patient_reads"],
        "cross_patient_examples": counted["cross_patient_examples"],
        **_compare(before, after, counted),
        "counts": counted["counts"],
        "failures": _failures(Path(f"{prefix}_failures.csv")),
    }


def _stats(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    routes: dict[str, Any] = {}
    total: dict[str, Any] = {}
    with path.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            figures = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p99_ms": float(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                routes[row["Name"]] = figures
    return routes, total


def _timeline(path: Path) -> list[dict[str, Any]]:
    """Every 5 s of the run: users, requests/s and p50 of the moment (locust's history)."""
    rows = []
    with path.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated" and row["50%"] != "N/A":
                rows.append(row)
    if not rows:
        return []
    start = int(rows[0]["Timestamp"])
    seen: dict[int, dict[str, Any]] = {}
    for row in rows:
        second = int(row["Timestamp"]) - start
        seen.setdefault(
            second // 5 * 5,
            {
                "second": second // 5 * 5,
                "users": int(row["User Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
            },
        )
    return list(seen.values())


def _failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [
            {"route": row["Name"], "error": row["Error"][:200], "count": row["Occurrences"]}
            for row in csv.DictReader(file)
        ][:10]


def _compare(
    before: tuple[int, set[str]], after: tuple[int, set[str]], counted: dict[str, Any]
) -> dict[str, int]:
    """The check-ins the database holds against those the server acknowledged, by key.

    A check-in still on its way when the run stops may be stored without its answer
    having arrived (a phone would retry it with the same key): that is counted, not an
    error. An acknowledged key not stored, or a check-in stored twice, would be.
    """
    keys = after[1] - before[1]
    acknowledged = set(counted["acknowledged_keys"])
    return {
        "checkins_acknowledged": len(acknowledged),
        "checkins_stored": after[0] - before[0],
        "idempotency_keys_stored": len(keys),
        "acknowledged_not_stored": len(acknowledged - keys),
        "stored_unanswered_at_stop": len(keys - acknowledged),
        "stored_not_sent": len(keys - set(counted["sent_keys"])),
    }


def _stored(url: str) -> tuple[int, set[str]]:
    """How many check-ins the database holds, and the idempotency keys it holds."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM checkins")).scalar_one()
            keys = connection.execute(sa.text("SELECT key FROM idempotency_keys")).scalars()
            return int(count), set(keys)
    finally:
        engine.dispose()


@contextmanager
def _database(base: str, name: str, *, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database beside ``base``'s (from ``template``'s), dropped after."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    source = make_url(template).database if template else None
    try:
        with admin.connect() as connection:
            clause = f' TEMPLATE "{source}"' if source else ""
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL of a user that may create databases")
    main(parser.parse_args().database_url)
