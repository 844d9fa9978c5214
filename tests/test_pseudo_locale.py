"""Every word a person sees comes from the message catalogue or the knowledge base.

Each web page (in its main states) and each command's output is rendered through a
pseudo-locale that marks every catalogue message (``⟦Ẁórdš⟧``). Any other words left on
the screen escaped the catalogue: the test names them, the page or command, and the source
files that spell them. Knowledge-base texts pass (they carry their own language, one text per
language per entry), as do numbers with units and dates.

``tests/data/i18n_todo.txt`` lists the strings known to escape today (the to-do list of
wrapping). A string that escapes and is not listed fails; a listed string that no longer
escapes fails too, so the list only ever shrinks.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from tests.factories import all_no
from tests.pseudo_locale import (
    CLOSE,
    DATE_WORDS,
    OPEN,
    PseudoTranslations,
    StrictPseudoTranslations,
    escaped,
    leftover,
    pseudo,
    pseudo_strict,
    visible_html,
    visible_text,
    where,
)
from tests.web_support import hidden_fields, page_form, start_episode, typical_answer, web_client

from backcare import Engine, KnowledgeBase, Settings
from backcare.cli import main
from backcare.i18n import gettext, installed, label, label_kinds, labels, use_language
from backcare.rules.assessor import _engine_for
from backcare.store import open_store

TODO = Path(__file__).parent / "data" / "i18n_todo.txt"
NOTE = "walked 2x"  # what the person typed: their own words pass through as typed
# Names, not words: the product's name and version.
NAMES = (NOTE, "backcare", "JSON", "FHIR R4", "PDF", "CSV", "PSFS", "/nowhere")

HOW = """\
{count} string(s) on {surface} did not come from the message catalogue:
{items}
How to fix each one:
  - a sentence in a template: {{{{ _("Words") }}}}, or
    {{% trans name=value %}}Words {{{{ name }}}}{{% endtrans %}}
  - a sentence in Python: `from backcare.i18n import gettext as _`,
    then _("Words {{x}}").format(x=...)
  - an id shown to a person (level, phase, status, ...): label(kind, id),
    in a template {{{{ id|label("kind") }}}}
    (add the id to _LABELS in src/backcare/i18n.py if its kind has no entry)
  - clinical content: it belongs in the knowledge base (knowledge/data/*.yaml), not in code
then run `make catalogue`. See docs/translations.md."""


def _walk(client: TestClient, answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every page of one assessment walk: the first, the middle pages, the check step, the end."""
    pages: dict[str, str] = {}
    page = client.get("/assess").text
    for step in range(40):
        fields = hidden_fields(page)
        if "page" not in fields:
            result = re.search(r'href="(/assess/result\?[^"]+)"', page)
            if result:
                pages["check your answers"] = page
                page = client.get(result.group(1).replace("&amp;", "&")).text
            pages["result"] = page
            return pages
        pages.setdefault(f"question page {fields['page']}", page)
        response = client.post("/assess", data=page_form(page, answer))
        page = response.text
        assert step < 39
    raise AssertionError("the assessment did not end")


def _checkin(client: TestClient, **fields: object) -> str:
    token = hidden_fields(client.get("/diary/check-in").text)["csrf_token"]
    return client.post("/diary/check-in", data={"csrf_token": token, **fields}).text


def _pages(engine: Engine) -> dict[str, str]:
    pages: dict[str, str] = {}
    with web_client(engine) as client:
        pages["GET /"] = client.get("/").text
        for path in ("/today", "/coach", "/diary", "/diary/check-in", "/export"):
            pages[f"GET {path} (no episode)"] = client.get(path).text
        for name, page in _walk(client, typical_answer).items():
            pages[f"assess: {name}"] = page
        pages["assess: self-care result"] = pages.pop("assess: result")
        flagged = _walk(
            client,
            lambda key: ["yes"] if key == "red_flags.both_legs" else typical_answer(key),
        )
        pages["assess: emergency result"] = flagged["result"]
        unsure = _walk(
            client, lambda key: None if key == "red_flags.fever" else typical_answer(key)
        )
        pages["assess: incomplete result"] = unsure["result"]
        pages["GET /settings"] = client.get("/settings").text
        html = {"accept": "text/html"}
        pages["GET /nowhere (404)"] = client.get("/nowhere", headers=html).text
    with web_client(engine) as client:
        start_episode(client)
        pages["GET /today (incomplete episode)"] = client.get("/today").text
        pages["POST /diary/check-in (problems)"] = _checkin(client, note=NOTE)
        pages["POST /diary/check-in (saved)"] = _checkin(
            client, pain="3", actions=["ice", "walk"], note=NOTE
        )
        pages["POST /diary/check-in (emergency)"] = _checkin(
            client, pain="6", flags=["red_flags.bladder_or_bowel_change"]
        )
    with web_client(engine) as client:
        answers = dict.fromkeys(_all_flags(engine), False)
        start_episode(client, **_nested(answers))
        _checkin(client, pain="4", actions=["walk"], note=NOTE)
        for path in ("/today", "/coach", "/diary", "/diary/check-in", "/export"):
            pages[f"GET {path}"] = client.get(path).text
    pages.update(_more_web_pages(engine))
    return pages


def _all_flags(engine: Engine) -> list[str]:
    kb = engine.knowledge
    return [f.answer for f in kb.red_flags] + [
        q.answer for q in kb.intake if q.screening and q.kind == "boolean"
    ]


def _nested(flat: dict[str, bool]) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for key, value in flat.items():
        group, name = key.split(".")
        out.setdefault(group, {})[name] = value
    return out


# --- w4-web: the pages added since the catalogue (home, episode choice, questionnaires,
# calendar link, check-in doses and red-flag clearing, the diary's week and sessions) -----


def _complete_episode(client: TestClient) -> None:
    """An episode started from a whole assessment (every safety question answered)."""
    fields = hidden_fields(_walk(client, typical_answer)["result"])
    client.post("/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]})


def _questionnaire_pages(client: TestClient) -> dict[str, str]:
    pages = {"GET /questionnaires": client.get("/questionnaires").text}
    pages["GET /questionnaires/odi (intro)"] = client.get("/questionnaires/odi").text
    url = "/questionnaires/odi/1"
    for number in range(1, 11):
        page = client.get(url).text
        if number == 1:
            pages["GET /questionnaires/odi/1 (item)"] = page
        fields = hidden_fields(page)
        data = {"csrf_token": fields["csrf_token"], "state": fields["state"], "answer": "2"}
        url = client.post(url.split("?")[0], data=data, follow_redirects=False).headers["location"]
    pages["GET /questionnaires/results (result)"] = client.get(url).text
    return pages


def _more_web_pages(engine: Engine) -> dict[str, str]:
    from datetime import datetime

    from tests.factories import add_coach_session

    pages: dict[str, str] = {}
    with web_client(engine) as client:
        _complete_episode(client)
        _checkin(client, pain="4", actions=["walk"], note=NOTE)
        pages["GET / (active episode)"] = client.get("/").text
        fields = hidden_fields(_walk(client, typical_answer)["result"])
        pages["POST /diary/start (episode choice)"] = client.post(
            "/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
        ).text
        now = datetime.now().astimezone()
        now = max(now, now.replace(hour=0, minute=7, second=0, microsecond=0))
        add_coach_session(client.app.state.backcare.diary().store, now=now, left=2)  # type: ignore[attr-defined]
        pages["GET /diary (week and sessions)"] = client.get("/diary").text
        pages.update(_questionnaire_pages(client))
        pages["GET /export/calendar (no link)"] = client.get("/export/calendar").text
        token = hidden_fields(pages["GET /export/calendar (no link)"])["csrf_token"]
        pages["POST /export/calendar (link made)"] = client.post(
            "/export/calendar", data={"csrf_token": token}
        ).text
        pages["GET /export/calendar (link)"] = client.get("/export/calendar").text
        dose = {"dose_drug": "paracetamol", "dose_mg": "1000"}
        _checkin(client, pain="5", **dose)
        pages["POST /diary/check-in (dose over the limit)"] = _checkin(client, pain="4", **dose)
    with web_client(engine) as client:
        _complete_episode(client)
        _checkin(client, pain="5", flags=["red_flags.fever"])
        pages["GET /diary/check-in (red flag to clear)"] = client.get("/diary/check-in").text
        pages["POST /diary/check-in (red flag cleared)"] = _checkin(
            client, pain="4", gone=["red_flags.fever"]
        )
        pages["GET /diary (a warning sign, then gone)"] = client.get("/diary").text
    with web_client(engine) as client:
        _complete_episode(client)
        _checkin(client, pain="7", flags=["red_flags.bladder_or_bowel_change"])
        pages["GET / (escalated episode)"] = client.get("/").text
        token = hidden_fields(client.get("/diary").text)["csrf_token"]
        client.post("/diary/resolve", data={"csrf_token": token})
        pages["GET / (closed episode)"] = client.get("/").text
    return pages


MORE_WEB_SURFACES = (
    "GET / (active episode)",
    "GET / (escalated episode)",
    "GET / (closed episode)",
    "POST /diary/start (episode choice)",
    "GET /questionnaires",
    "GET /questionnaires/odi (intro)",
    "GET /questionnaires/odi/1 (item)",
    "GET /questionnaires/results (result)",
    "GET /export/calendar (no link)",
    "POST /export/calendar (link made)",
    "GET /export/calendar (link)",
    "POST /diary/check-in (dose over the limit)",
    "GET /diary/check-in (red flag to clear)",
    "POST /diary/check-in (red flag cleared)",
    "GET /diary (a warning sign, then gone)",
    "GET /diary (week and sessions)",
)

# --- end of w4-web's block ------------------------------------------------------------------


SURFACES = (
    "GET /",
    "GET /today (no episode)",
    "GET /coach (no episode)",
    "GET /diary (no episode)",
    "GET /diary/check-in (no episode)",
    "GET /export (no episode)",
    "assess: check your answers",
    "assess: self-care result",
    "assess: emergency result",
    "assess: incomplete result",
    "GET /settings",
    "GET /nowhere (404)",
    "GET /today (incomplete episode)",
    "POST /diary/check-in (problems)",
    "POST /diary/check-in (saved)",
    "POST /diary/check-in (emergency)",
    "GET /today",
    "GET /coach",
    "GET /diary",
    "GET /diary/check-in",
    "GET /export",
    *MORE_WEB_SURFACES,
)


@pytest.fixture(scope="module")
def rendered(kb: KnowledgeBase, settings: Settings) -> Iterator[dict[str, str]]:
    with installed("en", PseudoTranslations()):
        # An engine of its own: the compiled protocol keeps the few catalogue words it holds.
        yield _pages(Engine(kb, settings))


def _todo() -> dict[str, list[str]]:
    listed: dict[str, list[str]] = {}
    for line in TODO.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            surface, _, text = line.partition("\t")
            listed.setdefault(surface, []).append(text)
    return listed


def _key(text: str) -> str:
    """A to-do line's text with its numbers and date words masked (they change by the day)."""
    return DATE_WORDS.sub("…", re.sub(r"\d+", "#", text))


def _check(surface: str, found: list[str]) -> None:
    listed = _todo().get(surface, [])
    listed_keys = {_key(text) for text in listed}
    found_keys = {_key(text) for text in found}
    new = [text for text in found if _key(text) not in listed_keys]
    gone = [text for text in listed if _key(text) not in found_keys]
    items = "\n".join(
        f"  {text!r}" + (f"  (in {', '.join(where(text))})" if where(text) else "") for text in new
    )
    assert not new, HOW.format(count=len(new), surface=surface, items=items)
    assert not gone, (
        f"these no longer escape on {surface}: remove their lines from {TODO.name}:\n"
        + "\n".join(f"{surface}\t{text}" for text in gone)
    )


STATIC = Path(__file__).parents[1] / "src" / "backcare" / "web" / "static"
# Scripts known to hold words of their own (the to-do list of wrapping, as in i18n_todo.txt).
JS_TODO = frozenset({"coach.js"})
_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`')
_JS_SENTENCE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def _js_words(name: str) -> list[str]:
    """A script's string literals that read as words (two words in a row), comments left out."""
    code = re.sub(r"^\s*//.*$", "", (STATIC / name).read_text(encoding="utf-8"), flags=re.M)
    found = []
    for match in _JS_STRING.finditer(code):
        text = re.sub(r"\$\{[^}]*\}", " ", match.group(0)[1:-1])  # a template's code parts
        if text != "use strict" and _JS_SENTENCE.search(text):
            found.append(text)
    return found


@pytest.mark.parametrize(
    "name", sorted(p.name for p in STATIC.glob("*.js") if p.name not in JS_TODO)
)
def test_a_script_holds_no_words_of_its_own(name: str) -> None:
    # Words a script shows come from the page (a JSON block or data- attributes), in the
    # catalogue's words; phone.js reads its data-words.
    assert _js_words(name) == [], f"{name} spells words: move them into the catalogue"


@pytest.mark.parametrize("name", sorted(JS_TODO))
def test_a_script_on_the_to_do_list_still_holds_words(name: str) -> None:
    assert _js_words(name), f"{name} holds no words now: take it off JS_TODO"


def test_the_script_checker_finds_an_english_sentence() -> None:
    assert _JS_SENTENCE.search("You are offline.")
    assert not _JS_SENTENCE.search("/sw.js")


@pytest.mark.parametrize("surface", ["GET /", "GET /today", "GET /nowhere (404)"])
def test_the_phone_scripts_words_on_a_page_come_from_the_catalogue(
    rendered: dict[str, str], surface: str
) -> None:
    block = re.search(
        r"<script src=\"/static/phone.js\" data-words='([^']*)'[^>]*>", rendered[surface]
    )
    assert block, f"{surface} carries no words for phone.js"
    words = json.loads(unescape(block.group(1)))
    texts = [v for v in words.values() if isinstance(v, str)] + list(words["sent"].values())
    assert len(texts) == len(words) - 1 + 20
    assert escaped(texts, allowed=NAMES) == []
    assert "{when}" in words["refused"]
    assert "{problem}" in words["refused"]
    assert "{number}" not in words["offline_warning"]  # filled in on the server


def test_every_page_state_was_rendered(rendered: dict[str, str]) -> None:
    questions = [name for name in rendered if name.startswith("assess: question page")]
    assert len(questions) >= 8
    assert set(SURFACES) <= set(rendered)
    assert "emergency-title" in rendered["assess: emergency result"]
    assert "level-incomplete" in rendered["assess: incomplete result"]
    assert "level-self_care" in rendered["assess: self-care result"]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_page_shows_only_catalogue_and_knowledge_base_words(
    rendered: dict[str, str], surface: str
) -> None:
    _check(surface, escaped(visible_html(rendered[surface]), allowed=NAMES))


def test_the_question_pages_show_only_catalogue_and_knowledge_base_words(
    rendered: dict[str, str],
) -> None:
    found: list[str] = []
    for name, html in rendered.items():
        if name.startswith("assess: question page"):
            found += escaped(visible_html(html), allowed=NAMES)
    _check("assess: question pages", list(dict.fromkeys(found)))


# --- the checker itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunk", "rest"),
    [
        pytest.param(pseudo("Check in"), "", id="catalogue"),
        pytest.param(
            pseudo("Level: %(level)s") % {"level": pseudo("urgent")}, "", id="nested-label"
        ),
        pytest.param("Check in", "Check in", id="escaped"),
        pytest.param("Ibuprofen 400 mg", "", id="kb-name-and-unit"),
        pytest.param(f"{pseudo('Pain')} 6 → 3", "6 → 3", id="numbers-are-not-words"),
    ],
)
def test_the_checker_tells_catalogue_words_from_escaped_ones(chunk: str, rest: str) -> None:
    assert leftover(chunk) == rest


