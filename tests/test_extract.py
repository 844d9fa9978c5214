"""Free-text intake: the extraction contract, its safety rules, the CLI and web flows.

The measured quality over the labelled texts is in tests/test_extract_eval.py; this file
checks the behaviour case by case, the invariants with hypothesis, and that the flows
never take an answer from text without the person confirming it.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pexpect
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_cli import _spawn
from tests.web_support import hidden_fields, page_form, page_questions, typical_answer, web_client

import backcare
import backcare.text
from backcare.cli import main
from backcare.domain.answers import RedFlags, parse_answers
from backcare.errors import KnowledgeBaseError
from backcare.knowledge.loader import load_knowledge_base
from backcare.text import Extraction, FindingStatus, MissingTextExtraError, extract
from backcare.text._vocabulary import check_vocabulary, load_vocabulary

NOW = datetime(2026, 11, 29, 18, 0)
EXAMPLE = (
    "put my back out lifting the kids' bike on Tuesday, about 7/10, no tingling "
    "in my leg but it's agony when I sneeze"
)


def _status(extraction: Extraction, key: str) -> set[FindingStatus]:
    return {f.status for f in extraction.findings if f.key == key}


def test_the_issue_example_prefills_and_leaves_the_denied_symptom_unanswered() -> None:
    got = backcare.extract(EXAMPLE, now=NOW)
    assert got.contract_version == 1
    assert got.answers == {
        "red_flags": {"worse_cough_sneeze_bowel": True},
        "history": {},
        "pain": 7,
        "hours_since_onset": 126.0,
        "trigger": "lifting",
    }
    denied = [f for f in got.findings if f.key == "red_flags.one_leg_numbness_or_tingling"]
    assert [(f.status, f.text) for f in denied] == [(FindingStatus.ABSENT, "no tingling in my leg")]
    sneeze = next(f for f in got.findings if f.key == "red_flags.worse_cough_sneeze_bowel")
    assert EXAMPLE[sneeze.start : sneeze.end] == sneeze.text == "agony when I sneeze"


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        pytest.param(
            "numbness around my bottom", "red_flags.saddle_numbness", "present", id="nhs-wording"
        ),
        pytest.param(
            "no numbness around my bottom", "red_flags.saddle_numbness", "absent", id="negated"
        ),
        pytest.param(
            "maybe a bit numb down my leg? not sure",
            "red_flags.one_leg_numbness_or_tingling",
            "uncertain",
            id="uncertain",
        ),
        pytest.param(
            "should I worry if I can't pee?",
            "red_flags.bladder_or_bowel_change",
            "hypothetical",
            id="hypothetical",
        ),
        pytest.param("my mum had cancer", "history.cancer", "other_person", id="other-person"),
        pytest.param(
            "I had cancer ten years ago", "history.cancer", "present", id="past-history-is-present"
        ),
        pytest.param(
            "I had tingling in my left leg last week but that's gone now",
            "red_flags.one_leg_numbness_or_tingling",
            "past",
            id="gone-symptom",
        ),
        pytest.param(
            "the numbness around my bottom went away yesterday but it's come back today",
            "red_flags.saddle_numbness",
            "present",
            id="gone-then-back-is-present",
        ),
        pytest.param(
            "my bum was tingling but it's gone numb now",
            "red_flags.saddle_numbness",
            "present",
            id="gone-numb-is-no-past",
        ),
        pytest.param(
            "pins and needles down my left leg? not really",
            "red_flags.one_leg_numbness_or_tingling",
            "absent",
            id="denial-after-question-mark",
        ),
        pytest.param(
            "both legs feel a bit weird? or maybe just tired",
            "red_flags.both_legs",
            "uncertain",
            id="doubt-after-question-mark",
        ),
        pytest.param(
            "I can't walk properly and I can't feel my bottom",
            "red_flags.saddle_numbness",
            "present",
            id="cant-is-not-a-denial",
        ),
        pytest.param("sciatica down both legs", "red_flags.both_legs", "present", id="both-legs"),
        pytest.param(
            "I take Eliquis", "conditions.blood_thinners", "present", id="brand-name-blood-thinner"
        ),
        pytest.param(
            "took two Nurofen", "medicines.ibuprofen", "present", id="brand-name-ibuprofen"
        ),
        pytest.param(
            "I think I've slipped a disc", "trigger.minor_fall", None, id="slipped-disc-is-no-fall"
        ),
        # Pseudo-negations: a negation word inside a phrase that asserts the sign.
        pytest.param(
            "a lump on my spine that wasn't there before",
            "red_flags.back_deformity_or_lump",
            "present",
            id="pseudo-new-wasnt-there-before",
        ),
        pytest.param(
            "I've never had numbness in my bum before",
            "red_flags.saddle_numbness",
            "present",
            id="pseudo-after-never-before",
        ),
        pytest.param(
            "I'd never had pins and needles down my leg until now",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="pseudo-after-not-until-now",
        ),
        pytest.param(
            "I've never had cancer before",
            "history.cancer",
            "absent",
            id="never-before-still-denies-history",
        ),
        pytest.param(
            "the tingling in my left leg won't stop",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="pseudo-persistent-wont-stop",
        ),
        pytest.param(
            "I have no control over my bladder",
            "red_flags.bladder_or_bowel_change",
            "present",
            id="pseudo-lost-no-control",
        ),
        pytest.param(
            "I hadn't noticed any weakness in my legs",
            "red_flags.worsening_leg_weakness",
            "absent",
            id="hadnt-is-a-negation",
        ),
        pytest.param(
            "no numbness, also my bum feels numb",
            "red_flags.saddle_numbness",
            "present",
            id="also-ends-the-scope",
        ),
        pytest.param(
            "I nearly fell over when my back went", "trigger.minor_fall", None, id="near-fall"
        ),
        pytest.param(
            "I nearly passed out with the pain",
            "red_flags.collapse_signs",
            "present",
            id="near-faint-is-still-a-sign",
        ),
        pytest.param(
            "helped my brother move a sofa",
            "trigger.lifting",
            "present",
            id="someone-elses-sofa-is-my-lifting",
        ),
        pytest.param(
            "my brother has sciatica",
            "red_flags.one_leg_numbness_or_tingling",
            "other_person",
            id="someone-elses-sign-stays-theirs",
        ),
        pytest.param(
            "my leg is not weak",
            "red_flags.worsening_leg_weakness",
            "absent",
            id="a-denial-between-site-and-word",
        ),
        pytest.param(
            "hurt my back at the weekend no lump",
            "red_flags.back_deformity_or_lump",
            "absent",
            id="no-between-site-and-word",
        ),
        pytest.param(
            "my leg has never felt this weak",
            "red_flags.worsening_leg_weakness",
            "present",
            id="never-felt-this-weak-is-weak",
        ),
        pytest.param(
            "changing soiled nappies all day",
            "red_flags.bladder_or_bowel_change",
            None,
            id="soiled-nappies-are-not-mine",
        ),
        pytest.param(
            "kind of numb around my bum",
            "red_flags.saddle_numbness",
            "present",
            id="kind-of-numb-is-numb",
        ),
        pytest.param(
            "had sciatica a few years back",
            "red_flags.one_leg_numbness_or_tingling",
            "past",
            id="years-back-is-past",
        ),
        pytest.param(
            "pins and needles in my foot for the last month",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="for-the-last-month-is-now",
        ),
        pytest.param(
            "will it hurt more if I cough?",
            "red_flags.worse_cough_sneeze_bowel",
            "hypothetical",
            id="will-it-hurt-if-is-a-question",
        ),
        # conditions and history told in lay words, and look-alikes that are not them
        pytest.param(
            "Advil gave me an ulcer",
            "conditions.stomach_ulcer_or_bleed",
            "present",
            id="ulcer-from-a-painkiller",
        ),
        pytest.param(
            "I had a mouth ulcer", "conditions.stomach_ulcer_or_bleed", None, id="mouth-ulcer"
        ),
        pytest.param(
            "kidney transplant in 2019", "conditions.kidney_disease", "present", id="transplant"
        ),
        pytest.param(
            "pain in my kidney area", "conditions.kidney_disease", None, id="kidney-area-is-a-place"
        ),
        pytest.param(
            "a bottle of whisky a day",
            "conditions.heavy_alcohol_use",
            "present",
            id="drink-by-quantity",
        ),
        pytest.param(
            "a bottle of water a day", "conditions.heavy_alcohol_use", None, id="water-is-no-drink"
        ),
        pytest.param(
            "severe asthma (so no ibuprofen for me)",
            "conditions.asthma_nsaid_sensitive",
            "present",
            id="asthma-ruling-out-ibuprofen",
        ),
        pytest.param(
            "I can't have ibuprofen, it sets my asthma off",
            "conditions.asthma_nsaid_sensitive",
            "present",
            id="asthma-in-the-next-clause",
        ),
        pytest.param(
            "cold air sets my asthma off, and I can't take ibuprofen because of my stomach",
            "conditions.asthma_nsaid_sensitive",
            None,
            id="asthma-in-another-thought",
        ),
        pytest.param(
            "no aspirin sensitive asthma",
            "conditions.asthma_nsaid_sensitive",
            "absent",
            id="asthma-denied",
        ),
        pytest.param(
            "on Enbrel for my psoriasis", "history.immunosuppressed", "present", id="biologic-brand"
        ),
        pytest.param(
            "I had a hair transplant", "history.immunosuppressed", None, id="hair-transplant"
        ),
        pytest.param(
            "a bone marrow transplant",
            "history.immunosuppressed",
            "present",
            id="organ-transplant",
        ),
    ],
)
def test_each_mention_gets_its_status(text: str, key: str, status: str | None) -> None:
    got = extract(text, now=NOW)
    assert _status(got, key) == ({FindingStatus(status)} if status else set())


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        pytest.param("I'm 42", "age", 42, id="im-42"),
        pytest.param("lifting my 4 year old, I'm 34", "age", 34, id="childs-age-is-not-mine"),
        pytest.param("it's agony, worst pain ever", "pain", None, id="pain-words-set-nothing"),
        pytest.param("about a 6", "pain", 6, id="about-a-6"),
        pytest.param("8/10", "pain", 8, id="eight-out-of-ten"),
        pytest.param("2 days ago", "hours_since_onset", 48.0, id="days-ago"),
        pytest.param("since last night", "hours_since_onset", 20.0, id="last-night"),
        pytest.param("Tuesday morning", "hours_since_onset", 130.0, id="weekday-with-today"),
        pytest.param(
            "fell off a ladder and slipped",
            "trigger",
            "serious_accident",
            id="most-serious-trigger",
        ),
        pytest.param("can barely move in bed", "trigger", None, id="moving-in-bed-lifts-nothing"),
        pytest.param("moved the car", "trigger", None, id="moving-the-car-lifts-nothing"),
        pytest.param("moving boxes", "trigger", "lifting", id="moving-something-heavy"),
        pytest.param("fit and healthy, 29, sore back", "age", 29, id="bare-age-between-commas"),
        pytest.param("started yesterdy", "hours_since_onset", 30.0, id="typed-yesterday"),
        pytest.param("at the gym this am", "hours_since_onset", 10.0, id="this-am"),
        pytest.param("since tues", "hours_since_onset", 126.0, id="short-weekday"),
        pytest.param("I sat down and it went", "hours_since_onset", None, id="sat-is-no-saturday"),
        # ages in the shapes people use, and numbers that are something else
        pytest.param("48, female, sore back", "age", 48, id="age-comma-sex"),
        pytest.param("F 48. Back went", "age", 48, id="sex-then-age"),
        pytest.param("41/M, sore back", "age", 41, id="age-slash-sex"),
        pytest.param("F/52 back pain", "age", 52, id="sex-slash-age"),
        pytest.param("The pain is low. 66, on warfarin.", "age", 66, id="bare-age-opens-sentence"),
        pytest.param("as a 66-year-old I expected it", "age", 66, id="as-a-66-year-old"),
        pytest.param("I turned 50 in May", "age", 50, id="turned-50"),
        pytest.param("born in 1961, retired", "age", 65, id="born-in-counted-from-now"),
        pytest.param("my son (12) and I moved house. I'm 41", "age", 41, id="their-age-then-mine"),
        pytest.param("my son (12) and his friend", "age", None, id="age-in-brackets-is-theirs"),
        # The writer says nothing of themselves: the son with the bad back is the patient.
        pytest.param(
            "my son (12) has a bad back", "age", 12, id="the-patient-s-age-when-written-for"
        ),
        pytest.param("Dad is 88, his back went on Friday", "age", 88, id="dad-is-88"),
        pytest.param("Pulled my back. 58 yrs. Pain 6.", "age", 58, id="yrs-as-a-sentence"),
        pytest.param("47/f, back went this morning", "age", 47, id="slash-lower-case-sex"),
        pytest.param("I am man 57 age. Back pain.", "age", 57, id="non-native-man-57"),
        pytest.param("pain 8 of 10", "pain", 8, id="eight-of-ten"),
        pytest.param(
            "back pain since three days", "hours_since_onset", 72.0, id="since-three-days"
        ),
        pytest.param("she turned 60 last week", "age", None, id="her-birthday-is-not-mine"),
        pytest.param("I weigh 80 kg, 2 kids, back hurts", "age", None, id="kg-and-kids-are-no-age"),
        pytest.param("hit at 30 mph. 29/11 it happened", "age", None, id="speed-and-date-no-age"),
        pytest.param("pain 8. 10/10 yesterday", "age", None, id="scores-are-no-age"),
        pytest.param("I turned 90 degrees and it went", "age", None, id="turned-degrees"),
        pytest.param("I'm fifty-two", "age", 52, id="spelled-out"),
        pytest.param("I'm 5'9 and 80 kg, 34 years old", "age", 34, id="a-height-is-no-age"),
        pytest.param("I'm sixty percent sure", "age", None, id="spelled-percent"),
        pytest.param("Retired teacher (71).", "age", 71, id="own-age-in-brackets"),
        pytest.param("At 71 I should know better", "age", 71, id="at-71"),
        pytest.param("At 10 I took a pill", "age", None, id="at-a-time"),
        pytest.param("I drink about 6 cans a night", "pain", None, id="a-count-is-no-score"),
        # onsets: the back pain's, in shorthand, weekends, holidays
        pytest.param("LBP x 3 days", "hours_since_onset", 72.0, id="x-3-days"),
        pytest.param("LBP x3/7", "hours_since_onset", 72.0, id="x-3-sevenths"),
        pytest.param("for the past fortnight", "hours_since_onset", 336.0, id="countless-unit"),
        pytest.param("sore for days", "hours_since_onset", None, id="for-days-says-no-number"),
        pytest.param("had it 3 weeks", "hours_since_onset", 504.0, id="had-it-3-weeks"),
        pytest.param("3 nights of this", "hours_since_onset", 72.0, id="nights"),
        pytest.param("hurt it over the weekend", "hours_since_onset", 30.0, id="over-the-weekend"),
        pytest.param("since Boxing day", "hours_since_onset", 8118.0, id="boxing-day-last-year"),
        pytest.param("Done it Sat morning", "hours_since_onset", 34.0, id="short-day-with-part"),
        pytest.param("it's been five days", "hours_since_onset", 120.0, id="its-been"),
        pytest.param("on Thursday night", "hours_since_onset", 68.0, id="on-a-weekday-night"),
        pytest.param("hurt it on the 24th", "hours_since_onset", 126.0, id="day-of-month"),
        pytest.param("since the 30th", "hours_since_onset", 726.0, id="day-of-last-month"),
        pytest.param("since 20 November", "hours_since_onset", 222.0, id="day-and-month"),
        pytest.param("May 3rd", "hours_since_onset", 5046.0, id="month-and-ordinal"),
        pytest.param("I may 3 times", "hours_since_onset", None, id="may-is-no-month-here"),
        pytest.param(
            "a twinge on the 14th tee", "hours_since_onset", None, id="ordinal-before-noun"
        ),
        pytest.param(
            "Back went on Wednesday. Since this morning my foot tingles.",
            "hours_since_onset",
            102.0,
            id="the-backs-time-not-the-symptoms",
        ),
        pytest.param(
            "Back stiff since I sat in traffic for five hours on Friday.",
            "hours_since_onset",
            54.0,
            id="a-duration-on-a-named-day",
        ),
        pytest.param(
            "Crashed at the lights yesterday afternoon. Stiff today.",
            "hours_since_onset",
            28.0,
            id="today-is-how-it-is-now",
        ),
        # triggers: what is told as the cause wins
        pytest.param(
            "it's bending that kills. Did it hoovering.", "trigger", "overuse", id="told-as-cause"
        ),
        pytest.param(
            "I hurt my back picking her up when she fell",
            "trigger",
            "lifting",
            id="someone-elses-fall",
        ),
        pytest.param(
            "sat in a traffic jam for hours", "trigger", "after_inactivity", id="traffic-jam"
        ),
        pytest.param(
            "slept on a friend's sofa bed", "trigger", "after_inactivity", id="strange-bed"
        ),
        pytest.param(
            "Lying flat on the floor eases it", "trigger", None, id="lying-on-the-floor-eases"
        ),
        pytest.param(
            "push myself up off the sofa", "trigger", None, id="pushing-oneself-lifts-nothing"
        ),
        pytest.param(
            "getting out of the bath", "trigger", "twisting_or_sudden_movement", id="out-of-bath"
        ),
        pytest.param("can't get out of a chair", "trigger", None, id="a-chair-is-how-it-is"),
        pytest.param("it hurts to bend over", "trigger", None, id="hurts-to-is-how-it-is"),
        pytest.param("lifting the kettle hurts", "trigger", None, id="what-hurts-now"),
        pytest.param("I can't lift anything", "trigger", None, id="what-i-cannot-do"),
        pytest.param("can I still play golf?", "trigger", None, id="a-question-is-no-cause"),
        pytest.param(
            "I slipped and my back hurts", "trigger", "minor_fall", id="and-my-back-hurts"
        ),
        pytest.param(
            "it hurts when I bend over, did it lifting a box",
            "trigger",
            "lifting",
            id="cause-beside-aggravator",
        ),
        pytest.param("no obvious cause", "trigger", "unknown", id="no-obvious-cause"),
        pytest.param(
            "desk-job back I think", "trigger", "after_inactivity", id="a-hedged-cause-is-offered"
        ),
        pytest.param("I didn't fall", "trigger", None, id="a-denied-cause-is-not"),
        pytest.param("what if I lift the baby?", "trigger", None, id="a-question-is-not"),
        # session 7: ages told in more shapes, and ones left unset
        pytest.param("I'm a forty year old man", "age", 40, id="age-spelled-a-year-old"),
        pytest.param("fifty eight years young", "age", 58, id="age-years-young"),
        pytest.param("At the ripe old age of 92 I did it", "age", 92, id="age-the-age-of"),
        pytest.param("just hit 30 and my back's gone", "age", 30, id="age-just-hit"),
        pytest.param("I'm only 27 and fit", "age", 27, id="age-only"),
        pytest.param("DOB 1971, back went", "age", 55, id="age-dob-year"),
        pytest.param("16 and i get back pain", "age", 16, id="age-opening-and-i"),
        pytest.param("I'm in my 70s and stiff", "age", None, id="age-a-decade-is-unset"),
        pytest.param("mid-fifties, sore back", "age", None, id="age-mid-fifties-unset"),
        pytest.param(
            "my mum died at the age of 62 and I'm scared", "age", None, id="age-of-someone-else"
        ),
        pytest.param("I hit 38.5 last night", "age", None, id="age-hit-a-temperature"),
        pytest.param("I'm 50 next week", "age", 49, id="age-still-to-come"),
        pytest.param("I'll be 70 on Friday", "age", 69, id="age-ill-be"),
        # onsets: the back's clause, not another thing's
        pytest.param(
            "I've had a cold for two weeks and now since yesterday my back has gone",
            "hours_since_onset",
            30.0,
            id="onset-another-things-duration",
        ),
        pytest.param(
            "I had covid three weeks ago, but my back has hurt since Tuesday",
            "hours_since_onset",
            126.0,
            id="onset-another-things-time",
        ),
        pytest.param("hurt it Fri eve", "hours_since_onset", 47.0, id="onset-fri-eve"),
        pytest.param("sore since this arvo", "hours_since_onset", 4.0, id="onset-this-arvo"),
        pytest.param("did it on Tuesdya", "hours_since_onset", 126.0, id="onset-mistyped-day"),
        pytest.param("3/7 hx of LBP", "hours_since_onset", 72.0, id="onset-clinical-hx"),
        pytest.param("woke at 2am with it", "hours_since_onset", 16.0, id="onset-clock-time"),
        pytest.param("back went at 11pm", "hours_since_onset", 19.0, id="onset-clock-last-night"),
        pytest.param("pacing at 3am", "hours_since_onset", None, id="onset-clock-how-it-is"),
        pytest.param(
            "bothering me since the start of the week",
            "hours_since_onset",
            154.0,
            id="onset-start-of-the-week",
        ),
        pytest.param(
            "my back's been playing up a couple of weeks",
            "hours_since_onset",
            336.0,
            id="onset-playing-up-a-duration",
        ),
        pytest.param(
            "the pain start before 4 days", "hours_since_onset", 96.0, id="onset-before-n"
        ),
        pytest.param("I have 43 years and my back hurts", "age", 43, id="age-i-have-n-years"),
        pytest.param("I have 20 years of experience", "age", None, id="age-years-of-experience"),
        # triggers by kind
        pytest.param(
            "fell off the ladder doing the gutters",
            "trigger",
            "serious_accident",
            id="a-fall-from-a-height",
        ),
        pytest.param(
            "came off my motorbike yesterday, it hurt when I stood up just now",
            "trigger",
            "serious_accident",
            id="a-serious-accident-told-at-all-wins",
        ),
        pytest.param(
            "back sore from carrying plasterboard all week", "trigger", "overuse", id="repeated"
        ),
        pytest.param(
            "back twinged picking up lego",
            "trigger",
            "twisting_or_sudden_movement",
            id="picking-up-something-light-is-a-bend",
        ),
        pytest.param(
            "14 hour flight and I can't straighten up",
            "trigger",
            "after_inactivity",
            id="a-journey-by-its-length",
        ),
        pytest.param(
            "HGV driver, did three long runs this week", "trigger", "after_inactivity", id="runs"
        ),
        pytest.param("feeling run down and my back aches", "trigger", None, id="run-down"),
        pytest.param("haven't a clue why it started", "trigger", "unknown", id="no-clue-why"),
        pytest.param(
            "came down wrong off the trampoline", "trigger", "minor_fall", id="came-down-wrong"
        ),
        pytest.param(
            "three hours each way on the train, two days running",
            "trigger",
            "after_inactivity",
            id="days-running-is-no-run",
        ),
        pytest.param(
            "wrestled a roll of carpet down the stairs", "trigger", "lifting", id="wrestled-a-load"
        ),
        pytest.param(
            "I fell off a horse twenty years ago. This time I bent down to stroke the cat.",
            "trigger",
            "twisting_or_sudden_movement",
            id="long-ago-is-history",
        ),
        pytest.param(
            "my back went when I went to pick her up from the station",
            "trigger",
            None,
            id="collecting-someone-is-no-lift",
        ),
        pytest.param("hurt my back at karate", "trigger", "overuse", id="a-sport-by-name"),
        pytest.param(
            "My husband fell over and I strained my back trying to help him up",
            "trigger",
            "lifting",
            id="another-persons-fall",
        ),
        pytest.param(
            "Mum fell on Friday and hurt her back", "trigger", "minor_fall", id="the-patients-fall"
        ),
        pytest.param(
            "the quad bike rolled on a slope", "trigger", "serious_accident", id="vehicle-rolled"
        ),
        pytest.param(
            "a film marathon on the sofa", "trigger", "after_inactivity", id="film-marathon"
        ),
        pytest.param(
            "overreached for the top shelf",
            "trigger",
            "twisting_or_sudden_movement",
            id="overreached",
        ),
        pytest.param(
            "I went for a long walk and I was fine. Then I picked up the watering can.",
            "trigger",
            "lifting",
            id="went-for-and-was-fine-are-no-cause-words",
        ),
    ],
)
def test_numbers_and_trigger_are_read(text: str, field: str, value: Any) -> None:
    assert extract(text, now=NOW).answers.get(field) == value


@pytest.mark.parametrize(
    ("text", "conditions"),
    [
        pytest.param("aspirin makes my lips swell up", ["nsaid_allergy"], id="nsaid-reaction"),
        pytest.param(
            "I'm asthmatic and I've been told never to take anti-inflammatories",
            ["asthma_nsaid_sensitive"],
            id="asthma-ban-told-further-on",
        ),
        pytest.param("got a bun in the oven", ["pregnant"], id="pregnant-euphemism"),
        pytest.param("could I be pregnant? no chance", None, id="pregnant-asked"),
        pytest.param("trying to get pregnant", None, id="pregnant-hoped-for"),
        pytest.param("I'm hypertensive", ["high_blood_pressure"], id="hypertensive"),
        pytest.param(
            "I used to drink heavily but I've been sober six years", None, id="drinking-over"
        ),
        pytest.param(
            "I take aspirin for my heart",
            ["blood_thinners", "heart_disease_or_stroke"],
            id="aspirin-for-the-heart",
        ),
        pytest.param("Eliquis for my heart rhythm", ["blood_thinners"], id="rhythm-is-not"),
        pytest.param("I came off warfarin in the summer", None, id="thinner-stopped"),
        pytest.param("bent down to stroke the cat", None, id="stroking-a-cat-is-no-stroke"),
        pytest.param("I'm on pills for my pressure", ["high_blood_pressure"], id="my-pressure"),
        pytest.param(
            "three or four whiskies every night", ["heavy_alcohol_use"], id="drinks-a-night"
        ),
        pytest.param("6 months along with our first", ["pregnant"], id="months-along"),
        pytest.param(
            "daily injections in my tummy for a clot", ["blood_thinners"], id="clot-injections"
        ),
    ],
)
def test_conditions_are_read_by_kind(text: str, conditions: list[str] | None) -> None:
    assert extract(text, now=NOW).answers.get("conditions") == conditions


@pytest.mark.parametrize(
    ("required", "run", "fits"),
    [
        pytest.param((), [], True, id="no-gap"),
        pytest.param((), ["my", "very"], True, id="two-extra"),
        pytest.param((), ["of", "my", "very"], False, id="three-extra"),
        pytest.param(("my",), ["my"], True, id="own-filler"),
        pytest.param(("my",), ["the"], False, id="own-filler-missing"),
        pytest.param(("of", "my"), ["of", "all", "my"], True, id="own-fillers-in-order"),
        pytest.param(("of", "my"), ["my", "of"], False, id="own-fillers-out-of-order"),
    ],
)
def test_a_gap_holds_the_phrase_s_own_fillers_and_at_most_two_others(
    required: tuple[str, ...], run: list[str], fits: bool
) -> None:
    from backcare.text._pipeline import _fits

    assert _fits(required, run) is fits


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        pytest.param(
            "a coughing fit makes it worse",
            "red_flags.worse_cough_sneeze_bowel",
            "present",
            id="word-form-fit-for-listed-fits",
        ),
        pytest.param("both my feet are numb", "red_flags.both_legs", "present", id="filler-my"),
        pytest.param(
            "numbness around the bottom",
            "red_flags.saddle_numbness",
            "present",
            id="a-filler-for-the-phrase-s-own",
        ),
        pytest.param(
            "my knees keep buckling",
            "red_flags.worsening_leg_weakness",
            "present",
            id="word-form-buckling",
        ),
        pytest.param(
            "no tingling in both my feet",
            "red_flags.both_legs",
            "absent",
            id="filler-inside-a-denied-phrase",
        ),
        pytest.param(
            "my back went when I sneezed",
            "red_flags.worse_cough_sneeze_bowel",
            None,
            id="exact-sneezed-is-the-trigger-not-the-sign",
        ),
        pytest.param(
            "it's agony when I sneeze",
            "red_flags.worse_cough_sneeze_bowel",
            "present",
            id="exact-sneeze-is-the-sign",
        ),
        pytest.param(
            "I can barely stand up straight",
            "trigger.twisting_or_sudden_movement",
            None,
            id="exact-standing-up-now-is-no-trigger",
        ),
        pytest.param("temp 38.9 since lunch", "red_flags.fever", "present", id="temp-38.9"),
        pytest.param("thermometer said 101F", "red_flags.fever", "present", id="fahrenheit"),
        pytest.param("it reads 38,2 °C", "red_flags.fever", "present", id="decimal-comma-unit"),
        pytest.param("my temperature was 37.2", "red_flags.fever", None, id="normal-reading"),
        pytest.param("temp of 100.2 F", "red_flags.fever", None, id="normal-fahrenheit"),
        pytest.param("temp normal for 38 hours", "red_flags.fever", None, id="hours-not-degrees"),
        pytest.param("38.6 temp this evening", "red_flags.fever", "present", id="number-first"),
        pytest.param("37.1 temperature, fine", "red_flags.fever", None, id="normal-number-first"),
        pytest.param(
            "2 temp jobs and a sore back", "red_flags.fever", None, id="count-not-reading"
        ),
        pytest.param(
            "what if my temperature hits 38.5?",
            "red_flags.fever",
            "hypothetical",
            id="hypothetical-reading",
        ),
        pytest.param(
            "my mum had a temp of 39", "red_flags.fever", "other_person", id="someone-elses-reading"
        ),
    ],
)
def test_word_forms_fillers_and_temperatures(text: str, key: str, status: str | None) -> None:
    """Phrases match other forms of their words and skip fillers; ``exact`` ones do not;
    a temperature of 38 C / 100.4 F or more is a fever, in its context."""
    got = extract(text, now=NOW)
    assert _status(got, key) == ({FindingStatus(status)} if status else set())


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        pytest.param(
            "my junk and inner thighs feel muffled, like through a thick glove",
            "red_flags.saddle_numbness",
            "present",
            id="word-class-lost-feeling-told-by-a-picture",
        ),
        pytest.param(
            "my legs have gone numm", "red_flags.both_legs", "present", id="plural-as-written"
        ),
        pytest.param("my leg has gone numm", "red_flags.both_legs", None, id="singular-is-one"),
        pytest.param(
            "my left leg has gone numb",
            "red_flags.one_leg_numbness_or_tingling",
            "present",
            id="has-gone-numb-is-no-past",
        ),
        pytest.param(
            "the pins and needles in my foot have gone now",
            "red_flags.one_leg_numbness_or_tingling",
            "past",
            id="has-gone-is-past",
        ),
        pytest.param(
            "the worst bit is getting out of bed in the morning",
            "red_flags.night_or_rest_pain",
            None,
            id="unless-out-of-bed",
        ),
        pytest.param(
            "worse lying flat and it wakes me at 3am",
            "red_flags.night_or_rest_pain",
            "present",
            id="night-near",
        ),
        pytest.param(
            "tried the heel-walk test and I can't do it on the left",
            "red_flags.worsening_leg_weakness",
            "present",
            id="across-a-clause",
        ),
        pytest.param(
            "the leaflet says losing control of your bladder is an emergency",
            "red_flags.bladder_or_bowel_change",
            "hypothetical",
            id="your-inside-the-mention",
        ),
        pytest.param(
            "Mum's back went on Friday and now she doesn't know where she is",
            "red_flags.confusion_or_drowsiness",
            "present",
            id="proxy-the-patient-is-mum",
        ),
        pytest.param(
            "Writing for my dad. Cancer runs in the family, he's had none himself",
            "history.cancer",
            "other_person",
            id="proxy-keeps-family-history",
        ),
        pytest.param(
            "my mum had cancer, my back is sore",
            "history.cancer",
            "other_person",
            id="no-proxy-mum-is-someone-else",
        ),
        pytest.param(
            "I've lost 3 stone on a diet this year",
            "red_flags.unexplained_weight_loss",
            "absent",
            id="weight-lost-on-purpose",
        ),
        pytest.param(
            "had to punch a new hole in my belt",
            "red_flags.unexplained_weight_loss",
            "present",
            id="weight-told-by-clothes",
        ),
        pytest.param(
            "the chest of drawers was heavy", "red_flags.chest_pain", None, id="unless-furniture"
        ),
        pytest.param(
            "now running 101.3 and shaking", "red_flags.fever", "present", id="running-a-reading"
        ),
        pytest.param(
            "just chilling on the sofa", "red_flags.fever", None, id="chilling-is-no-chill"
        ),
        pytest.param(
            "Every cough is like being stabbed in the lower back",
            "red_flags.worse_cough_sneeze_bowel",
            "present",
            id="cough-told-with-how-much-it-hurts",
        ),
        pytest.param(
            "I coughed and felt my back go",
            "red_flags.worse_cough_sneeze_bowel",
            None,
            id="coughed-is-the-trigger",
        ),
        pytest.param(
            "My back went after a coughing fit last night",
            "red_flags.worse_cough_sneeze_bowel",
            None,
            id="concept-unless-a-coughing-fit-that-set-it-off",
        ),
        pytest.param(
            "a coughing fit makes it much worse",
            "red_flags.worse_cough_sneeze_bowel",
            "present",
            id="a-coughing-fit-that-makes-it-worse",
        ),
        pytest.param(
            "My uncle had back pain and lost weight and it was cancer. Mine is from gardening.",
            "history.cancer",
            "other_person",
            id="another-person-s-story-reads-on-past-and",
        ),
        pytest.param(
            "My brother had this last year, he lost control of his bladder. My back is sore.",
            "red_flags.bladder_or_bowel_change",
            "other_person",
            id="his-inside-the-mention",
        ),
        pytest.param(
            "Dad is 88, back pain since Wednesday, today he doesn't know what day it is",
            "red_flags.confusion_or_drowsiness",
            "present",
            id="never-of-themselves-so-dad-is-the-patient",
        ),
        pytest.param(
            "mum (68) has awful pain in her belly and lower back and she's clammy, what do i do",
            "red_flags.collapse_signs",
            "present",
            id="asking-for-someone-else-is-not-speaking-of-oneself",
        ),
        pytest.param(
            "mate can't go for a wee since this arvo, me back's stuffed",
            "red_flags.bladder_or_bowel_change",
            "present",
            id="mate-as-a-greeting-is-nobody-else",
        ),
        pytest.param(
            "pins and needles in my right leg for a day or so but that stopped",
            "red_flags.one_leg_numbness_or_tingling",
            "past",
            id="past-reads-through-or-so",
        ),
    ],
)
def test_word_classes_near_rules_and_whose_back_it_is(
    text: str, key: str, status: str | None
) -> None:
    """Word classes shared by near rules, plural forms as written, ``unless`` and
    ``across``, a generic "your", and a text about someone else's back."""
    got = extract(text, now=NOW)
    assert _status(got, key) == ({FindingStatus(status)} if status else set())


