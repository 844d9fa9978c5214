"""Age, pain score and onset read from free text with regular expressions.

Numbers are where a phrase list does not help: "I'm 42", "7/10", "about a 6",
"2 days ago", "since last night", "Tuesday morning". Each reader returns the value and
the words it came from, or ``None``. Words such as "agony" set no pain score: only a
number the person gave is pre-filled, and every value is shown for confirmation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "NumberFinding",
    "Temperature",
    "read_age",
    "read_onset",
    "read_pain",
    "read_temperatures",
]


@dataclass(frozen=True, slots=True)
class NumberFinding:
    """A value read from the text and the words it was read from."""

    value: float
    text: str
    start: int
    end: int


_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "couple of": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
}
_NUM = r"(?P<n>\d{1,3}(?:\.\d)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
_COUNT = (
    r"(?P<n>\d{1,3}(?:\.\d)?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"a couple of|couple of|a few|few|several|an|a)"
)


def _number(text: str) -> float:
    lowered = text.lower()
    return float(_WORDS[lowered]) if lowered in _WORDS else float(lowered)


def _first(patterns: list[re.Pattern[str]], text: str) -> re.Match[str] | None:
    found = [m for p in patterns if (m := p.search(text))]
    return min(found, key=lambda m: m.start()) if found else None


# --- age --------------------------------------------------------------------------------

_AGE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # "I'm 42", "I am 42 and", but not "I'm 7/10", "I'm 24 weeks pregnant"
        r"\b(?:i'?m|i am|im)\s+(?:a\s+)?(?P<n>\d{1,3})\b(?!\s*(?:/|out of|%|weeks|wks|"
        r"days|hours|hrs|months|mins|minutes|kg|lbs?|st\b|stone|cm|ft|foot|feet))"
        r"(?:\s*(?:years?|yrs?|y/?o)(?:\s*old)?)?",
        # "aged 42", "age 42", "age: 42"
        r"\bage(?:d)?\s*:?\s*(?P<n>\d{1,3})\b",
        # "42 years old", "42-year-old", "42 yo", "42yo", "42 y/o" (not "my 4 year old")
        r"(?<!my )(?<!our )(?<!his )(?<!her )(?<!their )(?<!a )(?<!the )"
        r"\b(?P<n>\d{1,3})\s*[- ]?\s*(?:years?|yrs?)[- ]?\s*old\b",
        r"(?<!my )(?<!our )\b(?P<n>\d{1,3})\s*(?:yo|y/o|y\.o\.?)(?!\w)",
        # "29F", "44 M", "I'm a 52 yr old"
        r"\b(?P<n>\d{2})\s?(?:[mf]|male|female)\b(?!\s*/)",
        r"(?:^|[.,;!?]\s*)(?P<n>\d{2})\s*[.!]?\s*$",
        # a bare age as its own sentence: "teacher here, 44. Bent to ...", "COPD. 72."
        r"(?:^|[.,;!?]\s+)(?P<n>[1-9]\d)\s*[.!](?=\s|$)",
        # "(F, 52)", "(52, M)"
        r"\(\s*(?:[mf]|male|female)\s*,\s*(?P<n>\d{2})\s*\)",
        r"\(\s*(?P<n>\d{2})\s*,\s*(?:[mf]|male|female)\s*\)",
        # a bare age set off as its own item: "fit and healthy, 29, hurt my back"
        r"(?:^|[,;]\s*)(?P<n>[1-9]\d)\s*,(?!\s*\d)",
    )
]
# A bare number after a person's word ("my dad, 84") belongs to them, not the writer.
_OTHER_AGE = re.compile(
    r"\b(?:mum|mom|mother|dad|father|son|daughter|wife|husband|partner|nan|grandma|grandad)"
    r"\s*,?\s*(?:is\s+|who is\s+|aged\s+)?\d{1,3}\b",
    re.IGNORECASE,
)


def read_age(text: str) -> NumberFinding | None:
    """The writer's age in years, 0-120, when stated."""
    match = _first(_AGE, text)
    if match is None:
        return None
    before = text[max(0, match.start() - 40) : match.end()]
    if _OTHER_AGE.search(before):
        return None
    age = int(match.group("n"))
    if not 0 <= age <= 120:
        return None
    return NumberFinding(age, match.group(0).strip(" ,.;!?"), match.start(), match.end())


