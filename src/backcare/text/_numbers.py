"""Age, pain score and onset read from free text with regular expressions.

Numbers are where a phrase list does not help: "I'm 42", "7/10", "about a 6",
"2 days ago", "since last night", "Tuesday morning". Each reader returns the value and
the words it came from, or ``None``. Words such as "agony" set no pain score: only a
number the person gave is pre-filled, and every value is shown for confirmation.

The same goes for how a story is told, which decides which number or activity belongs
to the back pain: the onset is read first from sentences about the back or what set it
off (not from one about another symptom), and :func:`told_as_cause` tells an activity
given as the cause ("hurt my back *lifting*") from one that only aggravates ("*lifting
the kettle* hurts"). These are rules over the wording, so they carry to texts nobody
wrote a phrase for.
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
    "told_as_cause",
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

_TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_TENS = (
    r"(?:twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ]?(?:one|two|three|four|five|six|seven|eight|nine))?"
)


_TENS_HINT = re.compile(r"(?:twen|thir|for|four|fif|six|seven|eigh|nine)ty", re.IGNORECASE)


def _spelled_age(words: str) -> int:
    """ "fifty-two" -> 52."""
    tens, _, unit = re.sub(r"[- ]+", " ", words.lower()).partition(" ")
    for name in _TENS_WORDS:
        if tens.startswith(name) and tens != name:  # "fiftytwo"
            tens, unit = name, tens[len(name) :]
    return _TENS_WORDS[tens] + (int(_WORDS[unit]) if unit else 0)


_AGE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # "I'm 42", "I am 42 and", but not "I'm 7/10", "I'm 24 weeks pregnant", "I'm 5'9"
        r"\b(?:i'?m|i am|im)\s+(?:a\s+|only\s+|just\s+|still\s+|now\s+)?(?P<n>\d{1,3})\b"
        r"(?!\s*(?:/|out of|%|weeks|wks|"
        r"days|hours|hrs|months|mins|minutes|kg|lbs?|st\b|stone|cm|ft|foot|feet|['’\"]|"
        r"[.,]\d|inches|in\b|m\b))"
        r"(?:\s*(?:years?|yrs?|y/?o)(?:\s*old)?)?",
        # "aged 42", "age 42", "age: 42"
        r"\bage(?:d)?\s*:?\s*(?P<n>\d{1,3})\b",
        # "42 years old", "42-year-old", "42 yo", "42yo", "42 y/o" (not "my 4 year old")
        r"(?<!my )(?<!our )(?<!his )(?<!her )(?<!their )(?<!a )(?<!the )"
        r"\b(?P<n>\d{1,3})\s*[- ]?\s*(?:years?|yrs?)[- ]?\s*(?:old|young)\b",
        r"(?<!my )(?<!our )\b(?P<n>\d{1,3})\s*(?:yo|y/o|y\.o\.?)(?!\w)",
        # "29F", "44 M", "I'm a 52 yr old"
        r"\b(?P<n>\d{2})\s?(?:[mf]|male|female)\b(?!\s*/)",
        r"(?:^|[.,;!?]\s*)(?P<n>\d{2})\s*[.!]?\s*$",
        # "63 yrs.", "59 years." as a sentence of its own (not "for 3 years")
        r"(?:^|[.,;!?]\s*)(?P<n>[1-9]\d)\s*(?:years?|yrs?)(?:\s*old)?\s*(?:[.!]|$)",
        # a bare age as its own sentence: "teacher here, 44. Bent to ...", "COPD. 72."
        r"(?:^|[.,;!?]\s+)(?P<n>[1-9]\d)\s*[.!](?=\s|$)",
        # "(F, 52)", "(52, M)"
        r"\(\s*(?:[mf]|male|female)\s*,\s*(?P<n>\d{2})\s*\)",
        r"\(\s*(?P<n>\d{2})\s*,\s*(?:[mf]|male|female)\s*\)",
        # a bare age set off as its own item: "fit and healthy, 29, hurt my back", or
        # opening a sentence: "66, on warfarin"
        r"(?:^|[,;.!?]\s*)(?P<n>[1-9]\d)\s*,(?:(?!\s*\d)|(?=\s*\d{1,2}\s*/\s*10\b))",
        # the age beside the sex, either way round: "48, female", "F 48", "male, 52"
        r"\b(?P<n>[1-9]\d)\s*,\s*(?:female|male|woman|man|(?-i:[MF]))\b",
        r"(?<![\d°º.])(?:\bfemale|\bmale|\b(?-i:[MF]))\s*,?\s*(?P<n>[1-9]\d)\b(?!\s*(?:/|%|[.,]\d))",
        # "m 46. sore back" opening the text
        r"^\s*(?:[mf]|male|female)\s*,?\s*(?P<n>[1-9]\d)\b(?!\s*(?:/|%|[.,]\d))",
        # "I have 43 years" (a Romance-language word order), not "I have 20 years of
        # experience" or "25 years in the job"
        r"\b(?:i\s+have|i'?ve)\s+(?P<n>[1-9]\d)\s+years\b(?!\s+(?:of|in|at|with|as|since|ago|"
        r"working|driving|experience|old\s+\w+)\b)",
        # "I am man 57 age", "a woman 45 years" (non-native word orders)
        r"\b(?:i am|i'm|im)\s+(?:a\s+)?(?:man|woman|male|female)\s*,?\s*(?P<n>[1-9]\d)\b",
        # "41/M", "F/52" (forms and forums)
        r"\b(?P<n>[1-9]\d)\s*/\s*(?:female|male|[mf])\b(?!\s*/)",
        r"(?:\bfemale|\bmale|\b(?-i:[MF]))\s*/\s*(?P<n>[1-9]\d)\b(?!\s*/)",
        # "a 66-year-old" where it is the writer: "As a 66-year-old ...", "I'm a 52-year-old"
        r"(?:^|[.!?]\s+|\b(?:i'?m|i am|am|as|being|im)\s+)an?\s+(?P<n>[1-9]\d)\s*[- ]?\s*"
        r"(?:years?|yrs?)[- ]?\s*old\b",
        # the same spelled out: "I'm a forty year old man", "as a sixty-year-old woman"
        rf"(?:^|[.!?]\s+|\b(?:i'?m|i am|am|as|being|im)\s+)an?\s+(?P<w>{_TENS})\s*[- ]?\s*"
        r"(?:years?|yrs?)[- ]?\s*old\b",
        # "At the ripe old age of 92 I ...", "at the age of 45" opening a sentence
        r"(?:^|[.!?]\s+)at\s+the\s+(?:ripe\s+)?(?:old\s+)?(?:grand\s+)?(?:young\s+)?age\s+of\s+"
        r"(?P<n>1[2-9]|[2-9]\d|1[01]\d)\b",
        # the age opening the text, then the writer: "16 and i get pain", "52 and my back"
        r"^\s*(?P<n>1[2-9]|[2-9]\d)\s+and\s+(?:i|i'm|im|my)\b",
        # the writer's age in brackets after no person's word: "Retired teacher (71)"
        r"\((?P<n>1[6-9]|[2-9]\d)\)",
        # "At 71 I should know better", "At 45, ..."
        r"(?:^|[.!?]\s+)at\s+(?P<n>1[6-9]|[2-9]\d)\s*(?:,|\s+(?:i\b|i'm|you\b|my\b|years|yrs))",
        # spelled out: "I'm fifty-two", "aged sixty", "forty-five years old"
        rf"\b(?:i'?m|i am|im|aged?)\s+(?P<w>{_TENS})\b(?!\s*(?:%|per\s*cent|percent|weeks|days|"
        r"hours|minutes|mins|times|kg|lbs?|stone))",
        r"(?<!my )(?<!our )(?<!his )(?<!her )(?<!their )(?<!a )(?<!the )"
        rf"\b(?P<w>{_TENS})[- ]?(?:years?|yrs?)[- ]?(?:old|young)\b",
        # "I turned 50 in May", "just turned 40", "turning 60 next month"
        # and "just hit 30", "I've hit 60"
        r"\b(?:turned|turning|(?:just|i'?ve|i\s+have)\s+hit)\s+(?P<n>[1-9]\d)\b(?!\s*(?:degrees|"
        r"deg\b|°|%|mph|kg|lbs?|minutes|mins|times|miles|km|k\b|reps|/|[.,]\d))",
    )
]
# An age still to come ("I'm 50 next week", "turning 60 next month", "I'll be 70 on
# Friday"): the person is a year younger now.
_SOON = re.compile(
    r"\s*(?:next\s+(?:week|month|year)|tomorrow|soon|"
    r"in\s+(?:a|an|two|three|few|\d{1,2})\s+(?:\w+\s+)?(?:days?|weeks?|months?)|"
    r"on\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    re.IGNORECASE,
)
_FUTURE_AGE = re.compile(
    r"\b(?:i'?ll\s+be|ill\s+be|i\s+will\s+be)\s+(?P<n>[1-9]\d)\b(?=" + _SOON.pattern + ")",
    re.IGNORECASE,
)
# "born in 1961": the age is this year's year less that one (a birthday not yet reached
# this year makes it one less; the value is shown for confirmation).
_BORN = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date\s+of\s+birth)\s*:?\s*(?:in\s+|on\s+)?"
    r"(?:[\w/ .-]{0,14}?[\s/.-])?(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# A bare number after a person's word ("my dad, 84") belongs to them, not the writer.
_PERSON = (
    r"\b(?:mum|mom|mother|mam|mammy|mummy|mommy|ma|dad|father|daddy|son|daughter|wife|husband|"
    r"partner|nan|nana|gran|grandma|granny|grandmother|grandad|grandpa|grandfather|grandson|granddaughter|brother|sister|boy|"
    r"girl|kid|child|baby|toddler|boyfriend|girlfriend|friend|neighbour|neighbor|patient|"
    r"client|he|she|they)"
)
# The age of the person written about, when they are the patient: "my dad (84)", "Dad is
# 88", "She's 45", "shes 91", "my client is 83", "My husband 70 years", "He's 16", "Mrs P
# who is 91", "my 14 yr old daughter".
_PATIENT_AGE_BEFORE = re.compile(
    r"\b(?P<age>\d{1,2})\s*[- ]?\s*(?:years?|yrs?)[- ]?\s*old\s+" + _PERSON + r"\b"
    r"|\bwho(?:\s+is|'s|s)\s+(?P<who>\d{1,3})\b(?!\s*(?:/|%|weeks|days|hours|months|kg|lbs?))",
    re.IGNORECASE,
)
_PATIENT_AGE = re.compile(
    _PERSON + r"(?:'s|’s|s)?\s*[,(]?\s*(?:is\s+|who is\s+|who's\s+|aged\s+|age\s+)?"
    r"(?P<age>\d{1,3})\b(?!\s*(?:/|%|[.,]\d|weeks|wks|days|hours|hrs|months|mins|minutes|kg|"
    r"lbs?|st\b|stone|cm|ft|foot|feet|['’\"]|inches|times|stairs|steps|mg|miles|mph|am\b|pm\b|"
    r"o'clock|:\d))",
    re.IGNORECASE,
)
_OTHER_AGE = re.compile(
    _PERSON + r"\s*[,(]?\s*(?:is\s+|who is\s+|aged\s+|was born\s+(?:in\s+)?|"
    r"(?:just\s+|has\s+)?(?:turned|turns|turning)\s+)?(?P<age>\d{1,4})\b",
    re.IGNORECASE,
)


def read_age(
    text: str, *, now: datetime | None = None, for_someone: bool = False
) -> NumberFinding | None:
    """The patient's age in years, 0-120, when stated: the writer's ("I'm 42", "48,
    female", "F 48", "as a 66-year-old", "I turned 50 in May", and with ``now`` "born in
    1961"), or, when the writer writes ``for_someone`` else's back, that person's ("my dad
    (84)", "Grandad is 81", "She's 45")."""
    if for_someone:
        matches = [*_PATIENT_AGE.finditer(text), *_PATIENT_AGE_BEFORE.finditer(text)]
        for match in sorted(matches, key=lambda m: m.start()):
            age = int(match.group("age") or match.group("who"))
            if 0 <= age <= 120:
                return NumberFinding(age, match.group(0).strip(" ,.;!?"), *match.span())
    # A cheap look first: a pattern for an age in digits needs a digit, one spelled out a
    # word for the tens ("forty").
    digits = any(c.isdigit() for c in text)
    tens = _TENS_HINT.search(text) is not None
    found = [
        m
        for p in (*_AGE, _FUTURE_AGE)
        if (tens if "(?P<w>" in p.pattern else digits)
        for m in p.finditer(text)
    ]
    if now is not None and digits:
        found += _BORN.finditer(text)
    # A number right after a person's word ("my dad, 84", "my son (12)", "she turned 60")
    # is theirs, not the writer's: the next stated age is then read.
    for match in sorted(found, key=lambda m: m.start()):
        group = "y" if match.re is _BORN else ("w" if match.groupdict().get("w") else "n")
        start, end = match.span(group)
        window = max(0, start - 40)
        if any(
            m.start("age") + window < end and start < m.end("age") + window
            for m in _OTHER_AGE.finditer(text[window:end])
        ):
            continue
        if match.re is _BORN:
            assert now is not None  # only searched with a date to count from
            age = now.year - int(match.group("y"))
        elif group == "w":
            age = _spelled_age(match.group("w"))
        else:
            age = int(match.group("n"))
            if _SOON.match(text, match.end("n")) and not re.search(
                r"\b(?:years?|yrs?|y/?o)\b", match.group(0), re.IGNORECASE
            ):
                age -= 1  # "I'm 50 next week", "turning 60 next month"
        if 0 <= age <= 120:
            return NumberFinding(age, match.group(0).strip(" ,.;!?"), match.start(), match.end())
        return None
    return None


# --- pain -------------------------------------------------------------------------------

_PAIN = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?P<n>\d{1,2}(?:\.5)?)\s*(?:/|out of|outta|of|from)\s*10\b",
        r"\b(?:pain(?:'s| is| was| of| at| score(?: is| of)?)?|rate it|rating|score|it's|its|"
        r"about|around|like|maybe|roughly|probably|solid|easily)\s+(?:at\s+|a\s+|an\s+)?"
        r"(?:solid\s+)?"
        r"(?P<n>\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b"
        r"(?!\s*(?:days?|hours?|hrs?|weeks?|months?|years?|yrs?|am|pm|o'clock|times|"
        r"tablets?|pills?|mg|kg|miles|minutes|mins|stone|y/?o|:\d|cans|pints|drinks|glasses|"
        r"bottles|units|beers|shots|cups|kids|children|people|stairs|steps|floors|flights))",
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
    "eve": 19,
    "night": 22,
    "tonight": 20,
}
_UNIT_HOURS = {
    "min": 1 / 60,
    "minute": 1 / 60,
    "hour": 1,
    "hr": 1,
    "day": 24,
    "night": 24,
    "week": 24 * 7,
    "fortnight": 24 * 14,
    "month": 24 * 30,
}
_UNIT = r"(?P<unit>min(?:ute)?s?|hours?|hrs?|days?|dayz|nights?|weeks?|wks?|fortnights?|months?)"
_PART = r"(?:\s+(?P<part>morning|lunchtime|afternoon|evening|night))?"
_AGO = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+(?:ago|back)\b", re.IGNORECASE)
# "for 3 days", "for about a week", "over the last 2 weeks", "for the past fortnight"
# (no count: one of the unit)
_FOR = re.compile(
    rf"\b(?:(?:for|past|last|over)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?"
    rf"(?:the\s+)?(?:last\s+|past\s+)?|in\s+the\s+(?:last|past)\s+)(?:{_COUNT}\s+)?{_UNIT}\b",
    re.IGNORECASE,
)
_NOW = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+now\b", re.IGNORECASE)
# A duration told alone, as its own sentence or item: "sore lower back. 3 days.", "New back
# pain, 2 weeks, keeps me awake"
_BARE = re.compile(
    rf"(?:^|[.,;!?+]\s*)(?:about\s+|around\s+)?{_COUNT}\s+{_UNIT}\s*(?=[.,;!?]|$)",
    re.IGNORECASE,
)
# Non-native English: "since two days", "from 4 days", "before 4 days" (a count is
# required: "from day one")
_SINCE_COUNT = re.compile(
    rf"\b(?:since|from|before)\s+(?:about\s+|around\s+)?{_COUNT}\s+{_UNIT}\b(?!\s+(?:ago|back))",
    re.IGNORECASE,
)
# "3 weeks of this", "two days of agony", "3 nights of this"
_OF_THIS = re.compile(
    rf"\b{_COUNT}\s+{_UNIT}\s+of\s+(?:this|it|the pain|pain|agony|misery)\b", re.IGNORECASE
)
# "back pain 3 days", "sore back for ten days"
_PAIN_FOR = re.compile(
    r"\b(?:pain|ache|aching|sore|spasm|hurting|stiff|playing\s+up|acting\s+up|bothering\s+me|"
    r"grumbling|killing\s+me|giving\s+me\s+(?:gyp|grief|jip))"
    r"(?:\s+in\s+(?:my\s+|the\s+)?(?:lower\s+|low\s+|upper\s+)?back)?"
    rf"\s+(?:for\s+)?{_COUNT}\s+{_UNIT}\b",
    re.IGNORECASE,
)
# "had it 3 weeks", "been like this for 2 days", "going on 5 days", and the clinical
# shorthand "x 3 days", "x3/7"
_HAD = re.compile(
    rf"\b(?:(?:had|having|got)\s+(?:it|this|that|them)|like\s+(?:this|that)|going\s+on|been\s+there|"
    rf"(?:it'?s|it\s+has|this\s+has|it\s+is)\s+been)\s+"
    rf"(?:for\s+)?(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?{_COUNT}\s+{_UNIT}\b",
    re.IGNORECASE,
)
# "3/7 hx", "2/7 history of": the days of a history (not a score: a score is out of 10)
_HX = re.compile(
    r"(?<![\w/])(?P<n>\d{1,2})/7\s*(?P<unit>(?!))?(?:hx|h/o|history|of\s+(?:lbp|back|pain))\b",
    re.IGNORECASE,
)
_X = re.compile(
    rf"(?<![\w/])x\s*(?:(?P<n>\d{{1,2}})/7\b|{_COUNT.replace('?P<n>', '?P<c>')}\s*{_UNIT}\b)",
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
    # weekdays as they are mistyped
    "tuesdy": "tuesday",
    "tuesdya": "tuesday",
    "tusday": "tuesday",
    "teusday": "tuesday",
    "wensday": "wednesday",
    "wendsday": "wednesday",
    "wednsday": "wednesday",
    "wedensday": "wednesday",
    "wednesdy": "wednesday",
    "thursdy": "thursday",
    "thrusday": "thursday",
    "thurday": "thursday",
    "firday": "friday",
    "fridy": "friday",
    "saturdy": "saturday",
    "satuday": "saturday",
    "satruday": "saturday",
    "mondy": "monday",
    "monady": "monday",
}
_DAY_TYPOS = "|".join(k for k in _SHORT_DAYS if len(k) > 5)
_SPELLED_OUT = {
    "tonite": "tonight",
    "nite": "night",
    "am": "morning",
    "pm": "afternoon",
    "arvo": "afternoon",  # Australian
}
#: Days of the year people date things by: (month, day).
_HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "halloween": (10, 31),
    "bonfire night": (11, 5),
    "thanksgiving": (11, 26),  # 2026; one day off in other years is within tolerance
}
_SHORT = r"(?:mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)"
_PART_WORDS = r"(?:morning|lunchtime|afternoon|arvo|evening|eve|night)"
_RELATIVE = re.compile(
    r"\b(?P<since>(?:since|started|began|from)\s+)?(?P<rel>this\s+(?:morning|afternoon|arvo|evening|lunchtime|am|pm)|"
    r"tonight|tonite|today|"
    r"last\s+(?:night|nite)|lastnight|"
    rf"{_YESTERDAY}(?:\s+(?:in\s+(?:the\s+)?)?(?:morning|lunchtime|afternoon|evening|am|pm))?|"
    # a short weekday name only after "since", "on" or "last" ("I sat down" is no Saturday),
    # or capitalised before a part of the day ("Sat morning"; "sat night after night" is not)
    rf"(?:(?:on|last)\s+|(?<=since\s)|(?<=started\s)|(?<=from\s)){_SHORT}\b\.?"
    rf"(?:\s+{_PART_WORDS})?|"
    rf"(?-i:Mon|Tues?|Weds?|Thu(?:rs?)?|Fri|Sat|Sun)\.?\s+{_PART_WORDS}|"
    # "sat arvo" can only be a day
    rf"(?=[mtwfs])(?:{_SHORT}\s+arvo|"
    rf"(?:{_DAY_TYPOS})(?:\s+{_PART_WORDS})?)|"
    r"the\s+day\s+before\s+yesterday|an\s+hour\s+ago|last\s+week(?:end)?|"
    r"(?<=since\s)the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+week|"
    r"(?:(?<=since\s)|(?<=over\s)|(?<=at\s)|(?<=on\s))the\s+weekend|"
    r"(?:(?<=since\s)|(?<=on\s)|(?<=over\s)|(?<=at\s))(?:christmas(?:\s+(?:day|eve))?|"
    r"new\s+year'?s\s+(?:day|eve)|thanksgiving|halloween)|boxing\s+day|bonfire\s+night|"
    r"(?<=since\s)lunch(?:time)?|"
    r"(?:on\s+|since\s+|last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|lunchtime|afternoon|evening|night))?)\b",
    re.IGNORECASE,
)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?P<d>[1-3]?\d)(?:st|nd|rd|th)"
# "on the 24th" is a date before a pause or a clause ("on the 24th, when I ..."), not before a
# noun ("on the 14th tee", "on the 3rd floor").
_ORDINAL_ENDS = (
    r"(?=\s*(?:[,.;:!?)\n]|$)|\s+(?:and|when|while|at|in|i|i've|i'm|my|it|the|after|before|"
    r"but|so|as|morning|afternoon|evening|night|lifting|moving|carrying)\b)"
)
# A date: "since 24 November", "on Nov 24th", "on the 3rd of November", "since the 24th"
# (a day of the month alone needs "on", "since" or "from" and its ordinal).
_DATE = re.compile(
    r"\b(?P<since>(?:since|started|began|from)\s+)?(?P<on>on\s+)?(?:the\s+)?"
    rf"(?:(?P<d1>[1-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|"
    rf"{_MONTH.replace('?P<mon>', '?P<mon2>')}\s+(?:the\s+)?(?P<d2>[1-3]?\d)(?:st|nd|rd|th)?|"
    rf"(?:(?<=on the )|(?<=since the )|(?<=from the )){_ORDINAL}{_ORDINAL_ENDS})\b",
    re.IGNORECASE,
)


