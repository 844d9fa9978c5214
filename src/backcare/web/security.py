"""Security of a local web app holding health data: headers, hosts, CSRF, body limits, sealing.

The app serves one person on their own machine, with no login. What it guards against
is other web pages in the same browser and a curious network:

* **Hosts.** Only ``127.0.0.1``, ``localhost`` and ``[::1]`` (and the names given to
  ``backcare serve --host`` and ``--allowed-host``) are answered, in every mode, which
  defeats DNS rebinding; ``400 bad_host`` otherwise.
* **Access secret (remote mode).** With ``--allow-remote`` the app is reachable from the
  network, so nothing but the access page and the static files is served without an
  :class:`AccessGuard` session: the long random code printed at start is exchanged for
  an ``HttpOnly``, ``SameSite=Strict`` signed session cookie (itsdangerous), or sent as
  ``Authorization: Bearer``. Pages redirect to ``/access``; anything else gets ``401``.
* **Cross-site writes.** Unsafe methods are refused (``403``) when the browser says they
  come from another site (``Sec-Fetch-Site``) or another origin (``Origin``; ``null`` is
  what our own pages send under ``no-referrer``, so it decides nothing). HTML forms
  also carry a sealed double-submit token (:func:`check_csrf`); JSON API writes must be
  ``Content-Type: application/json`` (:func:`require_json`, ``415`` otherwise), which a
  page on another site cannot send without a CORS preflight that this app never grants.
* **Body size.** Request bodies over the limit (64 KiB) get ``413``, whether the size is
  announced or not.
* **Headers on every response**, errors and 500s included (the middleware wraps
  Starlette's error middleware, see :mod:`backcare.web.app`): a Content-Security-Policy
  without inline scripts or styles, ``frame-ancestors 'none'``, ``nosniff``,
  ``no-referrer`` and ``no-store`` on everything but the static files.

Every refusal uses the one error envelope (:mod:`backcare.web.errors`).
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcare.errors import BackcareError
from backcare.i18n import gettext
from backcare.web.errors import BadRequestError, ForbiddenError, envelope, error_response

__all__ = [
    "ACCESS_PATH",
    "CONTENT_SECURITY_POLICY",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "LOOPBACK_HOSTS",
    "MAX_BODY_BYTES",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "AccessGuard",
    "SecurityMiddleware",
    "Signer",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "check_csrf",
    "host_name",
    "is_loopback",
    "require_json",
]

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 64 * 1024
#: Host names answered by default: loopback only.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CSRF_COOKIE = "backcare_csrf"
CSRF_FIELD = "csrf_token"
#: The remote-mode session cookie, and how long a session lasts (seconds).
SESSION_COOKIE = "backcare_session"
SESSION_SECONDS = 12 * 60 * 60
#: The page that exchanges the access code for a session (served without one).
ACCESS_PATH = "/access"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; media-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_NO_STORE = (b"cache-control", b"no-store")
# Hosted mode behind TLS: browsers must never use plain http for this host again.
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
_STATIC_CACHE = (b"cache-control", b"no-cache")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address) is this machine's loopback interface."""
    import ipaddress

    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: AES-GCM's 96-bit nonce, random per token (far below the 2**32 tokens a key may seal).
