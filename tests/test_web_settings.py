"""The settings page and ``/api/v1/settings``: stored in the diary, in force on every page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web_support import hidden_fields, page_form, start_episode, typical_answer, web_client

from backcare import Engine
from backcare.diary import Diary
from backcare.errors import InputError
from backcare.settings import Settings, with_personal
from backcare.store import Store
from backcare.web.forms import decode_state
from store_fixtures import store, store_url  # noqa: F401  (fixtures)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


# --- the store and the service ------------------------------------------------------


def test_personal_settings_round_trip_through_the_store(
    store: Store,  # noqa: F811
    engine: Engine,
) -> None:
    diary = Diary(store, engine=engine)
    assert diary.personal_settings() == {}
    chosen = diary.save_personal_settings(
        engine.settings, {"emergency_number": "911", "wake_time": "06:30", "sleep_time": "22:00"}
    )
    assert (chosen.emergency_number, chosen.wake_time) == ("911", time(6, 30))
    # Only real overrides are stored, normalised; the default bedtime is not.
    assert diary.personal_settings() == {"emergency_number": "911", "wake_time": "06:30:00"}
    assert with_personal(engine.settings, diary.personal_settings()) == chosen
    diary.save_personal_settings(engine.settings, {"emergency_number": "999"})
    assert diary.personal_settings() == {}


def test_a_bad_value_saves_nothing(store: Store, engine: Engine) -> None:  # noqa: F811
    diary = Diary(store, engine=engine)
    diary.save_personal_settings(engine.settings, {"emergency_number": "112"})
    with pytest.raises(InputError) as raised:
        diary.save_personal_settings(
            engine.settings, {"emergency_number": "911", "wake_time": "breakfast"}
        )
    assert [p.field for p in raised.value.problems] == ["wake_time"]
    assert diary.personal_settings() == {"emergency_number": "112"}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        pytest.param({"emergency_number": "9-1-1"}, "emergency_number", "2-4 digits", id="dashes"),
        pytest.param({"emergency_number": "99999"}, "emergency_number", "2-4 digits", id="long"),
        pytest.param({"emergency_number": ""}, "emergency_number", "2-4 digits", id="blank"),
        pytest.param({"wake_time": "25:00"}, "wake_time", "for example 07:00", id="hour-25"),
        pytest.param({"sleep_time": "soon"}, "sleep_time", "for example 07:00", id="not-a-time"),
        pytest.param(
            {"wake_time": "23:00", "sleep_time": "06:00"},
            "sleep_time",
            "later in the day than the wake time",
            id="bed-before-waking",
        ),
        pytest.param({"database_url": "sqlite://"}, "database_url", "not a setting", id="other"),
    ],
)
def test_bad_values_are_named_in_plain_words(
    values: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InputError) as raised:
        with_personal(Settings(), values)
    [problem] = raised.value.problems
    assert problem.field == field
    assert words in problem.problem
    assert "Input should" not in problem.problem


# --- the JSON API ---------------------------------------------------------------------


def test_the_api_reads_and_replaces_the_settings(client: TestClient) -> None:
    assert client.get("/api/v1/settings").json()["emergency_number"] == "999"
    body = {"emergency_number": "911", "wake_time": "08:00", "sleep_time": "23:30"}
    response = client.put("/api/v1/settings", json=body)
    assert response.status_code == 200, response.text
    got = client.get("/api/v1/settings").json()
    assert {k: got[k] for k in body} == body
    assert got["common_numbers"]["911"].startswith("United States")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"emergency_number": "call"}, "emergency_number", id="letters"),
        pytest.param({"wake_time": "7 o'clock"}, "wake_time", id="bad-time"),
        pytest.param({"emergency_number": 911}, "emergency_number", id="a-number-not-text"),
        pytest.param({"units": "lb"}, "units", id="unknown-units"),
    ],
)
def test_the_api_refuses_bad_values_and_keeps_the_old_ones(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    client.put("/api/v1/settings", json={"emergency_number": "112"})
    response = client.put("/api/v1/settings", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert field in [p["field"] for p in error["problems"]]
    assert client.get("/api/v1/settings").json()["emergency_number"] == "112"


def test_the_api_takes_json_only(client: TestClient) -> None:
    response = client.put(
        "/api/v1/settings",
        content=b"emergency_number=911",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert client.get("/api/v1/settings").json()["emergency_number"] == "999"


# --- the page -------------------------------------------------------------------------


def _submit(client: TestClient, **fields: str) -> Any:
    page = client.get("/settings").text
    data = {"csrf_token": hidden_fields(page)["csrf_token"], **fields}
    return client.post("/settings", data=data)


def test_the_footer_links_to_the_settings_page(client: TestClient) -> None:
    assert 'href="/settings"' in client.get("/").text


def test_choosing_911_puts_it_on_the_emergency_page(client: TestClient) -> None:
    response = _submit(client, emergency_number="911", wake_time="07:00", sleep_time="22:00")
    assert response.status_code == 200
    assert "Saved" in response.text
    assert 'value="911"' in response.text
    emergency = client.post("/api/v1/assess", json={"red_flags": {"both_legs": True}}).json()
    assert emergency["triage"]["emergency"]["number"] == "911"
    page = client.get("/assess").text  # the assessment's pages, footer included
    assert 'href="tel:911"' in page
    assert "tel:999" not in page


def test_the_emergency_page_says_call_911(client: TestClient) -> None:
    _submit(client, emergency_number="911", wake_time="07:00", sleep_time="22:00")
    from tests.test_web_pages import _until

    page = _until(client, "nerve_signs")
    data = {**hidden_fields(page), "action": "next", "red_flags.both_legs": "yes"}
    response = client.post("/assess", data=data)
    assert "Get emergency help now" in response.text
    assert "Call 911" in response.text
    assert "999" not in response.text


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/settings")
    response = client.post("/settings", data={"emergency_number": "911"})
    assert response.status_code == 403
    assert client.get("/api/v1/settings").json()["emergency_number"] == "999"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        pytest.param(
            {"emergency_number": "nine", "wake_time": "07:00", "sleep_time": "22:00"},
            "2-4 digits",
            id="number",
        ),
        pytest.param(
            {"emergency_number": "911", "wake_time": "09:00", "sleep_time": "08:00"},
            "later in the day than the wake time",
            id="hours",
        ),
    ],
)
def test_the_page_shows_problems_in_plain_words(
    client: TestClient, fields: dict[str, str], words: str
) -> None:
    response = _submit(client, **fields)
    assert response.status_code == 422
    assert words in response.text
    assert f'value="{fields["emergency_number"]}"' in response.text  # what was typed stays
    assert client.get("/api/v1/settings").json()["emergency_number"] == "999"


def test_todays_schedule_keeps_to_the_waking_hours(client: TestClient) -> None:
    start_episode(client)
    _submit(client, emergency_number="999", wake_time="09:30", sleep_time="20:00")
    schedule = client.get("/api/v1/diary/today").json()["assessment"]["plan"]["schedule"]
    assert schedule
    assert all("09:30" <= item["time"] <= "20:00" for item in schedule)
    assert schedule[0]["time"] == "09:30"


def test_the_stored_settings_are_used_after_a_restart(engine: Engine, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    with web_client(engine, database_url=url) as client:
        client.put("/api/v1/settings", json={"emergency_number": "000"})
    with web_client(engine, database_url=url) as client:
        assert 'href="tel:000"' in client.get("/").text


def test_without_a_database_the_assessment_keeps_the_configured_number(engine: Engine) -> None:
    # Port 1 on loopback refuses at once: the diary cannot be opened.
    with web_client(
        engine, database_url="postgresql+psycopg://postgres@127.0.0.1:1/none"
    ) as client:
        page = client.get("/assess")
        assert page.status_code == 200
        assert 'href="tel:999"' in page.text
        assert client.get("/api/v1/settings").status_code == 503


def test_the_first_request_after_a_restart_uses_the_stored_waking_hours(
    engine: Engine, tmp_path: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    with web_client(engine, database_url=url) as client:
        start_episode(client)
        client.put("/api/v1/settings", json={"wake_time": "10:00", "sleep_time": "21:00"})
    with web_client(engine, database_url=url) as client:  # no page seen before the diary
        schedule = client.get("/api/v1/diary/today").json()["assessment"]["plan"]["schedule"]
        assert schedule[0]["time"] == "10:00"


# --- units ----------------------------------------------------------------------------


def test_the_api_round_trips_the_units(client: TestClient) -> None:
    assert client.get("/api/v1/settings").json()["units"] == "metric"
    response = client.put("/api/v1/settings", json={"units": "imperial"})
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/settings").json()["units"] == "imperial"
    refused = client.put("/api/v1/settings", json={"units": "stones"})
    assert refused.status_code == 422
    [problem] = refused.json()["error"]["problems"]
    assert problem["field"] == "units"
    assert "metric" in problem["problem"]
    assert "imperial" in problem["problem"]
    assert "Input should" not in problem["problem"]
    assert client.get("/api/v1/settings").json()["units"] == "imperial"


def test_the_settings_page_chooses_imperial_units(client: TestClient) -> None:
    response = _submit(
        client, emergency_number="999", wake_time="07:00", sleep_time="22:00", units="imperial"
    )
    assert response.status_code == 200
    assert 'value="imperial" checked' in response.text
    assert client.get("/api/v1/settings").json()["units"] == "imperial"


def _imperial_height_page(client: TestClient) -> str:
    client.put("/api/v1/settings", json={"units": "imperial"})
    from tests.test_web_pages import _until

    return _until(client, "height_and_weight")


def _post_imperial(client: TestClient, page: str, **typed: str) -> Any:
    return client.post("/assess", data={**hidden_fields(page), "action": "next", **typed})


def _answers(client: TestClient, state: str) -> Any:
    return decode_state(client.app.state.backcare.signer, state)[0]  # type: ignore[attr-defined]


def test_imperial_height_and_weight_are_stored_in_cm_and_kg(
    client: TestClient, engine: Engine
) -> None:
    page = _imperial_height_page(client)
    assert 'name="height_ft"' in page
    assert 'name="height_in"' in page
    assert 'name="weight_lb"' in page
    assert 'name="height_cm"' not in page
    assert "in feet and inches" in page
    assert "in pounds" in page
    response = _post_imperial(client, page, height_ft="5", height_in="10", weight_lb="154")
    assert response.history[0].status_code == 303
    answers = _answers(client, response.url.params["s"])
    assert (answers.height_cm, answers.weight_kg) == (177.8, 69.85)
    # The plan's BMI is the metric one: 69.85 kg / (1.778 m)^2.
    bmi = engine.assess(answers).plan.bmi
    assert bmi is not None
    assert bmi.value == 22.1
    # "Check your answers" shows them as typed, in the chosen units.
    summary = response.text
    for _ in range(20):
        if "Check your answers" in summary:
            break
        summary = client.post("/assess", data=page_form(summary, typical_answer)).text
    assert "5 ft 10 in" in summary
    assert "154 lb" in summary
    assert "177.8" not in summary
    assert "69.85" not in summary
    # Change brings the imperial inputs back, filled in.
    again = client.get(f"/assess?s={response.url.params['s']}&page=height_and_weight").text
    assert 'name="height_ft"' in again
    assert 'value="5"' in again
    assert 'value="154"' in again


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        pytest.param({"height_ft": "five"}, "height_cm", "feet and inches", id="words"),
        pytest.param(
            {"height_ft": "5", "height_in": "13"}, "height_cm", "feet and inches", id="13in"
        ),
        pytest.param({"height_ft": "1"}, "height_cm", "feet and inches", id="too-short"),
        pytest.param({"weight_lb": "-3"}, "weight_kg", "in pounds", id="negative"),
        pytest.param({"weight_lb": "9"}, "weight_kg", "in pounds", id="too-light"),
    ],
)
def test_imperial_problems_are_in_imperial_words(
    client: TestClient, typed: dict[str, str], field: str, words: str
) -> None:
    page = _imperial_height_page(client)
    response = _post_imperial(client, page, **typed)
    assert response.status_code == 422
    assert words in response.text
    assert "centimetres" not in response.text
    assert "kilograms" not in response.text
    for name, value in typed.items():  # what was typed is kept
        assert f'name="{name}"' in response.text
        assert f'value="{value}"' in response.text
    assert hidden_fields(response.text)["page"] == "height_and_weight"
