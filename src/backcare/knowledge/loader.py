"""Load the knowledge-base YAML files and check that they hang together.

:func:`load_knowledge_base` reads ``data/<section>.yaml`` (one YAML list per
section of :class:`~backcare.knowledge.schema.KnowledgeBase`), validates each
entry and then checks cross-references: every cited source exists, every rule
reads a real answer, every red-flag question of the contract has exactly one
entry, phases tile the timeline, conflicts point at real entries, the safety net
covers every serious symptom at its level and threshold placeholders name real rule
numbers (which are then filled in), and every exercise's drawing (``data/drawings``)
exists and draws both positions. Any problem raises
:class:`~backcare.errors.KnowledgeBaseError` naming the file and the entry.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from backcare.domain.answers import Answers, Course, History, RedFlags
from backcare.domain.enums import Condition as ConditionName
from backcare.domain.enums import Sex, Trend, TriageLevel, Trigger
from backcare.errors import FieldProblem, KnowledgeBaseError, validation_problems
from backcare.i18n import active_language, gettext
from backcare.knowledge._thresholds import fill_thresholds, threshold_problems
from backcare.knowledge.drawings import drawing_problems
from backcare.knowledge.schema import Condition, KnowledgeBase
from backcare.knowledge.strict_yaml import strict_loader
from backcare.locations import read_cached, write_cached

__all__ = ["DERIVED_VALUES", "REQUIRED_MESSAGES", "answer_paths", "load_knowledge_base"]

#: Values computed from the answers that rules may read as ``derived.<name>``.
DERIVED_VALUES = {
    "episode_days": (
        "the episode's age in days: the larger of course.days_of_self_care and "
        "hours_since_onset / 24 (the diary fills both from its onset)"
    ),
    "bmi": "body-mass index from height_cm and weight_kg",
}

#: The thresholds the code reads (:mod:`backcare.measures`), by id: each must be in thresholds.yaml.
REQUIRED_THRESHOLDS = ("nrs_mcid",)

#: The messages the engine builds results from, by id: each must be in messages.yaml.
REQUIRED_MESSAGES = (
    "disclaimer",
    "summary_emergency",
    "summary_urgent",
    "summary_see_doctor",
    "summary_self_care",
    "incomplete",
    "emergency_message",
    "emergency_note",
    "urgent_note",
    "assumed_onset",
    "contradictory_timing",
    "unknown_conditions",
    "not_otc",
    "exercise_session",
)

_SECTIONS = tuple(KnowledgeBase.model_fields)
# The code a pickled knowledge base is made of: its classes live in these packages.
_SOURCE_FOLDERS = (Path(__file__).parent, Path(__file__).parents[1] / "domain")


def answer_paths() -> dict[str, tuple[str, ...]]:
    """Every path a rule may read, mapped to its allowed choices (empty for bool/number)."""
    paths: dict[str, tuple[str, ...]] = {}
    for name in Answers.model_fields:
        if name in {"red_flags", "history", "course"}:
            continue
        paths[name] = ()
    paths["trigger"] = tuple(t.value for t in Trigger)
    paths["sex"] = tuple(s.value for s in Sex)
    paths["conditions"] = tuple(c.value for c in ConditionName)
    for group, model in (("red_flags", RedFlags), ("history", History), ("course", Course)):
        for field in model.model_fields:
            paths[f"{group}.{field}"] = ()
    paths["course.trend"] = tuple(t.value for t in Trend)
    for name in DERIVED_VALUES:
        paths[f"derived.{name}"] = ()
    return paths


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load and check the knowledge base.

    Args:
        directory: a folder holding the section files; default: the copy shipped in the
            package (cached, so repeated calls are free).

    Raises:
        KnowledgeBaseError: a file is missing, malformed or inconsistent; the message
            names the file and the entry.
    """
    if directory is None:
        # Texts are kept in the active language, so each language is its own copy.
        return _load_default(active_language())
    return _load(directory)


@lru_cache(maxsize=4)
def _load_default(language: str) -> KnowledgeBase:
    directory = Path(str(resources.files("backcare.knowledge") / "data"))
    cache = _cache_path(directory, language)
    cached = read_cached(cache, KnowledgeBase)
    if cached is not None:
        return cached
    kb = _load(directory)
    write_cached(cache, kb)
    return kb


