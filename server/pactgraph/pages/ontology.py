"""What the ontology and shapes pages show: every class, property, concept scheme and node shape.

Separate from ``resource_page`` because these pages document our vocabulary, one anchored section
per term, rather than the triples of one resource.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from pactgraph.namespaces import ONTOLOGY_IRI, PG, SH
from pactgraph.pages.labeller import Labeller, Link, Row


@dataclass(frozen=True)
class TermView:
    anchor: str
    iri: str
    label: str
    definition: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class OntologyView:
    header: tuple[Row, ...]
    title: str
    description: str
    classes: tuple[TermView, ...]
    properties: tuple[TermView, ...]
    schemes: tuple[tuple[TermView, tuple[TermView, ...]], ...]


_DOCUMENTED = [RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.isDefinedBy]


def _term_view(graph: Graph, term: URIRef, labels: Labeller, skip=(), extra=()) -> TermView:
    return TermView(
        anchor=str(term)[len(str(PG)):], iri=str(term), label=labels.text(term),
        definition=str(graph.value(term, SKOS.definition) or ""),
        rows=tuple(labels.rows(graph, term, skip=[*_DOCUMENTED, *skip])) + tuple(extra))


def _ours(nodes: Iterable[Any]) -> list[URIRef]:
    return sorted({n for n in nodes if isinstance(n, URIRef) and str(n).startswith(str(PG))})


def ontology_view(graph: Graph, labels: Labeller) -> OntologyView:
    """The ontology page: header, then every class, property and concept scheme of ours."""
    onto = URIRef(ONTOLOGY_IRI)
    classes = []
    for cls in _ours(graph.subjects(RDF.type, OWL.Class)):
        extra = []
        subclasses = sorted(graph.subjects(RDFS.subClassOf, cls))
        if subclasses:
            extra.append(Row(Link("superclass of"), tuple(map(labels.term, subclasses))))
        values = sorted(graph.subjects(RDF.type, cls))
        if values:
            extra.append(Row(Link("values"), tuple(map(labels.term, values))))
        classes.append(_term_view(graph, cls, labels, extra=extra))
    properties = [_term_view(graph, p, labels)
                  for p in _ours(s for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                                 for s in graph.subjects(RDF.type, kind))]
    schemes = []
    for scheme in _ours(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        concepts = sorted(_ours(graph.subjects(SKOS.inScheme, scheme)),
                          key=lambda c: (graph.value(c, PG.strengthRank) or 0, labels.text(c)))
        schemes.append((_term_view(graph, scheme, labels),
                        tuple(_term_view(graph, c, labels, skip=[SKOS.inScheme])
                              for c in concepts)))
    return OntologyView(
        header=tuple(labels.rows(graph, onto, skip=[DCTERMS.title, DCTERMS.description])),
        title=str(graph.value(onto, DCTERMS.title) or "pactgraph ontology"),
        description=str(graph.value(onto, DCTERMS.description) or ""),
        classes=tuple(sorted(classes, key=lambda t: t.label.lower())),
        properties=tuple(sorted(properties, key=lambda t: t.label.lower())),
        schemes=tuple(sorted(schemes, key=lambda s: s[0].label.lower())),
    )


@dataclass(frozen=True)
class ShapeView:
    anchor: str
    link: Link
    rows: tuple[Row, ...]
    properties: tuple[tuple[Link, tuple[Row, ...]], ...]  # (path, constraints)


def shapes_view(graph: Graph, labels: Labeller) -> list[ShapeView]:
    """Every node shape with its targets and property constraints."""
    views = []
    for shape in sorted(s for s in graph.subjects(RDF.type, SH.NodeShape)):
        constraints = []
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            path_link = labels.term(path) if isinstance(path, URIRef) else Link("(complex path)")
            constraints.append((path_link, tuple(labels.rows(graph, prop, skip=[SH.path]))))
        views.append(ShapeView(
            anchor=labels.qname(str(shape)).replace(":", "-"), link=labels.term(shape),
            rows=tuple(labels.rows(graph, shape, skip=[RDF.type, SH.property])),
            properties=tuple(sorted(constraints, key=lambda c: c[0].text))))
    return views
