"""The spaCy pipeline behind :func:`backcare.text.extract` (needs the ``text`` extra).

A blank English pipeline (tokenizer and rule-based sentencizer, no statistical model)
with three :class:`~spacy.matcher.PhraseMatcher` tables built from the vocabulary: the
concepts, the phrases to ignore, and the context cues. The context step is the ConText
algorithm (Harkema et al., 2009): a cue before a mention reaches forward, a cue after it
reaches back, each within its category's window and never past a terminator ("but", a
comma) or the sentence end; a pseudo-cue ("no idea", "can't", "wasn't there before")
cancels a cue it overlaps, and a pseudo-cue after a mention ("never had X *before*",
"not X *until now*") cancels a cue before it that reaches the mention.
The negation cues start from negspacy's reviewed ``en_clinical`` termset, with the
patient-language cues of the vocabulary added. Only ``present`` mentions reach the
answers; see :mod:`backcare.text` for the safety rules.

Concept phrases match by word form, not spelling: each token's lemma comes from spaCy's
English lookup table (the ``spacy-lookups-data`` package, read once at build time, no
model), so "coughing fits" also matches "a coughing fit" and "both feet" "both my feet"
(a multi-word phrase may have up to two of the vocabulary's filler words between its
words). A phrase listed under ``exact`` matches only its words as written (fillers
between them still allowed). Context cues always
match as written: a cue that matched more widely could only hide more mentions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backcare.text._numbers import read_temperatures
from backcare.text._vocabulary import CONTEXT_STATUSES, Vocabulary

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

__all__ = ["Mention", "Pipeline"]

# When several categories reach a mention, the one that most clearly makes it "not the
# writer, now" wins: another person, then a question, doubt, a denial, the past.
_PRIORITY = ("other_person", "hypothetical", "uncertain", "negated", "past")
_GROUPS_KEPT_INSIDE = {"red_flags", "history"}
#: How many filler words may stand between two words of a phrase.
_FEVER = "red_flags.fever"


@dataclass(frozen=True, slots=True)
class Mention:
    """One concept found in the text and its context status."""

    key: str
    status: str  # "present" or one of CONTEXT_STATUSES
    text: str
    start: int  # character offsets into the text
    end: int


@dataclass(frozen=True, slots=True)
class _Shape:
    """Where a phrase's own filler words go: ``gaps[0]`` before its first word,
    ``gaps[k]`` between words k-1 and k, ``gaps[-1]`` after its last word; ``labels``:
    every list the phrase is in (a concept, a near rule's words or sites, ...)."""

    labels: tuple[str, ...]
    gaps: tuple[tuple[str, ...], ...]

    def place(self, doc: Doc, words: list[int], fillers: frozenset[str]) -> tuple[int, int] | None:
        """The token span of a match whose words are at ``words`` in ``doc``, or ``None``
        when the phrase's fillers are missing or more than two others stand in a gap."""
        for k in range(1, len(words)):
            run = [doc[i].lower_ for i in range(words[k - 1] + 1, words[k])]
            if not _fits(self.gaps[k], run):
                return None
        start, end = words[0], words[-1] + 1
        lead, trail = self.gaps[0], self.gaps[-1]
        if lead:
            before = start
            while before > 0 and doc[before - 1].lower_ in fillers:
                before -= 1
            found = _fit_from(lead[::-1], [doc[i].lower_ for i in range(start - 1, before - 1, -1)])
            if found is None:
                return None
            start -= found
        if trail:
            after = end
            while after < len(doc) and doc[after].lower_ in fillers:
                after += 1
            found = _fit_from(trail, [doc[i].lower_ for i in range(end, after)])
            if found is None:
                return None
            end += found
        return start, end


@dataclass(frozen=True, slots=True)
class _Span:
    label: str
    start: int
    end: int
    #: A near match's word and site (token ranges); empty for a phrase match.
    parts: tuple[tuple[int, int], ...] = ()
    #: The words, lower-cased, of a scope end (which categories it ends depends on them).
    words: str = ""


class Pipeline:
    """A loaded pipeline: call :meth:`mentions` for each text."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        import spacy
        from negspacy.termsets import termset
        from spacy.lookups import load_lookups
        from spacy.matcher import PhraseMatcher

        self.nlp: Language = spacy.blank(vocabulary.language)
        self.nlp.add_pipe("sentencizer")
        self._yields = {c.key: c.yields_to for c in vocabulary.concepts if c.yields_to}
        self._order = {c.key: i for i, c in enumerate(vocabulary.concepts)}
        self._near = {c.key: c.near for c in vocabulary.concepts if c.near}
        table = load_lookups(vocabulary.language, ["lemma_lookup"]).get_table("lemma_lookup")
        self._table: dict[str, str] = table  # the full table, while building only
        self._listed: set[str] = set()
        #: Each listed word as written in a phrase, and its lemma.
        self._forms: dict[str, str] = {}

        def matcher(attr: str = "LOWER") -> PhraseMatcher:
            return PhraseMatcher(self.nlp.vocab, attr=attr)

        # Phrases are matched on the text with its filler words taken out (a PhraseMatcher
        # stays fast with thousands of phrases; a token Matcher with optional tokens did
        # not); each phrase's own fillers ("both", "my") are then checked in the gaps.
        self._fillers = frozenset(vocabulary.fillers)
        self._concepts = matcher("LEMMA")
        self._exact = matcher()
        self._shapes: dict[str, _Shape] = {}
        # A phrase in several lists (a word class used by many rules) is matched once and
        # serves them all: half the matches, and the time to place them.
        keys: dict[tuple[str, bool], str] = {}

        def add(label: str, phrases: Iterable[str], *, exact: bool = False) -> None:
            from spacy.tokens import Doc

            unseen = []
            for phrase in dict.fromkeys(phrases):
                key = keys.get((phrase, exact))
                if key is None:
                    unseen.append(phrase)
                elif label not in self._shapes[key].labels:
                    shape = self._shapes[key]
                    self._shapes[key] = _Shape((*shape.labels, label), shape.gaps)
            for phrase, doc in zip(unseen, self._docs(unseen, lemmas=not exact), strict=True):
                words = [t for t in doc if t.lower_ not in self._fillers] or list(doc)
                # The phrase's own fillers in the gaps before, between and after its words.
                gaps: list[list[str]] = [[] for _ in range(len(words) + 1)]
                if len(words) < len(doc):
                    w = 0
                    for token in doc:
                        if token.lower_ in self._fillers:
                            gaps[w].append(token.lower_)
                        else:
                            w += 1
                key = keys[(phrase, exact)] = f"phrase@{len(self._shapes)}"
                self._shapes[key] = _Shape((label,), tuple(tuple(g) for g in gaps))
                compact = Doc(self.nlp.vocab, words=[t.text for t in words])
                if not exact:
                    for new, old in zip(compact, words, strict=True):
                        new.lemma_ = old.lemma_
                (self._exact if exact else self._concepts).add(key, [compact])

        for concept in vocabulary.concepts:
            add(concept.key, concept.phrases)
            if concept.exact:
                add(concept.key, concept.exact, exact=True)
            if concept.unless:
                add(f"{concept.key}#x", concept.unless)
            for i, near in enumerate(concept.near):
                add(f"{concept.key}#w{i}", near.words, exact=near.exact)
                add(f"{concept.key}#s{i}", near.sites, exact=near.exact)
                if near.unless:
                    add(f"{concept.key}#u{i}", near.unless)
        self._ignore = matcher("LEMMA")
        if vocabulary.ignore:
            self._ignore.add("ignore", self._docs(vocabulary.ignore, lemmas=True))

        # negspacy ships without type hints; its termset is plain lists of phrases.
        base: dict[str, list[str]] = termset("en_clinical").get_patterns()  # type: ignore[no-untyped-call]
        rules = vocabulary.context
        self._cues = matcher()
        self._windows: dict[str, int] = {}
        self._proxy_keeps: dict[str, frozenset[str]] = {}
        self._through: dict[str, frozenset[str]] = {}
        self._applies: dict[str, frozenset[str]] = {}
        #: Per category, the keys its ``helped`` list names (only categories with some).
        self._helped: dict[str, frozenset[str]] = {}
        self._undo_applies: dict[str, frozenset[str]] = {}
        for name in CONTEXT_STATUSES:
            cues = rules.category(name)
            before, after, pseudo = list(cues.before), list(cues.after), list(cues.pseudo)
            if name == "negated":
                dropped = set(cues.exclude_base)
                before += [c for c in base["preceding_negations"] if c not in dropped]
                after += [c for c in base["following_negations"] if c not in dropped]
                pseudo += [c for c in base["pseudo_negations"] if c not in dropped]
            for kind, phrases in (
                ("before", before),
                ("after", after),
                ("pseudo", pseudo),
                ("pseudo_after", cues.pseudo_after),
                ("inside", cues.inside),
                ("proxy", cues.proxy),
                ("proxy_hints", cues.proxy_hints),
                ("own_back", cues.own_back),
                ("asking", cues.asking),
                ("until", cues.until),
            ):
                if phrases:
                    self._cues.add(f"{name}:{kind}", self._docs(phrases))
            self._windows[name] = cues.window
            if cues.through:
                self._through[name] = frozenset(t.lower() for t in cues.through)
            if cues.proxy_keeps:
                self._proxy_keeps[name] = frozenset(k.lower() for k in cues.proxy_keeps)
            self._applies[name] = frozenset(cues.applies_to)
            if cues.helped:
                self._helped[name] = frozenset(cues.helped)
            self._undo_applies[name] = frozenset(cues.pseudo_after_applies_to)
        self._cues.add("terminator", self._docs([*rules.terminators, *base["termination"]]))

        # Only words whose lemma is a listed word's lemma matter: any other word may keep
        # its own form, so the pipeline keeps (and pickles) that part of the table only.
        # Keys are the hashes spaCy gives each lower-cased token (``Token.lower``).
        listed = set(self._listed)
        self._lemmas: dict[int, str] = {k: v for k, v in table.items() if v in listed}
        # Typed-fast spellings of listed words: a letter typed three times or more
        # ("dizzzy", "numbbb") or a dropped final "g" ("givin", "sweatin"). Not a letter
        # typed twice: English is full of real words one letter away that way ("popped",
        # "wedding"). A squeezed form shared by two listed words ("feel", "fell") stands
        # for neither, unless it is listed itself as a spelling of them ("dizy", "dizzy").
        squeezed: dict[str, str | None] = {}
        for form, lemma in self._forms.items():
            if len(form) >= 4 and form.isalpha():
                key = _squeeze(form)
                squeezed[key] = lemma if squeezed.get(key, lemma) == lemma else None
        self._respelled = {
            k: v if v is not None else self._forms[k]
            for k, v in squeezed.items()
            if v is not None or k in self._forms
        }
        self._spellings = dict(self._forms)
        self._g_dropped = {
            form[:-1]: lemma
            for form, lemma in self._forms.items()
            if form.endswith("ing") and len(form) >= 6 and form.isalpha()
        }
        del self._table, self._listed, self._forms

    def first_trigger(self, triggers: Iterable[str]) -> str:
        """The trigger listed first in the vocabulary (the most serious: accident, fall...)."""
        return min(triggers, key=lambda t: self._order[f"trigger.{t}"])

    def _docs(self, phrases: Iterable[str], *, lemmas: bool = False) -> list[Doc]:
        docs = [self.nlp.make_doc(p) for p in dict.fromkeys(phrases)]
        if lemmas:
            for doc in docs:
                for token in doc:
                    lemma = self._table.get(token.lower_, token.lower_)
                    self._listed.add(lemma)
                    self._forms[token.lower_] = lemma
                    token.lemma_ = lemma
        return docs

    def _lemmatize(self, doc: Doc) -> None:
        """Set each token's lemma: its listed word form, else the word itself; a listed
        word typed fast ("dizzzy", "givin") is read as that word."""
        lemmas = self._lemmas
        for token in doc:
            lemma = lemmas.get(token.lower)
            if lemma is None:
                lower = token.lower_
                lemma = lower
                if len(lower) >= 5 and lower.isalpha():
                    if _THRICE.search(lower):
                        twice = _THRICE.sub(r"\1\1", lower)  # "dizzzy": "dizzy"
                        lemma = self._spellings.get(twice) or self._respelled.get(
                            _squeeze(lower), lower
                        )
                    elif lower.endswith("in"):
                        lemma = self._g_dropped.get(lower, lower)
            token.lemma_ = lemma

    # --- one text -----------------------------------------------------------------------

    def mentions(self, text: str) -> list[Mention]:
        """Every concept mentioned in ``text``, in order, each with its context status."""
        return self.read(text)[0]

    def read(self, text: str) -> tuple[list[Mention], bool]:
        """The mentions in ``text``, and whether the writer writes about someone else's
        back (then that person is the patient: their age is the one to read)."""
        doc = self.nlp(text)
        self._lemmatize(doc)
        sentence = [0] * len(doc)
        for i, sent in enumerate(doc.sents):
            for t in range(sent.start, sent.end):
                sentence[t] = i
        strings = self.nlp.vocab.strings
        matches = [
            _Span(
                strings[m], s, e, words=doc[s:e].text.lower() if strings[m] == "terminator" else ""
            )
            for m, s, e in self._cues(doc)
        ]
        proxied = {m.label.partition(":")[0] for m in matches if m.label.endswith(":proxy")}
        own = {m.label.partition(":")[0] for m in matches if m.label.endswith(":own_back")}
        proxied |= {
            m.label.partition(":")[0] for m in matches if m.label.endswith(":proxy_hints")
        } - own
        if _never_of_themselves(doc, matches, "other_person"):
            proxied.add("other_person")
        # Where the writer tells of their own back ("my back", "I hurt my back").
        own_back = {
            name: [m.start for m in matches if m.label == f"{name}:own_back"]
            for name in self._helped
        }
        matches = self._without_proxied(doc, matches, proxied)
        ends = {m.start for m in matches if m.label == "terminator"}
        found = self._find_concepts(doc, sentence, ends)
        cues, terminators = self._find_cues(matches, found)
        mentions = []
        seen: set[tuple[str, int, int]] = set()
        for span in found:
            # Two rules finding the same words ("legs feel numb" as a phrase and as a near
            # match) are one mention.
            if (span.label, span.start, span.end) in seen:
                continue
            seen.add((span.label, span.start, span.end))
            # A helped key ("are you, or the person you help, confused?") is the patient's
            # unless the writer tells of their own back before it or in its sentence ("my
            # gran gets confused and I did my back in"); what follows cannot change it.
            helped = {
                name
                for name, starts in own_back.items()
                if span.label in self._helped[name]
                and not any(t < span.start or sentence[t] == sentence[span.start] for t in starts)
            }
            status, cue = self._status(span, cues, terminators, sentence, helped)
            start = min(span.start, cue.start) if cue and status == "negated" else span.start
            end = max(span.end, cue.end) if cue and status == "negated" else span.end
            words = doc[start:end]
            mentions.append(
                Mention(
                    key=span.label,
                    status=status,
                    text=words.text,
                    start=words.start_char,
                    end=words.end_char,
                )
            )
        return mentions, "other_person" in proxied

    def _without_proxied(self, doc: Doc, matches: list[_Span], proxied: set[str]) -> list[_Span]:
        """Drop the cues of a category whose proxy words are in the text ("writing for my
        mum": mum is the patient), keeping its ``proxy_keeps`` cues."""
        kept = []
        for m in matches:
            category, _, kind = m.label.partition(":")
            if kind in ("proxy", "proxy_hints", "own_back", "asking"):
                continue
            keeps = self._proxy_keeps.get(category, frozenset())
            if (
                category in proxied
                and kind in ("before", "after", "inside")
                and doc[m.start : m.end].text.lower() not in keeps
            ):
                continue
            kept.append(m)
        return kept

    def _phrase_matches(self, doc: Doc) -> Iterator[tuple[str, int, int]]:
        """Phrase matches (label, start, end) on ``doc``, filler words allowed between."""
        from spacy.tokens import Doc

        positions = [t.i for t in doc if t.lower_ not in self._fillers]
        compact = Doc(self.nlp.vocab, words=[doc[i].text for i in positions])
        for new, i in zip(compact, positions, strict=True):
            new.lemma_ = doc[i].lemma_
        strings = self.nlp.vocab.strings
        for matcher in (self._concepts, self._exact):
            for key, start, end in matcher(compact):
                shape = self._shapes[strings[key]]
                span = shape.place(doc, positions[start:end], self._fillers)
                if span is not None:
                    for label in shape.labels:
                        yield label, *span

    def _find_concepts(self, doc: Doc, sentence: list[int], ends: set[int]) -> list[_Span]:
        """Concept mentions; ``ends`` are the token positions where a terminator starts."""
        direct: list[_Span] = []
        parts: dict[str, list[_Span]] = {}
        for label, start, end in self._phrase_matches(doc):
            if "#" in label:
                parts.setdefault(label, []).append(_Span(label, start, end))
            else:
                direct.append(_Span(label, start, end))
        for key, rules in self._near.items():
            for i, near in enumerate(rules):
                words, sites = parts.get(f"{key}#w{i}"), parts.get(f"{key}#s{i}")
                if not words or not sites:
                    continue
                unless = parts.get(f"{key}#u{i}", ())
                # Only sites that can be within reach of a word are tried (a long text full
                # of symptom words stays linear, not words x sites).
                sites = sorted(sites, key=lambda site: site.start)
                starts = [site.start for site in sites]
                longest = max(site.end - site.start for site in sites)
                for w in words:
                    lo = bisect_left(starts, w.start - near.within - longest)
                    hi = bisect_right(starts, w.end + near.within)
                    for s in sites[lo:hi]:
                        if sentence[w.start] != sentence[s.start]:
                            continue
                        if any(
                            u.start <= p.start and p.end <= u.end for u in unless for p in (w, s)
                        ):
                            continue  # the word or site belongs to a phrase saying otherwise
                        gap = max(s.start - w.end, w.start - s.end)
                        # A word and a site across a scope end ("numbness, also my bum")
                        # are not about each other, unless the rule reads across pauses
                        # (punctuation only) or across clauses (any scope end).
                        between = range(min(w.end, s.end), max(w.start, s.start))
                        blocked: set[int] = set()
                        if near.across != "clauses":
                            blocked = ends.intersection(between)
                        if near.across == "pauses":
                            blocked = {t for t in blocked if not doc[t].is_punct}
                        if gap <= near.within and not blocked:
                            pieces = ((w.start, w.end), (s.start, s.end))
                            direct.append(
                                _Span(key, min(w.start, s.start), max(w.end, s.end), pieces)
                            )
        direct = _temperatures(doc, direct)
        # A mention inside an ignored phrase, or inside one its own concept lists under
        # ``unless``, is none.
        ignored = [(s, e) for _, s, e in self._ignore(doc)]
        kept = [
            c
            for c in direct
            if not any(
                s <= c.start and c.end <= e
                for s, e in (*ignored, *((u.start, u.end) for u in parts.get(f"{c.label}#x", ())))
            )
        ]
        pruned = list(_prune(list(dict.fromkeys(kept)), self._yields))
        labels_in: dict[int, set[str]] = {}
        for c in pruned:
            labels_in.setdefault(sentence[c.start], set()).add(c.label)
        pruned = [
            c
            for c in pruned
            if not labels_in[sentence[c.start]].intersection(self._yields.get(c.label, ()))
        ]
        return sorted(pruned, key=lambda c: (c.start, self._order.get(c.label, 0)))

    def _find_cues(
        self, matches: list[_Span], concepts: list[_Span]
    ) -> tuple[list[_Span], list[_Span]]:
        pseudo = [m for m in matches if m.label.endswith(":pseudo")]
        cues: list[_Span] = []
        terminators: list[_Span] = []
        for m in matches:
            if m.label.endswith(":pseudo"):
                continue
            category = m.label.partition(":")[0]
            if any(
                p.label.startswith(category + ":") and p.start <= m.start < p.end for p in pseudo
            ):
                continue
            # Words inside a mention ("pins and needles", "can't pee") are part of it.
            if m.label == "terminator" or m.label.endswith(":until"):
                if any(c.start <= m.start and m.end <= c.end for c in concepts):
                    continue
                terminators.append(m)
            else:
                cues.append(m)
        return cues, terminators

    def _status(
        self,
        span: _Span,
        cues: list[_Span],
        terminators: list[_Span],
        sentence: list[int],
        helped: set[str],
    ) -> tuple[str, _Span | None]:
        """The status of ``span``; the categories in ``helped`` do not apply to it (it is
        told of the person the writer helps, who is the patient)."""
        group = span.label.partition(".")[0]
        reached: dict[str, _Span] = {}
        undone = {
            cue.label.partition(":")[0]
            for cue in cues
            if cue.label.endswith(":pseudo_after")
            and self._reaches(cue, span, group, terminators, sentence)
        }
        for cue in cues:
            category, _, kind = cue.label.partition(":")
            if kind == "pseudo_after":
                continue
            applies = self._applies[category]
            if applies and group not in applies:
                continue
            if category in helped:
                continue  # "Gran doesn't know what day it is": the person being helped
            if kind == "inside":
                if not (span.start <= cue.start and cue.end <= span.end):
                    continue
            elif cue.start < span.end and span.start < cue.end:
                # A cue inside a phrase is part of its wording ("can't feel my bum"); one
                # between a near match's word and site speaks of it ("my leg is not weak",
                # "my back has no lump").
                if not _between_parts(cue, span):
                    continue
            elif kind == "before":
                if cue.end > span.start or sentence[cue.start] != sentence[span.start]:
                    continue
                if span.start - cue.end > self._windows[category]:
                    continue
                if any(self._blocks(t, category, cue.end, span.start) for t in terminators):
                    continue
            else:
                if cue.start < span.end or sentence[cue.start] != sentence[span.end - 1]:
                    continue
                if cue.start - span.end > self._windows[category]:
                    continue
                if any(self._blocks(t, category, span.end, cue.start) for t in terminators):
                    continue
            if kind == "before" and category in undone:
                continue  # "never had X before": X is new, not denied
            if category == "past" and category in undone:
                continue  # "X went away yesterday but it's come back": X is here again
            reached.setdefault(category, cue)
        for category in _PRIORITY:
            if category in reached:
                return category, reached[category]
        return "present", None

    def _blocks(self, terminator: _Span, category: str, lo: int, hi: int) -> bool:
        """Whether ``terminator``, between ``lo`` and ``hi``, ends ``category``'s scope."""
        if not lo <= terminator.start < hi:
            return False
        if terminator.label == "terminator":
            return terminator.words not in self._through.get(category, ())
        return terminator.label == f"{category}:until"

    def _reaches(
        self,
        cue: _Span,
        span: _Span,
        group: str,
        terminators: list[_Span],
        sentence: list[int],
    ) -> bool:
        """Whether a pseudo-cue after ``span`` is close enough to undo a cue before it."""
        category = cue.label.partition(":")[0]
        applies = self._undo_applies[category]
        if applies and group not in applies:
            return False
        if cue.start < span.end or sentence[cue.start] != sentence[span.end - 1]:
            return False
        if cue.start - span.end > self._windows[category]:
            return False
        # A sign said to be back is told after a "but" ("went away but it's come back").
        return category == "past" or not any(
            self._blocks(t, category, span.end, cue.start) for t in terminators
        )


#: A letter typed three times or more in a row.
_THRICE = re.compile(r"([a-z])\1\1+")


def _squeeze(word: str) -> str:
    """``word`` with each run of one letter typed as one ("dizzzy", "dizzy": "dizy")."""
    return re.sub(r"([a-z])\1+", r"\1", word)


#: How many filler words not in a phrase may stand in one of its gaps.
_EXTRA_FILLERS = 2


def _fits(required: tuple[str, ...], run: list[str]) -> bool:
    """Whether a gap's filler words hold the phrase's own, in order, and few others."""
    return _fit_from(required, run) is not None and len(run) - len(required) <= _EXTRA_FILLERS


def _fit_from(required: tuple[str, ...], run: list[str]) -> int | None:
    """How many words of ``run``, from its start, hold ``required`` in order (with at most
    two others among them); ``None`` when they do not."""
    if not required:
        return 0
    j = extra = 0
    for n, word in enumerate(run, start=1):
        if word == required[j]:
            j += 1
            if j == len(required):
                return n
        else:
            extra += 1
            if extra > _EXTRA_FILLERS:
                return None
    return None


def _temperatures(doc: Doc, spans: list[_Span]) -> list[_Span]:
    """Add a fever mention for each reading of 38 C / 100.4 F or more; drop a fever phrase
    inside a normal reading ("temp was 37.2" is not a fever)."""
    high: list[_Span] = []
    normal: list[tuple[int, int]] = []
    for reading in read_temperatures(doc.text):
        words = doc.char_span(reading.start, reading.end, alignment_mode="expand")
        if words is None:
            continue
        if reading.fever:
            high.append(_Span(_FEVER, words.start, words.end))
        else:
            normal.append((words.start, words.end))
    kept = [
        c
        for c in spans
        if c.label != _FEVER or not any(s <= c.start and c.end <= e for s, e in normal)
    ]
    return kept + high


#: Words that say the text is about a back (whose, when no one else is named, the writer's).
_BACK = frozenset({"back", "backs", "spine", "backache", "lumbago"})


def _never_of_themselves(doc: Doc, matches: list[_Span], category: str) -> bool:
    """Whether the text tells of a back and of another person, and never of the writer: no
    "I", "me" or "my" but the "my" of "my dad". Then that person is the patient ("Dad is
    88, back pain since he slipped; today he doesn't know what day it is"); "my mum had
    cancer" alone tells of no back."""
    people = [m for m in matches if m.label == f"{category}:before"]
    if not people or not any(t.lower_ in _BACK for t in doc):
        return False
    starts = {m.start for m in people}
    asking = [m for m in matches if m.label == f"{category}:asking"]
    for m in matches:
        if m.label != f"{category}:until":
            continue
        if doc[m.start].lower_ == "my" and m.end in starts:
            continue  # "my dad": the writer names whom they write about
        if any(a.start <= m.start < a.end for a in asking):
            continue  # "what do I do?", "I'm a carer": asking for the other person
        return False
    return True


def _between_parts(cue: _Span, span: _Span) -> bool:
    """Whether ``cue`` (a cue or another match) lies in a near match's gap, touching
    neither its word nor its site."""
    return bool(span.parts) and all(cue.end <= lo or cue.start >= hi for lo, hi in span.parts)


def _prune(spans: list[_Span], yields: dict[str, tuple[str, ...]]) -> Iterator[_Span]:
    """Keep the longest of overlapping matches of one key, and drop a match lying inside a
    longer match of another key ("lift" in "can't lift my foot"), except that a red flag
    or history mention is never dropped for a non-red-flag one, nor for a key that yields
    to it ("pins and needles in both legs" stays both legs), nor for a near match it lies
    between the word and the site of."""
    # Only a span starting at or before ``c`` and no longer than the longest can cover it.
    ordered = sorted(spans, key=lambda span: span.start)
    starts = [span.start for span in ordered]
    longest = max((span.end - span.start for span in spans), default=0)
    for c in spans:
        inside = False
        lo = bisect_left(starts, c.end - longest)
        hi = bisect_right(starts, c.start)
        for o in ordered[lo:hi]:
            if o is c or ((o.start, o.end) == (c.start, c.end) and o.label == c.label):
                continue
            covers = o.start <= c.start and c.end <= o.end and (o.end - o.start) > (c.end - c.start)
            if not covers or c.label in yields.get(o.label, ()):
                continue
            # Another key told between a near match's word and its site is not part of it
            # ("sudden pain in my back, my chest is tight and I'm dizzy": the chest pain
            # stays beside the collapse).
            if o.label != c.label and _between_parts(c, o):
                continue
            c_group, o_group = c.label.partition(".")[0], o.label.partition(".")[0]
            if o.label == c.label or not (
                c_group in _GROUPS_KEPT_INSIDE and o_group not in _GROUPS_KEPT_INSIDE
            ):
                inside = True
                break
        if inside:
            continue
        yield c
