"""What the page of any resource shows: its property table, the nodes it owns, what links to it.

Every resource page has this generic table, under the summary its kind may add
(``commitment_page``, ``state_page``, ``clause_page``), so nothing in the data is hidden by a
layout that forgot it. Owned nodes (a treaty's clauses, memberships, readings) are grouped by type,
as sections or, when there are many, as one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph.engine.graph_view import subject_predicates_outside
from pactgraph.engine.store import graph_iri
from pactgraph.pages.describe import derived_test, label_of
from pactgraph.pages.labeller import Labeller, Link, Row
from pactgraph.pages.readers import sources_of


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


def resource_view(graph: Graph, focus: URIRef, owned: list[URIRef], labels: Labeller,
                  is_derived: Callable[[Any], bool] | None = None) -> ResourceView:
    """What the HTML page of ``focus`` shows."""
    family = {focus, *owned}
    # Derived obligations are left to the page's obligations section (pages/describe.py says why).
    is_derived = is_derived or derived_test(graph)
    mine = is_derived(focus)
    # The derived obligations' own graph is not read for a page that does not show them: NATO's
    # 2,314 triples pointing into its treaty's family are nearly all theirs, 21 are shown.
    pointing = (graph.subject_predicates if mine else
                (lambda node: subject_predicates_outside(graph, node, graph_iri("obligations"))))
    incoming = sorted(
        (Incoming(labels.term(s), labels.prop(p), None if node == focus else labels.term(node))
         for node in family for s, p in pointing(node)
         if s not in family and (mine or not is_derived(s))),
        key=lambda i: (i.prop.text, i.subject.text))
    return ResourceView(
        iri=str(focus),
        title=labels.text(focus),
        types=tuple(labels.term(t) for t in sorted(graph.objects(focus, RDF.type))),
        rows=tuple(labels.rows(graph, focus, skip=[RDF.type])),
        groups=tuple(_groups(graph, focus, owned, labels)),
        incoming=tuple(incoming),
        sources=tuple(sources_of(graph, family, labels)),
    )
