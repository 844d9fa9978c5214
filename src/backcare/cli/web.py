"""``backcare serve``: run the local web app (pages and JSON API) with uvicorn.

The server binds to the loopback address by default, so only this computer can
reach it; a non-loopback ``--host`` is refused unless ``--allow-remote`` is given
(the diary holds health data). Remote mode answers only the host names it is given
(DNS-rebinding defence) and asks for an access code, printed once at start with a
QR code of the address that opens it. Register it with :func:`register`.
"""

from __future__ import annotations

import errno
import io
import ipaddress
import socket
from typing import Annotated

import typer

from backcare.errors import ConflictError, FieldProblem, InputError
from backcare.i18n import N_
from backcare.i18n import gettext as _

__all__ = ["access_url", "qr_text", "register", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})

UNENCRYPTED_WARNING = N_(
    "Warning: traffic between this computer and other devices is NOT encrypted. Anyone on "
    "the same network can read it (and the access code) unless a TLS proxy such as Caddy or "
    "nginx is in front (see docs/web.md, Security)."
)


def _url_host(name: str) -> str:
    try:
        return f"[{name}]" if ipaddress.ip_address(name.strip("[]")).version == 6 else name
    except ValueError:
        return name


def access_url(base: str, token: str) -> str:
    """The address that opens remote mode with its code filled in (for the QR code)."""
    return f"{base.rstrip('/')}/access?code={token}"


def _public_base(url: str) -> tuple[str, str]:
    """``--public-url`` checked: the base URL and its host name."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    # The pages link to absolute paths, so the app must be the root of the address.
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
    ):
        raise InputError(
            _("cannot use {url} as the public address").format(url=repr(url)),
            problems=[
                FieldProblem(
                    "--public-url", _("give http(s)://NAME[:PORT], e.g. https://backcare.lan")
                )
            ],
        )
    return f"{parts.scheme}://{parts.netloc}", parts.hostname


def qr_text(data: str) -> str:
    """``data`` as a QR code drawn with text blocks, for a terminal."""
    import qrcode

    code = qrcode.QRCode(border=1)
    code.add_data(data)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


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
            help="Open the app to other devices: asks for an access code (printed at start) "
            "and answers only the --host and --allowed-host names.",
        ),
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="With --allow-remote: a host name or address other devices use to reach "
            "this server (repeatable). Any other Host header is refused.",
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            metavar="URL",
            help="With --allow-remote: the address other devices open, e.g. the HTTPS name of "
            "a proxy in front (used for the printed link and QR code, and allowed as a host).",
        ),
    ] = None,
) -> None:
    """Start the web app (pages and JSON API) on http://127.0.0.1:8000."""
    from backcare.web.security import LOOPBACK_HOSTS, AccessGuard, host_name, is_loopback

    names = [host_name(n) for n in allowed_host or [] if n.strip()]
    if not is_loopback(host) and not allow_remote:
        raise InputError(
            _("refusing to listen on {host}: other computers could read your diary").format(
                host=host
            ),
            problems=[FieldProblem("--host", _("use a loopback address, or add --allow-remote"))],
        )
    for option, given in (("--allowed-host", names), ("--public-url", public_url)):
        if given and not allow_remote:
            raise InputError(
                _("{option} opens the app to other devices").format(option=option),
                problems=[FieldProblem(option, _("add --allow-remote (it asks for a code)"))],
            )
    base = None
    if public_url is not None:
        base, public_name = _public_base(public_url)
        names.append(public_name)
    bound = host_name(host)
    if bound not in _WILDCARDS and not is_loopback(bound):
        names.insert(0, bound)
    if allow_remote and not names:
        raise InputError(
            _("listening on {host} needs the name other devices will use").format(host=host),
            problems=[
                FieldProblem(
                    "--allowed-host",
                    _(
                        "give this computer's network address or host name, e.g. "
                        "--allowed-host 192.168.1.20"
                    ),
                )
            ],
        )
    import uvicorn

    from backcare.web import create_app
    from backcare.web.app import freeze_start_up

    hosts = LOOPBACK_HOSTS | set(names) | ({bound} if bound not in _WILDCARDS else set())
    access = AccessGuard() if allow_remote else None
    _check_port(host, port)
    app = create_app(database_url=db, allowed_hosts=hosts, access=access)
    freeze_start_up()
    shown = _url_host(bound)
    typer.echo(
        _("backcare is running at {url} (press Ctrl+C to stop)").format(
            url=f"http://{shown}:{port}/"
        )
    )
    typer.echo(_("Your diary is stored in {where}").format(where=diary_location(db)))
    if access is not None:
        url = access_url(base or f"http://{_url_host(names[0])}:{port}", access.token)
        typer.echo(_("Answering only: {hosts}").format(hosts=", ".join(sorted(hosts))))
        typer.echo(_("Access code (shown once): {code}").format(code=access.token))
        typer.echo(_("Open on another device: {url}").format(url=url))
        typer.echo(qr_text(url))
        typer.echo(_(UNENCRYPTED_WARNING), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _check_port(host: str, port: int) -> None:
    """Fail before saying "running" when another program already listens on the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise ConflictError(
                _("port {port} is already in use (is backcare already running?)").format(port=port),
                problems=[
                    FieldProblem(
                        "--port",
                        _("choose another port, e.g. --port {port}").format(port=port + 1),
                    )
                ],
            ) from None


def diary_location(db: str | None) -> str:
    """Where the diary is kept: the SQLite file's path, or the database URL without a password."""
    from sqlalchemy.engine import make_url

    from backcare.settings import get_settings
    from backcare.store.database import default_database_url

    url = make_url(db or get_settings().database_url or default_database_url())
    if url.get_backend_name() == "sqlite":
        return url.database or _("memory only (nothing is kept after it stops)")
    return url.render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    """Add ``backcare serve`` to ``app`` (the main ``backcare`` Typer app)."""
    app.command("serve")(serve)
