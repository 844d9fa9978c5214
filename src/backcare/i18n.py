"""One home for every user-facing term: the gettext message catalogue and the labels of ids.

Every word a view shows that is not knowledge-base content comes from here: wrap a
sentence in ``_()`` (``{% trans %}`` or ``_()`` in a template), and name a level, phase,
status, track, grade, field or source with :func:`label`. The knowledge base keeps its own
texts (one per language per entry, English required; see ``knowledge/schema.py``).

English is the source language: a message id *is* its English text, so English needs no
catalogue at run time and the fast command-line path never loads one. Other languages
live in ``locale/<lang>/LC_MESSAGES/backcare.po``; they are compiled in memory the first
time they are used (Babel), so a fresh clone needs no build step and no binary ``.mo``
file is kept in git (``make catalogue`` extracts, updates and checks them).

This module sits in the base layer: it imports nothing from backcare, so the knowledge
base, the services and the views can all use it.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DATE_STYLES",
    "DOMAIN",
    "LANGUAGE_PATTERN",
    "LOCALE_DIRECTORY",
    "N_",
    "SOURCE_LANGUAGE",
    "active_language",
    "format_when",
    "gettext",
    "in_language",
    "installed",
    "label",
    "label_kinds",
    "labels",
    "ngettext",
    "translations",
    "use_language",
    "use_translations",
]

DOMAIN = "backcare"
SOURCE_LANGUAGE = "en"
LOCALE_DIRECTORY = Path(__file__).parent / "locale"
#: A language tag as the catalogue folders and the knowledge base spell it: ``en``, ``pt_BR``.
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
#: The environment variable that chooses the language (English when unset).
LANGUAGE_VARIABLE = "BACKCARE_LANGUAGE"

_INSTALLED: list[tuple[str, _gettext.NullTranslations]] = []
_ACTIVE: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "backcare_translations", default=None
)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention the extractor knows
    """Mark ``message`` for the catalogue without translating it now (tables of labels)."""
    return message


@lru_cache(maxsize=8)
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language``, compiled from its ``.po`` file once per process.

    English (the source language) and a language without a catalogue give the message
    ids themselves, which are the English words.
    """
    if language == SOURCE_LANGUAGE or not LANGUAGE_PATTERN.match(language):
        return _gettext.NullTranslations()
    po = LOCALE_DIRECTORY / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return _gettext.NullTranslations()
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _current() -> tuple[str, _gettext.NullTranslations]:
    active = _ACTIVE.get()
    if active is not None:
        return active
    if _INSTALLED:
        return _INSTALLED[-1]
    language = os.environ.get(LANGUAGE_VARIABLE, "") or SOURCE_LANGUAGE
    return language, translations(language)


def active_language() -> str:
    """The language words are shown in now (``en`` unless chosen otherwise)."""
    return _current()[0]


@contextmanager
def use_translations(language: str, catalogue: _gettext.NullTranslations) -> Iterator[None]:
    """Show words from ``catalogue`` (as ``language``) inside the block, e.g. in a test."""
    token = _ACTIVE.set((language, catalogue))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextmanager
def installed(language: str, catalogue: _gettext.NullTranslations) -> Iterator[None]:
    """Show words from ``catalogue`` in every thread of the process inside the block.

    The web app renders in worker threads that do not see the caller's context, so a test
    that renders whole pages through another catalogue (the pseudo-locale) installs it here.
    """
    _INSTALLED.append((language, catalogue))
    try:
        yield
    finally:
        _INSTALLED.remove((language, catalogue))


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Show words in ``language`` inside the block (English where it has no catalogue)."""
    with use_translations(language, translations(language)):
        yield


def gettext(message: str) -> str:
    """``message`` (English) in the active language."""
    return _current()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the active language."""
    return _current()[1].ngettext(singular, plural, n)


