"""The HTML pages: the one-question-at-a-time assessment, the diary pages and the coach page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web_support import (
    hidden_fields,
    page_form,
    page_questions,
    start_episode,
    typical_answer,
    walk_assessment,
    web_client,
)

from backcare import Engine
from backcare.web.forms import decode_state


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def _until(client: TestClient, page_id: str, answer=typical_answer) -> str:  # type: ignore[no-untyped-def]
    """Answer typical pages until the page ``page_id`` is shown."""
    page = client.get("/assess").text
    for _ in range(20):
        if hidden_fields(page).get("page") == page_id:
            return page
        page = client.post("/assess", data=page_form(page, answer)).text
    raise AssertionError(f"page {page_id} never came")


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_first_page_asks_about_the_person_then_the_nerve_signs(client: TestClient) -> None:
    page = client.get("/assess").text
    assert hidden_fields(page)["page"] == "about_you"
    assert page_questions(page) == ["age", "sex"]
    assert "Step 1 of 11" in page
    after = client.post("/assess", data=page_form(page, typical_answer))
    assert after.history[0].status_code == 303  # POST-redirect-GET: Back never resubmits
    assert hidden_fields(after.text)["page"] == "nerve_signs"
    assert page_questions(after.text)[0] == "red_flags.saddle_numbness"
    assert "Step 2 of" in after.text


def test_a_typical_assessment_ends_with_a_complete_self_care_plan(client: TestClient) -> None:
    page, asked = walk_assessment(client)
    assert asked[:2] == ["age", "sex"]
    assert 'class="level level-self_care"' in page
    assert "We can&#39;t tell yet" not in page
    assert 'class="incomplete"' not in page
    assert 'class="do-now"' in page  # what to do now comes first
    assert "A day of this plan" in page
    assert 'id="src-' in page  # the plan's sources are listed
    assert 'action="/diary/start"' in page


def test_a_typical_self_care_assessment_takes_at_most_twelve_pages(client: TestClient) -> None:
    page = client.get("/assess").text
    pages = 1
    while "page" in hidden_fields(page):
        page = client.post("/assess", data=page_form(page, typical_answer)).text
        pages += 1
    assert "Check your answers" in page
    result = re.search(r'href="(/assess/result\?[^"]+)"', page)
    assert result is not None
    assert pages + 1 <= 12  # the question pages, the check and the result


@pytest.mark.parametrize(
    ("sex", "erection_asked", "pregnancy_offered"),
    [
        pytest.param("female", False, True, id="woman"),
        pytest.param("male", True, False, id="man"),
        pytest.param("other", True, True, id="other"),
        pytest.param(None, True, True, id="not-said"),
    ],
)
def test_sex_settles_only_the_questions_that_cannot_apply(
    client: TestClient, sex: str | None, erection_asked: bool, pregnancy_offered: bool
) -> None:
    def answer(key: str) -> list[str] | None:
        return ([sex] if sex else None) if key == "sex" else typical_answer(key)

    page, asked = walk_assessment(client, answer)
    assert ("red_flags.erection_problems" in asked) is erection_asked
    assert "red_flags.saddle_numbness" in asked  # genital numbness is asked of everyone
    conditions = _until(client, "medicine_safety", answer)
    assert ('value="pregnant"' in conditions) is pregnancy_offered
    assert 'class="level level-self_care"' in page  # complete: nothing settled is "missing"


def test_days_of_home_care_are_not_asked_when_the_pain_began_hours_ago(client: TestClient) -> None:
    def answer(hours: str):  # type: ignore[no-untyped-def]
        return lambda key: [hours] if key == "hours_since_onset" else typical_answer(key)

    _, recent = walk_assessment(client, answer("6 hours"))
    _, older = walk_assessment(client, answer("3 days"))
    assert "course.days_of_self_care" not in recent
    assert "course.days_of_self_care" in older


def test_an_emergency_yes_stops_at_once_and_keeps_the_pages_answers(client: TestClient) -> None:
    page = _until(client, "nerve_signs")
    data = {**hidden_fields(page), "action": "next", "red_flags.both_legs": "yes"}
    response = client.post("/assess", data=data)  # the rest of the page left unanswered
    assert "Get emergency help now" in response.text
    assert 'href="tel:999"' in response.text
    assert 'name="page"' not in response.text  # no further question
    state = re.search(r"s=([^&\"]+)", str(response.url))
    assert state is not None


def test_not_sure_stays_unanswered_and_the_result_is_incomplete(client: TestClient) -> None:
    page, asked = walk_assessment(
        client, lambda key: None if key == "red_flags.fever" else typical_answer(key)
    )
    assert asked.count("red_flags.fever") == 1  # never asked again
    assert 'class="level level-incomplete"' in page
    assert "level-self_care" not in page
    assert "We can&#39;t tell yet: 1 safety question unanswered" in page
    fever = re.search(r'<section class="incomplete".*?</section>', page, re.S)
    assert fever is not None
    assert "high temperature" in fever.group(0)  # the question itself, not its key
    assert ">red_flags.fever<" not in fever.group(0)


def test_an_incomplete_result_leads_back_to_the_unanswered_question(client: TestClient) -> None:
    page, _ = walk_assessment(
        client, lambda key: None if key == "red_flags.fever" else typical_answer(key)
    )
    box = re.search(r'<section class="incomplete".*?</section>', page, re.S)
    assert box is not None
    fields = hidden_fields(box.group(0))
    assert fields["action"] == "resume"
    response = client.post("/assess", data=fields)
    assert hidden_fields(response.text)["page"] == "illness_signs"
    assert 'value="no" checked' in response.text  # the other answers are kept
    done = client.post("/assess", data=page_form(response.text, typical_answer)).text
    while "page" in hidden_fields(done):
        done = client.post("/assess", data=page_form(done, typical_answer)).text
    result = re.search(r'href="(/assess/result\?[^"]+)"', done)
    assert result is not None
    final = client.get(result.group(1).replace("&amp;", "&")).text
    assert 'class="level level-self_care"' in final


@pytest.mark.parametrize(
    ("page_id", "fields", "problem"),
    [
        pytest.param(
            "about_you",
            {"age": "forty"},
            "Please enter your age in years, for example 42",
            id="age-words",
        ),
        pytest.param(
            "about_you",
            {"age": "130"},
            "Please enter your age in years, for example 42",
            id="age-range",
        ),
        pytest.param("nerve_signs", {}, "Please choose Yes, No or Not sure", id="nothing-chosen"),
        pytest.param(
            "how_it_started",
            {"trigger": "lifting", "hours_since_onset": "a while"},
            "for example &#34;6 hours&#34;",
            id="onset-unreadable",
        ),
        pytest.param(
            "how_it_is_going",
            {"pain": "11", "course.trend": "same"},
            "whole number from 0 (no pain) to 10",
            id="pain-range",
        ),
        pytest.param(
            "medicine_safety",
            {"conditions": ["none", "pregnant"]},
            "cannot go with other ticks",
            id="none-with-others",
        ),
    ],
)
def test_a_bad_answer_shows_the_page_again_in_plain_words(
    client: TestClient, page_id: str, fields: dict[str, object], problem: str
) -> None:
    page = _until(client, page_id)
    response = client.post("/assess", data={**hidden_fields(page), "action": "next", **fields})
    assert response.status_code == 422
    assert hidden_fields(response.text)["page"] == page_id
    assert problem in response.text
    # Its history entry becomes the page's own address: Back and Forward never resend it.
    settle = re.search(
        r'<script src="/static/settle.js" data-url="([^"]+)"></script>', response.text
    )
    assert settle is not None
    again = client.get(settle.group(1).replace("&amp;", "&"))
    assert again.status_code == 200
    assert hidden_fields(again.text)["page"] == page_id
    text = _visible(response.text)
    for raw in ("Input should", "red_flags.", "greater than", "less than or equal"):
        assert raw not in text


def test_none_of_these_answers_only_the_unanswered_items_no(client: TestClient) -> None:
    page = _until(client, "illness_signs")
    fields = {**hidden_fields(page), "action": "none", "red_flags.fever": "not_sure"}
    after = client.post("/assess", data=fields)
    state = hidden_fields(after.text)["state"]
    assert hidden_fields(after.text)["page"] == "the_pain"
    answers, skipped = decode_state(client.app.state.backcare.signer, state)  # type: ignore[attr-defined]
    assert answers.red_flags.fever is None  # "Not sure" is kept, not turned into "no"
    assert "red_flags.fever" in skipped
    assert answers.red_flags.urinary_symptoms is False
    assert answers.red_flags.night_or_rest_pain is False


def test_none_of_these_next_to_a_yes_is_asked_about(client: TestClient) -> None:
    page = _until(client, "illness_signs")
    fields = {**hidden_fields(page), "action": "none", "red_flags.fever": "yes"}
    response = client.post("/assess", data=fields)
    assert response.status_code == 422
    assert "does not fit" in response.text


def test_the_back_link_and_the_check_page_change_links(client: TestClient) -> None:
    page = _until(client, "emergency_signs")
    back = re.search(r'<a class="back" href="([^"]+)"', page)
    assert back is not None
    earlier = client.get(back.group(1).replace("&amp;", "&")).text
    assert hidden_fields(earlier)["page"] == "nerve_signs"
    assert 'value="no" checked' in earlier  # the earlier answers are shown


def _check_page(client: TestClient) -> str:
    page = client.get("/assess").text
    while "page" in hidden_fields(page):
        page = client.post("/assess", data=page_form(page, typical_answer)).text
    return page


def test_changing_an_answer_from_the_check_page(client: TestClient) -> None:
    check = _check_page(client)
    assert "Check your answers" in check
    assert "Step 11 of 11" in check
    rows = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", check)
    assert ("What is your sex?", "Female") in rows
    assert ("What set the pain off?", "Lifting something") in rows
    change = re.search(r'<a href="([^"]+)#item-sex">Change', check)
    assert change is not None
    about = client.get(change.group(1).replace("&amp;", "&")).text
    assert hidden_fields(about)["page"] == "about_you"
    assert 'value="female" checked' in about
    data = {**page_form(about, typical_answer), "sex": "male"}
    after = client.post("/assess", data=data).text
    # Now a man: the erection question applies and is asked, nothing else again.
    assert hidden_fields(after)["page"] == "nerve_signs"
    assert page_questions(after)[-1] == "red_flags.erection_problems"
    again = client.post("/assess", data=page_form(after, typical_answer)).text
    assert "Check your answers" in again
    assert ("What is your sex?", "Male") in re.findall(
        r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", again
    )


def test_starting_the_diary_from_the_result_shows_todays_plan(client: TestClient) -> None:
    page, _ = walk_assessment(client)
    fields = hidden_fields(page)
    response = client.post(
        "/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert response.status_code == 200
    assert response.url.path == "/today"
    assert 'class="slot slot-next"' in response.text  # what is due next, whatever the hour
    episode = client.get("/api/v1/diary/episodes").json()["episodes"][0]
    assert episode["answers"]["age"] == 35


def test_today_says_once_that_the_diary_has_started(client: TestClient) -> None:
    page, _ = walk_assessment(client)
    fields = hidden_fields(page)
    response = client.post(
        "/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert 'id="diary-started"' in response.text
    assert "Your diary has started." in response.text
    # The page moves its history entry to plain /today: a reload does not say it again.
    assert 'src="/static/settle.js" data-url="/today"' in response.text
    later = client.get("/today").text
    assert 'id="diary-started"' not in later
    assert "Your diary has started." not in later


@pytest.mark.parametrize("path", ["/today", "/coach", "/diary", "/diary/check-in"])
def test_diary_pages_before_any_episode_point_to_the_assessment(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "Nothing here yet" in response.text
    assert 'href="/assess"' in response.text


def _checkin(client: TestClient, **fields: object) -> tuple[int, str]:
    token = hidden_fields(client.get("/diary/check-in").text)["csrf_token"]
    response = client.post("/diary/check-in", data={"csrf_token": token, **fields})
    return response.status_code, response.text


def test_a_check_in_is_saved_and_compared_with_the_baseline(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="3", count_ice="3", count_walk="6", note="walked")
    assert status == 201
    assert "Check-in saved" in page
    assert "Your pain is better than when you started (6 → 3, 3 points lower)" in page
    # The sources (two dozen) are folded below what the check-in means, as on the result.
    assert '<details><summary><h2 id="sources-title" class="summary-heading">Sources (' in page
    assert "definition of recovery" not in page
    checkins = client.get("/api/v1/diary/history").json()["checkins"]
    assert checkins[0]["pain"] == 3
    assert {a["action"]: a["count"] for a in checkins[0]["actions"]} == {"walk": 6, "ice": 3}


@pytest.mark.parametrize(
    ("fields", "counts"),
    [
        pytest.param({"count_walk": "6"}, {"walk": 6}, id="one-count"),
        pytest.param({"count_walk": "0", "count_heat": ""}, {}, id="zero-and-empty-not-done"),
        pytest.param({"actions": ["ice", "walk"]}, {"ice": 1, "walk": 1}, id="old-ticks-once"),
        pytest.param(
            {"actions": ["walk"], "count_walk": "4"}, {"walk": 4}, id="count-wins-over-tick"
        ),
        pytest.param({"count_exercises": "100"}, {"exercises": 100}, id="largest-count"),
    ],
)
def test_the_check_in_form_records_counts(
    client: TestClient, fields: dict[str, object], counts: dict[str, int]
) -> None:
    start_episode(client)
    assert _checkin(client, pain="4", **fields)[0] == 201
    checkin = client.get("/api/v1/diary/history").json()["checkins"][0]
    assert {a["action"]: a["count"] for a in checkin["actions"]} == counts


@pytest.mark.parametrize(
    "count",
    [
        pytest.param("-1", id="negative"),
        pytest.param("101", id="over-100"),
        pytest.param("two", id="words"),
        pytest.param("2.5", id="fraction"),
    ],
)
def test_a_bad_count_names_its_field_and_saves_nothing(client: TestClient, count: str) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="4", count_walk=count)
    assert status == 422
    assert "count_walk" in page or "Short walks" in page
    assert "whole number 0-100" in page
    assert client.get("/api/v1/diary/history").json()["checkins"] == []


def test_diary_pages_of_an_incomplete_episode_never_show_a_self_care_verdict(
    client: TestClient,
) -> None:
    start_episode(client)  # age, trigger and pain only: the safety questions are open
    status, checkin = _checkin(client, pain="5")
    assert status == 201
    pages = {
        "check-in": checkin,
        "today": client.get("/today").text,
        "diary": client.get("/diary").text,
    }
    for name, page in pages.items():
        assert "We can&#39;t tell yet:" in page, name
        assert "level-self_care" not in page, name
        assert "Carry on with self-care" not in page, name
        box = re.search(r'<section class="incomplete".*?</section>', page, re.S)
        assert box is not None, name
        assert "genitals" in box.group(0), name  # the question itself, first
        # Pages of just the open questions, saved to this diary: no new assessment.
        assert 'href="/diary/safety-questions"' in box.group(0), name
        assert "Only these questions are asked" in box.group(0), name


def test_the_open_safety_questions_of_a_diary_are_answered_through_an_assessment(
    client: TestClient,
) -> None:
    # A check-in can only tick a sign as present, so it never answers the open questions;
    # a whole new assessment's answers can also update the running diary.
    start_episode(client)
    assert "We can&#39;t tell yet:" in _checkin(client, pain="5")[1]
    page, _ = walk_assessment(client)
    fields = hidden_fields(page)
    form = {"csrf_token": fields["csrf_token"], "state": fields["state"]}
    assert "Update my current diary" in client.post("/diary/start", data=form).text
    updated = client.post("/diary/start", data={**form, "choice": "update"})
    assert updated.status_code == 201
    for path in ("/today", "/diary"):
        assert "We can&#39;t tell yet:" not in client.get(path).text, path


def test_a_check_in_without_pain_shows_the_form_again(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, note="forgot")
    assert status == 422
    assert 'role="alert"' in page
    assert "<strong>Please check the form</strong>" in page  # a sentence, capital first
    assert "choose a score" in page
    assert "forgot" in page  # what was typed is kept


def test_a_warning_sign_ticked_on_a_form_shown_again_is_not_folded_away(
    client: TestClient,
) -> None:
    start_episode(client)
    assert '<details class="new-signs">' in client.get("/diary/check-in").text
    status, page = _checkin(client, flags=["red_flags.fever"])  # no pain score: shown again
    assert status == 422
    assert '<details class="new-signs" open>' in page
    assert 'value="red_flags.fever" checked' in page


def test_a_new_red_flag_at_check_in_shows_the_emergency(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="6", flags=["red_flags.bladder_or_bowel_change"])
    assert status == 201
    assert "Get emergency help now" in page


def test_a_dose_over_the_limit_keeps_the_check_in_and_says_what_to_do(
    client: TestClient,
) -> None:
    start_episode(client)
    dose = {"dose_drug": "paracetamol", "dose_mg": "1000"}
    assert _checkin(client, pain="5", **dose)[0] == 201
    status, page = _checkin(client, pain="4", count_walk="2", note="took more", **dose)
    assert status == 201
    assert "over your limit" in page
    assert "not as taken as planned" in page
    assert "Do not take any more Paracetamol (acetaminophen) before" in page
    assert "NHS 111" in page
    assert "even if you feel well" in page
    assert "nhs_paracetamol_overdose" in page  # the advice cites its source
    latest = client.get("/api/v1/diary/history").json()["checkins"][-1]
    assert latest["pain"] == 4
    assert latest["note"] == "took more"
    assert latest["actions"] == [{"action": "walk", "count": 2}]
    assert latest["doses"][0]["overridden"] is True
    assert latest["doses"][0]["override_reason"].startswith("min_interval")


def _checkin_form(client: TestClient) -> dict[str, str]:
    """The check-in form's hidden fields (its CSRF token and its one-time key)."""
    fields = hidden_fields(client.get("/diary/check-in").text)
    return {k: fields[k] for k in ("csrf_token", "key")}


