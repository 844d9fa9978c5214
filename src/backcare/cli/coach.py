"""The ``coach`` command: run today's exercise session in the terminal, counting for you.

:func:`register` adds ``backcare coach`` to the main app. The command asks the coach
service (:mod:`backcare.coach.service`) for today's session, drives the pure timing
engine (:class:`~backcare.coach.CoachSession`) with a real clock, and draws it: the
steps in plain words, a lead-in countdown, a hold timer with a progress bar, the rep
counter, rests and side switches, a terminal bell at every change (``--quiet``: no
bell) and, when ``espeak-ng`` is installed, the coach's cue script said aloud
(:mod:`backcare.cli.speech`; ``--no-speak`` or ``BACKCARE_COACH_SPEAK=0``: silent).
Single keys control it while it runs (no Enter): ``p``/space pause, ``s`` skip,
``r`` repeat, ``q`` quit, ``!`` report a new symptom. The terminal is put in cbreak mode
and polled with ``select()`` every 0.1 s, so the display ticks about ten times a second.

On a terminal that can redraw, a Rich live panel shows the countdown; elsewhere (``TERM=dumb``,
a pipe) one line is printed per change. The hidden ``--time-scale`` option (environment
``BACKCARE_COACH_TIME_SCALE``) runs the coach clock faster, for demonstrations and the
pseudo-terminal tests. No clinical logic and no SQL live here.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backcare.cli._options import DbOption
from backcare.cli.speech import ESPEAK, Speaker
from backcare.errors import ConflictError
from backcare.i18n import N_
from backcare.i18n import gettext as _
from backcare.i18n import label as word

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from backcare.coach import CoachEvent, CoachSession, CoachState
    from backcare.coach.service import CoachService, SessionPlan, SymptomOutcome
    from backcare.coach.symptoms import Symptom
    from backcare.store.coach import CoachSessionRecord

__all__ = ["SPEAK_ENV", "TIME_SCALE_ENV", "register"]

#: Environment variable behind the hidden ``--time-scale`` option.
TIME_SCALE_ENV = "BACKCARE_COACH_TIME_SCALE"
#: Environment variable behind ``--speak/--no-speak``.
SPEAK_ENV = "BACKCARE_COACH_SPEAK"
#: How long one poll for a key waits, in real seconds (the display's tick).
TICK_SECONDS = 0.1


_CONTROLS = N_(
    "p/space pause · s skip · r repeat · q quit · ! something new (numbness, weakness, pain)"
)
_SYMPTOM_MENU = N_("1=numbness/tingling in a leg  2=weakness  3=severe pain")


def register(app: typer.Typer) -> None:
    """Add the ``coach`` command to ``app``.

    Args:
        app: The ``backcare`` Typer application (or a test's own app).
    """
    app.command("coach")(coach)


def coach(
    exercise: Annotated[
        str | None,
        typer.Option(
            "--exercise",
            metavar="ID",
            help="Run only this exercise (it must be allowed in your episode's phase).",
        ),
    ] = None,
    show_list: Annotated[
        bool,
        typer.Option("--list", help="Show today's exercises and doses, then stop."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No terminal bell.")] = False,
    speak: Annotated[
        bool,
        typer.Option(
            "--speak/--no-speak",
            envvar=SPEAK_ENV,
            help="Say the steps aloud with espeak-ng, when it is installed.",
        ),
    ] = True,
    db: DbOption = None,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            hidden=True,
            envvar=TIME_SCALE_ENV,
            min=0.01,
            help="Run the coach's clock this many times faster (demonstrations and tests).",
        ),
    ] = 1.0,
) -> None:
    """Exercise coach: today's gentle exercises for your episode's phase, timed for you.

    Asks your pain before and after, counts holds, rests and reps, and saves the session
    to your diary as far as it got. Press ! if you feel new numbness, tingling, weakness or
    severe pain: the session stops and your warning signs are checked again.
    """
    from rich.console import Console

    from backcare.cli.render import render_triage
    from backcare.coach.service import CoachService
    from backcare.diary import open_diary
    from backcare.domain.enums import TriageLevel

    console = Console(highlight=False)
    with open_diary(db) as diary:
        service = CoachService(diary)
        plan = service.plan_session(exercise_id=exercise)
        if plan.blocked_reason is not None:
            render_triage(console, plan.assessment.triage)
            raise ConflictError(plan.blocked_reason)
        if plan.assessment.triage.level is not TriageLevel.SELF_CARE:
            render_triage(console, plan.assessment.triage)
        _render_plan(console, plan)
        if show_list:
            return
        _run_session(console, service, plan, quiet=quiet, speak=speak, time_scale=time_scale)


# --- the session ----------------------------------------------------------------------------


def _run_session(
    console: Console,
    service: CoachService,
    plan: SessionPlan,
    *,
    quiet: bool,
    speak: bool,
    time_scale: float,
) -> None:
    from backcare.coach import CoachSession, MonotonicClock, ScaledClock

    console.print(
        _("[bold]Controls[/] (single keys, no Enter): {controls}").format(controls=_(_CONTROLS))
    )
    speaker = Speaker.detect(enabled=speak)
    if speaker.available:
        console.print(
            _("Saying the steps aloud with {program} (--no-speak for silence).").format(
                program=ESPEAK
            )
        )
    pain_before = _ask_pain(console, _("Before you start: your pain now, 0 (none) to 10 (worst)"))
    clock = ScaledClock(MonotonicClock(), factor=time_scale)
    session = CoachSession(plan.doses, clock=clock)
    started_at = service.diary.now()
    try:
        with _Keys() as keys:
            run = _drive(console, session, plan, keys, quiet=quiet, speaker=speaker)
    finally:
        speaker.close()
    ended_at = service.diary.now()
    result = session.result()
    symptom = run.symptom
    pain_after: int | None = None
    if symptom is not None:
        _render_outcome(console, service.triage_symptom(plan, symptom))
    try:
        if not run.interrupted:
            pain_after = _ask_pain(console, _("Your pain now, 0 (none) to 10 (worst)"))
            if symptom is None:
                symptom = _ask_symptom(console, after=True)
                if symptom is not None:
                    _render_outcome(console, service.triage_symptom(plan, symptom))
    except KeyboardInterrupt:  # save what we have rather than lose the session
        console.print()
    recorded = service.record_session(
        plan,
        result,
        started_at=started_at,
        ended_at=max(ended_at, started_at),
        pain_before=pain_before,
        pain_after=pain_after,
        symptom=symptom,
        stopped_for_symptom=run.symptom is not None,
    )
    _render_summary(console, recorded.session, plan)
    if recorded.checkin is not None:
        console.print(
            _(
                "What you reported is also in your diary as a check-in, so your plan and "
                "check-ins take it into account."
            )
        )


@dataclass(frozen=True, slots=True)
class _Run:
    symptom: Symptom | None
    interrupted: bool


def _drive(
    console: Console,
    session: CoachSession,
    plan: SessionPlan,
    keys: _Keys,
    *,
    quiet: bool,
    speaker: Speaker,
) -> _Run:
    """Tick the engine, draw it, say its cues and obey keys until the session ends."""
    from backcare.coach.cues import CueFollower, cue_script

    screen = _Screen(console, plan)
    symptom: Symptom | None = None
    cues = CueFollower(cue_script(session.plan, session.segments), session.segments)

    def show(events: list[CoachEvent]) -> None:
        for event in events:
            if event.cue and not quiet:
                console.file.write("\a")
                console.file.flush()
            screen.event(event)
        speaker.say(" ".join(cues.update(events, session.state)))

    session.start()
    try:
        with screen:
            while True:
                show(session.tick())
                if session.state.finished:
                    break
                screen.draw(session.state)
                for key in keys.read(TICK_SECONDS):
                    show(session.tick())  # what happened before the key, in order
                    symptom = _obey(key, session, screen, keys)
                    if symptom is not None or session.state.finished:
                        break
    except KeyboardInterrupt:
        session.quit()
        console.print(_("Stopped: your session is saved as far as it got."))
        return _Run(symptom=None, interrupted=True)
    return _Run(symptom=symptom, interrupted=False)


def _obey(key: str, session: CoachSession, screen: _Screen, keys: _Keys) -> Symptom | None:
    """Carry out one key press; return a reported symptom (the session is then over)."""
    command = key.lower()
    state = session.state
    if command in ("p", " "):
        if state.paused:
            session.resume()
            screen.note(_("Carrying on."))
        else:
            session.pause()
            screen.note(_("Paused: press p or space to carry on."))
    elif command == "s":
        session.skip()
    elif command == "r":
        session.repeat()
        screen.note(_("Starting {name} again from the beginning.").format(name=state.exercise_name))
    elif command == "q":
        session.quit()
        screen.note(_("Stopping: your session is saved as far as it got."))
    elif command == "!":
        was_paused = state.paused
        session.pause()
        with screen.suspended(), keys.cooked():
            symptom = _ask_symptom(screen.console, after=False)
        if symptom is not None:
            session.quit()
            screen.note(_("Stopped: {symptom}.").format(symptom=symptom.label))
            return symptom
        if not was_paused:
            session.resume()
        screen.note(_("Carrying on."))
    return None


# --- terminal input -------------------------------------------------------------------------


class _Keys:
    """Single key presses from standard input, without Enter (cbreak mode on a terminal)."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._saved: Any = None
        self._eof = False
        try:
            self._fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):  # no real stdin (embedded, tests)
            self._fd = None

    def __enter__(self) -> _Keys:
        self._cbreak()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._restore()

    def _cbreak(self) -> None:
        if self._fd is None or not os.isatty(self._fd):
            return
        import termios
        import tty

        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd, termios.TCSANOW)

    def _restore(self) -> None:
        if self._saved is not None and self._fd is not None:
            import termios

            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    @contextmanager
    def cooked(self) -> Iterator[None]:
        """Normal line input (echo, Enter) for the length of the block."""
        was_cbreak = self._saved is not None
        self._restore()
        try:
            yield
        finally:
            if was_cbreak:
                self._cbreak()

    def read(self, timeout: float) -> str:
        """The keys pressed within ``timeout`` seconds ('' if none)."""
        if self._fd is None or self._eof:
            select.select([], [], [], timeout)
            return ""
        ready, _writable, _failed = select.select([self._fd], [], [], timeout)
        if not ready:
            return ""
        data = os.read(self._fd, 64)
        if not data:
            self._eof = True  # a closed pipe: no more keys, but the session runs on
        return data.decode("utf-8", errors="ignore")


