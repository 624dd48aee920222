"""The alliance network narrowed to a treaty or a region (pages/network_filters.py), its short
names, and the ``?treaty=`` and ``?region=`` parameters of /explore/network(.json)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from pactgraph.pages.network_filters import narrowed, region_states, short_names

ID = "https://w3id.org/pactgraph/id/"


def node(id_: str, kind: str = "state", **extra) -> dict:
    return {"data": {"id": id_, "label": id_, "href": "", "kind": kind, **extra}}


def edge(source: str, target: str, kind: str, treaty: str) -> dict:
    return {"data": {"id": f"{source}-{target}", "source": source, "target": target,
                     "kind": kind, "treaties": [treaty]}}


# Two alliances (one of three states, one of two of them and a fourth) and a bilateral arrow.
ELEMENTS = {
    "date": "2000-01-01",
    "nodes": [node("A"), node("B"), node("C"), node("D"), node("E"),
              node("pact", "alliance", members=["A", "B", "C"], notBound=[]),
              node("other", "alliance", members=["C", "D", "E"], notBound=[])],
    "edges": [edge("A", "pact", "member", "pact"), edge("B", "pact", "member", "pact"),
              edge("C", "pact", "member", "pact"), edge("C", "other", "member", "other"),
              edge("D", "other", "member", "other"), edge("E", "other", "member", "other"),
              edge("D", "A", "obligation", "treaty-d-a")],
    "pairs": [["A", "B", "certain"], ["D", "A", "certain"], ["D", "E", "certain"]],
}


def ids(elements: dict) -> tuple[set, set]:
    return ({n["data"]["id"] for n in elements["nodes"]},
            {e["data"]["id"] for e in elements["edges"]})


def test_a_treaty_keeps_its_alliance_as_one_node_with_its_members():
    nodes, edges = ids(narrowed(ELEMENTS, treaty="pact"))
    assert nodes == {"A", "B", "C", "pact"}
    assert edges == {"A-pact", "B-pact", "C-pact"}
    assert ids(ELEMENTS)[1] >= edges  # the elements it was given are left as they were
    assert len(ELEMENTS["edges"]) == 7


def test_a_region_keeps_what_touches_its_states_and_whole_alliances():
    narrow = narrowed(ELEMENTS, states=frozenset({"A"}))
    nodes, edges = ids(narrow)
    assert nodes == {"A", "B", "C", "D", "pact"}  # "other" has no member in the region
    assert edges == {"A-pact", "B-pact", "C-pact", "D-A"}
    marked = {n["data"]["id"] for n in narrow["nodes"] if n["data"]["inRegion"]}
    assert marked == {"A"}
    assert {tuple(p[:2]) for p in narrow["pairs"]} == {("A", "B"), ("D", "A")}


def test_treaty_and_region_together_and_neither():
    assert ids(narrowed(ELEMENTS, treaty="treaty-d-a", states=frozenset({"E"}))) == (set(), set())
    assert ids(narrowed(ELEMENTS)) == ids(ELEMENTS)


SHORT = """
@prefix pg: <https://w3id.org/pactgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix treaty: <https://w3id.org/pactgraph/id/treaty/> .
@prefix org: <https://w3id.org/pactgraph/id/organisation/> .
@prefix region: <https://w3id.org/pactgraph/id/region/> .
@prefix state: <https://w3id.org/pactgraph/id/state/> .
pg:MutualDefenseTreaty rdfs:subClassOf pg:Commitment .
treaty:long a pg:MutualDefenseTreaty ;
    rdfs:label "Southeast Asia Collective Defense Treaty"@en ;
    skos:altLabel "Manila Pact"@en , "MP"@en , "Pacte de Manille long"@fr ;
    pg:establishes org:o .
org:o skos:altLabel "ORG"@en .
treaty:org-only a pg:MutualDefenseTreaty ;
    rdfs:label "A treaty with a long title and no name of its own"@en ;
    pg:establishes org:p .
org:p skos:altLabel "PACT"@en .
treaty:short a pg:MutualDefenseTreaty ;
    rdfs:label "North Atlantic Treaty"@en ;
    skos:altLabel "NAT"@en .
state:AAA pg:inRegion region:inner .
region:inner a pg:Region ; rdfs:label "Inner"@en ; pg:withinRegion region:outer .
region:outer a pg:Region ; rdfs:label "Outer"@en .
"""


def test_an_alliance_is_named_by_its_treatys_own_short_name_before_its_organisations():
    graph = Graph().parse(data=SHORT, format="turtle")
    assert short_names(graph) == {"long": "Manila Pact", "org-only": "PACT"}


def test_a_state_is_in_its_region_and_every_wider_one():
    graph = Graph().parse(data=SHORT, format="turtle")
    assert region_states(graph) == {"inner": ("Inner", frozenset({"AAA"})),
                                    "outer": ("Outer", frozenset({"AAA"}))}


# --- Over HTTP, on the bundled data ---------------------------------------------------------------

def test_the_json_view_narrowed_to_a_treaty_holds_only_it(client, published_graph):
    view = client.get("/explore/network.json?date=2020-01-01&treaty=north-atlantic-treaty-1949")
    assert view.status_code == 200
    data = view.get_json()
    alliances = [n["data"] for n in data["nodes"] if n["data"]["kind"] == "alliance"]
    assert [a["id"] for a in alliances] == ["north-atlantic-treaty-1949"]
    assert alliances[0]["label"] == "North Atlantic Treaty"
    members = set(alliances[0]["members"])
    assert {e["data"]["source"] for e in data["edges"]} == members  # one line each, no clique
    assert len(data["edges"]) == len(members)
    assert all(e["data"]["treaties"] == ["north-atlantic-treaty-1949"] for e in data["edges"])


def test_the_json_view_narrowed_to_a_region_touches_its_states(client, published_graph):
    in_asia = {str(s).rsplit("/", 1)[-1] for s, in published_graph.query(
        "PREFIX pg: <https://w3id.org/pactgraph/def#> SELECT ?s WHERE { ?s pg:inRegion/"
        "pg:withinRegion* <https://w3id.org/pactgraph/id/region/eastern-asia> }")}
    data = client.get("/explore/network.json?date=1980-01-01&region=eastern-asia").get_json()
    nodes = {n["data"]["id"]: n["data"] for n in data["nodes"]}
    assert {"PRK", "KOR", "CHN"} <= set(nodes)
    assert {i for i, n in nodes.items() if n["inRegion"]} == set(nodes) & in_asia
    for e in data["edges"]:
        ends = ({e["data"]["source"], e["data"]["target"]} if e["data"]["kind"] == "obligation"
                else set(nodes[e["data"]["target"]]["members"]))
        assert ends & in_asia, e


@pytest.mark.parametrize("query, named", [("treaty=no-such-pact", "no-such-pact"),
                                          ("region=atlantis", "atlantis")])
def test_an_unknown_treaty_or_region_is_a_clear_400(client, query, named):
    response = client.get(f"/explore/network?date=2020-01-01&{query}")
    assert response.status_code == 400
    assert named in response.get_data(as_text=True)


def test_the_table_keeps_the_choice_in_its_page_links(client):
    page = client.get("/explore/network?date=2020-01-01&region=europe").get_data(as_text=True)
    assert 'page=2&amp;region=europe' in page or 'region=europe&amp;page=2' in page
    assert '<option value="europe" selected>' in page
