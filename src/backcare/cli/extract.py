"""``backcare extract``: read free text and print what backcare takes from it, as JSON.

The command only reads, calls :func:`backcare.text.extract` and prints the extraction
contract v1 (docs/json-api.md). Without the ``text`` extra it says how to install it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from backcare.cli._files import read_text
from backcare.errors import FieldProblem, InputError
from backcare.i18n import N_, gettext

__all__ = ["register"]


def extract_command(
    source: Annotated[
        str,
        typer.Option(
            "--json",
            metavar="FILE|-",
            help="Read the text (UTF-8) from FILE or - for stdin; print the extraction as JSON.",
        ),
    ],
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="YYYY-MM-DDTHH:MM",
            help="When the text was written, for onsets like 'Tuesday morning' (default: now).",
        ),
    ] = None,
) -> None:
    """Read what happened in your own words; print the answers it pre-fills and every mention.

    Nothing read from text is ever a 'no': a red flag you mention is asked first, one you
    deny is still asked. Needs the optional text extra: pip install 'backcare[text]'.
    """
    from backcare.text import extract

    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            raise InputError(
                gettext("invalid --now"),
                problems=[FieldProblem("--now", gettext("use YYYY-MM-DDTHH:MM"))],
            ) from None
    text = read_text(source, what=N_("text"))
    sys.stdout.write(extract(text, now=when).model_dump_json(indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add the ``extract`` command."""
    app.command("extract")(extract_command)