def test_pseudo_keeps_placeholders_and_markup() -> None:
    assert pseudo("Hello {name}, <b>%(n)s</b> &amp;") == "⟦Hélló {name}, <b>%(n)s</b> &amp;⟧"


def test_labels_come_from_the_catalogue_and_never_title_case_ids() -> None:
    with installed("en", PseudoTranslations()):
        assert label("level", "see_doctor") == pseudo("see a doctor")
        assert gettext("Diary") == pseudo("Diary")
    with use_language("en"):
        assert label("level_heading", "urgent") == "Urgent: get medical help today"
        assert label("phase", "no_such_phase") == "no_such_phase"
    for kind in label_kinds():
        assert all(words and "_" not in words for words in labels(kind).values()), kind


# --- the command line -----------------------------------------------------------------------


def _answer_files(tmp: Path) -> None:
    files = {
        "self-care": all_no(),
        "incomplete": {k: v for k, v in all_no().items() if k != "red_flags"},
        "emergency": all_no(red_flags__both_legs=True),
    }
    # The Roland-Morris questionnaire, seven statements ticked.
    files["rmdq"] = {f"statement{i}": "ticked" if i <= 7 else "not_ticked" for i in range(1, 25)}
    for name, answers in files.items():
        (tmp / f"{name}.json").write_text(json.dumps(answers), encoding="utf-8")