# --- pain -------------------------------------------------------------------------------

_PAIN = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?P<n>\d{1,2}(?:\.5)?)\s*(?:/|out of|outta)\s*10\b",
        r"\b(?:pain(?:'s| is| was| of| at| score(?: is| of)?)?|rate it|rating|score|it's|its|"
        r"about|around|like|maybe|roughly|probably|solid|easily)\s+(?:at\s+|a\s+|an\s+)?"
        r"(?:solid\s+)?"
        r"(?P<n>\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b"
        r"(?!\s*(?:days?|hours?|hrs?|weeks?|months?|years?|yrs?|am|pm|o'clock|times|"
        r"tablets?|pills?|mg|kg|miles|minutes|mins|stone|y/?o|:\d))",
    )
]


def read_pain(text: str) -> NumberFinding | None:
    """A 0-10 pain score the person gave ("8/10", "about a 6"); words alone set none."""
    # "x/10" is the clearest form, so it wins over "about 7" elsewhere in the text.
    match = _PAIN[0].search(text) or _PAIN[1].search(text)
    if match is None:
        return None
    value = _number(match.group("n"))
    if not 0 <= value <= 10:
        return None
    return NumberFinding(round(value), match.group(0).strip(), match.start(), match.end())


# --- onset ------------------------------------------------------------------------------

