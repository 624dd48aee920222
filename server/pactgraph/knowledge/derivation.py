"""What the build adds to the curated data: derived obligations and the ontology's entailments.

Two named graphs, rebuilt whenever a data file or this code changes (the prebuilt store's version
hashes both: build/prebuilt.py):

- ``{base}graph/obligations``: the defense obligations derived from the data
  (knowledge/obligations.py, knowledge/obligation_triples.py);
- ``{base}graph/entailed``: the RDFS subclass and subproperty closure of pactgraph's own ontology
  over the data and the obligations (``?t a pg:Treaty`` finds every treaty, a mutual-defense treaty
  included; ``pg:underClause`` is also ``prov:wasDerivedFrom``). Only what the ontology's
  ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` axioms entail, nothing from domains or ranges.

Obligations are validated by their own shapes like the data, and the curated data may not hold
one (``hand_written_obligations``): they are never written by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDF, RDFS

from pactgraph.knowledge.derivation_reads import key
from pactgraph.knowledge.obligation_triples import grouped, obligation_graph
from pactgraph.knowledge.obligations import derive
from pactgraph.namespaces import PG


@dataclass(frozen=True)
class DerivedGraphs:
    # Only the graphs: the obligations as ``Derived`` (millions at 400x the data) are let go
    # once written as triples, not kept for the rest of the build.
    obligation_graph: Graph
    entailed: Graph
    # Each commitment's reads (knowledge/derivation_reads.py) and the obligations it made: a
    # later build derives again only the commitments an edit touched (build/revalidation.py).
    reads: dict[URIRef, set] = field(default_factory=dict)
    made: dict[URIRef, list[URIRef]] = field(default_factory=dict)


def _superclasses(ontology: Graph, relation: URIRef) -> dict[URIRef, set[URIRef]]:
    """Every term's strict super-terms under ``relation`` (transitively), from the ontology."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(relation):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef) and sub != sup:
            direct.setdefault(sub, set()).add(sup)
    closed: dict[URIRef, set[URIRef]] = {}
    for term in direct:
        seen: set[URIRef] = set()
        todo = list(direct[term])
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(direct.get(up, ()))
        closed[term] = seen - {term}
    return closed


def entailed(ontology: Graph, graphs: Iterable[Graph], subjects: set | None = None) -> Graph:
    """The triples RDFS subclass and subproperty reasoning adds to ``graphs`` (rules rdfs7 and
    rdfs9), and only those not already stated; given ``subjects``, only theirs.

    It looks up only the triples of a term with super-terms in each graph, and asks each graph
    whether a triple is stated: copying the graphs into one first was a third of deriving (rdflib
    adds a triple in about 20 microseconds)."""
    classes = _superclasses(ontology, RDFS.subClassOf)
    properties = _superclasses(ontology, RDFS.subPropertyOf)
    graphs = list(graphs)

    def stated(triple) -> bool:
        return any(triple in graph for graph in graphs)

    def pairs(graph: Graph, predicate: URIRef):
        if subjects is None:
            return graph.subject_objects(predicate)
        return ((s, o) for s in subjects for o in graph.objects(s, predicate))

    found = []  # added to the graph at once: rdflib's Graph.add checks each triple
    for graph in graphs:
        for predicate, ups in properties.items():
            for subject, obj in pairs(graph, predicate):
                for up in ups:
                    if not stated((subject, up, obj)):
                        found.append((subject, up, obj))
        for subject, cls in pairs(graph, RDF.type):
            for up in classes.get(cls, ()):
                if not stated((subject, RDF.type, up)):
                    found.append((subject, RDF.type, up))
    added = Graph()
    added.addN((s, p, o, added) for s, p, o in found)
    return added


def commitments_of(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(PG.party, None) if isinstance(s, URIRef)}


def derive_graphs(ontology: Graph, data: Graph, only: Iterable[URIRef] | None = None,
                  subjects: Iterable[URIRef] = ()) -> DerivedGraphs:
    """Derive the obligations of ``data`` and the entailments of the data and of them. Given
    ``only`` (some commitments), only their obligations, and the entailments of only those and
    of ``subjects`` (what an edit changed: a build after one writes no other subject's), so that
    the graphs hold those subjects' triples alone."""
    # Read through both, not from a copy of both: copying the data took longer than deriving.
    # The same obligations in another order, and ``grouped`` sorts them.
    both = ReadOnlyGraphAggregate([data, ontology])
    commitments = commitments_of(data) if only is None else {
        c for c in only if (c, PG.party, None) in data}
    reads: dict[URIRef, set] = {}
    groups = grouped(derive(both, commitments, reads))
    for commitment in commitments:  # chosen as a subject of pg:party (``commitments_of``)
        reads.setdefault(commitment, set()).add(key("s", commitment, PG.party))
    for group in groups:  # what the triples name (obligation_triples._triples)
        noted = reads.setdefault(group.commitment, set())
        # the types of every node an obligation names: its digest hashes them, as its shape
        # reads them (Knowledge.obligation_read)
        noted.update(key("s", node, RDF.type) for node in (
            *group.guarantors, *group.first.caveats, *(n for o in group.obligations
                                                       for n in o.evidence),
            group.protected, group.clause, group.commitment, PG.DefenseObligation)
            if node is not None)
        # the labels its own label is made of; nothing else of these nodes (a state's link to
        # Wikidata, edited, derived again every commitment that named the state)
        noted.update(key("s", node, RDFS.label)
                     for node in (group.protected, group.clause or group.commitment))
    named = {n for group in groups for n in (group.protected, group.clause or group.commitment)}
    labels = labels_of(data, named)
    made: dict[URIRef, list[URIRef]] = {}
    triples = obligation_graph(groups, labels, made)
    del groups  # their obligations, millions at 400x: let go before the entailments
    entailing = None if only is None else {*subjects, *(n for m in made.values() for n in m)}
    return DerivedGraphs(triples, entailed(ontology, (data, triples), entailing), reads, made)


def labels_of(data: Graph, nodes: Iterable[URIRef]) -> dict[URIRef, str]:
    """The English (or untagged) label of each of ``nodes`` that has one, the least if several:
    what an obligation's label names them by."""
    found = {}
    for node in nodes:
        label = min((str(o) for o in data.objects(node, RDFS.label)
                     if isinstance(o, Literal) and o.language in (None, "en")), default=None)
        if label is not None:
            found[node] = label
    return found


def hand_written_obligations(data: Graph) -> list[URIRef]:
    """Obligations typed in the curated data: refused, as obligations are only derived."""
    return sorted(s for s in data.subjects(RDF.type, PG.DefenseObligation)
                  if isinstance(s, URIRef))
