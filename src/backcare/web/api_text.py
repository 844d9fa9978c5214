"""The JSON twin of the "Tell us what happened" box: ``POST /api/v1/extract``.

It returns the extraction contract v1 for a text (docs/json-api.md), exactly as
``backcare extract --json`` prints it; 501 with the error envelope when the ``text``
extra is not installed. A separate router so the free-text feature stays in one place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from backcare.text import MAX_TEXT_LENGTH, Extraction
from backcare.web._bodies import JsonBodyRoute
from backcare.web.dependencies import json_writes
from backcare.web.errors import API_ERROR_RESPONSES, ErrorEnvelope
from backcare.web.schemas.fields import DateTimeText

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    responses={
        **API_ERROR_RESPONSES,
        501: {"model": ErrorEnvelope, "description": "The optional text extra is not installed"},
    },
    dependencies=[Depends(json_writes)],
    route_class=JsonBodyRoute,
)


class ExtractIn(BaseModel):
    """A person's own words and, optionally, when they wrote them (their local time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]
    #: When the text was written, for onsets like "Tuesday morning" (default: now).
    now: DateTimeText | None = None


@router.post("/extract", response_model=Extraction, tags=["assessment"])
def extract_text(body: ExtractIn) -> Extraction:
    """Read free text into a partial answer set (never ``false``) and every mention."""
    from backcare.text import extract

    return extract(body.text, now=body.now.replace(tzinfo=None) if body.now else None)
