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
