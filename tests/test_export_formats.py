"""The export registry: every format through ``backcare export --format`` and the web route.

Both front ends take their formats from :data:`backcare.export.formats.FORMATS`, so a
format added there is tested here by adding its signature below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web_support import start_episode, web_client

from backcare import Engine
from backcare.cli import main
from backcare.errors import InputError
from backcare.export.formats import FORMATS, get_format

#: How each format's file begins.
SIGNATURES = {
    "json": b"{",
    "csv": b"format,backcare-diary,",
    "ics": b"BEGIN:VCALENDAR",
    "fhir": b"{",
    "pdf": b"%PDF-",
    "html": b"<!DOCTYPE html>",
}


def test_every_format_has_a_signature_here() -> None:
    assert set(SIGNATURES) == set(FORMATS)


@pytest.mark.parametrize(
    ("name", "found"),
    [
        pytest.param("json", "json", id="exact"),
        pytest.param(" PDF ", "pdf", id="any-case-and-spaces"),
    ],
)
def test_formats_are_found_by_name(name: str, found: str) -> None:
    assert get_format(name) is FORMATS[found]


def test_an_unknown_format_names_the_field_and_the_formats() -> None:
    with pytest.raises(InputError) as caught:
        get_format("xml", field="format")
    (problem,) = caught.value.problems
    assert problem.field == "format"
    assert all(name in problem.problem for name in FORMATS)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'diary.db'}"
    assert main(["episode", "start", "--db", url, "--trigger", "lifting"]) == 0
    assert main(["checkin", "--db", url, "--pain", "5", "--did", "ice"]) == 0
    return url


@pytest.mark.parametrize("name", list(FORMATS))
def test_the_cli_exports_every_format(name: str, db: str, tmp_path: Path) -> None:
    out = tmp_path / f"export.{name}"
    assert main(["export", "--format", name, "-o", str(out), "--db", db]) == 0
    assert out.read_bytes().lstrip().startswith(SIGNATURES[name])


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        episode = start_episode(client)
        assert episode["episode"]["id"] == 1
        assert client.post("/api/v1/diary/check-ins", json={"pain": 5}).status_code == 201
        yield client


@pytest.mark.parametrize("name", list(FORMATS))
def test_the_web_downloads_every_format(name: str, client: TestClient) -> None:
    response = client.get("/api/v1/diary/export", params={"format": name})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == FORMATS[name].media_type.split(";")[0]
    assert response.content.lstrip().startswith(SIGNATURES[name])
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "name", [pytest.param(n, id=n) for n, f in FORMATS.items() if f.scope == "episode"]
)
def test_the_web_downloads_every_episode_format_of_an_episode(
    name: str, client: TestClient
) -> None:
    response = client.get("/api/v1/diary/episodes/1/export", params={"format": name})
    assert response.status_code == 200, response.text
    assert response.content.lstrip().startswith(SIGNATURES[name])
    assert FORMATS[name].filename(1, date.today()) in response.headers["content-disposition"]


@pytest.mark.parametrize(
    ("path", "query", "status", "field"),
    [
        pytest.param("/api/v1/diary/export", {"format": "xml"}, 422, "format", id="unknown"),
        pytest.param(
            "/api/v1/diary/episodes/1/export", {"format": "json"}, 422, "format", id="diary-format"
        ),
        pytest.param("/api/v1/diary/episodes/1/export", {}, 422, "format", id="no-format"),
        pytest.param(
            "/api/v1/diary/episodes/7/export", {"format": "fhir"}, 404, None, id="no-episode"
        ),
    ],
)
def test_the_export_routes_refuse_in_plain_words(
    path: str, query: dict[str, str], status: int, field: str | None, client: TestClient
) -> None:
    response = client.get(path, params=query)
    assert response.status_code == status, response.text
    problems = response.json()["error"]["problems"]
    if field is not None:
        assert [p["field"] for p in problems] == [field]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            "/api/v1/diary/episodes/1/fhir",
            "/api/v1/diary/episodes/1/export?format=fhir",
            id="fhir",
        ),
        pytest.param(
            "/api/v1/diary/episodes/1/report",
            "/api/v1/diary/episodes/1/export?format=pdf",
            id="report",
        ),
        pytest.param(
            "/api/v1/diary/episodes/1/report?format=html",
            "/api/v1/diary/episodes/1/export?format=html",
            id="report-html",
        ),
    ],
)
def test_the_addresses_from_before_the_registry_redirect(
    old: str, new: str, client: TestClient
) -> None:
    response = client.get(old, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == new
    assert client.get(old).status_code == 200


def test_the_fhir_download_is_the_bundle(client: TestClient) -> None:
    response = client.get("/api/v1/diary/episodes/1/export", params={"format": "fhir"})
    assert json.loads(response.content)["resourceType"] == "Bundle"
