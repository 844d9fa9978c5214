"""Typed settings, read from ``BACKCARE_*`` environment variables.

Settings are made by :func:`get_settings`, never at import time, so tests and
embedding programs can build their own. Every field has help text; a test checks
that each one is documented in ``docs/settings.md``. The environment is read by
hand rather than with pydantic-settings, whose import (it pulls in asyncio, ssl
and its CLI machinery) cost more than the whole of a ``backcare assess`` run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backcare.i18n import N_, gettext
from backcare.locations import cache_folder
from backcare.units import Units

__all__ = [
    "COMMON_EMERGENCY_NUMBERS",
    "ENV_PREFIX",
    "PERSONAL_SETTINGS",
    "Settings",
    "cache_directory",
    "get_settings",
    "with_personal",
]

#: The settings a person may choose in the web app (stored in the diary).
PERSONAL_SETTINGS: tuple[str, ...] = ("emergency_number", "wake_time", "sleep_time", "units")


#: The emergency numbers people most often need; any other short number is accepted too.
#: Where each is used, in English (catalogue message ids: show them with ``gettext``).
COMMON_EMERGENCY_NUMBERS: dict[str, str] = {
    "999": N_("United Kingdom, Ireland and others"),
    "911": N_("United States, Canada and others"),
    "112": N_("European Union and most mobile networks worldwide"),
    "000": N_("Australia"),
    "111": N_("New Zealand"),
}

_NUMBER = re.compile(r"^[0-9]{2,4}$")


ENV_PREFIX = "BACKCARE_"
_SLEEP_AFTER_WAKE = N_("sleep_time must be later in the day than wake_time")


class Settings(BaseModel):
    """All of backcare's settings. Environment variables use the ``BACKCARE_`` prefix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    emergency_number: Annotated[
        str,
        Field(
            description=(
                "The number to call in an emergency, shown in every emergency instruction "
                "(999, 911, 112 are common)."
            )
        ),
    ] = "999"
    wake_time: Annotated[
        time, Field(description="When the person usually gets up; schedules start here.")
    ] = time(7, 0)
    sleep_time: Annotated[
        time,
        Field(description="When the person usually goes to sleep; nothing is scheduled after it."),
    ] = time(22, 0)
    units: Annotated[
        Units,
        Field(
            description=(
                "How height and weight are asked and shown: metric (cm, kg) or imperial "
                "(ft and in, lb). Answers are always stored in cm and kg."
            )
        ),
    ] = "metric"
    cache_dir: Annotated[
        str | None,
        Field(
            description=(
                "Folder for backcare's caches (the validated knowledge base); default: the "
                "user's cache directory. Holds no health data."
            )
        ),
    ] = None
    database_url: Annotated[
        str | None,
        Field(
            description=(
                "SQLAlchemy URL of the diary database; default: a SQLite file in the "
                "user's data directory."
            )
        ),
    ] = None

    # --- hosted clinic mode (``backcare server``) ------------------------------------------
    public_url: Annotated[
        str | None,
        Field(
            description=(
                "Hosted mode: the https:// address people open (behind the TLS proxy). Its host "
                "is the only Host answered; cookies are Secure and HSTS is sent."
            )
        ),
    ] = None
    secret_file: Annotated[
        str | None,
        Field(
            description=(
                "Hosted mode: a file holding the key that signs sessions and forms, shared by "
                "every worker; default: server-secret in the user's data directory, made once."
            )
        ),
    ] = None
    trusted_proxies: Annotated[
        str,
        Field(
            description=(
                "Hosted mode: comma-separated addresses of the reverse proxy whose "
                "X-Forwarded-For/-Proto headers are believed; default: none."
            )
        ),
    ] = ""
    self_registration: Annotated[
        bool,
        Field(
            description=("Hosted mode: let anyone create a patient account without an invitation.")
        ),
    ] = False

    # --- e-mail and notices (hosted mode; see docs/hosting.md) -------------------------
    smtp_host: Annotated[
        str | None,
        Field(description="SMTP server that sends backcare's e-mail; unset: no e-mail is sent."),
    ] = None
    smtp_port: Annotated[int, Field(ge=1, le=65535, description="SMTP server port.")] = 587
    smtp_security: Annotated[
        Literal["starttls", "tls", "none"],
        Field(
            description=(
                "starttls (port 587), tls (port 465) or none (only for a relay on this "
                "machine or in tests)."
            )
        ),
    ] = "starttls"
    smtp_username: Annotated[
        str | None, Field(description="SMTP user name, if the server asks for one.")
    ] = None
    smtp_password: Annotated[str | None, Field(description="SMTP password.", repr=False)] = None
    mail_from: Annotated[str, Field(description="The From address of backcare's e-mail.")] = (
        "backcare@localhost"
    )
    clinic_notify_email: Annotated[
        str | None,
        Field(
            description=(
                "A clinic's shared address told of every escalation (a check-in or coach "
                "session reaching urgent or emergency), besides the patient's care team."
            )
        ),
    ] = None
    digest_hour: Annotated[
        int,
        Field(
            ge=0,
            le=23,
            description=(
                "Hour of the day (UTC, 0-23) at which the job workers send the daily "
                "reminder e-mails and the clinicians' digests."
            ),
        ),
    ] = 7

    @field_validator("emergency_number")
    @classmethod
    def _check_number(cls, value: str) -> str:
        value = value.strip()
        if not _NUMBER.match(value):
            raise ValueError(
                gettext("must be a short phone number of 2-4 digits, such as 999, 911 or 112")
            )
        return value

    @model_validator(mode="after")
    def _check_day(self) -> Settings:
        if self.sleep_time <= self.wake_time:
            raise ValueError(gettext(_SLEEP_AFTER_WAKE))
        return self


