"""``backcare serve``: loopback by default, refuses a remote host unless told, prints the URL."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backcare.cli.web import register


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """backcare (test wrapper)."""

    register(app)
    return app


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_serve_binds_to_loopback_by_default_and_prints_the_url(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", "sqlite://"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/" in result.output
    assert runs[0]["host"] == "127.0.0.1"
    assert runs[0]["port"] == 8000


def test_serve_refuses_a_remote_host_without_allow_remote(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "refusing to listen on 0.0.0.0" in str(result.exception)
    assert runs == []


def test_serve_listens_remotely_only_with_allow_remote(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "8123",
            "--allow-remote",
            "--allowed-host",
            "192.168.1.20",
            "--db",
            "sqlite://",
        ],
    )
    assert result.exit_code == 0, result.output
    assert runs[0]["host"] == "0.0.0.0"
    assert "http://0.0.0.0:8123/" in result.output


def _remote(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, ["serve", "--allow-remote", "--db", "sqlite://", *args])


def test_remote_mode_prints_the_code_once_a_qr_code_and_the_warning(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = _remote(app, "--host", "0.0.0.0", "--allowed-host", "192.168.1.20")
    assert result.exit_code == 0, result.output
    guard = runs[0]["app"].state.backcare.access
    assert len(guard.token) >= 40
    assert result.stdout.count(guard.token) == 2  # the code line and the link line
    assert f"http://192.168.1.20:8000/access?code={guard.token}" in result.stdout
    assert "█" in result.stdout  # the QR code, drawn in text blocks
    assert "NOT encrypted" in result.stderr
    assert "TLS proxy" in result.stderr


def test_each_remote_start_makes_a_new_code(app: typer.Typer, runs: list[dict[str, Any]]) -> None:
    for _ in range(2):
        assert _remote(app, "--allowed-host", "192.168.1.20").exit_code == 0
    first, second = (run["app"].state.backcare.access.token for run in runs)
    assert first != second


@pytest.mark.parametrize(
    ("args", "field"),
    [
        pytest.param(["--host", "0.0.0.0"], "--allowed-host", id="wildcard-without-a-name"),
        pytest.param(["--host", "::"], "--allowed-host", id="ipv6-wildcard-without-a-name"),
    ],
)
def test_remote_mode_needs_a_name_to_answer(
    app: typer.Typer, runs: list[dict[str, Any]], args: list[str], field: str
) -> None:
    result = _remote(app, *args)
    assert result.exit_code != 0
    assert field in str(result.exception.problems)  # type: ignore[union-attr]
    assert runs == []


def test_allowed_host_without_allow_remote_is_refused(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--allowed-host", "backcare.home.example"])
    assert result.exit_code != 0
    assert "--allow-remote" in str(result.exception)
    assert runs == []


def test_local_mode_prints_no_code(app: typer.Typer, runs: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", "sqlite://"])
    assert result.exit_code == 0
    assert runs[0]["app"].state.backcare.access is None
    assert "Access code" not in result.output


def test_serve_shows_an_ipv6_loopback_url_in_brackets(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "::1", "--db", "sqlite://"])
    assert result.exit_code == 0, result.output
    assert "http://[::1]:8000/" in result.output


def test_a_public_url_behind_a_proxy_gives_the_link_and_is_allowed(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = _remote(app, "--public-url", "https://backcare.home.example")
    assert result.exit_code == 0, result.output
    guard = runs[0]["app"].state.backcare.access
    assert f"https://backcare.home.example/access?code={guard.token}" in result.stdout
    assert runs[0]["host"] == "127.0.0.1"  # the proxy reaches it on loopback
    assert "backcare.home.example" in result.stdout.split("Answering only:")[1].splitlines()[0]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("backcare.home.example", id="no-scheme"),
        pytest.param("ftp://backcare.home.example", id="other-scheme"),
        pytest.param("https://backcare.home.example/sub/", id="sub-path"),
        pytest.param("https://", id="no-name"),
    ],
)
def test_an_unusable_public_url_is_refused(
    app: typer.Typer, runs: list[dict[str, Any]], url: str
) -> None:
    result = _remote(app, "--public-url", url)
    assert result.exit_code != 0
    assert "--public-url" in str(result.exception.problems)  # type: ignore[union-attr]
    assert runs == []


def test_public_url_without_allow_remote_is_refused(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--public-url", "https://backcare.home.example"])
    assert result.exit_code != 0
    assert "--allow-remote" in str(result.exception)
    assert runs == []


def test_serve_says_where_the_diary_is_stored(
    app: typer.Typer, runs: list[dict[str, Any]], tmp_path: Any
) -> None:
    db = tmp_path / "my-diary.sqlite3"
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert f"Your diary is stored in {db}" in result.output


def test_a_port_in_use_says_so_with_a_hint_and_never_claims_to_run(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port), "--db", "sqlite://"])
    assert result.exit_code != 0
    assert "is running" not in result.output
    assert f"port {port} is already in use" in str(result.exception)
    assert f"--port {port + 1}" in str(result.exception.problems[0].problem)  # type: ignore[union-attr]
    assert runs == []
