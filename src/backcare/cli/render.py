"""Rich rendering of assessments and plans for the terminal.

The same shape as the web result: the verdict, a "Do now" panel (the do-now actions of
``backcare.domain.donow``), "Get help if" with every warning sign, then the details.
Every recommendation is shown with its sources (numbered; the list, most trusted
first, closes the plan) and evidence grade; an emergency is shown first, alone and
unmissable. An incomplete result that would read as
self-care gets its own neutral panel, lists the unanswered questions as questions
and says which command answers them.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backcare.domain.donow import (
    Action,
    day_view,
    do_now,
    dose_text,
    merge_schedule,
    times_a_day,
)
from backcare.domain.enums import MedicineStatus, Track, TriageLevel
from backcare.domain.results import (
    Assessment,
    CarePlan,
    MedicineAdvice,
    Question,
    Triage,
    WarningSign,
)
from backcare.domain.verdict import (
    INCOMPLETE,
    INCOMPLETE_EXPLAINED,
    incomplete_headline,
    unanswered_safety_questions,
    verdict_state,
)
from backcare.i18n import gettext, label
from backcare.knowledge.loader import load_knowledge_base
from backcare.settings import get_settings

__all__ = [
    "ANSWER_AT_CHECKIN",
    "ANSWER_INTERACTIVELY",
    "answer_in_file",
    "render_assessment",
    "render_do_now",
    "render_emergency",
    "render_help",
    "render_now_next",
    "render_plan",
    "render_triage",
]

#: How to answer the questions an incomplete result still needs, per command.
ANSWER_INTERACTIVELY = "To answer them, run `backcare` again."
ANSWER_AT_CHECKIN = (
    "To answer them, check in: `backcare checkin` asks each question, or give `--flag KEY=yes|no`."
)


def answer_in_file(source: str) -> str:
    """The hint for ``assess --input``: add the answers to the file and run it again."""
    where = "the answers" if source == "-" else source
    return f"To answer them, add them to {where} and run `backcare assess --input {source}` again."


# Styles only: the words come from the catalogue (label("level_heading"), label("track")...).
_LEVEL_STYLE = {
    TriageLevel.EMERGENCY: "bold white on red",
    TriageLevel.URGENT: "bold black on yellow",
    TriageLevel.SEE_DOCTOR: "bold black on cyan",
    TriageLevel.SELF_CARE: "bold black on green",
}
_STATUS_STYLE = {
    MedicineStatus.SUITABLE: "green",
    MedicineStatus.ASK_FIRST: "yellow",
    MedicineStatus.AVOID: "bold red",
}


_TRUST = {"high": 0, "moderate": 1, "low": 2}


class _Cited:
    """Numbers for the sources a rendering cites, in first-cited order, listed at the end."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def __call__(self, ids: tuple[str, ...]) -> str:
        for source_id in ids:
            if source_id not in self.ids:
                self.ids.append(source_id)
        return "Sources: " + " ".join(f"[{self.ids.index(i) + 1}]" for i in ids)


def _sources(ids: tuple[str, ...]) -> str:
    return "Sources: " + ", ".join(ids)


_HELP_GROUPS = (
    (TriageLevel.EMERGENCY, "Call {number} now if", "bold red"),
    (TriageLevel.URGENT, "Get help today if", "bold yellow"),
    (TriageLevel.SEE_DOCTOR, "See a doctor within days if", "bold"),
)


def render_do_now(console: Console, actions: tuple[Action, ...]) -> None:
    """The "Do now" panel: the phase's first actions, numbered, with their evidence."""
    if not actions:
        return
    lines = []
    for number, action in enumerate(actions, start=1):
        evidence = f"  ({action.evidence.label})" if action.evidence else ""
        detail = f": {action.detail}" if action.detail else ""
        lines.append(
            Text.assemble(f"{number}. ", (action.title, "bold"), detail, (evidence, "dim"))
        )
    console.print(Panel(Group(*lines), title="Do now", title_align="left", border_style="green"))