def cache_directory() -> Path:
    """Where caches live: ``BACKCARE_CACHE_DIR`` or the user's cache directory.

    Read straight from the environment because the knowledge-base loader needs it
    before (and without) building the full settings.
    """
    return Path(cache_folder())


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (or from ``environ``, for tests).

    Raises:
        InputError: a ``BACKCARE_*`` variable has a value that is not allowed.
    """
    from pydantic import ValidationError

    from backcare.errors import InputError, field_path, validation_problems

    env = os.environ if environ is None else environ
    values = {
        name: env[ENV_PREFIX + name.upper()]
        for name in Settings.model_fields
        if ENV_PREFIX + name.upper() in env
    }
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = validation_problems(
            exc.errors(), field=lambda loc: ENV_PREFIX + field_path(loc).upper() if loc else ""
        )
        raise InputError(gettext("invalid setting"), problems=problems) from exc


def with_personal(base: Settings, values: Mapping[str, str]) -> Settings:
    """``base`` with the person's own choices (see :data:`PERSONAL_SETTINGS`) put over it.

    Raises:
        InputError: a name is not a personal setting, or a value is not allowed; each
            problem names the setting in plain words.
    """
    from pydantic import ValidationError

    from backcare.errors import FieldProblem, InputError, problem_text

    unknown = sorted(set(values) - set(PERSONAL_SETTINGS))
    if unknown:
        problems = [
            FieldProblem(name, gettext("is not a setting you can change here")) for name in unknown
        ]
        raise InputError(gettext("invalid setting"), problems=problems)
    try:
        return Settings.model_validate({**base.model_dump(), **values})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            message = problem_text(err)
            if name in ("wake_time", "sleep_time"):
                message = gettext("please enter a time of day, for example 07:00")
            if name == "units":
                message = gettext("must be metric (cm, kg) or imperial (ft and in, lb)")
            if not name and str(err.get("ctx", {}).get("error")) == gettext(_SLEEP_AFTER_WAKE):
                name = "sleep_time"
                message = gettext("must be later in the day than the wake time")
            problems.append(FieldProblem(name, message))
        raise InputError(gettext("invalid setting"), problems=problems) from exc
