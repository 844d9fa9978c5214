"""Property-based tests of the JSON API against its own OpenAPI schema (schemathesis).

Bounded: a few examples per operation, no deadline, seconds in all. Every default
check runs (no 500s, documented status codes and content types, responses matching
their schemas, schema-violating requests rejected, 405 with ``Allow`` for other
methods) except "schema-valid data is accepted", which cannot hold as such:

* the contract is strict on purpose, so ``35.0`` is not an age, while JSON Schema
  calls ``35.0`` an integer;
* the diary refuses schema-valid data that clashes with what is saved (a check-in
  before the episode began, a prescription-only medicine) with 422.

In its place, :func:`_rejects_only_integral_floats` checks the pure assessment
endpoints: a schema-valid request may be refused only for an integral float.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from backcare.web import create_app
from backcare.web.security import LOOPBACK_HOSTS

# schemathesis's ASGI client calls itself "testserver"; the host check is tested elsewhere.
APP = create_app(database_url="sqlite://", allowed_hosts=LOOPBACK_HOSTS | {"testserver"})
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
PURE = {"/api/v1/assess", "/api/v1/next-questions", "/api/v1/assess/step"}


def _integral_floats(value: Any, path: str = "") -> set[str]:
    if isinstance(value, float) and value.is_integer():
        return {path}
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return set()
    found: set[str] = set()
    for key, item in items:
        found |= _integral_floats(item, f"{path}.{key}" if path else str(key))
    return found


def _rejects_only_integral_floats(case: schemathesis.Case, response: Any) -> None:
    meta = case.meta
    negative = meta is None or meta.generation.mode.is_negative
    if negative or case.path not in PURE or response.status_code != 422:
        return
    floats = _integral_floats(case.body)
    problems = json.loads(response.content)["error"]["problems"]
    for problem in problems:
        field = problem["field"]
        assert any(f == field or f.endswith("." + field) for f in floats), problem


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    _rejects_only_integral_floats(case, response)
