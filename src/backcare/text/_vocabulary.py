"""The free-text vocabulary: one YAML file per language, validated into typed models.

``knowledge/data/vocabulary/<language>.yaml`` lists, for each answer of contract v1, the
words people use for it, and the context cues (negation, uncertainty, hypotheticals,
other people, the past). Loading checks that every key names a real answer, trigger,
condition or knowledge-base medicine and that every cited source exists, so a typo in a
reviewed list fails loudly instead of silently matching nothing. No spaCy here: the
knowledge-base check (``backcare kb check``) and the tests read it without the extra.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from backcare.domain.answers import History, RedFlags
from backcare.domain.enums import Condition, Trigger
from backcare.errors import FieldProblem, KnowledgeBaseError, validation_problems
from backcare.i18n import gettext
from backcare.knowledge.strict_yaml import strict_loader

__all__ = [
    "CONTEXT_STATUSES",
    "Concept",
    "ContextRules",
    "Near",
    "Vocabulary",
    "check_vocabulary",
    "load_vocabulary",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Phrase = Annotated[str, Field(min_length=1, max_length=120)]

#: The context categories, each a finding status.
CONTEXT_STATUSES = ("negated", "uncertain", "hypothetical", "other_person", "past")


class Near(BaseModel):
    """A symptom word and a body site within ``within`` tokens, in either order."""

    model_config = _STRICT

    within: Annotated[int, Field(ge=1, le=12)]
    words: Annotated[tuple[Phrase, ...], Field(min_length=1)]
    sites: Annotated[tuple[Phrase, ...], Field(min_length=1)]
    #: Match words and sites only as written: the form carries the meaning ("legs", not
    #: "leg", says both legs).
    exact: bool = False
    #: What may stand between the word and the site, in one sentence: by default no scope
    #: end at all (a comma, "and", "but": "numbness, also my bum" is not one mention);
    #: ``pauses``: a punctuation pause but no word that starts another thought ("I can't
    #: have ibuprofen, it sets my asthma off"); ``clauses``: any scope end ("tried the
    #: heel-walk test and I can't do it").
    across: Literal["nothing", "pauses", "clauses"] = "nothing"
    #: Phrases that void the match when its word or site is part of one ("worse" near
    #: "bed" is no night pain in "worse getting out of bed").
    unless: tuple[Phrase, ...] = ()


class Concept(BaseModel):
    """One thing a person may say: an answer key and the phrases for it."""

    model_config = _STRICT

    key: str
    #: Matched by word form ("coughing fits" matches "a coughing fit") with up to two of
    #: the vocabulary's filler words between their words ("both *my* feet").
    phrases: Annotated[tuple[Phrase, ...], Field(min_length=1)]
    #: Matched only as written (lower-cased): no other word forms ("when I sneeze" is not
    #: "when I sneezed"); filler words between the words are still allowed.
    exact: tuple[Phrase, ...] = ()
    near: tuple[Near, ...] = ()
    #: Phrases a mention of this concept is no mention inside: "after a coughing fit" is
    #: what set the pain off, not a cough that makes it worse (``ignore`` for one concept).
    unless: tuple[Phrase, ...] = ()
    #: Keys whose mention in the same sentence replaces this one ("both legs" over one leg).
    yields_to: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """``red_flags``, ``history``, ``conditions``, ``trigger`` or ``medicines``."""
        return self.key.partition(".")[0]

    @property
    def name(self) -> str:
        return self.key.partition(".")[2]


class CueSet(BaseModel):
    """The cues of one context category and how far they reach."""

    model_config = _STRICT

    window: Annotated[int, Field(ge=1, le=20)]
    before: tuple[Phrase, ...] = ()
    after: tuple[Phrase, ...] = ()
    pseudo: tuple[Phrase, ...] = ()
    #: Words after a mention that undo this category's cue before it: "never had X
    #: before", "not X until now" assert that X is new, not that it is absent.
    pseudo_after: tuple[Phrase, ...] = ()
    #: Concept groups ``pseudo_after`` applies to; empty: all ("never had cancer before"
    #: denies a history item, "never had this numbness before" asserts a new sign).
    pseudo_after_applies_to: tuple[str, ...] = ()
    #: Words saying the writer writes about someone else's back ("writing for my dad",
    #: "her back went"): that person is then the patient, so the category's cues are
    #: off for the whole text, except those in ``proxy_keeps`` ("runs in the family").
    proxy: tuple[Phrase, ...] = ()
    proxy_keeps: tuple[Phrase, ...] = ()
    #: Hints of the same ("her back went", "since he slipped") that count only when the
    #: text has none of ``own_back`` ("my back", "I hurt my back"): the writer's own back.
    proxy_hints: tuple[Phrase, ...] = ()
    own_back: tuple[Phrase, ...] = ()
    #: A writer's words when asking for someone else ("what do I do?", "I'm a carer"):
    #: their "I" does not make a text that tells of someone else's back the writer's.
    asking: tuple[Phrase, ...] = ()
    #: Words that put a mention in this category from inside it: "losing control of
    #: *your* bladder" speaks of anyone (a leaflet, a forum), not of the writer.
    inside: tuple[Phrase, ...] = ()
    #: Scope ends (terminators) this category reads through: another person's story goes
    #: on past "and" ("my uncle had back pain and lost weight and it was cancer") until
    #: the writer speaks of themselves (``until``).
    through: tuple[Phrase, ...] = ()
    #: Words that end this category's scope early (e.g. "I" ends another person's scope).
    until: tuple[Phrase, ...] = ()
    #: Concept groups the category applies to; empty: all.
    applies_to: tuple[str, ...] = ()
    #: Keys whose question asks about the person being helped too ("are you, or is the
    #: person you are helping, confused?"): the category does not apply to them unless
    #: the writer tells of their own back (``own_back``) before them or in their
    #: sentence: "Gran doesn't know what day it is" is the patient's; "my gran gets
    #: confused and I did my back in" is not.
    helped: tuple[str, ...] = ()
    #: Cues of negspacy's base termset to leave out (negation only).
    exclude_base: tuple[Phrase, ...] = ()


class ContextRules(BaseModel):
    """All context categories and the words that end any cue's scope."""

    model_config = _STRICT

    negated: CueSet
    uncertain: CueSet
    hypothetical: CueSet
    other_person: CueSet
    past: CueSet
    terminators: tuple[Phrase, ...]

    def category(self, name: str) -> CueSet:
        cues: CueSet = getattr(self, name)
        return cues


