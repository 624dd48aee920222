"""An edit that only renames states or clauses: the obligations' labels written again, not the
obligations derived again.

An obligation's label names the state it protects and the clause (or treaty) it is under
(knowledge/obligation_triples.py), so a commitment's derivation notes those labels among its reads
(knowledge/derivation.py) and a renamed state made every commitment naming it be derived again:
at 80x the bundled data, the United States relabelled derived again 1,096 commitments, whose
obligations are about 600,000 triples, to change 2,877 labels. No other read of a derivation is
a label (knowledge/obligations.py reads none), so a commitment that the edit touches through
labels alone keeps its obligations, IRIs and record: the obligations whose label names a renamed
state or clause are read from the store of the folder the edit is built from, their label made
again, and written as changed subjects. (A renamed treaty is a commitment whose own triple
changed: it is derived again.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from pactgraph.engine.store import OBLIGATIONS_GRAPH
from pactgraph.knowledge.derivation import DerivedGraphs, entailed, labels_of
from pactgraph.knowledge.obligation_triples import label_start, obligation_label
from pactgraph.namespaces import PG
from pactgraph.terms import to_rdflib

_LABEL_READ = f" {RDFS.label}"  # how a label read's key ends (derivation_reads.key)


def without_labels(reads: dict[str, list[str]]) -> dict[str, list[str]]:
    """``reads`` with every label read left out: what a commitment's derivation reads besides."""
    return {c: [read for read in noted if not read.endswith(_LABEL_READ)]
            for c, noted in reads.items()}


def relabelled(engine: Path, commitments: Iterable[str], made: dict[str, list[str]],
               edit: tuple[Graph, Graph], ontology: Graph, data: Graph,
               derived: DerivedGraphs) -> int:
    """Add to ``derived`` (the obligations derived again) the obligations of ``commitments``
    whose label the edit changed, each with all its triples as the store in ``engine`` (of the
    folder the edit is built from) holds them and its label made again, and their entailments.
    Their number."""
    renamed = {s for s, p, _ in set(edit[0]) ^ set(edit[1]) if p == RDFS.label}
    theirs = {o for c in commitments for o in made.get(c, ())}
    store = ox.Store.read_only(str(engine))
    graph, iris, patched = ox.NamedNode(OBLIGATIONS_GRAPH), {}, Graph()
    # Only the obligations that name a renamed node, found by the store's indexes: reading every
    # obligation of the commitments to look took 13 s for the United States at 80x the data
    # (848,852 quads of 43,840 obligations, for 2,877 to relabel).
    naming = {quad.subject.value for node in renamed if isinstance(node, URIRef)
              for predicate in (PG.protectedParty, PG.underClause, PG.underCommitment)
              for quad in store.quads_for_pattern(None, ox.NamedNode(str(predicate)),
                                                  ox.NamedNode(str(node)), graph)}
    for node in sorted(naming & theirs):
        triples = [tuple(to_rdflib(term, iris) for term in (q.subject, q.predicate, q.object))
                   for q in store.quads_for_pattern(ox.NamedNode(node), None, None, graph)]
        named = {p: o for _, p, o in triples}
        under = named.get(PG.underClause) or named[PG.underCommitment]
        protected = named[PG.protectedParty]
        if not renamed & {protected, under}:
            continue
        # the day as the derivation spelled it, not pg:possibleFrom's literal (rdflib drops a
        # time zone from a date's text: a second reader's)
        label = obligation_label(protected, under, label_start(named[RDFS.label]),
                                 labels_of(data, (protected, under)))
        patched.addN((s, p, label if p == RDFS.label else o, patched) for s, p, o in triples)
    nodes = set(patched.subjects())
    derived.obligation_graph.addN((*triple, derived.obligation_graph) for triple in patched)
    derived.entailed.addN((*triple, derived.entailed) for triple in entailed(
        ontology, (data, derived.obligation_graph), nodes) if triple not in derived.entailed)
    return len(nodes)