def _cache_path(directory: Path, language: str) -> Path | None:
    """Cache file for the validated knowledge base, keyed like a .pyc file.

    Parsing and validating the YAML costs more than a whole assessment, and the shipped
    files rarely change, so the validated model is pickled once. The key covers each
    file's size and modification time - the data files and the source of the code the
    pickle is made of (the schema, the loader, the domain types it uses) - and the
    backcare and pydantic versions, so an edit, a moved class, a new field or an upgrade
    rebuilds it rather than loading a stale or unloadable copy. It holds no health data.
    """
    from pydantic import VERSION as PYDANTIC_VERSION

    from backcare.settings import cache_directory

    try:
        files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("drawings/*.svg"))
        files += [p for folder in _SOURCE_FOLDERS for p in sorted(folder.glob("*.py"))]
        stats = [(p.as_posix(), p.stat()) for p in files]
    except OSError:
        return None
    key = repr(
        [(name, st.st_size, st.st_mtime_ns) for name, st in stats]
        + [_package_version(), PYDANTIC_VERSION, language]
    )
    digest = zlib.crc32(key.encode()) & 0xFFFFFFFF
    return cache_directory() / f"knowledge-{digest:08x}.pickle"


def _package_version() -> str:
    from backcare._version import __version__

    return __version__


def _load(directory: Path) -> KnowledgeBase:
    import yaml  # only when the cache is cold: importing it costs more than an assessment

    loader: Any = strict_loader()
    raw: dict[str, list[Any]] = {}
    for section in _SECTIONS:
        path = directory / f"{section}.yaml"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KnowledgeBaseError(
                gettext("{path_name}: cannot read the file ({exc_strerror})").format(
                    path_name=path.name, exc_strerror=exc.strerror
                )
            ) from exc
        try:
            data = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise KnowledgeBaseError(
                gettext("{path_name}: not valid YAML: {exc}").format(path_name=path.name, exc=exc)
            ) from exc
        if not isinstance(data, list):
            raise KnowledgeBaseError(
                gettext("{path_name}: must be a YAML list of entries").format(path_name=path.name)
            )
        raw[section] = data
    try:
        kb = KnowledgeBase.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeBaseError(
            gettext("the knowledge base is invalid"),
            problems=validation_problems(exc.errors(), field=lambda loc: _where(raw, loc)),
        ) from exc
    problems = list(_cross_check(kb))
    problems += drawing_problems(kb.exercises, directory / "drawings")
    if problems:
        raise KnowledgeBaseError(gettext("the knowledge base is inconsistent"), problems=problems)
    return _with_thresholds(kb)


def _with_thresholds(kb: KnowledgeBase) -> KnowledgeBase:
    """Fill the ``{rule_id:answer.path}`` placeholders of the advice and the warning signs.

    Done once here, so every reader of the knowledge base (the engine, the coach, the
    exports, the protocol document) sees the same numbers as triage.
    """
    recs = tuple(
        rec.model_copy(
            update={
                "instructions": tuple(fill_thresholds(t, kb.triage_rules) for t in rec.instructions)
            }
        )
        if any("{" in text for text in rec.instructions)
        else rec
        for rec in kb.recommendations
    )
    signs = tuple(
        sign.model_copy(update={"text": fill_thresholds(sign.text, kb.triage_rules)})
        for sign in kb.warning_signs
    )
    return kb.model_copy(update={"recommendations": recs, "warning_signs": signs})