def test_a_denied_or_doubted_red_flag_is_never_false_in_the_answers() -> None:
    got = extract("no numbness, no trouble peeing, not sure about a fever, never had cancer")
    assert got.answers["red_flags"] == {}
    assert got.answers["history"] == {}


def test_too_long_a_text_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(backcare.InputError) as caught:
        extract("a" * (backcare.text.MAX_TEXT_LENGTH + 1))
    assert caught.value.problems[0].field == "text"


# --- invariants -----------------------------------------------------------------------

_VOCABULARY = load_vocabulary()
_SYMPTOMS = sorted(
    {
        phrase
        for concept in _VOCABULARY.concepts
        if concept.group in {"red_flags", "history"}
        for phrase in concept.phrases
        if phrase.split()[0] not in {"no", "not", "can't", "cant", "cannot", "unable"}
    }
)
_FILLER = st.sampled_from(
    [
        "",
        "I was at work.",
        "It started after tea.",
        "thanks for any help",
        "The weather is awful.",
        "hurt my back at the weekend",
    ]
)
_HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_HYPOTHESIS
@given(
    phrase=st.sampled_from(_SYMPTOMS), cue=st.sampled_from(["no", "not", "without"]), before=_FILLER
)
def test_a_negation_before_a_symptom_never_makes_it_present(
    phrase: str, cue: str, before: str
) -> None:
    plain = extract(phrase, now=NOW)
    negated = extract(f"{before} {cue} {phrase}", now=NOW)
    keys = {f.key for f in plain.findings if f.status is FindingStatus.PRESENT}
    for key in keys:
        assert FindingStatus.PRESENT not in _status(negated, key), (phrase, key)


