"""How far back from an edited triple the walk of incremental validation must go, by the triple's
predicate: a shape's reach (knowledge/reach.py) is the farthest any triple it reads can lie from
its focus node, but a triple with a given predicate can only be read where a pattern or path step
with that predicate (or a variable one) reads it, often nearer.

Why: ``OwnResourceShape`` reads ``$this ?path ?value`` and then ``?value rdf:type ?type``, so its
reach is 2, and the walk went back two steps from every node an edit touched. Relabelling the
United States at 80 times the data reached every node pointing at it: 13,567 nodes validated
again, 92 s. A label triple can match only the first pattern, whose subject is ``$this`` itself:
the walk need not leave the edited node.

The depth of a pattern, for a triple it may match: how many steps from the triple's seeded end
(knowledge/incremental.py seeds both ends of an edited triple, a literal end excepted) a focus
node can lie. That is the distance from ``$this`` of the pattern's nearer end (``chain_distances``)
when that end is the subject; one more when it is the object, which may be a literal the walk
starts beyond (it then crosses the triple from its subject). A property path counts as long as it
is (its reach), and a shape's ``sh:path`` steps lie within its length of the focus, as in
``shape_reach``. Where a shape reads in a way not listed here, ``predicate_depths`` gives None and
the walk keeps the shape's whole reach.
"""

from __future__ import annotations

import functools

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph.knowledge.chains import (
    COMPARED,
    KNOWN,
    TARGETING,
    _children,
    _path_steps,
    _sh_path_steps,
)
from pactgraph.knowledge.reach import (
    _is_variable,
    _path_length,
    _sh_path_length,
    chain_distances,
    declared_prefixes,
    query_patterns,
)
from pactgraph.namespaces import SH

Depths = tuple  # of (predicate, or None for any, and the steps back a triple with it needs)


@functools.lru_cache(maxsize=1024)
def _sparql_depths(select: str, prefixes: tuple) -> Depths | None:
    patterns = query_patterns(select, prefixes)
    far = chain_distances(patterns)
    if far is None:
        return None
    found = []
    for s, p, o in patterns:
        near_s, near_o = far.get(s), far.get(o)
        if near_s is None and near_o is None:
            return None
        if isinstance(p, URIRef) or _is_variable(p):
            depth = near_s if near_o is None or (near_s is not None and near_s <= near_o) \
                else near_o + 1
            found.append((None if _is_variable(p) else p, depth))
            continue
        steps, length = _path_steps(p), _path_length(p)  # a property path: as long as it is
        if steps is None or length is None:
            return None
        near = min(d for d in (near_s, near_o) if d is not None)
        found += [(predicate, near + length) for predicate, _ in steps]
    return tuple(found)


def predicate_depths(shapes: Graph, shape, seen: frozenset = frozenset()) -> Depths | None:
    """Every (predicate, depth) of what ``shape`` reads, nested shapes' included (see the
    module's docstring); None where the argument does not hold."""
    if shape in seen:
        return None
    seen = seen | {shape}
    path = shapes.value(shape, SH.path)
    own = 0 if path is None else _sh_path_length(shapes, path)
    if own is None:
        return None
    found: list = []
    if path is not None:
        steps = _sh_path_steps(shapes, path)
        if steps is None:
            return None
        # within the path's length of the focus; a backward step's nearer end is its object
        found += [(predicate, own - 1 + (0 if forward else 1)) for predicate, forward in steps]
    for parameter, value in shapes.predicate_objects(shape):
        if str(parameter).startswith(str(SH)) and parameter not in KNOWN:
            return None
        if parameter in COMPARED or parameter in TARGETING:  # the focus node's own triples
            found.append((value, own + 1))
    prefixes = tuple(sorted(declared_prefixes(shapes).items()))
    selects = [shapes.value(c, SH.select) for c in shapes.objects(shape, SH.sparql)]
    selects += [shapes.value(t, SH.select) for t in shapes.objects(shape, SH.target)]
    parts = [_sparql_depths(str(q).replace("?this", "$this"), prefixes)
             for q in selects if q is not None]
    parts += [predicate_depths(shapes, nested, seen) for nested in _children(shapes, shape)]
    for part in parts:
        if part is None:
            return None
        found += [(predicate, depth + own) for predicate, depth in part]
    return tuple(found)


def seeds_by_depth(depths: Depths | None, reach: int, seeds: dict) -> dict[int, set]:
    """The nodes an edit touched (``seeds``: predicate -> the nodes of its edited triples),
    grouped by how many steps back the walk must go from them: the deepest a triple with that
    predicate is read at, the shape's whole ``reach`` for rdf:type (which is read at a chain's
    end: the walk never crosses it) or when the depths are not known; left out when the shape
    reads no triple with that predicate."""
    grouped: dict[int, set] = {}
    for predicate, nodes in seeds.items():
        if depths is None or predicate == RDF.type:
            depth = reach
        else:
            depth = max((min(d, reach) for p, d in depths if p is None or p == predicate),
                        default=None)
        if depth is not None:
            grouped.setdefault(depth, set()).update(nodes)
    return grouped
