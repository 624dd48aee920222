"""A patch of pySHACL, for validation only: SPARQL constraints evaluated by Oxigraph.

pySHACL evaluates each ``sh:sparql`` constraint of the shapes once per focus node, with rdflib's
SPARQL engine: about a millisecond or more each time, which made most of validating an edit
(17 of 22 s for the 809 nodes an edit reached at 5x the bundled data). Here each evaluation runs
in pyoxigraph, over an in-memory copy of the graph pySHACL validates (made once per validation,
when enough evaluations have come to pay for it), with ``$this`` (and ``$value``,
``$currentShape``) substituted as SHACL's pre-binding says (pyoxigraph's ``substitutions`` follow
SEP-0007, the same substitution). What pySHACL does with the rows is unchanged: the same code,
given the same rows. pySHACL's check of a constraint's text, made before every evaluation, is
made once per text.

Three cases are left to pySHACL's own evaluation, so that nothing is found differently:
- a graph holding a typed literal Oxigraph would store otherwise (it keeps numbers, booleans and
  dates by value: "007"^^xsd:integer becomes "7", an xsd:int an xsd:integer), as a constraint
  may read the lexical form or the datatype;
- a query Oxigraph refuses (a sub-select that does not project ``$this`` cannot be substituted);
- a query that may reach the network (``SERVICE``), as everywhere in pactgraph.

Like knowledge/sparql_once.py, applied by knowledge/sources.py only while pySHACL validates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pyoxigraph as ox
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Literal

from pactgraph.engine.federation import mentions_service
from pactgraph.terms import to_oxigraph, to_rdflib

log = logging.getLogger(__name__)

# id(graph) -> [graph, evaluations so far, its Oxigraph copy (None: not yet; False: rdflib's),
#               seconds rdflib has spent evaluating on it]
_COPIES: ContextVar[dict | None] = ContextVar("pactgraph_oxigraph_copies", default=None)


# Copying a graph for Oxigraph costs about what rdflib spends on one evaluation per 60 of its
# triples (~12 us a triple against ~0.7 ms an evaluation, at 5x the data): the first
# len(graph) // 60 evaluations are rdflib's, then the copy is made. An edit that validates a few
# nodes again never pays for a copy of all the data; a full validation pays at most twice.
TRIPLES_PER_EVALUATION = 60
# But an evaluation's cost varies a hundredfold with the constraint and the data's size: at 80x
# the first 12,000 evaluations took 2.4 s in one run and 36 s in another (which come first
# follows the hash seed). So the copy is also made once rdflib has spent what it would cost
# (renting until the rent reaches the price: never more than twice the better choice).
COPY_SECONDS_PER_TRIPLE = 12e-6
_clock = time.perf_counter  # a test's own clock in its place


def _copy_of(graph) -> ox.Store | None:
    """The Oxigraph copy of ``graph`` for this validation, or None where rdflib evaluates: not
    enough evaluations yet to pay for the copy, or a graph Oxigraph would store otherwise."""
    copies = _COPIES.get()
    entry = copies.get(id(graph))
    if entry is None or entry[0] is not graph:
        entry = copies[id(graph)] = [graph, 0, None, 0.0]
    if entry[2] is None:
        entry[1] += 1
        if entry[1] <= len(graph) // TRIPLES_PER_EVALUATION \
                and entry[3] < len(graph) * COPY_SECONDS_PER_TRIPLE:
            return None
        entry[2] = _copy(graph) or False
    return entry[2] or None


def _spent(graph, seconds: float) -> None:
    """Count ``seconds`` of rdflib's evaluation on ``graph`` towards paying for its copy."""
    entry = _COPIES.get().get(id(graph))
    if entry is not None and entry[0] is graph:
        entry[3] += seconds


def _copy(graph) -> ox.Store | None:
    """``graph`` in an in-memory Oxigraph store, or None if a typed literal of it would be
    stored in another form there."""
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    ours = {(str(o), str(o.datatype)) for _, _, o in graph.triples((None, None, None))
            if isinstance(o, Literal) and o.datatype is not None}
    theirs = {(row[0].value, row[0].datatype.value) for row in store.query(
        "SELECT DISTINCT ?o { ?s ?p ?o FILTER(isLiteral(?o) && lang(?o) = '' "
        "&& datatype(?o) != <http://www.w3.org/2001/XMLSchema#string>) }")}
    if ours != theirs:
        log.info("SPARQL constraints evaluated by rdflib: the data has typed literals Oxigraph "
                 "would store in another form")
        return None
    return store


def _rows(store: ox.Store, query: str, init_binds: dict, iris: dict) -> list[dict] | None:
    """The solutions of ``query`` with ``init_binds`` substituted, as pySHACL reads rdflib's
    (``ResultRow.asdict``: the bound variables only), or None if Oxigraph cannot evaluate it.
    ``iris``: the URIRefs made so far (``terms.to_rdflib``)."""
    substitutions = {ox.Variable(name): to_oxigraph(value) for name, value in init_binds.items()}
    try:
        solutions = store.query(query, substitutions=substitutions)
        names = [variable.value for variable in solutions.variables]
        return [{name: to_rdflib(term, iris) for name, term in zip(names, row, strict=True)
                 if term is not None} for row in solutions]
    except (SyntaxError, ValueError, RuntimeError, OSError):
        return None


@contextmanager
def sparql_constraints_on_oxigraph() -> Iterator[None]:
    original = SPARQLBasedConstraint._validate_sparql_query
    check = SPARQLQueryHelper.check_invalid_sparql
    valid: set = set()
    networked: dict[str, bool] = {}  # mentions_service of each constraint's text, asked once
    iris: dict = {}

    def check_once(self, sparql_text, valuenode=None, extravars=None):
        # pySHACL checks a constraint's text with five regular expressions before every
        # evaluation: most of its own time at 80x the data. A text that passed passes again.
        key = (sparql_text, valuenode is None, frozenset(extravars or ()))
        if key not in valid:
            check(self, sparql_text, valuenode, extravars)
            valid.add(key)
        return True

    def validate_sparql_query(self, query, init_binds, target_graph):
        if query not in networked:
            networked[query] = mentions_service(query)
        store = None if networked[query] else _copy_of(target_graph)
        rows = None if store is None else _rows(store, query, init_binds, iris)
        if rows is None:
            started = _clock()
            try:
                return original(self, query, init_binds, target_graph)
            finally:
                _spent(target_graph, _clock() - started)
        violations: list = []  # as pySHACL's own, from here on
        failed = False
        for var_dict in rows:
            if var_dict.pop("failure", None) is not None:
                if not failed:
                    violations.append((True, var_dict))
                    failed = True
                continue
            p, v, t = (var_dict.pop(name, None) for name in ("path", "value", "this"))
            if (p is not None or v is not None or t is not None) \
                    and (t, p, v, var_dict) not in violations:
                violations.append((t, p, v, var_dict))
        return violations

    SPARQLBasedConstraint._validate_sparql_query = validate_sparql_query
    SPARQLQueryHelper.check_invalid_sparql = check_once
    token = _COPIES.set({})
    try:
        yield
    finally:
        SPARQLBasedConstraint._validate_sparql_query = original
        SPARQLQueryHelper.check_invalid_sparql = check
        _COPIES.reset(token)
