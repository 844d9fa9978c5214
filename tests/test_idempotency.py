"""Check-ins sent with an idempotency key are recorded at most once (SQLite and PostgreSQL).

A phone that queued a check-in offline may send it twice (a lost answer, a second
tab, the service worker and the page at once): the server stores the key with the
check-in, under a primary key, and a repeat gets the first answer back.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.store_fixtures import FakeClock, clock, diary, store, store_url  # noqa: F401
from tests.web_support import start_episode, web_client

from backcare import Engine
from backcare.diary import CheckInEntry, CheckInResult, Diary, DoseEntry
from backcare.errors import ConflictError
from backcare.store import open_store

CHECK_IN = {"pain": 5, "doses": [{"drug": "ibuprofen", "mg": 400}], "note": "after a walk"}


@pytest.fixture
def client(engine: Engine, store_url: str) -> Iterator[TestClient]:  # noqa: F811
    with web_client(engine, database_url=store_url) as client:
        start_episode(client)
        yield client


def _post(client: TestClient, body: dict[str, Any], key: str | None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post("/api/v1/diary/check-ins", json=body, headers=headers)


def _stored(client: TestClient) -> tuple[int, int]:
    history = client.get("/api/v1/diary/history").json()
    return len(history["checkins"]), len(history["doses"])


def test_a_repeated_key_records_the_check_in_and_its_dose_once(client: TestClient) -> None:
    key = str(uuid.uuid4())
    first = _post(client, CHECK_IN, key)
    again = _post(client, CHECK_IN, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert _stored(client) == (1, 1)


def test_the_same_check_in_spelt_differently_is_still_a_repeat(client: TestClient) -> None:
    key = str(uuid.uuid4())
    assert _post(client, CHECK_IN, key).status_code == 201
    respelt = {"note": "after a walk", "pain": 5, "doses": [{"mg": 400, "drug": "ibuprofen"}]}
    assert _post(client, respelt, key.upper()).headers["idempotent-replayed"] == "true"
    assert _stored(client) == (1, 1)


def test_a_repeated_key_with_a_different_check_in_is_a_409_and_records_nothing(
    client: TestClient,
) -> None:
    key = str(uuid.uuid4())
    assert _post(client, CHECK_IN, key).status_code == 201
    clash = _post(client, {**CHECK_IN, "pain": 7}, key)
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert "different check-in" in error["message"]
    assert error["problems"] == [{"field": "Idempotency-Key", "problem": "already used"}]
    assert _stored(client) == (1, 1)


def test_without_a_key_every_post_is_a_new_check_in(client: TestClient) -> None:
    assert _post(client, {"pain": 5}, None).status_code == 201
    assert _post(client, {"pain": 5}, None).status_code == 201
    assert _stored(client) == (2, 0)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("not-a-uuid", id="words"),
        pytest.param("1234", id="short"),
        pytest.param("x" * 200, id="long"),
    ],
)
def test_a_malformed_key_is_a_422_naming_the_header(client: TestClient, key: str) -> None:
    response = _post(client, CHECK_IN, key)
    assert response.status_code == 422
    fields = [p["field"] for p in response.json()["error"]["problems"]]
    assert any("Idempotency-Key" in f for f in fields), fields
    assert _stored(client) == (0, 0)


def test_a_refused_check_in_does_not_use_up_its_key(client: TestClient) -> None:
    key = str(uuid.uuid4())
    # A dose over a limit is recorded (flagged), so the refusal here is a time before onset.
    too_early = {"pain": 5, "at": "2000-01-01T00:00:00Z"}
    assert _post(client, too_early, key).status_code == 422
    assert _stored(client) == (0, 0)
    # The phone corrects the time and sends again with the same key: it is recorded.
    assert _post(client, CHECK_IN, key).status_code == 201
    assert _stored(client) == (1, 1)


def test_a_repeat_after_the_episode_was_closed_gets_the_first_answer(client: TestClient) -> None:
    key = str(uuid.uuid4())
    first = _post(client, CHECK_IN, key)
    episode_id = client.get("/api/v1/diary/history").json()["episode"]["id"]
    resolved = client.post(f"/api/v1/diary/episodes/{episode_id}/resolve", json={})
    assert resolved.status_code == 200
    again = _post(client, CHECK_IN, key)
    assert again.status_code == 201
    assert again.json() == first.json()


def _encode(result: CheckInResult) -> dict[str, Any]:
    return {"checkin_id": result.checkin.id, "level": result.assessment.triage.level.value}


def test_two_requests_at_once_with_one_key_record_one_check_in(
    diary: Diary,  # noqa: F811
    store_url: str,  # noqa: F811
    engine: Engine,
    clock: FakeClock,  # noqa: F811
) -> None:
    from tests.store_fixtures import start_answers

    diary.start_episode(answers=start_answers(pain=6))
    key = str(uuid.uuid4())
    entry = CheckInEntry(pain=4, doses=(DoseEntry("paracetamol", 500),))
    # Two diaries on two connection pools: two processes' worth of connections.
    diaries = [Diary(open_store(store_url), engine=engine, clock=clock, tz=UTC) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def send(one: Diary) -> None:
        barrier.wait()
        try:
            outcomes.append(one.check_in_once(entry, key=key, fingerprint="same", encode=_encode))
        except Exception as exc:  # recorded for the assertion below
            outcomes.append(exc)

    threads = [threading.Thread(target=send, args=(d,)) for d in diaries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for one in diaries:
        one.close()
    assert sorted(o.replayed for o in outcomes) == [False, True], outcomes
    assert outcomes[0].response == outcomes[1].response
    history = diary.history()
    assert len(history.checkins) == 1
    assert len(history.doses) == 1


def test_the_key_is_kept_with_the_check_in_so_a_clash_names_it(
    diary: Diary,  # noqa: F811
) -> None:
    from tests.store_fixtures import start_answers

    diary.start_episode(answers=start_answers(pain=6))
    key = str(uuid.uuid4())
    diary.check_in_once(CheckInEntry(pain=4), key=key, fingerprint="a", encode=_encode)
    with pytest.raises(ConflictError, match="different check-in"):
        diary.check_in_once(CheckInEntry(pain=3), key=key, fingerprint="b", encode=_encode)
    assert len(diary.history().checkins) == 1
