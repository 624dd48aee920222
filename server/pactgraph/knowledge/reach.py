"""How far from its focus node each SHACL shape reads: its *reach*, worked out from the shape.

The analysis behind incremental validation (knowledge/incremental.py, whose docstring says how it
is used). A shape's reach is how many steps from its focus node a triple it reads can lie,
counting every triple as a step between its subject and its object:

- for its SPARQL constraints (EXISTS, NOT EXISTS and subqueries included; a property path counts
  its length, an alternative its longest branch), the longest chain of triple patterns joined to
  ``$this`` through shared variables: a triple a solution matches lies on such a chain in the data;
- for a property shape, the length of its ``sh:path`` plus the reach of the shapes it nests
  (``sh:node``, ``sh:property``, ``sh:or``...); a SPARQL target is read like a constraint.

A shape has no bounded reach (``None``) where that argument fails: a pattern joined to ``$this``
through no shared variable (a join through a FILTER or BIND only), a ``*`` or ``+`` path other
than ``rdfs:subClassOf`` (which runs in the ontology, unchanged by a data edit), a variable
predicate shared between patterns, or an ``rdf:type`` pattern whose class variable is shared
(so an ``rdf:type`` pattern only ever ends a chain, and the walk of knowledge/incremental.py
never crosses one: from a class it would reach every instance). knowledge/chains.py lists the
predicates a shape's chains are made of. ``reach_table`` writes the
analysis down, shape by shape (the README's performance section lists it).
"""


from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from rdflib import BNode, Graph, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from pactgraph.namespaces import PREFIXES, SH

Reach = int | None  # None: unbounded
THIS = Variable("this")
NESTING = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
LISTS = (SH["or"], SH["and"], SH.xone)


def _path_length(path) -> Reach:
    """Steps of a property path (rdflib's path objects or a plain predicate)."""
    if isinstance(path, URIRef):
        return 1
    if isinstance(path, InvPath):
        return _path_length(path.arg)
    if isinstance(path, SequencePath):
        return _total(_path_length(p) for p in path.args)
    if isinstance(path, AlternativePath):
        return _longest(_path_length(p) for p in path.args)
    if isinstance(path, MulPath):
        if path.path == RDFS.subClassOf:
            return 0  # in the ontology, which an edit of the data does not change
        return 1 if path.mod == "?" else None
    if isinstance(path, NegatedPath):
        return 1
    return None


def _total(values: Iterable[Reach]) -> Reach:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _longest(values: Iterable[Reach]) -> Reach:
    longest = 0
    for value in values:
        if value is None:
            return None
        longest = max(longest, value)
    return longest


# Nodes of the algebra through which a FILTER of a group still holds for the group's patterns:
# each solution of the group is a solution of all of them (not of an OPTIONAL's or a UNION's).
CONJUNCTIVE = frozenset({"Filter", "Join", "Extend", "BGP"})


def _patterns(node, narrowed: dict | None = None) -> Iterator[tuple]:
    """Every triple pattern in a query's algebra, wherever it is nested. A variable predicate
    that a FILTER of its group restricts to named predicates (``FILTER (?path IN (pg:a, pg:b))``
    or ``?path = pg:a``) is read as their alternative path: no triple with another predicate
    can give a solution, so an edit of one cannot change a finding (a clause's shape reads
    ``$this ?path ?value`` so, and was walked from a treaty's label to 2,489 nodes at 20x)."""
    narrowed = narrowed or {}
    if isinstance(node, CompValue):
        if node.name == "BGP":
            yield from ((s, narrowed.get(p, p), o) for s, p, o in node.triples)
        elif node.name == "TriplesBlock":  # inside EXISTS: the parse tree, triples run together
            for run in node.triples:
                yield from (tuple(run[i:i + 3]) for i in range(0, len(run) - 2, 3))
        inner = narrowed if node.name in CONJUNCTIVE else {}
        if node.name == "Filter":
            yield from _patterns(node.expr)
            yield from _patterns(node.p, {**inner, **_restricted(node.expr)})
            return
        for value in node.values():
            yield from _patterns(value, inner)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _patterns(value, narrowed)


def _restricted(expression) -> dict:
    """The variables a FILTER's expression allows only named IRIs for, each with its path: from
    its top-level conjuncts ``?v IN (iri, ...)`` and ``?v = iri``."""
    conjuncts = [expression]
    if isinstance(expression, CompValue) and expression.name == "ConditionalAndExpression":
        conjuncts = [expression.expr, *(expression.other or ())]
    found: dict = {}
    for part in conjuncts:
        if not (isinstance(part, CompValue) and part.name == "RelationalExpression"
                and isinstance(part.expr, Variable)):
            continue
        allowed = part.other if part.op == "IN" else [part.other] if part.op == "=" else []
        if allowed and all(isinstance(iri, URIRef) for iri in allowed):
            found[part.expr] = allowed[0] if len(allowed) == 1 else AlternativePath(*allowed)
    return found


def _is_variable(term) -> bool:
    return isinstance(term, (Variable, BNode))


