"""The Oxigraph store: built from rdflib graphs or opened from a prebuilt folder, and its queries.

rdflib stays the Graph API for parsing, serialising and pySHACL; SPARQL is evaluated by Oxigraph,
which is 20-500x faster than rdflib's evaluator and safe to share between threads. Only this module
and ``engine/results.py`` (which writes answers, with the row cap) import pyoxigraph, so the engine
can change without touching the blueprints or the command line.

Graph layout: each kind of source is a named graph (``{base}graph/ontology``, ``{base}graph/data``,
and what the build derives: ``{base}graph/obligations``, ``{base}graph/entailed``);
a query's default graph is their union unless the request names graphs (``default-graph-uri``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from pactgraph.engine.outbound import check_query
from pactgraph.engine.syntax_hints import explain, with_slashes_escaped
from pactgraph.errors import QueryError
from pactgraph.knowledge.sources import Knowledge
from pactgraph.namespaces import CANONICAL_BASE, PREFIXES


def graph_iri(name: str, base: str = CANONICAL_BASE) -> str:
    return f"{base}graph/{name}"


# The graphs the build derives (knowledge/derivation.py), not curated: after an edit the build
# holds only the changed subjects' triples of them (build/revalidation.py).
OBLIGATIONS_GRAPH, ENTAILED_GRAPH = graph_iri("obligations"), graph_iri("entailed")


def _to_store(graphs: dict[str, Graph]) -> ox.Store:
    store = ox.Store()
    for name, graph in graphs.items():
        # N-Triples is the cheapest lossless hand-over between the two libraries.
        payload = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(payload, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    return store


@dataclass(frozen=True)
class QueryResult:
    """A query's answer in the engine's own objects; ``kind`` is 'select', 'ask' or 'graph'."""

    kind: str
    value: object  # ox.QuerySolutions, bool, or ox.QueryTriples


# The base IRI of every query with no BASE of its own: the endpoint's canonical IRI, as the
# Protocol allows ("which MAY be the service endpoint"), the same whatever host serves it.
QUERY_BASE = f"{CANONICAL_BASE}sparql"


def evaluate_on(store: ox.Store, text: str, default_graphs: Iterable[str] = (),
                named_graphs: Iterable[str] = ()) -> QueryResult:
    """Evaluate ``text`` on a pyoxigraph store (the server's, or a query worker's copy)."""
    try:
        options = _dataset_options(list(default_graphs), list(named_graphs))
        result = _query(store, text, options)
    except SyntaxError as error:
        raise QueryError(explain(text, str(error), PREFIXES)) from None
    except ValueError as error:  # e.g. an invalid IRI in default-graph-uri
        raise QueryError(str(error)) from None
    except RuntimeError as error:
        # pyoxigraph's other evaluation errors, e.g. for a literal as the subject of a triple
        # term ("<<( 1 <p> 1 )>>", or "1 <p> 1 ~ _:r"): about this query, not a fault of ours.
        raise QueryError(f"the query cannot be evaluated: {error}") from None
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", bool(result))
    if isinstance(result, ox.QuerySolutions):
        return QueryResult("select", result)
    return QueryResult("graph", result)


def _query(store: ox.Store, text: str, options: dict) -> object:
    """``text`` evaluated; if it does not parse as written, with ``id:state/PHL`` read as
    ``id:state\\/PHL`` (engine/syntax_hints.py), and the first error raised if that fails too."""
    try:
        return store.query(text, base_iri=QUERY_BASE, prefixes=PREFIXES, **options)
    except SyntaxError:
        escaped = with_slashes_escaped(text, PREFIXES)
        if escaped == text:
            raise
        try:
            return store.query(escaped, base_iri=QUERY_BASE, prefixes=PREFIXES, **options)
        except SyntaxError:
            pass
        raise


def _dataset_options(default_graphs: list[str], named_graphs: list[str]) -> dict:
    options: dict = {}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    return options


def write_store(graphs: dict[str, Graph], folder: Path, quads: Path) -> None:
    """Write ``graphs`` (name -> graph) as an on-disk Oxigraph store in ``folder`` (new), and
    every quad of it as N-Quads in the file ``quads`` (for ``load_in_memory``)."""
    # N-Triples is the cheapest lossless hand-over between the two libraries; each line becomes
    # a quad by naming its graph, which was quicker than asking the store for its quads back.
    with open(quads, "wb") as out:
        for name, graph in graphs.items():
            suffix = f" <{name}> .".encode()
            for line in graph.serialize(format="nt", encoding="utf-8").splitlines():
                if line.endswith(b" ."):
                    out.write(line[:-2] + suffix + b"\n")
    store = ox.Store(str(folder))
    store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    del store  # closes the database, so that it can be opened read-only


def load_in_memory(quads: Path) -> ox.Store:
    """An in-memory store of the N-Quads file ``quads`` (see ``write_store``).

    Read leniently (IRIs not checked again): each pool loads it as it starts, 2.5 million quads
    at 80 times the bundled data, and the strict reading took 10.7-11.7 s of processor time
    there against 8.2-10.1 s. Its lines were read strictly when the folder was built: the
    on-disk store is loaded from them (``write_store``), and a build after an edit parses the
    lines it splices in to change that store (build/store_change.py). What guards the copy
    against damage since is the folder's check on open: the file's size and hash against its
    manifest (build/prebuilt.py); a lenient reading accepts some text a strict one refuses."""
    store = ox.Store()
    store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


class TripleStore:
    """Read-only SPARQL over the published graphs.

    Either in memory (built from rdflib graphs: the command line and the tests) or on disk, a
    prebuilt store (``build/prebuilt.py``) that each process opens read-only on first use: the
    server process, each HTTP worker process (a database handle is not carried across a fork) and
    each query worker (``engine/pool.py``), all sharing the same files through the page cache.

    ``query`` evaluates in this process with no time limit: for the command line, the tests and
    the server's own fixed queries. The web endpoint evaluates client queries in killable worker
    processes instead.
    """

    def __init__(self, graphs: dict[str, Graph]) -> None:
        self._store: ox.Store | None = _to_store(graphs)
        self._opened_in = os.getpid()
        self.graph_names: tuple[str, ...] = tuple(graphs)
        self.path: Path | None = None

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> TripleStore:
        """The store the server publishes: the ontology and the data, each a named graph."""
        return cls(published_graphs(knowledge))

    @classmethod
    def open(cls, folder: Path) -> TripleStore:
        """The prebuilt store in ``folder`` (see ``write_store``), opened when first used."""
        opened = cls.__new__(cls)
        opened._store, opened._opened_in, opened.path = None, -1, Path(folder)
        opened.graph_names = tuple(sorted(graph.value for graph in opened.engine.named_graphs()))
        return opened

    @property
    def engine(self) -> ox.Store:
        """The pyoxigraph store, opened in this process if it lives on disk."""
        if self.path is not None and self._opened_in != os.getpid():
            self._store, self._opened_in = ox.Store.read_only(str(self.path)), os.getpid()
        return self._store

    def query(self, text: str, default_graphs: Iterable[str] = (),
              named_graphs: Iterable[str] = ()) -> QueryResult:
        """Evaluate ``text``; a malformed query raises ``QueryError`` with the engine's message."""
        check_query(text, self.graph_names)
        return evaluate_on(self.engine, text, default_graphs, named_graphs)

    def count(self, pattern: str, variables: str, graph_name: str | None = None) -> int:
        """How many distinct bindings of ``variables`` match ``pattern``, in graph ``graph_name``
        or in the union of all (where a triple held by two graphs counts once)."""
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {variables} "
                            f"WHERE {{ {pattern} }} }}", [graph_name] if graph_name else ())
        return int(next(iter(result.value))["n"].value)

    def size(self, graph_name: str | None = None) -> int:
        """The number of distinct triples in graph ``graph_name``, or in the union of all."""
        return self.count("?s ?p ?o", "?s ?p ?o", graph_name)

    def sizes(self, union: int | None = None) -> dict[str | None, int]:
        """``size`` of the union (key None; ``union`` if already known) and of each named graph,
        the graphs in one pass: a graph holds each of its triples once, so its quads count."""
        counted = {solution["g"].value: int(solution["n"].value) for solution in self.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").value}
        return {None: self.size() if union is None else union,
                **{name: counted.get(name, 0) for name in self.graph_names}}

    def rows(self, query: str, unbound: str | None = None) -> list[dict[str, str]]:
        """The rows of one of the server's own SELECT queries, as {variable: lexical value},
        unbound variables left out (``Engine.select``), or given the value ``unbound``."""
        result = self.query(query).value
        names = [variable.value for variable in result.variables]
        # A solution iterates its values in the variables' order: zipping them is several times
        # quicker than looking each up by name (NATO's 992 pairs: 64 -> 10 ms; question 1's
        # 300,030 rows at 80 times the data: 18 s by name).
        if unbound is not None:
            return [{name: unbound if term is None else term.value
                     for name, term in zip(names, row, strict=True)} for row in result]
        return [{name: term.value for name, term in zip(names, row, strict=True)
                 if term is not None}
                for row in result]


def published_graphs(knowledge: Knowledge, derived=None) -> dict[str, Graph]:
    """The graphs the server publishes, each a named graph: the ontology, the data, the named
    graphs the data files put their triples in (a quads file's own, or one the user named for a
    file), the obligations derived from the data and the triples the ontology entails
    (knowledge/derivation.py; of ``derived``, if given, not ``knowledge.derived``)."""
    derived = derived or knowledge.derived
    graphs = {graph_iri("ontology"): knowledge.ontology.graph,
              graph_iri("data"): knowledge.data.default_graph()}
    for name, graph in knowledge.data.named.items():
        graphs[name] = graphs[name] + graph if name in graphs else graph
    graphs[OBLIGATIONS_GRAPH] = derived.obligation_graph
    graphs[ENTAILED_GRAPH] = derived.entailed
    return graphs
