"""Option types and exit statuses shared by the command modules, spelled one way for all."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["EMERGENCY_EXIT_STATUS", "DbOption", "EpisodeOption"]

#: Exit status of an interactive assessment whose result is an emergency, so a
#: wrapping script or kiosk cannot mistake it for an ordinary finish (0). Errors use 1-6.
EMERGENCY_EXIT_STATUS = 10

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL, e.g. sqlite:///diary.sqlite3 or postgresql+psycopg://... "
        "(default: BACKCARE_DATABASE_URL, else diary.sqlite3 in your data directory).",
    ),
]
EpisodeOption = Annotated[
    int | None,
    typer.Option(
        "--episode", metavar="ID", help="Which episode (default: the active one, else the latest)."
    ),
]
