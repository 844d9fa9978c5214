"""The clinician report: content, self-contained HTML, a one-to-two-page PDF, clear errors, CLI.

PDF checks read the file back with poppler's ``pdftotext`` and ``pdfinfo`` (Debian
``poppler-utils``); without them those tests skip with the reason.
"""

# ruff: noqa: F811  (pytest fixtures imported from store_fixtures are redefined as arguments)
from __future__ import annotations

import base64
import re
import shutil
import subprocess
from ctypes.util import find_library
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from tests.factories import add_coach_session
from typer.testing import CliRunner

from backcare import Engine
from backcare.diary import (
    ActionCount,
    ActivityScore,
    CheckInEntry,
    Diary,
    DoseEntry,
    SelfCareAction,
)
from backcare.errors import InputError, NotFoundError
from backcare.export.report import (
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    build_report,
    clinician_report,
    render_html,
)
from backcare.store import open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    invoke,
    sqlite_diary,
    sqlite_url,
    start_answers,
)
from test_export_fhir import HYPOTHESIS, EpisodeSpec, build_episode, episode_specs

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdfinfo") is not None
# weasyprint loads these with ctypes when it is imported (Debian: libpango-1.0-0,
# libpangoft2-1.0-0, libharfbuzz-subset0); look for them without paying for the import.
PDF_LIBRARIES = all(find_library(name) for name in ("pango-1.0", "pangoft2-1.0", "harfbuzz-subset"))
needs_pdf_tools = pytest.mark.skipif(
    not (POPPLER and PDF_LIBRARIES),
    reason="needs pdftotext/pdfinfo (poppler-utils) and weasyprint's libraries "
    "(libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0)",
)


