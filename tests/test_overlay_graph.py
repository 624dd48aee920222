"""pySHACL validates some nodes of the data in a graph that reads through to it
(knowledge/overlay_graph.py): the data is never changed, and the findings are a copy's."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from pactgraph import settings
from pactgraph.knowledge import sources, sparql_constraints
from pactgraph.knowledge.overlay_graph import overlay
from pactgraph.knowledge.sources import Knowledge

EX = "http://example.org/"


def test_an_overlay_reads_its_base_and_what_was_added_and_changes_nothing_below():
    base = Graph()
    base.add((URIRef(f"{EX}a"), URIRef(f"{EX}p"), Literal(1)))
    above = overlay(base)
    above.add((URIRef(f"{EX}b"), URIRef(f"{EX}p"), Literal(2)))
    above.add((URIRef(f"{EX}a"), URIRef(f"{EX}p"), Literal(1)))  # already below: not twice
    assert len(above) == 2 and set(above) == {*base, (URIRef(f"{EX}b"), URIRef(f"{EX}p"),
                                                       Literal(2))}
    assert len(base) == 1
    assert set(above.objects(URIRef(f"{EX}b"), None)) == {Literal(2)}
    with pytest.raises(TypeError):
        above.remove((URIRef(f"{EX}a"), None, None))


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.from_settings(settings.resolve())


def test_validating_nodes_through_an_overlay_finds_what_validating_a_copy_finds(
        knowledge, monkeypatch):
    report = knowledge.validate()
    # the nodes with findings, and as many without
    flagged = sorted({URIRef(finding.focus) for finding in report.findings})
    clean = sorted(node for node in set(knowledge.data.graph.subjects(unique=True)) - set(flagged)
                   if isinstance(node, URIRef))
    focus = [*flagged, *clean[:len(flagged)]]
    size = len(knowledge.data.graph)
    through = knowledge._check(knowledge.data.graph, focus=focus)
    assert len(knowledge.data.graph) == size  # pySHACL added the ontology's axioms above it
    monkeypatch.setattr(sources, "overlay", lambda graph: graph + Graph())  # a copy instead
    copied = knowledge._check(knowledge.data.graph, focus=focus)
    def key(finding):
        return finding.focus, finding.path or "", finding.message

    assert sorted(through, key=key) == sorted(copied, key=key)
    assert {f.focus for f in through} == {str(node) for node in flagged}


def test_the_oxigraph_copy_for_sparql_constraints_holds_the_overlay_whole(knowledge, monkeypatch,
                                                                         caplog):
    """pySHACL serialises its data graph for the Oxigraph copy of knowledge/sparql_constraints.py;
    through an overlay that once gave an empty copy, and every constraint fell back to rdflib."""
    copies: list = []
    make_copy = sparql_constraints._copy
    monkeypatch.setattr(sparql_constraints, "_copy",
                        lambda graph: copies.append(make_copy(graph)) or copies[-1])
    monkeypatch.setattr(sparql_constraints, "TRIPLES_PER_EVALUATION", 10 ** 12)  # copy at once
    focus = sorted({URIRef(finding.focus) for finding in knowledge.validate().findings})
    copies.clear()
    with caplog.at_level("INFO", logger=sparql_constraints.__name__):
        knowledge._check(knowledge.data.graph, focus=focus)
    assert copies and all(copy is not None for copy in copies)
    assert len(copies[0]) > len(knowledge.data.graph)  # the data and the ontology's axioms
    assert "evaluated by rdflib" not in caplog.text
