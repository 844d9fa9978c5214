"""The command line's help in the catalogue's language: backcare's help texts and Click's own.

Typer builds each command's help from its docstring and its options' ``help=`` texts when
the command tree is made, in English, the source language. :func:`localised` translates
that tree in place just before it runs, through :mod:`backcare.i18n`, and lends the
catalogue to the words Click and Typer write themselves ("Usage:", "Options", "Show this
message and exit.", usage errors), which they otherwise take from Python's global gettext
domain. It gives them back afterwards, so nothing outside the run is changed.

:func:`extract_help` is the Babel extractor (``babel.cfg``) that puts the same texts in the
template: it walks the live command tree, so a help text is in the catalogue exactly as the
command shows it, and reads the message calls of the Click and Typer modules that write help
and usage errors.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from backcare.i18n import N_, gettext, ngettext

__all__ = ["extract_help", "help_texts", "localised"]

#: The Typer modules (and the Click Typer carries) whose words go through gettext.
FRAMEWORK_MODULES = ("typer._click.parser", "typer.core", "typer.rich_utils")
#: Words Typer's Click writes without gettext: given the catalogue here.
USAGE = N_("Usage:")
SHOW_HELP = N_("Show this message and exit.")
#: Typer's words kept in module constants, made once when Typer is imported.
_TYPER_CONSTANTS = (
    "DEPRECATED_STRING",
    "DEFAULT_STRING",
    "ENVVAR_STRING",
    "REQUIRED_SHORT_STRING",
    "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
)
_HELP_ATTRIBUTES = ("help", "short_help", "epilog")


def _commands(command: Any) -> Iterator[Any]:
    yield command
    subcommands = getattr(command, "commands", None)
    if isinstance(subcommands, dict):
        for name in sorted(subcommands):
            yield from _commands(subcommands[name])


def _help_option(command: Any) -> Any:
    """The command's ``--help`` option, made now (Click makes it on first use and keeps it)."""
    context = command.context_class(command, **(command.context_settings or {}))
    return command.get_help_option(context)


def _texts(command: Any) -> Iterator[tuple[Any, str, str]]:
    """``(owner, attribute, text)`` for every help text of the tree."""
    for each in _commands(command):
        for attribute in _HELP_ATTRIBUTES:
            text = getattr(each, attribute, None)
            if isinstance(text, str) and text.strip():
                yield each, attribute, text
        for parameter in (*each.params, _help_option(each)):
            text = getattr(parameter, "help", None)
            if isinstance(text, str) and text.strip():
                yield parameter, "help", text


def help_texts(command: Any) -> list[str]:
    """Every help text of ``command`` and its subcommands, in the order they are found."""
    return list(dict.fromkeys(text for _, _, text in _texts(command)))


@contextmanager
def localised(command: Any) -> Iterator[Any]:
    """``command`` with its help translated, and Click and Typer speaking the catalogue."""
    for owner, attribute, text in list(_texts(command)):
        setattr(owner, attribute, gettext(text))
    saved: list[tuple[Any, str, object]] = []
    formatter = importlib.import_module("typer._click.formatting").HelpFormatter
    write_usage = formatter.write_usage

    def translated_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, gettext(USAGE) + " " if prefix is None else prefix)

    saved.append((formatter, "write_usage", write_usage))
    formatter.write_usage = translated_usage
    for name in FRAMEWORK_MODULES:
        module = importlib.import_module(name)
        for attribute, ours in (("_", gettext), ("ngettext", ngettext)):
            if callable(getattr(module, attribute, None)):
                saved.append((module, attribute, getattr(module, attribute)))
                setattr(module, attribute, ours)
    rich = importlib.import_module("typer.rich_utils")
    for constant in _TYPER_CONSTANTS:
        english = getattr(rich, constant, None)
        if isinstance(english, str):
            saved.append((rich, constant, english))
            setattr(rich, constant, gettext(english))
    try:
        yield command
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


# --- the Babel extractor ------------------------------------------------------------------


def extract_help(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Any]:
    """Babel extractor: the command tree's help texts and Click's and Typer's own words.

    Mapped in ``babel.cfg`` to this module's file; the file's content is not read: the
    texts come from the commands as Typer builds them.
    """
    import typer
    from babel.messages.extract import extract_python

    from backcare.cli.app import app

    for text in help_texts(typer.main.get_command(app)):
        yield 0, None, text, []
    yield from extract_python(fileobj, {"N_": None}, [], {})  # this module's own words
    for name in FRAMEWORK_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None
        assert spec.origin is not None
        with Path(spec.origin).open("rb") as source:
            yield from extract_python(
                source, {"_": None, "gettext": None, "ngettext": (1, 2)}, [], {}
            )