def pdf_text(data: bytes, tmp_path: Path) -> tuple[str, int]:
    """The text of a PDF (pdftotext) and its page count (pdfinfo)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return " ".join(text.split()), pages


def week_of_checkins(diary: Diary, clock: FakeClock) -> None:
    """A typical lifting spasm: a week of check-ins, ice then heat, ibuprofen, one fever."""
    diary.start_episode(
        onset=START - timedelta(hours=5),
        trigger="lifting",
        answers=start_answers(pain=7, red_flags__night_or_rest_pain=None),
    )
    for day in range(7):
        clock.advance(hours=12)
        diary.check_in(
            CheckInEntry(
                pain=max(1, 7 - day),
                worst_pain=min(10, 8 - day // 2),
                activities=(ActivityScore("putting on socks", 3 + day),),
                actions=(
                    ActionCount(SelfCareAction.ICE if day < 3 else SelfCareAction.HEAT, 3),
                    ActionCount(SelfCareAction.WALK, 6),
                ),
                doses=(DoseEntry("ibuprofen", 400),),
                answers={"red_flags": {"fever": day == 2}},
                note="<script>alert('x')</script> better after the walk" if day == 4 else None,
            ),
            override_dose_limits=True,
        )
        clock.advance(hours=12)


@pytest.fixture
def diary_week(sqlite_diary: Diary, clock: FakeClock) -> Diary:
    week_of_checkins(sqlite_diary, clock)
    return sqlite_diary


@pytest.fixture
def html(diary_week: Diary) -> str:
    return clinician_report(
        diary_week, fmt="html", questions=["Can I go back to work on Monday?"]
    ).decode("utf-8")


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- content -------------------------------------------------------------------------------


def test_report_shows_the_episode_and_its_range(html: str) -> None:
    text = visible(html)
    assert "Episode 1 · 02 Mar 2026 to 09 Mar 2026" in text
    assert "Onset 02 Mar 2026 03:00" in text
    assert "Trigger lifting" in text
    assert "Check-ins 7 in the range" in text


def test_report_shows_triage_history_with_reasons_and_sources(html: str) -> None:
    text = visible(html)
    assert "Urgent: get medical help today" in text
    assert "fever (urgent): Fever with back pain" in text
    assert "NHS: Kidney infection]" in text  # sources by their short titles, never ids
    assert "nhs_kidney_infection" not in text
    assert text.count("Self-care") >= 2  # before and after the fever


def test_red_flags_are_yes_no_or_not_answered(html: str) -> None:
    text = visible(html)
    assert "Fever (urgent) No · 08 Mar 20:00" in text  # yes on day 3, answered no since
    assert "Night or rest pain (urgent) Not answered" in text
    assert "Saddle numbness (emergency) No · at start" in text
    assert "never taken as &#34;no&#34;" in html or 'never taken as "no"' in text


def test_outcomes_compare_pain_with_the_baseline_and_list_unrecorded_measures(html: str) -> None:
    text = visible(html)
    assert "Pain now, NRS 0-10 (baseline → latest) 7 1 -6 points: better" in text
    assert "Function, PSFS mean 0-10 (putting on socks) 3.0 9.0 +6.0 points" in text
    for measure in (
        "STarT Back Screening Tool",
        "Oswestry Disability Index",
        "Roland-Morris Disability Questionnaire",
    ):
        assert f"{measure} not recorded" in text


def test_questionnaires_show_their_scores_over_time_with_bands(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    from backcare.diary.questionnaires import QuestionnaireService

    sqlite_diary.start_episode(onset=START, answers=start_answers(pain=7))
    service = QuestionnaireService(sqlite_diary)
    odi = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing"]
    odi += ["sleeping", "sex_life", "social_life", "travelling"]
    for scores in ([2] * 10, [1] * 10):
        clock.advance(days=2)
        sqlite_diary.check_in(CheckInEntry(pain=5))
        service.record("odi", dict(zip(odi, scores, strict=True)))
    clock.advance(hours=1)
    service.record("start_back", {f"item{i}": "agree" for i in range(1, 9)} | {"item9": "slightly"})
    text = visible(clinician_report(sqlite_diary, fmt="html").decode("utf-8"))
    assert (
        "Oswestry Disability Index 40 % (Moderate disability (21-40 %)) "
        "20 % (Minimal disability (0-20 %)) 20 points better (meaningful: 10 points)"
    ) in text
    assert "STarT Back Screening Tool 8 (High risk) - filled in once" in text
    assert "Roland-Morris Disability Questionnaire not recorded" in text
    assert "Oswestry Disability Index: 04 Mar: 40 %" in text


def test_adherence_counts_what_was_done_against_what_was_planned(html: str) -> None:
    text = visible(html)
    match = re.search(r"Cold pack (\d+) (\d+) (\d+)%", text)
    assert match is not None
    done, planned = int(match.group(1)), int(match.group(2))
    assert done == 9  # 3 check-ins x 3
    assert 0 < planned <= 3 * 8  # cold only in the first 72 hours, 8 a day at most
    assert re.search(r"Heat 12 \d+ \d+%", text)
    assert re.search(r"Walking 42 \d+ \d+%", text)


def test_medicines_show_doses_and_the_highest_24_hours_against_the_plans_limit(html: str) -> None:
    text = visible(html)
    assert "Ibuprofen 7 7 400 / 1200 mg" in text


def test_medicine_over_the_daily_maximum_is_flagged(sqlite_diary: Diary, clock: FakeClock) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    for _ in range(4):
        clock.advance(hours=3)
        sqlite_diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)), override_dose_limits=True
        )
    text = visible(clinician_report(sqlite_diary, fmt="html").decode())
    assert "1600 / 1200 mg" in text
    assert "doses recorded over a limit" in text


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        pytest.param({"age": 14}, "adults (16 and over)", id="child"),
        pytest.param({"conditions": ["liver_disease"]}, "liver disease", id="liver-disease"),
        pytest.param({"weight_kg": 45}, "under 50 kg", id="under-50-kg"),
    ],
)
def test_medicines_are_shown_against_the_plans_limit_not_the_label(
    sqlite_diary: Diary,
    clock: FakeClock,
    answers: dict[str, Any],
    reason: str,
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers(**answers))
    clock.advance(hours=3)
    sqlite_diary.check_in(
        CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 500),)), override_dose_limits=True
    )
    text = visible(clinician_report(sqlite_diary, fmt="html").decode())
    assert "Paracetamol (acetaminophen) 1 1 500 / none safe" in text
    assert "4000 mg" not in text
    assert "No daily maximum for this patient" in text
    assert reason in text


def test_questions_notes_disclaimer_and_sources_are_included(html: str) -> None:
    text = visible(html)
    assert "Can I go back to work on Monday?" in text
    assert "better after the walk" in text
    assert "not a diagnosis or a prescription" in text
    assert "Ostelo 2008, Spine" in text
    assert "PACE trial 2014" in text


def test_the_persons_text_is_escaped(html: str) -> None:
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_html_is_self_contained(html: str) -> None:
    assert "<link" not in html
    assert "<script" not in html
    assert "@import" not in html
    chart, *drawings = re.findall(r'<img[^>]+src="([^"]+)"', html)
    prefix = "data:image/svg+xml;base64,"
    assert chart.startswith(prefix)
    assert base64.b64decode(chart.removeprefix(prefix)).lstrip().startswith(b"<?xml")
    assert drawings, "the plan's exercises are drawn"
    for source in drawings:  # each exercise's start and held position
        assert source.startswith(prefix)
        assert base64.b64decode(source.removeprefix(prefix)).startswith(b"<svg ")


def test_report_draws_each_exercise_of_the_plan(diary_week: Diary) -> None:
    report = build_report(diary_week)
    assert report.exercises
    html = render_html(report)
    assert "Exercises in the plan" in html
    for exercise in report.exercises:
        assert f"{exercise.name}</b>" in html.replace("&#39;", "'")
        assert f'alt="{exercise.alt}"' in html
    assert "Exercises in the plan" not in render_html(report, compact=True)


def test_range_limits_the_checkins_reported(diary_week: Diary) -> None:
    report = build_report(diary_week, start="2026-03-04", end=date(2026, 3, 5))
    assert report.checkins == 2
    assert (report.start, report.end) == (date(2026, 3, 4), date(2026, 3, 5))


def test_resolved_episode_reports_its_summary(diary_week: Diary, clock: FakeClock) -> None:
    diary_week.resolve(summary="Settled after a week of heat and walking.")
    clock.advance(days=30)
    report = build_report(diary_week)
    assert report.end == date(2026, 3, 9)  # the day it was resolved, not today
    assert report.status == "resolved"
    assert "Settled after a week" in visible(render_html(report))


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"start": "2026-03-06", "end": "2026-03-04"}, "--from", id="from-after-to"),
        pytest.param({"start": "2026-13-01"}, "--from", id="from-not-a-date"),
        pytest.param({"end": "yesterday"}, "--to", id="to-not-a-date"),
        pytest.param({"end": "2026-02-01"}, "--to", id="range-before-first-checkin"),
        pytest.param({"start": "2026-04-01"}, "--from", id="range-after-last-checkin"),
        pytest.param({"questions": ["?"] * (MAX_QUESTIONS + 1)}, "--question", id="too-many"),
        pytest.param({"questions": ["x" * (MAX_QUESTION_LENGTH + 1)]}, "--question", id="too-long"),
        pytest.param({"fmt": "docx"}, "--format", id="unknown-format"),
    ],
)
def test_bad_report_request_is_an_input_error_naming_the_field(
    diary_week: Diary, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        clinician_report(diary_week, **kwargs)
    assert caught.value.problems[0].field == field


def test_gap_between_checkins_names_both_ends_of_the_range(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=2)
    sqlite_diary.check_in(CheckInEntry(pain=5))
    clock.advance(days=5)
    sqlite_diary.check_in(CheckInEntry(pain=3))
    with pytest.raises(InputError) as caught:
        build_report(sqlite_diary, start="2026-03-04", end="2026-03-05")
    assert caught.value.problems[0].field == "--from/--to"


def test_episode_without_checkins_is_an_input_error(sqlite_diary: Diary) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    with pytest.raises(InputError) as caught:
        clinician_report(sqlite_diary)
    assert caught.value.problems[0].field == "episode"


def test_empty_diary_is_not_found(sqlite_diary: Diary) -> None:
    with pytest.raises(NotFoundError):
        clinician_report(sqlite_diary)


# --- PDF -------------------------------------------------------------------------------------


@needs_pdf_tools
def test_pdf_has_the_reports_text_on_one_or_two_pages(diary_week: Diary, tmp_path: Path) -> None:
    data = clinician_report(diary_week, questions=["Should I see a physiotherapist?"])
    assert data.startswith(b"%PDF-")
    text, pages = pdf_text(data, tmp_path)
    assert pages in (1, 2)
    for phrase in (
        "backcare clinician report",
        "Onset 02 Mar 2026 03:00",
        "Triage over the range",
        "Fever (urgent) No",
        "Should I see a physiotherapist?",
        "not a diagnosis or a prescription",
    ):
        assert phrase in text, phrase


def heavy_episode(diary: Diary, clock: FakeClock) -> None:
    """Two months of check-ins changing triage every time, with notes and three medicines."""
    flags = ("fever", "night_or_rest_pain", "unexplained_weight_loss", "urinary_symptoms")
    diary.start_episode(
        onset=START,
        trigger="minor_fall",
        answers={"pain": 8, "age": 70, "history": {"cancer": True, "osteoporosis": True}},
    )
    for i in range(120):
        clock.advance(hours=11)
        diary.check_in(
            CheckInEntry(
                pain=(i * 7) % 11,
                worst_pain=10,
                activities=(
                    ActivityScore("W" * 80, i % 11),
                    ActivityScore("socks", 4),
                    ActivityScore("stairs", 2),
                ),
                actions=tuple(ActionCount(a, 9) for a in SelfCareAction),
                doses=(
                    DoseEntry("ibuprofen", 400),
                    DoseEntry("paracetamol", 1000),
                    DoseEntry("naproxen", 220),
                ),
                note="Lorem ipsum dolor sit amet " * 20,
                answers={"red_flags": {flags[i % len(flags)]: i % 2 == 0}},
            ),
            override_dose_limits=True,
        )


@needs_pdf_tools
def test_heavy_episode_still_fits_on_two_pages(
    sqlite_diary: Diary, clock: FakeClock, tmp_path: Path
) -> None:
    heavy_episode(sqlite_diary, clock)
    questions = ["Q" * (MAX_QUESTION_LENGTH - 5) + " end?"] * MAX_QUESTIONS
    text, pages = pdf_text(clinician_report(sqlite_diary, questions=questions), tmp_path)
    assert pages == 2
    assert text.count("end?") == MAX_QUESTIONS  # the person's questions are never dropped
    assert "About this report" in text


@needs_pdf_tools
@settings(HYPOTHESIS, max_examples=8)
@given(spec=episode_specs)
def test_every_generated_episode_gives_a_short_pdf_or_a_clear_error(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, spec: EpisodeSpec
) -> None:
    clock = FakeClock()
    with Diary(open_store("sqlite://"), engine=engine, clock=clock, tz=UTC) as diary:
        episode_id = build_episode(diary, clock, spec)
        if not spec.checkins:
            with pytest.raises(InputError) as caught:
                clinician_report(diary, episode_id=episode_id)
            assert caught.value.problems[0].field == "episode"
            return
        data = clinician_report(diary, episode_id=episode_id)
    text, pages = pdf_text(data, tmp_path_factory.mktemp("pdf"))
    assert pages in (1, 2)
    assert f"Check-ins {len(spec.checkins)} in the range" in text


# --- command line -----------------------------------------------------------------------------


@pytest.fixture
def app() -> typer.Typer:
    """The export commands on an app that already has a ``kb`` group, as backcare's has."""
    from backcare.cli.reports import register

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    kb = typer.Typer(help="Knowledge base.")

    @kb.command("check")
    def _check() -> None:
        """Stand-in for the real kb check."""

    app.add_typer(kb, name="kb")
    register(app)
    return app