def test_the_same_check_in_form_sent_twice_is_recorded_once(client: TestClient) -> None:
    # A reload of the saved page or a second tap on Save sends the form again: with a dose
    # in it, recording it twice would also flag a dose the person never took.
    start_episode(client)
    form = {**_checkin_form(client), "pain": "4", "dose_drug": "ibuprofen", "dose_mg": "400"}
    first = client.post("/diary/check-in", data=form)
    again = client.post("/diary/check-in", data=form)
    assert first.status_code == again.status_code == 201
    assert len(client.get("/api/v1/diary/history").json()["checkins"]) == 1
    assert "over your limit" not in again.text
    assert "Your pain is better than when you started (6 → 4, 2 points lower)" in again.text


def test_each_check_in_form_gets_its_own_key(client: TestClient) -> None:
    start_episode(client)
    for pain in ("4", "3"):
        form = {**_checkin_form(client), "pain": pain}
        assert client.post("/diary/check-in", data=form).status_code == 201
    assert len(client.get("/api/v1/diary/history").json()["checkins"]) == 2


def test_a_key_sent_with_a_different_check_in_records_it_as_new(client: TestClient) -> None:
    # A form kept from before (a page the phone cached) says something new: it is new.
    start_episode(client)
    form = _checkin_form(client)
    assert client.post("/diary/check-in", data={**form, "pain": "4"}).status_code == 201
    again = client.post("/diary/check-in", data={**form, "pain": "3"})
    assert again.status_code == 201
    assert [c["pain"] for c in client.get("/api/v1/diary/history").json()["checkins"]] == [4, 3]