def _commands(tmp: Path) -> dict[str, tuple[str, ...]]:
    """Each command in its main states, as arguments to ``backcare``."""
    db = ("--db", f"sqlite:///{tmp / 'diary.sqlite3'}")
    return {
        "version": ("version",),
        "assess (self-care)": ("assess", "--input", str(tmp / "self-care.json")),
        "assess (incomplete)": ("assess", "--input", str(tmp / "incomplete.json")),
        "assess (emergency)": ("assess", "--input", str(tmp / "emergency.json")),
        "assess (bad file)": ("assess", "--input", str(tmp / "missing.json")),
        "plan (no episode)": ("plan", *db),
        "episode start": ("episode", "start", "--answers", str(tmp / "self-care.json"), *db),
        "episode show": ("episode", "show", *db),
        "plan": ("plan", *db),
        "checkin": ("checkin", "--pain", "4", "--did", "ice", "--med", "ibuprofen:400", *db),
        "checkin (red flag)": ("checkin", "--pain", "5", "--flag", "fever=yes", *db),
        "history": ("history", *db),
        "trend": ("trend", *db),
        "coach --list": ("coach", "--list", *db),
        "reminders": ("reminders", "--output", str(tmp / "plan.ics"), *db),
        "report": ("report", "--format", "html", "--output", str(tmp / "report.html"), *db),
        "export": ("export", "--format", "json", "--output", str(tmp / "diary.json"), *db),
        "episode resolve": ("episode", "resolve", *db),
        "kb check": ("kb", "check"),
        # --- help and usage errors: backcare's help texts and Click's and Typer's own words.
        "--help": ("--help",),
        "checkin --help": ("checkin", "--help"),
        "episode start --help": ("episode", "start", "--help"),
        "questionnaire fill --help": ("questionnaire", "fill", "--help"),
        # --- the command line, second wave: questionnaires, the active-episode choice,
        # a dose over a limit, and history and export after them (one block, kept together).
        "episode start (second)": (
            "episode",
            "start",
            "--answers",
            str(tmp / "self-care.json"),
            *db,
        ),
        "episode start --update-current": (
            "episode",
            "start",
            "--answers",
            str(tmp / "self-care.json"),
            "--update-current",
            *db,
        ),
        "episode start --close-current": (
            "episode",
            "start",
            "--answers",
            str(tmp / "self-care.json"),
            "--close-current",
            *db,
        ),
        "questionnaire list": ("questionnaire", "list"),
        "questionnaire fill --answers": (
            "questionnaire",
            "fill",
            "rmdq",
            "--answers",
            str(tmp / "rmdq.json"),
            *db,
        ),
        "questionnaire show": ("questionnaire", "show", *db),
        "checkin (dose)": ("checkin", "--pain", "5", "--med", "ibuprofen:400@2h", *db),
        "checkin (dose over a limit)": (
            "checkin",
            "--pain",
            "3",
            "--did",
            "walk=6",
            "--med",
            "ibuprofen:400",
            *db,
        ),
        "history (second episode)": ("history", *db),
        "export (second episode)": (
            "export",
            "--format",
            "json",
            "--output",
            str(tmp / "diary2.json"),
            *db,
        ),
    }


