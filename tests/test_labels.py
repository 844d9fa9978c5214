"""Choices and conditions have real labels in the knowledge base, read by the web and the CLI."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backcare import KnowledgeBase
from backcare.cli.interactive import _hint
from backcare.domain.results import Question
from backcare.flow import AssessmentFlow
from backcare.knowledge.schema import IntakeQuestion
from backcare.rules.assessor import Engine
from backcare.web.rendering import make_templates


def test_every_choice_of_every_question_has_a_label(kb: KnowledgeBase) -> None:
    labels = kb.choice_labels()
    for question in kb.intake:
        for choice in question.choices:
            assert labels[choice].strip(), choice
            assert "_" not in labels[choice]


def test_a_question_with_an_unlabelled_choice_is_refused() -> None:
    with pytest.raises(ValidationError, match="choice_labels must name every choice"):
        IntakeQuestion.model_validate(
            {
                "answer": "trend",
                "kind": "choice",
                "priority": 1,
                "screening": False,
                "question": "Better or worse?",
                "why": "It changes the advice.",
                "choices": ["better", "worse"],
                "choice_labels": {"better": "Better"},
                "sources": ["nhs_back_pain"],
            }
        )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(
            "asthma_nsaid_sensitive", "Asthma made worse by ibuprofen or aspirin", id="asthma"
        ),
        pytest.param(
            "nsaid_allergy",
            "Allergy to ibuprofen, aspirin or similar painkillers",
            id="allergy",
        ),
        pytest.param("twisting_or_sudden_movement", "Twisting or a sudden movement", id="trigger"),
        pytest.param("acute", "acute", id="not-a-choice-is-never-title-cased"),
    ],
)
def test_the_pages_show_labels_not_ids(value: str, shown: str) -> None:
    assert make_templates().env.filters["human"](value) == shown


def test_the_terminal_offers_labelled_choices(kb: KnowledgeBase, engine: Engine) -> None:
    spec = next(q for q in kb.intake if q.answer == "trigger")
    question = Question(
        key="trigger",
        text=spec.question,
        kind="choice",
        choices=spec.choices,
        why=spec.why,
        sources=spec.sources,
    )
    hint = _hint(question, AssessmentFlow(engine))
    assert "2=Twisting or a sudden movement" in hint
    assert "twisting_or_sudden_movement" not in hint