def sparql_reach(select: str, prefixes: dict[str, str]) -> Reach:
    """The reach of one SPARQL constraint (see the module's docstring): the longest chain of
    patterns from ``$this``, each pattern as long as its path."""
    return _sparql_reach(select, tuple(sorted(prefixes.items())))


@functools.lru_cache(maxsize=1024)
def _sparql_reach(select: str, prefixes: tuple) -> Reach:  # parsing is most of the time
    patterns = query_patterns(select, prefixes)
    far = chain_distances(patterns)
    if far is None:
        return None
    return max((min(far[x] for x in (s, o) if x in far) + _pattern_length(p)
                for s, p, o in patterns), default=0)


@functools.lru_cache(maxsize=1024)
def query_patterns(select: str, prefixes: tuple) -> tuple:
    """The triple patterns of a SPARQL query, wherever they are nested."""
    return tuple(_patterns(prepareQuery(select, initNs=dict(prefixes)).algebra))


def _pattern_length(predicate) -> Reach:
    return _path_length(predicate) if isinstance(predicate, Path | URIRef) else 1


def chain_distances(patterns: tuple) -> dict | None:
    """How far from ``$this`` each variable of ``patterns`` lies along the chains of patterns
    joined through shared variables (a pattern as long as its path), or None where no bound
    holds (see the module's docstring)."""
    predicates = [p for _, p, _ in patterns if _is_variable(p)]
    if len(predicates) != len(set(predicates)):
        return None
    steps: dict = {THIS: 0}
    pending = list(patterns)
    while pending:  # patterns joined to $this through shared variables, one ring at a time
        ring = [t for t in pending if t[0] in steps or t[2] in steps]
        if not ring:
            return None  # some pattern is joined to $this through no shared variable
        for s, p, o in ring:
            pending.remove((s, p, o))
            if p == RDF.type and _is_variable(o) and any(o in (t[0], t[2]) for t in patterns
                                                       if t != (s, p, o)):
                return None
            length = _pattern_length(p)
            if length is None:
                return None
            far = min(steps[x] for x in (s, o) if x in steps) + length
            for end in (s, o):
                if _is_variable(end):
                    steps.setdefault(end, far)
    return steps


def _sh_path_length(shapes: Graph, path) -> Reach:
    if isinstance(path, URIRef):
        return 1
    if (path, RDF.first, None) in shapes:
        return _total(_sh_path_length(shapes, p) for p in Collection(shapes, path))
    for kind, value in shapes.predicate_objects(path):
        if kind == SH.inversePath:
            return _sh_path_length(shapes, value)
        if kind == SH.alternativePath:
            return _longest(_sh_path_length(shapes, p) for p in Collection(shapes, value))
        if kind == SH.zeroOrOnePath:
            return _sh_path_length(shapes, value)
        if kind in (SH.zeroOrMorePath, SH.oneOrMorePath):
            return 0 if value == RDFS.subClassOf else None
    return None


def declared_prefixes(shapes: Graph) -> dict[str, str]:
    prefixes = dict(PREFIXES)
    for declaration in shapes.objects(None, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration,
                                                                                 SH.namespace)
        if prefix is not None and namespace is not None:
            prefixes[str(prefix)] = str(namespace)
    return prefixes


def shape_reach(shapes: Graph, shape, prefixes: dict[str, str] | None = None,
                seen: frozenset = frozenset()) -> Reach:
    """The reach of ``shape`` in ``shapes`` (see the module's docstring)."""
    if shape in seen:
        return None  # a recursive shape: no bound
    prefixes = declared_prefixes(shapes) if prefixes is None else prefixes
    seen = seen | {shape}
    parts: list[Reach] = []
    path = shapes.value(shape, SH.path)
    own = 0 if path is None else _sh_path_length(shapes, path)
    for constraint in shapes.objects(shape, SH.sparql):
        parts.append(sparql_reach(str(shapes.value(constraint, SH.select)), prefixes))
    for kind in NESTING:
        parts.extend(shape_reach(shapes, nested, prefixes, seen)
                     for nested in shapes.objects(shape, kind))
    for kind in LISTS:
        for members in shapes.objects(shape, kind):
            parts.extend(shape_reach(shapes, member, prefixes, seen)
                         for member in Collection(shapes, members))
    for target in shapes.objects(shape, SH.target):  # a SPARQL target: read like a constraint
        select = shapes.value(target, SH.select)
        if select is not None:
            parts.append(sparql_reach(str(select).replace("?this", "$this"), prefixes))
    return _total([own, _longest(parts)])


def node_shapes(shapes: Graph) -> list:
    """The shapes validation starts from: those with a target."""
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    return sorted({s for kind in targets for s in shapes.subjects(kind, None)}, key=str)


def reach_table(shapes: Graph) -> list[tuple[str, Reach]]:
    """Each targeted shape with its reach: the analysis, written down."""
    prefixes = declared_prefixes(shapes)
    return [(shapes.namespace_manager.normalizeUri(shape) if isinstance(shape, URIRef)
             else str(shape), shape_reach(shapes, shape, prefixes))
            for shape in node_shapes(shapes)]
