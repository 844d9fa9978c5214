"""Docs that cannot rot: generated references are current and every command is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from backcare.cli.app import app
from backcare.cli.reference import render_cli_reference

DOCS = Path(__file__).parents[1] / "docs"


def test_cli_reference_is_up_to_date() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == render_cli_reference(), "run `make docs` to regenerate docs/cli.md"


def _command_paths(command: object, path: str = "backcare") -> list[str]:
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += _command_paths(sub, f"{path} {name}")
    return paths


def test_every_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    reference = render_cli_reference()
    for path in _command_paths(root):
        assert f"## `{path}`" in reference
    for name, command in getattr(root, "commands", {}).items():
        assert command.help, name


def test_docs_link_targets_exist() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for target in (
        "docs/clinical-safety.md",
        "docs/knowledge-base.md",
        "docs/protocol.md",
        "docs/cli.md",
        "docs/python-api.md",
        "docs/json-api.md",
        "docs/settings.md",
    ):
        assert target in readme
        assert (DOCS.parent / target).is_file(), target
