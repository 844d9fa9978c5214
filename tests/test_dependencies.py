"""Dependency floors, the deployment lock and the offline-aware audit script."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def locked() -> dict[str, Version]:
    text = (ROOT / "requirements.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, flags=re.MULTILINE)
    return {canonicalize_name(name): Version(version) for name, version in pins}


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r)
        for r in [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    ]


@pytest.mark.parametrize(
    ("name", "vulnerable"),
    [
        pytest.param("python-multipart", "0.0.30", id="multipart-form-dos"),
        pytest.param("starlette", "0.49.0", id="starlette-cve-2025-62727"),
        # FastAPI 0.163 still accepts Starlette 0.46-0.49.0; 0.164 needs Starlette 1.6.
        pytest.param("fastapi", "0.163.2", id="fastapi-admitting-a-vulnerable-starlette"),
    ],
)
def test_floors_exclude_releases_with_known_vulnerabilities(name: str, vulnerable: str) -> None:
    [requirement] = [r for r in requirements() if r.name == name]
    assert any(s.operator == ">=" for s in requirement.specifier), f"{name} has no floor"
    assert not requirement.specifier.contains(vulnerable)


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    pins = locked()
    for requirement in requirements():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} missing from requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts/audit_dependencies.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dependency(name: str, *, vulns: int = 0, skip: str | None = None) -> dict[str, Any]:
    found = [{"id": f"CVE-{name}", "fix_versions": ["9.9"]}] * vulns
    return {"name": name, "version": "1.0", "vulns": found} | (
        {"skip_reason": skip} if skip else {}
    )


CANARY_KNOWN = {"dependencies": [_dependency("starlette", vulns=1)]}
CANARY_UNKNOWN = {"dependencies": [_dependency("starlette", skip="not found on PyPI")]}


@pytest.mark.parametrize(
    ("canary", "lock", "code", "printed"),
    [
        pytest.param(CANARY_UNKNOWN, None, 0, "SKIPPED: no vulnerability database", id="offline"),
        pytest.param(None, None, 0, "SKIPPED: no vulnerability database", id="pip-audit-failed"),
        pytest.param(
            CANARY_KNOWN, {"dependencies": [_dependency("jinja2")]}, 0, "1 locked", id="clean"
        ),
        pytest.param(
            CANARY_KNOWN,
            {"dependencies": [_dependency("jinja2", vulns=1)]},
            1,
            "CVE-jinja2",
            id="vulnerable",
        ),
        pytest.param(
            CANARY_KNOWN,
            {"dependencies": [_dependency("jinja2", skip="not on PyPI")]},
            1,
            "not audited",
            id="unaudited-while-online",
        ),
    ],
)
def test_audit_never_passes_silently(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    canary: dict[str, Any] | None,
    lock: dict[str, Any] | None,
    code: int,
    printed: str,
) -> None:
    script = load_script()
    lock_file = tmp_path / "requirements.lock"
    lock_file.write_text("jinja2==1.0\n")

    def fake(requirements: Path, service: str) -> tuple[dict[str, Any] | None, str]:
        report = lock if requirements == lock_file else canary
        return report, "" if report is not None else "connection refused"

    monkeypatch.setattr(script, "pip_audit", fake)
    assert script.main(["audit", str(lock_file)]) == code
    assert printed in capsys.readouterr().out