# A cheap look for what every date has (an ordinal or a month's name) before the full
# pattern, whose optional lead makes it slow to try at every position.
_DATE_HINT = re.compile(
    r"\d(?:st|nd|rd|th)\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE
)


def _date_hours(m: re.Match[str], now: datetime) -> float | None:
    """Hours since noon of the date named, in the last year (or month, for "the 24th")."""
    if m["mon2"] and not (m["since"] or m["on"] or re.search(r"\d(?:st|nd|rd|th)", m[0])):
        return None  # "I may 3 times" is no date; "on May 3", "May 3rd" are
    day = int(m["d1"] or m["d2"] or m["d"])
    month_name = (m["mon"] or m["mon2"] or "").lower()[:3]
    today_noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    try:
        if month_name:
            when = today_noon.replace(month=_MONTHS.index(month_name) + 1, day=day)
            if when > now:
                when = when.replace(year=when.year - 1)
        else:
            # the latest month, this one or before, whose day of that number is past
            month = today_noon.replace(day=1)
            for _ in range(3):
                if day <= _days_in(month) and (when := month.replace(day=day)) <= now:
                    break
                month = (month - timedelta(days=1)).replace(day=1)
            else:
                return None
    except ValueError:  # "the 31st" of a shorter month, "30 February"
        return None
    return (now - when).total_seconds() / 3600


