"""What the server says about one resource, and where our IRIs live on the running server.

Pure functions over rdflib graphs, no Flask: the blueprints call them to answer requests.

- ``IriMap``: canonical IRI ``{base_iri}{rest}`` <-> server URL ``{server}/{rest}``. RDF keeps the
  canonical IRIs; only HTML links are rewritten to point at the running server.
- ``ResourceIndex``: the IRIs of our namespace that occur in the published graph, built once per
  app, so that an unknown IRI is answered from a set lookup (no URIRef is built from it).
- ``description``: a resource's outgoing and incoming triples, those of the nodes it owns (IRIs
  that start with its IRI and "/": a treaty's clauses, memberships, readings), the closure of blank
  nodes, and the labels of every IRI it links to.
- ``serialize``: a graph as bytes in one RDF format, in a stable order (equal graphs, equal bytes).
- ``Labeller``, ``resource_view``, ``ontology_view``...: what the HTML pages show, as plain data.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from .knowledge import bind_prefixes
from .namespaces import ELI, ONTOLOGY_IRI, PG, PREFIXES, SCHEMA, SH

if TYPE_CHECKING:
    from .store import TripleStore

# Properties whose values name a node for a person, best first.
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


@dataclass(frozen=True)
class IriMap:
    """Maps our canonical IRIs to URLs on the server that is answering, and paths back to IRIs."""

    base_iri: str
    server: str  # e.g. "http://127.0.0.1:5000", no trailing slash

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base_iri)

    def url_for(self, iri: str) -> str:
        """Where ``iri`` is served: ours on this server, any other IRI unchanged."""
        if self.is_ours(iri):
            return f"{self.server}/{iri[len(self.base_iri):]}"
        return iri

    def iri_for(self, rest: str) -> str:
        """The canonical IRI served at ``{server}/{rest}``."""
        return self.base_iri + rest


class ResourceIndex:
    """The IRIs of our namespace found in the published graph (as subject or object)."""

    def __init__(self, known: Iterable[str], subjects: Iterable[str]) -> None:
        self.known: frozenset[str] = frozenset(known)
        self.subjects: tuple[str, ...] = tuple(sorted(subjects))

    @classmethod
    def of_store(cls, store: TripleStore, base_iri: str) -> ResourceIndex:
        """The index of the published triples, found by SPARQL (a pass in rdflib over every
        triple would take seconds at scale)."""
        def iris(pattern: str) -> list[str]:
            query = (f"SELECT DISTINCT ?iri WHERE {{ {pattern} FILTER (isIRI(?iri) && "
                     f"STRSTARTS(STR(?iri), {json.dumps(base_iri)})) }}")
            return [solution["iri"].value for solution in store.query(query).value]
        subjects = iris("?iri ?p ?o")
        return cls([*subjects, *iris("?s ?p ?iri")], subjects)

    def __contains__(self, iri: str) -> bool:
        return iri in self.known

    def owned(self, iri: str) -> list[URIRef]:
        """Subjects whose IRI extends ``iri`` with a path: ``{iri}/…`` (sorted)."""
        prefix = iri + "/"
        start = bisect.bisect_left(self.subjects, prefix)
        owned = []
        for candidate in self.subjects[start:]:
            if not candidate.startswith(prefix):
                break
            owned.append(URIRef(candidate))
        return owned


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


def description(graph: Graph, iri: URIRef, owned: Iterable[URIRef] = ()) -> Graph:
    """The graph served about ``iri``; ``owned`` are its sub-resources (``ResourceIndex.owned``)."""
    out = bind_prefixes(Graph())
    focus = {iri, *owned}
    for node in focus:
        for triple in graph.triples((node, None, None)):
            out.add(triple)
        for triple in graph.triples((None, None, node)):
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


def _canonical_json(value: Any) -> Any:
    """JSON with arrays sorted (order carries no meaning outside @list), for stable bytes."""
    if isinstance(value, dict):
        return {key: (item if key == "@list" else _canonical_json(item))
                for key, item in value.items()}
    if isinstance(value, list):
        items = [_canonical_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _graph_nodes(document: Any) -> list:
    """The nodes of rdflib's JSON-LD output, whatever shape it chose (list, @graph, one node)."""
    if isinstance(document, list):
        return document
    if "@graph" in document:
        return document["@graph"]
    node = {key: value for key, value in document.items() if key != "@context"}
    return [node] if node else []


def _ordered_copy(graph: Graph) -> Graph:
    """A copy with its triples added in sorted order, which rdflib then serialises them in."""
    ordered = bind_prefixes(Graph())
    for triple in sorted(graph):
        ordered.add(triple)
    return ordered


def serialize(graph: Graph, rdflib_format: str, context: dict | str | None = None,
              embedded_context: dict | None = None) -> bytes:
    """``graph`` as bytes in ``rdflib_format`` (``turtle``, ``json-ld``, ``nt``, ``xml``).

    For JSON-LD, ``embedded_context`` (the @context object) drives the compaction; the document's
    "@context" is then ``context`` when given (our /context.jsonld URL) or the embedded object.
    """
    if rdflib_format == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(line for line in lines if line)) + "\n").encode("utf-8")
    if rdflib_format == "json-ld":
        text = graph.serialize(format="json-ld", context=embedded_context or {},
                               auto_compact=True)
        nodes = _graph_nodes(json.loads(text))
        document = {"@context": context if context is not None else embedded_context,
                    "@graph": _canonical_json(nodes)}
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    return _ordered_copy(graph).serialize(format=rdflib_format, encoding="utf-8")


