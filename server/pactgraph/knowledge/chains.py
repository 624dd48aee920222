"""Which predicates the chains of each SHACL shape are made of: the walk of incremental validation
(knowledge/incremental.py) follows only these from the nodes an edit touched.

A chain from a focus node to a triple a shape reads (knowledge/reach.py) is made of triples matched
by the shape's patterns and paths, so its predicates are theirs; a pattern with a variable
predicate may match any (``None``). ``rdf:type`` is left out: it only ever ends a chain.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery

from pactgraph.knowledge.reach import LISTS, NESTING, _is_variable, _patterns, declared_prefixes
from pactgraph.namespaces import SH

Predicates = frozenset | None  # None: any predicate


def _path_predicates(path) -> Predicates:
    if isinstance(path, URIRef):
        return frozenset({path})
    if isinstance(path, MulPath) and path.path == RDFS.subClassOf:
        return frozenset()  # in the ontology
    parts = ([path.arg] if isinstance(path, InvPath)
             else list(path.args) if isinstance(path, SequencePath | AlternativePath)
             else [path.path] if isinstance(path, MulPath) else None)
    return None if parts is None else _union(_path_predicates(p) for p in parts)


def _union(sets: Iterable[Predicates]) -> Predicates:
    union: frozenset = frozenset()
    for each in sets:
        if each is None:
            return None
        union |= each
    return union


@functools.lru_cache(maxsize=1024)
def _sparql_predicates(select: str, prefixes: tuple) -> Predicates:
    patterns = _patterns(prepareQuery(select, initNs=dict(prefixes)).algebra)
    return _union(None if _is_variable(p) else _path_predicates(p) for _, p, _ in patterns)


def _sh_path_predicates(shapes: Graph, path) -> Predicates:
    if isinstance(path, URIRef):
        return frozenset({path})
    if (path, RDF.first, None) in shapes:
        return _union(_sh_path_predicates(shapes, p) for p in Collection(shapes, path))
    for kind, value in shapes.predicate_objects(path):
        if kind == SH.alternativePath:
            return _union(_sh_path_predicates(shapes, p) for p in Collection(shapes, value))
        if value == RDFS.subClassOf and kind in (SH.zeroOrMorePath, SH.oneOrMorePath):
            return frozenset()
        return _sh_path_predicates(shapes, value)
    return None


def shape_predicates(shapes: Graph, shape, seen: frozenset = frozenset()) -> Predicates:
    """The predicates of every triple ``shape`` may read on its way from a focus node (its
    patterns' and paths', nested shapes' included): the walk of knowledge/incremental.py follows
    only these. None: any."""
    if shape in seen:
        return None
    prefixes = tuple(sorted(declared_prefixes(shapes).items()))
    seen = seen | {shape}
    path = shapes.value(shape, SH.path)
    parts: list[Predicates] = [frozenset() if path is None else _sh_path_predicates(shapes, path)]
    selects = [shapes.value(c, SH.select) for c in shapes.objects(shape, SH.sparql)]
    selects += [shapes.value(t, SH.select) for t in shapes.objects(shape, SH.target)]
    parts += [_sparql_predicates(str(q).replace("?this", "$this"), prefixes)
              for q in selects if q is not None]
    nested = [n for kind in NESTING for n in shapes.objects(shape, kind)]
    nested += [m for kind in LISTS for ms in shapes.objects(shape, kind)
               for m in Collection(shapes, ms)]
    parts += [shape_predicates(shapes, n, seen) for n in nested]
    union = _union(parts)
    # An rdf:type triple only ends a chain (its class is a constant, or the reach is unbounded),
    # so the walk need not cross it: from a class, it would reach every instance.
    return None if union is None else union - {RDF.type}