_MAX_HOURS = 24 * 3650
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PART_OF_DAY = {
    "morning": 8,
    "lunchtime": 12,
    "afternoon": 14,
    "evening": 19,
    "night": 22,
    "tonight": 20,
}
_UNIT_HOURS = {
    "min": 1 / 60,
    "minute": 1 / 60,
    "hour": 1,
    "hr": 1,
    "day": 24,
    "week": 24 * 7,
    "fortnight": 24 * 14,
    "month": 24 * 30,
}
_UNIT = r"(?P<unit>min(?:ute)?s?|hours?|hrs?|days?|dayz|weeks?|wks?|fortnights?|months?)"
_PART = r"(?:\s+(?P<part>morning|lunchtime|afternoon|evening|night))?"
_AGO = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+(?:ago|back)\b", re.IGNORECASE)
_FOR = re.compile(
    rf"\b(?:for|past|last|over)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?"
    rf"(?:the\s+)?(?:last\s+|past\s+)?{_COUNT}\s+{_UNIT}\b",
    re.IGNORECASE,
)
_NOW = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+now\b", re.IGNORECASE)
# "3 weeks of this", "two days of agony"
_OF_THIS = re.compile(
    rf"\b{_COUNT}\s+{_UNIT}\s+of\s+(?:this|it|the pain|pain|agony|misery)\b", re.IGNORECASE
)
# "back pain 3 days", "sore back for ten days"
_PAIN_FOR = re.compile(
    rf"\b(?:pain|ache|aching|sore|spasm|hurting|stiff)\s+(?:for\s+)?{_COUNT}\s+{_UNIT}\b",
    re.IGNORECASE,
)
# People type fast: "yesterdy", "yday", "this am", "last nite", "since tues".
_YESTERDAY = r"(?:yesterday|yesterdy|yesturday|yestarday|yesteday|yday|ystday)"
_SHORT_DAYS = {
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "weds": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
_SPELLED_OUT = {"tonite": "tonight", "nite": "night", "am": "morning", "pm": "afternoon"}
_RELATIVE = re.compile(
    r"\b(?P<since>(?:since|started|began|from)\s+)?(?P<rel>this\s+(?:morning|afternoon|evening|lunchtime|am|pm)|"
    r"tonight|tonite|today|"
    r"last\s+(?:night|nite)|lastnight|"
    rf"{_YESTERDAY}(?:\s+(?:morning|lunchtime|afternoon|evening|am|pm))?|"
    # a short weekday name only after "since", "on" or "last" ("I sat down" is no Saturday)
    r"(?:(?:on|last)\s+|(?<=since\s)|(?<=started\s)|(?<=from\s))(?:mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\b\.?"
    r"(?:\s+(?:morning|lunchtime|afternoon|evening|night))?|"
    r"the\s+day\s+before\s+yesterday|an\s+hour\s+ago|last\s+week(?:end)?|"
    r"(?<=since\s)lunch(?:time)?|"
    r"(?:on\s+|since\s+|last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|lunchtime|afternoon|evening|night))?)\b",
    re.IGNORECASE,
)


def _count(raw: str) -> float:
    return _number(raw.strip())


def _unit_hours(unit: str) -> float:
    stem = unit.lower().rstrip("sz")
    return _UNIT_HOURS[{"hr": "hour", "wk": "week", "day": "day"}.get(stem, stem)]


def _relative_hours(phrase: str, now: datetime) -> float | None:
    # Spell the typed-fast forms out ("yday" is yesterday, "this am" this morning).
    words = []
    for raw in phrase.lower().replace("lastnight", "last night").split():
        word = _SHORT_DAYS.get(raw.rstrip("."), raw)
        word = "yesterday" if re.fullmatch(_YESTERDAY, word) else word
        words.append(_SPELLED_OUT.get(word, word))
    today_noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    if words[0] in {"on", "since", "last"} and words[-1] not in {"night", "week", "weekend"}:
        words = words[1:]
    part = words[-1] if words[-1] in _PART_OF_DAY else None
    hour = _PART_OF_DAY.get(part or "", 12)
    if words[0] in _DAYS:
        back = (now.weekday() - _DAYS.index(words[0])) % 7 or 7
        when = (today_noon - timedelta(days=back)).replace(hour=hour)
    elif words[0] in {"lunch", "lunchtime"}:
        when = today_noon
    elif words[0] in {"this", "tonight", "today"}:
        when = today_noon.replace(hour=hour)
    elif words[:2] == ["last", "night"]:
        when = (today_noon - timedelta(days=1)).replace(hour=22)
    elif words[:2] == ["last", "week"]:
        when = today_noon - timedelta(days=7)
    elif words[:2] == ["last", "weekend"]:
        back = (now.weekday() - 5) % 7 + (7 if now.weekday() >= 5 else 0)
        when = today_noon - timedelta(days=back)
    elif words[0] == "yesterday":
        when = (today_noon - timedelta(days=1)).replace(hour=hour)
    elif words[:2] == ["the", "day"]:
        when = today_noon - timedelta(days=2)
    elif words[:2] == ["an", "hour"]:
        return 1.0
    else:  # pragma: no cover - the pattern admits nothing else
        return None
    hours = (now - when).total_seconds() / 3600
    return hours if hours >= 0 else None


def read_onset(text: str, *, now: datetime) -> NumberFinding | None:
    """Hours since the episode began ("2 days ago", "since last night", "Tuesday morning").

    Times tied to the episode ("since Friday", "2 days ago", "for a week") win over bare
    ones ("this afternoon I wet myself"); among either kind the longest ago wins, as the
    episode began at the earliest time the person names.
    """
    anchored: list[NumberFinding] = []
    bare: list[NumberFinding] = []
    for pattern in (_AGO, _FOR, _NOW, _PAIN_FOR, _OF_THIS):
        for m in pattern.finditer(text):
            hours = _count(m.group("n")) * _unit_hours(m.group("unit"))
            anchored.append(NumberFinding(round(hours, 1), m.group(0), m.start(), m.end()))
    for m in _RELATIVE.finditer(text):
        relative = _relative_hours(m.group("rel"), now)
        if relative is not None:
            finding = NumberFinding(round(relative, 1), m.group(0), m.start(), m.end())
            (anchored if m.group("since") else bare).append(finding)
    # Beyond ten years is not an episode of acute back pain (nor valid in contract v1).
    found = [f for f in anchored or bare if f.value <= _MAX_HOURS]
    return max(found, key=lambda f: f.value) if found else None


# --- temperature ------------------------------------------------------------------------

#: A fever is 38 C or more (NHS: "a high temperature"), 100.4 F or more in US usage.
FEVER_CELSIUS = 38.0
FEVER_FAHRENHEIT = 100.4


@dataclass(frozen=True, slots=True)
class Temperature:
    """A body temperature read from the text: whether it is a fever, and its words."""

    fever: bool
    start: int
    end: int


_DEGREES = (
    r"(?P<v>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º|deg(?:ree)?s?\b\.?)?\s*"
    r"(?P<u>celsius|centigrade|fahrenheit|c|f)?\b"
)
# A number right after a temperature word ("temp 38.9", "thermometer said 101"), or one
# with a unit of its own ("38.5C", "101 F", "39 degrees C").
_TEMP_WORD = re.compile(
    r"\b(?:temp(?:erature)?s?|temp's|fever|thermometer|thermometre)\b"
    rf"(?:[^\w.!?\n]+[a-z']+){{0,3}}[^\w.!?\n]+{_DEGREES}"
    # not a count of time or an age ("temp normal for 38 hours")
    r"(?!\s*(?:h|hrs?|hours?|days?|mins?|minutes?|weeks?|wks?|months?|years?|yrs?|y/?o)\b)",
    re.IGNORECASE,
)
# A reading told by what the temperature does ("running 101.3", "spiking 39.2"): only
# with a decimal, so "running 100 miles" is no reading.
_RUNNING = re.compile(
    r"\b(?:running|spiking|spiked|peaking|peaked|peaked at|up to|hit|hitting)\s+"
    r"(?:at\s+|about\s+|around\s+)?(?P<v>\d{2,3}[.,]\d)(?P<u>)"
    r"(?!\s*(?:h|hrs?|hours?|days?|mins?|minutes?|weeks?|wks?|months?|years?|yrs?|y/?o|k|km|miles?|mph|kg|lbs?|%)\b)",
    re.IGNORECASE,
)
_WITH_UNIT = re.compile(
    r"(?<![\d.,])(?P<v>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°\s*|º\s*|deg(?:ree)?s?\s+)?"
    r"(?P<u>celsius|centigrade|fahrenheit|c|f)\b",
    re.IGNORECASE,
)


def _fever(value: float, unit: str) -> bool | None:
    """Whether a reading is a fever; ``None`` when it is no body temperature."""
    unit = unit[:1].lower()
    if unit == "c" or (not unit and 34 <= value <= 43):
        return value >= FEVER_CELSIUS if 34 <= value <= 43 else None
    if unit == "f" or (not unit and 93 <= value <= 110):
        return value >= FEVER_FAHRENHEIT if 93 <= value <= 110 else None
    return None


def read_temperatures(text: str) -> list[Temperature]:
    """Body temperatures stated as numbers, each marked as a fever or not."""
    found: dict[tuple[int, int], Temperature] = {}
    for pattern in (_TEMP_WORD, _WITH_UNIT, _RUNNING):
        for m in pattern.finditer(text):
            fever = _fever(float(m["v"].replace(",", ".")), m["u"] or "")
            if fever is not None and not any(
                s <= m.start() < e or m.start() <= s < m.end() for s, e in found
            ):
                end = m.start() + len(m[0].rstrip())
                found[(m.start(), end)] = Temperature(fever, m.start(), end)
    return sorted(found.values(), key=lambda t: t.start)
