"""Small readers of the published graph that the page builders share.

Each reads one property of one node the way a page shows it: its literal texts, its links, a yes/no
flag, the sources it cites, the Wikidata items it is the same as; and which nodes are commitments,
which decides the layout a node gets (``page_kind``). The commitment, clause, state and resource
pages and the explore views all read the graph through these, so each is written once, here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from pactgraph.namespaces import PG, WD
from pactgraph.pages.labeller import Labeller, Link


def texts_of(graph: Graph, node: Any, prop: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, prop) if isinstance(o, Literal))


def text_of(graph: Graph, node: Any, prop: URIRef) -> str:
    values = texts_of(graph, node, prop)
    return values[0] if values else ""


def links_of(graph: Graph, node: Any, prop: URIRef, labels: Labeller) -> list[Link]:
    return sorted((labels.term(o) for o in graph.objects(node, prop)), key=lambda link: link.text)


def link_of(graph: Graph, node: Any, prop: URIRef, labels: Labeller) -> Link | None:
    found = links_of(graph, node, prop, labels)
    return found[0] if found else None


def flag_of(graph: Graph, node: Any, prop: URIRef) -> bool | None:
    value = graph.value(node, prop)
    return bool(value.toPython()) if isinstance(value, Literal) else None


def sources_of(graph: Graph, nodes: Iterable[Any], labels: Labeller) -> list[tuple[Link, str]]:
    found = {o for node in nodes for o in graph.objects(node, DCTERMS.source)}
    return sorted(((labels.term(s), str(graph.value(s, DCTERMS.publisher) or "")) for s in found),
                  key=lambda pair: pair[0].text)


def wikidata_links(graph: Graph, node: Any, labels: Labeller) -> list[Link]:
    """The Wikidata items ``node`` is the same as (owl:sameAs), in IRI order."""
    return [labels.term(o) for o in sorted(graph.objects(node, OWL.sameAs))
            if str(o).startswith(str(WD))]


def commitment_classes(graph: Graph) -> set[URIRef]:
    return set(graph.transitive_subjects(RDFS.subClassOf, PG.Commitment))


def commitment_classes_members(graph: Graph) -> set[Any]:
    return {s for c in commitment_classes(graph) for s in graph.subjects(RDF.type, c)}


def page_kind(graph: Graph, node: URIRef) -> str | None:
    """Which readable layout fits ``node``: commitment, state, clause, invocation (or None)."""
    types = set(graph.objects(node, RDF.type))
    if types & commitment_classes(graph):
        return "commitment"
    for kind, cls in (("state", PG.State), ("clause", PG.ObligationClause),
                      ("invocation", PG.Invocation)):
        if cls in types:
            return kind
    return None
