"""Measure the free-text extractor against the labelled texts in tests/data/free-text/.

Run ``python benchmarks/eval_extract.py`` (needs the ``text`` extra). It reports, for the
tuned part and the held-out part separately: sensitivity for present red flags (all, and
the emergency ones), the share of texts with a falsely present key, whether any answer
read from text was ``false`` (it never may be), and how often age, pain, trigger and onset
were right in the texts that state them. Results go to benchmarks/results/extract.json;
tests/test_extract_eval.py asserts the targets on the tuned part and the safety rules on
every text.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from backcare import load_knowledge_base
from backcare.text import Extraction, FindingStatus, extract

sys.path.insert(0, str(Path(__file__).parent))
from _common import write_result

DATA = Path(__file__).parents[1] / "tests" / "data" / "free-text"
PARTS = ("tuned", "held_out")
FIELDS = ("age", "pain", "trigger", "hours_since_onset")
#: Targets from the issue: the tests hold the tuned part to them.
TARGETS = {
    "emergency_sensitivity": 1.0,
    "red_flag_sensitivity": 0.97,
    "false_present_text_rate": 0.05,
    "field_accuracy": 0.90,
}


def load_texts(part: str) -> tuple[datetime, list[dict[str, Any]]]:
    """The reference time and the labelled texts of one part."""
    data = yaml.safe_load((DATA / f"{part}.yaml").read_text(encoding="utf-8"))
    return datetime.fromisoformat(data["now"]), data["texts"]


def onset_matches(got: float, expected: float) -> bool:
    """Onsets count as right within 3 hours or a quarter of the expected time."""
    return abs(got - expected) <= max(3.0, 0.25 * expected)


def has_false(value: Any) -> bool:
    """Whether any value in nested answers is ``False``."""
    if value is False:
        return True
    if isinstance(value, dict):
        return any(has_false(v) for v in value.values())
    if isinstance(value, list):
        return any(has_false(v) for v in value)
    return False


def present_keys(extraction: Extraction) -> set[str]:
    """Red-flag, history and condition keys the extraction took as present."""
    return {
        f.key
        for f in extraction.findings
        if f.status is FindingStatus.PRESENT
        and f.key.partition(".")[0] in {"red_flags", "history", "conditions"}
    }


def evaluate(part: str) -> dict[str, Any]:
    """Score one part; ``misses`` lists every wrong text by id for review."""
    now, texts = load_texts(part)
    emergency = {
        flag.answer for flag in load_knowledge_base().red_flags if flag.level == "emergency"
    }
    flags = found_flags = em = found_em = 0
    false_present: list[str] = []
    false_answers: list[str] = []
    misses: list[str] = []
    field_total = dict.fromkeys(FIELDS, 0)
    field_right = dict.fromkeys(FIELDS, 0)
    no_flag_texts = 0
    for case in texts:
        expect = case.get("expect") or {}
        got = extract(case["text"], now=now)
        answers = got.answers
        if has_false(answers):
            false_answers.append(case["id"])
        labelled = set(expect.get("present", [])) | {
            f"conditions.{c}" for c in expect.get("conditions", [])
        }
        if not any(k.startswith("red_flags.") for k in labelled):
            no_flag_texts += 1
        got_present = present_keys(got)
        for key in labelled:
            if not key.startswith("red_flags."):
                continue
            flags += 1
            hit = answers.get("red_flags", {}).get(key.partition(".")[2]) is True
            found_flags += hit
            if key in emergency:
                em += 1
                found_em += hit
            if not hit:
                misses.append(f"{case['id']}: missed {key}")
        for key in labelled - {k for k in labelled if k.startswith("red_flags.")}:
            if key not in got_present:
                misses.append(f"{case['id']}: missed {key}")
        extra = got_present - labelled
        if extra:
            false_present.append(case["id"])
            misses.append(f"{case['id']}: falsely present {sorted(extra)}")
        for field in FIELDS:
            if field not in expect:
                continue
            field_total[field] += 1
            value = answers.get(field)
            right = (
                value is not None and onset_matches(value, expect[field])
                if field == "hours_since_onset"
                else value == expect[field]
            )
            field_right[field] += right
            if not right:
                misses.append(f"{case['id']}: {field} {value!r}, expected {expect[field]!r}")
    accuracy = {f: round(field_right[f] / field_total[f], 4) for f in FIELDS if field_total[f]}
    return {
        "texts": len(texts),
        "texts_without_a_red_flag": no_flag_texts,
        "present_red_flags": flags,
        "red_flag_sensitivity": round(found_flags / flags, 4) if flags else None,
        "emergency_red_flags": em,
        "emergency_sensitivity": round(found_em / em, 4) if em else None,
        "texts_with_false_present": len(false_present),
        "false_present_text_rate": round(len(false_present) / len(texts), 4),
        "texts_with_a_false_answer": len(false_answers),
        "field_counts": field_total,
        "field_accuracy": accuracy,
        "misses": misses,
    }


def main() -> dict[str, Any]:
    results = {part: evaluate(part) for part in PARTS}
    write_result("extract", {"targets": TARGETS, **results})
    for part, r in results.items():
        print(
            f"extract [{part}]: {r['texts']} texts; red flags {r['red_flag_sensitivity']:.1%} "
            f"(emergency {r['emergency_sensitivity']:.1%}); false-present texts "
            f"{r['false_present_text_rate']:.1%}; false answers {r['texts_with_a_false_answer']}; "
            + ", ".join(f"{f} {a:.0%}" for f, a in r["field_accuracy"].items())
        )
    return results


if __name__ == "__main__":
    main()