def _where(raw: dict[str, list[Any]], loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into ``file.yaml: entry 'id': field``."""
    section, rest = str(loc[0]), loc[1:]
    where = f"{section}.yaml"
    if rest and isinstance(rest[0], int):
        index = rest[0]
        entries = raw.get(section, [])
        entry = entries[index] if index < len(entries) else None
        entry_id = entry.get("id") or entry.get("answer") if isinstance(entry, dict) else None
        where += f": entry '{entry_id}'" if entry_id else f": entry #{index + 1}"
        rest = rest[1:]
    fields = ".".join(str(p) for p in rest if not str(p).startswith("function-"))
    return f"{where}: {fields}" if fields else where


def _cross_check(kb: KnowledgeBase) -> Iterator[FieldProblem]:
    source_ids = {s.id for s in kb.sources}
    yield from _duplicates("sources.yaml", (s.id for s in kb.sources))
    yield from _duplicates(
        "sources.yaml", (s.short_title.casefold() for s in kb.sources), what="short_title"
    )
    for section in _SECTIONS:
        if section == "sources":
            continue
        for entry in getattr(kb, section):
            where = f"{section}.yaml: entry '{_entry_id(entry)}'"
            for source in _cited_sources(entry):
                if source not in source_ids:
                    yield FieldProblem(
                        where, gettext("cites unknown source '{source}'").format(source=source)
                    )
            for condition in _conditions(entry):
                yield from _check_condition(where, condition)

    for section in ("red_flags", "triage_rules", "recommendations", "medicines", "exercises"):
        yield from _duplicates(f"{section}.yaml", (_entry_id(e) for e in getattr(kb, section)))

    yield from _check_safety_net(kb)
    yield from _check_texts(kb)
    asked = [flag.answer for flag in kb.red_flags]
    for group, model in (("red_flags", RedFlags), ("history", History)):
        for field in model.model_fields:
            if f"{group}.{field}" not in asked:
                yield FieldProblem(
                    "red_flags.yaml",
                    gettext("no entry asks '{group}.{field}'").format(group=group, field=field),
                )
    for flag in kb.red_flags:
        if flag.answer not in answer_paths():
            yield FieldProblem(
                f"red_flags.yaml: entry '{flag.id}'",
                gettext("unknown answer '{flag_answer}'").format(flag_answer=flag.answer),
            )
    yield from _duplicates("red_flags.yaml", asked, what="answer")
    for question in kb.intake:
        if question.answer not in answer_paths():
            yield FieldProblem(f"intake.yaml: entry '{question.answer}'", gettext("unknown answer"))

    yield from _check_phases(kb)
    yield from _check_safety_net(kb)
    yield from _check_groups(kb)

    known_ids = {
        _entry_id(e)
        for section in ("red_flags", "triage_rules", "recommendations", "medicines", "exercises")
        for e in getattr(kb, section)
    }
    for conflict in kb.conflicts:
        for position in conflict.positions:
            if position.source not in source_ids:
                yield FieldProblem(
                    f"conflicts.yaml: entry '{conflict.id}'",
                    gettext("position cites unknown source '{position_source}'").format(
                        position_source=position.source
                    ),
                )
        for target in conflict.applies_to:
            if target not in known_ids:
                yield FieldProblem(
                    f"conflicts.yaml: entry '{conflict.id}'",
                    gettext("applies to unknown id '{target}'").format(target=target),
                )
    for rec in kb.recommendations:
        for line in rec.instructions:
            for problem in threshold_problems(line, kb.triage_rules):
                yield FieldProblem(f"recommendations.yaml: entry '{rec.id}'", problem)
    for sign in kb.warning_signs:
        for problem in threshold_problems(sign.text, kb.triage_rules):
            yield FieldProblem(f"warning_signs.yaml: entry '{sign.id}'", problem)
        if rec.hours is not None and rec.hours[1] is not None and rec.hours[1] <= rec.hours[0]:
            yield FieldProblem(
                f"recommendations.yaml: entry '{rec.id}'", gettext("hours window is empty")
            )
    position_ids = {p.id for p in kb.positions}
    yield from _duplicates("positions.yaml", (p.id for p in kb.positions))
    for ex in kb.exercises:
        if ex.position not in position_ids:
            yield FieldProblem(
                f"exercises.yaml: entry '{ex.id}'",
                gettext("unknown position '{ex_position}'").format(ex_position=ex.position),
            )
    rec_ids = {rec.id for rec in kb.recommendations}
    for rec in kb.recommendations:
        for target in rec.replaces:
            if target not in rec_ids or target == rec.id:
                yield FieldProblem(
                    f"recommendations.yaml: entry '{rec.id}'",
                    gettext("replaces unknown recommendation '{target}'").format(target=target),
                )
    for ex in kb.exercises:
        if ex.progression.max_hold_seconds < ex.hold_seconds or ex.progression.max_reps < ex.reps:
            yield FieldProblem(
                f"exercises.yaml: entry '{ex.id}'",
                gettext("progression ceiling is below the starting dose"),
            )


def _check_safety_net(kb: KnowledgeBase) -> Iterator[FieldProblem]:
    """The take-home "get help if" lines must cover every emergency and urgent symptom.

    Each emergency or urgent ``red_flags.*`` question needs a warning sign at its own
    level that ``covers`` it, and a sign covering a red-flag question must carry that
    question's level, so the safety net never rates a symptom lower than triage does.
    """
    flags = {flag.answer: flag for flag in kb.red_flags}
    paths = answer_paths()
    covered: set[str] = set()
    for sign in kb.warning_signs:
        where = f"warning_signs.yaml: entry '{sign.id}'"
        for key in sign.covers:
            flag = flags.get(key)
            if flag is None and key not in paths:
                yield FieldProblem(
                    where, gettext("covers unknown question '{key}'").format(key=key)
                )
            elif flag is not None and flag.level is not sign.level:
                yield FieldProblem(
                    where,
                    gettext(
                        "covers '{key}' at level '{level_value}', but triage gives "
                        "it '{level_value_2}'"
                    ).format(key=key, level_value=sign.level.value, level_value_2=flag.level.value),
                )
            else:
                covered.add(key)
    for flag in kb.red_flags:
        serious = flag.level in (TriageLevel.EMERGENCY, TriageLevel.URGENT)
        if serious and flag.answer.startswith("red_flags.") and flag.answer not in covered:
            yield FieldProblem(
                "warning_signs.yaml",
                gettext("no warning sign at level '{level_value}' covers '{flag_answer}'").format(
                    level_value=flag.level.value, flag_answer=flag.answer
                ),
            )


def _check_texts(kb: KnowledgeBase) -> Iterator[FieldProblem]:
    """Every message the engine needs is there once; the BMI bands rise to an open end."""
    yield from _duplicates("messages.yaml", (m.id for m in kb.messages))
    have = {m.id for m in kb.messages}
    for missing in REQUIRED_MESSAGES:
        if missing not in have:
            yield FieldProblem(
                "messages.yaml",
                gettext("the engine needs a message '{missing}'").format(missing=missing),
            )
    yield from _duplicates("thresholds.yaml", (t.id for t in kb.thresholds))
    have_thresholds = {t.id for t in kb.thresholds}
    for missing in REQUIRED_THRESHOLDS:
        if missing not in have_thresholds:
            yield FieldProblem(
                "thresholds.yaml",
                gettext("the code needs a threshold '{missing}'").format(missing=missing),
            )
    yield from _duplicates("bmi_bands.yaml", (b.id for b in kb.bmi_bands))
    limits = [band.below for band in kb.bmi_bands]
    bounded = [limit for limit in limits[:-1] if limit is not None]
    if (
        not limits
        or limits[-1] is not None
        or len(bounded) != len(limits) - 1
        or bounded != sorted(set(bounded))
    ):
        yield FieldProblem(
            "bmi_bands.yaml",
            gettext("bands must rise, each with a 'below', and only the last open-ended"),
        )


def _check_phases(kb: KnowledgeBase) -> Iterator[FieldProblem]:
    phases = sorted(kb.phases, key=lambda p: p.from_hours)
    if not phases or phases[0].from_hours != 0:
        yield FieldProblem("phases.yaml", gettext("the first phase must start at 0 hours"))
        return
    for current, following in itertools.pairwise(phases):
        if current.until_hours != following.from_hours:
            yield FieldProblem(
                f"phases.yaml: entry '{current.id}'",
                gettext(
                    "ends at {current_until_hours} h but '{following_id}' starts "
                    "at {following_from_hours} h: phases must tile the timeline"
                ).format(
                    current_until_hours=current.until_hours,
                    following_id=following.id,
                    following_from_hours=following.from_hours,
                ),
            )
    if phases[-1].until_hours is not None:
        yield FieldProblem(
            f"phases.yaml: entry '{phases[-1].id}'", gettext("the last phase must be open-ended")
        )
    yield from _duplicates("phases.yaml", (p.id.value for p in kb.phases))


def _check_groups(kb: KnowledgeBase) -> Iterator[FieldProblem]:
    """Every question on exactly one page; "None of these" only on pages of yes/no questions.

    A settling condition (``not_asked_when``) must never match an unanswered value,
    or a question could go unasked because nobody answered the one that settles it.
    """
    kinds = {flag.answer: "boolean" for flag in kb.red_flags}
    kinds.update({q.answer: q.kind for q in kb.intake})
    placed: list[str] = []
    for group in kb.groups:
        where = f"groups.yaml: entry '{group.id}'"
        for path in group.questions:
            if path not in kinds:
                yield FieldProblem(
                    where,
                    gettext("'{path}' is not a question of the knowledge base").format(path=path),
                )
        placed += group.questions
        if group.none_option and any(kinds.get(p) != "boolean" for p in group.questions):
            yield FieldProblem(
                where, gettext("'none_option' needs a page of yes/no questions only")
            )
    yield from _duplicates("groups.yaml", (g.id for g in kb.groups))
    yield from _duplicates("groups.yaml", placed, what="question")
    for path in kinds.keys() - set(placed):
        yield FieldProblem("groups.yaml", gettext("no page asks '{path}'").format(path=path))
    settled: list[tuple[str, str, Condition]] = []
    for flag in kb.red_flags:
        if flag.not_asked_when is not None:
            settled.append((f"red_flags.yaml: entry '{flag.id}'", flag.answer, flag.not_asked_when))
    for question in kb.intake:
        where = f"intake.yaml: entry '{question.answer}'"
        if question.not_asked_when is not None:
            settled.append((where, question.answer, question.not_asked_when))
        for choice in question.choice_labels.keys() - set(question.choices):
            yield FieldProblem(
                where,
                gettext("a label for '{choice}', which is not one of its choices").format(
                    choice=choice
                ),
            )
        if question.kind in {"integer", "number"} and not question.invalid:
            yield FieldProblem(
                where, gettext("a number question needs 'invalid': what to type, in words")
            )
        for choice, condition in question.choices_not_offered_when.items():
            if choice not in question.choices:
                yield FieldProblem(
                    where, gettext("'{choice}' is not one of its choices").format(choice=choice)
                )
            settled.append((where, question.answer, condition))
    for where, path, condition in settled:
        yield from _check_condition(where, condition)
        if _reads_unanswered(condition):
            yield FieldProblem(where, gettext("a 'not asked' condition cannot use 'or_unanswered'"))
        if path in condition.answer_paths():
            yield FieldProblem(where, gettext("a question cannot be settled by its own answer"))


def _reads_unanswered(condition: Condition) -> bool:
    children = condition.all or condition.any or ()
    return condition.or_unanswered or any(_reads_unanswered(c) for c in children)


def _check_condition(where: str, condition: Condition) -> Iterator[FieldProblem]:
    paths = answer_paths()
    if condition.answer is not None:
        if condition.answer not in paths:
            yield FieldProblem(
                where,
                gettext("a rule reads unknown answer '{condition_answer}'").format(
                    condition_answer=condition.answer
                ),
            )
            return
        choices = paths[condition.answer]
        wanted = condition.in_ or ((condition.contains,) if condition.contains else ())
        for value in wanted:
            if value not in choices:
                yield FieldProblem(
                    where,
                    gettext("'{value}' is not an allowed value of '{condition_answer}'").format(
                        value=value, condition_answer=condition.answer
                    ),
                )
        return
    for child in condition.all or condition.any or ():
        yield from _check_condition(where, child)


def _entry_id(entry: BaseModel) -> str:
    value = getattr(entry, "id", None) or getattr(entry, "answer", "?")
    return str(value)


def _cited_sources(entry: BaseModel) -> Iterable[str]:
    yield from getattr(entry, "sources", ())
    yield from getattr(entry, "decided_by", ())
    for rule in getattr(entry, "rules", ()):
        yield from rule.sources
    for licence in getattr(entry, "licences", ()):
        yield from licence.sources
    overdose = getattr(entry, "overdose", None)
    if overdose is not None:
        yield from overdose.sources


def _conditions(entry: BaseModel) -> Iterable[Condition]:
    for name in ("when", "left_out_when"):
        value = getattr(entry, name, None)
        if isinstance(value, Condition):
            yield value
    for rule in getattr(entry, "rules", ()):
        yield rule.when


def _duplicates(where: str, ids: Iterable[str], *, what: str = "id") -> Iterator[FieldProblem]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            yield FieldProblem(
                where, gettext("duplicate {what} '{item}'").format(what=what, item=item)
            )
        seen.add(item)
