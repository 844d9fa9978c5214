"""The export commands: ``report`` (clinician report), ``reminders`` (iCalendar), ``kb fhir``.

:func:`register` adds them to the main ``backcare`` app. Each command parses its
options, calls a function of :mod:`backcare.export` and writes the result; there
is no clinical logic here. The file is written only once the export has been
built, so an error never leaves an empty or half-written file behind. Errors are
raised as :mod:`backcare.errors` for the main CLI to map to exit codes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from backcare.cli._options import DbOption, EpisodeOption
from backcare.errors import FieldProblem, InputError
from backcare.i18n import N_, gettext

__all__ = ["register"]

OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."),
]


# What each export is called in its messages (catalogue message ids).
_WHAT = {
    "report": (N_("the report"), N_("Report written to {path}.")),
    "calendar": (N_("the calendar"), N_("Calendar written to {path}.")),
    "FHIR bundle": (N_("the FHIR bundle"), N_("FHIR bundle written to {path}.")),
}


def _write(data: bytes, output: Path | None, *, binary: bool, what: str) -> None:
    """Write the finished export to ``output`` (or stdout) and say where it went."""
    name, written = (gettext(message) for message in _WHAT[what])
    if output is None:
        if binary and sys.stdout.isatty():
            raise InputError(
                gettext("{what} is binary: give a file to write it to").format(what=name),
                problems=[FieldProblem("--output", gettext("required for a PDF on a terminal"))],
            )
        from backcare.cli._terminal import to_stdout

        to_stdout(data)
        return
    try:
        from backcare.locations import write_private

        write_private(output, data)
    except OSError as exc:
        raise InputError(
            gettext("cannot write {what}").format(what=name),
            problems=[FieldProblem(str(output), exc.strerror or str(exc))],
        ) from exc
    print(written.format(path=output), file=sys.stderr)


def report(
    episode: EpisodeOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="YYYY-MM-DD", help="First day of the report (default: the onset)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="YYYY-MM-DD",
            help="Last day, inclusive (default: today, or the day the episode was resolved).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="pdf|html", help="File format.")] = "pdf",
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            metavar="TEXT",
            help="A question you want to ask the doctor; repeat for more (up to 6).",
        ),
    ] = None,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Write a one-to-two-page report of an episode for your doctor or physiotherapist."""
    from backcare.diary import open_diary
    from backcare.export.formats import ExportOptions, get_format

    if fmt.strip().lower() not in {"pdf", "html"}:
        raise InputError(
            gettext("unknown report format {format}").format(format=repr(fmt)),
            problems=[FieldProblem("--format", gettext("pdf or html"))],
        )
    chosen = get_format(fmt)
    options = ExportOptions(
        episode_id=episode, start=start, end=end, questions=tuple(question or ())
    )
    with open_diary(db) as diary:
        data = chosen.make(diary, options)
    _write(data, output, binary=chosen.binary, what="report")


def reminders(
    episode: EpisodeOption = None,
    days: Annotated[
        int, typer.Option("--days", metavar="N", help="How many days of reminders (1-60).")
    ] = 7,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="First day (default: today)."),
    ] = None,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Write the plan's reminders for the coming days as an iCalendar (.ics) file."""
    from backcare.diary import open_diary
    from backcare.export.formats import ExportOptions, export

    with open_diary(db) as diary:
        data = export(diary, "ics", ExportOptions(episode_id=episode, days=days, start=start))
    _write(data, output, binary=False, what="calendar")


def kb_fhir(output: OutputOption = None) -> None:
    """Write the knowledge base as FHIR R4 JSON: a PlanDefinition and its ActivityDefinitions."""
    from backcare.export.fhir_knowledge import export_knowledge_fhir

    _write(export_knowledge_fhir().encode("utf-8"), output, binary=False, what="FHIR bundle")


def _kb_group(app: typer.Typer) -> typer.Typer:
    """The app's ``kb`` group (made here if the app has none)."""
    for group in app.registered_groups:
        if group.name == "kb" and group.typer_instance is not None:
            return group.typer_instance
    kb = typer.Typer(help="Check and show the knowledge base (the protocol backcare runs).")
    app.add_typer(kb, name="kb")
    return kb


def register(app: typer.Typer) -> None:
    """Add ``report``, ``reminders`` and ``kb fhir`` to ``app`` (the main ``backcare`` app)."""
    app.command("report")(report)
    app.command("reminders")(reminders)
    _kb_group(app).command("fhir")(kb_fhir)