# --- Views for people -----------------------------------------------------------------------------
# What the HTML templates show, built from the same graphs: labels instead of IRIs, links mapped to
# the running server, values grouped by property. Templates only lay these out.

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

    def qname(self, iri: str) -> str:
        for prefix, namespace in PREFIXES.items():
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not set(local) & set("/#?"):
                return f"{prefix}:{local}"
        return iri

    def text(self, node: Any) -> str:
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


@dataclass(frozen=True)
class NodeView:
    anchor: str
    link: Link
    types: tuple[Link, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Group:
    """Owned nodes of one type: shown as sections, or as one table when there are many."""

    title: str
    nodes: tuple[NodeView, ...]
    columns: tuple[Link, ...]  # empty: render as sections

    def cell(self, node: NodeView, column: Link) -> tuple[Link, ...]:
        for row in node.rows:
            if row.prop == column:
                return row.values
        return ()


@dataclass(frozen=True)
class Incoming:
    subject: Link
    prop: Link
    target: Link | None  # the owned node linked to, when not the resource itself


@dataclass(frozen=True)
class ResourceView:
    iri: str
    title: str
    types: tuple[Link, ...]
    rows: tuple[Row, ...]
    groups: tuple[Group, ...]
    incoming: tuple[Incoming, ...]
    sources: tuple[tuple[Link, str], ...]  # (link, publisher)


TABLE_THRESHOLD = 4  # more owned nodes of one type than this fit better in a table


def _node_view(graph: Graph, node: URIRef, anchor: str, focus: URIRef,
               labels: Labeller) -> NodeView:
    link = labels.term(node)
    if label_of(graph, node) is None:  # on its owner's page, "member/USA" says enough
        link = Link(anchor, link.href)
    return NodeView(anchor, link,
                    tuple(labels.term(t) for t in sorted(graph.objects(node, RDF.type))),
                    tuple(labels.rows(graph, node, skip=[RDF.type], hide_values=[focus])))


def _groups(graph: Graph, focus: URIRef, owned: list[URIRef], labels: Labeller) -> list[Group]:
    by_type: dict[str, list[NodeView]] = {}
    for node in owned:
        view = _node_view(graph, node, str(node)[len(str(focus)) + 1:], focus, labels)
        kind = view.types[0].text if view.types else "Other"
        by_type.setdefault(kind, []).append(view)
    groups = []
    for kind, nodes in sorted(by_type.items()):
        columns: tuple[Link, ...] = ()
        if len(nodes) >= TABLE_THRESHOLD:
            seen = {row.prop: None for node in nodes for row in node.rows}
            columns = tuple(seen)
        groups.append(Group(kind, tuple(nodes), columns))
    return groups


def resource_view(graph: Graph, focus: URIRef, owned: list[URIRef],
                  labels: Labeller) -> ResourceView:
    """What the HTML page of ``focus`` shows."""
    family = {focus, *owned}
    incoming = sorted(
        (Incoming(labels.term(s), labels.prop(p), None if node == focus else labels.term(node))
         for node in family for s, p in graph.subject_predicates(node) if s not in family),
        key=lambda i: (i.prop.text, i.subject.text))
    sources = {o for node in family for o in graph.objects(node, DCTERMS.source)}
    return ResourceView(
        iri=str(focus),
        title=labels.text(focus),
        types=tuple(labels.term(t) for t in sorted(graph.objects(focus, RDF.type))),
        rows=tuple(labels.rows(graph, focus, skip=[RDF.type])),
        groups=tuple(_groups(graph, focus, owned, labels)),
        incoming=tuple(incoming),
        sources=tuple(sorted(((labels.term(s), str(graph.value(s, DCTERMS.publisher) or ""))
                              for s in sources), key=lambda pair: pair[0].text)),
    )


@dataclass(frozen=True)
class Commitment:
    iri: URIRef
    label: str
    kind: str
    signed: str
    status: str


def commitments(graph: Graph) -> list[Commitment]:
    """Every treaty, statute and declaration in the data, by date signed."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, PG.Commitment))
    found = []
    for item in {s for c in classes for s in graph.subjects(RDF.type, c)}:
        types = set(graph.objects(item, RDF.type)) & classes
        # the most specific type: the one with the most superclasses
        kind = max(types, key=lambda t: (len(set(graph.transitive_objects(t, RDFS.subClassOf))),
                                         str(t)))
        status = graph.value(item, PG.legalStatus)
        found.append(Commitment(
            item, label_of(graph, item) or str(item), label_of(graph, kind) or str(kind),
            str(graph.value(item, ELI.date_document) or ""),
            (label_of(graph, status) or "") if status is not None else ""))
    return sorted(found, key=lambda c: (c.signed or "9999", c.label))


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
