"""How the HTML pages show RDF terms: labels instead of IRIs, links mapped to the running server.

``Labeller`` turns a term into a ``Link`` (text, where it links, a note on language or datatype)
and a node's triples into a property table of ``Row``s, values grouped by property. Every page
builder (``resource_page``, ``ontology_page``, ``commitment_page``...) passes its values through
one, so a term reads the same on every page; templates only lay these out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from pactgraph.namespaces import ELI, PREFIXES, SCHEMA
from pactgraph.pages.describe import label_of
from pactgraph.pages.our_iris import IriMap

# Names for the outside terms that the ontology does not label, for the property column of pages.
OUTSIDE_LABELS: dict[URIRef, str] = {
    RDF.type: "type", RDFS.label: "label", RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of", RDFS.domain: "domain", RDFS.range: "range",
    RDFS.isDefinedBy: "defined by", RDFS.seeAlso: "see also", SKOS.altLabel: "also known as",
    SKOS.prefLabel: "preferred label", SKOS.definition: "definition", SKOS.note: "note",
    SKOS.closeMatch: "close match", SKOS.exactMatch: "exact match", SKOS.broadMatch: "broad match",
    SKOS.narrowMatch: "narrow match", SKOS.notation: "notation", SKOS.inScheme: "in scheme",
    OWL.sameAs: "same as", OWL.equivalentClass: "equivalent class", OWL.versionInfo: "version",
    OWL.versionIRI: "version IRI", DCTERMS.source: "source", DCTERMS.title: "title",
    DCTERMS.publisher: "publisher", DCTERMS.replaces: "replaces",
    DCTERMS.isReplacedBy: "replaced by", DCTERMS.description: "description",
    DCTERMS.license: "licence", DCTERMS.created: "created", DCTERMS.modified: "modified",
    DCTERMS.creator: "creator", ELI.date_document: "date of the document (signed)",
    ELI.first_date_entry_in_force: "first entry into force",
    ELI.date_no_longer_in_force: "no longer in force since", ELI.in_force: "in force (ELI)",
    ELI.has_part: "has part", ELI.is_part_of: "part of", ELI.number: "number",
    SCHEMA.legislationLegalForce: "legal force (schema.org)",
}
# Datatypes a reader recognises from the value itself; any other is noted beside the value.
_SELF_EVIDENT_DATATYPES = {XSD.string, XSD.date, XSD.dateTime, XSD.gYear, XSD.integer, XSD.boolean,
                           XSD.decimal}
# Rows that lead (identity) and close (evidence) a property table; the rest go alphabetically.
_ROW_ORDER = {RDF.type: 0, RDFS.label: 1, SKOS.prefLabel: 1, SKOS.altLabel: 2,
              SKOS.definition: 3, DCTERMS.source: 99}


@dataclass(frozen=True)
class Link:
    """A value as shown: text, where it links (None for a literal), and a note (language, type)."""

    text: str
    href: str | None = None
    external: bool = False
    note: str = ""


@dataclass(frozen=True)
class Row:
    prop: Link
    values: tuple[Link, ...]


class Labeller:
    """Turns terms into ``Link``s: labels from ``graph``, hrefs mapped by ``urls``."""

    def __init__(self, graph: Graph, urls: IriMap) -> None:
        self.graph = graph
        self.urls = urls
        # One Labeller serves one page: a node is named many times there (NATO's: 1,100 names
        # of about 300 nodes), each name three lookups in the store.
        self._texts: dict[Any, str] = {}
        self._props: dict[URIRef, Link] = {}

    def qname(self, iri: str) -> str:
        for prefix, namespace in PREFIXES.items():
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not set(local) & set("/#?"):
                return f"{prefix}:{local}"
        return iri

    def text(self, node: Any) -> str:
        if node not in self._texts:
            self._texts[node] = self._text(node)
        return self._texts[node]

    def _text(self, node: Any) -> str:
        label = label_of(self.graph, node)
        if label is not None:
            return label
        iri = str(node)
        if isinstance(node, URIRef) and self.urls.is_ours(iri) and "#" not in iri:
            return self._under_labelled_parent(iri)
        return self.qname(iri)

    def _under_labelled_parent(self, iri: str) -> str:
        """'North Atlantic Treaty › member/USA' for an unlabelled node owned by a labelled one."""
        parts = iri[len(self.urls.base_iri):].split("/")
        for cut in range(len(parts) - 1, 1, -1):
            parent = self.urls.base_iri + "/".join(parts[:cut])
            label = label_of(self.graph, URIRef(parent))
            if label is not None:
                return f"{label} › {'/'.join(parts[cut:])}"
        return "/".join(parts)

    def term(self, node: Any) -> Link:
        if isinstance(node, Literal):
            note = f"@{node.language}" if node.language and node.language != "en" else ""
            if node.datatype is not None and node.datatype not in _SELF_EVIDENT_DATATYPES:
                note = self.qname(str(node.datatype))
            return Link(str(node), note=note)
        if isinstance(node, BNode):
            return Link("(blank node)")
        iri = str(node)
        return Link(self.text(node), self.urls.url_for(iri), not self.urls.is_ours(iri))

    def prop(self, prop: URIRef) -> Link:
        if prop not in self._props:
            self._props[prop] = self._prop(prop)
        return self._props[prop]

    def _prop(self, prop: URIRef) -> Link:
        text = label_of(self.graph, prop) or OUTSIDE_LABELS.get(prop) or self.qname(str(prop))
        iri = str(prop)
        return Link(text, self.urls.url_for(iri), not self.urls.is_ours(iri), self.qname(iri))

    def rows(self, graph: Graph, node: Any, skip: Iterable[URIRef] = (),
             hide_values: Iterable[Any] = ()) -> list[Row]:
        """The property table of ``node``: one row per property, values sorted by text."""
        skip, hide_values = set(skip), set(hide_values)
        grouped: dict[URIRef, list[Link]] = {}
        for prop, value in graph.predicate_objects(node):
            if prop not in skip and value not in hide_values:
                grouped.setdefault(prop, []).append(self.term(value))
        rows = [Row(self.prop(p), tuple(sorted(v, key=lambda link: link.text)))
                for p, v in grouped.items()]
        order = {self.prop(p).text: _ROW_ORDER.get(p, 50) for p in grouped}
        return sorted(rows, key=lambda row: (order[row.prop.text], row.prop.text.lower()))
