"""SPARQL constraints evaluated by Oxigraph while pySHACL validates (the patch of
knowledge/sparql_constraints.py).

Every constraint of pactgraph's shapes has a failing fixture in tests/test_shapes.py, which
validates through the patch; here, the cases it must leave to rdflib to find the same things,
each checked against pySHACL's own evaluation (the patch left out).
"""

from __future__ import annotations

import contextlib
import logging

import pytest
from rdflib import Graph

from pactgraph.knowledge import sources, sparql_constraints
from pactgraph.knowledge.rdf_files import _lexical_forms_kept
from pactgraph.knowledge.sources import Knowledge, SourceGraphs

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _shape(select: str) -> str:
    return PREFIXES + f"""
ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:sparql [ sh:message "found {{?n}}" ; sh:select \"\"\"
        PREFIX ex: <http://example.org/>
        {select}\"\"\" ] .
"""


def _findings(shapes: str, data: str, patched: bool = True) -> list[tuple[str, str, str]]:
    with _lexical_forms_kept():  # as pactgraph loads data files
        parsed = Graph().parse(data=PREFIXES + data)
    knowledge = Knowledge(SourceGraphs(), SourceGraphs(parsed),
                          SourceGraphs(Graph().parse(data=shapes)))
    with contextlib.ExitStack() as stack:
        if not patched:
            stack.enter_context(pytest.MonkeyPatch.context()).setattr(
                sources, "sparql_constraints_on_oxigraph", contextlib.nullcontext)
        report = knowledge.validate()
    return sorted((f.focus, f.message, f.value or "") for f in report.findings)


def test_a_constraint_finds_what_pyshacl_finds() -> None:
    shapes = _shape("SELECT $this ?n WHERE { $this ex:n ?n FILTER (?n > 2) "
                    "FILTER NOT EXISTS { $this ex:excused true } }")
    data = """ex:a a ex:Thing ; ex:n 3 .  ex:b a ex:Thing ; ex:n 1 .
              ex:c a ex:Thing ; ex:n 5 ; ex:excused true ."""
    found = _findings(shapes, data)
    assert found == [("http://example.org/a", "found 3", "http://example.org/a")]
    assert found == _findings(shapes, data, patched=False)


def test_a_literal_oxigraph_would_store_otherwise_is_read_by_rdflib(caplog) -> None:
    """Oxigraph stores "007"^^xsd:integer as "7": a constraint reading the lexical form would
    miss it there."""
    shapes = _shape("SELECT $this ?n WHERE { $this ex:n ?n FILTER (STR(?n) = '007') }")
    data = 'ex:a a ex:Thing ; ex:n "007"^^xsd:integer .'
    with caplog.at_level(logging.INFO, logger="pactgraph.knowledge.sparql_constraints"):
        found = _findings(shapes, data)
    assert found == [("http://example.org/a", "found 007", "http://example.org/a")]
    assert found == _findings(shapes, data, patched=False)
    assert "evaluated by rdflib" in caplog.text


def test_a_query_oxigraph_cannot_substitute_is_read_by_rdflib() -> None:
    """A sub-select that does not project $this: pyoxigraph refuses to substitute it."""
    shapes = _shape("SELECT $this ?n WHERE { $this ex:n ?n . "
                    "{ SELECT (MAX(?m) AS ?top) WHERE { ?x ex:n ?m } } FILTER (?n = ?top) }")
    data = "ex:a a ex:Thing ; ex:n 3 .  ex:b a ex:Thing ; ex:n 1 ."
    found = _findings(shapes, data)
    assert found == [("http://example.org/a", "found 3", "http://example.org/a")]
    assert found == _findings(shapes, data, patched=False)


FOUND_3 = [("http://example.org/a", "found 3", "http://example.org/a")]


def _recorded_copies(monkeypatch) -> list:
    """The graphs a copy for Oxigraph is asked of (none is made: rdflib evaluates on)."""
    copies: list = []
    monkeypatch.setattr(sparql_constraints, "_copy", lambda graph: copies.append(graph) or None)
    return copies


def _a_large_graph(monkeypatch) -> tuple[str, str]:
    """A shape and 104 triples, with a copy paid for after two evaluations by their count."""
    monkeypatch.setattr(sparql_constraints, "TRIPLES_PER_EVALUATION", 50)  # 2 for 104 triples
    many = " ".join(f"ex:other{n} ex:n {n} ." for n in range(100))
    return (_shape("SELECT $this ?n WHERE { $this ex:n ?n FILTER (?n > 2) }"),
            f"ex:a a ex:Thing ; ex:n 3 .  ex:b a ex:Thing ; ex:n 1 . {many}")


def test_a_few_evaluations_on_a_large_graph_are_rdflibs(monkeypatch) -> None:
    """An edit validates a few nodes again: copying all the data for Oxigraph would cost more
    than rdflib answering them, so the copy waits until enough evaluations have come."""
    copies = _recorded_copies(monkeypatch)
    monkeypatch.setattr(sparql_constraints, "_clock", lambda: 0.0)  # evaluations cost nothing
    shapes, data = _a_large_graph(monkeypatch)
    assert _findings(shapes, data) == FOUND_3
    assert copies == []
    monkeypatch.setattr(sparql_constraints, "TRIPLES_PER_EVALUATION", 100)  # 1 for 104 triples
    _findings(shapes, data)
    assert len(copies) == 1  # the second evaluation paid for the copy


def test_evaluations_that_cost_rdflib_what_a_copy_would_cost_pay_for_it(monkeypatch) -> None:
    """However few evaluations have come, once rdflib has spent what the copy would cost the
    copy is made (a test's clock: every evaluation takes a second of it)."""
    copies = _recorded_copies(monkeypatch)
    ticks = iter(range(10 ** 6))
    monkeypatch.setattr(sparql_constraints, "_clock", lambda: next(ticks))
    shapes, data = _a_large_graph(monkeypatch)
    assert _findings(shapes, data) == FOUND_3
    assert len(copies) == 1  # by the count alone the two evaluations would both be rdflib's
    monkeypatch.setattr(sparql_constraints, "COPY_SECONDS_PER_TRIPLE", 1.0)  # 104 s for 104
    copies.clear()
    _findings(shapes, data)
    assert copies == []
