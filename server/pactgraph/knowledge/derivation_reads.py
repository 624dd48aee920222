"""What deriving each commitment's obligations read, so that an edit derives again only the
commitments it can change.

Deriving every obligation took about 30 s of the 122 s an edit of one data file cost at 80x the
bundled data, and the edit changed one commitment's triples. What a commitment's obligations are
depends only on the triples its derivation reads (knowledge/obligations.py), and each read is a
pattern with its predicate and a subject or an object bound: its memberships
(``?m pg:membershipOf C``), their members and days, its clauses and their strength, the readings
and periods it names, the parties' continuators. A triple an edit adds or removes can match
such a pattern only if it has the pattern's predicate and its bound subject (or object). So
``Recording`` notes, for every pattern a commitment's derivation asks, its bound subject (or,
with none, its bound object) with its predicate (``reads``), and an edit changes the
commitment's obligations only if one of the triples it changed matches one (``affected``). A
pattern with neither end bound is noted as ``ANYTHING``: any edit affects that commitment.

What the obligations' triples name is noted when the triples are written
(knowledge/derivation.py): the rdf:type of every node they name (the obligations' shape reads
those, and each obligation's digest hashes them) and the rdfs:label of the state and the clause
(or treaty) an obligation's label is made of. Obligations whose IRIs share a base
(``{clause}/obligation/...``) are numbered together, so the commitments that share a clause
(today, or when last derived) are derived together too; and a triple about an obligation itself
derives its commitment again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph, Literal, URIRef

from pactgraph.namespaces import ELI, PG

ANYTHING = "*"  # noted for a pattern with no bound node: any edit can change its answer


class Recording:
    """The reads of knowledge/obligations.py on ``graph``, each pattern noted in ``into`` (a set
    the caller swaps for each commitment) by ``key``."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.into: set = set()

    def _note(self, subject: Any, predicate: Any, obj: Any) -> None:
        if subject is not None and not isinstance(subject, Literal):
            self.into.add(key("s", subject, predicate))
        elif obj is not None and not isinstance(obj, Literal):
            self.into.add(key("o", obj, predicate))
        else:
            self.into.add(ANYTHING)

    def value(self, subject: Any = None, predicate: Any = None, obj: Any = None) -> Any:
        self._note(subject, predicate, obj)
        return self.graph.value(subject, predicate, obj)

    def objects(self, subject: Any = None, predicate: Any = None) -> Iterator:
        self._note(subject, predicate, None)
        return self.graph.objects(subject, predicate)

    def subjects(self, predicate: Any = None, obj: Any = None) -> Iterator:
        self._note(None, predicate, obj)
        return self.graph.subjects(predicate, obj)

    def __contains__(self, triple: tuple) -> bool:
        self._note(*triple)
        return triple in self.graph


def key(end: str, node: Any, predicate: Any = None) -> str:
    """A read pattern as noted: its bound ``end`` ("s" subject or "o" object), that node and
    the predicate (``*``: any)."""
    return f"{end} {node} {'*' if predicate is None else predicate}"


def _keys(triple: tuple) -> Iterator[str]:
    """The keys of every pattern ``triple`` matches."""
    subject, predicate, obj = triple
    yield from (key("s", subject, predicate), key("s", subject))
    if not isinstance(obj, Literal):
        yield from (key("o", obj, predicate), key("o", obj))


def affected(reads: dict[str, list[str]], made: dict[str, list[str]], edit: tuple[Graph, Graph],
             data: Graph) -> set[URIRef]:
    """The commitments whose obligations an edit may change (``edit``: the edited files'
    triples before and after; ``reads`` and ``made``: what each commitment's derivation read
    and the obligations it made, last time): those with a read that a changed triple matches
    (or ``ANYTHING``); a commitment in ``data`` today that a changed triple is about (a new
    one); the commitment of an obligation a changed triple is about (its triples are all
    written again); and every commitment whose obligations are numbered with theirs."""
    changed = set(edit[0]) ^ set(edit[1])
    keys = {found for triple in changed for found in _keys(triple)}
    found = {URIRef(commitment) for commitment, read in reads.items()
             if ANYTHING in read or not keys.isdisjoint(read)}
    found |= {s for s, _, _ in changed if isinstance(s, URIRef) and (s, PG.party, None) in data}
    owner = {obligation: c for c, obligations in made.items() for obligation in obligations}
    found |= {URIRef(owner[str(s)]) for s, _, _ in changed if str(s) in owner}
    return numbered_together(found, made, data)


def numbered_together(commitments: Iterable[URIRef], made: dict[str, list[str]], data: Graph
                      ) -> set[URIRef]:
    """``commitments`` and every commitment whose obligation IRIs share a base with theirs
    (``{clause}/obligation/...``, numbered together): one with a clause in common in ``data``,
    or whose obligations ``made`` (last time) shared a base with theirs."""
    by_base: dict[str, set[str]] = {}
    for commitment, obligations in made.items():
        for obligation in obligations:
            by_base.setdefault(_base(obligation), set()).add(commitment)
    found = set(commitments)
    todo = list(found)
    while todo:
        commitment = todo.pop()
        others = {other for clause in data.objects(commitment, ELI.has_part)
                  for other in data.subjects(ELI.has_part, clause) if isinstance(other, URIRef)}
        others |= {URIRef(other) for obligation in made.get(str(commitment), ())
                   for other in by_base[_base(obligation)]}
        for other in others - found:
            found.add(other)
            todo.append(other)
    return found


def _base(obligation: str) -> str:
    """What an obligation's IRI is numbered under: its clause (or commitment)."""
    return obligation.rsplit("/obligation/", 1)[0]
