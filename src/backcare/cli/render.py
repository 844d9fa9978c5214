"""Rich rendering of assessments and plans for the terminal.

Every recommendation is shown with its sources and evidence grade; an emergency is
shown first, alone and unmissable. An incomplete result that would read as
self-care gets its own neutral panel, lists the unanswered questions as questions
and says which command answers them.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backcare.domain.enums import MedicineStatus, Track, TriageLevel
from backcare.domain.results import Assessment, CarePlan, Question, Triage
from backcare.domain.verdict import (
    INCOMPLETE,
    INCOMPLETE_EXPLAINED,
    incomplete_headline,
    unanswered_safety_questions,
    verdict_state,
)

__all__ = [
    "ANSWER_AT_CHECKIN",
    "ANSWER_INTERACTIVELY",
    "answer_in_file",
    "render_assessment",
    "render_emergency",
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


_LEVEL_STYLE = {
    TriageLevel.EMERGENCY: ("EMERGENCY", "bold white on red"),
    TriageLevel.URGENT: ("URGENT: today", "bold black on yellow"),
    TriageLevel.SEE_DOCTOR: ("SEE A DOCTOR within days", "bold black on cyan"),
    TriageLevel.SELF_CARE: ("SELF-CARE", "bold black on green"),
}
_INCOMPLETE_STYLE = ("NOT COMPLETE: we can't tell yet", "bold")

_STATUS_STYLE = {
    MedicineStatus.SUITABLE: ("suitable", "green"),
    MedicineStatus.ASK_FIRST: ("ask a pharmacist or doctor first", "yellow"),
    MedicineStatus.AVOID: ("avoid", "bold red"),
}
_TRACK_TITLES = {
    Track.RELIEF: "Relieve the pain",
    Track.CAUSE: "Find and treat the cause",
    Track.PREVENTION: "Stop it coming back",
}


def _sources(ids: tuple[str, ...]) -> str:
    return "Sources: " + ", ".join(ids)


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
        label, style = _INCOMPLETE_STYLE
        lines += [Text(incomplete_headline(triage), style="bold"), Text(INCOMPLETE_EXPLAINED)]
    else:
        label, style = _LEVEL_STYLE[triage.level]
        lines.append(Text(triage.summary))
        if not triage.complete:
            lines.append(Text(incomplete_headline(triage), style="bold yellow"))
    for reason in triage.reasons:
        lines.append(Text(f"• {reason.message}  ({_sources(reason.sources)})", style="dim"))
    if not triage.complete:
        lines += [Text(f"  ? {question.text}") for question in questions]
        if answer_hint:
            lines.append(Text(answer_hint, style="bold"))
    console.print(Panel(Group(*lines), title=label, title_align="left", border_style=style))


def render_plan(console: Console, plan: CarePlan) -> None:
    """Show the care plan: phase, recommendations by track, medicines, exercises, schedule."""
    console.print(Text(f"Phase: {plan.phase.value}. ", style="bold") + Text(plan.phase_note))
    for track in Track:
        recs = [r for r in plan.recommendations if r.track is track]
        if not recs:
            continue
        console.rule(_TRACK_TITLES[track])
        for rec in recs:
            console.print(Text(rec.title, style="bold"))
            for line in rec.instructions:
                console.print(f"  • {line}")
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
        console.rule("Medicines (always follow the pack label)")
        table = Table(show_lines=False, expand=True)
        table.add_column("Medicine")
        table.add_column("For you")
        table.add_column("Usual dose / limit")
        table.add_column("Why")
        for med in plan.medications:
            label, style = _STATUS_STYLE[med.status]
            limit = med.usual_dose
            if med.max_daily_mg:
                limit += f"; max {med.max_daily_mg} mg in 24 h"
            table.add_row(med.name, Text(label, style=style), limit, "\n".join(med.reasons))
        console.print(table)
        for med in plan.medications:
            # The label notes and cautions the web shows under each medicine.
            for note in med.notes:
                console.print(Text(f"  {med.name}: {note}", style="dim"))
    if plan.exercises:
        console.rule("Exercises for this phase (run them with `backcare coach`)")
        for ex in plan.exercises:
            sides = "each side" if ex.sides.value == "each" else ""
            console.print(
                Text(ex.name, style="bold")
                + Text(f": hold {ex.hold_seconds} s × {ex.reps} {sides}, {ex.times_per_day}×/day")
            )
    if plan.schedule:
        console.rule("Today")
        table = Table(show_header=False, box=None)
        for item in plan.schedule:
            minutes = f"{item.minutes:g} min" if item.minutes else ""
            table.add_row(item.time, item.title, minutes)
        console.print(table)
    if plan.see_doctor_if:
        console.rule("Get help if")
        for sign in plan.see_doctor_if:
            console.print(f"  • {sign.text}")


def render_assessment(
    console: Console, assessment: Assessment, *, answer_hint: str | None = None
) -> None:
    """Show a whole assessment: triage first, then the plan, then the disclaimer.

    ``answer_hint`` says how to answer the questions an incomplete result still needs.
    """
    render_triage(
        console,
        assessment.triage,
        questions=unanswered_safety_questions(assessment),
        answer_hint=answer_hint,
    )
    if assessment.triage.level is not TriageLevel.EMERGENCY:
        render_plan(console, assessment.plan)
    console.print(Text(assessment.disclaimer, style="dim italic"))
