"""The public API is exactly what ``backcare.__all__`` says, and every name resolves."""

from __future__ import annotations

import backcare

EXPECTED = {
    "DISCLAIMER",
    "Answers",
    "Assessment",
    "BackcareError",
    "CarePlan",
    "ConflictError",
    "DoseLimitError",
    "Engine",
    "Extraction",
    "ImportFormatError",
    "InputError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MedicineStatus",
    "NotFoundError",
    "Phase",
    "Question",
    "Settings",
    "StoreError",
    "Track",
    "Trend",
    "Triage",
    "TriageLevel",
    "Trigger",
    "__version__",
    "assess",
    "extract",
    "get_settings",
    "load_knowledge_base",
    "next_questions",
    "parse_answers",
}


def test_public_api_is_pinned() -> None:
    assert set(backcare.__all__) == EXPECTED


def test_every_exported_name_resolves() -> None:
    for name in backcare.__all__:
        assert getattr(backcare, name) is not None


def test_assess_and_next_questions_are_pure_functions_of_the_answers() -> None:
    first = backcare.assess({"age": 40})
    second = backcare.assess({"age": 40})
    assert first == second
    questions = backcare.next_questions({"age": 40})
    assert questions[0].key == "red_flags.saddle_numbness"
    assert "age" not in {q.key for q in questions}


def test_every_public_name_has_a_lazy_home() -> None:
    assert set(backcare.__all__) - {"__version__"} == set(backcare._WHERE)


def test_unknown_attribute_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = backcare.no_such_thing  # type: ignore[attr-defined]


def test_importing_the_package_does_not_load_the_engine() -> None:
    import subprocess
    import sys

    code = "import sys, backcare; print('backcare.rules.assessor' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
