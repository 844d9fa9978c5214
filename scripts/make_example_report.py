"""Make docs/example-report.pdf and docs/example-report.html from a synthetic episode.

The episode is invented: a 35-year-old who hurt their back lifting a box on a Monday
morning, checked in twice a day for ten days, used cold packs then heat, walked and
did the exercises, took ibuprofen for four days, and on day 4 reported tingling in
one leg that had gone by day 6. It is built through the diary's own use-cases on an
in-memory database with a fixed clock and the default settings, so the example
shows exactly what backcare produces.

    .venv/bin/python scripts/make_example_report.py [--output-dir docs]
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from backcare import Engine, Settings, load_knowledge_base
from backcare.diary import (
    ActionCount,
    ActivityScore,
    CheckInEntry,
    Diary,
    DoseEntry,
    SelfCareAction,
)
from backcare.domain.answers import History, RedFlags
from backcare.export.report import build_report, render_html, render_pdf
from backcare.store import open_store

ZONE = ZoneInfo("Europe/London")
ONSET = datetime(2026, 3, 2, 7, 30, tzinfo=ZONE)  # a Monday morning
QUESTIONS = (
    "When is it safe to go back to the gym, and what should I avoid?",
    "Should I see a physiotherapist, or keep going with the exercises?",
    "The tingling in my left leg on Thursday went away: does it need checking?",
)
#: Every red-flag and history question answered "no" at the start.
NO = {
    "red_flags": dict.fromkeys(RedFlags.model_fields, False),
    "history": dict.fromkeys(History.model_fields, False),
}
#: (pain morning, pain evening, worst, socks, sitting) for each of the ten days.
COURSE = (
    (7, 6, 8, 2, 3),
    (6, 6, 8, 3, 3),
    (6, 5, 7, 4, 4),
    (5, 5, 7, 4, 5),
    (5, 4, 6, 5, 5),
    (4, 3, 5, 6, 6),
    (3, 3, 4, 7, 6),
    (3, 2, 3, 7, 7),
    (2, 2, 3, 8, 8),
    (2, 1, 2, 9, 8),
)
NOTES = {
    0: "Hurt it lifting a box of books. Lying on the floor with knees up helps.",
    3: "Tingling down the left leg this afternoon, gone by the evening.",
    5: "Leg fine. Heat pad after work helps the stiffness.",
    8: "Walked to the shops and back without stopping.",
}


class Clock:
    """The fixed clock the synthetic diary runs on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(diary: Diary, clock: Clock) -> None:
    """Record the synthetic episode."""
    clock.now = ONSET + timedelta(hours=1, minutes=30)
    diary.start_episode(
        onset=ONSET, trigger="lifting", answers={"age": 35, "pain": 7, "conditions": [], **NO}
    )
    for day, (morning, evening, worst, socks, sitting) in enumerate(COURSE):
        base = datetime.combine(ONSET.date() + timedelta(days=day), datetime.min.time(), ZONE)
        for half, (hour, pain) in enumerate(((8, morning), (20, evening))):
            clock.now = base + timedelta(hours=hour, minutes=15)
            if clock.now <= ONSET + timedelta(hours=1, minutes=30):
                continue
            cold_phase = clock.now < ONSET + timedelta(hours=72)
            actions = [
                ActionCount(SelfCareAction.ICE, 3)
                if cold_phase
                else ActionCount(SelfCareAction.HEAT, 1 + half),
                ActionCount(SelfCareAction.WALK, 5 + day // 2),
            ]
            if day >= 1:
                actions.append(ActionCount(SelfCareAction.EXERCISES, 1 + half))
            doses = ()
            if day < 4:
                doses = (DoseEntry("ibuprofen", 400, clock.now - timedelta(hours=1)),)
            answers = None
            if day == 3 and half == 1:
                answers = {"red_flags": {"one_leg_numbness_or_tingling": True}}
            if day == 5 and half == 0:
                answers = {"red_flags": {"one_leg_numbness_or_tingling": False}}
            diary.check_in(
                CheckInEntry(
                    pain=pain,
                    worst_pain=worst if half == 1 else None,
                    activities=(
                        ActivityScore("putting on socks", socks),
                        ActivityScore("sitting at my desk", sitting),
                    ),
                    actions=tuple(actions),
                    doses=doses,
                    answers=answers,
                    note=NOTES.get(day) if half == 1 else None,
                )
            )


def main() -> None:
    """Build the episode and write the example report as PDF and HTML."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=Path("docs"))
    args = parser.parse_args()
    clock = Clock(ONSET)
    engine = Engine(load_knowledge_base(), Settings())
    with Diary(open_store("sqlite://"), engine=engine, clock=clock, tz=ZONE) as diary:
        build(diary, clock)
        clock.now = datetime(2026, 3, 11, 21, 0, tzinfo=ZONE)
        report = build_report(diary, questions=QUESTIONS)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "example-report.html").write_text(render_html(report), encoding="utf-8")
    (args.output_dir / "example-report.pdf").write_bytes(render_pdf(report))
    print(f"wrote {args.output_dir}/example-report.pdf and example-report.html")


if __name__ == "__main__":
    main()
