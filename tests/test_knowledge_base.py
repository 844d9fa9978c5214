"""The knowledge base: complete, cited, cross-checked, and its published copy up to date."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from backcare import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from backcare.knowledge.document import render_markdown

DATA = Path(__file__).parents[1] / "src" / "backcare" / "knowledge" / "data"
ROOT = Path(__file__).parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def test_every_clinical_entry_cites_a_known_source(kb: KnowledgeBase) -> None:
    known = {s.id for s in kb.sources}
    for section in ("red_flags", "triage_rules", "recommendations", "medicines", "exercises"):
        for entry in getattr(kb, section):
            assert entry.sources, entry
            assert set(entry.sources) <= known


def test_each_seed_is_a_source(kb: KnowledgeBase) -> None:
    seeds = [s for s in kb.sources if s.kind == "seed"]
    assert len(seeds) == 5
    if SEEDS.is_dir():
        assert {s.file for s in seeds} == {p.name for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize(
    "rec_id",
    [
        pytest.param(i, id=i)
        for i in (
            "cold_therapy",
            "heat_therapy",
            "keep_moving",
            "hydration",
            "sitting_posture",
            "core_strength",
            "safe_lifting",
            "dietary_minerals",
            "daily_walking",
        )
    ],
)
def test_protocol_recommendations_exist(kb: KnowledgeBase, rec_id: str) -> None:
    assert rec_id in {r.id for r in kb.recommendations}


@pytest.mark.parametrize(
    "exercise_id",
    [
        pytest.param(i, id=i)
        for i in (
            "knee_to_chest",
            "pelvic_tilt",
            "cat_cow",
            "childs_pose",
            "hamstring_stretch",
            "bird_dog",
            "glute_bridge",
            "plank",
        )
    ],
)
def test_protocol_exercises_exist(kb: KnowledgeBase, exercise_id: str) -> None:
    exercise = kb.exercise(exercise_id)
    assert exercise is not None
    assert exercise.stop_if


@pytest.mark.parametrize(
    "conflict_id",
    [
        pytest.param(i, id=i)
        for i in ("cold_duration", "bed_rest_vs_walking", "paracetamol", "flexall_percogesic")
    ],
)
def test_source_conflicts_are_recorded_with_a_deciding_source(
    kb: KnowledgeBase, conflict_id: str
) -> None:
    conflict = {c.id: c for c in kb.conflicts}[conflict_id]
    assert conflict.decided_by
    assert len({p.source for p in conflict.positions}) >= 2


def test_seed_numbers_are_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    text = render_markdown(kb)
    for fact in ("20 min", "every 2 h", "8 glasses", "20 s"):
        assert fact in text, fact


def test_published_protocol_is_up_to_date(kb: KnowledgeBase) -> None:
    published = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert published == render_markdown(kb), "run `make docs` to regenerate docs/protocol.md"


# --- Invalid knowledge bases fail loudly, naming the file and the entry ----------------

Edit = Callable[[dict[str, list[dict[str, object]]]], None]


def _edit_unknown_key(data: dict[str, list[dict[str, object]]]) -> None:
    data["recommendations"][0]["colour"] = "blue"


def _edit_dangling_source(data: dict[str, list[dict[str, object]]]) -> None:
    data["exercises"][0]["sources"] = ["no_such_source"]


def _edit_no_source(data: dict[str, list[dict[str, object]]]) -> None:
    data["recommendations"][0]["sources"] = []


def _edit_unknown_answer(data: dict[str, list[dict[str, object]]]) -> None:
    data["triage_rules"][0]["when"] = {"answer": "red_flags.headache", "is": True}


def _edit_duplicate_id(data: dict[str, list[dict[str, object]]]) -> None:
    data["medicines"].append(dict(data["medicines"][0]))


def _edit_phase_gap(data: dict[str, list[dict[str, object]]]) -> None:
    data["phases"][1]["from_hours"] = 80


def _edit_missing_flag(data: dict[str, list[dict[str, object]]]) -> None:
    data["red_flags"] = [f for f in data["red_flags"] if f["id"] != "fever"]


def _edit_negation(data: dict[str, list[dict[str, object]]]) -> None:
    data["triage_rules"][0]["when"] = {"answer": "red_flags.fever", "is": False}


def _edit_bad_choice(data: dict[str, list[dict[str, object]]]) -> None:
    data["triage_rules"][0]["when"] = {"answer": "trigger", "in": ["skiing"]}


def _edit_question_on_no_page(data: dict[str, list[dict[str, object]]]) -> None:
    data["groups"][-1]["questions"] = ["height_cm"]  # weight_kg now on no page


def _edit_question_on_two_pages(data: dict[str, list[dict[str, object]]]) -> None:
    data["groups"][0]["questions"] = ["age", "sex", "red_flags.fever"]


def _edit_none_option_on_a_number_page(data: dict[str, list[dict[str, object]]]) -> None:
    data["groups"][0]["none_option"] = "None of these"


def _edit_settled_when_unanswered(data: dict[str, list[dict[str, object]]]) -> None:
    flag = next(f for f in data["red_flags"] if f["id"] == "erection_problems")
    flag["not_asked_when"] = {"answer": "sex", "in": ["female"], "or_unanswered": True}


def _edit_number_without_plain_words(data: dict[str, list[dict[str, object]]]) -> None:
    age = next(q for q in data["intake"] if q["answer"] == "age")
    del age["invalid"]


def _edit_missing_message(data: dict[str, list[dict[str, object]]]) -> None:
    data["messages"] = [m for m in data["messages"] if m["id"] != "summary_urgent"]


def _edit_open_band_first(data: dict[str, list[dict[str, object]]]) -> None:
    data["bmi_bands"].reverse()


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(
            _edit_question_on_no_page, ["groups.yaml", "no page asks 'weight_kg'"], id="unplaced"
        ),
        pytest.param(
            _edit_question_on_two_pages, ["groups.yaml", "duplicate question"], id="two-pages"
        ),
        pytest.param(
            _edit_none_option_on_a_number_page,
            ["groups.yaml", "about_you", "none_option"],
            id="none-option-not-yes-no",
        ),
        pytest.param(
            _edit_settled_when_unanswered,
            ["red_flags.yaml", "erection_problems", "or_unanswered"],
            id="settled-by-an-unanswered-question",
        ),
        pytest.param(
            _edit_number_without_plain_words, ["intake.yaml", "age", "invalid"], id="no-plain-words"
        ),
        pytest.param(
            _edit_missing_message, ["messages.yaml", "summary_urgent"], id="engine-message-missing"
        ),
        pytest.param(_edit_open_band_first, ["bmi_bands.yaml", "rise"], id="bmi-bands-unordered"),
        pytest.param(_edit_unknown_key, ["recommendations.yaml", "colour"], id="unknown-key"),
        pytest.param(
            _edit_dangling_source, ["exercises.yaml", "no_such_source"], id="dangling-source"
        ),
        pytest.param(_edit_no_source, ["recommendations.yaml", "sources"], id="no-source"),
        pytest.param(
            _edit_unknown_answer, ["triage_rules.yaml", "red_flags.headache"], id="unknown-answer"
        ),
        pytest.param(_edit_duplicate_id, ["medicines.yaml", "duplicate id"], id="duplicate-id"),
        pytest.param(_edit_phase_gap, ["phases.yaml", "tile"], id="phase-gap"),
        pytest.param(
            _edit_missing_flag, ["red_flags.yaml", "red_flags.fever"], id="contract-flag-not-asked"
        ),
        pytest.param(_edit_negation, ["triage_rules.yaml", "is"], id="negation-refused"),
        pytest.param(_edit_bad_choice, ["triage_rules.yaml", "skiing"], id="unknown-choice"),
    ],
)
def test_invalid_knowledge_base_names_file_and_entry(
    tmp_path: Path, edit: Edit, fragments: list[str]
) -> None:
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    data = {p.stem: yaml.safe_load(p.read_text()) for p in tmp_path.glob("*.yaml")}
    edit(data)
    for name, entries in data.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(tmp_path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param("key: [unclosed", "not valid YAML", id="bad-yaml"),
        pytest.param("just: a mapping", "must be a YAML list", id="not-a-list"),
        pytest.param(
            "- id: a\n  id: b\n", "the key 'id' is repeated", id="repeated-key-in-an-entry"
        ),
        pytest.param("- ? [a, b]\n  : 1\n", "not valid YAML", id="unhashable-key"),
    ],
)
def test_malformed_file_is_reported(tmp_path: Path, content: str, fragment: str) -> None:
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    (tmp_path / "conflicts.yaml").write_text(content)
    with pytest.raises(KnowledgeBaseError, match=fragment):
        load_knowledge_base(tmp_path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    (tmp_path / "exercises.yaml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"exercises\.yaml: cannot read"):
        load_knowledge_base(tmp_path)
