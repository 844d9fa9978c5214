"""SQL statements per request: an upper bound for each hosted route, and no N+1.

Not timed: each case counts the statements the request sends (a SQLAlchemy
``before_cursor_execute`` listener) and compares with a bound. The service cases run on
SQLite and PostgreSQL (SQLite's count includes the ``BEGIN`` each transaction sends);
the web cases run the hosted app, which needs PostgreSQL. Every patient has several
check-ins with activities, actions and doses, and an acknowledged check-in, so a read
per check-in or per patient would show in the counts. The dashboard is counted for a
care team of 3 and of 12 patients: the counts must be equal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine as SQLEngine

from backcare import Engine
from backcare.accounts import Accounts
from backcare.accounts.dashboard import dashboard, patient_history
from backcare.diary import Diary
from backcare.diary.inputs import CheckInEntry, DoseEntry
from backcare.store import ActionCount, ActivityScore, SelfCareAction, Store
from backcare.store.people import Person
from store_fixtures import START, FakeClock, start_answers, store, store_url  # noqa: F401  (fixtures)
from test_hosted import PASSWORD, _signed_in, pg_url, world  # noqa: F401


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs, by any engine."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(SQLEngine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(SQLEngine, "before_cursor_execute", count)


def _add_patient(
    accounts: Accounts,
    engine: Engine,
    clock: FakeClock,
    *,
    start: datetime,
    team: str,
    acknowledger: Person,
) -> Person:
    """A patient of ``team`` with an episode of three check-ins, one of them acknowledged.

    The episode began two days before ``start``; the check-ins are 6 hours apart from
    ``start`` on. ``clock`` is moved for them and put back where it was.
    """
    patient = accounts.add_person(
        email=f"{uuid.uuid4().hex[:10]}@example.org",
        role="patient",
        password=PASSWORD,
        care_team=team,
    )
    saved, clock.current = clock.current, start
    diary = Diary(accounts.store.for_person(patient.id), engine=engine, clock=clock)
    diary.start_episode(onset=start - timedelta(days=2), answers=start_answers(pain=7))
    last = None
    for pain in (6, 5, 4):
        clock.advance(hours=6)
        last = diary.check_in(
            CheckInEntry(
                pain=pain,
                worst_pain=pain + 1,
                activities=(ActivityScore("walking", 10 - pain), ActivityScore("sitting", 5)),
                actions=(ActionCount(SelfCareAction.WALK, 2), ActionCount(SelfCareAction.HEAT, 1)),
                doses=(DoseEntry("paracetamol", 500),),
            )
        )
    clock.current = saved
    assert last is not None
    accounts.acknowledge(acknowledger, patient.id, last.checkin.id)
    return patient


# --- the services, on SQLite and PostgreSQL ---------------------------------------------


@pytest.fixture
def team(store: Store, engine: Engine) -> dict[str, Any]:  # noqa: F811
    """A clinician of care team north with 3 patients (more are added by the tests)."""
    clock = FakeClock(START + timedelta(days=1))  # the requests come a day after
    accounts = Accounts(store, clock=clock)
    clinician = accounts.add_person(
        email="north@example.org", role="clinician", password=PASSWORD, care_team="north"
    )

    def add() -> Person:
        return _add_patient(
            accounts, engine, clock, start=START, team="north", acknowledger=clinician
        )

    patients = [add() for _ in range(3)]
    return {
        "accounts": accounts,
        "clinician": clinician,
        "clock": clock,
        "patients": patients,
        "add": add,
    }


def _patient_diary(team: dict[str, Any], engine: Engine) -> Diary:
    patient = team["patients"][0]
    own = team["accounts"].diary_store(patient, patient.id, action="read")
    return Diary(own, engine=engine, clock=team["clock"])


def _dashboard(team: dict[str, Any], engine: Engine) -> object:
    return dashboard(team["accounts"], team["clinician"], engine=engine, clock=team["clock"])


def _patient_record(team: dict[str, Any], engine: Engine) -> object:
    accounts, clinician = team["accounts"], team["clinician"]
    patient = team["patients"][1]
    diary, history = patient_history(
        accounts, clinician, patient.id, engine=engine, clock=team["clock"], action="read"
    )
    assert history is not None
    return diary.trend_of(history), diary.chart_of(history)


SERVICE_CASES = [
    pytest.param(
        lambda team, engine: _patient_diary(team, engine).episode_plan(active_only=True),
        5,
        id="today-plan",
    ),
    pytest.param(
        lambda team, engine: _patient_diary(team, engine).history_page(limit=50, with_plan=True),
        9,
        id="diary-page-with-plan",
    ),
    pytest.param(
        lambda team, engine: _patient_diary(team, engine).history_page(limit=50),
        8,
        id="history-page",
    ),
    pytest.param(
        lambda team, engine: _patient_diary(team, engine).check_in(
            CheckInEntry(pain=3, activities=(ActivityScore("walking", 8),))
        ),
        6,
        id="check-in",
    ),
    pytest.param(_dashboard, 13, id="dashboard"),
    pytest.param(_patient_record, 11, id="patient-record"),
]


@pytest.mark.parametrize(("request_", "most"), SERVICE_CASES)
def test_a_request_sends_at_most_its_statements(
    team: dict[str, Any],
    engine: Engine,
    request_: Callable[[dict[str, Any], Engine], object],
    most: int,
) -> None:
    with counted() as statements:
        request_(team, engine)
    assert statements, "nothing was counted: the listener is not on the engine used"
    assert len(statements) <= most, "\n".join(statements)


def test_the_dashboard_reads_a_team_of_12_in_as_many_statements_as_a_team_of_3(
    team: dict[str, Any], engine: Engine
) -> None:
    with counted() as small:
        rows = dashboard(team["accounts"], team["clinician"], engine=engine, clock=team["clock"])
    assert len(rows) == 3
    for _ in range(9):
        team["add"]()
    with counted() as large:
        rows = dashboard(team["accounts"], team["clinician"], engine=engine, clock=team["clock"])
    assert len(rows) == 12
    assert all(row.last_pain == 4 and len(row.pains) == 3 for row in rows)
    assert len(large) == len(small), "\n".join(large)
    # Each patient shown is still audited, one row per patient and page.
    audited = [r for r in team["accounts"].audit_rows() if r.action == "dashboard"]
    assert len(audited) == 3 + 12


# --- the hosted web app (PostgreSQL) ----------------------------------------------------


@pytest.fixture(scope="module")
def hosted(world: dict[str, Any], engine: Engine) -> dict[str, Any]:  # noqa: F811
    """The world's care team north with 3 patients with check-ins, all signed in."""
    accounts: Accounts = world["accounts"]
    start = datetime.now(UTC) - timedelta(days=1)
    clock = FakeClock(start)

    north = world["people"]["north"]

    def add() -> Person:
        return _add_patient(accounts, engine, clock, start=start, team="north", acknowledger=north)

    names = []
    for n in range(3):
        patient = add()
        name = f"patient{n}"
        world["people"][name] = patient
        names.append(name)
    return {
        "world": world,
        "clinician": _signed_in(world, "north"),
        "patient": _signed_in(world, names[0]),
        "patient_id": world["people"][names[1]].id,
        "add": add,
    }


