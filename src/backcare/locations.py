"""Where backcare keeps its caches, found without importing anything heavy.

The command line's fast path needs the cache folder before it has imported
anything but the standard library, so the Linux rule (XDG, as ``platformdirs``
applies it; a test pins the two together) is written out here; other platforms
ask ``platformdirs``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

__all__ = ["cache_folder"]


def cache_folder(environ: Mapping[str, str] | None = None) -> str:
    """``BACKCARE_CACHE_DIR``, else the user's cache folder for backcare."""
    env = os.environ if environ is None else environ
    configured = env.get("BACKCARE_CACHE_DIR")
    if configured:
        return configured
    if sys.platform.startswith("linux"):
        base = env.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, "backcare")
    from platformdirs import user_cache_dir  # pragma: no cover - not the CI platform

    return user_cache_dir("backcare", appauthor=False)  # pragma: no cover