# --- terminal output ------------------------------------------------------------------------


class _Screen:
    """Draws the session: a live panel on a capable terminal, else one line per change."""

    def __init__(self, console: Console, plan: SessionPlan) -> None:
        self.console = console
        self._plan = plan
        self._live: Live | None = None
        self._shown: int | None = None  # exercise whose steps are on screen

    @property
    def _animated(self) -> bool:
        return self.console.is_terminal and not self.console.is_dumb_terminal

    def __enter__(self) -> _Screen:
        if self._animated:
            from rich.live import Live

            self._live = Live(console=self.console, auto_refresh=False, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Stop redrawing for the length of the block (while asking a question)."""
        live = self._live
        if live is not None:
            live.stop()
        try:
            yield
        finally:
            if live is not None:
                live.start()

    def note(self, text: str) -> None:
        """Print a line above the panel."""
        self.console.print(text)

    def event(self, event: CoachEvent) -> None:
        """Print what an engine event means, in plain words."""
        from backcare.coach import ExerciseCompleted, SegmentKind, SegmentStarted, SessionCompleted

        if isinstance(event, SegmentStarted):
            if event.exercise_index != self._shown:
                self._shown = event.exercise_index
                self._introduce(event.exercise_index)
            if not self._animated:
                dose = self._plan.items[event.exercise_index].dose
                self.console.print(
                    _segment_words(
                        event.kind, event.side.value, event.rep, dose.reps, event.duration_seconds
                    )
                )
            elif event.kind is SegmentKind.SWITCH_SIDE:
                self.console.print(
                    _("Now the {side} side.").format(side=word("side", event.side.value))
                )
        elif isinstance(event, ExerciseCompleted):
            name = self._plan.items[event.exercise_index].exercise.name
            done = _("Skipped {name}.") if event.skipped else _("Done: {name}.")
            self.console.print(done.format(name=name))
        elif isinstance(event, SessionCompleted):
            self.console.print(
                _("Session stopped.") if event.quit_early else _("Session complete.")
            )

    def _introduce(self, index: int) -> None:
        item = self._plan.items[index]
        dose = item.dose
        per_side = _(" on each side") if dose.sides == "each" else ""
        self.console.rule(
            _("{number} of {count}: {name}").format(
                number=index + 1, count=len(self._plan.items), name=item.exercise.name
            )
        )
        hold = _("Hold {hold} s, {reps} times{per_side}, {rest} s rest between.").format(
            hold=dose.hold_seconds, reps=dose.reps, per_side=per_side, rest=dose.rest_seconds
        )
        self.console.print(f"{hold} [dim]{item.decision.reason}[/]")
        for number, step in enumerate(item.exercise.steps, 1):
            self.console.print(f"  {number}. {step}")
        for line in item.exercise.stop_if:
            stop = _("Stop if: {sign}").format(sign=line)
            self.console.print(f"  [yellow]✋ {stop}[/]")

    def draw(self, state: CoachState) -> None:
        """Redraw the live panel (no-op when printing lines)."""
        if self._live is not None:
            self._live.update(_panel(state), refresh=True)


def _segment_words(kind: str, side: str, rep: int | None, reps: int, seconds: int) -> str:
    where = "" if side == "both" else _(" ({side} side)").format(side=word("side", side))
    if kind == "lead_in":
        return _("Get ready{where}: starting in {seconds} s").format(where=where, seconds=seconds)
    if kind == "hold":
        return _("Hold {rep} of {reps}{where}: {seconds} s").format(
            rep=rep, reps=reps, where=where, seconds=seconds
        )
    if kind == "rest":
        return _("Rest {seconds} s").format(seconds=seconds)
    if kind == "switch_side":
        return _("Switch to the {side} side: {seconds} s").format(
            side=word("side", side), seconds=seconds
        )
    return kind  # pragma: no cover - the engine starts no other segments


def _panel(state: CoachState) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    from backcare.coach import SegmentKind

    labels = {
        SegmentKind.LEAD_IN: (_("GET READY"), "bold cyan"),
        SegmentKind.HOLD: (_("HOLD"), "bold green"),
        SegmentKind.REST: (_("REST"), "bold blue"),
        SegmentKind.SWITCH_SIDE: (_("SWITCH SIDES"), "bold magenta"),
        SegmentKind.DONE: (_("DONE"), "bold"),
    }
    label, style = labels[state.kind]
    where = (
        ""
        if state.side is None or state.side.value == "both"
        else " · " + _("{side} side").format(side=word("side", state.side.value))
    )
    rep = (
        " · " + _("rep {rep} of {reps}").format(rep=state.rep, reps=state.total_reps)
        if state.rep is not None
        else ""
    )
    header = Text.assemble((label, style), (f"{rep}{where}", ""))
    if state.paused:
        header.append("   " + _("PAUSED"), style="bold yellow")
    bar = Table.grid(expand=True, padding=(0, 1))
    bar.add_column(ratio=1)
    bar.add_column(justify="right", width=8)
    bar.add_row(
        ProgressBar(total=1.0, completed=state.fraction_complete),
        f"{max(0, round(state.seconds_remaining + 0.49)):>3} s",
    )
    position = (state.exercise_index or 0) + 1
    return Panel(
        Group(header, bar, Text(_CONTROLS, style="dim")),
        title=f"{state.exercise_name} · {position} of {state.exercise_count}",
        title_align="left",
    )


# --- questions ------------------------------------------------------------------------------


def _ask(console: Console, prompt: str) -> str | None:
    try:
        return console.input(prompt).strip().lower()
    except EOFError:
        return None


def _ask_pain(console: Console, question: str) -> int | None:
    """Ask a 0-10 pain score until it is valid; Enter (or end of input) skips it."""
    while True:
        reply = _ask(console, _("{question} (Enter to skip): ").format(question=question))
        if not reply:
            return None
        if reply.isdigit() and 0 <= int(reply) <= 10:
            return int(reply)
        console.print(_("Please type a whole number from 0 to 10, or press Enter to skip."))


def _ask_symptom(console: Console, *, after: bool) -> Symptom | None:
    """Ask what new symptom the person has; ``None`` for nothing (or carry on)."""
    from backcare.coach.symptoms import Symptom

    if after:
        question = _("Did you notice anything new during the session? 0=nothing  {menu}: ")
    else:
        question = _("What happened? {menu}  0=nothing, carry on: ")
    question = question.format(menu=_(_SYMPTOM_MENU))
    while True:
        reply = _ask(console, question)
        if not reply or reply == "0":
            return None
        if reply == "2":
            return Symptom.WORSENING_LEG_WEAKNESS
        if reply == "3":
            return Symptom.SEVERE_PAIN
        if reply == "1":
            while True:
                legs = _ask(console, _("In one leg or both? 1=one leg  2=both legs: "))
                if legs in (None, "2"):  # no answer: assume the more serious
                    return Symptom.BOTH_LEGS
                if legs == "1":
                    return Symptom.ONE_LEG_NUMBNESS_OR_TINGLING
                console.print(_("Please type 1 or 2."))
        console.print(_("Please type 0, 1, 2 or 3."))


# --- results --------------------------------------------------------------------------------


def _render_plan(console: Console, plan: SessionPlan) -> None:
    from rich.table import Table

    title = _("Today's exercises ({phase} phase)").format(phase=word("phase", plan.phase))
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column(_("Exercise"))
    table.add_column(_("Dose"))
    table.add_column(_("Why this dose"))
    for number, item in enumerate(plan.items, 1):
        dose = item.dose
        per_side = _(" each side") if dose.sides == "each" else ""
        kind = word("exercise_kind", item.kind)
        table.add_row(
            str(number),
            f"{item.exercise.name}\n[dim]{item.exercise.id} · {kind}[/]",
            _("hold {hold} s × {reps}{per_side}\nrest {rest} s").format(
                hold=dose.hold_seconds, reps=dose.reps, per_side=per_side, rest=dose.rest_seconds
            ),
            item.decision.reason,
        )
    console.print(table)
    console.print(
        _(
            "Sessions done today: {done} of {planned} "
            "(stop any exercise that hurts; a mild pull is fine, pain is not)."
        ).format(done=plan.sessions_today, planned=plan.times_per_day)
    )


def _render_outcome(console: Console, outcome: SymptomOutcome) -> None:
    """Show what a reported symptom means: an emergency first, alone."""
    from rich.panel import Panel

    from backcare.cli.render import render_triage
    from backcare.coach.symptoms import Symptom
    from backcare.domain.enums import TriageLevel
    from backcare.knowledge.loader import load_knowledge_base

    kb = load_knowledge_base()
    triage = outcome.assessment.triage
    if outcome.symptom is not Symptom.SEVERE_PAIN:
        render_triage(console, triage)
        if triage.level is TriageLevel.EMERGENCY:
            return
    lines = [
        _("Stop the exercises for now."),
        # Sources by their short titles, never their ids.
        *(
            f"{sign.text} ({', '.join(kb.source_title(i) for i in sign.sources)})"
            for sign in outcome.advice
        ),
        *outcome.see_gp,
    ]
    console.print(
        Panel(
            "\n".join(lines),
            title=_("SEE A DOCTOR"),
            title_align="left",
            border_style="bold black on cyan",
        )
    )


def _render_summary(console: Console, session: CoachSessionRecord, plan: SessionPlan) -> None:
    from rich.table import Table

    table = Table(title=_("Saved to your diary"), title_justify="left")
    table.add_column(_("Exercise"))
    table.add_column(_("Target"))
    table.add_column(_("Done"))
    table.add_column(_("Longest hold"), justify="right")
    names = {item.exercise.id: item.exercise.name for item in plan.items}
    for done in session.exercises:
        reps = ", ".join(
            f"{word('side', side.value)} {count}" if side.value != "both" else str(count)
            for side, count in done.reps.items()
        )
        status = _(" (skipped)") if done.skipped else ""
        table.add_row(
            names.get(done.exercise_id, done.exercise_id),
            f"{done.target_hold_seconds} s × {done.target_reps}",
            f"{reps}{status}",
            f"{done.achieved_hold_seconds:.0f} s",
        )
    console.print(table)
    pain = " → ".join(
        "-" if value is None else str(value) for value in (session.pain_before, session.pain_after)
    )
    state = _("stopped early") if session.quit_early else _("complete")
    console.print(
        _("Session {id} ({state}); pain before → after: {pain}.").format(
            id=session.id, state=state, pain=pain
        )
    )
