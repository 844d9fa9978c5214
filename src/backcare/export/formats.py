"""The one registry of export formats, shared by ``backcare export --format`` and the web.

Each :class:`Format` says what it holds (the whole diary or one episode), its media type
and file name, and how to make its bytes from an open diary and :class:`ExportOptions`.
The command line and the web's generic export route both look formats up here, so a new
format is one entry in :data:`FORMATS` and no new command or route. The makers import
their libraries (icalendar, fhir.resources, weasyprint) only when called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext

if TYPE_CHECKING:
    from backcare.diary import Diary

__all__ = ["FORMATS", "ExportOptions", "Format", "export", "get_format"]


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What a caller may choose; each format reads the options that apply to it."""

    episode_id: int | None = None
    """The episode of an episode format (default: the active one, else the latest)."""
    days: int = 7
    """Calendar: how many days of reminders."""
    start: str | None = None
    """Report and calendar: the first day (``YYYY-MM-DD``)."""
    end: str | None = None
    """Report: the last day, inclusive (``YYYY-MM-DD``)."""
    questions: tuple[str, ...] = ()
    """Report: the person's questions for the doctor."""


@dataclass(frozen=True, slots=True)
class Format:
    """One export format: what it holds, how it is served, and how it is made."""

    name: str
    description: str
    scope: Literal["diary", "episode"]
    """``diary``: the whole diary; ``episode``: one episode (``ExportOptions.episode_id``)."""
    media_type: str
    file_name: str
    """The download's name: ``{episode}`` is the episode's id, ``{today}`` the date."""
    binary: bool
    """Not text: never written to a terminal."""
    make: Callable[[Diary, ExportOptions], bytes]

    def filename(self, episode_id: int | None, today: date) -> str:
        """The download's file name (``current`` for the default episode)."""
        episode = "current" if episode_id is None else str(episode_id)
        return self.file_name.format(episode=episode, today=today)


def _diary_file(fmt: Literal["json", "csv"]) -> Callable[[Diary, ExportOptions], bytes]:
    def make(diary: Diary, options: ExportOptions) -> bytes:
        from backcare.export.transfer import export_diary

        return export_diary(diary.store, fmt=fmt).encode("utf-8")

    return make


def _calendar(diary: Diary, options: ExportOptions) -> bytes:
    from backcare.export._context import parse_date
    from backcare.export.ical import export_ics

    first_day = parse_date(options.start, field="--from")
    return export_ics(diary, episode_id=options.episode_id, days=options.days, first_day=first_day)


def _fhir(diary: Diary, options: ExportOptions) -> bytes:
    from backcare.export.fhir import export_fhir_bundle

    return export_fhir_bundle(diary, episode_id=options.episode_id).encode("utf-8")


def _report(fmt: Literal["pdf", "html"]) -> Callable[[Diary, ExportOptions], bytes]:
    def make(diary: Diary, options: ExportOptions) -> bytes:
        from backcare.export.report import clinician_report

        return clinician_report(
            diary,
            episode_id=options.episode_id,
            start=options.start,
            end=options.end,
            questions=options.questions,
            fmt=fmt,
        )

    return make


#: Every export format by name, in the order they are offered.
FORMATS: Mapping[str, Format] = {
    f.name: f
    for f in (
        Format(
            name="json",
            description="the whole diary, lossless and re-importable",
            scope="diary",
            media_type="application/json",
            file_name="backcare-diary-{today:%Y%m%d}.json",
            binary=False,
            make=_diary_file("json"),
        ),
        Format(
            name="csv",
            description="the whole diary as one table, re-importable",
            scope="diary",
            media_type="text/csv; charset=utf-8",
            file_name="backcare-diary-{today:%Y%m%d}.csv",
            binary=False,
            make=_diary_file("csv"),
        ),
        Format(
            name="ics",
            description="an episode's reminders for the coming days (iCalendar)",
            scope="episode",
            media_type="text/calendar; charset=utf-8",
            file_name="backcare-episode-{episode}.ics",
            binary=False,
            make=_calendar,
        ),
        Format(
            name="fhir",
            description="an episode as a FHIR R4 Bundle",
            scope="episode",
            media_type="application/fhir+json",
            file_name="backcare-episode-{episode}.fhir.json",
            binary=False,
            make=_fhir,
        ),
        Format(
            name="pdf",
            description="the clinician report of an episode (PDF)",
            scope="episode",
            media_type="application/pdf",
            file_name="backcare-report-episode-{episode}.pdf",
            binary=True,
            make=_report("pdf"),
        ),
        Format(
            name="html",
            description="the clinician report of an episode (one self-contained page)",
            scope="episode",
            media_type="text/html; charset=utf-8",
            file_name="backcare-report-episode-{episode}.html",
            binary=False,
            make=_report("html"),
        ),
    )
}


def get_format(name: str, *, field: str = "--format") -> Format:
    """The format called ``name`` (any case).

    Raises:
        InputError: no such format; the problem names ``field`` and lists the formats.
    """
    found = FORMATS.get(name.strip().lower())
    if found is None:
        raise InputError(
            gettext("unknown export format {name!r}").format(name=name),
            problems=[
                FieldProblem(
                    field, gettext("use one of {formats}").format(formats=", ".join(FORMATS))
                )
            ],
        )
    return found


def export(diary: Diary, name: str, options: ExportOptions | None = None) -> bytes:
    """The bytes of the export ``name`` of ``diary``.

    Raises:
        InputError: an unknown format, or a problem with the options (named).
        NotFoundError: no such episode, or the diary is empty (episode formats).
        ConflictError: the calendar of a resolved episode or one on hold.
    """
    return get_format(name).make(diary, options or ExportOptions())
