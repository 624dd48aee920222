"""Search (issue 17): the index built with the prebuilt store, typo-tolerant ranking, the JSON API
and the page that works without JavaScript; and the states and commitments indexes."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from pactgraph.build import search_index
from pactgraph.namespaces import ID, PG
from pactgraph.pages.search import SearchIndex
from pactgraph.web.context import publication_of

NAMES = Path(__file__).parent / "fixtures" / "search" / "names.ttl"


@pytest.fixture(scope="module")
def names() -> SearchIndex:
    return SearchIndex(search_index.entries(Graph().parse(NAMES)))


def first(index: SearchIndex, text: str, **options) -> tuple[str, str]:
    hits = index.find(text, **options)
    assert hits, text
    return hits[0].iri, hits[0].matched


@pytest.mark.parametrize("text,iri,matched", [
    ("Philipines", "state/PHL", ""),            # a letter missing
    ("phillipines", "state/PHL", ""),           # one doubled, one missing
    ("Philippinen", "state/PHL", "Philippinen"),  # another language
    ("phl", "state/PHL", "PHL"),                # the ISO code, any case
    ("cote divoire", "state/CIV", ""),          # without accents or punctuation
    ("tashkent", "treaty/pact", "Tashkent Treaty"),
    ("ОДКБ", "treaty/pact", "ОДКБ"),            # the organisation the treaty establishes
    ("csto", "treaty/pact", "CSTO"),
])
def test_names_in_every_language_and_typos_find_the_thing(names, text, iri, matched):
    assert first(names, text) == (str(ID[iri]), matched)


def test_organisations_are_found_through_their_treaty_not_listed_apart(names):
    assert {hit.kind for hit in names.find("collective security", limit=50)} == {"commitment"}


def test_unrelated_text_finds_nothing(names):
    assert names.find("zzzz qqqq") == []
    assert names.find("  ") == []


def test_kind_limits_the_results(names):
    assert {hit.kind for hit in names.find("t", kind="state", limit=50)} <= {"state"}


def test_the_index_is_built_with_the_prebuilt_store(small_app, small_graph):
    folder = publication_of(small_app).folder
    entries = json.loads((folder / search_index.SEARCH).read_text(encoding="utf-8"))
    assert {e["iri"] for e in entries if e["kind"] == "state"} == {
        str(s) for s in small_graph.subjects(RDF.type, PG.State)}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert search_index.SEARCH in manifest["files"]


def test_every_state_of_the_site_is_found_with_a_letter_dropped(small_client, small_graph):
    for state in small_graph.subjects(RDF.type, PG.State):
        label = str(small_graph.value(state, RDFS.label))
        typo = label[:3] + label[4:]
        body = small_client.get("/api/search", query_string={"q": typo}).get_json()
        assert body["results"][0]["iri"] == str(state), typo
        assert body["results"][0]["url"] == "http://localhost/" + str(state)[len(str(ID)) - 3:]


def test_the_issue_example_on_the_published_data(client):
    body = client.get("/api/search", query_string={"q": "Philipines"}).get_json()
    assert body["results"][0]["iri"] == str(ID["state/PHL"])


@pytest.mark.parametrize("query_string", [
    {"q": "x", "limit": "0"}, {"q": "x", "limit": "many"}, {"q": "x", "kind": "planet"},
    {"q": "x" * 201},
])
def test_bad_search_arguments_get_a_clear_400(small_client, query_string):
    response = small_client.get("/api/search", query_string=query_string,
                                headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_the_search_page_works_without_javascript(small_client, small_graph):
    page = lxml.html.fromstring(small_client.get("/search", query_string={"q": "Zealnd"}).data)
    links = page.xpath("//ol[@class='search-hits']//a/@href")
    assert links[0] == "http://localhost/id/state/NZL"
    # and every page carries the box that submits there
    landing = lxml.html.fromstring(small_client.get("/").data)
    assert landing.xpath("//form[@role='search']/@action") == ["/search"]


def column(page, number: int) -> list[str]:
    return [" ".join(td.text_content().split())
            for td in page.xpath(f"//table[contains(@class, 'listing')]/tbody/tr/*[{number}]")]


def test_the_states_index_sorts_and_filters_without_javascript(small_client, small_graph):
    codes = sorted(str(o) for o in small_graph.objects(None, PG.iso3166Alpha3))
    page = lxml.html.fromstring(small_client.get("/states/?sort=iso&desc=1").data)
    assert column(page, 2) == codes[::-1]
    page = lxml.html.fromstring(small_client.get("/states/?q=zeal").data)
    assert column(page, 1) == ["New Zealand"]


def test_the_commitments_index_filters_by_kind(client, published_graph):
    declarations = {str(published_graph.value(d, RDFS.label))
                    for d in published_graph.subjects(RDF.type, PG.Declaration)}
    page = lxml.html.fromstring(client.get("/commitments/?kind=Declaration").data)
    assert set(column(page, 1)) == declarations
    everything = lxml.html.fromstring(client.get("/commitments/?sort=parties&desc=1").data)
    parties = [int(n) for n in column(everything, 5)]
    assert parties == sorted(parties, reverse=True) and len(parties) > len(declarations)


def test_the_map_page_lists_who_must_help_without_javascript(small_client, small_graph):
    page = lxml.html.fromstring(small_client.get("/explore/map?state=aus").data)
    listed = set(page.xpath("//ul[@id='map-helpers']/li/@data-iso"))
    parties = {str(small_graph.value(s, PG.iso3166Alpha3))
               for s in small_graph.subjects(RDF.type, PG.State)} - {"AUS"}
    assert listed == parties  # the fixture treaty binds its three parties to each other
    assert page.xpath("//figure[@id='world-map']/@data-selected") == ["AUS"]


def test_the_map_of_an_unknown_state_is_a_clear_404(small_client):
    response = small_client.get("/explore/map?state=XYZ")
    assert response.status_code == 404 and b"/states/" in response.data


def test_the_network_table_is_paged(client):
    first = lxml.html.fromstring(client.get("/explore/network?date=2024-06-01").data)
    rows = first.xpath("//table[@id='obligations']/tbody/tr")
    edges = len(client.get("/explore/network.json?date=2024-06-01").get_json()["edges"])
    assert edges > 50  # NATO alone gives hundreds
    assert len(rows) == 50
    pages = -(-edges // 50)
    last = lxml.html.fromstring(client.get(f"/explore/network?date=2024-06-01&page={pages}").data)
    assert len(last.xpath("//table[@id='obligations']/tbody/tr")) == edges - 50 * (pages - 1)
    assert client.get(f"/explore/network?date=2024-06-01&page={pages + 1}").status_code == 404
