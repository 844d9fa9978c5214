"""The message catalogue: extraction is current, another language loads, KB texts pick theirs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from pydantic import ValidationError

import backcare.i18n as i18n
from backcare.i18n import gettext, label, ngettext, use_language
from backcare.knowledge.schema import Source

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "backcare" / "locale"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_the_template_holds_every_marked_word_run_make_catalogue() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    pot = _ids(LOCALE / "backcare.pot")
    assert found - pot == set(), "run `make catalogue`: the template misses these words"
    assert pot - found == set(), "run `make catalogue`: the template holds words no code uses"


def test_the_english_catalogue_has_every_message_of_the_template() -> None:
    assert _ids(LOCALE / "en" / "LC_MESSAGES" / "backcare.po") == _ids(LOCALE / "backcare.pot")


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A German catalogue with two messages, compiled from its .po like a shipped one."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="de", domain="backcare")
    catalog.add("Diary", "Tagebuch")
    catalog.add("urgent", "dringend")
    catalog.add(("{count} minute", "{count} minutes"), ("{count} Minute", "{count} Minuten"))
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "backcare.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIRECTORY", tmp_path)
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.mark.usefixtures("german")
def test_another_language_is_read_from_its_po_file_with_english_fallback() -> None:
    with use_language("de"):
        assert i18n.active_language() == "de"
        assert gettext("Diary") == "Tagebuch"
        assert label("level", "urgent") == "dringend"
        assert ngettext("{count} minute", "{count} minutes", 5) == "{count} Minuten"
        assert gettext("Export") == "Export"  # not translated yet: the English words
    assert gettext("Diary") == "Diary"


def _source(title: object) -> Source:
    return Source.model_validate(
        {
            "id": "nhs_back_pain",
            "kind": "web",
            "title": title,
            "short_title": "NHS: Back pain",
            "url": "https://www.nhs.uk/conditions/back-pain/",
            "authority": "moderate",
        }
    )


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        pytest.param("en", "Back pain", id="english"),
        pytest.param("de", "Rückenschmerzen", id="german"),
        pytest.param("fr", "Back pain", id="no-french-falls-back-to-english"),
    ],
)
def test_a_knowledge_base_text_is_kept_in_the_active_language(language: str, shown: str) -> None:
    with use_language(language):
        assert _source({"en": "Back pain", "de": "Rückenschmerzen"}).title == shown


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        pytest.param({"de": "Rückenschmerzen"}, "needs its English text", id="no-english"),
        pytest.param({"en": "Back pain", "German": "x"}, "not a language code", id="bad-code"),
        pytest.param({"en": ""}, "at least 1 item", id="empty"),
    ],
)
def test_a_text_in_several_languages_is_checked(title: object, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        _source(title)


@pytest.mark.parametrize(
    ("short_title", "problem"),
    [
        pytest.param("x" * 41, "at most 40 item", id="too-long"),
        pytest.param("", "at least 1 item", id="empty"),
    ],
)
def test_a_source_needs_a_short_title(short_title: str, problem: str) -> None:
    data = {
        "id": "nhs_back_pain",
        "kind": "web",
        "title": "NHS website: Back pain",
        "short_title": short_title,
        "url": "https://www.nhs.uk/conditions/back-pain/",
        "authority": "moderate",
    }
    with pytest.raises(ValidationError, match=problem):
        Source.model_validate(data)


def test_every_source_has_a_distinct_short_title(kb) -> None:  # type: ignore[no-untyped-def]
    titles = [s.short_title.casefold() for s in kb.sources]
    assert len(titles) == len(set(titles))
    assert all(s.short_title != s.id for s in kb.sources)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        pytest.param("en", "Roland-Morris", id="english"),
        pytest.param("de", "Roland-Morris (deutsch)", id="german"),
        pytest.param("fr", "Roland-Morris", id="no-french-falls-back-to-english"),
    ],
)
def test_a_questionnaire_text_is_kept_in_the_active_language(language: str, shown: str) -> None:
    """Questionnaire files are knowledge-base content: one text per language, English required."""
    from importlib import resources

    import yaml

    from backcare.domain.questionnaire import QuestionnaireDefinition

    folder = resources.files("backcare.knowledge") / "data" / "questionnaires"
    data = yaml.safe_load((folder / "rmdq.yaml").read_text("utf-8"))
    data["title"] = {"en": "Roland-Morris", "de": "Roland-Morris (deutsch)"}
    with use_language(language):
        assert QuestionnaireDefinition.model_validate(data).title == shown
    with pytest.raises(ValidationError, match="needs its English text"):
        QuestionnaireDefinition.model_validate(data | {"title": {"de": "nur deutsch"}})


# --- dates and times ------------------------------------------------------------------------

_STRFTIME = {
    "time": "%H:%M",
    "time_seconds": "%H:%M:%S",
    "weekday": "%a",
    "weekday_day": "%a %d",
    "day_month": "%d %b",
    "weekday_day_month": "%a %d %b",
    "date": "%d %b %Y",
    "day_month_time": "%d %b %H:%M",
    "date_time": "%d %b %Y %H:%M",
    "date_comma_time": "%d %b %Y, %H:%M",
    "weekday_date_time": "%a %d %b %Y %H:%M",
    "weekday_date_comma_time": "%a %d %b %Y, %H:%M",
    "long_weekday_date": "%A %d %B",
}


def test_every_date_style_is_named_here() -> None:
    assert set(_STRFTIME) == set(i18n.DATE_STYLES)


@pytest.mark.parametrize("style", sorted(_STRFTIME))
@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(datetime(2026, 5, 3, 9, 5, tzinfo=timezone(timedelta(hours=2))), id="aware"),
        pytest.param(datetime(2026, 9, 30, 23, 59), id="naive"),
        pytest.param(datetime(2027, 1, 1, 0, 0, tzinfo=UTC), id="new-year-utc"),
    ],
)
def test_an_english_date_reads_as_before(style: str, moment: datetime) -> None:
    assert i18n.format_when(moment, style) == moment.strftime(_STRFTIME[style])


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        pytest.param("en", "Sun 03 May 2026, 09:05", id="english"),
        pytest.param("de", "So. 03 Mai 2026, 09:05", id="german"),
        pytest.param("fr", "dim. 03 mai 2026, 09:05", id="french"),
    ],
)
def test_month_and_day_names_follow_the_language(language: str, shown: str) -> None:
    moment = datetime(2026, 5, 3, 9, 5, tzinfo=timezone(timedelta(hours=2)))
    with use_language(language):
        assert i18n.format_when(moment, "weekday_date_comma_time") == shown


def test_no_view_writes_month_or_day_names_with_strftime() -> None:
    names = re.compile(r"%[aAbB]")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "src" / "backcare").rglob("*")
        if path.suffix in {".py", ".html", ".j2"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (names.search(line) and "strftime" in line) or re.search(r"\{[^{}]*:%[aAbB]", line)
    ]
    assert offenders == [], "write dates with backcare.i18n.format_when (Babel)"