def _check_in(hosted: dict[str, Any]) -> Any:
    return hosted["patient"].post(
        "/api/v1/diary/check-ins",
        json={"pain": 4},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


WEB_CASES = [
    pytest.param(lambda h: h["patient"].get("/today"), 5, id="today"),
    pytest.param(lambda h: h["patient"].get("/diary"), 9, id="diary"),
    pytest.param(lambda h: h["patient"].get("/api/v1/diary/history"), 8, id="history-api"),
    pytest.param(_check_in, 8, id="check-in-api"),
    pytest.param(lambda h: h["clinician"].get("/clinic"), 12, id="clinic-dashboard"),
    pytest.param(
        lambda h: h["clinician"].get(f"/clinic/patients/{h['patient_id']}"),
        13,
        id="clinic-patient-page",
    ),
]


@pytest.mark.parametrize(("request_", "most"), WEB_CASES)
def test_a_hosted_route_sends_at_most_its_statements(
    hosted: dict[str, Any], request_: Callable[[dict[str, Any]], Any], most: int
) -> None:
    with counted() as statements:
        response = request_(hosted)
    assert response.status_code in (200, 201), response.text
    assert len(statements) <= most, "\n".join(statements)


def test_the_clinic_page_costs_the_same_statements_for_5_and_12_patients(
    hosted: dict[str, Any],
) -> None:
    # The world's two patients (one without check-ins, one without an episode) and ours.
    clinician: TestClient = hosted["clinician"]
    with counted() as small:
        page = clinician.get("/clinic")
    assert page.text.count('href="/clinic/patients/') == 5
    for _ in range(7):
        hosted["add"]()
    with counted() as large:
        page = clinician.get("/clinic")
    assert page.text.count('href="/clinic/patients/') == 12
    assert len(large) == len(small), "\n".join(large)
