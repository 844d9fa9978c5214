"""Rich rendering of assessments and plans for the terminal.

The same shape as the web result: the verdict, a "Do now" panel (the do-now actions of
``backcare.viewmodels.donow``), "Get help if" with every warning sign, then the details.
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
from backcare.i18n import N_, gettext, label, ngettext
from backcare.knowledge.loader import load_knowledge_base
from backcare.settings import get_settings
from backcare.viewmodels.donow import (
    Action,
    day_view,
    do_now,
    dose_text,
    merge_schedule,
    times_a_day,
)

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

#: How to answer the questions an incomplete result still needs, per command (message ids:
#: show them with ``gettext``).
ANSWER_INTERACTIVELY = N_("To answer them, run `backcare` again.")
ANSWER_AT_CHECKIN = N_(
    "To answer them, check in: `backcare checkin` asks each question, or give `--flag KEY=yes|no`."
)


def answer_in_file(source: str) -> str:
    """The hint for ``assess --input``: add the answers to the file and run it again."""
    where = gettext("the answers") if source == "-" else source
    return gettext(
        "To answer them, add them to {where} and run `backcare assess --input {source}` again."
    ).format(where=where, source=source)


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
        numbers = " ".join(f"[{self.ids.index(i) + 1}]" for i in ids)
        return gettext("Sources: {numbers}").format(numbers=numbers)


def _sources(ids: tuple[str, ...]) -> str:
    """Sources by their short titles ("NICE NG59"), never their ids."""
    kb = load_knowledge_base()
    return gettext("Sources: {titles}").format(titles=", ".join(kb.source_title(i) for i in ids))


_HELP_GROUPS = (
    (TriageLevel.EMERGENCY, N_("Call {number} now if"), "bold red"),
    (TriageLevel.URGENT, N_("Get help today if"), "bold yellow"),
    (TriageLevel.SEE_DOCTOR, N_("See a doctor within days if"), "bold"),
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
    title = gettext("Do now")
    console.print(Panel(Group(*lines), title=title, title_align="left", border_style="green"))


def render_now_next(console: Console, plan: CarePlan, *, onset: datetime, now: datetime) -> None:
    """What is due now and next today, from the episode's start (``onset``) and ``now``."""
    if not plan.schedule:
        return
    local = onset.astimezone(now.tzinfo)
    since = local.time() if local.date() == now.date() else None
    day = day_view(merge_schedule(plan.schedule, since=since), now.time())
    lines: list[Text] = []
    now_word, next_word = gettext("Now"), gettext("Next")
    width = max(len(now_word), len(next_word)) + 1  # the times line up
    if day.now is not None:
        now_line = f"{day.now.time}  {day.now.label}"
        lines.append(Text.assemble((now_word.ljust(width), "bold green"), now_line))
    if day.next is not None:
        next_line = f"{day.next.time}  {day.next.label}"
        lines.append(Text.assemble((next_word.ljust(width), "bold"), next_line))
    else:
        lines.append(Text(gettext("Nothing more today: the plan starts again in the morning.")))
    later = ngettext("{count} more later today", "{count} more later today", len(day.later))
    lines.append(Text(later.format(count=len(day.later)), style="dim"))
    title = gettext("Today")
    console.print(Panel(Group(*lines), title=title, title_align="left", border_style="green"))


def render_help(console: Console, signs: tuple[WarningSign, ...], number: str) -> None:
    """Every warning sign, grouped by how fast to get help."""
    if not signs:
        return
    lines: list[Text] = []
    for level, heading, style in _HELP_GROUPS:
        group = [s for s in signs if s.level is level]
        if group:
            lines.append(Text(gettext(heading).format(number=number), style=style))
            lines += [Text(f"  • {sign.text}") for sign in group]
    console.print(Panel(Group(*lines), title=gettext("Get help if"), title_align="left"))


