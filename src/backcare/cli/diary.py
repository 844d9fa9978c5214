"""The diary commands: ``episode start|show|resolve``, ``checkin``, ``history``, ``trend``,
``plan``, ``export`` and ``import``.

:func:`register` adds them to the main ``backcare`` app. Each command parses its
options (with the shared parsers of :mod:`backcare.diary.inputs`), calls a
:class:`~backcare.diary.Diary` use-case and renders the result; there is no SQL
and no clinical logic here. Errors are raised as :mod:`backcare.errors` for the
main CLI to map to exit codes. Every command takes ``--db URL``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backcare.cli._terminal import printable, to_stdout
from backcare.cli.options import DbOption, EpisodeOption
from backcare.domain.enums import Trigger
from backcare.errors import DoseLimitError, FieldProblem, ImportFormatError, InputError
from backcare.i18n import gettext, label, ngettext

if TYPE_CHECKING:
    from rich.console import Console

    from backcare.diary import CheckInEntry, CheckInResult, Diary, TrendReport

__all__ = ["register"]


_LEVEL_STYLE = {
    "self_care": "green",
    "see_doctor": "cyan",
    "urgent": "bold yellow",
    "emergency": "bold red",
}


def _open(db: str | None) -> Diary:
    from backcare.diary import open_diary

    return open_diary(db)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _when(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%a %d %b %Y %H:%M")


def _read_text(source: str, *, what: str) -> str:
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"the {what} is not UTF-8 text", problems=[FieldProblem(source, str(exc))]
        ) from exc
    except OSError as exc:
        raise InputError(
            f"cannot read the {what}", problems=[FieldProblem(source, exc.strerror or str(exc))]
        ) from exc


# --- episode ----------------------------------------------------------------------------

episode_app = typer.Typer(
    help="Start, show and resolve an episode of back spasm.", no_args_is_help=True
)


@episode_app.command("start")
def episode_start(
    onset: Annotated[
        str | None,
        typer.Option(help="When it began: now, HH:MM, 3h, 2d (ago) or an ISO date-time."),
    ] = None,
    trigger: Annotated[Trigger | None, typer.Option(help="What set it off.")] = None,
    pain: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain now, 0-10 (the baseline).")
    ] = None,
    age: Annotated[int | None, typer.Option(min=0, max=120, help="Your age.")] = None,
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers", metavar="FILE|-", help="More intake answers as JSON (contract v1)."
        ),
    ] = None,
    flag: Annotated[
        list[str] | None,
        typer.Option("--flag", metavar="KEY=yes|no", help="A red-flag or history answer."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Start an episode: record when and how it began and assess it."""
    from backcare.cli.render import ANSWER_AT_CHECKIN, render_triage
    from backcare.diary.inputs import parse_flags, parse_time
    from backcare.domain.verdict import unanswered_safety_questions

    data: dict[str, Any] = {}
    if answers is not None:
        loaded = _load_json(answers)
        if not isinstance(loaded, dict):
            raise InputError(
                "the answers must be a JSON object", problems=[FieldProblem(answers, "")]
            )
        data.update(loaded)
    for key, value in (("pain", pain), ("age", age)):
        if value is not None:
            data[key] = value
    for group, values in (parse_flags(flag or ()) or {}).items():
        data[group] = {**data.get(group, {}), **values}
    with _open(db) as diary:
        when = None if onset is None else parse_time(onset, now=diary.now(), tz=diary.tz)
        start = diary.start_episode(onset=when, trigger=trigger, answers=data)
        console = _console()
        episode = start.episode
        console.print(
            f"[bold]Episode {episode.id} started[/] (onset {_when(episode.onset_at, diary.tz)})."
        )
        render_triage(
            console,
            start.assessment.triage,
            questions=unanswered_safety_questions(start.assessment),
            answer_hint=ANSWER_AT_CHECKIN,
        )
        console.print("Check in as often as you like: [bold]backcare checkin[/].")