@pytest.mark.parametrize("cue", ["no", "not", "without"])
def test_no_listed_phrase_becomes_present_after_a_negation(cue: str) -> None:
    """Every red-flag and history phrase, including the ``exact`` ones: a phrase that
    begins with a filler ("just ...") must not turn "not" into "not just"."""
    phrases = sorted(
        {
            phrase
            for concept in _VOCABULARY.concepts
            if concept.group in {"red_flags", "history"}
            for phrase in (*concept.phrases, *concept.exact)
            if phrase.split()[0] not in {"no", "not", "can't", "cant", "cannot", "unable"}
        }
    )
    failures = []
    for phrase in phrases:
        present = {
            f.key for f in extract(phrase, now=NOW).findings if f.status is FindingStatus.PRESENT
        }
        negated = extract(f"{cue} {phrase}", now=NOW)
        failures += [(phrase, k) for k in present if FindingStatus.PRESENT in _status(negated, k)]
    assert len(phrases) > 500
    assert failures == []


@_HYPOTHESIS
@given(phrase=st.sampled_from(_SYMPTOMS), tail=_FILLER, extra=_FILLER)
def test_appending_unrelated_text_never_removes_a_present_finding(
    phrase: str, tail: str, extra: str
) -> None:
    text = f"I have {phrase}."
    before = {f.key for f in extract(text, now=NOW).findings if f.status is FindingStatus.PRESENT}
    after = extract(f"{text} {tail} {extra}", now=NOW)
    assert before <= {f.key for f in after.findings if f.status is FindingStatus.PRESENT}