def render_emergency(console: Console, triage: Triage) -> None:
    """Show the emergency instruction alone, before anything else."""
    assert triage.emergency is not None
    reasons = "\n".join(f"• {r.message}" for r in triage.reasons if r.level is triage.level)
    body = Text.assemble(
        (triage.emergency.message + "\n\n", "bold"),
        (gettext("Why:") + " \n", "bold"),
        reasons,
    )
    title = gettext("Call {number} now").format(number=triage.emergency.number).upper()
    console.print(Panel(body, title=title, style="bold red", expand=True))


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
            lines.append(Text(gettext(answer_hint), style="bold"))
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
    phase = gettext("Phase: {phase}.").format(phase=label("phase", plan.phase).lower())
    console.print(Text(phase + " ", style="bold") + Text(plan.phase_note))
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
                console.print("  " + gettext("How much: {amount}").format(amount=amount))
            for line in rec.safety:
                console.print(Text(f"  ⚠ {line}", style="yellow"))
            for line in rec.stop_if:
                console.print(Text(f"  ✋ {gettext('Stop if:')} {line}", style="yellow"))
            evidence = ""
            if rec.evidence:
                evidence = gettext("Evidence: {grade}.").format(grade=rec.evidence.label) + " "
            console.print(Text(f"  {evidence}{_sources(rec.sources)}", style="dim"))
    if plan.bmi is not None:
        console.print(
            gettext("Body mass index: {value} ({band}).").format(
                value=f"{plan.bmi.value:g}", band=plan.bmi.category
            )
            + " "
            + Text(_sources(plan.bmi.sources), style="dim").plain
        )
    if plan.medications:
        for title, group in (
            (gettext("Medicines you can buy (always follow the pack label)"), True),
            (gettext("Treatments only a doctor gives"), False),
        ):
            _medicines(console, title, [m for m in plan.medications if (m.drug in otc) is group])
    if plan.exercises:
        console.rule(gettext("Exercises for this phase (run them with `backcare coach`)"))
        for ex in plan.exercises:
            if ex.sides.value == "each":
                dose = gettext("hold {hold} s × {reps} each side")
            else:
                dose = gettext("hold {hold} s × {reps}")
            console.print(
                Text(ex.name, style="bold")
                + Text(": " + dose.format(hold=ex.hold_seconds, reps=ex.reps) + ", ")
                + Text(times_a_day(ex.times_per_day))
            )
    if plan.schedule:
        console.rule(gettext("A day of this plan"))
        table = Table(show_header=False, box=None)
        for slot in merge_schedule(plan.schedule):
            minutes = (
                gettext("{minutes} min").format(minutes=f"{slot.minutes:g}") if slot.minutes else ""
            )
            table.add_row(slot.time, slot.label, minutes)
        console.print(table)
    if with_help and plan.see_doctor_if:
        console.rule(gettext("Get help if"))
        for sign in plan.see_doctor_if:
            console.print(f"  • {sign.text}")
    if cite is None:
        _source_list(console, _sources)


def _medicines(console: Console, title: str, medicines: list[MedicineAdvice]) -> None:
    if not medicines:
        return
    console.rule(title)
    table = Table(show_lines=False, expand=True)
    table.add_column(gettext("Medicine"))
    table.add_column(gettext("For you"))
    table.add_column(gettext("Usual dose / limit"))
    table.add_column(gettext("Why"))
    for med in medicines:
        status, style = label("medicine_status", med.status), _STATUS_STYLE[med.status]
        limit = med.usual_dose
        if med.max_daily_mg:
            limit += "; " + gettext("max {mg} mg in 24 h").format(mg=med.max_daily_mg)
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
    console.rule(gettext("Sources (most trusted first)"))
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
        console.rule(gettext("Details"), style="dim")
        render_plan(console, assessment.plan, with_help=False, cite=cite)
        _source_list(console, cite)
    console.print(Text(assessment.disclaimer, style="dim italic"))
