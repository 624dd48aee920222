"""The walk of incremental validation stays on an edited triple's subject when the shapes read its
predicate only on their focus (knowledge/depths.py), and otherwise goes back a shape's whole
reach: each case below is an edit whose violation lies away from the edited node, and its report
must be a full validation's (the last two, a second reader's counterexamples to a first version
that trusted distances worked out through variables and nested shapes)."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS
from test_incremental_validation import revalidated

from pactgraph.knowledge.depths import seeds_by_depth, shape_reads
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
ex:ShortcutShape a sh:NodeShape ; sh:targetClass ex:Held ; sh:sparql [ sh:select \"\"\"
    PREFIX ex: <http://example.org/>
    SELECT $this ?value WHERE { $this ex:a ?m . ?m ex:b ?y . ?y ex:c ?value .
                                FILTER NOT EXISTS { $this ex:d ?y } }\"\"\" ] .
ex:DisjointShape a sh:NodeShape ; sh:targetClass ex:Pair ;
    sh:property [ sh:path ex:p ; sh:qualifiedValueShape ex:Q1 ; sh:qualifiedMinCount 1 ;
                  sh:qualifiedValueShapesDisjoint true ] ,
                [ sh:path ( ex:a2 ex:b2 ) ; sh:qualifiedValueShape ex:Q2 ; sh:qualifiedMinCount 1 ;
                  sh:qualifiedValueShapesDisjoint true ] .
ex:Q1 sh:property [ sh:path ex:r ; sh:minCount 1 ] .
ex:Q2 sh:property [ sh:path ex:s ; sh:minCount 1 ] .
"""

DATA = """@prefix ex: <http://example.org/> .
ex:treaty a ex:Treaty ; ex:party ex:s1 . ex:s1 ex:code "ok" .
ex:a a ex:Dated ; ex:date 1 . ex:b ex:date 2 .
ex:pact a ex:Pact ; ex:member ex:s2 . ex:s2 ex:code "ok" .
ex:s3 a ex:State . ex:m ex:member ex:s3 .
ex:alliance a ex:Alliance ; ex:ally ex:s4 . ex:s4 ex:code "ok" .
ex:held a ex:Held ; ex:a ex:m5 . ex:m5 ex:b ex:y5 . ex:y5 ex:e 1 .
ex:pair a ex:Pair ; ex:p ex:x6 ; ex:a2 ex:y6 . ex:y6 ex:b2 ex:z6 . ex:x6 ex:r 1 . ex:z6 ex:s 1 .
"""


@pytest.mark.parametrize(("edit", "focus"), [
    (('ex:s1 ex:code "ok"', 'ex:s1 ex:code "bad"'), "treaty"),  # read one step from $this
    (("ex:b ex:date 2", "ex:b ex:date 1"), "a"),  # joined through a literal: one step more
    (('ex:s2 ex:code "ok"', 'ex:s2 ex:code "no"'), "pact"),  # the second step of a path
    (("ex:m ex:member ex:s3 .", ""), "s3"),  # an inverse path's triple
    # a nested shape's path; pySHACL evaluated the nested shape on none of the value nodes
    (('ex:s4 ex:code "ok"', 'ex:s4 ex:code "no"'), "alliance"),
    # ?y is one step from $this inside the NOT EXISTS, two outside it
    (("ex:y5 ex:e 1", 'ex:y5 ex:c "x"'), "held"),
    # a disjoint qualified shape is evaluated on the other property's values too
    (("ex:z6 ex:s 1", "ex:z6 ex:s 1 ; ex:r 1"), "pair"),
], ids=["neighbour", "shared-literal", "path", "inverse-path", "nested-shape", "other-scope",
        "disjoint-siblings"])
def test_an_edit_read_away_from_its_focus_is_still_caught(edit, focus) -> None:
    incremental, affected = revalidated(SHAPES, DATA, edit)
    assert "http://example.org/" + focus in {finding.focus for finding in incremental.findings}
    assert URIRef("http://example.org/" + focus) in affected


def test_a_label_is_walked_from_its_own_node_only() -> None:
    """OwnResourceShape reads ``$this ?path ?value`` and then ``?value``'s type: a label only
    where its subject is the focus (relabelling the United States at 80 times the data went
    two steps back, to 13,567 nodes), a type two steps back, as its reach says."""
    shapes = SourceGraphs.load(resolve()["shapes_paths"]).graph
    shape = URIRef("https://w3id.org/pactgraph/shapes#OwnResourceShape")
    assert (shape, RDF.type, None) in shapes
    reads, reach = shape_reads(shapes, shape), shape_reach(shapes, shape)
    node = URIRef("https://w3id.org/pactgraph/id/state/USA")
    assert reach == 2
    assert seeds_by_depth(reads, reach, {RDFS.label: {node}}) == {0: {node}}
    assert seeds_by_depth(reads, reach, {RDF.type: {node}}) == {2: {node}}
    assert seeds_by_depth(None, reach, {RDFS.label: {node}}) == {2: {node}}  # not known


def test_a_shape_reading_in_an_unlisted_way_keeps_its_whole_reach() -> None:
    shapes = Graph().parse(data="""
        @prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:Closed a sh:NodeShape ; sh:targetClass ex:T ; sh:closed true .""")
    assert shape_reads(shapes, URIRef("http://example.org/Closed")) is None


def test_what_a_nested_shape_compares_is_not_taken_for_a_read_of_the_focus_alone() -> None:
    """ex:q is read on the focus (its own SPARQL) and, through sh:equals, on the values of a
    nested shape: it keeps the whole reach."""
    shapes = Graph().parse(data="""
        @prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/q> ?x }" ] ;
            sh:property [ sh:path ex:p ; sh:node [ sh:property [ sh:path ex:r ;
                                                                 sh:equals ex:q ] ] ] .""")
    reads = shape_reads(shapes, URIRef("http://example.org/S"))
    node = URIRef("http://example.org/n")
    assert seeds_by_depth(reads, 2, {URIRef("http://example.org/q"): {node}}) == {2: {node}}
    assert seeds_by_depth(reads, 2, {URIRef("http://example.org/p"): {node}}) == {0: {node}}
