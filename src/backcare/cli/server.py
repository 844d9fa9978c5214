"""Hosted clinic mode's commands: ``backcare server``, ``db upgrade``, ``users`` and ``audit``.

``backcare server`` runs the hosted app in gunicorn with uvicorn worker processes. It
checks everything a worker needs before any starts (PostgreSQL, the public address,
the shared secret file, which it makes the first time) and upgrades the database once,
so the workers start from the same schema and the same key. See docs/hosting.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext as _
from backcare.i18n import ngettext

__all__ = ["register"]

db_app = typer.Typer(
    help="The database: upgrade it to this version's schema.", no_args_is_help=True
)
users_app = typer.Typer(help="Hosted mode's accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Hosted mode's audit log.", no_args_is_help=True)

_DB = typer.Option(
    "--db",
    metavar="URL",
    help="Database URL (default: BACKCARE_DATABASE_URL, else the local SQLite diary).",
)


def server(
    bind: Annotated[
        str, typer.Option(help="Address to listen on; the TLS proxy in front connects here.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (any serves any request).")
    ] = 2,
) -> None:
    """Start the hosted clinic app (PostgreSQL, sign-in, several workers)."""
    from backcare.settings import get_settings
    from backcare.store import open_store
    from backcare.web.hosted import ensure_secret, public_address, require_postgresql

    settings = get_settings()
    url = require_postgresql(settings)
    public_address(settings.public_url)
    secret = ensure_secret(settings)
    open_store(url).close()  # upgrade once here, not in every worker
    options: dict[str, Any] = {
        "bind": f"{bind}:{port}",
        "workers": workers,
        "worker_class": "uvicorn_worker.UvicornWorker",
        # Only the configured proxy may say who the client is and that it used https.
        "forwarded_allow_ips": settings.trusted_proxies,
        "accesslog": None,
        "loglevel": "warning",
        "proc_name": "backcare-server",
    }
    typer.echo(
        _(
            "backcare server: {workers} worker(s) on http://{bind}:{port}/ for {url}; "
            "secret file {secret}"
        ).format(workers=workers, bind=bind, port=port, url=settings.public_url, secret=secret)
    )
    _run_gunicorn(options)


def _run_gunicorn(options: dict[str, Any]) -> None:
    """Run gunicorn from Python; each worker builds the app from the environment."""
    try:
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
    except ModuleNotFoundError as exc:
        raise InputError(
            _("the hosted server needs its extra packages"),
            problems=[FieldProblem("install", "pip install 'backcare[hosted]'")],
        ) from exc

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from backcare.web.app import create_hosted_app, freeze_start_up

            app = create_hosted_app()
            freeze_start_up()  # in each worker, after its app is built
            return app

    Server().run()


@db_app.command("upgrade")
def db_upgrade(db: Annotated[str | None, _DB] = None) -> None:
    """Upgrade the database to this version's schema (a local diary's data stays its own)."""
    from backcare.settings import get_settings
    from backcare.store import HEAD, open_store

    with open_store(db, settings=get_settings()) as store:
        typer.echo(_("{url} is at schema revision {revision}").format(url=store.url, revision=HEAD))


def _accounts(db: str | None) -> Any:
    from backcare.accounts import Accounts
    from backcare.settings import get_settings
    from backcare.store import open_store

    return Accounts(open_store(db, settings=get_settings()))


def _account(accounts: Any, email: str, option: str) -> Any:
    """The account with this e-mail address, or an input error naming ``option``."""
    person = accounts.person_by_email(email)
    if person is None:
        raise InputError(
            _("no such account"),
            problems=[FieldProblem(option, _("no account for {email}").format(email=email))],
        )
    return person


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Option(help="The person's e-mail address (they sign in with it).")],
    role: Annotated[str, typer.Option(help="admin, clinician or patient.")] = "clinician",
    care_team: Annotated[
        str | None,
        typer.Option(help="The care team (made if new): a clinician's, or a patient's."),
    ] = None,
    name: Annotated[str, typer.Option(help="The name others see.")] = "",
    db: Annotated[str | None, _DB] = None,
) -> None:
    """Create an account; clinicians and admins get their authenticator-app secret."""
    from backcare.cli.web import qr_text

    password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    accounts = _accounts(db)
    try:
        person = accounts.add_person(
            email=email, role=role, password=password, care_team=care_team, display_name=name
        )
        typer.echo(
            _("Made {role} account {id} for {email}").format(
                role=person.role, id=person.id, email=person.email
            )
        )
        if person.needs_second_factor:
            secret = accounts.set_totp(person.id)
            uri = accounts.totp_uri(person, secret)
            typer.echo(_("Second factor (required): add this to an authenticator app"))
            typer.echo(_("Secret: {secret}").format(secret=secret))
            typer.echo(qr_text(uri))
    finally:
        accounts.store.close()


def _switch(email: str, db: str | None, *, off: bool) -> None:
    from backcare.errors import NotFoundError

    accounts = _accounts(db)
    try:
        person = accounts.set_switched_off(email, off)
    except NotFoundError as error:
        raise InputError(
            _("no such account"), problems=[FieldProblem("--email", str(error))]
        ) from error
    finally:
        accounts.store.close()
    message = (
        _("Switched off {email}: every session ended; no sign-in or e-mail until switched on.")
        if off
        else _("Switched on {email}: they can sign in again.")
    )
    typer.echo(message.format(email=person.email))


@users_app.command("switch-off")
def users_switch_off(
    email: Annotated[str, typer.Option(help="The account's e-mail address.")],
    db: Annotated[str | None, _DB] = None,
) -> None:
    """Switch an account off at once (someone who left): no sign-in, no e-mail; kept."""
    _switch(email, db, off=True)


@users_app.command("switch-on")
def users_switch_on(
    email: Annotated[str, typer.Option(help="The account's e-mail address.")],
    db: Annotated[str | None, _DB] = None,
) -> None:
    """Switch a switched-off account back on."""
    _switch(email, db, off=False)


@users_app.command("invite")
def users_invite(
    by: Annotated[str, typer.Option("--by", help="The e-mail address of the inviting clinician.")],
    db: Annotated[str | None, _DB] = None,
) -> None:
    """Print a single-use invitation link (and its QR code) for a patient to join."""
    from backcare.cli.web import qr_text
    from backcare.settings import get_settings

    base = (get_settings().public_url or "").rstrip("/")
    if not base:
        raise InputError(
            _("an invitation link needs the public address"),
            problems=[FieldProblem("BACKCARE_PUBLIC_URL", _("set it to https://your-server"))],
        )
    accounts = _accounts(db)
    try:
        link = f"{base}/join?invite={accounts.invite(_account(accounts, by, '--by'))}"
    finally:
        accounts.store.close()
    typer.echo(_("Invitation (one use, 7 days): {link}").format(link=link))
    typer.echo(qr_text(link))


@audit_app.command("verify")
def audit_verify(db: Annotated[str | None, _DB] = None) -> None:
    """Check the audit log's hash chain (exit status 1 if a row was changed or removed)."""
    accounts = _accounts(db)
    try:
        count, broken = accounts.verify_audit()
    finally:
        accounts.store.close()
    if broken is not None:
        typer.echo(
            _("The audit log is NOT intact at row {row}: {problem}").format(
                row=broken.id, problem=broken.problem
            ),
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        ngettext(
            "The audit log is intact ({count} row).",
            "The audit log is intact ({count} rows).",
            count,
        ).format(count=count)
    )