@pytest.mark.parametrize(
    ("fields", "status", "address"),
    [
        pytest.param({"pain": "4"}, 201, "/diary", id="saved"),
        pytest.param({"note": "no pain chosen"}, 422, "/diary/check-in", id="problems"),
    ],
)
def test_a_check_in_page_shown_after_the_post_moves_its_history_entry(
    client: TestClient, fields: dict[str, str], status: int, address: str
) -> None:
    start_episode(client)
    response = client.post("/diary/check-in", data={**_checkin_form(client), **fields})
    assert response.status_code == status
    assert f'<script src="/static/settle.js" data-url="{address}"></script>' in response.text
    assert "settle.js" not in client.get("/diary/check-in").text  # a plain visit: nothing to move


def test_a_red_flag_can_be_said_to_have_gone_and_both_answers_stay(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="5", flags=["red_flags.fever"])
    assert status == 201
    assert "Get medical help today" in page
    form = client.get("/diary/check-in").text
    assert 'name="gone" value="red_flags.fever"' in form
    status, page = _checkin(client, pain="4")  # not ticked as gone: it stays
    assert "Get medical help today" in page
    status, page = _checkin(client, pain="4", gone=["red_flags.fever"])
    assert status == 201
    assert "You told us these have gone" in page
    assert "Get medical help today" not in page
    assert 'name="gone"' not in client.get("/diary/check-in").text
    history = client.get("/api/v1/diary/history").json()["checkins"]
    assert [c["answers_update"] for c in history] == [
        {"red_flags": {"fever": True}},
        None,
        {"red_flags": {"fever": False}},
    ]
    assert [c["triage_level"] for c in history] == ["urgent", "urgent", "self_care"]
    # The diary names the sign by its question, never by its id.
    diary = client.get("/diary").text
    assert "Warning sign: Do you have a fever" in diary
    assert "Said it has gone: Do you have a fever" in diary
    assert ": fever<" not in diary


