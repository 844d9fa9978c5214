"""JSON of assessments for the API, reusing the JSON of the plan parts the engine shares.

The engine builds each combination of plan parts (recommendations, medicines,
exercises, schedule, warning signs) once and shares the same immutable tuples
between every assessment with the same discrete inputs. Serialising an assessment
is dominated by those parts, so :class:`AssessmentEncoder` keeps the JSON of each
shared tuple (keyed by the tuple itself, held so its id cannot be reused) and
serialises only the rest per request. The bytes are exactly those of
``Assessment.model_dump_json()``; a test checks it over the golden scenarios.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from pydantic import TypeAdapter

from backcare.domain.results import Assessment, CarePlan

__all__ = ["AssessmentEncoder"]


def _adapters(model: type[Any]) -> dict[str, TypeAdapter[Any]]:
    return {name: TypeAdapter(field.annotation) for name, field in model.model_fields.items()}


class AssessmentEncoder:
    """Serialise assessments, caching the JSON of shared plan parts.

    Args:
        maxsize: how many shared parts to keep (least recently used go first).
    """

    def __init__(self, maxsize: int = 512) -> None:
        self._assessment = _adapters(Assessment)
        self._plan = _adapters(CarePlan)
        self._parts: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def _part(self, name: str, value: Any) -> bytes:
        adapter = self._plan[name]
        if not isinstance(value, tuple) or not value:
            return adapter.dump_json(value)
        key = id(value)
        with self._lock:
            hit = self._parts.get(key)
            if hit is not None and hit[0] is value:
                self._parts.move_to_end(key)
                return hit[1]
        data = adapter.dump_json(value)
        with self._lock:
            self._parts[key] = (value, data)
            if len(self._parts) > self._maxsize:
                self._parts.popitem(last=False)
        return data

    def encode(self, assessment: Assessment) -> bytes:
        """The assessment as JSON bytes, identical to ``model_dump_json()``."""
        plan = assessment.plan
        plan_json = b"{%s}" % b",".join(
            b'"%s":%s' % (name.encode(), self._part(name, getattr(plan, name)))
            for name in self._plan
        )
        return b"{%s}" % b",".join(
            b'"%s":%s'
            % (
                name.encode(),
                plan_json if name == "plan" else adapter.dump_json(getattr(assessment, name)),
            )
            for name, adapter in self._assessment.items()
        )
