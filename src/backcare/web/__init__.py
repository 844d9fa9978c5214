"""backcare's local web app: HTML pages and the JSON API, built by :func:`create_app`.

No clinical logic and no SQL live here: pages and their JSON twins are built from
the same view models (:mod:`backcare.web.schemas`), which call the core engine and
the diary services. See ``docs/web.md``.
"""

from backcare.web.app import create_app

__all__ = ["create_app"]
