"""The clinician's dashboard: their care team's patients, the ones who need them first.

Order of need (most first): an emergency, then an urgent, check-in not yet acknowledged;
advice to see a doctor at the latest check-in; safety questions still unanswered while
nothing answered points higher (the patient's own pages say "We can't tell yet": the
dashboard must not say nothing needs attention); an episode getting worse (the diary's
trend: pain or function past its minimal important change); no check-in for 3 days or
more; a dose taken over its limit. Reading each patient's diary goes through
:meth:`backcare.accounts.Accounts.diary_stores`, so every row is an audited read; the
patients it lets through are then read together, in a fixed number of queries whatever
the size of the team.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from backcare.accounts import Accounts
from backcare.diary import Diary
from backcare.diary.service import EpisodeHistory
from backcare.diary.trends import episode_day
from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.verdict import INCOMPLETE, verdict_state
from backcare.errors import NotFoundError
from backcare.i18n import format_when, gettext, ngettext
from backcare.rules.assessor import Engine
from backcare.store.people import Person
from backcare.store.records import EpisodeStatus

__all__ = ["QUIET_DAYS", "PatientRow", "dashboard", "patient_history"]

#: Days without a check-in after which a patient is listed as quiet.
QUIET_DAYS = 3
_ESCALATED = (TriageLevel.EMERGENCY, TriageLevel.URGENT)


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One patient on the dashboard.

    Attributes:
        patient: the patient.
        need: 0 (most) to 7 (nothing needs attention); rows are sorted by it.
        reason: why they are where they are, in plain words.
        episode_day: day of the current episode (1 = the day it began), if any.
        last_pain: the latest check-in's pain (0-10).
        last_checkin_at: when the patient last checked in.
        pains: the episode's pain scores, oldest first (for the small trend line).
        to_acknowledge: the check-in an "acknowledge" would mark as seen.
    """

    patient: Person
    need: int
    reason: str
    episode_day: int | None = None
    last_pain: int | None = None
    last_checkin_at: datetime | None = None
    pains: tuple[int, ...] = ()
    to_acknowledge: int | None = None


def patient_history(
    accounts: Accounts,
    actor: Person,
    patient_id: int,
    *,
    engine: Engine,
    clock: Callable[[], datetime],
    action: str,
    address: str = "",
) -> tuple[Diary, EpisodeHistory | None]:
    """A patient's diary and current episode, read as ``actor`` (audited).

    Raises:
        NotFoundError: the actor may not see this patient.
    """
    store = accounts.diary_store(actor, patient_id, action=action, address=address)
    return _read(Diary(store, engine=engine, clock=clock))


def _read(diary: Diary) -> tuple[Diary, EpisodeHistory | None]:
    """The diary and its current episode (``None``: no episode yet)."""
    try:
        return diary, diary.history()
    except NotFoundError:
        return diary, None


def dashboard(
    accounts: Accounts,
    actor: Person,
    *,
    engine: Engine,
    clock: Callable[[], datetime],
    address: str = "",
    action: str = "dashboard",
) -> list[PatientRow]:
    """The actor's care-team patients, most in need first (each read audited as ``action``)."""
    patients = accounts.patients_of(actor)
    stores = accounts.diary_stores(actor, [p.id for p in patients], action=action, address=address)
    # Only the patients the gate let through (and audited) are read, all at once.
    current, acknowledged = accounts.current_episodes(stores)
    rows = []
    for patient in patients:
        if patient.id not in stores:  # left the team since the list was read
            continue
        diary = Diary(stores[patient.id], engine=engine, clock=clock)
        found = current.get(patient.id)
        history = (
            None
            if found is None
            else EpisodeHistory(episode=found.episode, checkins=found.checkins, doses=found.doses)
        )
        rows.append(_row(patient, diary, history, acknowledged[patient.id]))
    return sorted(rows, key=lambda row: (row.need, row.patient.id))


def _row(
    patient: Person,
    diary: Diary,
    history: EpisodeHistory | None,
    acknowledged: dict[int, tuple[int | None, datetime]],
) -> PatientRow:
    if history is None:
        return PatientRow(patient, 7, gettext("No episode recorded yet"))
    now = diary.now()
    episode = history.episode
    checkins = history.checkins
    last = checkins[-1] if checkins else None
    day = episode_day(episode.onset_at, now, diary.tz)

    def row(need: int, reason: str, to_acknowledge: int | None = None) -> PatientRow:
        return PatientRow(
            patient,
            need,
            reason,
            episode_day=day,
            last_pain=last.pain if last else None,
            last_checkin_at=last.recorded_at if last else None,
            pains=tuple(c.pain for c in checkins),
            to_acknowledge=to_acknowledge,
        )

    for level in _ESCALATED:
        waiting = [c for c in checkins if c.triage_level is level and c.id not in acknowledged]
        if waiting:
            reason = (
                gettext("Emergency advice on {when} UTC, not acknowledged")
                if level is TriageLevel.EMERGENCY
                else gettext("Urgent advice on {when} UTC, not acknowledged")
            )
            when = format_when(waiting[-1].recorded_at, "day_month_time")
            return row(_ESCALATED.index(level), reason.format(when=when), waiting[-1].id)
    if last is not None and last.triage_level is TriageLevel.SEE_DOCTOR:
        return row(2, gettext("Advised to see a doctor"))
    active = episode.status is EpisodeStatus.ACTIVE
    if active:
        triage = diary.plan_of(history).triage
        if verdict_state(triage) == INCOMPLETE:
            count = len(triage.missing)
            return row(
                3,
                ngettext(
                    "{count} safety question unanswered",
                    "{count} safety questions unanswered",
                    count,
                ).format(count=count),
            )
    if diary.trend_of(history).overall is Trend.WORSE:
        return row(4, gettext("Getting worse"))
    since = (now - (last.recorded_at if last else episode.started_at)).days
    if active and since >= QUIET_DAYS:
        return row(
            5,
            ngettext("No check-in for {days} day", "No check-in for {days} days", since).format(
                days=since
            ),
        )
    if any(dose.overridden for dose in history.doses):
        return row(6, gettext("Took a dose over its limit"))
    return row(7, gettext("Nothing needs attention"))