class Vocabulary(BaseModel):
    """A language's vocabulary: concepts, phrases to ignore, context rules."""

    model_config = _STRICT

    language: Literal["en"]
    #: Named word lists a concept's phrases, near words and sites may use as ``@name``:
    #: one reviewed list of, say, the words for lost feeling, shared by every sign told
    #: through it, so widening it widens them all.
    classes: dict[Annotated[str, Field(pattern=r"^[a-z_]+$")], tuple[Phrase, ...]] = {}
    concepts: tuple[Concept, ...]
    #: Words that may stand between the words of a phrase ("my", "a", "really"): never a
    #: context cue, so skipping one cannot change whether a mention is denied.
    fillers: tuple[Phrase, ...] = ()
    ignore: tuple[Phrase, ...] = ()
    context: ContextRules

    @model_validator(mode="before")
    @classmethod
    def _expand_classes(cls, data: Any) -> Any:
        """Replace each ``@name`` in the concepts' lists with the words of that class."""
        if not isinstance(data, dict) or not isinstance(data.get("classes"), dict):
            return data
        classes: dict[str, Any] = data["classes"]

        def expand(items: Any, where: str) -> Any:
            if not isinstance(items, list):
                return items
            out: list[Any] = []
            for item in items:
                if isinstance(item, str) and item.startswith("@"):
                    words = classes.get(item[1:])
                    if not isinstance(words, list):
                        raise ValueError(
                            gettext("{where}: no word class {name!r}").format(
                                where=where, name=item[1:]
                            )
                        )
                    out.extend(words)
                else:
                    out.append(item)
            return list(dict.fromkeys(out)) if all(isinstance(i, str) for i in out) else out

        concepts = data.get("concepts")
        if not isinstance(concepts, list):
            return data
        expanded = []
        for concept in concepts:
            if not isinstance(concept, dict):
                expanded.append(concept)
                continue
            key = str(concept.get("key", "?"))
            concept = dict(concept)
            for field in ("phrases", "exact", "unless"):
                concept[field] = expand(concept.get(field), f"{key}.{field}")
                if concept[field] is None:
                    del concept[field]
            if isinstance(concept.get("near"), list):
                concept["near"] = [
                    {
                        **near,
                        "words": expand(near.get("words"), f"{key}.near.words"),
                        "sites": expand(near.get("sites"), f"{key}.near.sites"),
                        **(
                            {"unless": expand(near["unless"], f"{key}.near.unless")}
                            if "unless" in near
                            else {}
                        ),
                    }
                    if isinstance(near, dict)
                    else near
                    for near in concept["near"]
                ]
            expanded.append(concept)
        return {**data, "concepts": expanded}

    @field_validator("fillers")
    @classmethod
    def _single_words(cls, fillers: tuple[str, ...]) -> tuple[str, ...]:
        for word in fillers:
            if not word.isalpha() or word != word.lower():
                raise ValueError(f"{word!r}: a filler is one lower-case word")
        return fillers

    @model_validator(mode="after")
    def _fillers_are_no_cues(self) -> Vocabulary:
        # A skipped filler must not be a word that ends a scope or changes a status. The
        # writer's own "my" (which ends another person's scope) may be one: inside a
        # mention it speaks of the writer anyway. ``inside`` cues are read within the
        # mention's own words, so a filler may be one ("your").
        rules = self.context
        cues = set(rules.terminators)
        for name in CONTEXT_STATUSES:
            category = rules.category(name)
            cues.update(
                *(getattr(category, kind) for kind in ("before", "after", "pseudo", "pseudo_after"))
            )
        clash = sorted(cues.intersection(self.fillers))
        if clash:
            raise ValueError(f"fillers: also context cues or terminators: {', '.join(clash)}")
        # Fillers are taken out of the text before phrases are matched.
        fillers = set(self.fillers)
        for concept in self.concepts:
            for phrase in (*concept.phrases, *concept.exact):
                if set(phrase.split()) <= fillers:
                    raise ValueError(f"{concept.key}: {phrase!r} is made of filler words only")
        return self

    @model_validator(mode="after")
    def _helped_keys_are_concepts(self) -> Vocabulary:
        keys = {concept.key for concept in self.concepts}
        for name in CONTEXT_STATUSES:
            for key in self.context.category(name).helped:
                if key not in keys:
                    raise ValueError(
                        gettext("context.{name}.helped names no concept: {key}").format(
                            name=name, key=key
                        )
                    )
        return self

    @field_validator("concepts")
    @classmethod
    def _known_keys(cls, concepts: tuple[Concept, ...]) -> tuple[Concept, ...]:
        allowed = _allowed_keys()
        seen: set[str] = set()
        for concept in concepts:
            if concept.group == "medicines":
                continue  # checked against the knowledge base in check_vocabulary
            if concept.key not in allowed:
                raise ValueError(
                    gettext("{concept_key}: not an answer of contract v1").format(
                        concept_key=concept.key
                    )
                )
            if concept.key in seen:
                raise ValueError(
                    gettext("{concept_key}: listed twice").format(concept_key=concept.key)
                )
            seen.add(concept.key)
        for concept in concepts:
            for other in concept.yields_to:
                if other not in seen:
                    raise ValueError(
                        gettext("{concept_key}: yields_to names no concept: {other}").format(
                            concept_key=concept.key, other=other
                        )
                    )
        return concepts