CLI = tuple(_commands(Path("/nonexistent")))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each command printed (stdout and stderr), run in order on one diary."""
    tmp = tmp_path_factory.mktemp("cli")
    _answer_files(tmp)
    out: dict[str, str] = {}
    patch = pytest.MonkeyPatch()
    patch.setenv("COLUMNS", "4000")  # no wrapping: a knowledge-base text stays on one line
    patch.setenv("BACKCARE_EMERGENCY_NUMBER", "999")
    # The commands' engine is cached per settings for the process (one language per process):
    # build it afresh under the pseudo-locale, and drop that one afterwards.
    _engine_for.cache_clear()
    try:
        with installed("en", PseudoTranslations()):
            for name, args in _commands(tmp).items():
                stdout, stderr = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    main(list(args))
                out[name] = (stdout.getvalue() + stderr.getvalue()).replace(str(tmp), "TMP")
    finally:
        patch.undo()
        _engine_for.cache_clear()
    return out


def test_every_command_printed_something(printed: dict[str, str]) -> None:
    assert all(printed[name].strip() for name in CLI), [n for n in CLI if not printed[n].strip()]


#: What a person types, the same in every language: options, metavars, Typer's type names,
#: choice lists and bracketed syntax ("[OPTIONS]", "[0<=x<=10]").
_SYNTAX = re.compile(
    r"<[^>\n]*>"
    r"|\[[^\]\n]*\]"
    r"|(?<![\w-])--?[a-z][a-z-]*"
    r"|\b[A-Z][A-Z_]*(?:[=:@|.][A-Za-z_\[\]=@:|.]*)*"
    r"|\b[a-z]+(?:\|[a-z]+)+"
)


def _without_syntax(lines: list[str]) -> list[str]:
    """Help output without the command-line syntax it shows (command and option names...)."""
    from backcare.cli._words import _commands
    from backcare.cli.app import app

    names = {c.name for c in _commands(typer.main.get_command(app))} | {"backcare"}
    names_at = re.compile(rf"\b(?:{'|'.join(sorted(map(re.escape, names)))})\b")
    out = []
    cut = False  # a command's short help, cut at its first sentence, lost its closing mark
    for line in lines:
        first = line.split(" ", 1)[0]
        if cut and CLOSE in line and OPEN not in line.split(CLOSE, 1)[0]:
            line = line.split(CLOSE, 1)[1]  # the rest of that short help, on a second line
        cut = first in names and OPEN in line and CLOSE not in line
        if cut:
            line = line[: line.index(OPEN)]
        out.append(_SYNTAX.sub(" ", names_at.sub(" ", line)))
    return out


@pytest.mark.parametrize("command", CLI)
def test_a_command_prints_only_catalogue_and_knowledge_base_words(
    printed: dict[str, str], command: str
) -> None:
    # kb check lists the knowledge base's sections by their file names.
    sections = (*KnowledgeBase.model_fields, "vocabulary (en)") if command == "kb check" else ()
    lines = visible_text(printed[command])
    if command.endswith("--help"):
        lines = _without_syntax(lines)
    found = escaped(lines, allowed=(*NAMES, *sections))
    _check(f"backcare {command}", found)


# --- hosted clinic mode (PostgreSQL) --------------------------------------------------------
# Sign-in, joining, password reset, the account page, the clinic's pages and the e-mails of
# hosted mode. They need PostgreSQL: skipped only when BACKCARE_TEST_POSTGRES_URL is unset.

HOSTED_PUBLIC = "https://clinic.example"
HOSTED_PASSWORD = "a long enough password"
# The people's e-mail addresses are names, not words.
HOSTED_NAMES = (*NAMES, "patient@example.org", "clinician@example.org", "nobody@example.org")

HOSTED_SURFACES = (
    "GET /signin",
    "POST /signin (refused)",
    "GET /signin/code",
    "POST /signin/code (wrong code)",
    "GET /join",
    "POST /join (problems)",
    "GET /reset",
    "POST /reset (sent)",
    "GET /reset/new",
    "POST /reset/new (problems)",
    "GET /account (patient, looked at)",
    "GET /account/reminders",
    "POST /account/reminders (saved)",
    "GET /account (clinician)",
    "GET /clinic",
    "GET /clinic/patients/N",
    "POST /clinic/invite",
)


def _hosted_world(url: str, tmp: Path) -> tuple[Any, dict[str, Any]]:
    """A patient with an urgent, unacknowledged check-in and a dose over its limit; their
    clinician (with an authenticator app); the hosted settings."""
    from backcare.accounts import Accounts
    from backcare.domain.enums import TriageLevel
    from backcare.store.records import NewCheckIn, NewDose, NewEpisode
    from store_fixtures import START

    store = open_store(url)
    accounts = Accounts(store)
    patient = accounts.add_person(
        email="patient@example.org", role="patient", password=HOSTED_PASSWORD, care_team="north"
    )
    clinician = accounts.add_person(
        email="clinician@example.org",
        role="clinician",
        password=HOSTED_PASSWORD,
        care_team="north",
    )
    secret = accounts.set_totp(clinician.id)
    with store.for_person(patient.id).write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid="p" * 32,
                onset_at=START,
                started_at=START,
                trigger="lifting",
                answers={"pain": 6},
                assessment={"triage": {"level": "self_care"}},
            )
        )
        for hours, pain, level in ((2, 7, TriageLevel.SEE_DOCTOR), (4, 8, TriageLevel.URGENT)):
            repo.add_checkin(
                episode.id,
                NewCheckIn(
                    recorded_at=START + timedelta(hours=hours),
                    pain=pain,
                    worst_pain=pain,
                    days_of_self_care=0,
                    trend=None,
                    triage_level=level,
                    triage_reasons=(),
                    note=NOTE,
                    doses=(
                        NewDose(
                            drug="ibuprofen",
                            mg=400,
                            taken_at=START + timedelta(hours=hours),
                            overridden=hours == 4,
                            override_reason=NOTE if hours == 4 else None,
                        ),
                    ),
                ),
            )
    secret_file = tmp / "secret"
    secret_file.write_text("k" * 48)
    settings = Settings(
        database_url=url,
        public_url=HOSTED_PUBLIC,
        secret_file=str(secret_file),
    )
    _job_queue_tables(url)  # a reset request is deferred to the job queue
    return store, {
        "accounts": accounts,
        "patient": patient,
        "clinician": clinician,
        "totp": secret,
        "settings": settings,
    }


def _job_queue_tables(url: str) -> None:
    from backcare.jobs.queue import ensure_queue_schema
    from backcare.jobs.tasks import make_app

    with make_app(url).open() as app:
        ensure_queue_schema(app)


def _hosted_form(client: TestClient, path: str) -> dict[str, str]:
    return hidden_fields(client.get(path).text)


def _hosted_sign_in(client: TestClient, email: str) -> None:
    token = _hosted_form(client, "/signin")["csrf_token"]
    form = {"csrf_token": token, "email": email, "password": HOSTED_PASSWORD}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def _hosted_pages(world: dict[str, Any]) -> dict[str, str]:
    import pyotp

    from backcare.web.app import create_hosted_app

    pages: dict[str, str] = {}
    accounts = world["accounts"]
    with TestClient(create_hosted_app(world["settings"]), base_url=HOSTED_PUBLIC) as client:
        pages["GET /signin"] = client.get("/signin").text
        token = hidden_fields(pages["GET /signin"])["csrf_token"]
        wrong = {"csrf_token": token, "email": "nobody@example.org", "password": "not it"}
        pages["POST /signin (refused)"] = client.post("/signin", data=wrong).text
        invite = accounts.invite(world["clinician"])
        pages["GET /join"] = client.get(f"/join?invite={invite}").text
        form = {**hidden_fields(pages["GET /join"]), "email": "no address", "password": "short"}
        pages["POST /join (problems)"] = client.post("/join", data=form).text
        pages["GET /reset"] = client.get("/reset").text
        form = {**hidden_fields(pages["GET /reset"]), "email": "nobody@example.org"}
        pages["POST /reset (sent)"] = client.post("/reset", data=form).text
        pages["GET /reset/new"] = client.get("/reset/new?token=abc").text
        form = {**hidden_fields(pages["GET /reset/new"]), "password": "short"}
        pages["POST /reset/new (problems)"] = client.post("/reset/new", data=form).text
    with TestClient(create_hosted_app(world["settings"]), base_url=HOSTED_PUBLIC) as client:
        _hosted_sign_in(client, "clinician@example.org")
        pages["GET /signin/code"] = client.get("/signin/code").text
        form = {**hidden_fields(pages["GET /signin/code"]), "code": "000000"}
        pages["POST /signin/code (wrong code)"] = client.post("/signin/code", data=form).text
        form["code"] = pyotp.TOTP(world["totp"]).now()
        assert client.post("/signin/code", data=form, follow_redirects=False).status_code == 303
        pages["GET /clinic"] = client.get("/clinic").text
        patient = world["patient"].id
        pages["GET /clinic/patients/N"] = client.get(f"/clinic/patients/{patient}").text
        pages["GET /account (clinician)"] = client.get("/account").text
        token = _hosted_form(client, "/account")["csrf_token"]
        pages["POST /clinic/invite"] = client.post(
            "/clinic/invite", data={"csrf_token": token}
        ).text
    with TestClient(create_hosted_app(world["settings"]), base_url=HOSTED_PUBLIC) as client:
        _hosted_sign_in(client, "patient@example.org")
        pages["GET /account (patient, looked at)"] = client.get("/account").text
        pages["GET /account/reminders"] = client.get("/account/reminders").text
        form = {**_hosted_form(client, "/account/reminders"), "daily": "on"}
        pages["POST /account/reminders (saved)"] = client.post("/account/reminders", data=form).text
    return pages


@pytest.fixture(scope="module")
def hosted_rendered(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    from store_fixtures import database_url

    tmp = tmp_path_factory.mktemp("hosted")
    with database_url("postgresql", tmp) as url:
        store, world = _hosted_world(url, tmp)
        try:
            with installed("en", PseudoTranslations()):
                yield _hosted_pages(world)
        finally:
            store.close()


def test_every_hosted_page_state_was_rendered(hosted_rendered: dict[str, str]) -> None:
    assert set(HOSTED_SURFACES) <= set(hosted_rendered)
    assert "clinician@example.org" in hosted_rendered["GET /account (patient, looked at)"]
    assert "level-urgent" in hosted_rendered["GET /clinic"]
    assert 'action="/clinic/patients/' in hosted_rendered["GET /clinic/patients/N"]
    assert "data:image/svg+xml" in hosted_rendered["POST /clinic/invite"]
    assert 'role="alert"' in hosted_rendered["POST /join (problems)"]
    assert 'role="status"' in hosted_rendered["POST /reset (sent)"]
    assert 'role="status"' in hosted_rendered["POST /account/reminders (saved)"]


@pytest.mark.parametrize("surface", HOSTED_SURFACES)
def test_a_hosted_page_shows_only_catalogue_and_knowledge_base_words(
    hosted_rendered: dict[str, str], surface: str
) -> None:
    _check(surface, escaped(visible_html(hosted_rendered[surface]), allowed=HOSTED_NAMES))


def _mails() -> dict[str, str]:
    from backcare.accounts.mail import reset_message
    from backcare.domain.enums import TriageLevel
    from backcare.jobs.notices import clinician_digest, escalation_notice, patient_reminder

    mails: dict[str, str] = {}
    reset = reset_message(
        to="patient@example.org", sender="backcare@localhost", link=f"{HOSTED_PUBLIC}/reset/new"
    )
    mails["mail: password reset"] = f"{reset['Subject']}\n{reset.get_content()}"
    at = datetime(2026, 11, 29, 12, 15, tzinfo=UTC)
    for level in (TriageLevel.URGENT, TriageLevel.EMERGENCY):
        for source in ("check-in", "coach session"):
            notice = escalation_notice(
                level=level,
                source=source,
                at=at,
                episode_id=1,
                patient_id=7,
                public_url=HOSTED_PUBLIC,
            )
            mails[f"mail: {source} {level.value}"] = f"{notice.subject}\n{notice.body}"
    for url in (HOSTED_PUBLIC, None):
        reminder = patient_reminder(public_url=url)
        mails[f"mail: daily reminder{'' if url else ' (no link)'}"] = (
            f"{reminder.subject}\n{reminder.body}"
        )
    for count in (1, 3):
        digest = clinician_digest(count, public_url=HOSTED_PUBLIC)
        mails[f"mail: clinician digest {count}"] = f"{digest.subject}\n{digest.body}"
    return mails


MAILS = (
    "mail: password reset",
    "mail: check-in urgent",
    "mail: coach session urgent",
    "mail: check-in emergency",
    "mail: coach session emergency",
    "mail: daily reminder",
    "mail: daily reminder (no link)",
    "mail: clinician digest 1",
    "mail: clinician digest 3",
)


@pytest.mark.parametrize("mail", MAILS)
def test_an_email_holds_only_catalogue_words(mail: str) -> None:
    with installed("en", PseudoTranslations()):
        text = _mails()[mail]
    _check(mail, escaped(visible_text(text), allowed=(*HOSTED_NAMES, "backcare@localhost")))


# --- error surfaces: what a person reads when something goes wrong -------------------------
# Failing commands (exit code and the "backcare: error: ..." lines) and failing web calls (the
# JSON error envelope's message and every problem's text, and error pages), rendered through
# the pseudo-locale like every other surface: a sentence that escaped the catalogue fails.
# The strict pseudo-locale leaves each placeholder's value unmarked, so an English sentence
# put into a catalogue frame ("backcare: error: {message}") is caught too.


#: What an error shows that is the person's own input or a name, the same in every language:
#: the field or option a problem is about ("- pain:", "- --flag:"), a quoted value they gave,
#: a list of ids to choose from, a path, HTTP methods (and, on an error page, the error's
#: machine-readable code).
_ERROR_SYNTAX = re.compile(
    r"^- (?:--)?[A-Za-z_][\w.\[\]-]*:"
    r"|'[^'\n]*'"
    r"|\b[a-z][a-z0-9_]*(?:, [a-z][a-z0-9_]*)+\b"
    r"|(?<![\w/])/[\w/.-]+"
    r"|\b(?:GET|HEAD|POST|PUT|PATCH|DELETE)\b"
)


def _without_error_syntax(lines: list[str]) -> list[str]:
    return [_ERROR_SYNTAX.sub(" ", line) for line in lines]


def _error_codes() -> tuple[str, ...]:
    from backcare.errors import BackcareError
    from backcare.web.errors import HTTP_CODES

    codes = set(HTTP_CODES.values())
    classes: list[type[BackcareError]] = [BackcareError]
    while classes:
        cls = classes.pop()
        codes.add(cls.code)
        classes += cls.__subclasses__()
    return tuple(sorted(codes, key=len, reverse=True))


@pytest.mark.parametrize(
    ("shown", "caught"),
    [
        pytest.param(
            pseudo_strict("backcare: error: {message}").format(message="no such episode"),
            ["no such episode"],
            id="english-in-a-frame",
        ),
        pytest.param(
            pseudo_strict("backcare: error: {message}").format(message=pseudo("no such episode")),
            [],
            id="catalogue-in-a-frame",
        ),
        pytest.param("- pain: " + pseudo("must be 10 or less"), [], id="field-name"),
        pytest.param("- --did: choose from ice, heat", ["choose from"], id="english-problem"),
    ],
)
def test_the_strict_checker_finds_english_put_into_a_catalogue_frame(
    shown: str, caught: list[str]
) -> None:
    found = escaped(_without_error_syntax([shown]))
    assert [leftover(text) for text in found] == caught


def _error_files(tmp: Path) -> None:
    from backcare.export.transfer import FORMAT, VERSION

    files: dict[str, object] = {
        "bad-answers": {**all_no(), "pain": 12, "age": "old", "colour": "red"},
        "wrong-version": {"format": FORMAT, "version": 99},
        "bad-content": {"format": FORMAT, "version": VERSION, "episodes": "none"},
        "foreign": {"format": "another-program"},
    }
    for name, data in files.items():
        (tmp / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp / "broken.json").write_text('{"format": ', encoding="utf-8")
    _answer_files(tmp)


def _failing_commands(tmp: Path) -> dict[str, tuple[str, ...]]:
    """Commands that fail, in order on one diary (the first ones before any episode)."""
    db = ("--db", f"sqlite:///{tmp / 'diary.sqlite3'}")
    return {
        "checkin (no episode)": ("checkin", "--pain", "4", *db),
        "history --episode 999 (not found)": ("history", "--episode", "999", *db),
        "assess (invalid answers)": ("assess", "--input", str(tmp / "bad-answers.json")),
        "import (broken JSON)": ("import", str(tmp / "broken.json"), *db),
        "import (another program's file)": ("import", str(tmp / "foreign.json"), *db),
        "import (unknown version)": ("import", str(tmp / "wrong-version.json"), *db),
        "import (invalid content)": ("import", str(tmp / "bad-content.json"), *db),
        "episode start (for the failures)": (
            "episode",
            "start",
            "--answers",
            str(tmp / "self-care.json"),
            *db,
        ),
        "checkin (bad --flag)": ("checkin", "--pain", "4", "--flag", "nonsense=yes", *db),
        "checkin (bad --at)": ("checkin", "--pain", "4", "--at", "whenever", *db),
        "checkin (unknown drug)": ("checkin", "--pain", "4", "--med", "snakeoil:100", *db),
        "checkin (bad --did)": ("checkin", "--pain", "4", "--did", "dance", *db),
        "export (unknown format)": ("export", "--format", "doc", *db),
    }


FAILING_CLI = tuple(_failing_commands(Path("/nonexistent")))


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Each failing command's exit code and what it printed, under the pseudo-locale."""
    tmp = tmp_path_factory.mktemp("cli-errors")
    _error_files(tmp)
    out: dict[str, tuple[int, str]] = {}
    patch = pytest.MonkeyPatch()
    patch.setenv("COLUMNS", "4000")
    _engine_for.cache_clear()
    try:
        with installed("en", StrictPseudoTranslations()):
            for name, args in _failing_commands(tmp).items():
                stdout, stderr = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    code = main(list(args))
                text = (stdout.getvalue() + stderr.getvalue()).replace(str(tmp), "TMP")
                out[name] = (code, text)
    finally:
        patch.undo()
        _engine_for.cache_clear()
    return out