@pytest.fixture
def db(sqlite_url: str, engine: Engine, clock: FakeClock) -> str:
    with Diary(open_store(sqlite_url), engine=engine, clock=clock, tz=UTC) as diary:
        week_of_checkins(diary, clock)
    return sqlite_url


def test_cli_report_writes_html_with_the_questions(
    app: typer.Typer, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    args = ["report", "--db", db, "--format", "html", "-o", str(out)]
    args += ["--question", "Work?", "--question", "Physio?"]
    code, result = invoke(app, args)
    assert code == 0, result.output
    text = visible(out.read_text(encoding="utf-8"))
    assert "Work?" in text
    assert "Physio?" in text


@needs_pdf_tools
def test_cli_report_writes_a_pdf(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    code, result = invoke(app, ["report", "--db", db, "--output", str(out), "--to", "2026-03-09"])
    assert code == 0, result.output
    text, pages = pdf_text(out.read_bytes(), tmp_path)
    assert "09 Mar 2026" in text
    assert pages in (1, 2)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        pytest.param(["--from", "2026-03-09", "--to", "2026-03-02"], "--from", id="from-after-to"),
        pytest.param(["--from", "02/03/2026"], "--from", id="bad-date"),
        pytest.param(["--format", "txt"], "--format", id="bad-format"),
    ],
)
def test_cli_report_error_exits_2_and_writes_no_file(
    app: typer.Typer, db: str, tmp_path: Path, args: list[str], field: str
) -> None:
    out = tmp_path / "report.pdf"
    code, result = invoke(app, ["report", "--db", db, "-o", str(out), *args])
    assert code == 2
    assert isinstance(result.exception, InputError)
    assert result.exception.problems[0].field == field
    assert not out.exists()


