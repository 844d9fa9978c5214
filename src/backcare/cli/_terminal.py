"""Diary text made safe to print on a terminal.

Notes, summaries and activity names are stored as the person wrote them (minus NUL),
and a diary written by an older backcare may hold terminal escapes: ESC sequences
that retitle the window, clear the screen or write the clipboard (OSC 52), BEL, or
8-bit C1 controls. Every CLI view prints such text through :func:`printable`, which
drops them; the stored text is left alone. Machine-readable output (JSON, CSV,
iCalendar, HTML) goes out unchanged to a file or a pipe, and through
:func:`to_stdout`, which strips it only when standard output is a terminal.
"""

from __future__ import annotations

import sys

__all__ = ["printable", "to_stdout"]

# C0 controls but tab and newline, DEL, and the C1 controls.
_DROP = dict.fromkeys(c for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in (9, 10))


def printable(text: str) -> str:
    """``text`` without control characters other than tab and newline."""
    return text.translate(_DROP)


def to_stdout(data: bytes) -> None:
    """Write an export's bytes to standard output; on a terminal, without control characters.

    Exports are UTF-8 text (a PDF is refused on a terminal before it gets here).
    """
    if sys.stdout.isatty():
        data = printable(data.decode("utf-8", errors="replace")).encode()
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
