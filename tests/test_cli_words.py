"""The command line's help through the catalogue: every text is found, and nothing leaks."""

from __future__ import annotations

import contextlib
import io

import typer
import typer.rich_utils
from tests.pseudo_locale import PseudoTranslations, pseudo

from backcare.cli import main
from backcare.cli._words import help_texts, localised
from backcare.cli.app import app
from backcare.i18n import installed


def test_the_help_texts_include_docstrings_options_and_groups() -> None:
    texts = help_texts(typer.main.get_command(app))
    assert "Show this message and exit." in texts
    assert any(t.startswith("Check in: pain, function") for t in texts)  # a docstring
    assert "Worst pain since the last check-in." in texts  # an option's help
    assert "Hosted mode's audit log." in texts  # a group's help


def test_help_is_shown_in_the_catalogue_language() -> None:
    out = io.StringIO()
    with installed("en", PseudoTranslations()), contextlib.redirect_stdout(out):
        assert main(["checkin", "--help"]) == 0
    shown = " ".join(out.getvalue().split())
    assert pseudo("Usage:") in shown
    assert pseudo("Options") in shown
    assert pseudo("A note for this check-in.") in shown


def test_the_framework_gets_its_own_words_back_after_a_run() -> None:
    formatter = typer.main.get_command(app).context_class.formatter_class
    write_usage = formatter.write_usage
    with installed("en", PseudoTranslations()):
        with localised(typer.main.get_command(app)):
            assert pseudo("Options") == typer.rich_utils.OPTIONS_PANEL_TITLE
        assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Options"
    assert formatter.write_usage is write_usage