def test_cli_reminders_writes_a_calendar(app: typer.Typer, db: str, tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "reminders.ics"
    code, result = invoke(app, ["reminders", "--db", db, "--days", "2", "--output", str(out)])
    assert code == 0, result.output
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    assert calendar.walk("VEVENT")


def test_cli_reminders_refuses_too_many_days(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "reminders.ics"
    code, _ = invoke(app, ["reminders", "--db", db, "--days", "400", "--output", str(out)])
    assert code == 2
    assert not out.exists()


def test_cli_kb_fhir_joins_the_existing_kb_group(app: typer.Typer, tmp_path: Path) -> None:
    import json

    out = tmp_path / "protocol.json"
    code, result = invoke(app, ["kb", "fhir", "--output", str(out)])
    assert code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["entry"][0]["resource"]["resourceType"] == "PlanDefinition"
    assert [g.name for g in app.registered_groups] == ["kb"]


def test_cli_pdf_to_a_terminal_needs_an_output_file(
    app: typer.Typer, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backcare.cli import reports

    monkeypatch.setattr(reports.sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(InputError) as caught:
        reports._write(b"%PDF-", None, binary=True, what="report")
    assert caught.value.problems[0].field == "--output"


def test_cli_kb_fhir_prints_to_stdout(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["kb", "fhir"])
    assert result.exit_code == 0
    assert '"resourceType": "Bundle"' in result.output


def test_cli_write_failure_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    from backcare.cli.reports import _write

    with pytest.raises(InputError) as caught:
        _write(b"BEGIN:VCALENDAR", tmp_path, binary=False, what="calendar")  # a folder
    assert caught.value.problems[0].field == str(tmp_path)


def test_register_adds_a_kb_group_when_the_app_has_none() -> None:
    from backcare.cli.reports import register

    bare = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(bare)
    result = CliRunner().invoke(bare, ["kb", "fhir"])
    assert result.exit_code == 0
    assert '"PlanDefinition"' in result.output


# --- exercise coach sessions -----------------------------------------------------------------


def test_a_coach_session_counts_as_exercise_done_and_is_listed(
    sqlite_diary: Diary,
    clock: FakeClock,
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=2)
    sqlite_diary.check_in(CheckInEntry(pain=5))
    clock.advance(hours=1)
    add_coach_session(sqlite_diary.store, now=sqlite_diary.now())
    text = visible(clinician_report(sqlite_diary, fmt="html").decode())
    match = re.search(r"Exercises (\d+) (\d+) (\d+)%", text)
    assert match is not None, text
    assert int(match.group(1)) == 1
    assert "Exercise coach sessions" in text
    assert "1 / 1 6 5 → 4 finished" in text


def test_a_session_reported_at_a_check_in_too_is_not_counted_twice(
    sqlite_diary: Diary,
    clock: FakeClock,
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=1)
    add_coach_session(sqlite_diary.store, now=sqlite_diary.now())
    clock.advance(hours=1)
    sqlite_diary.check_in(CheckInEntry(pain=5, actions=(ActionCount(SelfCareAction.EXERCISES, 1),)))
    text = visible(clinician_report(sqlite_diary, fmt="html").decode())
    assert re.search(r"Exercises 1 \d+ \d+%", text), text


@needs_pdf_tools
def test_pdf_read_back_shows_the_coach_sessions_done(
    diary_week: Diary, clock: FakeClock, tmp_path: Path
) -> None:
    add_coach_session(diary_week.store, now=diary_week.now())
    clock.advance(hours=3)
    add_coach_session(diary_week.store, now=diary_week.now(), quit_early=True)
    text, pages = pdf_text(clinician_report(diary_week), tmp_path)
    assert pages in (1, 2)
    assert "Exercise coach sessions" in text
    assert "finished" in text
    assert "stopped" in text  # "stopped early", wrapped in its narrow column
    assert re.search(r"Exercises 2 \d+ \d+%", text), text


@needs_pdf_tools
def test_the_report_shows_the_week_and_counts_against_the_plan(
    sqlite_diary: Diary, clock: FakeClock, tmp_path: Path
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers(pain=6))
    clock.advance(hours=6)
    counts = (ActionCount(SelfCareAction.WALK, 6), ActionCount(SelfCareAction.EXERCISES, 3))
    sqlite_diary.check_in(CheckInEntry(pain=5, actions=counts))
    add_coach_session(sqlite_diary.store, now=clock())
    report = build_report(sqlite_diary)
    walking = next(row for row in report.adherence if row.label == "Walking")
    exercises = next(row for row in report.adherence if row.label == "Exercises")
    assert (walking.done, exercises.done) == (6, 3)  # counted, not one tick per action
    assert report.week is not None
    assert report.week.days[-1].sessions == 3  # the larger of reported (3) and coached (1)
    text, _ = pdf_text(clinician_report(sqlite_diary), tmp_path)
    assert "The last 7 days of the range" in text
    assert "Last 7 days: 1 check-in, 3 exercise sessions" in text
    assert "definition of recovery" not in text
