"""Free-text extraction speed: a 1,000-character text, and loading the pipeline.

Targets (issue 16): extracting a 1,000-character text takes under 20 ms once the
pipeline is loaded, and loading it (in a fresh process once spaCy is imported) takes
under 1 s. Loading is measured both ways: from the on-disk pipeline cache (``load_s``,
every start after the first) and cold, building it (``load_cold_s``: vocabulary,
knowledge-base check, matchers; the first start after an install or a vocabulary edit).
Importing spaCy itself is reported beside it: it is paid once per process, by any spaCy
pipeline. Both are reported beside a
spaCy blank English pipeline over the same texts, measured interleaved in the same run, so
the ratio survives a noisy machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import spacy
import yaml

from backcare.text import MAX_TEXT_LENGTH, extract, load_pipeline

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved, write_result

EXTRACT_TARGET_MS = 20.0
LOAD_TARGET_S = 1.0
DATA = Path(__file__).parents[1] / "tests" / "data" / "free-text"
NOW = datetime(2026, 11, 29, 18, 0)


def hostile_texts(count: int = 20, seed: int = 16) -> list[str]:
    """Texts of the longest allowed length made only of the vocabulary's symptom and body
    words, in one sentence (seeded): the most matches, and near-rule pairs, a text can
    hold. Extraction must stay quick on these too (a web request pays for it)."""
    import random

    from backcare.text._vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    words = sorted({w for words in vocabulary.classes.values() for w in words})
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = ""
        while len(text) < MAX_TEXT_LENGTH:
            text += rng.choice(words) + " "
        texts.append(text[:MAX_TEXT_LENGTH])
    return texts


def thousand_character_texts() -> list[str]:
    """The labelled texts joined into texts of 1,000 characters each."""
    pieces = [
        case["text"]
        for name in ("tuned", "held_out")
        for case in yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))["texts"]
    ]
    texts, current = [], ""
    for piece in pieces:
        current = f"{current} {piece}".strip()
        if len(current) >= 1000:
            texts.append(current[:1000])
            current = ""
    return texts


# In a fresh interpreter: import spaCy, then time building a blank English pipeline and
# then backcare's (vocabulary, knowledge-base check, matchers); print the three times.
_LOAD = """
import time
t = time.perf_counter()
import spacy
imported = time.perf_counter()
spacy.blank("en")
blank = time.perf_counter()
from backcare.text import load_pipeline
load_pipeline()
done = time.perf_counter()
print(imported - t, blank - imported, done - blank)
"""


def _load_seconds(*, cold: bool) -> tuple[float, float, float]:
    """Best of five fresh interpreters: spaCy import, blank pipeline, backcare pipeline.

    ``cold``: each interpreter gets an empty cache folder, so it builds the pipeline;
    otherwise they share one the first run has filled, so they read it.
    """
    runs = []
    shared = tempfile.mkdtemp(prefix="bench-extract-")
    if not cold:
        subprocess.run(
            [sys.executable, "-c", _LOAD],
            env={**os.environ, "BACKCARE_CACHE_DIR": shared},
            capture_output=True,
            check=True,
        )
    for _ in range(5):
        folder = tempfile.mkdtemp(prefix="bench-extract-") if cold else shared
        out = subprocess.run(
            [sys.executable, "-c", _LOAD],
            env={**os.environ, "BACKCARE_CACHE_DIR": folder},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        first, second, third = (float(x) for x in out.split())
        runs.append((first, second, third))
    return (
        min(r[0] for r in runs),
        min(r[1] for r in runs),
        min(r[2] for r in runs),
    )


def main() -> dict[str, object]:
    texts = thousand_character_texts()
    load_pipeline()
    blank = spacy.blank("en")

    def run_extract() -> None:
        for text in texts:
            extract(text, now=NOW)

    def run_blank() -> None:
        for text in texts:
            blank(text)

    hostile = hostile_texts()

    def run_hostile() -> None:
        for text in hostile:
            extract(text, now=NOW)

    run_extract()  # warm up
    best = interleaved(10, {"extract": run_extract, "blank": run_blank})
    worst = interleaved(3, {"hostile": run_hostile})["hostile"] / len(hostile)
    per_text = {name: seconds / len(texts) for name, seconds in best.items()}
    import_s, blank_load, load = _load_seconds(cold=False)
    _, _, load_cold = _load_seconds(cold=True)
    result = {
        "texts": len(texts),
        "characters_per_text": 1000,
        "extract_ms_per_text": round(per_text["extract"] * 1e3, 3),
        "blank_spacy_ms_per_text": round(per_text["blank"] * 1e3, 3),
        "ratio_extract_to_blank": round(per_text["extract"] / per_text["blank"], 2),
        "hostile_texts": len(hostile),
        "hostile_ms_per_text": round(worst * 1e3, 1),
        "spacy_import_s": round(import_s, 3),
        "load_s": round(load, 3),
        "load_cold_s": round(load_cold, 3),
        "blank_spacy_load_s": round(blank_load, 3),
        "ratio_load_to_blank": round(load / blank_load, 2),
        "target_extract_ms": EXTRACT_TARGET_MS,
        "target_load_s": LOAD_TARGET_S,
        "meets_target": per_text["extract"] * 1e3 < EXTRACT_TARGET_MS
        and max(load, load_cold) < LOAD_TARGET_S,
    }
    write_result("extract_speed", result)
    print(
        f"extract: {result['extract_ms_per_text']} ms per 1,000 characters "
        f"(blank spaCy {result['blank_spacy_ms_per_text']} ms, ratio "
        f"{result['ratio_extract_to_blank']}); a hostile {MAX_TEXT_LENGTH:,}-character text of "
        f"symptom words {result['hostile_ms_per_text']} ms; load {result['load_s']} s "
        f"(cold, building it: {result['load_cold_s']} s) "
        f"(blank spaCy {result['blank_spacy_load_s']} s; importing spaCy "
        f"{result['spacy_import_s']} s) "
        f"(targets < {EXTRACT_TARGET_MS} ms, < {LOAD_TARGET_S} s: "
        f"{'met' if result['meets_target'] else 'MISSED'})"
    )
    return result


if __name__ == "__main__":
    main()
