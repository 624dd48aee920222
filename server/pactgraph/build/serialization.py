"""A graph as bytes in one RDF format, in a stable order (equal graphs, equal bytes).

A module of its own because the prebuilt store writes its downloads with ``serialize``: this file
is one of ``versions.BUILDING_MODULES``, whose code is hashed into the store's version, so it holds
only what the building needs and a change to a page does not build the store again.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph

from pactgraph.knowledge.sources import bind_prefixes


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


class _SubjectsInOrder(Graph):
    """A graph whose ``subjects()`` come sorted.

    rdflib's RDF/XML serializer writes one element per subject in the order ``subjects()`` gives,
    and an in-memory graph gives them from a set: in Python's hash order, which changes with
    PYTHONHASHSEED, so two processes (two HTTP workers) wrote the same graph as different
    bytes, with different ETags. The rest of its output follows the order triples were added in,
    which ``_ordered_copy`` sorts, and the namespace declarations, which it sorts itself.
    """

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 (rdflib's name)
        return iter(sorted(super().subjects(predicate, object, unique)))


def _ordered_copy(graph: Graph, kind: type[Graph] = Graph) -> Graph:
    """A copy with its triples added in sorted order, which rdflib then serialises them in.

    The prefixes rdflib makes up for the namespaces of predicates we do not bind (ns1, ns2...)
    are made here, in sorted order: the Turtle and RDF/XML serializers would number them in the
    order they meet them, from a set, which changes from one process to the next.
    """
    ordered = bind_prefixes(kind())
    for triple in sorted(graph):
        ordered.add(triple)
    for predicate in sorted(set(ordered.predicates())):
        ordered.namespace_manager.compute_qname_strict(predicate)
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
    if rdflib_format == "xml":
        return _ordered_copy(graph, _SubjectsInOrder).serialize(format="xml", encoding="utf-8")
    return _ordered_copy(graph).serialize(format=rdflib_format, encoding="utf-8")