def render_now_next(console: Console, plan: CarePlan, *, onset: datetime, now: datetime) -> None:
    """What is due now and next today, from the episode's start (``onset``) and ``now``."""
    if not plan.schedule:
        return
    local = onset.astimezone(now.tzinfo)
    since = local.time() if local.date() == now.date() else None
    day = day_view(merge_schedule(plan.schedule, since=since), now.time())
    lines: list[Text] = []
    if day.now is not None:
        lines.append(Text.assemble(("Now  ", "bold green"), f"{day.now.time}  {day.now.label}"))
    if day.next is not None:
        lines.append(Text.assemble(("Next ", "bold"), f"{day.next.time}  {day.next.label}"))
    else:
        lines.append(Text("Nothing more today: the plan starts again in the morning."))
    lines.append(Text(f"{len(day.later)} more later today", style="dim"))
    console.print(Panel(Group(*lines), title="Today", title_align="left", border_style="green"))


def render_help(console: Console, signs: tuple[WarningSign, ...], number: str) -> None:
    """Every warning sign, grouped by how fast to get help."""
    if not signs:
        return
    lines: list[Text] = []
    for level, heading, style in _HELP_GROUPS:
        group = [s for s in signs if s.level is level]
        if group:
            lines.append(Text(heading.format(number=number), style=style))
            lines += [Text(f"  • {sign.text}") for sign in group]
    console.print(Panel(Group(*lines), title="Get help if", title_align="left"))


def render_emergency(console: Console, triage: Triage) -> None:
    """Show the emergency instruction alone, before anything else."""
    assert triage.emergency is not None
    reasons = "\n".join(f"• {r.message}" for r in triage.reasons if r.level is triage.level)
    body = Text.assemble(
        (triage.emergency.message + "\n\n", "bold"),
        ("Why: \n", "bold"),
        reasons,
    )
    console.print(
        Panel(body, title=f"CALL {triage.emergency.number} NOW", style="bold red", expand=True)
    )


def render_triage(
    console: Console,
    triage: Triage,
    *,
    questions: tuple[Question, ...] = (),
    answer_hint: str | None = None,
) -> None:
    """Show the triage level, why, and what is still unanswered (as questions, if given)."""
    if triage.level is TriageLevel.EMERGENCY:
        render_emergency(console, triage)
        return
    lines: list[Text] = []
    if verdict_state(triage) == INCOMPLETE:
        title, style = label("level_heading", INCOMPLETE), "bold"
        lines += [
            Text(incomplete_headline(triage), style="bold"),
            Text(gettext(INCOMPLETE_EXPLAINED)),
        ]
    else:
        title, style = label("level_heading", triage.level), _LEVEL_STYLE[triage.level]
        lines.append(Text(triage.summary))
        if not triage.complete:
            lines.append(Text(incomplete_headline(triage), style="bold yellow"))
    for reason in triage.reasons:
        lines.append(Text(f"• {reason.message}  ({_sources(reason.sources)})", style="dim"))
    if not triage.complete:
        lines += [Text(f"  ? {question.text}") for question in questions]
        if answer_hint:
            lines.append(Text(answer_hint, style="bold"))
    # Capitals: the terminal's way of making the level stand out (the words are the catalogue's).
    console.print(Panel(Group(*lines), title=title.upper(), title_align="left", border_style=style))


