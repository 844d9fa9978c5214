"""Questionnaires end to end: FHIR export, and a new questionnaire that is only a data file.

The second test adds a questionnaire file to a copy of the knowledge base in a temporary
folder and uses it with no code change: it is recorded, scored, exported to FHIR, and
round-trips through the JSON and CSV diary files.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from backcare import Engine
from backcare.diary import Diary
from backcare.diary.questionnaires import QuestionnaireService
from backcare.errors import ImportFormatError
from backcare.export.fhir import export_fhir_bundle
from backcare.export.transfer import export_diary, import_diary
from backcare.knowledge.questionnaires import load_questionnaires
from backcare.store import open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    diary,
    start_answers,
    store,
    store_url,
)

ODI = [
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
]

# An invented questionnaire with backcare's own wording, so its texts may be shipped.
SLEEP_CHECK = """
id: sleep_check
title: Sleep check
short_title: Sleep check
version: "1"
description: Two questions about how the back pain affects sleep.
instructions: Think about the last three nights.
licence:
  holder: backcare (example)
  terms: Written for this test; free to use.
  item_texts_shipped: true
sources: [nice_ng59]
scales:
  nights:
    - {value: none, label: No nights, score: 0}
    - {value: some, label: Some nights, score: 1}
    - {value: every, label: Every night, score: 2}
items:
  - id: falling_asleep
    label: Falling asleep
    text: "Did the pain keep you from falling asleep?"
    scale: nights
  - {id: waking, label: Waking, text: "Did the pain wake you up?", scale: nights}
scores:
  - {id: total, label: Sleep score, method: sum, explanation: "0 to 4; higher is worse."}
bands:
  - id: little
    label: Little effect
    when: {total: {at_most: 1}}
    explanation: Sleep is mostly fine.
  - id: a_lot
    label: A lot of effect
    when: {total: {at_least: 2}}
    explanation: Pain disturbs sleep.
band_sources: [nice_ng59]
fhir:
  canonical: https://example.org/fhir/Questionnaire/sleep-check
  name: sleep-check
"""


def _resources(bundle_text: str, kind: str) -> list[dict[str, Any]]:
    bundle = json.loads(bundle_text)
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_filled_oswestry_index_is_a_questionnaire_response_and_a_loinc_observation(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=3)
    scores = [2, 2, 2, 2, 2, 2, 1, None, 1, 2]
    QuestionnaireService(diary).record("odi", dict(zip(ODI, scores, strict=True)))
    bundle = export_fhir_bundle(diary)
    (response,) = [
        r
        for r in _resources(bundle, "QuestionnaireResponse")
        if r["questionnaire"].endswith("/Questionnaire/oswestry")
    ]
    care_plan = _resources(bundle, "CarePlan")[0]
    assert response["basedOn"] == [{"reference": f"urn:uuid:{care_plan['id']}"}]
    links = [item["linkId"] for item in response["item"]]
    assert "sex_life" not in links  # left blank: no answer, never a guessed one
    walking = next(i for i in response["item"] if i["linkId"] == "walking")
    assert walking["text"] == "Section 4: walking"  # the label, not the licensed statement
    assert walking["answer"][0]["valueCoding"]["code"] == "2"
    (observation,) = [
        o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "97908-8"
    ]
    assert observation["valueQuantity"]["value"] == pytest.approx(35.6)
    assert observation["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert observation["derivedFrom"] == [{"reference": f"urn:uuid:{response['id']}"}]


def test_a_new_questionnaire_needs_one_data_file_and_no_code(
    tmp_path: Path,
    engine: Engine,
    clock: FakeClock,  # noqa: F811
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(Path(str(resources.files("backcare.knowledge") / "data")), folder)
    (folder / "questionnaires" / "sleep_check.yaml").write_text(SLEEP_CHECK, encoding="utf-8")
    questionnaires = load_questionnaires(folder)
    assert "sleep_check" in questionnaires.ids()

    def opened(name: str) -> Diary:
        database = open_store(f"sqlite:///{tmp_path / name}")
        return Diary(database, engine=engine, clock=clock, tz=UTC, questionnaires=questionnaires)

    with opened("a.sqlite3") as first:
        first.start_episode(onset=START, answers=start_answers())
        clock.advance(hours=1)
        saved = QuestionnaireService(first).record(
            "sleep_check", {"falling_asleep": "every", "waking": "some"}
        )
        assert saved.score is not None
        assert saved.score.values == {"total": 3}
        assert saved.score.band is not None
        assert saved.score.band.label == "A lot of effect"
        (response,) = [
            r
            for r in _resources(export_fhir_bundle(first), "QuestionnaireResponse")
            if r["questionnaire"] == "https://example.org/fhir/Questionnaire/sleep-check"
        ]
        assert response["item"][0]["text"] == "Did the pain keep you from falling asleep?"
        as_json, as_csv = export_diary(first.store), export_diary(first.store, fmt="csv")
    assert json.loads(as_json)["episodes"][0]["questionnaires"][0]["answers"] == {
        "falling_asleep": "every",
        "waking": "some",
    }
    with opened("b.sqlite3") as second:
        import_diary(second.store, as_csv, engine=engine, questionnaires=questionnaires)
        assert export_diary(second.store) == as_json
        (listed,) = QuestionnaireService(second).responses()
        assert listed.score is not None
        assert listed.score.values == {"total": 3}
    # The shipped knowledge base does not define it: its responses are kept as they are.
    with opened("c.sqlite3") as third:
        import_diary(third.store, as_json, engine=engine)
        assert export_diary(third.store) == as_json


def test_import_refuses_answers_that_do_not_fit_the_questionnaire(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=1)
    QuestionnaireService(diary).record("rmdq", {f"statement{i}": "ticked" for i in range(1, 25)})
    data = json.loads(export_diary(diary.store))
    data["episodes"][0]["questionnaires"][0]["answers"]["statement3"] = "maybe"
    data["episodes"][0]["uid"] = "0" * 32
    data["episodes"][0]["status"] = "resolved"
    data["episodes"][0]["resolved_at"] = data["episodes"][0]["questionnaires"][0]["answered_at"]
    with pytest.raises(ImportFormatError) as caught:
        import_diary(diary.store, json.dumps(data), engine=diary.engine)
    (problem,) = caught.value.problems
    assert problem.field == "episodes.0.questionnaires.0.answers.statement3"
    assert "'maybe' is not one of the answers" in problem.problem


def test_the_knowledge_fhir_export_defines_each_questionnaire_at_its_canonical_url(
    kb: Any,
) -> None:
    from backcare.export.fhir_knowledge import knowledge_bundle

    bundle = knowledge_bundle(kb)
    found = {
        e["resource"]["url"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Questionnaire"
    }
    for definition in load_questionnaires().definitions:
        questionnaire = found[definition.fhir.canonical]
        assert [i["linkId"] for i in questionnaire["item"]] == [i.id for i in definition.items]
        # Licensed item texts are not shipped: each item says only its neutral label.
        assert [i["text"] for i in questionnaire["item"]] == [i.label for i in definition.items]
    assert (
        "Keele University"
        in found["https://backcare.example/fhir/Questionnaire/start-back"]["copyright"]
    )
