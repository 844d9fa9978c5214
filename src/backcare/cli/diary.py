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

from backcare.cli._files import load_json as _load_json
from backcare.cli._files import read_text as _read_text
from backcare.cli._options import EMERGENCY_EXIT_STATUS, DbOption, EpisodeOption
from backcare.cli._terminal import printable, to_stdout
from backcare.domain.enums import Trigger
from backcare.errors import FieldProblem, InputError
from backcare.export.formats import FORMATS
from backcare.i18n import N_, format_when, gettext, label, ngettext
from backcare.measures import nrs_mcid
from backcare.viewmodels.summary import episode_summary

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
    return format_when(value.astimezone(tz), "weekday_date_time")


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
            "--answers",
            metavar="FILE|-",
            help="Intake answers as JSON (contract v1). Without any answers, a terminal "
            "asks the assessment's questions first.",
        ),
    ] = None,
    flag: Annotated[
        list[str] | None,
        typer.Option("--flag", metavar="KEY=yes|no", help="A red-flag or history answer."),
    ] = None,
    update_current: Annotated[
        bool,
        typer.Option(
            "--update-current",
            help="If an episode is active: add these answers to it (a check-in) instead.",
        ),
    ] = False,
    close_current: Annotated[
        bool,
        typer.Option(
            "--close-current",
            help="If an episode is active: close it (backcare writes the summary) and start "
            "a new one.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Start an episode: answer the assessment (or give the answers), then keep a diary.

    In a terminal without any answers, the assessment's questions come first. While
    an episode is active, a terminal asks whether to update it or close it and start a
    new one; elsewhere give --update-current or --close-current.
    """
    from backcare.diary.inputs import parse_flags

    if update_current and close_current:
        raise InputError(
            gettext("choose one of --update-current and --close-current"),
            problems=[
                FieldProblem("--update-current", gettext("cannot be given with --close-current"))
            ],
        )
    if update_current and onset is not None:
        raise InputError(
            gettext("the current episode keeps its start"),
            problems=[FieldProblem("--onset", gettext("cannot be given with --update-current"))],
        )
    data: dict[str, Any] = {}
    if answers is not None:
        loaded = _load_json(answers)
        if not isinstance(loaded, dict):
            raise InputError(
                gettext("the answers must be a JSON object"), problems=[FieldProblem(answers, "")]
            )
        data.update(loaded)
    for key, value in (("pain", pain), ("age", age)):
        if value is not None:
            data[key] = value
    for group, values in (parse_flags(flag or ()) or {}).items():
        data[group] = {**data.get(group, {}), **values}
    choice = "update" if update_current else "close" if close_current else None
    with _open(db) as diary:
        console = _console()
        if not data and trigger is None:
            # Never a diary on no answers at all (a time alone is none): ask them, or say how.
            if not _interactive():
                raise InputError(
                    gettext("episode start needs your answers to the assessment"),
                    problems=[
                        FieldProblem(
                            "--answers",
                            gettext(
                                "run it in a terminal to be asked the questions, or give them "
                                "with --answers FILE (JSON, answers contract v1; see "
                                "docs/json-api.md)"
                            ),
                        )
                    ],
                )
            data = _assess_first(console, diary, choice=choice)
        start_with_answers(
            console,
            diary,
            data,
            onset=onset,
            trigger=trigger,
            choice=choice,
            interactive=_interactive(),
        )


def _assess_first(console: Console, diary: Diary, *, choice: str | None) -> dict[str, Any]:
    """The interactive assessment; an emergency result ends here (exit 10), no diary."""
    from backcare.cli.interactive import run_interactive
    from backcare.cli.render import ANSWER_AT_CHECKIN, render_assessment
    from backcare.diary import EpisodeStatus
    from backcare.domain.enums import TriageLevel
    from backcare.errors import NotFoundError

    try:
        latest = diary.episode()
    except NotFoundError:
        latest = None
    if latest is not None and latest.status is EpisodeStatus.ACTIVE and choice is None:
        console.print(
            gettext(
                "You already have a diary running (episode {id}). After the questions "
                "you can update it with your answers or close it and start a new one."
            ).format(id=latest.id)
        )
    result = run_interactive(console, diary.engine)
    console.print()
    render_assessment(console, result.assessment, answer_hint=ANSWER_AT_CHECKIN)
    if result.assessment.triage.level is TriageLevel.EMERGENCY:
        raise typer.Exit(EMERGENCY_EXIT_STATUS)
    return result.answers


def start_with_answers(
    console: Console,
    diary: Diary,
    data: dict[str, Any],
    *,
    onset: str | None = None,
    trigger: Trigger | None = None,
    choice: str | None,
    interactive: bool,
    show_triage: bool = True,
) -> None:
    """Start an episode with ``data``; while one is active, do ``choice`` or ask.

    ``show_triage=False`` when the person has just seen the assessment's result.

    ``choice`` is ``update`` (add the answers to the active episode as a check-in),
    ``close`` (close it, then start) or ``None``: a terminal then asks, otherwise the
    conflict is raised with the options to give.
    """
    from backcare.cli.render import ANSWER_AT_CHECKIN, render_triage
    from backcare.diary.inputs import parse_time
    from backcare.domain.verdict import unanswered_safety_questions
    from backcare.errors import EpisodeActiveError

    if trigger is not None:
        data = {**data, "trigger": trigger.value}
    if choice == "update":
        _render_checkin(console, diary, diary.update_episode(data))
        return
    when = None if onset is None else parse_time(onset, now=diary.now(), tz=diary.tz)
    try:
        start = diary.start_episode(onset=when, answers=data, close_active=choice == "close")
    except EpisodeActiveError:
        picked = _ask_active(console, diary) if interactive else None
        if picked is None:
            if not interactive:
                print(
                    gettext(
                        "backcare: give --update-current (add these answers to the current "
                        "episode) or --close-current (close it and start a new one)."
                    ),
                    file=sys.stderr,
                )
                raise
            console.print(gettext("Nothing changed."))
            return
        start_with_answers(
            console,
            diary,
            data,
            onset=onset,
            choice=picked,
            interactive=interactive,
            show_triage=show_triage,
        )
        return
    episode = start.episode
    console.print(
        gettext("[bold]Episode {id} started[/] (onset {onset}).").format(
            id=episode.id, onset=_when(episode.onset_at, diary.tz)
        )
    )
    if show_triage:
        render_triage(
            console,
            start.assessment.triage,
            questions=unanswered_safety_questions(start.assessment),
            answer_hint=ANSWER_AT_CHECKIN,
        )
    console.print(
        gettext(
            "Check in as often as you like: [bold]backcare checkin[/]; "
            "today's plan: [bold]backcare plan[/]."
        )
    )


def _ask_active(console: Console, diary: Diary) -> str | None:
    """Ask what to do with the active episode: ``update``, ``close`` or ``None`` (cancel)."""
    from rich.prompt import Prompt

    active = diary.episode()
    console.print(
        f"\n[bold]You already have a diary running[/]: episode {active.id}, "
        f"began {_when(active.onset_at, diary.tz)}."
    )
    console.print(gettext("  u = the same back pain: update it with these answers (a check-in)"))
    console.print(
        gettext("  c = a new episode: close it (backcare writes a summary) and start a new one")
    )
    console.print(gettext("  x = cancel: change nothing"))
    reply = Prompt.ask(
        gettext("What should happen?"), console=console, choices=["u", "c", "x"], default="u"
    )
    return {"u": "update", "c": "close"}.get(reply)


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
        if summary_text := episode_summary(episode):
            console.rule(gettext("Summary"))
            console.print(printable(summary_text), markup=False)


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
        console.print(printable(episode_summary(episode) or ""), markup=False)


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
            help="A medicine dose taken (checked against its limits; one over a limit is "
            "recorded flagged, with what to do next).",
        ),
    ] = None,
    override_dose: Annotated[
        bool,
        typer.Option(
            "--override-dose",
            hidden=True,
            help="No longer needed: a dose over a limit is always recorded, flagged.",
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
                    gettext("give --pain (or run in a terminal to be asked each question)"),
                    problems=[FieldProblem("--pain", gettext("required when not interactive"))],
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
        del override_dose  # a dose over a limit is always recorded, flagged (kept for scripts)
        result = diary.check_in(entry)
        _render_checkin(console, diary, result)
        if result.resolution.met and interactive:
            from rich.prompt import Confirm

            if Confirm.ask(gettext("Resolve this episode now?"), console=console, default=True):
                episode = diary.resolve()
                console.print(f"[bold]{gettext('Episode {id} resolved.').format(id=episode.id)}[/]")
                console.print(printable(episode_summary(episode) or ""), markup=False)


def _interactive() -> bool:
    """Whether a person is typing (standard input is a terminal)."""
    return sys.stdin.isatty()


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
        console.print(f"[red]{gettext('Please type a whole number from 0 to 10.')}[/]")


def _ask_checkin(console: Console, diary: Diary) -> CheckInEntry:
    from rich.prompt import Confirm, Prompt

    from backcare.diary import ActivityScore, CheckInEntry, SelfCareAction
    from backcare.diary.inputs import combine_actions, parse_action, parse_dose

    pain = _ask_int(console, gettext("Pain now (0 = none, 10 = worst imaginable)"), required=True)
    assert pain is not None
    worst = _ask_int(
        console, gettext("Worst pain since your last check-in (Enter to skip)"), required=False
    )
    activities: list[ActivityScore] = []
    names = list(diary.recent_activities())
    console.print(
        gettext(
            "Activities (PSFS, the Patient-Specific Functional Scale): pick up to 3 things your "
            "back makes hard and rate how well you can do each: 0 = can't do it, 10 = as before."
        )
    )
    if not names:
        for _ in range(3):
            name = Prompt.ask(
                gettext("Name an activity your back makes hard (Enter to skip)"),
                console=console,
                default="",
            ).strip()
            if not name:
                break
            names.append(name)
    for name in names:
        score = _ask_int(
            console,
            gettext("How well can you do '{name}' now? 0 = unable, 10 = as before").format(
                name=name
            ),
            required=False,
        )
        if score is not None:
            activities.append(ActivityScore(name, score))
    actions = []
    for action in SelfCareAction:
        count = Prompt.ask(
            gettext("Times you used {action} since last check-in (Enter for none)").format(
                action=action.value
            ),
            console=console,
            default="",
        ).strip()
        if count and count != "0":
            actions.append(parse_action(f"{action.value}={count}"))
    doses = []
    while True:
        text = Prompt.ask(
            gettext("Medicine taken, e.g. ibuprofen:200@14:30 (Enter when done)"),
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
    # Warning signs said earlier stay "yes" until the person says they have gone: an
    # explicit statement, recorded with this check-in's time (the earlier answer stays).
    for flag in diary.red_flags_present():
        console.print(f"[bold red]{gettext('You told us earlier:')}[/] {printable(flag.question)}")
        if Confirm.ask(
            gettext(
                "Has it gone completely, or has a doctor or nurse checked you and said it is "
                "safe to carry on?"
            ),
            console=console,
            default=False,
        ):
            group, _, name = flag.answer.partition(".")
            answers.setdefault(group, {})[name] = False
            console.print(gettext("If it comes back, get help at once."))
    if Confirm.ask(
        gettext(
            "Any new or changed symptoms since last time (numbness, bladder or bowel changes, "
            "leg weakness, fever...)?"
        ),
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
    from backcare.diary.trends import episode_day
    from backcare.domain.verdict import INCOMPLETE, unanswered_safety_questions, verdict_state
    from backcare.knowledge.loader import load_knowledge_base

    checkin = result.checkin
    triage = result.assessment.triage
    if triage.emergency is not None:
        render_emergency(console, triage)
    console.print(
        gettext("[bold]Check-in recorded[/] ({when}, day {day}).").format(
            when=_when(checkin.recorded_at, diary.tz),
            day=episode_day(
                diary.episode(checkin.episode_id).onset_at, checkin.recorded_at, diary.tz
            ),
        )
    )
    if result.pain is None:
        console.print(gettext("Pain {pain}: this is your baseline.").format(pain=checkin.pain))
    else:
        console.print(result.pain.describe())
    if result.function is not None:
        console.print(printable(result.function.describe()), markup=False)
    for dose in result.doses:
        line = gettext("Logged {name} {mg} mg at {when}").format(
            name=dose.name, mg=dose.mg, when=_when(dose.taken_at, diary.tz)
        )
        if not dose.allowed:
            over = gettext("(recorded as over your limit, not as taken as planned)")
            line += f" [bold red]{over}[/]"
        console.print(line + ".")
        for problem in dose.problems:
            console.print(f"  [red]• {printable(problem.message)}[/]")
        for warning in dose.warnings:
            console.print(f"  [yellow]⚠ {warning}[/]")
    for advice in result.dose_advice:
        style = "bold red" if advice.over_maximum else "bold"
        console.print(f"[{style}]{printable(advice.overdose)}[/]")
        # Sources by their short titles ("NHS: ibuprofen"), never their ids.
        titles = ", ".join(load_knowledge_base().source_title(i) for i in advice.sources)
        cited = gettext("(sources: {sources}; evidence: {evidence})").format(
            sources=titles, evidence=label("evidence", advice.evidence)
        )
        console.print(f"{printable(advice.next_dose)} [dim]{cited}[/]")
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
        console.print(gettext("Close it with [bold]backcare episode resolve[/]."))


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
            from backcare.export.transfer import episode_data

            data = episode_data(
                loaded.episode, checkins, loaded.doses, sessions, loaded.questionnaires
            )
            to_stdout((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
            return
        console = _console()
        _render_history(console, diary, loaded.episode.id, checkins)
        _render_sessions(console, diary, sessions)
        from backcare.cli.questionnaire import render_questionnaire_lines

        render_questionnaire_lines(console, diary, loaded.questionnaires)
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
    from backcare.diary.trends import episode_day

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
        day = gettext("day {day}").format(
            day=episode_day(loaded.episode.onset_at, diary.now(), diary.tz)
        )
        console.print(f"[bold]{title}[/], {day}")
        for line in report.lines():
            console.print(printable(line), markup=False)
        if report.pain is not None:
            from backcare.knowledge.loader import load_knowledge_base

            kb = load_knowledge_base()
            titles = ", ".join(kb.source_title(s) for s in report.pain.sources)
            thresholds = gettext("Thresholds: {threshold} ({sources}).").format(
                threshold=nrs_mcid().text, sources=titles
            )
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
            metavar="|".join(FORMATS),
            help="; ".join(f"{f.name}: {f.description}" for f in FORMATS.values()) + ".",
        ),
    ] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    episode: Annotated[
        int | None,
        typer.Option(
            "--episode", help="Episode formats: this episode (default: the active or latest)."
        ),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, max=60, help="ics: how many days of reminders.")
    ] = 7,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="ics, pdf, html: the first day."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="pdf, html: the last day, inclusive."),
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question", metavar="TEXT", help="pdf, html: a question for the doctor; repeat."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export the diary, or one episode, in any format of the export registry."""
    from backcare.export.formats import ExportOptions, get_format

    chosen = get_format(fmt)
    if output is None and chosen.binary and sys.stdout.isatty():
        raise InputError(
            gettext("the {format} export is binary: give a file to write it to").format(
                format=chosen.name
            ),
            problems=[
                FieldProblem("--output", gettext("required for a binary file on a terminal"))
            ],
        )
    options = ExportOptions(
        episode_id=episode, days=days, start=start, end=end, questions=tuple(question or ())
    )
    with _open(db) as diary:
        data = chosen.make(diary, options)
    if output is None:
        to_stdout(data)
        return
    try:
        from backcare.locations import write_private

        write_private(output, data)
    except OSError as exc:
        raise InputError(
            gettext("cannot write the export"), problems=[FieldProblem(str(output), str(exc))]
        ) from exc
    print(
        gettext("Exported ({format}) to {path}.").format(format=chosen.name, path=output),
        file=sys.stderr,
    )


def import_(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="An export file, or - for stdin.")],
    db: DbOption = None,
) -> None:
    """Import a diary export (JSON or CSV): all of it, or nothing if anything is wrong."""
    from backcare.export.transfer import import_diary

    text = _read_text(file, what=N_("import file"))
    with _open(db) as diary:
        result = import_diary(
            diary.store,
            text,
            engine=diary.engine,
            now=diary.now(),
            questionnaires=diary.questionnaires,
        )
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
