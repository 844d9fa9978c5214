"""Small responses shared by several areas: the health check and the sources a page cites."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import (
    BaseModel,
)

from backcare.domain.results import Assessment
from backcare.knowledge.schema import KnowledgeBase
from backcare.web.schemas.fields import OUTPUT as _OUT

__all__ = [
    "Health",
    "SourceOut",
    "assessment_sources",
    "otc_ids",
    "source_ids",
    "sources_out",
    "trusted_first",
]

# --- small outputs ----------------------------------------------------------------------


class Health(BaseModel):
    """The trivial endpoint: the server is up."""

    model_config = _OUT

    status: Literal["ok"] = "ok"
    version: str


class SourceOut(BaseModel):
    """A source cited by the plan, from the knowledge base."""

    model_config = _OUT

    id: str
    title: str
    kind: str
    authority: str
    url: str | None = None


def source_ids(*groups: Iterable[str]) -> list[str]:
    """Source ids in first-cited order, each once."""
    seen: dict[str, None] = {}
    for group in groups:
        for source_id in group:
            seen.setdefault(source_id, None)
    return list(seen)


def sources_out(kb: KnowledgeBase, ids: Iterable[str]) -> list[SourceOut]:
    """The knowledge-base entries of the given source ids (unknown ids are skipped)."""
    known = {s.id: s for s in kb.sources}
    return [
        SourceOut(id=s.id, title=s.title, kind=s.kind, authority=s.authority, url=s.url)
        for s in (known.get(i) for i in ids)
        if s is not None
    ]


_TRUST = {"high": 0, "moderate": 1, "low": 2}


def trusted_first(sources: Iterable[SourceOut]) -> list[SourceOut]:
    """Sources with the most trusted first (guidelines and reviews before a web article),
    in first-cited order within each grade of authority."""
    return sorted(sources, key=lambda s: _TRUST.get(s.authority, len(_TRUST)))


def otc_ids(kb: KnowledgeBase) -> frozenset[str]:
    """The medicines a person can buy without a prescription."""
    return frozenset(m.id for m in kb.medicines if m.otc)


def assessment_sources(assessment: Assessment) -> list[str]:
    """Every source id an assessment cites, in the order a reader meets them."""
    triage, plan = assessment.triage, assessment.plan
    return source_ids(
        (s for r in triage.reasons for s in r.sources),
        (s for r in plan.recommendations for s in r.sources),
        (s for m in plan.medications for s in m.sources),
        (s for e in plan.exercises for s in e.sources),
        (s for w in plan.see_doctor_if for s in w.sources),
        plan.bmi.sources if plan.bmi is not None else (),
    )
