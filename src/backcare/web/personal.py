"""The settings page (``/settings``) and its JSON twin (``/api/v1/settings``).

A person chooses the emergency number every page shows, the waking hours that
today's schedule and the reminders keep to, and the units height and weight are
asked in. The choices are stored in the diary
(:meth:`backcare.diary.Diary.save_personal_settings`) over the configured
``BACKCARE_*`` defaults and put in force at once for every page and the API
(:meth:`backcare.web.context.WebContext.use`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from backcare.errors import InputError
from backcare.i18n import gettext
from backcare.settings import COMMON_EMERGENCY_NUMBERS, Settings
from backcare.units import Units
from backcare.web._bodies import JsonBodyRoute
from backcare.web.dependencies import CsrfChecked, DiaryDep, Web, json_writes
from backcare.web.errors import API_ERROR_RESPONSES
from backcare.web.rendering import render

__all__ = ["SettingsIn", "SettingsOut", "api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(
    prefix="/api/v1",
    responses=API_ERROR_RESPONSES,
    dependencies=[Depends(json_writes)],
    route_class=JsonBodyRoute,
)

_Value = Annotated[str, Field(max_length=40)]


class SettingsIn(BaseModel):
    """The person's choices; a field left out goes back to the configured default."""

    model_config = ConfigDict(extra="forbid")

    emergency_number: _Value | None = Field(
        default=None, description="2-4 digits, for example 999, 911, 112, 000 or 111."
    )
    wake_time: _Value | None = Field(default=None, description="HH:MM, for example 07:00.")
    sleep_time: _Value | None = Field(
        default=None, description="HH:MM, later in the day than wake_time."
    )
    units: _Value | None = Field(
        default=None, description="metric (cm, kg) or imperial (ft and in, lb)."
    )


class SettingsOut(BaseModel):
    """The settings in force, with the common emergency numbers to choose from."""

    emergency_number: str
    wake_time: str = Field(description="HH:MM")
    sleep_time: str = Field(description="HH:MM")
    units: Units = Field(description="metric (cm, kg) or imperial (ft and in, lb).")
    common_numbers: dict[str, str] = Field(description="Common emergency numbers and where.")


def _out(settings: Settings) -> SettingsOut:
    return SettingsOut(
        emergency_number=settings.emergency_number,
        wake_time=f"{settings.wake_time:%H:%M}",
        sleep_time=f"{settings.sleep_time:%H:%M}",
        units=settings.units,
        common_numbers=COMMON_EMERGENCY_NUMBERS,
    )


def _save(web: Any, diary: Any, body: SettingsIn) -> Settings:
    values = {k: v.strip() for k, v in body.model_dump(exclude_none=True).items()}
    settings: Settings = diary.save_personal_settings(web.base_settings, values)
    web.use(settings)
    return settings


@api_router.get("/settings", tags=["settings"])
def get_settings(web: Web, diary: DiaryDep) -> SettingsOut:
    """The settings in force: the person's choices over the configured defaults."""
    # ``diary`` opens the database first, so a diary that cannot be opened is a 503 here
    # rather than the configured defaults shown as if they were the person's choice.
    return _out(web.settings)


@api_router.put("/settings", tags=["settings"])
def put_settings(body: SettingsIn, web: Web, diary: DiaryDep) -> SettingsOut:
    """Replace the person's choices (422 naming the setting if a value is not allowed)."""
    return _out(_save(web, diary, body))


_Field = Annotated[str, Form(max_length=40)]


@page_router.get("/settings")
def settings_page(request: Request, web: Web, diary: DiaryDep, saved: bool = False) -> Response:
    """The settings form, filled with the settings in force."""
    return render(request, "settings.html", {"form": _out(web.settings), "saved": saved})


@page_router.post("/settings")
def settings_submit(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    emergency_number: _Field = "",
    wake_time: _Field = "",
    sleep_time: _Field = "",
    units: _Field = "",
) -> Response:
    """Save the choices, or show the form again with each problem in plain words."""
    body = SettingsIn(
        emergency_number=emergency_number,
        wake_time=wake_time,
        sleep_time=sleep_time,
        units=units or None,
    )
    try:
        _save(web, diary, body)
    except InputError as exc:
        form = {
            "emergency_number": emergency_number,
            "wake_time": wake_time,
            "sleep_time": sleep_time,
            "units": units,
            "common_numbers": COMMON_EMERGENCY_NUMBERS,
        }
        return render(
            request,
            "settings.html",
            {
                "form": form,
                "problems": exc.problems,
                "message": gettext("Please check your settings"),
            },
            status=exc.status,
        )
    return RedirectResponse("/settings?saved=true", status_code=303)
