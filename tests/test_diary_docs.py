"""docs/diary.md cannot rot: commands, escalation rules and their sources match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from backcare import KnowledgeBase
from backcare.diary.escalation import COURSE_RULES
from backcare.diary.trends import RESOLUTION_SOURCES
from backcare.measures import nrs_mcid
from store_fixtures import cli_app

DOC = (Path(__file__).parents[1] / "docs" / "diary.md").read_text(encoding="utf-8")


def _command_paths(command: object, path: str = "backcare") -> list[str]:
    paths = []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths.append(f"{path} {name}")
        paths += _command_paths(sub, f"{path} {name}")
    return paths


@pytest.mark.parametrize("path", _command_paths(typer.main.get_command(cli_app())))
def test_every_diary_command_is_documented(path: str) -> None:
    assert f"`{path}" in DOC


@pytest.mark.parametrize("rule_id", COURSE_RULES)
def test_escalation_rules_in_the_docs_match_the_knowledge_base(
    kb: KnowledgeBase, rule_id: str
) -> None:
    [rule] = [r for r in kb.triage_rules if r.id == rule_id]
    [row] = [line for line in DOC.splitlines() if line.startswith(f"| `{rule_id}` |")]
    documented = re.findall(r"`([a-z0-9_]+)`", row.rsplit("|", 2)[-2])
    assert documented == list(rule.sources)


def test_every_source_the_diary_cites_is_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    known = {s.id for s in kb.sources}
    assert set(nrs_mcid().sources) | set(RESOLUTION_SOURCES) <= known


@pytest.mark.parametrize("drug", ["ibuprofen", "naproxen", "paracetamol"])
def test_documented_medicines_have_label_limits(kb: KnowledgeBase, drug: str) -> None:
    medicine = kb.medicine(drug)
    assert medicine is not None
    assert medicine.otc
    assert medicine.max_daily_mg
    assert medicine.min_interval_hours
    assert f"`{drug}`" in DOC