def _load_json(source: str) -> Any:
    text = _read_text(source, what="answers")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "the answers are not valid JSON",
            problems=[FieldProblem(source, f"line {exc.lineno} column {exc.colno}: {exc.msg}")],
        ) from exc
    except (RecursionError, ValueError) as exc:  # nested thousands deep; a huge integer
        raise InputError(
            "the answers cannot be read",
            problems=[FieldProblem(source, "nested too deeply, or a number too large")],
        ) from exc


@episode_app.command("show")
def episode_show(
    episode_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="Default: the active episode.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Show an episode: how it began, where it stands, and its summary once resolved."""
    with _open(db) as diary:
        history = diary.history(episode_id)
        report = diary.trend_of(history)
        episode = history.episode
        console = _console()
        status = label("episode_status", episode.status).lower()
        console.print(f"[bold]{gettext('Episode {id}').format(id=episode.id)}[/] ({status})")
        rows = [(gettext("began"), _when(episode.onset_at, diary.tz))]
        if episode.trigger:
            rows.append((gettext("trigger"), label("trigger", episode.trigger)))
        if episode.resolved_at is not None:
            rows.append((gettext("resolved"), _when(episode.resolved_at, diary.tz)))
        rows.append((gettext("check-ins"), str(len(history.checkins))))
        width = max(len(name) for name, _value in [*rows, (gettext("triage"), "")]) + 2
        for name, value in rows:
            console.print(f"  {name.ljust(width)}{value}", markup=False)
        level = (
            history.checkins[-1].triage_level.value
            if history.checkins
            else str(episode.assessment.get("triage", {}).get("level", "self_care"))
        )
        triage = gettext("triage").ljust(width)
        console.print(f"  {triage}[{_LEVEL_STYLE.get(level, '')}]{label('level', level)}[/]")
        for line in report.lines():
            console.print(f"  {printable(line)}", markup=False)
        if episode.summary:
            console.rule(gettext("Summary"))
            console.print(printable(episode.summary), markup=False)


@episode_app.command("resolve")
def episode_resolve(
    episode_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="Default: the active episode.")
    ] = None,
    summary: Annotated[
        str | None, typer.Option(help="Your own summary (default: backcare writes one).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Close an episode with a summary of how it went."""
    with _open(db) as diary:
        episode = diary.resolve(episode_id, summary=summary)
        console = _console()
        console.print(f"[bold]{gettext('Episode {id} resolved.').format(id=episode.id)}[/]")
        console.print(printable(episode.summary or ""), markup=False)


# --- checkin ----------------------------------------------------------------------------


def checkin(
    pain: Annotated[
        int | None,
        typer.Option(
            min=0, max=10, help="Pain now, 0-10. Without it, a terminal asks each question."
        ),
    ] = None,
    worst: Annotated[
        int | None, typer.Option(min=0, max=10, help="Worst pain since the last check-in.")
    ] = None,
    activity: Annotated[
        list[str] | None,
        typer.Option(
            "--activity",
            metavar="NAME=SCORE",
            help="A hard activity rated 0 (unable) to 10 (as before); up to 3 (PSFS).",
        ),
    ] = None,
    did: Annotated[
        list[str] | None,
        typer.Option(
            "--did",
            metavar="ice|heat|walk|exercises[=N]",
            help="Self-care done since the last check-in; repeat or add =N for a count.",
        ),
    ] = None,
    med: Annotated[
        list[str] | None,
        typer.Option(
            "--med",
            metavar="DRUG:MG[@HH:MM]",
            help="A medicine dose taken (checked against its label limits first).",
        ),
    ] = None,
    override_dose: Annotated[
        bool,
        typer.Option(
            "--override-dose",
            help="Record a dose even though it breaks a limit (the override is recorded).",
        ),
    ] = False,
    flag: Annotated[
        list[str] | None,
        typer.Option(
            "--flag",
            metavar="KEY=yes|no",
            help="A new or changed answer, e.g. saddle_numbness=yes or recurrent_same_spot=yes.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for this check-in.")] = None,
    at: Annotated[
        str | None,
        typer.Option(help="When this check-in was (default now): HH:MM, 3h, or ISO."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Check in: pain, function, self-care done, medicines, new symptoms. Triage re-runs."""
    from backcare.diary import CheckInEntry
    from backcare.diary.inputs import (
        combine_actions,
        parse_action,
        parse_activity,
        parse_dose,
        parse_flags,
        parse_time,
    )

    with _open(db) as diary:
        console = _console()
        now, tz = diary.now(), diary.tz
        if pain is None:
            if not _interactive():
                raise InputError(
                    "give --pain (or run in a terminal to be asked each question)",
                    problems=[FieldProblem("--pain", "required when not interactive")],
                )
            entry = _ask_checkin(console, diary)
            interactive = True
        else:
            entry = CheckInEntry(
                pain=pain,
                worst_pain=worst,
                activities=tuple(parse_activity(a) for a in activity or ()),
                actions=combine_actions(parse_action(d) for d in did or ()),
                doses=tuple(parse_dose(m, now=now, tz=tz) for m in med or ()),
                answers=parse_flags(flag or ()),
                note=note,
                at=None if at is None else parse_time(at, now=now, tz=tz),
            )
            interactive = False
        result = _record(console, diary, entry, override=override_dose, interactive=interactive)
        _render_checkin(console, diary, result)
        if result.resolution.met and interactive:
            from rich.prompt import Confirm

            if Confirm.ask("Resolve this episode now?", console=console, default=True):
                episode = diary.resolve()
                console.print(f"[bold]Episode {episode.id} resolved.[/]")
                console.print(printable(episode.summary or ""), markup=False)


def _interactive() -> bool:
    """Whether a person is typing (standard input is a terminal)."""
    return sys.stdin.isatty()


def _record(
    console: Console, diary: Diary, entry: CheckInEntry, *, override: bool, interactive: bool
) -> CheckInResult:
    try:
        return diary.check_in(entry, override_dose_limits=override)
    except DoseLimitError as exc:
        if not interactive:
            print(
                "backcare: add --override-dose to record it anyway (the override is recorded).",
                file=sys.stderr,
            )
            raise
        from rich.prompt import Confirm

        console.print(f"[bold red]{exc.message}[/]")
        for problem in exc.problems:
            console.print(f"  • {problem}")
        if not Confirm.ask(
            "Record it anyway? This overrides a safety limit", console=console, default=False
        ):
            raise
        return diary.check_in(entry, override_dose_limits=True)


def _ask_int(console: Console, question: str, *, required: bool) -> int | None:
    from rich.prompt import Prompt

    while True:
        answer = Prompt.ask(question, console=console, default="" if not required else None)
        if answer is None or (answer.strip() == "" and not required):
            return None
        try:
            value = int(answer)
        except ValueError:
            value = -1
        if 0 <= value <= 10:
            return value
        console.print("[red]Please type a whole number from 0 to 10.[/]")


def _ask_checkin(console: Console, diary: Diary) -> CheckInEntry:
    from rich.prompt import Confirm, Prompt

    from backcare.diary import ActivityScore, CheckInEntry, SelfCareAction
    from backcare.diary.inputs import combine_actions, parse_action, parse_dose

    pain = _ask_int(console, "Pain now (0 = none, 10 = worst imaginable)", required=True)
    assert pain is not None
    worst = _ask_int(console, "Worst pain since your last check-in (Enter to skip)", required=False)
    activities: list[ActivityScore] = []
    names = list(diary.recent_activities())
    if not names:
        for _ in range(3):
            name = Prompt.ask(
                "Name an activity your back makes hard (Enter to skip)", console=console, default=""
            ).strip()
            if not name:
                break
            names.append(name)
    for name in names:
        score = _ask_int(
            console, f"How well can you do '{name}' now? 0 = unable, 10 = as before", required=False
        )
        if score is not None:
            activities.append(ActivityScore(name, score))
    actions = []
    for action in SelfCareAction:
        count = Prompt.ask(
            f"Times you used {action.value} since last check-in (Enter for none)",
            console=console,
            default="",
        ).strip()
        if count and count != "0":
            actions.append(parse_action(f"{action.value}={count}"))
    doses = []
    while True:
        text = Prompt.ask(
            "Medicine taken, e.g. ibuprofen:200@14:30 (Enter when done)",
            console=console,
            default="",
        ).strip()
        if not text:
            break
        try:
            doses.append(parse_dose(text, now=diary.now(), tz=diary.tz))
        except InputError as exc:
            console.print(f"[red]{exc}[/]")
    answers: dict[str, dict[str, bool]] = {}
    if Confirm.ask(
        "Any new or changed symptoms since last time (numbness, bladder or bowel changes, "
        "leg weakness, fever...)?",
        console=console,
        default=False,
    ):
        for question in diary.checkin_questions():
            reply = Prompt.ask(
                question.question, console=console, choices=["yes", "no", "skip"], default="skip"
            )
            if reply != "skip":
                group, _, name = question.answer.partition(".")
                answers.setdefault(group, {})[name] = reply == "yes"
            if reply == "yes" and question.level.value == "emergency":
                break  # do not keep someone answering questions in an emergency
    note = Prompt.ask("Note (Enter to skip)", console=console, default="").strip() or None
    return CheckInEntry(
        pain=pain,
        worst_pain=worst,
        activities=tuple(activities),
        actions=combine_actions(actions),
        doses=tuple(doses),
        answers=answers or None,
        note=note,
    )


def _render_checkin(console: Console, diary: Diary, result: CheckInResult) -> None:
    from backcare.cli.render import ANSWER_AT_CHECKIN, render_emergency, render_triage
    from backcare.domain.verdict import INCOMPLETE, unanswered_safety_questions, verdict_state

    checkin = result.checkin
    triage = result.assessment.triage
    if triage.emergency is not None:
        render_emergency(console, triage)
    console.print(
        f"[bold]Check-in recorded[/] ({_when(checkin.recorded_at, diary.tz)}, "
        f"day {checkin.days_of_self_care})."
    )
    if result.pain is None:
        console.print(f"Pain {checkin.pain}: this is your baseline.")
    else:
        console.print(result.pain.describe().capitalize())
    if result.function is not None:
        console.print(printable(result.function.describe().capitalize()), markup=False)
    for dose in result.doses:
        line = f"Logged {dose.name} {dose.mg} mg at {_when(dose.taken_at, diary.tz)}"
        if not dose.allowed:
            line += " [bold red](limit overridden: " + "; ".join(
                p.limit.value for p in dose.problems
            )
            line += ")[/]"
        console.print(line + ".")
        for warning in dose.warnings:
            console.print(f"  [yellow]⚠ {warning}[/]")
    questions = unanswered_safety_questions(result.assessment)
    if verdict_state(triage) == INCOMPLETE:
        # Never "carry on with self-care" while safety questions are unanswered.
        render_triage(console, triage, questions=questions, answer_hint=ANSWER_AT_CHECKIN)
    else:
        style = _LEVEL_STYLE[result.escalation.level.value]
        console.print(f"[{style}]{result.escalation.headline()}[/]")
        if result.escalation.needs_care and triage.emergency is None:
            render_triage(console, triage, questions=questions, answer_hint=ANSWER_AT_CHECKIN)
    console.print(result.resolution.describe())
    if result.resolution.met:
        console.print("Close it with [bold]backcare episode resolve[/].")


# --- history, trend, plan ---------------------------------------------------------------


def history(
    episode: EpisodeOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the episode as JSON (export format).")
    ] = False,
    last: Annotated[int | None, typer.Option(min=1, help="Show only the last N check-ins.")] = None,
    db: DbOption = None,
) -> None:
    """List the check-ins and exercise sessions of an episode: pain, function, self-care,
    medicines, triage, and what was done in the coach."""
    with _open(db) as diary:
        loaded = diary.history(episode)
        checkins = loaded.checkins[-last:] if last else loaded.checkins
        sessions = loaded.coach_sessions[-last:] if last else loaded.coach_sessions
        if as_json:
            from backcare.diary.transfer import episode_data

            data = episode_data(loaded.episode, checkins, loaded.doses, sessions)
            to_stdout((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
            return
        console = _console()
        _render_history(console, diary, loaded.episode.id, checkins)
        _render_sessions(console, diary, sessions)
        _render_unanswered(console, diary.plan(loaded.episode.id))


def _render_sessions(console: Console, diary: Diary, sessions: Sequence[Any]) -> None:
    """One line per exercise-coach session (nothing when there are none)."""
    if not sessions:
        return
    lines = [gettext("Exercise sessions: {count}").format(count=len(sessions))]
    for session in sessions:
        done = sum(e.completed for e in session.exercises)
        if session.stopped_for_symptom and session.symptom is not None:
            outcome = gettext("stopped: {symptom}").format(
                symptom=label("symptom", session.symptom)
            )
        elif session.quit_early:
            outcome = gettext("stopped early")
        else:
            outcome = gettext("finished")
        pain = ""
        if session.pain_before is not None and session.pain_after is not None:
            pain = ", " + gettext("pain {before} → {after}").format(
                before=session.pain_before, after=session.pain_after
            )
        elif session.pain_before is not None:
            pain = ", " + gettext("pain {before}").format(before=session.pain_before)
        elif session.pain_after is not None:
            pain = ", " + gettext("pain after {after}").format(after=session.pain_after)
        summary = gettext(
            "{done} of {planned} exercises done, {holds} holds, {minutes} min{pain}: {outcome}"
        ).format(
            done=done,
            planned=len(session.exercises),
            holds=session.reps_done,
            minutes=round(session.active_seconds / 60),
            pain=pain,
            outcome=outcome,
        )
        lines.append(f"  {session.started_at.astimezone(diary.tz):%Y-%m-%d %H:%M}  {summary}")
    console.file.write("\n".join(lines) + "\n")


def _render_unanswered(console: Console, assessment: Any) -> None:
    """Below the history: the safety questions still unanswered, and how to answer them.

    Each check-in's stored level is what its answers gave; while questions are open,
    "self-care" there only means nothing answered pointed higher.
    """
    from backcare.cli.render import ANSWER_AT_CHECKIN, render_triage
    from backcare.domain.verdict import unanswered_safety_questions

    if assessment.triage.complete:
        return
    render_triage(
        console,
        assessment.triage,
        questions=unanswered_safety_questions(assessment),
        answer_hint=ANSWER_AT_CHECKIN,
    )


def _render_history(
    console: Console, diary: Diary, episode_id: int, checkins: Sequence[Any]
) -> None:
    """A plain aligned table, one line per check-in (Rich's Table is too slow for years)."""
    if not checkins:
        console.print(
            gettext("Episode {id}: no check-ins yet (backcare checkin).").format(id=episode_id)
        )
        return
    headers = (
        gettext("When"),
        gettext("Day"),
        gettext("Pain"),
        gettext("Worst"),
        "PSFS",
        gettext("Triage"),
        gettext("Did"),
        gettext("Medicines"),
        gettext("Note"),
    )
    right = {1, 2, 3, 4}
    rows: list[tuple[str, ...]] = []
    levels: list[str] = []
    tz = diary.tz
    for c in checkins:
        psfs = (
            f"{sum(a.score for a in c.activities) / len(c.activities):.1f}" if c.activities else ""
        )
        did = ", ".join(
            f"{label('action', a.action)}×{a.count}" if a.count > 1 else label("action", a.action)
            for a in c.actions
        )
        meds = ", ".join(
            f"{_medicine_name(d.drug)} {d.mg}{'!' if d.overridden else ''}" for d in c.doses
        )
        level = c.triage_level.value
        levels.append(level)
        rows.append(
            (
                c.recorded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                str(c.days_of_self_care),
                str(c.pain),
                "" if c.worst_pain is None else str(c.worst_pain),
                psfs,
                label("level", level),
                did,
                printable(meds),
                " ".join(printable(c.note or "").split()),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def cells(values: Sequence[str], start: int, stop: int) -> str:
        return " ".join(
            v.rjust(widths[i]) if i in right else v.ljust(widths[i])
            for i, v in enumerate(values[start:stop], start)
        )

    paint = _painter(console)
    lines = [
        paint(
            ngettext(
                "Episode {id}: {count} check-in", "Episode {id}: {count} check-ins", len(rows)
            ).format(id=episode_id, count=len(rows)),
            "bold",
        ),
        paint(cells(headers, 0, len(headers)).rstrip(), "bold underline"),
    ]
    lines += [
        cells(values, 0, 5)
        + " "
        + paint(values[5].ljust(widths[5]), _LEVEL_STYLE[level])
        + (" " + cells(values, 6, len(headers))).rstrip()
        for values, level in zip(rows, levels, strict=True)
    ]
    console.file.write("\n".join(lines) + "\n")


def _painter(console: Console) -> Callable[[str, str], str]:
    """Style text for ``console`` with ANSI codes directly (plain when it has no colours)."""
    from rich.color import ColorSystem
    from rich.style import Style

    systems = {
        "standard": ColorSystem.STANDARD,
        "256": ColorSystem.EIGHT_BIT,
        "truecolor": ColorSystem.TRUECOLOR,
        "windows": ColorSystem.WINDOWS,
    }
    system = systems.get(console.color_system or "")
    if system is None:
        return lambda text, style: text
    styles: dict[str, Style] = {}

    def paint(text: str, style: str) -> str:
        parsed = styles.get(style) or styles.setdefault(style, Style.parse(style))
        return parsed.render(text, color_system=system)

    return paint


def trend(
    episode: EpisodeOption = None,
    png: Annotated[
        Path | None, typer.Option("--png", metavar="FILE", help="Also draw the chart to a PNG.")
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", metavar="FILE", help="Also draw the chart to an SVG.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the trend as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """How the episode is going: pain and function against the baseline, with a chart."""
    from backcare.diary.charts import PainPoint, pain_columns, render_text, save_image

    with _open(db) as diary:
        loaded = diary.history(episode)
        report = diary.trend_of(loaded)
        points = [PainPoint(c.recorded_at, c.pain, c.worst_pain) for c in loaded.checkins]
        baseline = report.pain.baseline if report.pain is not None else None
        for path, fmt in ((png, "png"), (svg, "svg")):
            if path is not None:
                save_image(points, path, fmt=fmt, tz=diary.tz, baseline=baseline)
        if as_json:
            to_stdout((json.dumps(_trend_json(report), indent=2) + "\n").encode())
            return
        console = _console()
        title = gettext("Episode {id}").format(id=loaded.episode.id)
        day = gettext("day {day}").format(day=report.days_since_onset)
        console.print(f"[bold]{title}[/], {day}")
        for line in report.lines():
            console.print(printable(line), markup=False)
        if report.pain is not None:
            from backcare.knowledge.loader import load_knowledge_base

            kb = load_knowledge_base()
            titles = ", ".join(kb.source_title(s) for s in report.pain.sources)
            thresholds = gettext("Thresholds: 2 points or 30% ({sources}).").format(sources=titles)
            console.print(f"[dim]{thresholds}[/]")
        chart = render_text(pain_columns(points, tz=diary.tz, width=60), baseline=baseline)
        if chart:
            console.print()
            for line in chart:
                console.print(line, markup=False)
        for path in (png, svg):
            if path is not None:
                console.print(gettext("Chart written to {path}.").format(path=path))


def _trend_json(report: TrendReport) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(report)
    if report.pain is not None:
        data["pain"] |= {"points": report.pain.points, "percent": report.pain.percent}
    if report.function is not None:
        data["function"] |= {"points": report.function.points}
    return data


def plan(episode: EpisodeOption = None, db: DbOption = None) -> None:
    """Today's plan for the episode, in the phase it has reached."""
    from datetime import datetime

    from backcare.cli.render import ANSWER_AT_CHECKIN, render_assessment, render_now_next
    from backcare.domain.enums import TriageLevel

    with _open(db) as diary:
        assessment = diary.plan(episode)
        onset = diary.episode(episode).onset_at
        console = _console()
        render_assessment(console, assessment, answer_hint=ANSWER_AT_CHECKIN)
        if assessment.triage.level is not TriageLevel.EMERGENCY:
            now = datetime.now().astimezone()
            render_now_next(console, assessment.plan, onset=onset, now=now)


# --- export / import --------------------------------------------------------------------


def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="json|csv|ics|fhir",
            help="json/csv: the whole diary (re-importable); ics: reminders for the coming days; "
            "fhir: an R4 Bundle of one episode.",
        ),
    ] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    episode: Annotated[
        int | None,
        typer.Option("--episode", help="ics/fhir: this episode (default: the active or latest)."),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, max=60, help="ics: how many days of reminders.")
    ] = 7,
    db: DbOption = None,
) -> None:
    """Export the diary: the whole of it (json/csv), reminders (ics) or one episode (fhir)."""
    data: bytes
    with _open(db) as diary:
        if fmt == "ics":
            from backcare.export.ical import export_ics

            data = export_ics(diary, episode_id=episode, days=days)
        elif fmt == "fhir":
            from backcare.export.fhir import export_fhir_bundle

            data = export_fhir_bundle(diary, episode_id=episode).encode("utf-8")
        else:
            from backcare.diary.transfer import export_diary

            data = export_diary(diary.store, fmt=fmt).encode("utf-8")
    if output is None:
        to_stdout(data)
        return
    try:
        from backcare.locations import write_private

        write_private(output, data)
    except OSError as exc:
        raise InputError(
            "cannot write the export", problems=[FieldProblem(str(output), str(exc))]
        ) from exc
    print(
        gettext("Exported ({format}) to {path}.").format(format=fmt, path=output), file=sys.stderr
    )


def import_(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="An export file, or - for stdin.")],
    db: DbOption = None,
) -> None:
    """Import a diary export (JSON or CSV): all of it, or nothing if anything is wrong."""
    from backcare.diary.transfer import import_diary

    text = _read_text(file, what="import file")
    with _open(db) as diary:
        result = import_diary(diary.store, text, engine=diary.engine, now=diary.now())
    episodes = ngettext("{count} episode", "{count} episodes", result.episodes)
    checkins = ngettext("{count} check-in", "{count} check-ins", result.checkins)
    doses = ngettext("{count} dose", "{count} doses", result.doses)
    print(
        gettext("Imported {episodes}, {checkins} and {doses}.").format(
            episodes=episodes.format(count=result.episodes),
            checkins=checkins.format(count=result.checkins),
            doses=doses.format(count=result.doses),
        )
    )


def _medicine_name(drug: str) -> str:
    """A medicine id in the knowledge base's words (``ibuprofen`` -> ``Ibuprofen``)."""
    from backcare.knowledge.loader import load_knowledge_base

    medicine = load_knowledge_base().medicine(drug)
    return medicine.name if medicine is not None else drug


_COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("checkin", checkin),
    ("history", history),
    ("trend", trend),
    ("plan", plan),
    ("export", export),
    ("import", import_),
)


def register(app: typer.Typer) -> None:
    """Add the diary commands to ``app`` (the main ``backcare`` Typer app)."""
    app.add_typer(episode_app, name="episode")
    for name, function in _COMMANDS:
        app.command(name)(function)
