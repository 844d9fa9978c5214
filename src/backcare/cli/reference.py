"""Generate the command-line reference (docs/cli.md) from the commands themselves.

A test regenerates it and compares, so the reference cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_cli_reference"]


def render_cli_reference() -> str:
    """Return docs/cli.md: every command, its help and its options, from the Typer app."""
    import typer.main

    from backcare.cli.app import app

    root = typer.main.get_command(app)
    out = [
        "# Command-line reference",
        "",
        "<!-- Generated from the commands by `make docs`; do not edit by hand. -->",
        "",
        "Exit status: 0 success; 2 invalid input or usage (the message names the field); "
        "3 invalid knowledge base; 4 not found; 5 conflict (e.g. a dose limit); "
        "6 database unavailable; 10 the interactive assessment ended in an emergency "
        "(call the emergency number); 130 interrupted.",
        "",
    ]
    _command(out, root, ["backcare"])
    return "\n".join(out).rstrip() + "\n"


def _command(out: list[str], command: Any, path: list[str]) -> None:
    title = " ".join(path)
    out += [f"## `{title}`", "", (command.help or "").strip(), ""]
    options = [
        p for p in command.params if getattr(p, "opts", None) and not getattr(p, "hidden", False)
    ]
    if options:
        out += ["| Option | Description |", "|---|---|"]
        for param in options:
            names = ", ".join(f"`{o}`" for o in param.opts)
            if getattr(param, "metavar", None):
                names += f" `{param.metavar}`".replace("|", "\\|")
            text = (getattr(param, "help", "") or "").replace("|", "/").replace("\n", " ")
            out.append(f"| {names} | {text} |")
        out.append("")
    for name in sorted(getattr(command, "commands", {})):
        _command(out, command.commands[name], [*path, name])
