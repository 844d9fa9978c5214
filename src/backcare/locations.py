"""Where backcare keeps its files, and how it writes the private ones.

The command line's fast path needs the cache folder before it has imported
anything but the standard library, so the Linux rule (XDG, as ``platformdirs``
applies it; a test pins the two together) is written out here; other platforms
ask ``platformdirs``.

A diary is health data: the folders backcare creates for it are ``0700`` and the
files it writes (the database, exports, charts) ``0600``, whatever the umask, so
other users of a shared machine cannot read them. :func:`exposed` tells when an
existing file is readable by others (the store warns about it).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "cache_folder",
    "create_private_file",
    "exposed",
    "private_folder",
    "write_private",
]

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
_POSIX = os.name == "posix"


def private_folder(path: Path) -> None:
    """Create ``path`` and any missing parents, each new one ``0700`` (umask-independent).

    Folders that already exist keep their mode: they may be shared on purpose.

    Raises:
        OSError: a folder cannot be created.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        if _POSIX:
            folder.chmod(PRIVATE_FOLDER)  # mkdir's mode is masked by the umask


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode ``0600`` if it does not exist yet (else leave it).

    Raises:
        OSError: it cannot be created.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        if _POSIX:
            os.fchmod(descriptor, PRIVATE_FILE)
    finally:
        os.close(descriptor)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode ``0600`` (an existing file is made ``0600`` too).

    Raises:
        OSError: it cannot be written.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as file:
        if _POSIX and stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fchmod(descriptor, PRIVATE_FILE)
        file.write(data)


def exposed(path: Path) -> bool:
    """Whether ``path`` (an existing file) can be read or written by other users."""
    if not _POSIX:
        return False  # pragma: no cover - Windows has ACLs, not mode bits
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


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
