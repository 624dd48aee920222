"""Validate again only what an edit of the data can affect, with pySHACL's ``focus_nodes``.

pySHACL has no incremental mode, only ``focus_nodes`` and ``use_shapes``. Which focus nodes an edit
can affect is worked out shape by shape from the shapes themselves (knowledge/reach.py: each
shape's *reach*, the number of triples between its focus node and any triple it reads), not
written by hand, so a shape edited later is analysed again:

- the *touched* nodes are the subjects and objects (literals aside) of the triples the edit
  removed or added;
- a node can get a different result from shape S only if S may target it (before or after the
  edit) and it lies within S's reach of a touched node, walking back towards a focus node along
  S's chains only (knowledge/chains.py ``shape_steps``: the predicates S's patterns and paths read,
  each crossed against the way its pattern goes from ``$this``; a variable predicate crosses any
  triple but ``rdf:type``), in the data before the edit and, separately, after it (on a chain
  that mixes the two, the triples up to the first changed one are in both, and that one's near
  end is a touched node);
  literals are nodes too: two resources that share a value are joined through it, as a SPARQL
  join on that value would be;
- an old finding does not record its shape, so one about a node any shape's walk reached is
  judged again.

``revalidate`` drops the old report's findings about those nodes, validates them (against every
shape that targets them) and merges. A shape with no bounded reach, or a change to the ontology or
the shapes, means validating everything again (the caller's decision: ``revalidate`` is for data
edits), as does a blank node within reach (pySHACL takes focus nodes by IRI; the data has none).
What it is for: at 400x the bundled data a full validation took 46 minutes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from pactgraph.knowledge.chains import ANY, Steps, shape_predicates, shape_steps
from pactgraph.knowledge.depths import seeds_by_depth, shape_reads
from pactgraph.knowledge.reach import node_shapes, shape_reach
from pactgraph.knowledge.sources import Knowledge, ValidationReport
from pactgraph.namespaces import PG, SH

DEFENSE_OBLIGATION = PG.DefenseObligation


def distances(graph: Graph, seeds: set, steps: int, chain: Steps = None) -> dict:
    """Each node at most ``steps`` triples away from ``seeds``, with how many. With ``chain`` (a
    shape's steps, knowledge/chains.py) the walk goes back along them towards a focus node: a
    forward step from a triple's object to its subject, a backward one from subject to object.
    Without, it crosses any triple either way (an ``rdf:type`` triple only from its subject)."""
    chain = ANY if chain is None else chain
    to_subjects = {p for p, forward in chain if forward}
    to_objects = {p for p, forward in chain if not forward}

    def backwards(node) -> Iterable:
        if not isinstance(node, Literal):
            if None in to_objects:
                yield from graph.objects(node, None)
            else:
                for predicate in to_objects:
                    yield from graph.objects(node, predicate)
        if None in to_subjects:
            # Never from a class to its instances: a shape with a bounded reach reads an
            # rdf:type triple only at the end of a chain (knowledge/reach.py), so no chain goes
            # on from its class. (Walking that way took every treaty in with any edit of one.)
            yield from (s for s, p in graph.subject_predicates(node) if p != RDF.type)
        else:
            for predicate in to_subjects:
                yield from graph.subjects(predicate, node)

    reached, ring = dict.fromkeys(seeds, 0), set(seeds)
    for step in range(1, steps + 1):
        following = {other for node in ring for other in backwards(node)}
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
    walked = _walk(before, after, shapes, ontology)
    return None if walked is None else walked[0]


def _changed(before: Graph, after: Graph, edit: tuple[Graph, Graph] | None) -> Graph:
    """The triples in one data graph and not the other. Given ``edit`` (the edited files' triples
    before and after), only those are looked at: every other file is in both graphs, and taking
    the difference of the whole graphs was a pass of rdflib over all the data."""
    if edit is None:
        return (before - after) + (after - before)
    old, new = edit
    changed = Graph()
    for triple in old:
        if triple not in new and triple not in after:
            changed.add(triple)
    for triple in new:
        if triple not in old and triple not in before:
            changed.add(triple)
    return changed


def _walk(before: Graph, after: Graph, shapes: Graph, ontology: Graph | None,
          edit: tuple[Graph, Graph] | None = None) -> tuple[set, set] | None:
    """``affected_nodes``, with every node the walks reached (targeted or not)."""
    changed = _changed(before, after, edit)
    if not changed:
        return set(), set()
    if _beyond_the_walk(changed, before, after):
        return None
    # A literal end is no seed: the walk from the triple's subject crosses the triple to it
    # when a chain goes that way, and from a shared value (true, a date) it would reach every
    # node that has it.
    by_predicate: dict = {}
    for s, p, o in changed:
        by_predicate.setdefault(p, set()).update(t for t in (s, o) if not isinstance(t, Literal))
    ontology = Graph() if ontology is None else ontology
    reaches = {shape: shape_reach(shapes, shape) for shape in node_shapes(shapes)}
    if any(reach is None for reach in reaches.values()):
        return None
    affected, reached = set(), set()
    # Each reached node's types in each graph, looked up once for all shapes (the same nodes
    # come back for shape after shape: 6.7 s of an edit's walk at 80x the data, the old data
    # read through the unchanged files' graphs)
    types: tuple[dict, dict] = ({}, {})

    def types_in(number: int, data: Graph, node) -> set:
        found = types[number].get(node)
        if found is None:
            found = types[number][node] = set(data.objects(node, RDF.type))
        return found

    for shape, reach in reaches.items():
        chain = shape_steps(shapes, shape)
        targets = _targeting(shapes, ontology, shape)
        # Only from the triples the shape may read: a label edited on a treaty changed nothing
        # for a membership's shape, which walked from it through the shared states to every
        # membership (18,500 nodes for one label at 80x the data).
        reads = shape_predicates(shapes, shape, chain)
        # ... and not at all from a triple it reads only on its focus (knowledge/depths.py)
        groups = seeds_by_depth(shape_reads(shapes, shape), reach, {
            p: terms for p, terms in by_predicate.items() if reads is None or p in reads})
        # A chain a solution matches lies in the data before or after the edit: walk each.
        for data, (depth, seeds) in itertools.product((before, after), groups.items()):
            near = distances(data, seeds, depth, chain).keys()
            reached |= near
            affected |= {node for node in near if any(
                targets(d, node, types_in(number, d, node))
                for number, d in enumerate((before, after)))}
    return affected, reached


# Triples of the class and property hierarchy: in a data file they change which nodes a shape
# targets and what sh:class accepts, which no walk from the edited nodes sees.
HIERARCHY = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)


def _beyond_the_walk(changed: Graph, before: Graph, after: Graph) -> bool:
    """Whether the edit is one the walk cannot follow, so everything is validated again: it
    changes the class hierarchy, or the description of a node some data node is typed with (the
    walk never crosses an rdf:type triple from a class to its instances, but OwnResourceShape
    reads ``$this ?p ?v`` with ``?p`` possibly rdf:type, and then ``?v``'s own type: a second
    reader's counterexample, a region typed with a state whose description was removed)."""
    if any(p in HIERARCHY for _, p, _ in changed):
        return True
    described = {s for s, _, _ in changed}
    return any((None, RDF.type, node) in data for node in described for data in (before, after))


def obligation_digests(knowledge: Knowledge, derived=None) -> dict[str, str]:
    """A hash of what the shapes read of each derived obligation (``Knowledge.obligation_read``)
    of ``derived`` (``knowledge.derived`` if not given). An obligation whose hash an edit left
    alone has the same findings as before."""
    derived = derived or knowledge.derived
    types: dict = {}
    spelled: dict = {}  # each term spelled once: the same states and clauses come back
    return {str(node): hashlib.sha256("\n".join(sorted(
                "".join([spelled.get(term) or _spell(term, spelled) for term in triple])
                for triple in knowledge.obligation_read(node, types, derived)
            )).encode()).hexdigest()
            # each obligation has one rdf:type triple: its subjects without a set of them all
            for node in derived.obligation_graph.subjects(RDF.type, DEFENSE_OBLIGATION)}


def _spell(term, spelled: dict) -> str:
    """``term`` with its length first, so that no two triples spell alike (rdflib's ``n3()``
    checks every IRI it writes, and was half the time of the digests); kept in ``spelled``."""
    if isinstance(term, Literal):
        text = f'"{term}@{term.language or ""}^{term.datatype or ""}'
    else:
        text = f"{'_' if isinstance(term, BNode) else '<'}{term}"
    spelled[term] = f"{len(text)}:{text}"
    return spelled[term]


def revalidate(before: Graph, report: ValidationReport, knowledge: Knowledge,
               edit: tuple[Graph, Graph] | None = None, digests: tuple[dict, dict] | None = None,
               derived=None) -> tuple[ValidationReport, set | None]:
    """The report of validating ``knowledge`` (its data edited from ``before``, whose report was
    ``report``; ontology and shapes unchanged), validating only the nodes the edit can affect.
    ``edit``, if known: the triples of the edited files before and after; ``digests``, if known:
    ``obligation_digests`` before and after the edit (only the obligations whose digest changed
    are validated again, read from ``derived`` if given). Returns the report with the nodes
    validated again (None: all)."""
    walked = _walk(before, knowledge.data.graph, knowledge.shapes.graph,
                   knowledge.ontology.graph, edit)
    if walked is None or any(isinstance(node, BNode) for node in walked[0]):
        return knowledge.validate(), None  # pySHACL takes focus nodes by IRI only
    affected, reached = walked
    # An old finding's shape is not recorded: one that any shape's walk reached is judged again.
    # (affected is among reached; literals are left out: a literal may spell an old focus)
    old_foci = {f.focus for f in report.findings}
    affected = {node for node in reached if not isinstance(node, Literal)
                and (node in affected or str(node) in old_foci)}
    changed, gone = None, set()
    if digests is not None:  # obligations whose digest changed or that are no more
        then, now = digests
        changed = {node for node, digest in now.items() if then.get(node) != digest}
        gone = changed | (then.keys() - now.keys())
    fresh = knowledge.validate(affected, None if changed is None else map(URIRef, changed),
                               derived)
    names = {str(node) for node in affected} | gone
    kept = [knowledge.file_of(finding) for finding in report.findings
            if finding.focus not in names]
    merged = sorted([*kept, *fresh.findings],
                    key=lambda f: (f.file or "", f.focus, f.path or "", f.message))
    return ValidationReport(tuple(merged)), affected
