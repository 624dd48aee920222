"""Validate again only what an edit of the data can affect, with pySHACL's ``focus_nodes``.

pySHACL has no incremental mode, only ``focus_nodes`` and ``use_shapes``. Which focus nodes an edit
can affect is worked out shape by shape from the shapes themselves (knowledge/reach.py: each
shape's *reach*, the number of triples between its focus node and any triple it reads), not
written by hand, so a shape edited later is analysed again:

- the *touched* nodes are the subjects and objects of the triples the edit removed or added;
- a node can get a different result from shape S only if S may target it (before or after the
  edit) and it lies within S's reach of a touched node, walking either way, in the data before
  and after together, only triples whose predicate S reads (knowledge/chains.py
  ``shape_predicates``: a chain from the focus to a triple S reads is made of such triples; a
  shape with a variable predicate walks every triple, ``rdf:type`` included);
  literals are nodes too: two resources that share a value are joined through it, as a SPARQL
  join on that value would be;
- an old finding does not record its shape, so one about a node within any shape's reach is
  judged again.

``revalidate`` drops the old report's findings about those nodes, validates them (against every
shape that targets them) and merges. A shape with no bounded reach, or a change to the ontology or
the shapes, means validating everything again (the caller's decision: ``revalidate`` is for data
edits), as does a blank node within reach (pySHACL takes focus nodes by IRI; the data has none).
What it is for: at 400x the bundled data a full validation took 46 minutes.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, RDFS

from pactgraph.knowledge.chains import shape_predicates
from pactgraph.knowledge.reach import node_shapes, reach_table, shape_reach
from pactgraph.knowledge.sources import Knowledge, ValidationReport
from pactgraph.namespaces import SH


def distances(graph: Graph, seeds: set, steps: int, predicates: frozenset | None = None
              ) -> dict:
    """Each node at most ``steps`` triples away from ``seeds``, either way (an ``rdf:type`` triple
    only from its subject), with how many: through triples whose predicate is in ``predicates``
    (None: any)."""
    def follows(predicate) -> bool:
        return predicates is None or predicate in predicates

    reached, ring = dict.fromkeys(seeds, 0), set(seeds)
    for step in range(1, steps + 1):
        following = set()
        for node in ring:
            if not isinstance(node, Literal):
                following.update(o for p, o in graph.predicate_objects(node) if follows(p))
            # Never from a class to its instances: a shape with a bounded reach reads an
            # rdf:type triple only at the end of a chain (knowledge/reach.py), so no chain goes on
            # from its class. (Walking that way took every treaty in with any edit of one.)
            following.update(s for s, p in graph.subject_predicates(node)
                             if p != RDF.type and follows(p))
        ring = following - reached.keys()
        reached.update(dict.fromkeys(ring, step))
        if not ring:
            break
    return reached


def _targeting(shapes: Graph, ontology: Graph, shape) -> Callable[[Graph, object, set], bool]:
    """Whether ``shape`` may target a node of a data graph, given the node's types there (a
    SPARQL target: any node)."""
    if (shape, SH.target, None) in shapes:
        return lambda data, node, types: True
    classes = set()
    for cls in shapes.objects(shape, SH.targetClass):
        classes |= set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    nodes = set(shapes.objects(shape, SH.targetNode))
    subjects_of = set(shapes.objects(shape, SH.targetSubjectsOf))
    objects_of = set(shapes.objects(shape, SH.targetObjectsOf))
    return lambda data, node, types: (
        node in nodes or not classes.isdisjoint(types)
        or any((node, p, None) in data for p in subjects_of)
        or any((None, p, node) in data for p in objects_of))


def affected_nodes(before: Graph, after: Graph, shapes: Graph,
                   ontology: Graph | None = None) -> set | None:
    """The nodes whose findings may differ between validating ``before`` and ``after`` (the data
    graphs): each node within the reach of a shape that may target it (before or after), of a
    node the edit touched. None when some shape's reach is unbounded: validate everything."""
    changed = (before - after) + (after - before)
    seeds = {term for s, _, o in changed for term in (s, o)}
    if not seeds:
        return set()
    ontology = Graph() if ontology is None else ontology
    reaches = {shape: shape_reach(shapes, shape) for shape in node_shapes(shapes)}
    if any(reach is None for reach in reaches.values()):
        return None
    both = before + after
    affected = set()
    for shape, reach in reaches.items():
        steps = distances(both, seeds, reach, shape_predicates(shapes, shape))
        targets = _targeting(shapes, ontology, shape)
        affected |= {node for node in steps if any(
            targets(data, node, set(data.objects(node, RDF.type))) for data in (before, after))}
    return affected


def revalidate(before: Graph, report: ValidationReport, knowledge: Knowledge
               ) -> tuple[ValidationReport, set | None]:
    """The report of validating ``knowledge`` (its data edited from ``before``, whose report was
    ``report``; ontology and shapes unchanged), validating only the nodes the edit can affect.
    Returns it with those nodes (None: everything was validated again)."""
    after = knowledge.data.graph
    affected = affected_nodes(before, after, knowledge.shapes.graph, knowledge.ontology.graph)
    if affected is None or any(isinstance(node, BNode) for node in affected):
        return knowledge.validate(), None  # pySHACL takes focus nodes by IRI only
    reach = max(reach for _, reach in reach_table(knowledge.shapes.graph))
    changed = (before - after) + (after - before)
    near = distances(before + after, {t for s, _, o in changed for t in (s, o)}, reach)
    # An old finding's shape is not recorded: one within any shape's reach is judged again.
    affected |= {node for node in near if str(node) in {f.focus for f in report.findings}}
    fresh = knowledge.validate(node for node in affected if not isinstance(node, Literal))
    names = {str(node) for node in affected}
    kept = [finding for finding in report.findings if finding.focus not in names]
    merged = sorted([*kept, *fresh.findings],
                    key=lambda f: (f.file or "", f.focus, f.path or "", f.message))
    return ValidationReport(tuple(merged)), affected