def test_every_failing_command_failed(failed: dict[str, tuple[int, str]]) -> None:
    setup = "episode start (for the failures)"
    assert failed[setup][0] == 0, failed[setup]
    codes = {name: code for name, (code, _) in failed.items() if name != setup}
    assert all(codes.values()), codes
    assert all(OPEN in failed[name][1] for name in codes), failed


@pytest.mark.parametrize("command", FAILING_CLI)
def test_a_failing_command_prints_only_catalogue_words(
    failed: dict[str, tuple[int, str]], command: str
) -> None:
    lines = _without_error_syntax(visible_text(failed[command][1]))
    found = escaped(lines, allowed=(*NAMES, "TMP"))
    _check(f"backcare {command}", found)


def _envelope_text(response: Any) -> list[str]:
    """What a person reads in a JSON error: the message and each problem (not field names)."""
    error = response.json()["error"]
    return [error["message"], *(p["problem"] for p in error["problems"])]


def _failing_calls(engine: Engine) -> dict[str, tuple[int, list[str]]]:
    calls: dict[str, Any] = {}
    with web_client(engine) as client:
        calls["POST /api/v1/assess (several problems)"] = client.post(
            "/api/v1/assess", json={"pain": 12, "age": "old", "colour": "red", "sex": "x"}
        )
        calls["POST /api/v1/assess (malformed JSON)"] = client.post(
            "/api/v1/assess", content=b'{"pain": ', headers={"content-type": "application/json"}
        )
        calls["GET /api/v1/diary/episodes/999 (not found)"] = client.get(
            "/api/v1/diary/episodes/999"
        )
        calls["GET /api/v1/knowledge/sources/nope (not found)"] = client.get(
            "/api/v1/knowledge/sources/nope"
        )
        calls["GET /api/v1/nowhere (404)"] = client.get("/api/v1/nowhere")
        calls["DELETE /api/v1/assess (405)"] = client.delete("/api/v1/assess")
        calls["GET /api/v1/diary/history (bad cursor)"] = client.get(
            "/api/v1/diary/history?before=nonsense"
        )
        episode = start_episode(client)["episode"]["id"]
        calls["POST /api/v1/diary/episodes (one is active: conflict)"] = client.post(
            "/api/v1/diary/episodes", json={"answers": {"age": 35, "pain": 6}}
        )
        calls["POST /api/v1/diary/check-ins (several problems)"] = client.post(
            "/api/v1/diary/check-ins",
            json={"pain": 11, "doses": [{"drug": "snakeoil", "mg": 0}], "actions": ["dance"]},
        )
        resolve = f"/api/v1/diary/episodes/{episode}/resolve"
        client.post(resolve, json={})
        calls["POST /api/v1/diary/episodes/N/resolve (already resolved: conflict)"] = client.post(
            resolve, json={}
        )
    return {
        name: (response.status_code, _envelope_text(response)) for name, response in calls.items()
    }