@pytest.mark.parametrize(
    ("gone", "flags", "level"),
    [
        pytest.param(["red_flags.fever"], ["red_flags.fever"], "urgent", id="ticked-again-wins"),
        pytest.param(["history.cancer"], [], None, id="history-cannot-go"),
        pytest.param(["fever"], [], None, id="not-a-path"),
        pytest.param(["red_flags.chest_pain"], [], None, id="never-said-yes"),
    ],
)
def test_gone_never_lowers_a_sign_ticked_in_the_same_form(
    client: TestClient, gone: list[str], flags: list[str], level: str | None
) -> None:
    start_episode(client)
    _checkin(client, pain="5", flags=["red_flags.fever"])
    status, _ = _checkin(client, pain="5", gone=gone, flags=flags)
    history = client.get("/api/v1/diary/history").json()["checkins"]
    if level is None:
        assert status == 422
        assert len(history) == 1
    else:
        assert status == 201
        assert history[-1]["triage_level"] == level


def test_a_dose_time_is_read_as_a_clock_time(client: TestClient) -> None:
    start_episode(client, hours_since_onset=48)
    status, _ = _checkin(
        client, pain="5", dose_drug="paracetamol", dose_mg="500", dose_time="00:01"
    )
    assert status == 201
    dose = client.get("/api/v1/diary/history").json()["doses"][0]
    assert dose["drug"] == "paracetamol"


