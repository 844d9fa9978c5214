"""The assessment's pages (``backcare.flow``): grouping keeps every answer explicit.

Properties: reading a page never turns an unanswered or "not sure" item into "no";
"None of these" answers "no" only when chosen, and only the items left unanswered;
a question settled as not applicable is neither asked nor missing, and never "no".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare import Engine
from backcare.domain.answers import Answers, parse_answers
from backcare.flow import NOT_SURE, AssessmentFlow, read_onset_hours

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # a Sunday

REPLIES = st.sampled_from(["yes", "no", NOT_SURE, None])


@pytest.fixture(scope="module")
def flow(engine: Engine) -> AssessmentFlow:
    return AssessmentFlow(engine)


def _yes_no_pages(flow: AssessmentFlow) -> list[str]:
    return [p.id for p in flow.pages(Answers()) if p.none_option]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), none_of_these=st.booleans())
def test_a_page_never_turns_an_unchosen_item_into_no(
    engine: Engine, data: st.DataObject, none_of_these: bool
) -> None:
    flow = AssessmentFlow(engine)
    page_id = data.draw(st.sampled_from(_yes_no_pages(flow)))
    page = flow.page(page_id, Answers())
    assert page is not None
    replies = {q.key: data.draw(REPLIES) for q in page.questions}
    values = {k: [v] for k, v in replies.items() if v is not None}
    read = flow.submit(page, Answers(), (), values, none_of_these=none_of_these)
    facts = engine.facts(read.answers)
    for key, reply in replies.items():
        if read.problems and not read.emergency:
            assert facts[key] is None  # nothing is saved from a page that is shown again
        elif reply == "yes":
            assert facts[key] is True
        elif reply == "no":
            assert facts[key] is False
        elif reply == NOT_SURE:
            assert facts[key] is None  # "not sure" stays unanswered, even with "None of these"
            assert key in read.skipped
        elif none_of_these and not read.emergency:
            assert facts[key] is False  # only because the person chose "None of these"
        else:
            assert facts[key] is None


@pytest.mark.parametrize(
    ("answers", "settled", "asked"),
    [
        pytest.param({"sex": "female"}, "red_flags.erection_problems", False, id="woman"),
        pytest.param({"sex": "male"}, "red_flags.erection_problems", True, id="man"),
        pytest.param({}, "red_flags.erection_problems", True, id="sex-not-said"),
        pytest.param(
            {"hours_since_onset": 6}, "course.days_of_self_care", False, id="six-hours-old"
        ),
        pytest.param(
            {"hours_since_onset": 30}, "course.days_of_self_care", True, id="over-a-day-old"
        ),
    ],
)
def test_a_settled_question_is_neither_asked_nor_missing_nor_no(
    engine: Engine, answers: dict[str, object], settled: str, asked: bool
) -> None:
    assessment = engine.assess(answers)
    keys = [q.key for q in assessment.next_questions]
    assert (settled in keys) is asked
    if settled.startswith("red_flags."):
        assert (settled in assessment.triage.missing) is asked
    assert engine.facts(parse_answers(answers))[settled] is None  # never "no"


def test_settling_never_clears_a_yes(engine: Engine) -> None:
    # Someone who says "female" and also reports the sign keeps its emergency.
    answers = {"sex": "female", "red_flags": {"erection_problems": True}}
    assert engine.assess(answers).triage.level == "emergency"


def test_a_complete_assessment_needs_every_question_that_applies(engine: Engine) -> None:
    no = dict.fromkeys(
        [
            "saddle_numbness",
            "bladder_or_bowel_change",
            "both_legs",
            "worsening_leg_weakness",
            "chest_pain",
            "collapse_signs",
            "confusion_or_drowsiness",
            "fever",
            "unexplained_weight_loss",
            "night_or_rest_pain",
            "back_deformity_or_lump",
            "worse_cough_sneeze_bowel",
            "upper_back_pain",
            "urinary_symptoms",
            "one_leg_numbness_or_tingling",
        ],
        False,
    )
    history = dict.fromkeys(
        ["cancer", "osteoporosis", "long_term_steroids", "iv_drug_use", "immunosuppressed"], False
    )
    base = {"age": 40, "trigger": "lifting", "red_flags": no, "history": history}
    assert engine.assess({**base, "sex": "female"}).triage.complete
    man = engine.assess({**base, "sex": "male"}).triage
    assert not man.complete
    assert man.missing == ("red_flags.erection_problems",)
    assert not engine.assess(base).triage.complete  # sex not said: asked of everyone


def test_pregnancy_is_not_offered_to_a_man(flow: AssessmentFlow) -> None:
    def offered(sex: str | None) -> tuple[str, ...]:
        answers = parse_answers({"sex": sex} if sex else {})
        page = flow.page("medicine_safety", answers)
        assert page is not None
        return page.questions[0].choices

    assert "pregnant" not in offered("male")
    assert "pregnant" in offered("female")
    assert "pregnant" in offered(None)


def test_an_emergency_yes_stops_even_with_the_page_unfinished(flow: AssessmentFlow) -> None:
    page = flow.page("nerve_signs", Answers())
    assert page is not None
    read = flow.submit(
        page,
        parse_answers({"age": 50}),
        (),
        {"red_flags.bladder_or_bowel_change": ["yes"], "red_flags.both_legs": ["no"]},
    )
    assert read.emergency
    assert not read.problems
    assert read.answers.age == 50  # earlier answers are kept
    assert read.answers.red_flags.both_legs is False  # and the page's other answers
    assert read.answers.red_flags.saddle_numbness is None  # never "no" for want of an answer


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        pytest.param("6", 6.0, id="a-number-of-hours"),
        pytest.param("6 hours", 6.0, id="six-hours"),
        pytest.param("2 days", 48.0, id="two-days"),
        pytest.param("2 days ago", 48.0, id="two-days-ago"),
        pytest.param("3h", 3.0, id="cli-hours"),
        pytest.param("2d", 48.0, id="cli-days"),
        pytest.param("yesterday evening", 23.0, id="yesterday-evening"),
        pytest.param("2026-11-29T08:00", 10.0, id="date-picker"),
        pytest.param("15:30", 2.5, id="clock-time-today"),
    ],
)
def test_the_onset_is_read_from_natural_words(text: str, hours: float) -> None:
    assert read_onset_hours(text, now=NOW) == pytest.approx(hours, abs=0.1)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a while", id="vague"),
        pytest.param("-3", id="negative"),
        pytest.param((NOW + timedelta(hours=2)).isoformat(), id="future"),
        pytest.param("", id="empty"),
    ],
)
def test_an_unreadable_onset_is_none(text: str) -> None:
    assert read_onset_hours(text, now=NOW) is None


def test_every_page_has_plain_labels_for_its_choices(flow: AssessmentFlow) -> None:
    for page in flow.pages(Answers()):
        for question in page.questions:
            for choice in question.choices:
                label = flow.labels(question.key)[choice]
                assert "_" not in label, (question.key, choice)
