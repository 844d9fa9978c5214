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
        app, ["serve", "--host", "0.0.0.0", "--port", "8123", "--allow-remote", "--db", "sqlite://"]
    )
    assert result.exit_code == 0, result.output
    assert runs[0]["host"] == "0.0.0.0"
    assert "http://0.0.0.0:8123/" in result.output


def test_serve_shows_an_ipv6_loopback_url_in_brackets(
    app: typer.Typer, runs: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "::1", "--db", "sqlite://"])
    assert result.exit_code == 0, result.output
    assert "http://[::1]:8000/" in result.output