@pytest.mark.parametrize("path", ["/diary", "/export"])
def test_diary_pages_name_the_episode_by_its_dates_not_its_number(
    client: TestClient, path: str
) -> None:
    # The number is the database's: in hosted mode a patient's first episode may be "57".
    start_episode(client)
    page = _visible(client.get(path).text)
    assert "Your back spasm" in page
    assert re.search(r"Episode \d", page) is None


def test_the_diary_page_draws_the_pain_chart_of_the_history_twin(client: TestClient) -> None:
    start_episode(client)
    for pain in ("5", "4", "2"):
        assert _checkin(client, pain=pain)[0] == 201
    page = client.get("/diary").text
    twin = client.get("/api/v1/diary/history").json()
    svg = re.search(r'<svg [^>]*id="pain-chart".*?</svg>', page, re.S)
    assert svg is not None
    assert svg.group(0).count('class="pain-point"') == len(twin["checkins"]) == 3
    assert 'class="baseline"' in svg.group(0)
    for line in twin["trend"]["lines"]:
        assert line.replace("'", "&#39;") in page


def test_the_diary_page_shows_the_week_with_counts_and_a_table(client: TestClient) -> None:
    start_episode(client)
    assert _checkin(client, pain="5", count_exercises="2")[0] == 201
    assert _checkin(client, pain="3")[0] == 201
    page = client.get("/diary").text
    week = re.search(r'<svg [^>]*id="week-chart".*?</svg>', page, re.S)
    assert week is not None
    assert "Last 7 days: 2 check-ins, 2 exercise sessions; exercises today or yesterday." in page
    assert week.group(0).count("<circle ") == 1  # one day with check-ins: one point (mean 4)
    assert "<td>4</td><td>2</td><td>2</td>" in page  # today's row of the table


