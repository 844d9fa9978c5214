"""Reading a file (or standard input) the person names on the command line.

Shared by the commands that take answers or a diary file, so every one reports an
unreadable, non-UTF-8 or malformed file the same way: an error naming the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from backcare.errors import FieldProblem, ImportFormatError, InputError, json_syntax
from backcare.i18n import N_
from backcare.i18n import gettext as _

__all__ = ["load_json", "read_text"]


def read_text(source: str, *, what: str) -> str:
    """The text of ``source`` (``-``: standard input), decoded as UTF-8."""
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            _("cannot read the {what}").format(what=_(what)),
            problems=[
                FieldProblem(
                    source,
                    _("not UTF-8 text (byte {byte}: {reason})").format(
                        byte=exc.start, reason=exc.reason
                    ),
                )
            ],
        ) from exc
    except OSError as exc:
        raise InputError(
            _("cannot read the {what}").format(what=_(what)),
            problems=[FieldProblem(source, exc.strerror or str(exc))],
        ) from exc


def load_json(source: str) -> Any:
    """The JSON answers in ``source`` (``-``: standard input)."""
    text = read_text(source, what=N_("answers"))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            _("the answers are not valid JSON"),
            problems=[
                FieldProblem(
                    source,
                    json_syntax(exc.msg, exc.lineno, exc.colno),
                )
            ],
        ) from exc
    except (RecursionError, ValueError) as exc:  # nested thousands deep; a huge integer
        raise InputError(
            _("the answers cannot be read"),
            problems=[FieldProblem(source, _("nested too deeply, or a number too large"))],
        ) from exc
