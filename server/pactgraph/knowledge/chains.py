"""Which triples the chains of each SHACL shape are made of, and which way each is crossed: the
walk of incremental validation (knowledge/incremental.py) follows only these from the nodes an
edit touched, and only back towards a focus node.

A chain from a focus node to a triple a shape reads (knowledge/reach.py) is made of triples matched
by the shape's patterns and paths, so its predicates are theirs, and each is crossed the way its
pattern is reached from ``$this``: *forward* from subject to object (``$this pg:party ?s``), or
*backward* (``?m pg:member $this``; a pattern whose two ends are equally far from ``$this`` both
ways). A pattern with a variable predicate may match any (``None``). ``rdf:type`` is left out: it
only ever ends a chain. Why the direction matters: ``OwnResourceShape`` reads ``$this ?p ?v``, so
an edit of a node can change the findings of the nodes that point at it, not of everything two
steps away through a shared state (which, walked either way, was every treaty of the synthetic
data at 20x).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath

from pactgraph.knowledge.reach import (
    LISTS,
    NESTING,
    _is_variable,
    chain_distances,
    declared_prefixes,
    query_patterns,
)
from pactgraph.namespaces import SH

Step = tuple  # (predicate or None for any, True when crossed from subject to object)
Steps = frozenset | None  # of Step; None: any triple, either way
ANY = frozenset({(None, True), (None, False)})


def _flip(steps: Steps) -> Steps:
    return None if steps is None else frozenset((p, not forward) for p, forward in steps)


def _union(sets: Iterable[Steps]) -> Steps:
    union: frozenset = frozenset()
    for each in sets:
        if each is None:
            return None
        union |= each
    return union


def _path_steps(path) -> Steps:
    """The steps of a SPARQL property path (rdflib's path objects or a plain predicate), as
    crossed from its start to its end."""
    if isinstance(path, URIRef):
        return frozenset({(path, True)})
    if isinstance(path, InvPath):
        return _flip(_path_steps(path.arg))
    if isinstance(path, SequencePath | AlternativePath):
        return _union(_path_steps(p) for p in path.args)
    if isinstance(path, MulPath):
        return frozenset() if path.path == RDFS.subClassOf else _path_steps(path.path)
    if isinstance(path, NegatedPath):
        return ANY
    return None


@functools.lru_cache(maxsize=1024)
def _sparql_steps(select: str, prefixes: tuple) -> Steps:
    patterns = query_patterns(select, prefixes)
    far = chain_distances(patterns)
    if far is None:
        return None
    steps: list[Steps] = []
    for s, p, o in patterns:
        along = frozenset({(None, True)}) if _is_variable(p) else _path_steps(p)
        near_s, near_o = far.get(s, float("inf")), far.get(o, float("inf"))
        if near_s <= near_o:
            steps.append(along)
        if near_o <= near_s:
            steps.append(_flip(along))
    return _union(steps)


def _sh_path_steps(shapes: Graph, path) -> Steps:
    if isinstance(path, URIRef):
        return frozenset({(path, True)})
    if (path, RDF.first, None) in shapes:
        return _union(_sh_path_steps(shapes, p) for p in Collection(shapes, path))
    for kind, value in shapes.predicate_objects(path):
        if kind == SH.inversePath:
            return _flip(_sh_path_steps(shapes, value))
        if kind == SH.alternativePath:
            return _union(_sh_path_steps(shapes, p) for p in Collection(shapes, value))
        if value == RDFS.subClassOf and kind in (SH.zeroOrMorePath, SH.oneOrMorePath):
            return frozenset()
        return _sh_path_steps(shapes, value)
    return None


def shape_steps(shapes: Graph, shape, seen: frozenset = frozenset()) -> Steps:
    """The steps of every chain ``shape`` may read along from a focus node (its patterns' and
    paths', nested shapes' included): the walk of knowledge/incremental.py crosses only these,
    each against its direction. None: any triple, either way."""
    if shape in seen:
        return None
    prefixes = tuple(sorted(declared_prefixes(shapes).items()))
    seen = seen | {shape}
    path = shapes.value(shape, SH.path)
    parts: list[Steps] = [frozenset() if path is None else _sh_path_steps(shapes, path)]
    selects = [shapes.value(c, SH.select) for c in shapes.objects(shape, SH.sparql)]
    selects += [shapes.value(t, SH.select) for t in shapes.objects(shape, SH.target)]
    parts += [_sparql_steps(str(q).replace("?this", "$this"), prefixes)
              for q in selects if q is not None]
    parts += [shape_steps(shapes, n, seen) for n in _children(shapes, shape)]
    union = _union(parts)
    # An rdf:type triple only ends a chain (its class is a constant, or the reach is unbounded),
    # so the walk need not cross it: from a class, it would reach every instance.
    return None if union is None else frozenset(s for s in union if s[0] != RDF.type)


# What a shape's constraints read besides its paths and queries: other predicates of the same
# node (sh:equals...), the targets' predicates and the rdf:type triples of targets and sh:class.
COMPARED = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
TARGETING = (SH.targetSubjectsOf, SH.targetObjectsOf)
# Every parameter a shape of this kind may have whose reading of the data is known above; a shape
# with any other (sh:closed reads every predicate, SHACL-AF rules and expressions) reads any.
KNOWN = frozenset({*COMPARED, *TARGETING, *(SH[name] for name in (
    "path message severity deactivated name description order group targetClass targetNode "
    "target property node qualifiedValueShape qualifiedMinCount qualifiedMaxCount "
    "qualifiedValueShapesDisjoint or and xone not sparql minCount maxCount datatype class in "
    "pattern flags nodeKind languageIn uniqueLang minInclusive maxInclusive minExclusive "
    "maxExclusive minLength maxLength hasValue prefixes declare").split())})


def shape_predicates(shapes: Graph, shape, steps: Steps) -> frozenset | None:
    """The predicates of the triples ``shape`` (whose ``shape_steps`` are ``steps``) may read,
    nested shapes' included: an edit of a triple with any other predicate cannot change its
    findings. None: any predicate."""
    if steps is None or any(predicate is None for predicate, _ in steps):
        return None
    found = {predicate for predicate, _ in steps} | {RDF.type}
    for nested in {shape} | _nested(shapes, shape):
        for parameter, value in shapes.predicate_objects(nested):
            if str(parameter).startswith(str(SH)) and parameter not in KNOWN:
                return None
            if parameter in COMPARED or parameter in TARGETING:
                found.add(value)
    return frozenset(found)


def _children(shapes: Graph, shape) -> list:
    """The shapes ``shape`` names through sh:node, sh:property, sh:or..."""
    return [*(n for kind in NESTING for n in shapes.objects(shape, kind)),
            *(m for kind in LISTS for ms in shapes.objects(shape, kind)
              for m in Collection(shapes, ms))]


def _nested(shapes: Graph, shape) -> set:
    """Every shape ``shape`` reaches through sh:node, sh:property, sh:or..., itself left out."""
    found: set = set()
    todo = [shape]
    while todo:
        for node in _children(shapes, todo.pop()):
            if node not in found and node != shape:
                found.add(node)
                todo.append(node)
    return found
