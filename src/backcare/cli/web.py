"""``backcare serve``: run the local web app (pages and JSON API) with uvicorn.

The server binds to the loopback address by default, so only this computer can
reach it; a non-loopback ``--host`` is refused unless ``--allow-remote`` is given
(the diary holds health data and the app has no login). Register it with
:func:`register`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.errors import FieldProblem, InputError

__all__ = ["register", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback only unless --allow-remote).")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Diary database URL (default: BACKCARE_DATABASE_URL, else the SQLite file "
            "in your data folder).",
        ),
    ] = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow a non-loopback --host. Anyone who can reach it can read your diary.",
        ),
    ] = False,
) -> None:
    """Start the web app (pages and JSON API) on http://127.0.0.1:8000."""
    from backcare.web.security import LOOPBACK_HOSTS, is_loopback

    if not is_loopback(host) and not allow_remote:
        raise InputError(
            f"refusing to listen on {host}: other computers could read your diary",
            problems=[FieldProblem("--host", "use a loopback address, or add --allow-remote")],
        )
    import uvicorn

    from backcare.web import create_app

    hosts = None if allow_remote else LOOPBACK_HOSTS | {host}
    app = create_app(database_url=db, allowed_hosts=hosts)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"backcare is running at http://{shown}:{port}/ (press Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    """Add ``backcare serve`` to ``app`` (the main ``backcare`` Typer app)."""
    app.command("serve")(serve)