@audit_app.command("show")
def audit_show(
    patient: Annotated[str, typer.Option(help="The patient's e-mail address.")],
    db: Annotated[str | None, _DB] = None,
) -> None:
    """List who read or changed a patient's records, when and from where."""
    accounts = _accounts(db)
    try:
        rows = accounts.audit_rows(_account(accounts, patient, "--patient").id)
        names = {
            row.actor_id: accounts.person_of(row.actor_id).email
            for row in rows
            if row.actor_id is not None
        }
    finally:
        accounts.store.close()
    if not rows:
        typer.echo(_("Nobody else has read or changed {email}'s records.").format(email=patient))
    for row in rows:
        typer.echo(
            f"{row.at:%Y-%m-%d %H:%M:%S} UTC  {names.get(row.actor_id, '-')}  {row.action}  "
            f"{row.address or '-'}"
        )


@audit_app.command("sign-ins")
def audit_sign_ins(
    account: Annotated[str, typer.Option(help="The account's e-mail address.")],
    last: Annotated[
        int, typer.Option(min=1, max=1000, help="How many of the latest to list.")
    ] = 20,
    db: Annotated[str | None, _DB] = None,
) -> None:
    """List an account's latest sign-ins and refused sign-ins, newest first."""
    accounts = _accounts(db)
    try:
        rows = accounts.recent_sign_ins(_account(accounts, account, "--account").id, limit=last)
    finally:
        accounts.store.close()
    if not rows:
        typer.echo(_("{email} has no sign-ins recorded.").format(email=account))
    for row in rows:
        typer.echo(
            f"{row.at:%Y-%m-%d %H:%M:%S} UTC  {row.action}  {row.detail or '-'}  "
            f"{row.address or '-'}"
        )


def register(app: typer.Typer) -> None:
    """Add ``server``, ``db``, ``users`` and ``audit`` to the main ``backcare`` app."""
    app.command("server")(server)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