def _days_in(month: datetime) -> int:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


def _count(raw: str | None) -> float:
    return 1.0 if raw is None else _number(raw.strip())


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
    if words[0] in {"on", "since", "last"} and words[1:2] not in (["night"], ["week"], ["weekend"]):
        words = words[1:]
    part = words[-1] if words[-1] in _PART_OF_DAY else None
    hour = _PART_OF_DAY.get(part or "", 12)
    holiday = _HOLIDAYS.get(" ".join(words))
    if holiday is not None:
        when = today_noon.replace(month=holiday[0], day=holiday[1])
        if when > now:
            when = when.replace(year=when.year - 1)
    elif words[0] in _DAYS:
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
    elif words[:2] == ["the", "start"] or words[:2] == ["the", "beginning"]:
        # "since the start of the week": this week's Monday morning
        when = (today_noon - timedelta(days=now.weekday())).replace(hour=8)
    elif words[:2] == ["the", "weekend"]:
        # "since the weekend": this one when it is the weekend, else the last (its Saturday)
        when = today_noon - timedelta(days=(now.weekday() - 5) % 7)
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


# The back named as a body part (not "come back", "back to normal").
_BACK = re.compile(
    r"\b(?:(?:my|me|the|his|her|lower|upper|low|bad)\s+back|back\s*(?:'s|pain|ache|went|is|"
    r"has|hurts|spasm)|backache|spine|lumbar|sciatica)\b",
    re.IGNORECASE,
)
# A sentence about the back pain itself or how it began, as opposed to one about another
# symptom ("since yesterday I can't feel my feet") or another event ("sat in traffic for
# five hours on Friday"): the onset is read from these first.
_EPISODE = re.compile(
    r"\b(?:back|spine|lumbar|sciatica|hurt|hurts|hurting|injur\w*|tweak\w*|twang\w*|twinge\w*|"
    r"strain\w*|sprain\w*|pull(?:ed)?\s+a\s+muscle|put\s+(?:it|\w+\s+back)\s+out|threw|thrown|"
    r"done\s+(?:it|me|my\s+(?:\w+\s+)?back)|did\s+(?:it|my\s+(?:\w+\s+)?back)|pain|painful|"
    r"ache|aching|achy|sore|stiff\w*|spasm\w*|agony|it\s+(?:started|began|happened|went|came\s+on))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|\n|$)|[.!?\n]+")
