"""The fast path of ``backcare assess --json``: standard library and the rules only.

Scripts call ``assess --json`` once per answer set, so a process's start-up is
the whole cost, and importing Typer and pydantic is more than ten times a bare
interpreter start. So the full command line, the first time it assesses with a
given knowledge base, code and settings, stores the compiled protocol (plain data,
:mod:`backcare.rules.protocol`) in the user cache; later runs load it with
:mod:`marshal`, read the answers with the policy's answer reader, decide, and print
what the engine's builder makes with plain parts. The output is byte for byte the
full path's (tests check).

Anything the fast path is not sure about - another command or option, no stored
protocol for this key, unreadable or doubtful input - goes to the full command
line, which validates with the contract model and reports errors the usual way.
The stored protocol holds no health data.
"""

from __future__ import annotations

import io
import json
import marshal
import os
import sys
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from backcare.locations import cache_folder
from backcare.rules.build import PLAIN, Builder
from backcare.rules.decide import FORMAT, Policy

__all__ = ["assess_json", "json_source", "protocol_key", "save_protocol"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Everything the compiled protocol is made from: the knowledge base, and the code that
# validates and compiles it.
_INPUTS = ("rules", "domain", "knowledge", os.path.join("knowledge", "data"))
# The settings the protocol is compiled with, by environment variable.
# The language too: the protocol holds a few catalogue words (the medicines' licence notes).
_SETTINGS = (
    "BACKCARE_EMERGENCY_NUMBER",
    "BACKCARE_WAKE_TIME",
    "BACKCARE_SLEEP_TIME",
    "BACKCARE_LANGUAGE",
)


def json_source(args: Sequence[str]) -> str | None:
    """``FILE`` or ``-`` when ``args`` are exactly ``assess --json FILE|-``, else ``None``."""
    if len(args) == 3 and args[0] == "assess" and args[1] == "--json":
        return args[2]
    if len(args) == 2 and args[0] == "assess" and args[1].startswith("--json="):
        return args[1][len("--json=") :]
    return None


def protocol_key(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The stored protocol's path and its full key (like a .pyc file's, by file stats).

    The key covers the package version, the Python version (marshal's format), the
    protocol format, the settings' raw values and the size and modification time of
    every knowledge-base and engine file, so an edit, an upgrade or another setting
    never reuses a stale protocol.
    """
    from backcare._version import __version__

    env = os.environ if environ is None else environ
    parts: list[object] = [FORMAT, __version__, sys.version, [env.get(n) for n in _SETTINGS]]
    for folder in _INPUTS:
        path = os.path.join(_PACKAGE, folder)
        with os.scandir(path) as entries:
            files = sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns)
                for e in entries
                if e.name.endswith((".py", ".yaml"))
            )
        parts.append((folder, files))
    key = repr(parts)
    name = f"protocol-{zlib.crc32(key.encode()) & 0xFFFFFFFF:08x}.marshal"
    return os.path.join(cache_folder(env), name), key


def _load_protocol() -> dict[str, Any] | None:
    try:
        path, key = protocol_key()
        with open(path, "rb") as handle:
            stored_key, protocol = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    # The full key is stored too, so a checksum collision cannot load the wrong protocol.
    return protocol if stored_key == key and isinstance(protocol, dict) else None


def save_protocol(protocol: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Store a protocol compiled with the settings of ``environ`` (the process's by default).

    Atomic (a reader never sees half a file); a read-only or full cache folder only
    costs speed.
    """
    try:
        path, key = protocol_key(environ)
        if os.path.exists(path):
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "wb") as handle:
            marshal.dump((key, dict(protocol)), handle)
        os.replace(partial, path)
    except OSError:
        pass


def assess_json(args: Sequence[str]) -> int | None:
    """Run ``assess --json`` without the full command line, or return ``None`` to use it.

    When it returns ``None`` after reading standard input, it puts the text back, so
    the full command line reads the same answers.
    """
    source = json_source(args)
    if source is None:
        return None
    protocol = _load_protocol()
    if protocol is None:
        return None
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            return None  # the full path reports it, naming the file
    policy = Policy(protocol)
    try:
        facts = policy.reader.read(json.loads(text))
    except (ValueError, RecursionError):  # the full path names the problem
        facts = None
    if facts is None:
        if source == "-":
            sys.stdin = io.StringIO(text)
        return None
    # The same policy and builder as the engine's, with plain parts instead of models.
    sys.stdout.write(Builder(policy, PLAIN).json_text(policy.decide(facts), indent=2) + "\n")
    return 0
