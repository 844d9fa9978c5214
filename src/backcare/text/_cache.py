"""A disk cache of the built free-text pipeline, beside the knowledge-base cache.

Building the pipeline parses and validates the vocabulary, loads the knowledge base to
check it, and tokenises a few thousand phrases into matchers; unpickling the finished
pipeline costs about half of that. The key is the hash of the vocabulary file and of the
two knowledge-base files the check reads (sources and medicines), the size and time of
the code the pickle is made of, and the backcare, spaCy, negspacy, spacy-lookups-data
and Python versions: an edited phrase list, a moved class or an upgrade rebuilds it (and
re-runs the check) rather than loading a stale copy. The file holds no health data, and
a missing, corrupt or unwritable cache only costs speed.
"""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from backcare.locations import read_cached, write_cached

if TYPE_CHECKING:
    from backcare.text._pipeline import Pipeline

__all__ = ["cache_path", "read_cache", "write_cache"]

_PREFIX = "text-pipeline-"


def cache_path(language: str = "en") -> Path | None:
    """Cache file for the built pipeline of ``language``; ``None`` when the key cannot be read."""
    from backcare._version import __version__
    from backcare.settings import cache_directory

    data = Path(str(resources.files("backcare.knowledge") / "data"))
    code = Path(__file__).parent
    digest = hashlib.sha256()
    try:
        for path in (
            data / "vocabulary" / f"{language}.yaml",
            data / "sources.yaml",
            data / "medicines.yaml",
        ):
            digest.update(path.read_bytes())
        for path in sorted(code.glob("*.py")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        versions = [metadata.version(name) for name in ("spacy", "negspacy", "spacy-lookups-data")]
    except (OSError, metadata.PackageNotFoundError):
        return None
    digest.update(repr([__version__, *versions, sys.version, language]).encode())
    return cache_directory() / f"{_PREFIX}{digest.hexdigest()[:16]}.pickle"


def read_cache(path: Path | None) -> Pipeline | None:
    """The cached pipeline, or ``None`` when it is missing, stale or unreadable."""
    from backcare.text._pipeline import Pipeline

    return read_cached(path, Pipeline)


def write_cache(path: Path | None, pipeline: Pipeline) -> None:
    """Store ``pipeline`` atomically; a read-only or full cache folder only costs speed."""
    write_cached(path, pipeline)
