"""The secret calendar link: a phone's calendar subscribes without a cookie; stopped is 404.

Run on SQLite and PostgreSQL: the token is stored only as a hash, a new link stops the
old one, and remote mode serves the link (only the link) without a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.store_fixtures import store_url  # noqa: F401
from tests.web_support import hidden_fields, start_episode, web_client

from backcare import Engine
from backcare.web.security import LOOPBACK_HOSTS, AccessGuard

LAN = "192.168.1.20"


@pytest.fixture
def client(engine: Engine, store_url: str) -> Iterator[TestClient]:  # noqa: F811
    with web_client(engine, database_url=store_url) as client:
        yield client


def _path(url: str) -> str:
    return urlsplit(url).path


def _make(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/diary/calendar-link", json={})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_calendar_link_serves_the_episodes_reminders(client: TestClient) -> None:
    start_episode(client)
    link = _make(client)
    assert link["webcal_url"].startswith("webcal://")
    assert link["webcal_url"][len("webcal://") :] == link["url"].split("://", 1)[1]
    feed = client.get(_path(link["url"]))
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" in feed.text


def test_without_an_episode_the_link_gives_an_empty_calendar(client: TestClient) -> None:
    feed = client.get(_path(_make(client)["url"]))
    assert feed.status_code == 200
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" not in feed.text


def test_a_new_link_stops_the_old_one(client: TestClient) -> None:
    old = _make(client)
    new = _make(client)
    assert old["url"] != new["url"]
    assert client.get(_path(old["url"])).status_code == 404
    assert client.get(_path(new["url"])).status_code == 200


def test_a_stopped_link_is_404_and_the_state_says_so(client: TestClient) -> None:
    link = _make(client)
    assert client.get("/api/v1/diary/calendar-link").json()["active"] is True
    # Writes to the JSON API declare a JSON body, a DELETE included (cross-site defence).
    stop = client.request("DELETE", "/api/v1/diary/calendar-link", json={})
    assert stop.status_code == 204
    assert client.get(_path(link["url"])).status_code == 404
    state = client.get("/api/v1/diary/calendar-link").json()
    assert state == {"active": False, "since": None}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("x" * 43, id="never-made"),
        pytest.param("short", id="short"),
        pytest.param("y" * 500, id="long"),
        pytest.param("..%2F..%2Fetc", id="path-like"),
    ],
)
def test_an_unknown_token_is_404(client: TestClient, token: str) -> None:
    _make(client)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_only_a_hash_of_the_token_is_stored(client: TestClient, store_url: str) -> None:  # noqa: F811
    token = _path(_make(client)["url"]).removeprefix("/calendar/").removesuffix(".ics")
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT token_hash FROM calendar_tokens")).all()
    finally:
        engine.dispose()
    assert len(rows) == 1
    assert token not in rows[0][0]
    assert len(rows[0][0]) == 64


def test_the_page_makes_shows_once_and_stops_the_link(client: TestClient) -> None:
    page = client.get("/export/calendar")
    assert "Make a calendar link" in page.text
    csrf = hidden_fields(page.text)["csrf_token"]
    made = client.post("/export/calendar", data={"csrf_token": csrf})
    assert made.status_code == 201
    assert 'src="data:image/svg+xml;base64,' in made.text  # the QR code
    shown = made.text.split('id="calendar-url" type="text" readonly value="')[1]
    url = shown.split('"', 1)[0]
    assert client.get(_path(url)).status_code == 200
    again = client.get("/export/calendar")
    assert url not in again.text  # shown once only
    assert "You have a calendar link" in again.text
    stopped = client.post(
        "/export/calendar/stop", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert stopped.status_code == 303
    assert client.get(_path(url)).status_code == 404


def test_the_page_refuses_a_post_without_the_csrf_token(client: TestClient) -> None:
    assert client.post("/export/calendar", data={}).status_code == 403
    assert client.get("/api/v1/diary/calendar-link").json()["active"] is False


def test_remote_mode_serves_the_link_without_a_session_and_nothing_else(engine: Engine) -> None:
    token = "the-long-random-access-code-printed-once-at-start"
    with web_client(
        engine, allowed_hosts=LOOPBACK_HOSTS | {LAN}, access=AccessGuard(token)
    ) as client:
        client.base_url = client.base_url.copy_with(host=LAN, port=8000)
        bearer = {"authorization": f"Bearer {token}"}
        made = client.post("/api/v1/diary/calendar-link", json={}, headers=bearer)
        assert made.status_code == 201
        client.cookies.clear()
        assert client.get(_path(made.json()["url"])).status_code == 200
        assert client.get("/calendar/" + "z" * 43 + ".ics").status_code == 404
        assert client.get("/api/v1/diary/calendar-link").status_code == 401
        assert client.get("/api/v1/diary/history").status_code == 401


def test_making_a_qr_code_leaves_the_exercise_drawings_as_they_were(client: TestClient) -> None:
    from backcare.knowledge.drawings import DRAWINGS_DIR, drawing_markup

    drawing = sorted(DRAWINGS_DIR.glob("*.svg"))[0].name
    before = drawing_markup(drawing)
    page = client.get("/export/calendar")
    csrf = hidden_fields(page.text)["csrf_token"]
    made = client.post("/export/calendar", data={"csrf_token": csrf})
    assert made.status_code == 201
    assert 'src="data:image/svg+xml;base64,' in made.text
    # Drawn again, not from the cache: what a page drawn after this request would get.
    from backcare.knowledge import drawings

    drawings._markup.cache_clear()
    after = drawing_markup(drawing)
    assert after == before
    assert after.startswith("<svg ")


def test_a_link_made_before_owners_keeps_working_and_downgrade_keeps_only_local_links(
    engine: Engine,
    store_url: str,  # noqa: F811
) -> None:
    """Migration 0009 gives tokens an owner: an older link is the local person's."""
    import hashlib

    from alembic import command
    from alembic.config import Config

    from backcare.store.database import migrate

    token = "a-link-made-by-version-0008-of-the-diary-0123"
    digest = hashlib.sha256(token.encode()).hexdigest()
    database = sa.create_engine(store_url)
    try:
        migrate(database, revision="0008")
        with database.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO calendar_tokens (token_hash, created_at) VALUES (:h, :t)"),
                {"h": digest, "t": datetime(2026, 3, 2, 8, 0)},
            )
    finally:
        database.dispose()
    with web_client(engine, database_url=store_url) as client:
        assert client.get(f"/calendar/{token}.ics").status_code == 200
    database = sa.create_engine(store_url)
    try:
        with database.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, role, email, created_at) "
                    "VALUES (7, 'patient', 'p@example.org', :t)"
                ),
                {"t": datetime(2026, 3, 2, 8, 0)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO calendar_tokens (token_hash, created_at, person_id) "
                    "VALUES (:h, :t, 7)"
                ),
                {"h": "f" * 64, "t": datetime(2026, 3, 2, 8, 0)},
            )
        config = Config()
        config.set_main_option("script_location", "backcare.store:migrations")
        with database.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        inspector = sa.inspect(database)
        assert "person_id" not in {c["name"] for c in inspector.get_columns("calendar_tokens")}
        assert "totp_last_step" not in {c["name"] for c in inspector.get_columns("users")}
        with database.connect() as connection:
            left = connection.execute(sa.text("SELECT token_hash FROM calendar_tokens")).all()
        assert [row[0] for row in left] == [digest]
    finally:
        database.dispose()
