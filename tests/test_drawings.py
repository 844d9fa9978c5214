"""Exercise drawings: one per exercise, named in the knowledge base and held to it at load."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tests.web_support import start_episode, walk_assessment, web_client

from backcare import Engine, KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from backcare.knowledge.drawings import DRAWINGS_DIR, Pose, drawing_markup

DATA = Path(__file__).parents[1] / "src" / "backcare" / "knowledge" / "data"


def test_every_exercise_has_a_drawing_and_every_drawing_an_exercise(kb: KnowledgeBase) -> None:
    named = {e.drawing.file for e in kb.exercises}
    assert len(named) == len(kb.exercises), "two exercises share a drawing"
    assert named == {p.name for p in DRAWINGS_DIR.glob("*.svg")}
    for exercise in kb.exercises:
        assert len(exercise.drawing.alt) > 40, f"{exercise.id}: the text alternative is too short"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _delete_file(data: Path) -> None:
    (data / "drawings" / "plank.svg").unlink()


def _drop_held_pose(data: Path) -> None:
    path = data / "drawings" / "plank.svg"
    path.write_text(path.read_text().replace("pose-end", "pose-other"))


def _not_xml(data: Path) -> None:
    (data / "drawings" / "plank.svg").write_text("<svg><g></svg>")


def _not_svg(data: Path) -> None:
    (data / "drawings" / "plank.svg").write_text('<html class="pose-start pose-end"/>')


def _edit_yaml(edit: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        path = data / "exercises.yaml"
        entries = yaml.safe_load(path.read_text())
        edit(next(e for e in entries if e["id"] == "plank"))
        path.write_text(yaml.safe_dump(entries, sort_keys=False))

    return apply


@pytest.mark.parametrize(
    ("damage", "fragments"),
    [
        pytest.param(_delete_file, ["'plank'", "no drawing file 'plank.svg'"], id="file-missing"),
        pytest.param(_drop_held_pose, ["'plank'", "no 'pose-end' group"], id="held-pose-missing"),
        pytest.param(_not_xml, ["'plank'", "not valid SVG"], id="not-xml"),
        pytest.param(_not_svg, ["'plank'", "not an SVG drawing"], id="not-svg"),
        pytest.param(
            _edit_yaml(lambda e: e.pop("drawing")),
            ["exercises.yaml", "'plank'", "drawing"],
            id="drawing-key-missing",
        ),
        pytest.param(
            _edit_yaml(lambda e: e.update(drawing={"file": "plank.svg"})),
            ["exercises.yaml", "'plank'", "drawing.alt"],
            id="text-alternative-missing",
        ),
        pytest.param(
            _edit_yaml(lambda e: e.update(drawing={"file": "../plank.svg", "alt": "A plank."})),
            ["exercises.yaml", "'plank'", "drawing.file"],
            id="file-outside-the-folder",
        ),
        pytest.param(
            _edit_yaml(lambda e: e.update(drawing={"file": "bridge.svg", "alt": "A plank."})),
            ["'plank'", "no drawing file 'bridge.svg'"],
            id="names-a-file-that-is-not-there",
        ),
    ],
)
def test_a_missing_or_broken_drawing_fails_the_load_check(
    tmp_path: Path, damage: Callable[[Path], None], fragments: list[str]
) -> None:
    data = _copy(tmp_path)
    damage(data)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(data)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("pose", "has_start", "has_end"),
    [
        pytest.param(Pose.BOTH, True, True, id="both-for-the-animation"),
        pytest.param(Pose.START, True, False, id="start-only"),
        pytest.param(Pose.END, False, True, id="held-only"),
    ],
)
def test_markup_keeps_the_asked_poses_and_hides_itself_from_screen_readers(
    kb: KnowledgeBase, pose: Pose, has_start: bool, has_end: bool
) -> None:
    for exercise in kb.exercises:
        svg = drawing_markup(exercise.drawing.file, pose=pose)
        assert svg.startswith("<svg ")
        assert 'aria-hidden="true"' in svg
        assert ("pose-start" in svg) is has_start
        assert ('"pose pose-end' in svg) is has_end
        assert "<title>" not in svg
        assert "<desc>" not in svg
        assert "ns0:" not in svg
        if pose is Pose.END:
            assert "opacity" not in svg  # faded only when drawn over the start


def test_markup_stays_plain_svg_when_another_library_renames_the_namespace(
    kb: KnowledgeBase,
) -> None:
    # qrcode's SVG factory and weasyprint rewrite ElementTree's process-wide prefixes.
    ET.register_namespace("svg", "http://www.w3.org/2000/svg")
    try:
        svg = drawing_markup(kb.exercises[0].drawing.file, pose=Pose.BOTH)
    finally:
        ET.register_namespace("", "http://www.w3.org/2000/svg")
    assert svg.startswith("<svg ")
    assert "svg:" not in svg


def test_each_drawing_file_has_a_title_and_description_of_its_own(kb: KnowledgeBase) -> None:
    svg = "{http://www.w3.org/2000/svg}"
    for exercise in kb.exercises:
        root = ET.parse(DRAWINGS_DIR / exercise.drawing.file).getroot()
        assert root.findtext(f"{svg}title") == exercise.name
        assert root.findtext(f"{svg}desc") == exercise.drawing.alt


# --- where the drawings are shown ------------------------------------------------------


def test_drawings_are_served_as_svg(engine: Engine) -> None:
    with web_client(engine) as client:
        response = client.get("/static/exercises/knee_to_chest.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "pose-end" in response.text


def test_coach_plan_carries_each_drawing_and_the_cue_script(engine: Engine) -> None:
    with web_client(engine) as client:
        start_episode(client)
        body = client.get("/api/v1/coach/plan").json()
        for exercise in body["exercises"]:
            assert client.get(exercise["drawing"]).status_code == 200
            assert exercise["drawing_alt"]
    assert body["segments"][0]["cues"] == [
        {"at_seconds": 0.0, "text": f"{body['exercises'][0]['name'].split(' (')[0]}, left side."}
    ]
    holds = [s for s in body["segments"] if s["kind"] == "hold"]
    assert all(s["cues"][0]["text"].endswith("Hold.") for s in holds)
    assert body["closing_cue"] == "Relax. Session complete. Well done."
    assert body["stopped_cue"]


def test_coach_page_shows_the_drawing_beside_the_timer_with_its_text(engine: Engine) -> None:
    with web_client(engine) as client:
        start_episode(client)
        page = client.get("/coach").text
        plan = client.get("/api/v1/coach/plan").json()
    first = plan["exercises"][0]
    figures = re.findall(r'<div class="coach-figure" data-exercise="(\d+)"', page)
    assert figures == [str(i) for i in range(len(plan["exercises"]))]
    assert f'aria-label="{first["drawing_alt"]}"' in page
    assert 'class="exercise-drawing pose-both"' in page
    assert 'id="coach-skip"' in page
    assert 'id="coach-repeat"' in page


def test_the_plans_exercise_list_shows_each_drawing(engine: Engine) -> None:
    with web_client(engine) as client:
        page, _ = walk_assessment(client)
    assert "Gentle exercises" in page
    shown = page.count('<figure class="drawing">')
    assert shown >= 1
    assert shown == page.count('class="exercise-drawing pose-start"')
    assert shown == page.count('class="exercise-drawing pose-end"')
