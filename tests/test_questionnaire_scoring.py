"""Questionnaires as data: known answer sets give the published scores, and broken files fail.

The expected scores come from the published scoring rules (fact base §5): STarT Back
(Hill 2008: total ≤ 3 low, distress ≥ 4 high, else medium), the Oswestry index (sum ÷
(5 × sections answered) × 100, bands 0-20/21-40/41-60/61-80/81-100) and the
Roland-Morris questionnaire (ticks, 0-24). The data-driven scorer is also checked
against the hand-written scoring functions of :mod:`backcare.measures`.
"""

from __future__ import annotations

import itertools
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.errors import InputError, KnowledgeBaseError
from backcare.knowledge.questionnaires import load_questionnaires
from backcare.measures import (
    Bothersomeness,
    oswestry,
    roland_morris,
    score_questionnaire,
    start_back,
)

QUESTIONNAIRES = load_questionnaires()
START_BACK = QUESTIONNAIRES.get("start_back")
ODI = QUESTIONNAIRES.get("odi")
RMDQ = QUESTIONNAIRES.get("rmdq")
ODI_SECTIONS = [item.id for item in ODI.items]


def _start_back(agreed: set[int], bother: str) -> dict[str, str]:
    answers = {f"item{i}": "agree" if i in agreed else "disagree" for i in range(1, 9)}
    return answers | {"item9": bother}


def _odi(*scores: int | None) -> dict[str, int | None]:
    return dict(zip(ODI_SECTIONS, scores, strict=True))


def _rmdq(ticked: int) -> dict[str, str]:
    return {f"statement{i}": "ticked" if i <= ticked else "not_ticked" for i in range(1, 25)}


def test_the_three_questionnaires_ship_without_item_texts() -> None:
    assert set(QUESTIONNAIRES.ids()) >= {"start_back", "odi", "rmdq"}
    for definition in (START_BACK, ODI, RMDQ):
        assert definition.licence.item_texts_shipped is False
        assert all(item.text is None for item in definition.items)
    assert START_BACK.licence.notice is not None
    assert "Keele University" in START_BACK.licence.notice


@pytest.mark.parametrize(
    ("answers", "total", "distress", "band"),
    [
        pytest.param(_start_back(set(), "not_at_all"), 0, 0, "low", id="nothing-agreed-low"),
        pytest.param(_start_back({1, 2, 3}, "moderately"), 3, 0, "low", id="total-3-is-low"),
        pytest.param(_start_back({1, 2, 5}, "extremely"), 4, 2, "medium", id="total-4-medium"),
        pytest.param(_start_back({1, 2, 3, 4}, "slightly"), 4, 0, "medium", id="physical-only"),
        pytest.param(
            _start_back({1, 5, 6}, "very_much"), 4, 3, "medium", id="distress-3-stays-medium"
        ),
        pytest.param(
            _start_back({5, 6, 7, 8}, "not_at_all"), 4, 4, "high", id="distress-4-is-high"
        ),
        pytest.param(
            _start_back({5, 6, 7}, "very_much"), 4, 4, "high", id="bother-very-much-scores"
        ),
        pytest.param(
            _start_back(set(range(1, 9)), "extremely"), 9, 5, "high", id="everything-high"
        ),
    ],
)
def test_start_back_scores(answers: dict[str, str], total: int, distress: int, band: str) -> None:
    result = score_questionnaire(START_BACK, answers)
    assert result.values == {"total": total, "psychosocial": distress}
    assert result.band is not None
    assert result.band.id == band


@pytest.mark.parametrize(
    ("answers", "percent", "band"),
    [
        pytest.param(_odi(*[0] * 10), 0, "minimal", id="all-zero-minimal"),
        pytest.param(_odi(*[1] * 10), 20, "minimal", id="20-percent-is-minimal"),
        pytest.param(_odi(2, 1, 1, 1, 1, 1, 1, 1, 1, 1), 22, "moderate", id="22-is-moderate"),
        pytest.param(_odi(*[2] * 10), 40, "moderate", id="40-percent-is-moderate"),
        pytest.param(
            _odi(2, 2, 2, 2, 2, 2, 1, None, 1, 2), 16 / 45 * 100, "moderate", id="sex-life-blank"
        ),
        pytest.param(_odi(*[3] * 10), 60, "severe", id="60-percent-severe"),
        pytest.param(_odi(*[4] * 10), 80, "crippled", id="80-percent"),
        pytest.param(_odi(5, 5, 5, 5, 5, 5, 5, None, None, 5), 100, "bed_bound", id="two-blank"),
    ],
)
def test_oswestry_scores(answers: dict[str, Any], percent: float, band: str) -> None:
    result = score_questionnaire(ODI, answers)
    assert result.values["percent"] == pytest.approx(percent)
    assert result.band is not None
    assert result.band.id == band


@pytest.mark.parametrize(
    ("ticked", "band"),
    [
        pytest.param(0, "recovered", id="none-ticked"),
        pytest.param(2, "recovered", id="two-is-recovered"),
        pytest.param(3, "limited", id="three-is-limited"),
        pytest.param(24, "limited", id="all-ticked"),
    ],
)
def test_roland_morris_scores(ticked: int, band: str) -> None:
    result = score_questionnaire(RMDQ, _rmdq(ticked))
    assert result.values == {"total": ticked}
    assert result.band is not None
    assert result.band.id == band


