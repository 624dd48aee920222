"""Found by dataset search engines: the landing page's schema.org Dataset, expanded by pyld against
the vendored schema.org context (tests/fixtures/schemaorg, tools/vendor-schemaorg-context.sh; no
network), and the sitemap of every page.

On the fixture site; what is expected is read from the served VoID/DCAT description and the
served graph, not written here.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL

from pactgraph.build.release import released_versions
from pactgraph.namespaces import DATASET_IRI
from pactgraph.web.routes.discovery import NOT_LISTED

SCHEMA_CONTEXT = Path(__file__).parent / "fixtures" / "schemaorg" / "context.jsonld"
S = "http://schema.org/"  # the schema.org context maps terms to http://schema.org/
DATASET = URIRef(DATASET_IRI)


class _JsonLdScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._inside:
            self.scripts.append("")

    def handle_data(self, data):
        if self._inside:
            self.scripts[-1] += data

    def handle_endtag(self, tag):
        self._inside = False


def offline_loader(url: str, options=None) -> dict:
    """pyld's document loader: the vendored schema.org context, and nothing from the network."""
    if urlsplit(url).netloc.removeprefix("www.") != "schema.org":
        raise AssertionError(f"the test would have fetched {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": json.loads(SCHEMA_CONTEXT.read_text())}


@pytest.fixture(scope="module")
def expanded(small_app) -> dict:
    page = small_app.test_client().get("/").get_data(as_text=True)
    parser = _JsonLdScripts()
    parser.feed(page)
    [script] = parser.scripts
    [dataset] = jsonld.expand(json.loads(script), {"documentLoader": offline_loader})
    return dataset


@pytest.fixture(scope="module")
def description(small_app) -> Graph:
    response = small_app.test_client().get("/dataset", headers={"Accept": "text/turtle"})
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def values(node: dict, term: str) -> list:
    return [item.get("@value", item.get("@id")) for item in node.get(S + term, [])]


def test_the_landing_page_is_a_schema_org_dataset(expanded, description):
    assert expanded["@type"] == [S + "Dataset"] and expanded["@id"] == DATASET_IRI
    assert values(expanded, "name") == [str(description.value(DATASET, DCTERMS.title))]
    assert values(expanded, "description") == [
        str(description.value(DATASET, DCTERMS.description))]
    assert values(expanded, "license") == [str(description.value(DATASET, DCTERMS.license))]
    assert values(expanded, "version") == [str(description.value(DATASET, OWL.versionInfo))]
    [creator] = expanded[S + "creator"]
    assert values(creator, "name") == [str(description.value(DATASET, DCTERMS.creator))]


def test_every_distribution_has_its_url_and_format(expanded, description):
    downloads = {str(description.value(node, DCAT.downloadURL)):
                 str(description.value(node, DCAT.mediaType)).rsplit("/", 2)[-2:]
                 for node in description.objects(DATASET, DCAT.distribution)}
    found = {values(d, "contentUrl")[0]: values(d, "encodingFormat")[0].split("/")
             for d in expanded[S + "distribution"]}
    assert downloads and found == downloads
    assert all(d["@type"] == [S + "DataDownload"] for d in expanded[S + "distribution"])


def test_coverage_in_time_and_space(expanded, small_graph):
    first = min(str(date) for date in small_graph.objects(
        None, URIRef("http://data.europa.eu/eli/ontology#date_document")))
    assert values(expanded, "temporalCoverage") == [f"{first}/.."]
    parties = {str(p) for p in small_graph.objects(
        None, URIRef("https://w3id.org/pactgraph/def#party"))}
    places = expanded[S + "spatialCoverage"]
    assert {place["@id"] for place in places} == parties
    assert all(place["@type"] == [S + "Country"] and values(place, "name") for place in places)


def test_the_sitemap_lists_every_page_and_each_answers(small_client, small_graph):
    root = ET.fromstring(small_client.get("/sitemap.xml").data)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    paths = [urlsplit(loc.text).path for loc in root.iter(f"{namespace}loc")]
    ours = {str(s) for s in small_graph.subjects()
            if str(s).startswith("https://w3id.org/pactgraph/id/")}
    assert ours and {p for p in paths if p.startswith("/doc/")} == {
        "/doc/" + iri.removeprefix("https://w3id.org/pactgraph/id/") for iri in ours}
    assert {"/", "/dataset", "/download/", "/sparql", "/def"} <= set(paths)
    for path in paths:
        response = small_client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.mimetype == "text/html", path
    robots = small_client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_every_page_without_parameters_is_in_the_sitemap(small_app, small_client):
    """Every GET route that takes no parameter and answers a page (HTML) is listed, and every
    version of the ontology at its version IRI; only the empty search form is left out."""
    root = ET.fromstring(small_client.get("/sitemap.xml").data)
    listed = {urlsplit(loc.text).path
              for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = set()
    for rule in small_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_LISTED:
            continue
        response = small_client.get(rule.rule, headers={"Accept": "text/html"})
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.add(rule.rule)
    assert {"/states/", "/commitments/", "/releases/"} <= pages
    assert pages <= listed, pages - listed
    versions = released_versions(small_app.config["PACTGRAPH"]["releases_path"])
    assert versions and {f"/def/{version}" for version in versions} <= listed


@pytest.mark.parametrize("order", [("/coverage", "/"), ("/", "/coverage")])
def test_the_coverage_page_and_the_landing_page_keep_their_own_coverage(small_site, order):
    """Each kept its coverage under one key, each of another type: whichever came first, the
    other failed (500) or showed blanks."""
    client = small_site().test_client()
    first = {path: client.get(path) for path in order}
    again = {path: client.get(path) for path in order}  # each read from what the other kept
    for path in order:
        assert first[path].status_code == again[path].status_code == 200
        assert first[path].data == again[path].data
    fresh = small_site().test_client()
    assert fresh.get("/coverage").data == again["/coverage"].data  # not blanks