# The labels of ids. One table per kind of id; each value is the English message id, marked
# with N_ so `make catalogue` extracts it, and translated when it is shown.
_LABELS: dict[str, dict[str, str]] = {
    # A triage level's name, as a sentence uses it ("raised the level from ... to ...").
    "level": {
        "self_care": N_("self-care"),
        "see_doctor": N_("see a doctor"),
        "urgent": N_("urgent"),
        "emergency": N_("emergency"),
        "incomplete": N_("not complete"),
    },
    # A triage level as a heading: what to do and how soon.
    "level_heading": {
        "self_care": N_("Self-care"),
        "see_doctor": N_("See a doctor within the next few days"),
        "urgent": N_("Urgent: get medical help today"),
        "emergency": N_("Emergency: get help now"),
        "incomplete": N_("Not complete: we can't tell yet"),
    },
    # What a person does at a level, as an instruction (a check-in's headline).
    "level_action": {
        "self_care": N_("Carry on with self-care"),
        "see_doctor": N_("See a doctor within the next few days"),
        "urgent": N_("Get medical help today"),
        "emergency": N_("Get emergency help now"),
    },
    "phase": {
        "acute": N_("Acute"),
        "subacute": N_("Subacute"),
        "recovery": N_("Recovery"),
    },
    "track": {
        "relief": N_("Relieve the pain"),
        "cause": N_("Find and treat the cause"),
        "prevention": N_("Stop it coming back"),
    },
    "medicine_status": {
        "suitable": N_("suitable"),
        "ask_first": N_("ask a pharmacist or doctor first"),
        "avoid": N_("avoid"),
    },
    "evidence": {
        "guideline": N_("guideline"),
        "trial": N_("trials"),
        "expert": N_("expert opinion"),
        "seed": N_("seed articles only"),
    },
    "episode_status": {
        "active": N_("Active"),
        "resolved": N_("Resolved"),
    },
    "trigger": {
        "lifting": N_("lifting"),
        "twisting_or_sudden_movement": N_("a twist or sudden movement"),
        "after_inactivity": N_("a spell of inactivity"),
        "overuse": N_("overuse"),
        "minor_fall": N_("a minor fall"),
        "serious_accident": N_("a serious accident"),
        "unknown": N_("no clear cause"),
    },
    "trend": {
        "better": N_("Better"),
        "same": N_("The same"),
        "worse": N_("Worse"),
    },
    # The side of the body an exercise works (the coach's cues).
    "side": {
        "left": N_("left"),
        "right": N_("right"),
        "both": N_("both sides"),
    },
    "exercise_kind": {
        "stretch": N_("stretch"),
        "strength": N_("strength"),
        "mobility": N_("mobility"),
    },
    # Something new during an exercise session (the coach's symptom question).
    "symptom": {
        "one_leg_numbness_or_tingling": N_("new numbness or tingling in one leg"),
        "both_legs": N_("new numbness or tingling in both legs"),
        "worsening_leg_weakness": N_("new or worsening weakness in a leg"),
        "severe_pain": N_("severe pain"),
    },
    # Self-care a person says they did (check-ins).
    "action": {
        "ice": N_("Cold pack"),
        "heat": N_("Heat"),
        "walk": N_("Walking"),
        "exercises": N_("Exercises"),
    },
    "source_kind": {
        "seed": N_("seed article"),
        "guideline": N_("guideline"),
        "paper": N_("paper"),
        "label": N_("medicine label"),
        "web": N_("web page"),
    },
    "authority": {
        "high": N_("high trust"),
        "moderate": N_("moderate trust"),
        "low": N_("low trust"),
    },
    # Input fields, as an error message names them ("Pain: choose a score").
    "field": {
        "pain": N_("Pain"),
        "worst_pain": N_("Worst pain"),
        "note": N_("Note"),
        "flags": N_("New symptoms"),
        "actions": N_("What you did"),
        "doses": N_("Medicines taken"),
        "drug": N_("Medicine"),
        "dose_mg": N_("Dose"),
        "taken_at": N_("Time taken"),
        "trigger": N_("What set it off"),
        "activities": N_("Activities"),
        "code": N_("Access code"),
        "emergency_number": N_("Emergency number"),
        "wake_time": N_("Wake time"),
        "sleep_time": N_("Sleep time"),
        "units": N_("Units"),
        # Hosted mode's account forms.
        "email": N_("E-mail address"),
        "password": N_("Password"),
        "role": N_("Role"),
    },
    "units": {
        "metric": N_("Metric (cm, kg)"),
        "imperial": N_("Imperial (ft and in, lb)"),
    },
}


