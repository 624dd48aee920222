"""Which predicates a shape reads only on its focus node itself: from an edited triple with such a
predicate, the walk of incremental validation (knowledge/incremental.py) need not leave the
triple's subject.

Why: ``OwnResourceShape`` reads ``$this ?path ?value`` and then ``?value rdf:type ?type``, so its
reach (knowledge/reach.py) is 2, and the walk went back two steps from every node an edit touched.
Relabelling the United States at 80 times the data reached everything pointing at it: 13,567
nodes validated again, 83 s. A label triple can match only the first pattern, whose subject is
the focus itself.

A read is *anchored* when the triple it matches has the focus as its subject, whatever the rest
of the query: a SPARQL pattern whose subject is ``$this`` (a plain or variable predicate, or an
alternative of plain ones; ``$this`` is pre-bound to the focus in every group, EXISTS and
OPTIONAL included, but not inside a sub-select that does not project it, so a query with a
sub-select has no anchored read), and the first step of a property shape's path when the path is
one predicate. Every other read (a pattern joined to ``$this`` through variables, a longer path,
a nested shape, a compared or targeting predicate) keeps the shape's whole reach, as does
``rdf:type``: distances worked out through variables may be shortened by a pattern in another
scope (a NOT EXISTS, a UNION branch), and a nested shape is evaluated on other nodes (a second
reader's counterexamples to a first version that trusted them).
"""

from __future__ import annotations

import functools

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.paths import AlternativePath

from pactgraph.knowledge.chains import (
    COMPARED,
    KNOWN,
    TARGETING,
    _children,
    _sh_path_steps,
    shape_predicates,
    shape_steps,
)
from pactgraph.knowledge.reach import (
    THIS,
    _is_variable,
    chain_distances,
    declared_prefixes,
    query_patterns,
)
from pactgraph.namespaces import SH

Reads = tuple[frozenset, frozenset]  # (anchored predicates, the others); None in either: any


@functools.lru_cache(maxsize=1024)
def _sparql_reads(select: str, prefixes: tuple) -> Reads | None:
    patterns = query_patterns(select, prefixes)
    if chain_distances(patterns) is None:
        return None
    sub_select = select.upper().count("SELECT") > 1
    anchored, other = set(), set()
    for s, p, _ in patterns:
        one_step = [None] if _is_variable(p) else [p] if isinstance(p, URIRef) else \
            list(p.args) if isinstance(p, AlternativePath) \
            and all(isinstance(a, URIRef) for a in p.args) else None
        if one_step is not None and s == THIS and not sub_select:
            anchored.update(one_step)
        else:
            other.update(one_step or [None])  # a longer path: any of its predicates, anywhere
    return frozenset(anchored), frozenset(other)


def shape_reads(shapes: Graph, shape) -> Reads | None:
    """What ``shape`` (a shape with targets) reads anchored at its focus, and what else; None
    where a parameter is not one of those knowledge/chains.py knows."""
    prefixes = tuple(sorted(declared_prefixes(shapes).items()))
    anchored, other = set(), set()
    properties = set(shapes.objects(shape, SH.property))
    for node in (shape, *properties):
        for parameter, value in shapes.predicate_objects(node):
            if str(parameter).startswith(str(SH)) and parameter not in KNOWN:
                return None
            if parameter in COMPARED or parameter in TARGETING:
                other.add(value)
        selects = [shapes.value(c, SH.select) for c in shapes.objects(node, SH.sparql)]
        selects += [shapes.value(t, SH.select) for t in shapes.objects(node, SH.target)]
        for select in filter(None, selects):
            reads = _sparql_reads(str(select).replace("?this", "$this"), prefixes)
            if reads is None:
                return None
            anchored |= reads[0]
            other |= reads[1]
        path = shapes.value(node, SH.path)
        if isinstance(path, URIRef) and node in properties:
            anchored.add(path)  # a property of the focus: its one step, from the focus
            path = None
        steps = None if path is None else _sh_path_steps(shapes, path)
        if path is not None and steps is None:
            return None
        other |= {predicate for predicate, _ in steps or ()}
        for child in _children(shapes, node):
            if child not in properties:  # nested shapes are evaluated on other nodes
                read = shape_predicates(shapes, child, shape_steps(shapes, child))
                other |= {None} if read is None else read
    return frozenset(anchored), frozenset(other)


def seeds_by_depth(reads: Reads | None, reach: int, seeds: dict) -> dict[int, set]:
    """The nodes an edit touched (``seeds``: predicate -> the nodes of its edited triples, among
    those the shape may read), grouped by how far back the walk must go from them: not at all
    for a predicate the shape reads only anchored at its focus (the seeds include the triple's
    subject), else the shape's whole ``reach``."""
    grouped: dict[int, set] = {}
    for predicate, nodes in seeds.items():
        shallow = reads is not None and predicate != RDF.type \
            and (predicate in reads[0] or None in reads[0]) \
            and predicate not in reads[1] and None not in reads[1]
        grouped.setdefault(0 if shallow else reach, set()).update(nodes)
    return grouped