# Where one clause of a sentence ends and the next begins: a pause, or a turn ("but", "and
# now", "though").
_CLAUSE_BREAK = re.compile(
    r"[,;:()]|\s-\s|\b(?:but|and\s+now|though|although|whereas|while)\b", re.IGNORECASE
)
_SHORT_UNITS = {"min", "minute", "hour", "hr"}
# A clock time today (or last night when it is later than now) told as when it began: "woke
# at 2am with it", "since 4 pm", "went at about 11pm" (not "pacing at 3am", how it is)
_CLOCK_HINT = re.compile(r"\d\s*[ap]\.?m\b", re.IGNORECASE)
_CLOCK = re.compile(
    r"\b(?:(?P<since>since|from)|(?:woke|woken|waking|started|began|went|happened|came\s+on|"
    r"did\s+it|done\s+it)\s+(?:up\s+)?(?:at|around|about))\s+(?:about\s+|around\s+)?"
    r"(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ap>am|pm|a\.m\.|p\.m\.)(?!\w)",
    re.IGNORECASE,
)
_TODAY = re.compile(r"(?:on\s+)?(?:today|tonight|tonite)", re.IGNORECASE)


def read_onset(
    text: str,
    *,
    now: datetime,
    elsewhere: tuple[int, ...] = (),
    causes: tuple[int, ...] = (),
) -> NumberFinding | None:
    """Hours since the episode began ("2 days ago", "since last night", "Tuesday morning").

    ``causes`` are character offsets of what set it off (a trigger mention): a time in
    their sentence is the episode's, as is one in a sentence about the back or its pain.
    ``elsewhere`` are character offsets of mentions of other symptoms (a red flag the
    person has now): a time in a sentence about one of them, and not about the back, is
    that symptom's onset ("since yesterday I've had pins and needles in both feet"), so a
    time in a sentence about the back wins over it. Among times in equally relevant
    sentences, those tied to the episode ("since Friday", "2 days ago", "for a week") win
    over bare ones ("this afternoon I wet myself"), and then the longest ago wins, as the
    episode began at the earliest time the person names. A short duration in a sentence
    that also names its day ("sat in traffic for five hours on Friday", "my leg was weak
    for an hour on Monday") is how long that lasted, not when the pain began.
    """
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]

    def sentence_of(pos: int) -> tuple[int, int]:
        for start, end in sentences:
            if start <= pos < end:
                return start, end
        return 0, len(text)

    dated: set[tuple[int, int]] = set()
    relative: list[tuple[re.Match[str], bool]] = []
    for m in _RELATIVE.finditer(text):
        relative.append((m, bool(m.group("since"))))
        dated.add(sentence_of(m.start()))
    candidates: list[tuple[NumberFinding, bool]] = []
    for pattern in (_AGO, _FOR, _NOW, _PAIN_FOR, _OF_THIS, _HAD, _X, _HX, _SINCE_COUNT, _BARE):
        if pattern is _HX and "/7" not in text:
            continue  # a cheap look first: most texts have no "3/7"
        for m in pattern.finditer(text):
            unit = m.group("unit")
            if unit is None:  # "x 3/7": days
                hours = _count(m.group("n")) * 24
            else:
                count = m.groupdict().get("c") or m.group("n")
                hours = _count(count) * _unit_hours(unit)
                short = unit.lower().rstrip("sz") in _SHORT_UNITS
                if count is None and (
                    unit.lower().endswith(("s", "z"))
                    or not re.search(r"the\s+(?:last|past)", m.group(0), re.I)
                ):
                    continue  # "for days", "last night": no count; "for the past week": one
                if pattern is _FOR and short and sentence_of(m.start()) in dated:
                    continue
            candidates.append(
                (NumberFinding(round(hours, 1), m.group(0), m.start(), m.end()), True)
            )
    for m in _DATE.finditer(text) if _DATE_HINT.search(text) else ():
        hours_back = _date_hours(m, now)
        if hours_back is not None:
            finding = NumberFinding(round(hours_back, 1), m.group(0), m.start(), m.end())
            candidates.append((finding, bool(m.group("since"))))
            dated.add(sentence_of(m.start()))
    for m in _CLOCK.finditer(text) if _CLOCK_HINT.search(text) else ():
        hour = int(m.group("h")) % 12 + (12 if m.group("ap").lower().startswith("p") else 0)
        when = now.replace(hour=hour, minute=int(m.group("m") or 0), second=0, microsecond=0)
        if when > now:  # "woke at 2am" told in the evening is this morning; at 11pm, last night
            when -= timedelta(days=1)
        finding = NumberFinding(
            round((now - when).total_seconds() / 3600, 1), m.group(0), m.start(), m.end()
        )
        candidates.append((finding, bool(m.group("since"))))
    for m, since in relative:
        hours_back = _relative_hours(m.group("rel"), now)
        if hours_back is not None:
            finding = NumberFinding(round(hours_back, 1), m.group(0), m.start(), m.end())
            candidates.append((finding, since))

    def tier(finding: NumberFinding, anchored: bool) -> int:
        if not anchored and _TODAY.fullmatch(finding.text):
            return 3  # "stiff today" says how it is now, not when it began
        start, end = sentence_of(finding.start)
        if any(start <= pos < end for pos in causes):
            return 0
        other = any(start <= pos < end for pos in elsewhere)
        # A sentence about another symptom speaks of the back only if it names it ("chest
        # pain on Monday" is the chest's time, "back pain and numb feet since Monday" both).
        if _EPISODE.search(text, start, end) and (not other or _BACK.search(text, start, end)):
            return 0
        return 2 if other else 1

    def other_clause(finding: NumberFinding) -> bool:
        # Within a sentence, a time in a clause that names neither the back nor its pain is
        # another thing's ("I've had a cold for two weeks and now since yesterday my back
        # has gone", "had covid three weeks ago, but my back has hurt since Tuesday").
        start, end = sentence_of(finding.start)
        before = [m.end() for m in _CLAUSE_BREAK.finditer(text, start, finding.start)]
        after = _CLAUSE_BREAK.search(text, finding.end, end)
        clause_start, clause_end = max([start, *before]), after.start() if after else end
        return not _EPISODE.search(text, clause_start, clause_end) and not any(
            clause_start <= pos < clause_end for pos in causes
        )

    ranked = [
        (tier(f, anchored), other_clause(f), not anchored, -f.value, f)
        for f, anchored in candidates
    ]
    # Beyond ten years is not an episode of acute back pain (nor valid in contract v1).
    ranked = [r for r in ranked if r[4].value <= _MAX_HOURS]
    return min(ranked, key=lambda r: r[:4])[4] if ranked else None


