"""The installable web app's files: the manifest, its icons and the versioned service worker."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web_support import web_client

from backcare import Engine, __version__

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "src" / "backcare" / "web" / "static" / "icons"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def test_the_manifest_names_the_app_and_every_icon_it_lists_is_served(client: TestClient) -> None:
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["short_name"] == "backcare"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        assert served.headers["content-type"].startswith(icon["type"])


def test_every_page_links_the_manifest_and_the_phone_script(client: TestClient) -> None:
    html = client.get("/").text
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in html
    # The offline app is installed on this computer's own pages (its words come as data).
    assert re.findall(
        r'<script src="/static/phone.js" data-words=\'[^\']*\' data-offline="(\w+)">', html
    ) == ["on"]


def test_the_service_worker_is_javascript_at_the_root_named_after_the_version(
    client: TestClient,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-store"  # the browser checks for updates
    assert f'const CACHE = "backcare-{__version__}";' in response.text
    assert "{{" not in response.text


def test_the_icons_are_what_the_script_draws(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "scripts" / "make_icons.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path
    module.main()
    drawn = sorted(p.name for p in tmp_path.iterdir())
    assert drawn == sorted(p.name for p in ICONS.iterdir())
    for name in drawn:
        assert (tmp_path / name).read_bytes() == (ICONS / name).read_bytes(), name
