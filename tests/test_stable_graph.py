"""Blank nodes labelled from the content: the same bytes from every parse, nothing merged."""

from __future__ import annotations

from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from pactgraph.knowledge.stable_graph import stable_blank_nodes

TURTLE = """
@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q 1 ; ex:r ( 1 2 [ ex:s "x" ] ) ] ;
     ex:t [ ex:q 1 ] , [ ex:q 1 ] .          # twins: same content, same parent
ex:b ex:p [ ex:q 1 ; ex:r ( 1 2 [ ex:s "x" ] ) ] .   # the same tree under another parent
_:loop ex:next _:back . _:back ex:next _:loop .
"""


def parsed() -> Graph:
    return Graph().parse(data=TURTLE, format="turtle")


def test_two_parses_give_the_same_bytes():
    first, second = parsed(), parsed()
    assert set(first) != set(second)  # the parser labels blank nodes anew each time
    assert (stable_blank_nodes(first).serialize(format="nt")
            == stable_blank_nodes(second).serialize(format="nt"))


def test_the_copy_is_the_same_graph_with_no_node_merged():
    graph = parsed()
    stable = stable_blank_nodes(graph)
    assert len(stable) == len(graph) and isomorphic(stable, graph)
    blanks = {node for triple in stable for node in triple if isinstance(node, BNode)}
    assert len(blanks) == len({n for t in graph for n in t if isinstance(n, BNode)})


def test_prefixes_are_kept():
    graph = parsed()
    graph.bind("ex", "http://example.org/")
    assert "ex:a" in stable_blank_nodes(graph).serialize(format="turtle")