# --- trigger ----------------------------------------------------------------------------

# Words that tell an activity as what set the pain off: "hurt my back lifting", "did it
# hoovering", "put my back out shifting slabs", "I was pulling up a post and felt a twang",
# "since I sat in traffic", "after gardening". An activity told otherwise is how it is now
# ("it's bending that kills") or what someone else did ("when she fell").
_CAUSE = re.compile(
    r"\b(?:hurt|injur\w*|tweak\w*|twang\w*|twinge\w*|strain\w*|sprain\w*|pulled|"
    r"put\s+(?:it|\w+\s+back)\s+out|threw|thrown|"
    # "did my back in", "done my lower back", not "did my pilates class"
    r"done\s+(?:it|me|my\s+(?:\w+\s+)?back)|did\s+(?:it|me|my\s+(?:\w+\s+)?back)|"
    # "my back went", not "I went for a walk"
    r"went(?!\s+(?:for|to|out|into|home|shopping|swimming|running|walking|cycling)\b)|gone|"
    r"popped|ricked|cricked|jarred|started|began|since|after|from|caused|"
    r"set\s+(?:it\s+)?off|brought\s+(?:it\s+)?on|whilst|while|"
    r"i\s+was(?!\s+(?:fine|ok|okay|alright|all\s+right|great|good|well|perfectly|grand)\b)|"
    r"when\s+i)\b",
    re.IGNORECASE,
)
_WORDS_BEFORE = re.compile(r"(?:\S+\s+){0,7}\S*$")
_WORDS_AFTER = re.compile(r"^\S*(?:\s+\S+){0,6}")


