"""A graph whose blank nodes are labelled from its content: every process serves the same bytes.

Each server process parses the ontology and the shapes itself, and rdflib's parser labels blank
nodes at random. Without this, two HTTP workers served different bytes (and so different ETags)
for /shapes and /def, and listed same-path shape constraints in a different order.

rdflib.compare's canonical labelling does this for any graph but took 3.6 s on our 1,089 shape
triples. Our blank nodes are property shapes, RDF lists and the like: small trees hanging from named
nodes. Here a blank node's label is a hash of what it says (its outgoing triples, blank objects by
their own labels) and of where it hangs (its incoming triples); blank nodes still alike after that
are interchangeable (same content, same parents), so numbering them in any order gives the same
graph and the same bytes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()[:24]


class _Labels:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.content: dict[BNode, str] = {}
        self.placed: dict[BNode, str] = {}

    def of_content(self, node: BNode, visiting: frozenset = frozenset()) -> str:
        """A hash of what ``node`` says, blank objects by their own content (a cycle by a mark)."""
        if node in self.content:
            return self.content[node]
        parts = []
        for predicate, obj in self.graph.predicate_objects(node):
            if isinstance(obj, BNode):
                value = "cycle" if obj in visiting else self.of_content(obj, visiting | {node})
                parts.append(f"{predicate.n3()} _:{value}")
            else:
                parts.append(f"{predicate.n3()} {obj.n3()}")
        self.content[node] = _digest(parts)
        return self.content[node]

    def of_place(self, node: BNode, visiting: frozenset = frozenset()) -> str:
        """Its content and where it hangs: incoming triples, blank subjects by their place."""
        if node in self.placed:
            return self.placed[node]
        parts = [f"content {self.of_content(node)}"]
        for subject, predicate in self.graph.subject_predicates(node):
            if isinstance(subject, BNode):
                where = "cycle" if subject in visiting else self.of_place(subject,
                                                                          visiting | {node})
                parts.append(f"_:{where} {predicate.n3()}")
            else:
                parts.append(f"{subject.n3()} {predicate.n3()}")
        self.placed[node] = _digest(parts)
        return self.placed[node]


def stable_blank_nodes(graph: Graph) -> Graph:
    """A copy of ``graph`` (prefixes included) with content-derived blank-node labels and its
    triples added in sorted order (rdflib serialises in insertion order)."""
    labeller = _Labels(graph)
    blanks = {node for triple in graph for node in triple if isinstance(node, BNode)}
    alike: dict[str, list[BNode]] = defaultdict(list)
    for node in blanks:
        alike[labeller.of_place(node)].append(node)
    labels = {node: f"b{label}{'' if index == 0 else f'-{index}'}"
              for label, nodes in alike.items() for index, node in enumerate(nodes)}
    stable = Graph()
    for prefix, namespace in graph.namespaces():
        stable.bind(prefix, namespace, override=True, replace=True)
    renamed = (tuple(BNode(labels[n]) if isinstance(n, BNode) else n for n in triple)
               for triple in graph)
    for triple in sorted(renamed):
        stable.add(triple)
    return stable
