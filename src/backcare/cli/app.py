"""Typer application: the commands of ``backcare``.

Each command builds the core object, calls it and renders the result. Heavy
modules (Rich rendering) are imported inside the commands that use them, so the
scriptable ``assess --json`` path stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backcare.cli._options import EMERGENCY_EXIT_STATUS
from backcare.errors import FieldProblem, InputError, json_syntax

if TYPE_CHECKING:
    from backcare.rules.assessor import Engine

__all__ = ["EMERGENCY_EXIT_STATUS", "app"]


app = typer.Typer(
    name="backcare",
    help=(
        "Red-flag triage and a self-care plan for acute back muscle spasm. "
        "Run without a command for the interactive assessment. "
        "Not a substitute for a doctor."
    ),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Check and show the knowledge base (the protocol backcare runs).")
app.add_typer(kb_app, name="kb")


@app.callback(invoke_without_command=True)
def interactive(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Diary database URL, for starting an episode afterwards."),
    ] = None,
) -> None:
    """Interactive assessment: most dangerous questions first, then the plan.

    Exits with status 10 when the result is an emergency.
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.prompt import Confirm

    from backcare.cli.interactive import run_interactive
    from backcare.cli.render import ANSWER_INTERACTIVELY, render_assessment
    from backcare.domain.enums import TriageLevel
    from backcare.i18n import gettext
    from backcare.rules.assessor import default_engine

    console = Console()
    result = run_interactive(console, default_engine())
    console.print()
    render_assessment(console, result.assessment, answer_hint=ANSWER_INTERACTIVELY)
    if result.assessment.triage.level is TriageLevel.EMERGENCY:
        raise typer.Exit(EMERGENCY_EXIT_STATUS)
    offer = gettext(
        "Start an episode diary with these answers, so you can check in and track progress?"
    )
    if Confirm.ask(offer, console=console, default=True):
        from backcare.cli.diary import start_with_answers
        from backcare.diary import open_diary

        with open_diary(db) as diary:
            # An active episode: ask whether to update it or close it and start anew.
            start_with_answers(
                console, diary, result.answers, choice=None, interactive=True, show_triage=False
            )


def _read_json(source: str) -> Any:
    """Read JSON from a file path or ``-`` (standard input)."""
    from backcare.i18n import gettext

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            gettext("cannot read the answers"),
            problems=[FieldProblem(source, exc.strerror or str(exc))],
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            gettext("cannot read the answers"),
            problems=[
                FieldProblem(
                    source,
                    gettext("not UTF-8 text (byte {byte}: {reason})").format(
                        byte=exc.start, reason=exc.reason
                    ),
                )
            ],
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            gettext("the answers are not valid JSON"),
            problems=[
                FieldProblem(
                    source,
                    json_syntax(exc.msg, exc.lineno, exc.colno),
                )
            ],
        ) from exc
    except (RecursionError, ValueError) as exc:  # nested thousands deep; a huge integer
        raise InputError(
            gettext("the answers cannot be read"),
            problems=[FieldProblem(source, gettext("nested too deeply, or a number too large"))],
        ) from exc


@app.command()
def assess(
    json_source: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="FILE|-",
            help="Read answers (JSON contract v1) from FILE or - for stdin; print the result "
            "as JSON.",
        ),
    ] = None,
    input_source: Annotated[
        str | None,
        typer.Option(
            "--input", metavar="FILE|-", help="Read answers from FILE or -; print it readably."
        ),
    ] = None,
) -> None:
    """Assess answers given as JSON (the scriptable twin of the interactive assessment)."""
    from backcare.i18n import gettext
    from backcare.rules.assessor import default_engine

    if (json_source is None) == (input_source is None):
        raise InputError(
            gettext("give exactly one of --json FILE|- or --input FILE|-"),
            problems=[FieldProblem("--json", gettext("required (or use --input)"))],
        )
    source = json_source if json_source is not None else input_source
    assert source is not None
    engine = default_engine()
    assessment = engine.assess(_read_json(source))
    if json_source is not None:
        sys.stdout.write(assessment.model_dump_json(indent=2) + "\n")
        _keep_protocol(engine)
        return
    from rich.console import Console

    from backcare.cli.render import answer_in_file, render_assessment

    render_assessment(Console(), assessment, answer_hint=answer_in_file(source))


def _keep_protocol(engine: Engine) -> None:
    """Store the compiled protocol for the fast path, if it matches this process's settings."""
    from backcare.cli.fast import save_protocol
    from backcare.settings import get_settings

    if engine.settings == get_settings():
        save_protocol(engine.protocol)


@kb_app.command("check")
def kb_check(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Check the YAML files in this folder, not the shipped ones."),
    ] = None,
) -> None:
    """Validate the knowledge base and the free-text vocabulary; print the entry counts."""
    from backcare.i18n import gettext
    from backcare.knowledge.loader import load_knowledge_base
    from backcare.text import check_vocabulary, load_vocabulary

    kb = load_knowledge_base(directory)
    counts = {section: len(getattr(kb, section)) for section in type(kb).model_fields}
    # The free-text vocabulary is reviewed clinical content too (docs/free-text.md).
    vocabulary_file = directory / "vocabulary" / "en.yaml" if directory else None
    if vocabulary_file is None or vocabulary_file.exists():
        vocabulary = load_vocabulary(vocabulary_file)
        check_vocabulary(
            vocabulary,
            sources={s.id for s in kb.sources},
            medicines={m.id for m in kb.medicines},
        )
        counts["vocabulary (en)"] = len(vocabulary.concepts)
    width = max(len(s) for s in counts)
    for section, count in counts.items():
        print(f"{section:<{width}}  {count:>4}")
    print(gettext("knowledge base OK: {count} entries").format(count=sum(counts.values())))


@kb_app.command("show")
def kb_show(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the Markdown to this file.")
    ] = None,
) -> None:
    """Render the whole protocol as Markdown (committed as docs/protocol.md)."""
    from backcare.knowledge.document import render_markdown
    from backcare.knowledge.loader import load_knowledge_base

    text = render_markdown(load_knowledge_base())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def version() -> None:
    """Print backcare's version."""
    from backcare import __version__

    print(f"backcare {__version__}")


def _register_extensions() -> None:
    """Add the command groups that live in their own modules (each imports lazily)."""
    from backcare.cli import coach, diary, extract, questionnaire, reports, server, web, worker

    diary.register(app)
    extract.register(app)
    coach.register(app)
    reports.register(app)
    web.register(app)
    questionnaire.register(app)
    server.register(app)
    worker.register(app)


_register_extensions()