# Words that tell an activity as how it is now or as a question, not as what set it off:
# "it hurts to *bend over*", "I can't *lift* anything", "*lifting the kettle* hurts", "it's
# *bending* that kills", "should I stop going to *the gym*?". Read within its clause.
_AGGRAVATES_BEFORE = re.compile(
    r"(?:\b(?:hurts?|hurting|painful|agony|sore|worse|pain|difficult|hard|impossible|"
    r"struggle|struggling)\s+(?:to|when\s+i(?:'m)?|if\s+i|while\s+i|on)|"
    # "worse bending over the beds"
    r"\bworse|"
    r"\b(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to|not\s+able\s+to|avoid|avoiding)|"
    r"\b(?:should\s+i|can\s+i|could\s+i|is\s+it\s+(?:ok|okay|safe|alright|bad)\s+to|"
    r"when\s+can\s+i|am\s+i\s+ok\s+to)(?:\s+\S+){0,3})\s+$",
    re.IGNORECASE,
)
_AGGRAVATES_AFTER = re.compile(
    # the activity is what hurts: "lifting the kettle hurts", not "I fell and my back hurts"
    r"^\s*(?:(?!(?:and|then|so|now|my|it|back|which)\b)\S+\s+){0,3}?(?:hurts|kills|is\s+(?:agony|painful|impossible|murder|hell|"
    r"a\s+nightmare|the\s+worst|excruciating|unbearable|killing)|makes?\s+it\s+worse|"
    r"aggravates|sets\s+it\s+off|"
    # "coughing and sneezing don't make any difference to it"
    r"makes?\s+no\s+difference|(?:don'?t|doesn'?t|do\s+not|does\s+not)\s+(?:make|change))\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:!?()]|\.(?!\d)")


