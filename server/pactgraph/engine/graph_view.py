"""An rdflib ``Graph`` that reads the Oxigraph store: pages without parsing the data twice.

The pages, the dataset description and the explore views walk the published triples through
rdflib's Graph API (``value``, ``subjects``, ``triples``...). Parsing the data into an rdflib graph
as well took most of the start-up time at scale (15 s for parsing and 7 s for merging at 100x, for
2 s of building the store), so the server keeps one copy of the triples, in Oxigraph, and this
read-only rdflib store answers each triple pattern from it on demand.

Why not oxrdflib, the Oxigraph project's rdflib store: it returns plain literals typed as
``xsd:string`` (rdflib treats ``"x"`` and ``"x"^^xsd:string`` as different terms, so our Turtle and
HTML would change), and over several named graphs it returns a triple once per graph. Here the
union of the graphs is the graph, each triple once, with the terms rdflib would have parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.store import Store

from pactgraph.knowledge.sources import bind_prefixes
from pactgraph.terms import to_oxigraph, to_rdflib

if TYPE_CHECKING:
    from pactgraph.engine.store import TripleStore

class OxigraphUnionStore(Store):
    """A read-only rdflib store over every graph of a pyoxigraph store, as one graph."""

    context_aware = False
    formula_aware = False
    graph_aware = False
    transaction_aware = False

    def __init__(self, store: TripleStore, overlap: bool | None = None) -> None:
        super().__init__()
        self._store = store  # its engine is asked for each time: it is opened once per process
        self._overlap = overlap  # None: not known, found on first read (``_graphs_overlap``)
        self._iris: dict[str, URIRef] = {}  # bounded by the IRIs of the (immutable) data
        self._namespaces: dict[str, URIRef] = {}

    def _graphs_overlap(self) -> bool:
        """Whether a triple is in two graphs at once: only then must the union drop repeats.
        Asked of the store only when not told: an ASK for each pair of graphs reads them all when
        no triple is shared (20 s at 80 times the data, on each process's first page)."""
        if self._overlap is None:
            graphs = self._store.graph_names
            self._overlap = any(
                bool(self._store.query(f"ASK {{ GRAPH <{first}> {{ ?s ?p ?o }} "
                                       f"GRAPH <{second}> {{ ?s ?p ?o }} }}").value)
                for index, first in enumerate(graphs) for second in graphs[index + 1:])
        return self._overlap

    def triples(self, pattern, context=None) -> Iterator:
        store = self._store.engine
        try:
            subject, predicate, obj = (to_oxigraph(term) for term in pattern)
            quads = store.quads_for_pattern(subject, predicate, obj, None)
        except (TypeError, ValueError):  # e.g. a literal as subject: nothing can match
            return
        iris = self._iris
        if self._graphs_overlap():
            quads = {quad.triple: quad for quad in quads}.values()  # each triple once, in order
        for quad in quads:
            yield ((to_rdflib(quad.subject, iris), to_rdflib(quad.predicate, iris),
                    to_rdflib(quad.object, iris)), iter(()))

    def subject_predicates_outside(self, obj, excluded: str) -> Iterator[tuple]:
        """The (subject, predicate) of every triple with object ``obj``, each once, leaving out
        graph ``excluded``: read graph by graph, so the left-out triples are never read."""
        store, iris, seen, target = self._store.engine, self._iris, set(), to_oxigraph(obj)
        for name in (ox.DefaultGraph(), *(ox.NamedNode(g) for g in self._store.graph_names
                                          if g != excluded)):
            for quad in store.quads_for_pattern(None, None, target, name):
                if (quad.subject, quad.predicate) not in seen:
                    seen.add((quad.subject, quad.predicate))
                    yield to_rdflib(quad.subject, iris), to_rdflib(quad.predicate, iris)

    def __len__(self, context=None) -> int:
        return self._store.size()

    def contexts(self, triple=None) -> Iterator:
        return iter(())

    # -- namespaces, kept in memory as rdflib's own Memory store does

    def bind(self, prefix: str, namespace, override: bool = True) -> None:
        if override or prefix not in self._namespaces:
            self._namespaces[prefix] = URIRef(namespace)

    def namespace(self, prefix: str):
        return self._namespaces.get(prefix)

    def prefix(self, namespace):
        for prefix, known in self._namespaces.items():
            if known == namespace:
                return prefix
        return None

    def namespaces(self) -> Iterator:
        return iter(list(self._namespaces.items()))

    # -- the published data cannot change

    def add(self, triple, context=None, quoted=False) -> None:
        raise TypeError("the published graph is read-only")

    def addN(self, quads) -> None:  # noqa: N802 (rdflib's name)
        raise TypeError("the published graph is read-only")

    def remove(self, triple, context=None) -> None:
        raise TypeError("the published graph is read-only")


def subject_predicates_outside(graph: Graph, obj, excluded: str) -> Iterator[tuple]:
    """``graph.subject_predicates(obj)``, without reading graph ``excluded`` when ``graph`` is a
    view of the store (``graph_over``). Another graph may repeat what ``excluded`` holds, and a
    graph that is not a view reads it all: callers still drop what they do not want."""
    if isinstance(graph.store, OxigraphUnionStore):
        return graph.store.subject_predicates_outside(obj, excluded)
    return graph.subject_predicates(obj)


def graph_over(store: TripleStore, overlap: bool | None = None) -> Graph:
    """The union of ``store``'s graphs as a read-only rdflib Graph with our prefixes bound.
    ``overlap``: whether a triple is in two of its graphs, if known (a prebuilt store's manifest
    counts its quads and the union's distinct triples: they differ exactly when one is)."""
    return bind_prefixes(Graph(store=OxigraphUnionStore(store, overlap)))
