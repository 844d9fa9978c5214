"""The installable web app: the service worker at ``/sw.js``.

The web manifest, the icons and the scripts are static files
(``static/manifest.webmanifest``, ``static/icons/``, ``static/queue.js``,
``static/phone.js``). The service worker is served from the site's root, so its
scope is the whole app, and carries backcare's version, so a new version makes a new
offline cache and clears the old one. See ``docs/hosting.md`` ("The phone app").
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from backcare import __version__

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    """The service worker script (JavaScript, never cached by HTTP: it checks for updates)."""
    templates = request.app.state.backcare.templates
    script = templates.env.get_template("sw.js.j2").render(version=__version__)
    return Response(script, media_type="text/javascript; charset=utf-8")