# An activity told as long past is history, not this episode: "I fell off a horse twenty
# years ago", "when I was a kid", "back in 2009".
_LONG_AGO = re.compile(
    r"\b(?:(?:\d{1,2}|a\s+few|a\s+couple\s+of|many|several|two|three|four|five|six|seven|"
    r"eight|nine|ten|fifteen|twenty|thirty|forty)\s+)?years?\s+ago\b|\bas\s+a\s+(?:child|kid|"
    r"teenager|teen|boy|girl)\b|\bwhen\s+i\s+was\s+(?:young|younger|little|a\s+kid|a\s+child|"
    r"a\s+teenager|at\s+school|\d{1,2})\b|\bback\s+in\s+(?:19|20)\d\d\b|\byears\s+back\b",
    re.IGNORECASE,
)


def told_as_cause(text: str, start: int, end: int) -> bool | None:
    """How the activity at ``text[start:end]`` is told: ``True`` as what set the pain off
    (a cause word a few words before it or just after it, in its sentence), ``False`` as
    how it is now, in a question or long ago (in its clause), ``None`` neither."""
    sentence_start, sentence_end = _sentence_around(text, start)
    clause_start = max(
        [sentence_start, *(m.end() for m in _CLAUSE_END.finditer(text, sentence_start, start))]
    )
    after_end = _CLAUSE_END.search(text, end, sentence_end)
    clause_end = after_end.start() if after_end else sentence_end
    if (
        _AGGRAVATES_BEFORE.search(text[clause_start:start])
        or _AGGRAVATES_AFTER.search(text[end:clause_end])
        or _LONG_AGO.search(text, clause_start, clause_end)
    ):
        return False
    before = _WORDS_BEFORE.search(text[sentence_start:start])
    after = _WORDS_AFTER.search(text[end:sentence_end])
    return (
        True if any(m is not None and _CAUSE.search(m.group(0)) for m in (before, after)) else None
    )