FAILING_CALLS = (
    "POST /api/v1/assess (several problems)",
    "POST /api/v1/assess (malformed JSON)",
    "GET /api/v1/diary/episodes/999 (not found)",
    "GET /api/v1/knowledge/sources/nope (not found)",
    "GET /api/v1/nowhere (404)",
    "DELETE /api/v1/assess (405)",
    "GET /api/v1/diary/history (bad cursor)",
    "POST /api/v1/diary/episodes (one is active: conflict)",
    "POST /api/v1/diary/check-ins (several problems)",
    "POST /api/v1/diary/episodes/N/resolve (already resolved: conflict)",
)


def _failing_pages(engine: Engine) -> dict[str, str]:
    html = {"accept": "text/html"}
    pages: dict[str, str] = {}
    with web_client(engine) as client:
        pages["GET /api/v1/diary/episodes/999 as a page (404)"] = client.get(
            "/diary/episodes/999", headers=html
        ).text
        token = hidden_fields(client.get("/settings").text)["csrf_token"]
        pages["POST /settings (problems)"] = client.post(
            "/settings",
            data={"csrf_token": token, "wake_time": "25:00", "emergency_number": "12345"},
            headers=html,
        ).text
        pages["POST /diary/check-in (no form token: forbidden)"] = client.post(
            "/diary/check-in", data={"pain": "3"}, headers=html
        ).text
    return pages