def test_closing_the_episode_from_the_diary_page(client: TestClient) -> None:
    start_episode(client)
    token = hidden_fields(client.get("/diary").text)["csrf_token"]
    response = client.post("/diary/resolve", data={"csrf_token": token, "summary": "gone"})
    assert response.status_code == 200
    assert "Resolved" in response.text
    assert client.get("/api/v1/diary/episodes").json()["episodes"][0]["summary"] == "gone"
    assert "Nothing here yet" in client.get("/diary/check-in").text


def test_the_coach_page_loads_its_timeline_from_its_twin(client: TestClient) -> None:
    start_episode(client)
    page = client.get("/coach?speed=20").text
    url = re.search(r'data-plan-url="([^"]+)"', page)
    assert url is not None
    assert 'data-speed="20"' in page
    assert '<script src="/static/coach.js" defer></script>' in page
    twin = client.get(url.group(1).replace("&amp;", "&")).json()
    for exercise in twin["exercises"]:
        assert exercise["name"].replace("'", "&#39;") in page


def test_an_exercise_named_after_its_kind_gets_no_tag_that_repeats_it(client: TestClient) -> None:
    start_episode(client)
    page = _visible(client.get("/coach").text)
    assert "Knee-to-chest stretch" in page
    assert re.search(r"stretch\s+stretch", page) is None  # read aloud as "stretch stretch"
    assert re.search(r"Pelvic tilt\s+\S", page)  # others keep their kind