_NONCE_BYTES = 12


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Seal small JSON values so a form or an address can carry them back unaltered and unread.

    The assessment's answers so far travel in the page's address (``/assess?s=...``), and
    addresses end up in browser history and in the access logs of a clinic's proxy: so
    the values are encrypted as well as authenticated (AES-256-GCM, the ``purpose`` bound
    in as associated data), not only signed. A token changed in any way, made for another
    purpose or by another key is refused.

    Args:
        secret: the key material; by default a fresh random one per process, so tokens
            end when the server stops (nothing about the person is kept on disk for them).
    """

    def __init__(self, secret: bytes | None = None) -> None:
        material = secret if secret is not None else secrets.token_bytes(32)
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"backcare sealed values")
        self._box = AESGCM(key.derive(material))

    def sign(self, value: Any, *, purpose: str) -> str:
        """Encode ``value`` (JSON-serialisable), encrypt and authenticate it for ``purpose``."""
        data = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _b64(nonce + self._box.encrypt(nonce, data, purpose.encode()))

    def unsign(self, token: str, *, purpose: str) -> Any:
        """Check the token and decode the value.

        Raises:
            BadRequestError: the token was altered, is for another purpose, or was made
                by an earlier run of the server.
        """
        try:
            sealed = _unb64(token)
            data = self._box.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], purpose.encode())
        except (ValueError, InvalidTag) as exc:  # not base64, too short, or not ours
            raise BadRequestError(
                gettext("this form has expired or was changed; please start again"),
            ) from exc
        try:
            return json.loads(data)
        except ValueError as exc:  # pragma: no cover - an authentic token holds our own JSON
            raise BadRequestError(gettext("this form cannot be read; please start again")) from exc

    def new_csrf_token(self) -> str:
        """A fresh signed CSRF token (for the cookie and the hidden form field)."""
        return self.sign(secrets.token_urlsafe(16), purpose="csrf")

    def valid_csrf_token(self, token: str | None) -> bool:
        """Whether ``token`` was made by :meth:`new_csrf_token` of this signer."""
        if not token:
            return False
        try:
            self.unsign(token, purpose="csrf")
        except BadRequestError:
            return False
        return True


def check_csrf(signer: Signer, *, cookie: str | None, field: str | None) -> None:
    """Accept a form post only if its token matches the cookie and is ours.

    Raises:
        ForbiddenError: the token is missing, differs from the cookie or is not ours.
    """
    if not cookie or not field or not hmac.compare_digest(cookie, field):
        raise ForbiddenError(
            gettext("the form's security token is missing or wrong; reload the page and try again")
        )
    if not signer.valid_csrf_token(field):
        raise ForbiddenError(gettext("the form's security token has expired; reload the page"))


class AccessGuard:
    """Remote mode's access secret and the signed session cookie it is exchanged for.

    Both the code and the signing key are made fresh per process: a restart ends
    every session and prints a new code (nothing about access is kept on disk).

    Args:
        token: the access code; default: 43 random URL-safe characters (256 bits).
        max_age: how long a session cookie stays valid, in seconds.
    """

    def __init__(self, token: str | None = None, *, max_age: int = SESSION_SECONDS) -> None:
        self.token = token if token is not None else secrets.token_urlsafe(32)
        self.max_age = max_age
        self._sessions = URLSafeTimedSerializer(secrets.token_bytes(32), salt="backcare-session")

    def matches(self, code: str | None) -> bool:
        """Whether ``code`` is the access code (compared in constant time)."""
        if not code:
            return False
        return hmac.compare_digest(code.strip().encode(), self.token.encode())

    def new_session(self) -> str:
        """A fresh signed, timestamped session value for the cookie."""
        return self._sessions.dumps(secrets.token_urlsafe(16))

    def valid_session(self, value: str | None) -> bool:
        """Whether ``value`` is a session this guard made and that has not expired."""
        if not value:
            return False
        try:
            self._sessions.loads(value, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired, its subclass
            return False
        return True

    def admits(self, request: Request) -> bool:
        """Whether the request carries a valid session cookie or the code as a bearer token."""
        if self.valid_session(request.cookies.get(SESSION_COOKIE)):
            return True
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.matches(credentials)

    def set_session_cookie(self, response: Response, *, secure: bool) -> None:
        """Start a session: its cookie on ``response`` (``Secure`` when served over HTTPS)."""
        response.set_cookie(
            SESSION_COOKIE,
            self.new_session(),
            max_age=self.max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure,
        )


class UnauthorizedError(BackcareError):
    """Remote mode: the request carries neither a session nor the access code."""

    status = 401
    code = "unauthorized"


class UnsupportedMediaTypeError(BackcareError):
    """A write to the JSON API whose body is not declared as JSON."""

    status = 415
    code = "unsupported_media_type"


def require_json(content_type: str | None) -> None:
    """Refuse (415) a JSON API write whose ``Content-Type`` is not JSON.

    Raises:
        UnsupportedMediaTypeError: the body is not declared as ``application/json``.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaTypeError(
            gettext("send the request body as JSON with Content-Type: application/json")
        )


class _BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit // 1024} KiB")


def host_name(value: str) -> str:
    """The name in a ``Host`` header, without its port or IPv6 brackets, lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class SecurityMiddleware:
    """Pure ASGI middleware: host check, access gate, cross-site refusal, body limit, headers.

    Args:
        app: the wrapped application.
        allowed_hosts: host names to answer (any other ``Host`` gets ``400 bad_host``).
        max_body_bytes: the request body limit.
        access: remote mode's guard; ``None`` (local mode) serves without a session.
        hsts: send ``Strict-Transport-Security`` (hosted mode behind https).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
        max_body_bytes: int = MAX_BODY_BYTES,
        access: AccessGuard | None = None,
        hsts: bool = False,
    ) -> None:
        self.app = app
        self.hsts = hsts
        self.allowed = frozenset(host_name(h) for h in allowed_hosts)
        self.max_body = max_body_bytes
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        extra = (*_HEADERS, _STATIC_CACHE if static else _NO_STORE)
        if self.hsts:
            extra = (*extra, _HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *(
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != b"cache-control"
                    ),
                    *extra,
                ]
            await send(message)

        headers: dict[bytes, bytes] = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        refusal = self._refusal(scope, headers, host)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return

        received = 0
        limit = self.max_body

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes], host: str) -> ASGIApp | None:
        if host_name(host) not in self.allowed:
            return _error(400, "bad_host", "this server does not answer to that host name")
        if self.access is not None and not self._admitted(scope):
            if scope["method"] in {"GET", "HEAD"} and not scope["path"].startswith("/api/"):
                return _redirect(ACCESS_PATH)
            return _error(
                401,
                UnauthorizedError.code,
                "enter the access code shown when the server started (at /access), "
                "or send it as Authorization: Bearer",
            )
        if scope["method"] not in _UNSAFE:
            return None
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1")
        if site in {"cross-site", "same-site"}:
            return _error(403, "forbidden", "requests from other sites are refused")
        origin = headers.get(b"origin")
        # With ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` even for our
        # own forms and fetches, so "null" proves nothing; Sec-Fetch-Site and the CSRF token
        # (forms) or the JSON content type (API) decide then.
        if origin is not None and origin != b"null":
            parts = urlsplit(origin.decode("latin-1"))
            if parts.netloc.lower() != host.lower():
                return _error(403, "forbidden", "requests from other origins are refused")
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return _error(
                413,
                "payload_too_large",
                f"the request body is larger than {self.max_body // 1024} KiB",
            )
        return None

    def _admitted(self, scope: Scope) -> bool:
        assert self.access is not None
        path: str = scope["path"]
        # The calendar link is its own secret: a phone's calendar app has no cookie.
        if path == ACCESS_PATH or path.startswith(("/static/", "/calendar/")):
            return True
        return self.access.admits(Request(scope))


def _error(status: int, code: str, message: str) -> ASGIApp:
    """A refusal in the one envelope: JSON, or the error page for a browser asking for one."""

    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = error_response(request, status, envelope(status, code, message))
        await response(scope, receive, send)

    return respond


def _redirect(location: str) -> ASGIApp:
    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    return respond
