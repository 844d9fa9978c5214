"""Locust users of the hosted load test (run by ``bench_hosted.py``, not on its own).

Reads the seeded accounts from the JSON file named by ``BENCH_HOSTED_PLAN`` and writes
what it counted to ``BENCH_HOSTED_OUT`` when the run stops: acknowledged check-ins (by
idempotency key), responses checked for other patients' markers and the ones that had
some (cross-patient reads), and how often each route showed its own person's marker,
so the check is seen to look at text that is really on the page; and the idempotency
keys of the check-ins sent and of those acknowledged (201), to compare with the database.

The server sits behind a TLS proxy in production: the load goes to the worker port on
loopback with ``Host`` and ``X-Forwarded-Proto: https`` as the proxy would send them, and
the ``Secure`` cookies are kept and sent by hand (a cookie jar would not send them over
plain http).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pyotp
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_HOSTED_PLAN"]).read_text(encoding="utf-8"))
HEADERS = {"Host": PLAN["host"], "X-Forwarded-Proto": "https"}
MARKER = re.compile(r"loadmark[0-9a-f]{12}")
UID = re.compile(r"[0-9a-f]{32}")
ALL_UIDS = {p["uid"] for p in PLAN["patients"]}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

counts: Counter[str] = Counter()
acknowledged: set[str] = set()
sent: set[str] = set()
cross: list[dict[str, Any]] = []
_patients = itertools.count()
_clinicians = itertools.count()


class _Signed(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**HEADERS, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        with self.client.request(
            method, path, headers=headers, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            for key, value in response.headers.items():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";")[0]
            expected = kwargs.get("context", {}).get("expect", (200,))
            if response.status_code not in expected:
                response.failure(f"{response.status_code}: {(response.text or '')[:120]}")
            return response

    def sign_in(self, email: str) -> str:
        page = self.call("GET", "/signin", name="GET /signin")
        token = CSRF.search(page.text or "")
        assert token is not None, "no form token on /signin"
        self.call(
            "POST",
            "/signin",
            name="POST /signin",
            data={"csrf_token": token.group(1), "email": email, "password": PLAN["password"]},
            context={"expect": (303,)},
        )
        return token.group(1)

    def check(self, route: str, text: str | None, own: set[str], allowed: set[str]) -> None:
        """Count markers of anyone outside ``allowed`` in a response (must be none)."""
        body = text or ""
        found = set(MARKER.findall(body)) | (set(UID.findall(body)) & ALL_UIDS)
        counts[f"checked {route}"] += 1
        if found & own:
            counts[f"own marker seen {route}"] += 1
        strangers = found - allowed
        if strangers:
            cross.append({"route": route, "markers": sorted(strangers)[:3]})


class Patient(_Signed):
    """A patient on their phone: sign in, today's plan, a check-in, the diary, its API."""

    def on_start(self) -> None:
        super().on_start()
        self.me = PLAN["patients"][next(_patients) % len(PLAN["patients"])]
        self.own = {self.me["marker"], self.me["uid"]}
        self.rng = random.Random(self.me["id"])
        self.sign_in(self.me["email"])

    @staticmethod
    def _text(response: Any) -> str:
        return str(response.text or "")

    @task
    def visit(self) -> None:
        self.check(
            "/today", self._text(self.call("GET", "/today", name="GET /today")), self.own, self.own
        )
        self.check_in()
        diary = self.call("GET", "/diary", name="GET /diary")
        self.check("/diary", self._text(diary), self.own, self.own)
        history = self.call("GET", "/api/v1/diary/history", name="GET /api/v1/diary/history")
        self.check("/api/v1/diary/history", self._text(history), self.own, self.own)

    def check_in(self) -> None:
        rng = self.rng
        body: dict[str, Any] = {
            "pain": rng.randint(0, 9),
            "worst_pain": rng.randint(3, 10),
            "actions": [
                {"action": action, "count": rng.randint(1, 3)}
                for action in rng.sample(["ice", "heat", "walk", "exercises"], rng.randint(0, 3))
            ],
            "note": f"{self.me['marker']} day {rng.randint(1, 40)}",
        }
        key = str(uuid.uuid4())
        sent.add(key)
        # One in ten is sent twice, as a phone retries after a lost answer: stored once.
        for _ in range(2 if rng.random() < 0.1 else 1):
            response = self.call(
                "POST",
                "/api/v1/diary/check-ins",
                name="POST /api/v1/diary/check-ins",
                json=body,
                headers={"Idempotency-Key": key},
                context={"expect": (201,)},
            )
            if response.status_code == 201:
                acknowledged.add(key)
                counts["check-in answers"] += 1
                if response.headers.get("Idempotent-Replayed") == "true":
                    counts["replayed"] += 1
            self.check("/api/v1/diary/check-ins", self._text(response), self.own, self.own)


class Clinician(_Signed):
    """A clinician: sign in with a TOTP code, the dashboard, one of their patients."""

    fixed_count = int(os.environ.get("BENCH_HOSTED_CLINICIANS", "5"))

    def on_start(self) -> None:
        super().on_start()
        self.me = PLAN["clinicians"][next(_clinicians) % len(PLAN["clinicians"])]
        team = [p for p in PLAN["patients"] if p["team"] == self.me["team"]]
        self.team = team
        self.allowed = {p["marker"] for p in team} | {p["uid"] for p in team}
        token = self.sign_in(self.me["email"])
        self.call(
            "POST",
            "/signin/code",
            name="POST /signin/code",
            data={"csrf_token": token, "code": pyotp.TOTP(self.me["totp"]).now()},
            context={"expect": (303,)},
        )

    @task
    def rounds(self) -> None:
        page = self.call("GET", "/clinic", name="GET /clinic")
        self.check("/clinic", page.text, set(), self.allowed)
        patient = random.choice(self.team)
        one = self.call(
            "GET", f"/clinic/patients/{patient['id']}", name="GET /clinic/patients/[id]"
        )
        self.check("/clinic/patients/[id]", one.text, {patient["marker"]}, self.allowed)


@events.test_stop.add_listener
def _write(**_: Any) -> None:
    out = {
        "acknowledged_keys": sorted(acknowledged),
        "sent_keys": sorted(sent),
        "counts": dict(counts),
        "cross_patient_reads": len(cross),
        "cross_patient_examples": cross[:5],
    }
    Path(os.environ["BENCH_HOSTED_OUT"]).write_text(json.dumps(out, indent=1), encoding="utf-8")