# Another person as the subject just before a fall or an accident: "my husband fell over",
# "when she fell", "Mum tripped" (not "he tripped me and I fell": the writer comes between).
_ANOTHER_SUBJECT = re.compile(
    rf"(?:^|[\s,;(])(?:my\s+|our\s+|the\s+)?{_PERSON}(?:'s)?\s+(?:\w+\s+){{0,3}}$", re.IGNORECASE
)


def told_of_another(text: str, start: int) -> bool:
    """Whether the fall or accident at ``start`` is told of another person (its subject,
    in its clause, is someone else): it is then no trigger of the writer's back."""
    sentence_start, _ = _sentence_around(text, start)
    clause_start = max(
        [sentence_start, *(m.end() for m in _CLAUSE_END.finditer(text, sentence_start, start))]
    )
    before = text[clause_start:start]
    found = _ANOTHER_SUBJECT.search(before)
    return found is not None and not re.search(r"\b(?:i|i'm|me)\b", found.group(0), re.I)


def _sentence_around(text: str, pos: int) -> tuple[int, int]:
    for m in _SENTENCE.finditer(text):
        if m.start() <= pos < m.end():
            return m.start(), m.end()
    return 0, len(text)


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
# A number told before the temperature word ("38.2 temp today", "101 fever").
_BEFORE_WORD = re.compile(
    rf"(?<![\d.,]){_DEGREES}\s*(?:temp(?:erature)?|fever)\b",
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
    for pattern in (_TEMP_WORD, _WITH_UNIT, _BEFORE_WORD, _RUNNING):
        for m in pattern.finditer(text):
            fever = _fever(float(m["v"].replace(",", ".")), m["u"] or "")
            if fever is not None and not any(
                s <= m.start() < e or m.start() <= s < m.end() for s, e in found
            ):
                end = m.start() + len(m[0].rstrip())
                found[(m.start(), end)] = Temperature(fever, m.start(), end)
    return sorted(found.values(), key=lambda t: t.start)
