"""The ``backcare questionnaire list|fill|show`` commands: outcome questionnaires in a terminal.

``fill`` asks one item at a time (a number picks an answer, Enter leaves an optional
item blank, ``b`` goes back to the previous item) or reads every answer from
``--answers FILE`` (JSON: item id to answer value). Checking and scoring are done by
:class:`~backcare.diary.questionnaires.QuestionnaireService`; this module only asks
and renders. Errors are :mod:`backcare.errors` for the main CLI to map to exit codes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backcare.cli._options import DbOption, EpisodeOption
from backcare.cli._terminal import printable, to_stdout
from backcare.errors import FieldProblem, InputError
from backcare.i18n import format_when, ngettext
from backcare.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from backcare.diary import Diary
    from backcare.diary.questionnaires import QuestionnaireService, ScoredResponse
    from backcare.domain.questionnaire import QuestionnaireDefinition

__all__ = ["register", "render_questionnaire_lines", "response_data"]

questionnaire_app = typer.Typer(
    help="Fill in and show outcome questionnaires (STarT Back, Oswestry, Roland-Morris).",
    no_args_is_help=True,
)
_BACK = "b"


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _service(db: str | None) -> QuestionnaireService:
    from backcare.diary import open_diary
    from backcare.diary.questionnaires import QuestionnaireService

    return QuestionnaireService(open_diary(db))


def response_data(response: ScoredResponse) -> dict[str, Any]:
    """A stored response as JSON data: the answers and, when it scores, the scores and band."""
    record = response.record
    data: dict[str, Any] = {
        "id": record.id,
        "episode_id": record.episode_id,
        "questionnaire": record.questionnaire,
        "version": record.version,
        "answered_at": record.answered_at.isoformat(),
        "answers": record.answers,
    }
    if response.score is not None:
        data["scores"] = response.score.values
        data["band"] = response.score.band.id if response.score.band else None
    if response.problem is not None:
        data["problem"] = response.problem
    return data


@questionnaire_app.command("list")
def list_(db: DbOption = None) -> None:
    """List the questionnaires backcare can collect, with their licence notes."""
    from backcare.diary import open_diary

    with open_diary(db) as diary:
        definitions = diary.questionnaires.definitions
    lines: list[str] = []
    for definition in definitions:
        count = len(definition.items)
        lines += [
            ngettext("{id}: {title} ({count} item)", "{id}: {title} ({count} items)", count).format(
                id=definition.id, title=definition.title, count=count
            ),
            f"  {definition.description}",
            "  " + _("Licence: {terms}").format(terms=definition.licence.terms),
        ]
        if definition.licence.notice:
            lines.append(f"  {definition.licence.notice}")
    _console().file.write(printable("\n".join(lines)) + "\n")


def _load_answers(source: str) -> dict[str, Any]:
    from backcare.cli._files import load_json as _load_json

    data = _load_json(source)
    if not isinstance(data, dict):
        raise InputError(
            _("the answers must be a JSON object of item id to answer"),
            problems=[
                FieldProblem(
                    source, _("for example {example}").format(example='{"item1": "agree"}')
                )
            ],
        )
    return data


def _ask(console: Console, definition: QuestionnaireDefinition) -> dict[str, str | None]:
    """Ask item by item; ``b`` goes back one item."""
    console.print(f"[bold]{definition.title}[/]")
    console.print(printable(definition.instructions), markup=False)
    if definition.licence.notice:
        console.print(printable(definition.licence.notice), markup=False, style="dim")
    answers: dict[str, str | None] = {}
    index = 0
    items = definition.items
    while index < len(items):
        item = items[index]
        options = definition.options(item)
        console.print()
        step = _("{number} of {count}").format(number=index + 1, count=len(items))
        console.print(f"[bold]{step}[/]  {printable(item.text or item.label)}")
        for number, option in enumerate(options, 1):
            console.print(f"  {number} = {printable(option.label)}")
        hint = f"1-{len(options)}"
        if item.optional:
            hint += _(", Enter to leave blank")
        if index:
            hint += _(", {key} = back").format(key=_BACK)
        try:
            reply = console.input(_("Your answer ({hint}): ").format(hint=hint)).strip().lower()
        except EOFError:
            raise InputError(
                _("the answers ended before the {title} was finished").format(
                    title=definition.short_title
                ),
                problems=[FieldProblem(item.id, _("{item}: not answered").format(item=item.label))],
            ) from None
        if reply == _BACK and index:
            index -= 1
            continue
        if not reply and item.optional:
            answers[item.id] = None
            index += 1
            continue
        if reply.isdigit() and 1 <= int(reply) <= len(options):
            answers[item.id] = options[int(reply) - 1].value
            index += 1
            continue
        again = _("Please type a number from 1 to {count}.").format(count=len(options))
        console.print(f"[yellow]{again}[/]")
    return answers


def _render(console: Console, response: ScoredResponse, tz: Any) -> None:
    from backcare.diary.questionnaires import format_score

    when = format_when(response.record.answered_at.astimezone(tz), "weekday_date_time")
    console.print(f"[bold]{printable(response.title)}[/], {when}")
    if response.score is None or response.definition is None:
        problem = printable(response.problem or "")
        console.print("  " + _("Cannot be scored: {problem}").format(problem=problem), markup=False)
        return
    for spec in response.definition.scores:
        value = format_score(response.score.values[spec.id])
        unit = " %" if spec.method == "percent" else ""
        console.print(f"  {printable(spec.label)}: {value}{unit}", markup=False)
    band = response.score.band
    if band is not None:
        console.print(f"  [bold]{printable(band.label)}[/]: {printable(band.explanation)}")


def render_questionnaire_lines(console: Console, diary: Diary, records: Sequence[Any]) -> None:
    """One line per questionnaire filled in (for ``backcare history``; nothing when none)."""
    from backcare.diary.questionnaires import format_score, scored

    if not records:
        return
    lines = [_("Questionnaires: {count}").format(count=len(records))]
    for response in scored(records, diary.questionnaires):
        when = f"{response.record.answered_at.astimezone(diary.tz):%Y-%m-%d %H:%M}"
        if response.score is None or response.definition is None:
            lines.append(
                f"  {when}  "
                + _("{title}: cannot be scored ({problem})").format(
                    title=response.title, problem=response.problem
                )
            )
            continue
        values = ", ".join(
            f"{spec.label.lower()} {format_score(response.score.values[spec.id])}"
            + (" %" if spec.method == "percent" else "")
            for spec in response.definition.scores
        )
        band = f": {response.score.band.label}" if response.score.band else ""
        lines.append(f"  {when}  {response.title}, {values}{band}")
    console.file.write(printable("\n".join(lines)) + "\n")


@questionnaire_app.command("fill")
def fill(
    questionnaire: Annotated[str, typer.Argument(help="Which one: see `questionnaire list`.")],
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            metavar="FILE|-",
            help="Every answer as JSON (item id to answer value), instead of being asked.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="When you filled it in: HH:MM, 3h, 2d (ago) or an ISO date-time."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the saved response as JSON.")] = (
        False
    ),
    episode: EpisodeOption = None,
    db: DbOption = None,
) -> None:
    """Fill in a questionnaire and save it to the episode, then show its score."""
    from backcare.diary.inputs import parse_time

    service = _service(db)
    with service.diary as diary:
        definition = service.definition(questionnaire)
        console = _console()
        given: dict[str, Any] = (
            _load_answers(answers) if answers is not None else _ask(console, definition)
        )
        when = None if at is None else parse_time(at, now=diary.now(), tz=diary.tz)
        saved = service.record(definition.id, given, episode_id=episode, at=when)
        if as_json:
            to_stdout((json.dumps(response_data(saved), indent=2) + "\n").encode())
            return
        console.print()
        _render(console, saved, diary.tz)
        console.print(
            _("Saved to the diary. See them all with [bold]backcare questionnaire show[/].")
        )


@questionnaire_app.command("show")
def show(
    questionnaire: Annotated[
        str | None, typer.Argument(help="Only this questionnaire (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the responses as JSON.")] = False,
    episode: EpisodeOption = None,
    db: DbOption = None,
) -> None:
    """Show the questionnaires filled in during an episode, with their scores and bands."""
    service = _service(db)
    with service.diary as diary:
        if questionnaire is not None:
            service.definition(questionnaire)  # an unknown id is an error, not "none yet"
        responses = service.responses(episode, questionnaire=questionnaire)
        if as_json:
            data = [response_data(r) for r in responses]
            to_stdout((json.dumps(data, indent=2) + "\n").encode())
            return
        console = _console()
        if not responses:
            console.print(
                _("No questionnaires yet: fill one in with backcare questionnaire fill ID.")
            )
            return
        for response in responses:
            _render(console, response, diary.tz)


def register(app: typer.Typer) -> None:
    """Add ``questionnaire`` to ``app`` (the main ``backcare`` Typer app)."""
    app.add_typer(questionnaire_app, name="questionnaire")
