"""What the server says about one resource in RDF, and the label a person sees for a node.

- ``description``: a resource's outgoing and incoming triples, those of the nodes it owns (IRIs
  that start with its IRI and "/": a treaty's clauses, memberships, readings), the closure of blank
  nodes, and the labels of every IRI it links to.
- ``label_of``: the best label of a node, read from the same label properties.

Pure functions over rdflib graphs, no Flask: the blueprints call them to answer requests. Where
our IRIs live on the server is ``our_iris``; a graph as bytes is ``serialization``; what the HTML
pages show is ``labeller`` and the ``*_page`` modules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from pactgraph.knowledge.sources import bind_prefixes
from pactgraph.namespaces import PG

# Properties whose values name a node for a person, best first.
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


def _blank_closure(graph: Graph, out: Graph) -> None:
    """Add every triple of the blank nodes ``out`` reaches, so no blank node is left dangling."""
    pending = [o for o in out.objects() if isinstance(o, BNode)]
    seen: set[BNode] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            out.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])


def derived(graph: Graph, node: Any) -> bool:
    """Whether ``node`` is a derived obligation (knowledge/obligation_triples.py)."""
    return (node, RDF.type, PG.DefenseObligation) in graph


def derived_test(graph: Graph) -> Callable[[Any], bool]:
    """``derived`` on ``graph``, remembering each answer: a page asks about the same obligation
    once for every membership it rests on (NATO's page: 4,300 questions, about 300 nodes, each a
    lookup in the store)."""
    return functools.cache(lambda node: derived(graph, node))


def described_parts(iri: URIRef, owned: Iterable[URIRef],
                    is_derived: Callable[[Any], bool]) -> list[URIRef]:
    """The sub-resources a document of ``iri`` describes: those it owns, less the derived
    obligations (``is_derived``: the resource index's test). NATO's Article 5 owns 252 of them
    (one per protected party and period, each listing every guarantor and the membership it rests
    on), which made its page a megabyte that took seconds to build; each has its own document, and
    who must defend whom on a date is the page's obligations section and ``/api/obligations``."""
    if is_derived(iri):
        return list(owned)
    return [node for node in owned if not is_derived(node)]


def description(graph: Graph, iri: URIRef, owned: Iterable[URIRef] = (),
                is_derived: Callable[[Any], bool] | None = None) -> Graph:
    """The graph served about ``iri``; ``owned`` are its sub-resources (``described_parts``).

    A derived obligation's triples pointing at ``iri`` itself are kept (a link to each obligation
    under a treaty or clause), but not those pointing at what ``iri`` owns: each obligation names
    every membership it rests on, and those belong to the obligation's own document."""
    out = bind_prefixes(Graph())
    focus = {iri, *owned}
    is_derived = is_derived or derived_test(graph)
    for node in focus:
        for triple in graph.triples((node, None, None)):
            out.add(triple)
        for triple in graph.triples((None, None, node)):
            if node == iri or not is_derived(triple[0]):
                out.add(triple)
    _blank_closure(graph, out)
    linked = {n for s, _, o in out for n in (s, o) if isinstance(n, URIRef)} - focus
    for node in linked:
        for prop in LABEL_PROPERTIES:
            for label in graph.objects(node, prop):
                out.add((node, prop, label))
    return out


def label_of(graph: Graph, node: Any, language: str = "en") -> str | None:
    """The best label of ``node`` in ``graph``: English first, then untagged, then any."""
    for prop in LABEL_PROPERTIES:
        labels = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
        for wanted in (language, None):
            for label in sorted(labels):
                if label.language == wanted:
                    return str(label)
        if labels:
            return str(sorted(labels)[0])
    return None


def label_or_iri(graph: Graph, node: Any) -> str:
    return label_of(graph, node) or str(node)


# What a summary card says of a resource (the "card" profile, web/profiles.py): what it is, its
# names, and the facts that identify it (of the ontology and the dataset: title, version, licence);
# nothing it owns, no notes or sources.
CARD_PROPERTIES = (
    URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://purl.org/dc/terms/title"),
    URIRef("http://purl.org/dc/terms/license"),
    URIRef("http://www.w3.org/2002/07/owl#versionInfo"),
    URIRef("http://www.w3.org/2002/07/owl#versionIRI"),
    URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    URIRef("http://www.w3.org/2002/07/owl#sameAs"),
    URIRef("http://data.europa.eu/eli/ontology#date_document"),
    URIRef("http://data.europa.eu/eli/ontology#first_date_entry_in_force"),
    URIRef("http://data.europa.eu/eli/ontology#number"),
    URIRef("https://w3id.org/pactgraph/def#legalStatus"),
    URIRef("https://w3id.org/pactgraph/def#iso3166Alpha3"),
    URIRef("https://w3id.org/pactgraph/def#invocationDate"),
)


def card(graph: Graph, iri: URIRef) -> Graph:
    """The summary card of ``iri``: its triples whose predicate is one of CARD_PROPERTIES."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for predicate in CARD_PROPERTIES:
        for value in graph.objects(iri, predicate):
            out.add((iri, predicate, value))
    return out


ALTR = "http://www.w3.org/ns/dx/conneg/altr#"  # the Alternate Representations vocabulary


def alternates_of(iri: URIRef, representations: Iterable[tuple[str, str, str]],
                  default: str) -> Graph:
    """The alternate representations of ``iri`` (the "alt" profile): each (profile IRI, media
    type, URL) as an altr:Representation conforming to its profile, in its format."""
    out = Graph()
    out.bind("altr", ALTR)
    out.bind("dcterms", "http://purl.org/dc/terms/")
    for profile, media_type, url in representations:
        node = URIRef(url)
        out.add((iri, URIRef(ALTR + "hasRepresentation"), node))
        out.add((node, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                 URIRef(ALTR + "Representation")))
        out.add((node, URIRef("http://purl.org/dc/terms/conformsTo"), URIRef(profile)))
        out.add((node, URIRef("http://purl.org/dc/terms/format"), Literal(media_type)))
        if url == default:
            out.add((iri, URIRef(ALTR + "hasDefaultRepresentation"), node))
    return out
