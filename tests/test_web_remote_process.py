"""Remote mode over a real socket: ``backcare serve --allow-remote`` in its own process.

The transport matters here: the ``Host`` header is what a DNS-rebinding page controls,
so the examples of the review run as ``curl`` would, against uvicorn. The server
binds the loopback address (no test opens a port to the network) but runs in remote
mode with an allowed name, reads its access code from its own output, and is stopped
after the module.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import AXE, RUN_AXE

pytestmark = pytest.mark.slow

SERVER_TIMEOUT_S = 30.0
CHROMIUM = Path("/usr/bin/chromium")
NAME = "backcare.home.example"
FORGED_CHECKIN = {
    "pain": 3,
    "doses": [{"drug": "ibuprofen", "mg": 1200}],
    "override_dose_limits": True,
}


@dataclass(frozen=True)
class Remote:
    base: str
    port: int
    token: str
    output: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    port = _free_port()
    db = tmp_path_factory.mktemp("remote-db") / "diary.sqlite3"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backcare.cli",
            "serve",
            "--allow-remote",
            "--allowed-host",
            NAME,
            "--port",
            str(port),
            "--db",
            f"sqlite:///{db}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "BACKCARE_EMERGENCY_NUMBER": "999", "PYTHONIOENCODING": "utf-8"},
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    try:
        while True:
            try:
                response = httpx.get(f"{base}/api/v1/health", timeout=1.0)
                if response.status_code == 401 and any("Access code" in x for x in lines):
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read() if process.stderr else ""
                pytest.fail(f"backcare serve did not start: {err[-2000:]}")
            time.sleep(0.1)
        match = re.search(r"Access code \(shown once\): (\S+)", "".join(lines))
        assert match is not None, lines
        yield Remote(base=base, port=port, token=match.group(1), output="".join(lines))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - uvicorn exits on SIGTERM
            process.kill()
            process.wait(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def _bearer(remote: Remote) -> dict[str, str]:
    return {"authorization": f"Bearer {remote.token}"}


def test_the_rebinding_request_of_the_review_gets_400(remote: Remote) -> None:
    # curl -H 'Host: rebind.attacker.example:PORT' http://127.0.0.1:PORT/api/v1/diary/export
    response = httpx.get(
        f"{remote.base}/api/v1/diary/export",
        headers={"host": f"rebind.attacker.example:{remote.port}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_host"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_rebinding_request_gets_400_even_with_the_code(remote: Remote) -> None:
    response = httpx.get(
        f"{remote.base}/api/v1/diary/export",
        headers={"host": f"rebind.attacker.example:{remote.port}", **_bearer(remote)},
    )
    assert response.status_code == 400


def test_a_forged_checkin_with_override_is_refused_without_the_code(remote: Remote) -> None:
    host = {"host": f"{NAME}:{remote.port}"}
    started = httpx.post(
        f"{remote.base}/api/v1/diary/episodes",
        json={"answers": {"age": 35, "pain": 5}},
        headers={**host, **_bearer(remote)},
    )
    assert started.status_code in {201, 409}, started.text  # 409: another test started it
    forged = httpx.post(f"{remote.base}/api/v1/diary/check-ins", json=FORGED_CHECKIN, headers=host)
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "unauthorized"
    history = httpx.get(
        f"{remote.base}/api/v1/diary/history", headers={**host, **_bearer(remote)}
    ).json()
    assert history["checkins"] == []


def test_the_allowed_name_with_the_code_reads_the_diary(remote: Remote) -> None:
    response = httpx.get(
        f"{remote.base}/api/v1/diary/export",
        headers={"host": f"{NAME}:{remote.port}", **_bearer(remote)},
    )
    assert response.status_code == 200
    assert response.json()["format"] == "backcare-diary"


def test_the_qr_link_opens_a_session_in_a_cookie_jar(remote: Remote) -> None:
    with httpx.Client(base_url=remote.base, headers={"host": f"{NAME}:{remote.port}"}) as client:
        assert client.get("/api/v1/diary/episodes").status_code == 401
        assert client.get("/access", params={"code": remote.token}).status_code == 200
        assert client.get("/api/v1/diary/episodes").status_code == 200


def test_the_server_printed_the_link_and_its_qr_code(remote: Remote) -> None:
    assert f"http://{NAME}:{remote.port}/access?code={remote.token}" in remote.output
    assert "█" in remote.output


@pytest.fixture
def browser(remote: Remote, tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium that resolves the allowed name and an attacker's name to this machine."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    rules = f"MAP {NAME} 127.0.0.1, MAP rebind.attacker.example 127.0.0.1"
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", f"--host-resolver-rules={rules}"],
            headless=True,
        )
        context.set_default_timeout(10_000)
        try:
            yield context
        finally:
            context.close()


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious or critical accessibility problems axe-core finds on the page."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def test_a_browser_types_the_code_and_gets_in(remote: Remote, browser: Any) -> None:
    page = browser.new_page()
    site = f"http://{NAME}:{remote.port}"
    page.goto(f"{site}/diary")
    assert page.url == f"{site}/access"
    assert page.get_by_role("heading", name="Enter your access code").is_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    assert _axe_violations(page) == []
    page.fill("#code", "a wrong code")
    page.click("button[type=submit]")
    assert "not the code" in page.content()
    assert _axe_violations(page) == []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    page.fill("#code", remote.token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")
    response = page.goto(f"{site}/diary")
    assert response.status == 200
    assert page.url == f"{site}/diary"
    cookie = next(c for c in browser.cookies() if c["name"] == "backcare_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"


def test_a_browser_opening_the_qr_link_gets_in(remote: Remote, browser: Any) -> None:
    page = browser.new_page()
    site = f"http://{NAME}:{remote.port}"
    page.goto(f"{site}/access?code={remote.token}")
    assert _axe_violations(page) == []
    page.get_by_role("link", name="Open backcare").click()
    page.wait_for_url(f"{site}/")
    assert page.goto(f"{site}/api/v1/diary/episodes").status == 200


def test_a_rebinding_page_in_a_browser_gets_the_bad_host_page(remote: Remote, browser: Any) -> None:
    page = browser.new_page()
    response = page.goto(f"http://rebind.attacker.example:{remote.port}/api/v1/diary/export")
    assert response.status == 400
    assert "bad_host" in page.content()
