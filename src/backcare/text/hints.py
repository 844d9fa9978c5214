"""What the assessment flows (web and interactive CLI) take from a person's story.

:func:`story_hints` turns an :class:`~backcare.text.Extraction` into what both flows
need and nothing more: the red-flag and history questions to ask first, with the words
the person used ("You mentioned 'can't feel my bum'. Is that right?"), and the values
to show pre-filled for confirmation. It answers nothing itself: every mentioned red flag
is still settled by the person's explicit answer, and every pre-filled value can be
changed. No spaCy here: the flows import it before knowing whether the extra is present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backcare.text import Extraction

__all__ = ["StoryHints", "first_question_key", "story_hints"]

#: Answer keys the story may pre-fill (shown for confirmation, never taken silently).
PREFILLED = ("age", "pain", "hours_since_onset", "trigger", "conditions")


@dataclass(frozen=True, slots=True)
class StoryHints:
    """Questions to ask first (with the person's words) and values to pre-fill."""

    mentioned: tuple[str, ...] = ()
    quotes: Mapping[str, str] = field(default_factory=dict)
    prefill: Mapping[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """Plain data, for the web form's signed state."""
        return {
            "mentioned": list(self.mentioned),
            "quotes": dict(self.quotes),
            "prefill": dict(self.prefill),
        }

    @classmethod
    def from_data(cls, data: object) -> StoryHints:
        """Read :meth:`to_data` back; anything malformed reads as no hints."""
        if not isinstance(data, dict):
            return cls()
        mentioned = data.get("mentioned", [])
        quotes = data.get("quotes", {})
        prefill = data.get("prefill", {})
        if not (
            isinstance(mentioned, list) and isinstance(quotes, dict) and isinstance(prefill, dict)
        ):
            return cls()
        return cls(
            mentioned=tuple(str(k) for k in mentioned),
            quotes={str(k): str(v) for k, v in quotes.items()},
            prefill={str(k): v for k, v in prefill.items() if k in PREFILLED},
        )


def story_hints(extraction: Extraction) -> StoryHints:
    """The hints of one extraction: present red flags and history first, in the order
    the person mentioned them, and the values to pre-fill."""
    mentioned = extraction.mentioned("red_flags") + extraction.mentioned("history")
    quotes = {key: extraction.quote(key) or "" for key in mentioned}
    prefill = {k: v for k, v in extraction.answers.items() if k in PREFILLED}
    return StoryHints(mentioned=mentioned, quotes=quotes, prefill=prefill)


def first_question_key(pending: Sequence[str], hints: StoryHints) -> str | None:
    """The pending question to ask next: a mentioned one first (in the protocol's order of
    danger among them), otherwise the protocol's own next question."""
    mentioned = set(hints.mentioned)
    for key in pending:
        if key in mentioned:
            return key
    return pending[0] if pending else None