@pytest.mark.parametrize(
    ("definition", "answers", "field", "words"),
    [
        pytest.param(START_BACK, _start_back(set(), "maybe"), "item9", "not one of", id="bad"),
        pytest.param(
            START_BACK,
            {k: v for k, v in _start_back(set(), "slightly").items() if k != "item4"},
            "item4",
            "please choose an answer",
            id="required-item-blank",
        ),
        pytest.param(RMDQ, _rmdq(1) | {"statement25": "ticked"}, "statement25", "not an item"),
        pytest.param(ODI, _odi(1, 1, 1, 1, 1, 1, 1, None, None, None), "percent", "at least 8"),
        pytest.param(ODI, _odi(6, 1, 1, 1, 1, 1, 1, 1, 1, 1), "pain_intensity", "not one of"),
    ],
)
def test_bad_answers_name_the_item_and_the_problem(
    definition: QuestionnaireDefinition, answers: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        score_questionnaire(definition, answers)
    problems = {p.field: p.problem for p in caught.value.problems}
    assert words in problems[field]


def test_start_back_data_agrees_with_the_hand_written_scoring_on_every_answer_set() -> None:
    for agreed in itertools.product([False, True], repeat=8):
        for bother in Bothersomeness:
            expected = start_back(agreed, bothersomeness=bother)
            chosen = {i + 1 for i, a in enumerate(agreed) if a}
            got = score_questionnaire(START_BACK, _start_back(chosen, bother.value))
            assert got.values == {"total": expected.total, "psychosocial": expected.psychosocial}
            assert got.band is not None
            assert got.band.id == expected.risk.value


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=10, max_size=10))
def test_oswestry_data_agrees_with_the_hand_written_scoring(sections: list[int | None]) -> None:
    try:
        expected = oswestry(sections)
    except InputError:
        with pytest.raises(InputError):
            score_questionnaire(ODI, _odi(*sections))
        return
    got = score_questionnaire(ODI, _odi(*sections))
    assert got.values["percent"] == pytest.approx(expected.percent)
    assert got.band is not None
    assert got.band.id == expected.band.value


@given(st.lists(st.booleans(), min_size=24, max_size=24))
def test_roland_morris_data_agrees_with_the_hand_written_scoring(ticks: list[bool]) -> None:
    answers = {f"statement{i}": "ticked" if t else "not_ticked" for i, t in enumerate(ticks, 1)}
    assert score_questionnaire(RMDQ, answers).values["total"] == roland_morris(ticks)


# --- the files are checked when they are loaded ---------------------------------------------


def _data_copy(tmp_path: Path) -> Path:
    shipped = Path(str(resources.files("backcare.knowledge") / "data"))
    folder = tmp_path / "data"
    shutil.copytree(shipped, folder)
    return folder


def _edit(folder: Path, name: str, change: Any) -> None:
    path = folder / "questionnaires" / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _set_text(data: dict[str, Any]) -> None:
    data["items"][0]["text"] = "A copied item text"


def _missing_item(data: dict[str, Any]) -> None:
    data["scores"][1]["items"].append("item10")


def _gap(data: dict[str, Any]) -> None:
    data["bands"][1]["when"] = {"percent": {"above": 25, "at_most": 40}}


def _dead_band(data: dict[str, Any]) -> None:
    data["bands"].append({"id": "never", "label": "Never", "explanation": "x", "when": {}})


def _unknown_source(data: dict[str, Any]) -> None:
    data["band_sources"] = ["nobody_2099"]


def _unknown_scale(data: dict[str, Any]) -> None:
    data["items"][3]["scale"] = "stars"


def _sum_of_blank(data: dict[str, Any]) -> None:
    data["items"][0]["optional"] = True


@pytest.mark.parametrize(
    ("name", "change", "words"),
    [
        pytest.param("start_back", _set_text, "item texts are not shipped", id="licensed-text"),
        pytest.param("start_back", _missing_item, "'item10', which does not exist", id="item"),
        pytest.param("odi", _gap, "no band covers percent = 22", id="bands-leave-a-gap"),
        pytest.param("rmdq", _dead_band, "band 'never' can never be reached", id="dead-band"),
        pytest.param("rmdq", _unknown_source, "'nobody_2099', which is not in", id="source"),
        pytest.param("rmdq", _unknown_scale, "scale 'stars', which is not defined", id="scale"),
        pytest.param("rmdq", _sum_of_blank, "is a sum but items statement1", id="blank-in-sum"),
    ],
)
def test_a_broken_questionnaire_file_is_refused_naming_the_problem(
    tmp_path: Path, name: str, change: Any, words: str
) -> None:
    folder = _data_copy(tmp_path)
    _edit(folder, name, change)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_questionnaires(folder)
    text = "; ".join(f"{p.field}: {p.problem}" for p in caught.value.problems)
    assert f"questionnaires/{name}.yaml" in text
    assert words in text


def test_a_file_named_other_than_its_id_is_refused(tmp_path: Path) -> None:
    folder = _data_copy(tmp_path)
    (folder / "questionnaires" / "rmdq.yaml").rename(folder / "questionnaires" / "roland.yaml")
    with pytest.raises(KnowledgeBaseError, match="invalid") as caught:
        load_questionnaires(folder)
    assert any("rmdq.yaml" in p.problem for p in caught.value.problems)