def label(kind: str, value: object) -> str:
    """The words for id ``value`` of ``kind`` (``level``, ``phase``, ``track`` ...).

    An id the table does not know is shown as itself (ids are never title-cased into
    words: a missing label is a bug the pseudo-locale test reports).
    """
    key = str(getattr(value, "value", value))
    message = _LABELS.get(kind, {}).get(key)
    return gettext(message) if message is not None else key


def labels(kind: str) -> Mapping[str, str]:
    """Every id of ``kind`` with its words in the active language."""
    return {key: gettext(message) for key, message in _LABELS[kind].items()}


def label_kinds() -> tuple[str, ...]:
    """The kinds :func:`label` knows (for tests and the documentation)."""
    return tuple(_LABELS)


def in_language(value: object) -> object:
    """A text is English, or one text per language (``{en: ..., de: ...}``, English required).

    A validator for knowledge-base texts: it keeps the active language's text (English where
    it has none), so the rest of backcare only ever sees one string.
    """
    if not isinstance(value, dict):
        return value
    bad = sorted(str(k) for k in value if not LANGUAGE_PATTERN.match(str(k)))
    if bad:
        raise ValueError(
            gettext("not a language code: {codes} (write e.g. en, de, pt_BR)").format(
                codes=", ".join(bad)
            )
        )
    if SOURCE_LANGUAGE not in value:
        raise ValueError(
            gettext("a text in several languages needs its English text under '{language}'").format(
                language=SOURCE_LANGUAGE
            )
        )
    return value.get(active_language()) or value[SOURCE_LANGUAGE]


# --- dates and times ----------------------------------------------------------------------

#: The date and time styles the views use, as CLDR patterns: Babel writes the month and day
#: names in the active language. In English each gives what strftime gave before.
DATE_STYLES: Mapping[str, str] = {
    "time": "HH:mm",  # 14:05
    "time_seconds": "HH:mm:ss",  # 14:05:09
    "weekday": "EEE",  # Mon
    "weekday_day": "EEE dd",  # Mon 30
    "day_month": "dd MMM",  # 30 Nov
    "weekday_day_month": "EEE dd MMM",  # Mon 30 Nov
    "date": "dd MMM y",  # 30 Nov 2026
    "day_month_time": "dd MMM HH:mm",  # 30 Nov 14:05
    "date_time": "dd MMM y HH:mm",  # 30 Nov 2026 14:05
    "date_comma_time": "dd MMM y, HH:mm",  # 30 Nov 2026, 14:05
    "weekday_date_time": "EEE dd MMM y HH:mm",  # Mon 30 Nov 2026 14:05
    "weekday_date_comma_time": "EEE dd MMM y, HH:mm",  # Mon 30 Nov 2026, 14:05
    "long_weekday_date": "EEEE dd MMMM",  # Monday 30 November
}


def format_when(value: datetime | date, style: str) -> str:
    """``value`` written in ``style`` (:data:`DATE_STYLES`) in the active language.

    An aware datetime is written in its own time zone; convert it first to show another.
    """
    from babel.dates import format_date, format_datetime

    pattern = DATE_STYLES[style]
    language = active_language()
    if isinstance(value, datetime):
        return str(format_datetime(value, pattern, tzinfo=value.tzinfo, locale=language))
    return str(format_date(value, pattern, locale=language))
