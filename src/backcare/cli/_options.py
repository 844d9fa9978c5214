"""Option types shared by the command modules, so every command spells them the same way."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["DbOption", "EpisodeOption"]

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