@pytest.mark.parametrize(
    ("hours", "phase", "span"),
    [
        pytest.param(2, "Acute", "the first 3 days since the pain began", id="acute"),
        pytest.param(100, "Subacute", "day 3 to day 14 since the pain began", id="subacute"),
        pytest.param(24 * 20, "Recovery", "from day 14 since the pain began", id="recovery"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/today"])
def test_the_phase_is_explained_where_it_is_shown(
    client: TestClient, path: str, hours: int, phase: str, span: str
) -> None:
    # The window comes from the knowledge base's phases (phases.yaml), in days.
    start_episode(client, hours_since_onset=hours)
    page = client.get(path).text
    assert f"<strong>{phase}</strong> ({span})" in page


def test_the_coach_speed_is_bounded(client: TestClient) -> None:
    start_episode(client)
    assert client.get("/coach?speed=1000").status_code == 422


def test_the_export_page_links_the_downloads(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    page = client.get("/export").text
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/calendar.ics"' in page
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/export?format=fhir"' in page
    assert 'href="/api/v1/diary/export?format=json"' in page
    assert 'href="/api/v1/diary/export?format=csv"' in page
    # A phone has no terminal: the page says where the file is read back in, not a command.
    assert "on the computer that runs backcare" in page
    assert "backcare import" not in page
    assert "Share with my doctor" in page
    # No check-in yet: nothing to report, so no link that would only fail.
    assert "format=pdf" not in page
    checked = client.post("/api/v1/diary/check-ins", json={"pain": 5})
    assert checked.status_code == 201, checked.text
    page = client.get("/export").text
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/export?format=pdf"' in page


@pytest.mark.parametrize("path", ["/", "/assess", "/export", "/today", "/diary"])
def test_pages_have_a_language_a_title_one_h1_and_a_main_landmark(
    client: TestClient, path: str
) -> None:
    start_episode(client)
    page = client.get(path).text
    assert '<html lang="en">' in page
    assert re.search(r"<title>[^<]+</title>", page)
    assert page.count("<h1") == 1
    assert '<main id="main"' in page
    assert 'name="viewport"' in page


def test_the_assessment_page_weighs_under_100_kb(client: TestClient) -> None:
    page = client.get("/assess")
    total = len(page.content)
    assets = re.findall(
        r'<(?:link rel="stylesheet"|script) (?:href|src)="(/static/[^"]+)"', page.text
    )
    assert assets  # the stylesheet at least
    for asset in assets:
        total += len(client.get(asset).content)
    assert total < 100 * 1024, total


def test_activities_are_rated_on_the_form_with_the_scale_explained(client: TestClient) -> None:
    start_episode(client)
    form = client.get("/diary/check-in").text
    assert "0 = can't do it, 10 = as well as before" in form
    rated = {"activity_name": ["putting on socks", "", ""], "activity_score": ["3", "", ""]}
    assert _checkin(client, pain="5", **rated)[0] == 201
    form = client.get("/diary/check-in").text
    assert 'value="putting on socks"' in form  # asked again next time
    again = {"activity_name": ["putting on socks", "", ""], "activity_score": ["6", "", ""]}
    status, page = _checkin(client, pain="4", **again)
    assert status == 201
    assert "You can do the activities you rate better than when you started" in page
    checkins = client.get("/api/v1/diary/history").json()["checkins"]
    assert [c["activities"] for c in checkins] == [
        [{"name": "putting on socks", "score": 3}],
        [{"name": "putting on socks", "score": 6}],
    ]


def test_a_rating_without_an_activity_name_is_a_problem_in_words(client: TestClient) -> None:
    start_episode(client)
    fields = {"activity_name": ["", "", ""], "activity_score": ["4", "", ""]}
    status, page = _checkin(client, pain="5", **fields)
    assert status == 422
    assert "name the activity you rated" in page
