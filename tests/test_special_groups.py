"""Properties of the medicine and plan rules for people the adult label does not cover,
and of the one episode age every timed rule reads.

The golden scenarios (tests/data/scenarios/special_groups.yaml) pin named cases; these
tests check the rules over generated answers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import all_no

import backcare.knowledge
from backcare import Engine, KnowledgeBase, load_knowledge_base
from backcare.domain.answers import History, RedFlags
from backcare.domain.enums import (
    Condition,
    MedicineStatus,
    Phase,
    Trend,
    TriageLevel,
    Trigger,
)
from backcare.errors import KnowledgeBaseError

_PHASE_ORDER = list(Phase)
_conditions = st.lists(st.sampled_from([c.value for c in Condition]), max_size=4, unique=True)
_maybe_bool = st.one_of(st.none(), st.booleans())


def _answers(age: st.SearchStrategy[int | None]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"age": age},
        optional={
            "hours_since_onset": st.one_of(st.none(), st.floats(0, 24 * 400)),
            "pain": st.one_of(st.none(), st.integers(0, 10)),
            "weight_kg": st.one_of(st.none(), st.floats(10.5, 200)),
            "conditions": st.one_of(st.none(), _conditions),
            "height_cm": st.one_of(st.none(), st.floats(60, 220)),
            "trigger": st.one_of(st.none(), st.sampled_from([t.value for t in Trigger])),
            "red_flags": st.fixed_dictionaries(
                {}, optional=dict.fromkeys(RedFlags.model_fields, _maybe_bool)
            ),
            "history": st.fixed_dictionaries(
                {}, optional=dict.fromkeys(History.model_fields, _maybe_bool)
            ),
            "course": st.fixed_dictionaries(
                {"days_of_self_care": st.one_of(st.none(), st.integers(0, 400))},
                optional={
                    "trend": st.one_of(st.none(), st.sampled_from([t.value for t in Trend])),
                    "recurrent_same_spot": _maybe_bool,
                },
            ),
        },
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answers(st.integers(0, 15)))
def test_no_otc_medicine_is_suitable_under_16(engine: Engine, answers: dict[str, Any]) -> None:
    for med in engine.assess(answers).plan.medications:
        assert med.status is not MedicineStatus.SUITABLE, (med.drug, answers)
        assert med.max_daily_mg is None, (med.drug, answers)  # no adult maximum for a child


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answers(st.integers(0, 11)))
def test_naproxen_is_avoid_under_12(engine: Engine, answers: dict[str, Any]) -> None:
    result = engine.assess(answers)
    meds = {m.drug: m for m in result.plan.medications}
    if not meds:  # an emergency plan lists no medicines at all
        assert result.triage.level is TriageLevel.EMERGENCY
        return
    assert meds["naproxen"].status is MedicineStatus.AVOID
    assert any("under 12" in reason for reason in meds["naproxen"].reasons)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answers(st.one_of(st.none(), st.integers(0, 120))), extra=_conditions)
def test_one_more_condition_never_relaxes_a_medicine(
    engine: Engine, answers: dict[str, Any], extra: list[str]
) -> None:
    # The rule language has no negation: a further fact can only make a status stricter
    # and a daily maximum lower (None = none shown, the strictest).
    more = {**answers, "conditions": sorted({*(answers.get("conditions") or []), *extra})}
    before = {m.drug: m for m in engine.assess(answers).plan.medications}
    after = {m.drug: m for m in engine.assess(more).plan.medications}
    for drug, med in before.items():
        if answers.get("conditions") is not None:
            assert after[drug].status.rank >= med.status.rank, (drug, more)
        if med.max_daily_mg is None:
            assert after[drug].max_daily_mg is None, (drug, more)
        elif after[drug].max_daily_mg is not None:
            assert after[drug].max_daily_mg <= med.max_daily_mg, (drug, more)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hours=st.one_of(st.none(), st.floats(0, 24 * 400)),
    days=st.one_of(st.none(), st.integers(0, 400)),
)
def test_the_episode_age_is_the_longer_timing_and_names_its_source(
    engine: Engine, hours: float | None, days: int | None
) -> None:
    result = engine.assess(all_no(hours_since_onset=hours, course={"days_of_self_care": days}))
    episode = result.episode
    assert episode is not None
    if hours is None and days is None:
        assert (episode.days, episode.source, episode.note) == (None, None, None)
        return
    candidates = {"hours_since_onset": None if hours is None else hours / 24}
    candidates["course.days_of_self_care"] = None if days is None else float(days)
    assert episode.source is not None
    assert candidates[episode.source] is not None
    longest = max(v for v in candidates.values() if v is not None)
    assert episode.days == pytest.approx(longest, abs=0.005 + 1e-9)  # two decimals, in floats
    contradictory = hours is not None and days is not None and days > hours / 24 + 1
    assert (episode.note is not None) is contradictory
    if contradictory:
        assert episode.note is not None
        assert "hours_since_onset" in episode.note
        assert "course.days_of_self_care" in episode.note
        assert episode.note in result.plan.phase_note


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hours=st.one_of(st.none(), st.floats(0, 24 * 60)),
    days=st.one_of(st.none(), st.integers(0, 60)),
    more_hours=st.floats(0, 24 * 30),
    more_days=st.integers(0, 30),
    pain=st.integers(0, 10),
)
def test_a_longer_episode_never_goes_back_a_phase_or_down_a_level(
    engine: Engine,
    hours: float | None,
    days: int | None,
    more_hours: float,
    more_days: int,
    pain: int,
) -> None:
    base = engine.assess(
        all_no(pain=pain, hours_since_onset=hours, course={"days_of_self_care": days})
    )
    later = engine.assess(
        all_no(
            pain=pain,
            hours_since_onset=None if hours is None else hours + more_hours,
            course={"days_of_self_care": None if days is None else days + more_days},
        )
    )
    assert _PHASE_ORDER.index(later.plan.phase) >= _PHASE_ORDER.index(base.plan.phase)
    assert later.triage.level.rank >= base.triage.level.rank


@pytest.mark.parametrize(
    ("timing", "phase"),
    [
        pytest.param({"course": {"days_of_self_care": 2}}, Phase.ACUTE, id="day-2-acute"),
        pytest.param({"course": {"days_of_self_care": 5}}, Phase.SUBACUTE, id="day-5-subacute"),
        pytest.param({"course": {"days_of_self_care": 20}}, Phase.RECOVERY, id="day-20-recovery"),
        pytest.param({"hours_since_onset": 400}, Phase.RECOVERY, id="400-hours-recovery"),
    ],
)
def test_days_alone_set_the_phase(engine: Engine, timing: dict[str, Any], phase: Phase) -> None:
    answers = all_no(**timing)
    if "hours_since_onset" not in timing:
        del answers["hours_since_onset"]
    plan = engine.assess(answers).plan
    assert plan.phase is phase
    assert "did not say when it started" not in plan.phase_note


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hours=st.floats(0, 24 * 60),
    conditions=_conditions,
    age=st.integers(16, 90),
)
def test_pregnancy_leaves_out_every_lying_on_back_exercise_and_the_general_cards(
    engine: Engine, kb: KnowledgeBase, hours: float, conditions: list[str], age: int
) -> None:
    answers = all_no(age=age, hours_since_onset=hours, conditions=sorted({*conditions, "pregnant"}))
    plan = engine.assess(answers).plan
    on_back = {ex.id for ex in kb.exercises if ex.position == "lying_on_back"}
    assert on_back, "the knowledge base should have exercises done lying on the back"
    assert not on_back & {ex.id for ex in plan.exercises}
    shown = {rec.id for rec in plan.recommendations}
    assert not {"otc_pain_relief", "healthy_weight"} & shown
    assert plan.bmi is None
    for rec in plan.recommendations:
        for line in rec.instructions:
            if "on its own" in line and "paracetamol" in line.lower():
                assert "pregnan" in line, line  # never without the pregnancy context
    for med in plan.medications:
        for note in med.notes:
            if "on its own" in note:
                assert "pregnan" in note, note


def test_every_otc_medicine_has_an_under_16_rule(kb: KnowledgeBase) -> None:
    for med in (m for m in kb.medicines if m.otc):
        under_16 = [
            rule
            for rule in med.rules
            if rule.when.answer == "age"
            and rule.when.below == 16
            and rule.when.or_unanswered
            and rule.no_daily_max
            and rule.usual_dose
        ]
        assert under_16, f"{med.id}: needs an under-16 rule that removes the adult limits"


def test_uk_naproxen_licence_is_shown_with_the_medicine(engine: Engine) -> None:
    meds = {m.drug: m for m in engine.assess(all_no()).plan.medications}
    notes = " ".join(meds["naproxen"].notes)
    assert "UK licence" in notes
    assert "period pain" in notes
    assert "mhra_naproxen_switch" in meds["naproxen"].sources


DATA = Path(backcare.knowledge.__file__).parent / "data"
Data = dict[str, list[dict[str, Any]]]


def _entry(data: Data, section: str, entry_id: str) -> dict[str, Any]:
    return next(e for e in data[section] if e.get("id") == entry_id)


def _edit_unknown_position(data: Data) -> None:
    _entry(data, "exercises", "knee_to_chest")["position"] = "handstand"


def _edit_replaces_unknown(data: Data) -> None:
    _entry(data, "recommendations", "otc_pain_relief_pregnancy")["replaces"] = ["no_such_card"]


def _edit_replaces_without_when(data: Data) -> None:
    del _entry(data, "recommendations", "otc_pain_relief_pregnancy")["when"]


def _edit_rule_max_not_lower(data: Data) -> None:
    rule = _entry(data, "medicines", "paracetamol")["rules"][0]
    del rule["no_daily_max"]
    rule["max_daily_mg"] = 5000


def _edit_both_limits(data: Data) -> None:
    _entry(data, "medicines", "paracetamol")["rules"][0]["max_daily_mg"] = 2000


def _edit_position_rule_without_note(data: Data) -> None:
    del _entry(data, "positions", "lying_on_back")["note"]


def _edit_licence_dangling_source(data: Data) -> None:
    _entry(data, "medicines", "naproxen")["licences"][0]["sources"] = ["no_such_source"]


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(
            _edit_unknown_position, ["exercises.yaml", "handstand"], id="unknown-position"
        ),
        pytest.param(
            _edit_replaces_unknown, ["recommendations.yaml", "no_such_card"], id="replaces-unknown"
        ),
        pytest.param(
            _edit_replaces_without_when,
            ["recommendations.yaml", "needs a 'when'"],
            id="replaces-without-when",
        ),
        pytest.param(
            _edit_rule_max_not_lower, ["medicines.yaml", "below the medicine"], id="max-not-lower"
        ),
        pytest.param(_edit_both_limits, ["medicines.yaml", "not both"], id="both-limits"),
        pytest.param(
            _edit_position_rule_without_note,
            ["positions.yaml", "go together"],
            id="position-rule-without-note",
        ),
        pytest.param(
            _edit_licence_dangling_source,
            ["medicines.yaml", "no_such_source"],
            id="licence-dangling-source",
        ),
    ],
)
def test_invalid_special_group_entries_are_refused(
    tmp_path: Path, edit: Callable[[Data], None], fragments: list[str]
) -> None:
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    data = {p.stem: yaml.safe_load(p.read_text()) for p in tmp_path.glob("*.yaml")}
    edit(data)
    for name, entries in data.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(tmp_path)
    for fragment in fragments:
        assert fragment in str(caught.value)
