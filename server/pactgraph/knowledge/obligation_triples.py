"""Derived obligations as RDF: the named graph ``{base}graph/obligations``.

Shape: one ``pg:DefenseObligation`` per clause, protected party and period, with every guarantor
bound over exactly that period listed (``pg:guarantor``, one or more). The counts that decided it
(README, "Who must defend whom"): at 1x the data, 1,154 ordered (guarantor, protected) pairs in 299
groups; one resource per pair would publish about 7.5 times the triples of the data, and at 400x
more triples than the query workers' memory limit holds, while the grouped shape publishes about
twice the data. The pairs are not lost: the API, the CSV and the query in queries/ list one row per
guarantor, and each group names the memberships it rests on (``prov:wasDerivedFrom``).

IRIs: ``{clause}/obligation/{PROTECTED}-{possible start}`` (with ``-{n}`` where one protected party
has two groups from one day), dereferenceable like every other IRI under ``id/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from pactgraph.knowledge.obligations import Derived
from pactgraph.namespaces import PG


@dataclass(frozen=True)
class Group:
    clause: URIRef | None
    commitment: URIRef
    protected: URIRef
    guarantors: tuple[URIRef, ...]
    obligations: tuple[Derived, ...]

    @property
    def first(self) -> Derived:
        return self.obligations[0]


def grouped(derived: Iterable[Derived]) -> list[Group]:
    """Obligations of one clause of one commitment towards one protected party over one identical
    span, together. (Two commitments' obligations are never one group, so each commitment's can
    be derived again alone: knowledge/derivation_reads.py.)"""
    groups: dict[tuple, list[Derived]] = {}
    for obligation in derived:
        key = (obligation.commitment, obligation.clause, obligation.protected, obligation.span,
               obligation.caveats)
        groups.setdefault(key, []).append(obligation)
    found = []
    for (commitment, clause, protected, _, _), members in groups.items():  # noqa: B007
        members.sort(key=lambda o: o.guarantor)
        found.append(Group(clause, commitment, protected,
                           tuple(o.guarantor for o in members), tuple(members)))
    return sorted(found, key=_order)


def _order(group: Group) -> tuple:
    """A total order, so that the ``-{n}`` of two groups that share a clause, a protected party and
    a start never depends on the order the graph yields its triples in (which follows Python's
    hash seed): the IRIs and the bytes of every build are the same."""
    span = group.first.span
    certain = span.certain or span.possible
    return (str(group.clause or group.commitment), str(group.protected), span.possible.start,
            span.possible.until or "", certain.start, certain.until or "",
            tuple(sorted(map(str, group.first.caveats))), tuple(map(str, group.guarantors)),
            str(group.commitment))


_FROM = ", from "  # before the day an obligation's label ends with


def obligation_label(protected: URIRef, under: URIRef, start: str,
                     labels: dict[URIRef, str]) -> Literal:
    """An obligation's label, from the labels of the state it protects and of the clause (or
    treaty) it is under (``labels``; the state's code or the IRI where there is none)."""
    return Literal(f"Obligation to defend {labels.get(protected, _code(protected))} under "
                   f"{labels.get(under, str(under))}{_FROM}{start}", lang="en")


def label_start(label: str) -> str:
    """The start an ``obligation_label`` was made with, as it was spelled (after the last
    ``_FROM``: a day never holds one, a state's or clause's label may)."""
    return str(label).rsplit(_FROM, 1)[1]


def _code(state: URIRef) -> str:
    return str(state).rsplit("/", 1)[-1]


def _date(value: str) -> Literal:
    return Literal(value, datatype=XSD.date)


# The terms every obligation repeats, looked up once (a Namespace attribute builds its URIRef on
# every access: 1.1 of the 17.6 s writing the obligations took at 80x the data).
_TYPE, _OBLIGATION, _LABEL = RDF.type, PG.DefenseObligation, RDFS.label
_PROTECTED, _CLAUSE, _COMMITMENT = PG.protectedParty, PG.underClause, PG.underCommitment
_GUARANTOR, _DISPUTED, _CAVEAT = PG.guarantor, PG.endDisputed, PG.participationCaveat
_POSSIBLE_FROM, _POSSIBLE_UNTIL = PG.possibleFrom, PG.possibleUntil
_CERTAIN_FROM, _CERTAIN_UNTIL = PG.certainFrom, PG.certainUntil
_DERIVED_FROM = PROV.wasDerivedFrom


def obligation_graph(groups: Iterable[Group], labels: dict[URIRef, str],
                     made: dict[URIRef, list[URIRef]] | None = None) -> Graph:
    """The derived obligations as triples (``labels``: the label of each state and clause;
    ``made``, if given, gets each commitment's obligations)."""
    graph = Graph()
    # Added all at once: rdflib's Graph.add checks each triple and was two thirds of the time
    graph.addN((*triple, graph) for triple in _triples(groups, labels, made))
    return graph


def _triples(groups: Iterable[Group], labels: dict[URIRef, str],
             made: dict[URIRef, list[URIRef]] | None) -> Iterator[tuple]:
    taken: set[URIRef] = set()
    dates: dict[str, Literal] = {}  # the same days begin and end many obligations

    def date(value: str) -> Literal:
        found = dates.get(value)
        if found is None:
            found = dates[value] = _date(value)
        return found

    for group in groups:
        span = group.first.span
        under = group.clause or group.commitment  # the treaty itself where no clause is published
        base = f"{under}/obligation/{_code(group.protected)}-{span.possible.start}"
        node, n = URIRef(base), 1
        while node in taken:
            n += 1
            node = URIRef(f"{base}-{n}")
        taken.add(node)
        if made is not None:
            made.setdefault(group.commitment, []).append(node)
        yield node, _TYPE, _OBLIGATION
        yield node, _LABEL, obligation_label(group.protected, under, span.possible.start, labels)
        yield node, _PROTECTED, group.protected
        if group.clause is not None:
            yield node, _CLAUSE, group.clause
        yield node, _COMMITMENT, group.commitment
        for guarantor in group.guarantors:
            yield node, _GUARANTOR, guarantor
        yield node, _POSSIBLE_FROM, date(span.possible.start)
        if span.possible.until:
            yield node, _POSSIBLE_UNTIL, date(span.possible.until)
        if span.certain is not None:
            yield node, _CERTAIN_FROM, date(span.certain.start)
            if span.certain.until:
                yield node, _CERTAIN_UNTIL, date(span.certain.until)
        yield node, _DISPUTED, Literal(group.first.end_disputed)
        for caveat in group.first.caveats:
            yield node, _CAVEAT, caveat
        evidence = {n for o in group.obligations for n in o.evidence}
        for source in sorted(evidence):
            yield node, _DERIVED_FROM, source