@_HYPOTHESIS
@given(
    text=st.text(max_size=300)
    | st.lists(
        st.sampled_from(
            [*_SYMPTOMS, "no", "not", "my mum", "if", "?", ",", "7/10", "I'm 40", "2 days ago"]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_answers_always_validate_against_contract_v1_and_are_never_false(text: str) -> None:
    got = extract(text, now=NOW)
    parse_answers(got.answers)
    for group in ("red_flags", "history"):
        assert all(value is True for value in got.answers[group].values())
    assert json.loads(got.model_dump_json())["contract_version"] == 1


# --- vocabulary -----------------------------------------------------------------------


def test_the_vocabulary_cites_real_sources_and_medicines() -> None:
    kb = load_knowledge_base()
    check_vocabulary(
        _VOCABULARY,
        sources={s.id for s in kb.sources},
        medicines={m.id for m in kb.medicines},
    )
    red_flags = {c.key for c in _VOCABULARY.concepts if c.group == "red_flags"}
    assert red_flags == {f"red_flags.{name}" for name in RedFlags.model_fields}
    assert all(c.sources for c in _VOCABULARY.concepts if c.group in {"red_flags", "history"})


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(
            ("red_flags.saddle_numbness", "red_flags.saddle_numbnes"),
            "not an answer",
            id="typo-key",
        ),
        pytest.param(
            ("[nhs_back_pain, norfolk_ces", "[no_such_source, norfolk_ces"),
            "unknown source",
            id="unknown-source",
        ),
        pytest.param(
            ("fillers: [a, ", "fillers: [without, a, "), "context cues", id="filler-is-a-cue"
        ),
        pytest.param(
            ("fillers: [a, ", "fillers: [a bit, "), "one lower-case word", id="filler-2-words"
        ),
        pytest.param(
            ('words: ["@lost_feeling"]', 'words: ["@lost_feelings"]'),
            "no word class 'lost_feelings'",
            id="unknown-word-class",
        ),
        pytest.param(
            ("      - numb bum\n", "      - numb bum\n      - my\n"),
            "filler words only",
            id="phrase-of-fillers",
        ),
        pytest.param(
            (
                "    sources: [nhs_back_pain, norfolk_ces",
                "    phrases: [numb]\n    sources: [nhs_back_pain, norfolk_ces",
            ),
            "the key 'phrases' is repeated",
            id="a-repeated-key-would-drop-a-list",
        ),
    ],
)
def test_a_broken_vocabulary_is_refused_naming_the_entry(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    source = (
        Path(backcare.text._vocabulary.__file__).parents[1]
        / "knowledge"
        / "data"
        / "vocabulary"
        / "en.yaml"
    )
    broken = tmp_path / "en.yaml"
    broken.write_text(source.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    kb = load_knowledge_base()
    with pytest.raises(KnowledgeBaseError) as caught:
        check_vocabulary(
            load_vocabulary(broken),
            sources={s.id for s in kb.sources},
            medicines={m.id for m in kb.medicines},
        )
    assert problem in str(caught.value)


# --- the pipeline cache ---------------------------------------------------------------

_CACHE_PROBES = [
    EXAMPLE,
    "I can't feel my bum when I wipe and my mum had cancer",
    "no numbness, maybe a fever? if I can't pee should I worry",
]


@pytest.fixture
def pipeline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BACKCARE_CACHE_DIR", str(tmp_path))
    backcare.text._cached_pipeline.cache_clear()
    yield tmp_path
    backcare.text._cached_pipeline.cache_clear()


def test_the_built_pipeline_is_cached_on_disk_and_reads_back_the_same(
    pipeline_cache: Path,
) -> None:
    built = backcare.text.load_pipeline()
    (path,) = pipeline_cache.glob("text-pipeline-*.pickle")
    backcare.text._cached_pipeline.cache_clear()
    read = backcare.text.load_pipeline()
    assert read is not built
    assert [read.mentions(t) for t in _CACHE_PROBES] == [built.mentions(t) for t in _CACHE_PROBES]
    assert list(pipeline_cache.glob("*.tmp")) == []
    assert path.exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not a pickle", id="garbage"),
        pytest.param(pickle.dumps({"concepts": []}), id="wrong-type"),
    ],
)
def test_a_corrupt_pipeline_cache_is_ignored_and_rebuilt(
    pipeline_cache: Path, content: bytes
) -> None:
    expected = [backcare.text.load_pipeline().mentions(t) for t in _CACHE_PROBES]
    (path,) = pipeline_cache.glob("text-pipeline-*.pickle")
    path.write_bytes(content)
    backcare.text._cached_pipeline.cache_clear()
    assert [backcare.text.load_pipeline().mentions(t) for t in _CACHE_PROBES] == expected
    assert isinstance(pickle.loads(path.read_bytes()), backcare.text._pipeline.Pipeline)


def test_the_cache_key_follows_the_vocabulary_and_the_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backcare.text import _cache

    key = _cache.cache_path()
    assert key is not None
    monkeypatch.setattr(_cache.metadata, "version", lambda name: "0-other")
    assert _cache.cache_path() not in {key, None}
    monkeypatch.setattr(_cache, "resources", _NoFiles())
    assert _cache.cache_path() is None  # no key, no cache: built every time


class _NoFiles:
    @staticmethod
    def files(package: str) -> Path:
        return Path(os.devnull) / "missing"


# --- without the extra ----------------------------------------------------------------


@pytest.fixture
def no_text_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate an install without spaCy: importing it fails, as it would."""
    backcare.text._cached_pipeline.cache_clear()
    monkeypatch.setitem(sys.modules, "spacy", None)
    monkeypatch.setitem(sys.modules, "backcare.text._pipeline", None)
    monkeypatch.setattr(backcare.text.importlib.util, "find_spec", lambda name: None)
    yield
    backcare.text._cached_pipeline.cache_clear()


@pytest.mark.usefixtures("no_text_extra")
def test_without_the_extra_extract_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert not backcare.text.available()
    with pytest.raises(MissingTextExtraError, match=r"pip install 'backcare\[text\]'"):
        extract("my back hurts")
    assert main(["extract", "--json", os.devnull]) == MissingTextExtraError.exit_code
    assert "pip install 'backcare[text]'" in capsys.readouterr().err


def test_without_the_extra_the_web_box_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backcare.web.pages.story_enabled", lambda: False)
    with web_client() as client:
        page = client.get("/assess").text
    assert "Tell us what happened" not in page
    assert 'name="page" value="about_you"' in page


def test_the_fast_path_never_imports_the_text_pipeline(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from backcare.cli import main\n"
        "status = main(['assess', '--json', '-'])\n"
        "loaded = [m for m in ('spacy', 'negspacy', 'backcare.text') if m in sys.modules]\n"
        "sys.stderr.write('loaded=%s\\n' % loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKCARE_")}
    env["BACKCARE_CACHE_DIR"] = str(tmp_path)
    for _ in range(2):  # the first run takes the full path and stores the protocol
        run = subprocess.run(
            [sys.executable, "-c", probe],
            input="{}",
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert "loaded=[]" in run.stderr, run.stderr


# --- the command line -----------------------------------------------------------------


def test_extract_command_prints_contract_v1_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "story.txt"
    story.write_text("I'm 42 and can't feel my bum, since Tuesday morning", encoding="utf-8")
    assert main(["extract", "--json", str(story), "--now", "2026-11-29T18:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["contract_version"] == 1
    assert out["answers"]["red_flags"] == {"saddle_numbness": True}
    assert out["answers"]["age"] == 42
    assert out["answers"]["hours_since_onset"] == 130.0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        # A file that cannot be read is named, as every command that reads one names it.
        pytest.param(
            ["extract", "--json", "/nonexistent/story.txt"],
            "/nonexistent/story.txt: No such file or directory",
            id="missing-file",
        ),
        pytest.param(["extract", "--json", "-", "--now", "Tuesday"], "--now", id="bad-now"),
    ],
)
def test_extract_command_names_the_bad_option_or_file(
    args: list[str], field: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(args) == 2
    assert field in capsys.readouterr().err


@pytest.mark.slow
def test_interactive_asks_a_mentioned_emergency_first_and_stops_on_yes() -> None:
    child = _spawn(story="hurt my back lifting, I'm 50, and I can't feel my bum")
    child.expect("You mentioned")
    child.expect("genitals")
    child.sendline("y")
    child.expect("CALL 999 NOW")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 10  # the documented exit status of an emergency


@pytest.mark.slow
def test_interactive_still_asks_a_denied_red_flag_and_offers_prefilled_values() -> None:
    child = _spawn(story="no numbness around my bottom, I'm 50, lifting, 6/10")
    index = child.expect(["You mentioned", r"\(50\): "])
    assert index == 1  # about you first, the age offered from the words
    child.sendline("51")  # the pre-filled value can be changed
    child.expect("What is your sex")
    child.sendline("1")
    index = child.expect(["You mentioned", "Do any of these apply"])
    assert index == 1  # the denied sign is asked as usual, with no "you mentioned"
    child.sendline("n")
    seen = []
    for _ in range(30):
        index = child.expect([r"\(y/n/s\)", "Do any of these", r"\(lifting\): "])
        if index in {0, 1}:
            child.sendline("n")
        else:
            seen.append("trigger")
            child.sendline("")  # Enter keeps the value read from the words
            break
    assert seen == ["trigger"]
    child.expect("6h, 2d")  # the trigger was taken: on to the next question
    child.close(force=True)


# --- the web flow ---------------------------------------------------------------------


def _story(client: Any, text: str) -> str:
    token = hidden_fields(client.get("/assess").text)["csrf_token"]
    response = client.post("/assess/story", data={"csrf_token": token, "story": text})
    assert response.status_code == 200
    return response.text


def _answer(client: Any, page: str, **values: str) -> str:
    fields = hidden_fields(page)
    data = {"csrf_token": fields["csrf_token"], "state": fields["state"], "page": fields["page"]}
    return client.post("/assess", data={**data, **values}).text


def test_web_box_asks_a_mentioned_emergency_first_and_yes_stops() -> None:
    with web_client() as client:
        page = _story(client, "back went lifting a box, and since this morning I can't wee")
        # The page of the mentioned sign comes first, before even the "about you" page.
        assert hidden_fields(page)["page"] == "nerve_signs"
        assert "You mentioned “can&#39;t wee”. Is that right?" in page
        assert "checked" not in page  # a red flag is never pre-answered
        assert "Tell us what happened" not in page  # told once
        after = _answer(client, page, **{"red_flags.bladder_or_bowel_change": "yes"})
        assert "Get emergency help now" in after


def test_web_box_still_asks_a_denied_red_flag_normally() -> None:
    with web_client() as client:
        page = _story(client, "no numbness around my bottom, just a stiff back")
        assert hidden_fields(page)["page"] == "about_you"
        assert "You mentioned" not in page
        after = _answer(client, page, age="40")
        assert "red_flags.saddle_numbness" in page_questions(after)
        assert "You mentioned" not in after


def test_web_box_prefills_values_that_can_be_changed() -> None:
    with web_client() as client:
        page = _story(client, "I'm 42, hurt it lifting")
        assert hidden_fields(page)["page"] == "about_you"
        assert 'value="42"' in page
        assert "Filled in from your words" in page
        page = _answer(client, page, age="43")
        assert hidden_fields(page)["page"] != "about_you"
        for _ in range(10):
            if hidden_fields(page)["page"] == "how_it_started":
                break
            page = client.post("/assess", data=page_form(page, typical_answer)).text
        assert 'value="lifting" checked' in page
        page = _answer(client, page, trigger="lifting")
        fields = hidden_fields(page)
        from backcare.web.forms import decode_state

        signer = client.app.state.backcare.signer
        answers, _ = decode_state(signer, fields["state"])
    assert answers.age == 43
    assert answers.trigger == "lifting"


@pytest.mark.parametrize(
    ("story", "said", "unsaid"),
    [
        pytest.param(
            # No time words: what "this morning" fills in depends on the hour the test runs.
            "back went lifting a box and I can't wee",
            ["can be a warning sign", "We filled in 1 answer from your words"],
            ["could not pick out"],
            id="a-warning-sign-and-a-value",
        ),
        pytest.param(
            "I'm 42, hurt it lifting",
            ["We filled in 2 answers from your words"],
            ["warning sign", "could not pick out"],
            id="values-only",
        ),
        pytest.param(
            "it just hurts",
            ["We could not pick out any answers from your words"],
            ["We filled in", "warning sign"],
            id="nothing-understood",
        ),
    ],
)
def test_web_box_says_once_what_it_took_from_the_words(
    story: str, said: list[str], unsaid: list[str]
) -> None:
    # Without a word about it, a person who wrote a paragraph cannot tell it was read.
    with web_client() as client:
        page = _story(client, story)
        status = re.search(r'<div class="story-read" role="status">(.*?)</div>', page, re.S)
        assert status is not None
        for words in said:
            assert words in status.group(1)
        for words in unsaid:
            assert words not in status.group(1)
        later = _answer(client, page, **dict.fromkeys(page_questions(page)[:1], "40"))
        assert "story-read" not in later  # said once


def test_kb_check_validates_the_vocabulary_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "check"]) == 0
    assert "vocabulary (en)" in capsys.readouterr().out
    data = Path(backcare.text._vocabulary.__file__).parents[1] / "knowledge" / "data"
    # The whole knowledge base (drawings too), with only the vocabulary broken.
    tmp_path = tmp_path / "data"
    shutil.copytree(data, tmp_path)
    broken = (data / "vocabulary" / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "vocabulary" / "en.yaml").write_text(
        broken.replace("key: history.cancer", "key: history.cancr"), encoding="utf-8"
    )
    assert main(["kb", "check", "--dir", str(tmp_path)]) == KnowledgeBaseError.exit_code
    assert "history.cancr" in capsys.readouterr().err


@pytest.mark.usefixtures("no_text_extra")
def test_without_the_extra_the_terminal_does_not_offer_the_story_prompt() -> None:
    from backcare.cli.interactive import _offer_story

    assert _offer_story(None) is False
    assert _offer_story(True) is True  # an explicit choice is kept


def test_the_json_twin_returns_the_extraction_contract() -> None:
    with web_client() as client:
        response = client.post(
            "/api/v1/extract",
            json={
                "text": "I'm 42 and can't feel my bum, since Tuesday morning",
                "now": "2026-11-29T18:00:00+00:00",
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["contract_version"] == 1
        assert body["answers"]["red_flags"] == {"saddle_numbness": True}
        assert body["answers"]["hours_since_onset"] == 130.0
        bad = client.post("/api/v1/extract", json={"text": "x", "now": "0001-01-01T00:00:00Z"})
        assert bad.status_code == 422
        assert bad.json()["error"]["problems"][0]["field"] == "now"


@pytest.mark.usefixtures("no_text_extra")
def test_the_json_twin_without_the_extra_is_a_501_saying_how_to_install() -> None:
    with web_client() as client:
        response = client.post("/api/v1/extract", json={"text": "my back hurts"})
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "text_extra_missing"
    assert "pip install" in response.json()["error"]["message"]


def test_an_onset_beyond_ten_years_is_not_prefilled() -> None:
    assert "hours_since_onset" not in extract("back pain for 600 months", now=NOW).answers
