"""The exercise drawings shipped with the knowledge base (``data/drawings/*.svg``).

Each exercise in ``exercises.yaml`` names a drawing (``drawing.file``) made for backcare:
a figure on a mat with the start position in the group ``pose-start``, the held position
in ``pose-end``, the parts both share in ``pose-fixed``, and the moving part in an accent
colour. Opened on its own, a file shows the start position with the held one faded over
it. :func:`drawing_problems` is the load check (a named file that is missing or lacks a
pose fails the knowledge base); :func:`drawing_markup` gives the markup the web pages and
the clinician report put inline, either with both poses (the coach animates between them
with CSS classes) or with one pose only (the still pictures side by side).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path

from backcare.errors import FieldProblem, KnowledgeBaseError
from backcare.i18n import gettext
from backcare.knowledge.schema import Exercise

__all__ = ["DRAWINGS_DIR", "Pose", "drawing_markup", "drawing_problems"]

#: Where the shipped drawings live (beside the YAML files they belong to).
DRAWINGS_DIR = Path(str(resources.files("backcare.knowledge") / "data" / "drawings"))

_SVG = "http://www.w3.org/2000/svg"
_POSES = ("pose-start", "pose-end")


class Pose(StrEnum):
    """Which position of a drawing to show."""

    BOTH = "both"
    """Both poses, for the coach's animation (CSS shows one at a time)."""
    START = "start"
    END = "end"


def drawing_problems(exercises: tuple[Exercise, ...], directory: Path) -> Iterator[FieldProblem]:
    """Check that every exercise's drawing exists and draws both positions.

    Args:
        exercises: The knowledge base's exercises.
        directory: The folder holding the drawings (``<knowledge base>/drawings``).

    Yields:
        One problem per missing, unreadable or incomplete drawing, naming the exercise.
    """
    for exercise in exercises:
        where = f"exercises.yaml: entry '{exercise.id}': drawing"
        path = directory / exercise.drawing.file
        try:
            root = ET.fromstring(path.read_bytes())
        except OSError:
            yield FieldProblem(
                where,
                gettext("no drawing file '{drawing_file}' in drawings/").format(
                    drawing_file=exercise.drawing.file
                ),
            )
            continue
        except ET.ParseError as exc:
            yield FieldProblem(
                where,
                gettext("'{drawing_file}' is not valid SVG ({exc})").format(
                    drawing_file=exercise.drawing.file, exc=exc
                ),
            )
            continue
        if root.tag != f"{{{_SVG}}}svg":
            yield FieldProblem(
                where,
                gettext("'{drawing_file}' is not an SVG drawing").format(
                    drawing_file=exercise.drawing.file
                ),
            )
            continue
        classes = {c for el in root.iter() for c in el.get("class", "").split()}
        for pose in _POSES:
            if pose not in classes:
                yield FieldProblem(
                    where,
                    gettext("'{drawing_file}' has no '{pose}' group").format(
                        drawing_file=exercise.drawing.file, pose=pose
                    ),
                )


def drawing_markup(file: str, *, pose: Pose = Pose.BOTH, directory: Path | None = None) -> str:
    """The ``<svg>`` element of a drawing, ready to put inline in HTML.

    The title and description are left out (the page gives the text alternative once,
    from the knowledge base), and the element is hidden from screen readers.

    Args:
        file: The drawing's file name (``Exercise.drawing.file``).
        pose: Both poses, or only the start or the held one.
        directory: Where the drawings are; default: the shipped ones.

    Raises:
        KnowledgeBaseError: The file cannot be read (the load check makes this rare).
    """
    return _markup(file, pose, directory or DRAWINGS_DIR)


@lru_cache(maxsize=64)
def _markup(file: str, pose: Pose, directory: Path) -> str:
    try:
        root = ET.fromstring((directory / file).read_bytes())
    except (OSError, ET.ParseError) as exc:
        raise KnowledgeBaseError(
            gettext("drawings/{file}: cannot read the drawing ({exc})").format(file=file, exc=exc)
        ) from exc
    other = {Pose.START: "pose-end", Pose.END: "pose-start"}.get(pose)
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.removeprefix(f"{{{_SVG}}}")
            classes = child.get("class", "").split()
            if tag in {"title", "desc"} or other in classes:
                parent.remove(child)
            elif pose is Pose.END and "pose-end" in classes:
                child.attrib.pop("opacity", None)  # faded only when drawn over the start
    root.set("class", f"exercise-drawing pose-{pose.value}")
    root.set("aria-hidden", "true")
    root.set("focusable", "false")
    for size in ("width", "height"):
        root.attrib.pop(size, None)  # the page's CSS sizes it
    # ElementTree's namespace prefixes are process-wide and other libraries (qrcode,
    # weasyprint) rewrite them, so the SVG namespace is made the default again each time.
    ET.register_namespace("", _SVG)
    return ET.tostring(root, encoding="unicode")
