"""Free-text intake: the legs and the emergency signs told in everyday words, case by case.

Three reading rules are checked here beside the wording: another key told between a near
match's word and its site stays its own mention ("sudden pain in my back, my chest is
tight and I'm dizzy" is chest pain and a collapse), and confusion or drowsiness told of
another person is the patient's (the question asks about "you, or the person you are
helping") unless the writer tells of their own back before it or in its sentence. A
listed word typed fast is read as that word. The measured quality over all labelled texts
is in tests/test_extract_eval.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backcare.text
from backcare.errors import KnowledgeBaseError
from backcare.text import Extraction, FindingStatus, extract
from backcare.text._vocabulary import load_vocabulary

NOW = datetime(2026, 11, 29, 18, 0)
CONFUSION = "red_flags.confusion_or_drowsiness"


def _status(extraction: Extraction, key: str) -> set[FindingStatus]:
    return {f.status for f in extraction.findings if f.key == key}


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        # another key between a near match's word and its site is not swallowed
        pytest.param(
            "sudden pain in my back, my chest is tight and I'm dizzy",
            "red_flags.chest_pain",
            "present",
            id="chest-pain-inside-a-collapse",
        ),
        pytest.param(
            "sudden pain in my back, my chest is tight and I'm dizzy",
            "red_flags.collapse_signs",
            "present",
            id="the-collapse-around-it",
        ),
        pytest.param(
            "the numbness in my left leg is creeping higher every day",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="spreading-numbness-is-one-leg-too",
        ),
        # both legs, told without "both legs"
        pytest.param(
            "now the right leg has joined in",
            "red_flags.both_legs",
            "present",
            id="second-leg-joins-in",
        ),
        pytest.param(
            "the sciatica swaps sides from one day to the next",
            "red_flags.both_legs",
            "present",
            id="sides-taking-turns",
        ),
        pytest.param(
            "a burning line down the back of each leg", "red_flags.both_legs", "present", id="each"
        ),
        pytest.param(
            "lying on my back with both legs bent like the physio showed",
            "red_flags.both_legs",
            None,
            id="both-legs-as-a-posture",
        ),
        pytest.param(
            "right leg's all tingly, the left one's fine",
            "red_flags.both_legs",
            None,
            id="other-side-fine",
        ),
        pytest.param(
            "right leg's all tingly, the left one's fine",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="so-one-leg",
        ),
        # a weak leg by what the foot and the walk do
        pytest.param(
            "walking like I've had ten pints",
            "red_flags.worsening_leg_weakness",
            "present",
            id="walk-told-by-a-picture",
        ),
        pytest.param(
            "I can't point my toes up",
            "red_flags.worsening_leg_weakness",
            "present",
            id="toes-will-not-come-up",
        ),
        pytest.param(
            "tried standing on tiptoe like the website said and I can't",
            "red_flags.worsening_leg_weakness",
            "present",
            id="the-website-test-is-the-persons-own",
        ),
        pytest.param(
            "since I stumbled on the garden path",
            "red_flags.worsening_leg_weakness",
            None,
            id="one-stumble-is-the-trigger",
        ),
        # one leg told by a picture
        pytest.param(
            "my calf feels like it's had a dentist's injection",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="dentist-picture",
        ),
        # a collapse: faint, colour and sweat beside the pain
        pytest.param(
            "worst pain of my life, sweating buckets and dizzy",
            "red_flags.collapse_signs",
            "present",
            id="sweat-and-dizzy-beside-the-pain",
        ),
        pytest.param(
            "a faint tingling in my foot", "red_flags.collapse_signs", None, id="faint-as-slight"
        ),
        pytest.param(
            "felt dizzy after standing up too quickly",
            "red_flags.collapse_signs",
            None,
            id="postural-dizziness-alone",
        ),
        pytest.param(
            "back pain since Tuesday and now a fever, sweating buckets",
            "red_flags.collapse_signs",
            None,
            id="sweat-of-a-fever",
        ),
        pytest.param(
            "nearly fainted at the price of the physio",
            "red_flags.collapse_signs",
            None,
            id="fainting-at-a-price",
        ),
        # confusion: what a carer sees, and the person being helped
        pytest.param(
            "Gran doesn't know what day it is this morning", CONFUSION, "present", id="gran"
        ),
        pytest.param(
            "he can't keep his eyes open", CONFUSION, "present", id="he-is-the-person-helped"
        ),
        pytest.param(
            "my gran gets confused and I look after her, lifting her did my back in",
            CONFUSION,
            "other_person",
            id="the-writer-is-the-patient",
        ),
        pytest.param(
            "I hurt my back lifting Dad. Dad gets muddled in the evenings.",
            CONFUSION,
            "other_person",
            id="own-back-told-first",
        ),
        pytest.param(
            "I'm a bit confused about whether to use ice or heat",
            CONFUSION,
            None,
            id="puzzled-by-advice",
        ),
        pytest.param("she's struggling to get her words out", CONFUSION, "present", id="speech"),
        # typed fast: a letter three times, a dropped "g"; a letter twice is left alone
        pytest.param(
            "so dizzzy with this back pain",
            "red_flags.collapse_signs",
            "present",
            id="letter-typed-three-times",
        ),
        pytest.param(
            "my knee keeps givin out",
            "red_flags.worsening_leg_weakness",
            "present",
            id="dropped-g",
        ),
        # chest pain by its bone, muscle and the heart beneath
        pytest.param(
            "aching behind my breastbone", "red_flags.chest_pain", "present", id="breastbone"
        ),
        pytest.param(
            "feels like my heart is being squeezed",
            "red_flags.chest_pain",
            "present",
            id="heart-squeezed",
        ),
        pytest.param(
            "my heart is racing with the pain", "red_flags.chest_pain", None, id="racing-heart"
        ),
    ],
)
def test_each_sign_is_read_in_everyday_words(text: str, key: str, status: str | None) -> None:
    got = extract(text, now=NOW)
    assert _status(got, key) == ({FindingStatus(status)} if status else set())


_CARER = st.sampled_from(
    [
        "Gran doesn't know what day it is",
        "he can't keep his eyes open",
        "she's struggling to get her words out",
        "Dad is very muddled today",
    ]
)
_LATER = st.sampled_from(
    ["", "I hurt my back at the weekend.", "my back is killing me", "My wife has dementia."]
)


@settings(max_examples=40, deadline=None)
@given(carer=_CARER, later=_LATER)
def test_what_follows_never_takes_a_carers_sign_from_the_patient(carer: str, later: str) -> None:
    """Whose sign it is is read from what comes before it and its own sentence, so that
    appending text (the writer's own back included) never removes a present finding."""
    before = _status(extract(f"{carer}.", now=NOW), CONFUSION)
    assert before == {FindingStatus.PRESENT}
    assert FindingStatus.PRESENT in _status(extract(f"{carer}. {later}", now=NOW), CONFUSION)


def test_a_helped_key_must_be_a_concept(tmp_path: Path) -> None:
    source = (
        Path(backcare.text._vocabulary.__file__).parents[1]
        / "knowledge"
        / "data"
        / "vocabulary"
        / "en.yaml"
    )
    broken = tmp_path / "en.yaml"
    text = source.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("helped: [red_flags.confusion_or_drowsiness]", "helped: [red_flags.confused]"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_vocabulary(broken)
    assert "helped names no concept: red_flags.confused" in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "spelled", "read_as_spelled"),
    [
        pytest.param("dizzzy", "dizzy", True, id="three-times"),
        pytest.param("tinggggling", "tingling", True, id="four-times"),
        pytest.param("givin", "giving", True, id="dropped-g"),
        pytest.param("popped", "pooped", False, id="popped-is-not-pooped"),
        pytest.param("wedding", "weeding", False, id="wedding-is-not-weeding"),
        pytest.param("numbness", "numbnes", False, id="a-listed-spelling-stays"),
    ],
)
def test_a_listed_word_typed_fast_is_read_as_that_word(
    typed: str, spelled: str, read_as_spelled: bool
) -> None:
    """Only a letter typed three times or a dropped final "g" is undone: English has too
    many real words a doubled letter away from a listed one."""
    pipeline = backcare.text.load_pipeline()

    def lemma(word: str) -> str:
        doc = pipeline.nlp(word)
        pipeline._lemmatize(doc)
        return doc[0].lemma_

    assert (lemma(typed) == lemma(spelled)) is read_as_spelled
