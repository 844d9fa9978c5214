"""A pseudo-locale: every catalogue message comes out marked, so text that bypassed it shows.

``PseudoTranslations`` turns each message into ``⟦Ẁórdš⟧`` (placeholders, HTML tags and
entities kept), and :func:`escaped` finds the visible text of a page or a command's output
that is neither marked nor knowledge-base content (which has its own language mechanism:
one text per language per entry in the YAML).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from backcare.i18n import in_language
from backcare.knowledge.loader import load_knowledge_base
from backcare.knowledge.questionnaires import load_questionnaires
from backcare.viewmodels.donow import short_title

OPEN, CLOSE = "⟦", "⟧"
_ACCENTS = str.maketrans("AEIOUYaeiouyCNSZcnsz", "ÀÉÎÓÛÝáéíóúýÇÑŠŽçñšž")
# Parts of a message that must survive: {name}, %(name)s, %s, %%, <tags>, &entities;.
_KEEP = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd%]|<[^>]*>|&[#a-z0-9]+;")
SOURCE = Path(__file__).resolve().parents[1] / "src" / "backcare"


def pseudo(message: str) -> str:
    """``message`` accented and bracketed, its placeholders and markup untouched."""
    out: list[str] = []
    last = 0
    for match in _KEEP.finditer(message):
        out.append(message[last : match.start()].translate(_ACCENTS))
        out.append(match.group(0))
        last = match.end()
    out.append(message[last:].translate(_ACCENTS))
    return OPEN + "".join(out) + CLOSE


class PseudoTranslations(gettext.NullTranslations):
    """A catalogue that has every message, each one transformed by :func:`pseudo`."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


# Placeholders only (not markup): where a filled-in value begins and ends.
_SLOT = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]")


def pseudo_strict(message: str) -> str:
    """Like :func:`pseudo`, but each run of words between placeholders is marked on its own.

    A filled-in value then stands outside every mark, so a value that escaped the catalogue
    (an English sentence put into ``"backcare: error: {message}"``) shows as escaped.
    """
    out: list[str] = []
    last = 0
    for match in _SLOT.finditer(message):
        if match.start() > last:
            out.append(pseudo(message[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    if last < len(message):
        out.append(pseudo(message[last:]))
    return "".join(out)


class StrictPseudoTranslations(gettext.NullTranslations):
    """A pseudo-locale whose placeholders are left unmarked (see :func:`pseudo_strict`)."""

    def gettext(self, message: str) -> str:
        return pseudo_strict(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo_strict(msgid1 if n == 1 else msgid2)


# --- what a person sees -------------------------------------------------------------------


class _Visible(HTMLParser):
    """Text nodes and the attributes a person reads or hears, outside script/style/svg."""

    _HIDDEN = frozenset({"script", "style", "svg"})
    _READ = frozenset({"title", "aria-label", "placeholder", "alt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        if self._hidden:
            return
        self.chunks += [v for k, v in attrs if k in self._READ and v]
        values = dict(attrs)
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.chunks.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.chunks.append(data)


def visible_html(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return [" ".join(c.split()) for c in parser.chunks]


def visible_text(output: str) -> list[str]:
    """The lines of a command's output (box-drawing and bullets dropped)."""
    cleaned = re.sub(r"[─━│┃┌┐└┘├┤┬┴┼╭╮╯╰═║╔╗╚╝╟╢╤╧╪•·…]", " ", output)
    return [" ".join(line.split()) for line in cleaned.splitlines() if line.strip()]


# --- what is allowed to pass --------------------------------------------------------------


def _carries_text(annotation: Any, metadata: Iterable[Any] = ()) -> bool:
    """A type that is, or holds, ``Text``: words a person reads, one per language in the KB."""
    metadata = tuple(metadata)
    if any(getattr(m, "func", None) is in_language for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        return _carries_text(None, annotation.__metadata__)
    return any(_carries_text(arg) for arg in get_args(annotation))


def _is_text(info: FieldInfo) -> bool:
    return _carries_text(info.annotation, info.metadata)


def knowledge_texts(value: Any) -> Iterator[str]:
    """Every ``Text`` of the knowledge base (ids, enums and notes for developers are not)."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            item = getattr(value, name)
            if _is_text(info) and not isinstance(item, BaseModel):
                yield from _plain(item)
            elif isinstance(item, dict) and name.endswith("labels"):
                yield from (v for v in item.values() if isinstance(v, str))
            else:
                yield from knowledge_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from knowledge_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from knowledge_texts(item)


def _plain(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _plain(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _plain(item)


@cache
def _knowledge_pattern() -> re.Pattern[str]:
    """Every knowledge-base text, as one pattern (``{number}``-style slots match anything)."""
    texts = {" ".join(t.split()) for t in knowledge_texts(load_knowledge_base())}
    texts |= {" ".join(t.split()) for t in knowledge_texts(load_questionnaires().definitions)}
    texts |= {short_title(t) for t in texts}  # the schedule shows titles shortened,
    texts |= {t[:1].lower() + t[1:] for t in texts}  # and joins them ("Cold pack + get up")
    texts = {t for t in texts if len(t) >= 3 and re.search(r"[A-Za-z]{2}", t)}
    parts = []
    for text in sorted(texts, key=len, reverse=True):
        body = re.sub(r"\\\{[a-z_]+\\\}", ".+?", re.escape(text))
        parts.append(rf"(?<![A-Za-z]){body}(?![A-Za-z])")
    return re.compile("|".join(parts))


_INNER = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_UNITS = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|kg|cm|lb|ft|in|min|ml|h|s|g|d|mmHg)\b")
# Dates and times come from strftime/Babel date formats, not from the catalogue.
DATE_WORDS = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    # and the full names ("Monday 30 November"), which %A and %B write
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    r"|April|June|July|August|September|October|November|December)\b"
)
_ADDRESSES = re.compile(r"https?://\S+|TMP/\S+")  # links and the test's own file paths
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


def _unmarked(text: str) -> str:
    """``text`` without its catalogue messages (innermost first: labels nest in sentences)."""
    while True:
        stripped = _INNER.sub(" ", text)
        if stripped == text:
            return text
        text = stripped


def leftover(chunk: str, allowed: Iterable[str] = ()) -> str:
    """What remains of ``chunk`` once catalogue text, KB text and non-words are taken out."""
    text = _knowledge_pattern().sub(" ", _ADDRESSES.sub(" ", _unmarked(chunk)))
    for value in allowed:
        text = text.replace(value, " ")
    text = _UNITS.sub(" ", text)
    text = DATE_WORDS.sub(" ", text)
    return " ".join(text.split())


def escaped(chunks: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The chunks (whole, as shown) that still carry words of their own after :func:`leftover`."""
    kept = tuple(allowed)
    found: list[str] = []
    # A message may span elements (a link inside a sentence): unmark the page as a whole.
    for chunk in _unmarked("\n".join(chunks)).split("\n"):
        if _WORD.search(leftover(chunk, kept)):
            found.append(" ".join(chunk.split()))
    return list(dict.fromkeys(found))


def where(text: str) -> list[str]:
    """Source files that spell ``text`` (its longest word run), to say where to wrap it."""
    words = max(re.findall(r"[A-Za-z][A-Za-z ,'’.:-]{3,}", text) or [text], key=len).strip()
    hits = []
    for path in sorted(SOURCE.rglob("*")):
        if path.suffix in {".py", ".html", ".j2"} and words in path.read_text(encoding="utf-8"):
            hits.append(str(path.relative_to(SOURCE.parent)))
    return hits[:3]
