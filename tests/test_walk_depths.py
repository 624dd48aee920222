"""The walk of incremental validation goes back from an edited triple only as far as a triple with
its predicate is read (knowledge/depths.py): each case below is an edit whose violation lies that
far from the edited node, and its report must be a full validation's."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS
from test_incremental_validation import revalidated

from pactgraph.knowledge.depths import predicate_depths, seeds_by_depth
from pactgraph.knowledge.reach import shape_reach
from pactgraph.knowledge.sources import SourceGraphs
from pactgraph.settings import resolve

SHAPES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:PartyCodeShape a sh:NodeShape ; sh:targetClass ex:Treaty ; sh:sparql [ sh:select \"\"\"
    PREFIX ex: <http://example.org/>
    SELECT $this ?value WHERE { $this ex:party ?value . ?value ex:code "bad" }\"\"\" ] .
ex:SharedDateShape a sh:NodeShape ; sh:targetClass ex:Dated ; sh:sparql [ sh:select \"\"\"
    PREFIX ex: <http://example.org/>
    SELECT $this ?value WHERE { $this ex:date ?value . ?other ex:date ?value .
                                FILTER (?other != $this) }\"\"\" ] .
ex:PathShape a sh:NodeShape ; sh:targetClass ex:Pact ;
    sh:property [ sh:path ( ex:member ex:code ) ; sh:in ( "ok" ) ] .
ex:MemberShape a sh:NodeShape ; sh:targetClass ex:State ;
    sh:property [ sh:path [ sh:inversePath ex:member ] ; sh:minCount 1 ] .
ex:NestedShape a sh:NodeShape ; sh:targetClass ex:Alliance ;
    sh:property [ sh:path ex:ally ; sh:node ex:CodedShape ] .
ex:CodedShape a sh:NodeShape ; sh:property [ sh:path ex:code ; sh:in ( "ok" ) ] .
"""

DATA = """@prefix ex: <http://example.org/> .
ex:treaty a ex:Treaty ; ex:party ex:s1 . ex:s1 ex:code "ok" .
ex:a a ex:Dated ; ex:date 1 . ex:b ex:date 2 .
ex:pact a ex:Pact ; ex:member ex:s2 . ex:s2 ex:code "ok" .
ex:s3 a ex:State . ex:m ex:member ex:s3 .
ex:alliance a ex:Alliance ; ex:ally ex:s4 . ex:s4 ex:code "ok" .
"""


@pytest.mark.parametrize(("edit", "focus"), [
    (('ex:s1 ex:code "ok"', 'ex:s1 ex:code "bad"'), "treaty"),  # read one step from $this
    (("ex:b ex:date 2", "ex:b ex:date 1"), "a"),  # joined through a literal: one step more
    (('ex:s2 ex:code "ok"', 'ex:s2 ex:code "no"'), "pact"),  # the second step of a path
    (("ex:m ex:member ex:s3 .", ""), "s3"),  # an inverse path's triple
    # a nested shape's path; pySHACL evaluated the nested shape on none of the value nodes
    (('ex:s4 ex:code "ok"', 'ex:s4 ex:code "no"'), "alliance"),
], ids=["neighbour", "shared-literal", "path", "inverse-path", "nested-shape"])
def test_an_edit_read_away_from_its_focus_is_still_caught(edit, focus) -> None:
    incremental, affected = revalidated(SHAPES, DATA, edit)
    assert "http://example.org/" + focus in {finding.focus for finding in incremental.findings}
    assert URIRef("http://example.org/" + focus) in affected


def test_a_label_is_walked_from_no_farther_than_its_own_node() -> None:
    """OwnResourceShape reads ``$this ?path ?value`` and then ``?value``'s type: a label only
    where its subject is the focus (relabelling the United States at 80 times the data went
    two steps back, to 13,567 nodes), a type two steps back, as its reach says."""
    shapes = SourceGraphs.load(resolve()["shapes_paths"]).graph
    shape = URIRef("https://w3id.org/pactgraph/shapes#OwnResourceShape")
    assert (shape, RDF.type, None) in shapes
    depths, reach = predicate_depths(shapes, shape), shape_reach(shapes, shape)
    node = URIRef("https://w3id.org/pactgraph/id/state/USA")
    assert reach == 2
    assert seeds_by_depth(depths, reach, {RDFS.label: {node}}) == {0: {node}}
    assert seeds_by_depth(depths, reach, {RDF.type: {node}}) == {2: {node}}
    assert seeds_by_depth(None, reach, {RDFS.label: {node}}) == {2: {node}}  # not known


def test_a_shape_reading_in_an_unlisted_way_keeps_its_whole_reach() -> None:
    shapes = Graph().parse(data="""
        @prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Closed a sh:NodeShape ; sh:targetClass ex:T ; sh:closed true .""")
    assert predicate_depths(shapes, URIRef("http://example.org/Closed")) is None