def _allowed_keys() -> set[str]:
    keys = {f"red_flags.{name}" for name in RedFlags.model_fields}
    keys |= {f"history.{name}" for name in History.model_fields}
    keys |= {f"conditions.{c.value}" for c in Condition}
    keys |= {f"trigger.{t.value}" for t in Trigger}
    return keys


def _default_path(language: str) -> Path:
    return Path(str(resources.files("backcare.knowledge") / "data" / "vocabulary")) / (
        f"{language}.yaml"
    )


def load_vocabulary(path: Path | None = None, *, language: str = "en") -> Vocabulary:
    """Read and validate a vocabulary file (default: the shipped one for ``language``).

    Raises:
        KnowledgeBaseError: the file is missing, not YAML, or fails validation; the
            message names the file and the entry.
    """
    if path is None:
        return _load_default(language)
    return _load(path)


@lru_cache(maxsize=4)
def _load_default(language: str) -> Vocabulary:
    return _load(_default_path(language))


def _load(path: Path) -> Vocabulary:
    import yaml

    loader: Any = strict_loader()
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise KnowledgeBaseError(
            gettext("{path_name}: cannot read the file ({exc_strerror})").format(
                path_name=path.name, exc_strerror=exc.strerror
            )
        ) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(
            gettext("{path_name}: not valid YAML: {exc}").format(path_name=path.name, exc=exc)
        ) from exc
    try:
        return Vocabulary.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(
            exc.errors(), field=lambda loc: f"{path.name}: " + ".".join(map(str, loc))
        )
        raise KnowledgeBaseError(gettext("the vocabulary is invalid"), problems=problems) from exc


def check_vocabulary(vocabulary: Vocabulary, *, sources: set[str], medicines: set[str]) -> None:
    """Check the vocabulary's references into the knowledge base.

    Raises:
        KnowledgeBaseError: a concept cites an unknown source or names an unknown medicine.
    """
    problems: list[FieldProblem] = []
    for concept in vocabulary.concepts:
        if concept.group == "medicines" and concept.name not in medicines:
            problems.append(FieldProblem(concept.key, gettext("not a medicine of medicines.yaml")))
        problems.extend(
            FieldProblem(concept.key, gettext("unknown source {source!r}").format(source=source))
            for source in concept.sources
            if source not in sources
        )
    if problems:
        raise KnowledgeBaseError(gettext("the vocabulary is inconsistent"), problems=problems)