FAILING_PAGES = (
    "GET /api/v1/diary/episodes/999 as a page (404)",
    "POST /settings (problems)",
    "POST /diary/check-in (no form token: forbidden)",
)


@pytest.fixture(scope="module")
def failed_calls(
    kb: KnowledgeBase, settings: Settings
) -> tuple[dict[str, tuple[int, list[str]]], dict[str, str]]:
    with installed("en", StrictPseudoTranslations()):
        engine = Engine(kb, settings)
        return _failing_calls(engine), _failing_pages(engine)


def test_every_failing_call_failed(
    failed_calls: tuple[dict[str, tuple[int, list[str]]], dict[str, str]],
) -> None:
    calls, pages = failed_calls
    assert set(FAILING_CALLS) <= set(calls)
    assert set(FAILING_PAGES) <= set(pages)
    statuses = {name: status for name, (status, _) in calls.items()}
    assert all(status >= 400 for status in statuses.values()), statuses
    assert statuses["POST /api/v1/assess (several problems)"] == 422
    assert len(calls["POST /api/v1/assess (several problems)"][1]) >= 4
    assert statuses["POST /api/v1/diary/episodes/N/resolve (already resolved: conflict)"] == 409
    assert all(OPEN in texts[0] for _, texts in calls.values()), calls


@pytest.mark.parametrize("call", FAILING_CALLS)
def test_a_failing_call_says_only_catalogue_words(
    failed_calls: tuple[dict[str, tuple[int, list[str]]], dict[str, str]], call: str
) -> None:
    _check(call, escaped(_without_error_syntax(failed_calls[0][call][1]), allowed=NAMES))


@pytest.mark.parametrize("surface", FAILING_PAGES)
def test_a_failing_page_shows_only_catalogue_words(
    failed_calls: tuple[dict[str, tuple[int, list[str]]], dict[str, str]], surface: str
) -> None:
    lines = _without_error_syntax(visible_html(failed_calls[1][surface]))
    _check(surface, escaped(lines, allowed=(*NAMES, *_error_codes())))
