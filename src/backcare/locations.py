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
from typing import TypeVar

_T = TypeVar("_T")

__all__ = [
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "cache_folder",
    "create_private_file",
    "exposed",
    "private_folder",
    "read_cached",
    "write_cached",
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


# --- pickled caches (the validated knowledge base, the free-text pipeline) ----------------


def read_cached(path: Path | None, kind: type[_T]) -> _T | None:
    """The object pickled at ``path`` if it is a ``kind``; ``None`` when missing or stale.

    A cache file written by another version may name classes that have moved or changed:
    any such failure means "rebuild", never an error.
    """
    import pickle

    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            cached = pickle.load(handle)
    except (
        OSError,
        pickle.PickleError,
        EOFError,
        AttributeError,
        ImportError,  # a class the pickle names has moved since it was written
        TypeError,
        ValueError,
        KeyError,
    ):
        return None
    return cached if isinstance(cached, kind) else None


def write_cached(path: Path | None, value: object) -> None:
    """Pickle ``value`` to ``path`` atomically; a read-only or full folder only costs speed."""
    import pickle

    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # atomic: a reader never sees half a file
    except OSError:
        pass