def render_plan(
    console: Console, plan: CarePlan, *, with_help: bool = True, cite: _Cited | None = None
) -> None:
    """Show the care plan: phase, recommendations by track, medicines, exercises, schedule.

    With ``with_help`` the warning signs close it (``render_assessment`` shows them
    before the details instead); ``cite`` numbers the sources.
    """
    _sources = cite or _Cited()
    otc = {m.id for m in load_knowledge_base().medicines if m.otc}
    console.print(Text(f"Phase: {plan.phase.value}. ", style="bold") + Text(plan.phase_note))
    for track in Track:
        recs = [r for r in plan.recommendations if r.track is track]
        if not recs:
            continue
        console.rule(label("track", track))
        for rec in recs:
            console.print(Text(rec.title, style="bold"))
            for line in rec.instructions:
                console.print(f"  • {line}")
            if rec.dose is not None and (amount := dose_text(rec.dose)):
                console.print(f"  How much: {amount}")
            for line in rec.safety:
                console.print(Text(f"  ⚠ {line}", style="yellow"))
            for line in rec.stop_if:
                console.print(Text(f"  ✋ Stop if {line}", style="yellow"))
            evidence = f"Evidence: {rec.evidence.label}. " if rec.evidence else ""
            console.print(Text(f"  {evidence}{_sources(rec.sources)}", style="dim"))
    if plan.bmi is not None:
        console.print(
            f"BMI {plan.bmi.value:g} ({plan.bmi.category}). "
            + Text(_sources(plan.bmi.sources), style="dim").plain
        )
    if plan.medications:
        for title, group in (
            ("Medicines you can buy (always follow the pack label)", True),
            ("Treatments only a doctor gives", False),
        ):
            _medicines(console, title, [m for m in plan.medications if (m.drug in otc) is group])
    if plan.exercises:
        console.rule("Exercises for this phase (run them with `backcare coach`)")
        for ex in plan.exercises:
            sides = "each side" if ex.sides.value == "each" else ""
            console.print(
                Text(ex.name, style="bold")
                + Text(f": hold {ex.hold_seconds} s × {ex.reps} {sides}, ")
                + Text(times_a_day(ex.times_per_day))
            )
    if plan.schedule:
        console.rule("A day of this plan")
        table = Table(show_header=False, box=None)
        for slot in merge_schedule(plan.schedule):
            minutes = f"{slot.minutes:g} min" if slot.minutes else ""
            table.add_row(slot.time, slot.label, minutes)
        console.print(table)
    if with_help and plan.see_doctor_if:
        console.rule("Get help if")
        for sign in plan.see_doctor_if:
            console.print(f"  • {sign.text}")
    if cite is None:
        _source_list(console, _sources)


def _medicines(console: Console, title: str, medicines: list[MedicineAdvice]) -> None:
    if not medicines:
        return
    console.rule(title)
    table = Table(show_lines=False, expand=True)
    table.add_column("Medicine")
    table.add_column("For you")
    table.add_column("Usual dose / limit")
    table.add_column("Why")
    for med in medicines:
        status, style = label("medicine_status", med.status), _STATUS_STYLE[med.status]
        limit = med.usual_dose
        if med.max_daily_mg:
            limit += f"; max {med.max_daily_mg} mg in 24 h"
        table.add_row(med.name, Text(status, style=style), limit, "\n".join(med.reasons))
    console.print(table)
    for med in medicines:
        # The label notes and cautions the web shows under each medicine.
        for note in med.notes:
            console.print(Text(f"  {med.name}: {note}", style="dim"))


def _source_list(console: Console, cite: _Cited) -> None:
    """The cited sources by title, most trusted first, with the numbers used above."""
    if not cite.ids:
        return
    kb = load_knowledge_base()
    known = {s.id: s for s in kb.sources}
    cited = [(n, known[i]) for n, i in enumerate(cite.ids, start=1) if i in known]
    cited.sort(key=lambda pair: _TRUST.get(pair[1].authority, len(_TRUST)))
    console.rule("Sources (most trusted first)")
    for number, source in cited:
        where = f" {source.url}" if source.url else ""
        console.print(Text(f"[{number}] {source.title}{where}", style="dim"))


def render_assessment(
    console: Console,
    assessment: Assessment,
    *,
    answer_hint: str | None = None,
    emergency: str | None = None,
) -> None:
    """Show a whole assessment: triage first, then the plan, then the disclaimer.

    ``answer_hint`` says how to answer the questions an incomplete result still needs;
    ``emergency`` is the number to call (the settings' by default).
    """
    render_triage(
        console,
        assessment.triage,
        questions=unanswered_safety_questions(assessment),
        answer_hint=answer_hint,
    )
    if assessment.triage.level is not TriageLevel.EMERGENCY:
        kb = load_knowledge_base()
        otc = {m.id for m in kb.medicines if m.otc}
        render_do_now(console, do_now(assessment, otc=otc.__contains__))
        number = emergency or get_settings().emergency_number
        render_help(console, assessment.plan.see_doctor_if, number)
        cite = _Cited()
        console.rule("Details", style="dim")
        render_plan(console, assessment.plan, with_help=False, cite=cite)
        _source_list(console, cite)
    console.print(Text(assessment.disclaimer, style="dim italic"))
