"""Finding a state or a commitment by any of its names, typos forgiven ("Philipines").

The entries come from the search index built with the prebuilt store (build/search_index.py).
Names and queries are compared folded (case, accents and punctuation dropped). A name scores
highest when it is the query, then when it starts with it, then when one of its words does, then
when it holds it; failing those, by how many of the query's letter trigrams it shares, refined by
the edit ratio of the query against the name's words. Trigrams find the candidates, so a query
costs a look-up per trigram, not a pass over every name with an edit distance.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MIN_SCORE = 0.45  # below this a fuzzy match is more noise than help
CANDIDATES = 60  # names ranked per query, at most: those sharing the most trigrams
KINDS = ("state", "commitment")


def fold(text: str) -> str:
    """``text`` lower-cased, without accents, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    label: str
    matched: str   # the name that matched, when it is not the label ("" otherwise)
    what: str      # what that name is: "also called", "ISO 3166-1 code"...
    score: float


def edit_ratio(query: str, spans: Iterable[str]) -> float:
    """The best ``SequenceMatcher`` ratio of ``query`` against ``spans``, skipping a span whose
    cheap upper bounds cannot beat the best so far."""
    best = 0.0
    for span in spans:
        matcher = difflib.SequenceMatcher(None, query, span)
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def score(query: str, name: str, name_grams: set[str] | None = None) -> float:
    """How well the folded ``name`` answers the folded ``query``, from 0 to 1."""
    shorter = 0.05 * len(query) / len(name)  # the shorter of two names that match both ways wins
    if name == query:
        return 1.0
    if name.startswith(query):
        return 0.85 + shorter
    words = name.split()
    if any(word.startswith(query) for word in words):
        return 0.75 + shorter
    if query in name:
        return 0.65 + shorter
    query_grams = trigrams(query)
    shared = len(query_grams & (name_grams or trigrams(name))) / max(1, len(query_grams))
    if shared < 0.3:
        return 0.6 * shared  # too few letters in common to be a typo: no edit ratio needed
    parts = query.split()
    spans = [" ".join(words[i:i + len(parts)]) for i in range(max(1, len(words) - len(parts) + 1))]
    edit = edit_ratio(query, spans)
    # A short name that matches beats a long one holding the same word: the state before the
    # treaty named after it.
    return 0.6 * max(edit, shared) + 0.05 * min(edit, shared) + 0.02 * len(query) / len(name)


class SearchIndex:
    """The names of every entry, folded, with a trigram index over them."""

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self.entries = list(entries)
        self.names: list[tuple[int, str, str, str]] = []  # (entry, folded, as written, what)
        self.grams: list[set[str]] = []
        self.by_trigram: dict[str, set[int]] = defaultdict(set)
        for number, entry in enumerate(self.entries):
            names = [[entry["label"], "", "name"], *entry["names"]]
            for text, _lang, what in names:
                folded = fold(text)
                if folded:
                    grams = trigrams(folded)
                    for gram in grams:
                        self.by_trigram[gram].add(len(self.names))
                    self.grams.append(grams)
                    self.names.append((number, folded, text, what))

    def _candidates(self, query: str) -> set[int]:
        if len(query) < 3:
            return {i for i, (_, folded, _, _) in enumerate(self.names)
                    if any(word.startswith(query) for word in folded.split())}
        grams = trigrams(query)
        counts: dict[int, int] = defaultdict(int)
        for gram in grams:
            for name in self.by_trigram.get(gram, ()):
                counts[name] += 1
        needed = max(1, int(len(grams) * 0.3))
        found = [name for name, count in counts.items() if count >= needed]
        if len(found) > CANDIDATES:  # keep those sharing the most trigrams: ranking costs more
            found = sorted(found, key=lambda name: -counts[name])[:CANDIDATES]
        return set(found)

    def find(self, text: str, limit: int = 10, kind: str | None = None) -> list[Hit]:
        """The best entries for ``text``, best first, at most one hit per entry."""
        query = fold(text)
        if not query:
            return []
        best: dict[int, Hit] = {}
        for name in self._candidates(query):
            number, folded, written, what = self.names[name]
            entry = self.entries[number]
            if kind and entry["kind"] != kind:
                continue
            value = score(query, folded, self.grams[name])
            if value < MIN_SCORE:
                continue
            if number not in best or value > best[number].score:
                shown = "" if written == entry["label"] else written
                best[number] = Hit(entry["iri"], entry["kind"], entry["label"], shown,
                                   what if shown else "", round(value, 3))
        ranked = sorted(best.values(), key=lambda h: (-h.score, KINDS.index(h.kind), h.label))
        return ranked[:limit]
