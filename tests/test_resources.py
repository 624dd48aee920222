"""Dereferencing our IRIs, the ontology and shapes documents, and the HTML pages people read.

How the server dereferences, negotiates and refuses is tested on the fixture site
(tests/fixtures/site, its treaty ``TREATY``); that every IRI of the bundled data dereferences, and
what its pages say, on the bundled data (``NATO``).

The expected description of a resource is restated here from the design note (outgoing and
incoming triples of it and of the nodes under its IRI, plus labels of what it links to) rather than
taken from ``pages/describe.py``, so that the server is checked against the rule, not against
itself.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from pactgraph.namespaces import ID, ONTOLOGY_IRI, PG

RDF_FORMATS = {  # media type -> (extension, rdflib parser)
    "text/turtle": (".ttl", "turtle"),
    "application/ld+json": (".jsonld", "json-ld"),
    "application/n-triples": (".nt", "nt"),
    "application/rdf+xml": (".rdf", "xml"),
}
LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
NATO = ID["treaty/north-atlantic-treaty-1949"]
TREATY = ID["treaty/anzus-1951"]  # the fixture site's
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def rest_of(iri: str) -> str:
    return iri[len(str(ID)):]


def our_subjects(graph: Graph) -> list[URIRef]:
    return sorted({s for s in graph.subjects() if str(s).startswith(str(ID))})


def is_obligation(graph: Graph, node) -> bool:
    return (node, RDF.type, PG.DefenseObligation) in graph


def expected_description(graph: Graph, iri: URIRef) -> Graph:
    """What the document of ``iri`` holds: its own triples and those of the nodes under its IRI,
    the triples pointing at them, and labels. Derived obligations are the exception, each being
    its own document: under a treaty or clause only the link from each to ``iri`` itself."""
    own_obligation = is_obligation(graph, iri)
    family = {iri} | {s for s in graph.subjects() if str(s).startswith(str(iri) + "/")
                      and (own_obligation or not is_obligation(graph, s))}
    expected = Graph()
    for node in family:
        for triple in graph.triples((node, None, None)):
            expected.add(triple)
        for triple in graph.triples((None, None, node)):
            if node == iri or not is_obligation(graph, triple[0]):
                expected.add(triple)
    linked = {n for s, _, o in expected for n in (s, o) if isinstance(n, URIRef)} - family
    for node in linked:
        for prop in LABELS:
            for label in graph.objects(node, prop):
                expected.add((node, prop, label))
    return expected


def assert_same_graph(actual: Graph, expected: Graph, what: str) -> None:
    if not isomorphic(actual, expected):
        _, missing, extra = graph_diff(expected, actual)
        pytest.fail(f"{what}: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}")


def context_loader(client) -> Callable:
    """A pyld document loader that serves our /context.jsonld from the app and refuses anything
    else, so the test proves no third-party fetch is needed to read our JSON-LD."""
    def load(url: str, options=None) -> dict:
        if urlsplit(url).path != "/context.jsonld":
            raise AssertionError(f"JSON-LD processing tried to fetch {url}")
        response = client.get("/context.jsonld")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": json.loads(response.data)}
    return load


def parse_body(client, body: bytes, media_type: str) -> Graph:
    """Parse a response body; JSON-LD with pyld, an independent processor (and rdflib's JSON-LD
    parser warns about its own deprecated internals)."""
    if media_type == "application/ld+json":
        return jsonld_to_graph(json.loads(body), context_loader(client))
    return Graph().parse(data=body, format=RDF_FORMATS[media_type][1])


def jsonld_to_graph(document: dict, loader: Callable) -> Graph:
    expanded = jsonld.expand(document, {"documentLoader": loader})
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")


# --- Every IRI dereferences ----------------------------------------------------------------------

@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_every_iri_dereferences_to_its_description(client, published_graph, media_type):
    extension, _ = RDF_FORMATS[media_type]
    subjects = our_subjects(published_graph)
    assert NATO in subjects
    for iri in subjects:
        rest = rest_of(str(iri))
        redirect = client.get(f"/id/{rest}", headers={"Accept": media_type})
        assert redirect.status_code == 303, iri
        assert redirect.location.endswith(f"/doc/{rest}{extension}")
        assert "Accept" in redirect.vary
        document = client.get(redirect.location)
        assert document.status_code == 200, iri
        assert document.mimetype == media_type
        actual = parse_body(client, document.data, media_type)
        assert_same_graph(actual, expected_description(published_graph, iri), f"{iri} {media_type}")


def test_every_iri_has_an_html_page(client, published_graph):
    for iri in our_subjects(published_graph):
        rest = rest_of(str(iri))
        redirect = client.get(f"/id/{rest}", headers={"Accept": BROWSER_ACCEPT})
        assert redirect.status_code == 303
        assert redirect.location.endswith(f"/doc/{rest}")
        page = client.get(redirect.location, headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert str(iri) in page.get_data(as_text=True)


def test_jsonld_documents_name_our_context_by_its_url_on_this_server(small_client):
    document = json.loads(small_client.get(f"/doc/{rest_of(TREATY)}.jsonld").data)
    assert document["@context"] == "http://localhost/context.jsonld"


def test_a_treaty_description_holds_its_clauses_members_invocations_and_labels(small_client):
    graph = Graph().parse(data=small_client.get(f"/doc/{rest_of(TREATY)}.ttl").data,
                          format="turtle")
    article = URIRef(f"{TREATY}/article-iv")
    assert (article, PG.obligationStrength, PG.ConstitutionalProcesses) in graph  # owned clause
    assert (URIRef(f"{TREATY}/member/NZL"), PG.member, ID["state/NZL"]) in graph  # membership
    assert (ID["invocation/anzus-article-iv-2001"], PG.invokedClause, article) in graph  # incoming
    assert (ID["state/USA"], RDFS.label, Literal("United States", lang="en")) in graph  # label
    assert (PG.InForce, SKOS.prefLabel, None) in graph  # label of a concept it links to


def test_derived_obligations_are_linked_from_their_clause_and_described_in_their_own_document(
        small_client):
    """A clause's document links each obligation derived from it, without the obligation's own
    triples (its guarantors, the memberships it rests on): those are in the obligation's document.
    The treaty's document, which owns the clause, links them too, and no more."""
    article = URIRef(f"{TREATY}/article-iv")
    obligation = URIRef(f"{article}/obligation/NZL-1952-04-29")
    clause_doc = Graph().parse(data=small_client.get(f"/doc/{rest_of(article)}.ttl").data,
                               format="turtle")
    assert (obligation, PG.underClause, article) in clause_doc
    assert not set(clause_doc.triples((obligation, PG.guarantor, None)))
    treaty_doc = Graph().parse(data=small_client.get(f"/doc/{rest_of(TREATY)}.ttl").data,
                               format="turtle")
    assert (obligation, PG.underCommitment, TREATY) in treaty_doc
    assert not set(treaty_doc.triples((obligation, PG.guarantor, None)))
    own = Graph().parse(data=small_client.get(f"/doc/{rest_of(obligation)}.ttl").data,
                        format="turtle")
    membership = URIRef(f"{TREATY}/member/NZL")  # owned by the treaty, the obligation rests on it
    assert (obligation, PROV.wasDerivedFrom, membership) in own
    assert (obligation, PROV.wasDerivedFrom, membership) not in treaty_doc
    assert (obligation, PG.guarantor, ID["state/USA"]) in own
    assert (obligation, RDF.type, PG.DefenseObligation) in own


# --- Documents: headers, negotiation, odd requests -----------------------------------------------

def test_negotiated_document_headers(small_client):
    response = small_client.get(f"/doc/{rest_of(TREATY)}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert "Accept" in response.vary
    assert response.headers["Content-Location"].endswith(".ttl")
    links = response.headers["Link"]
    for media_type in ("text/html", "application/ld+json", "application/n-triples",
                       "application/rdf+xml"):
        assert f'type="{media_type}"' in links
    # what is served is no alternate: neither by extension nor as this profile
    turtle = [link for link in links.split(", ") if 'type="text/turtle"' in link]
    assert turtle and all('profile="' in link and "profile/full" not in link for link in turtle)
    etag = response.headers["ETag"]
    again = small_client.get(f"/doc/{rest_of(TREATY)}",
                             headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304


def test_browsers_and_clients_without_accept_get_html(small_client):
    for headers in ({"Accept": BROWSER_ACCEPT}, {}):
        response = small_client.get(f"/id/{rest_of(TREATY)}", headers=headers)
        assert response.status_code == 303
        assert response.location.endswith(f"/doc/{rest_of(TREATY)}")


def test_unacceptable_format_is_406(small_client):
    for path in (f"/id/{rest_of(TREATY)}", f"/doc/{rest_of(TREATY)}"):
        assert small_client.get(path, headers={"Accept": "image/png"}).status_code == 406


def test_unknown_iri_is_a_helpful_404(small_client):
    page = small_client.get("/id/treaty/no-such-treaty", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "Security Treaty between Australia" in body
    assert f'href="http://localhost/id/{rest_of(TREATY)}"' in body
    assert 'href="http://localhost/sparql"' in body
    text = small_client.get("/doc/treaty/no-such-treaty.ttl", headers={"Accept": "text/turtle"})
    assert text.status_code == 404 and text.mimetype == "text/plain"
    assert "SPARQL" in text.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/id/../etc/passwd", "/doc/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd",
    "/doc/x.unknownext", "/doc/treaty/anzus-1951.exe", "/doc/treaty/anzus-1951.ttl.ttl",
    "/id/" + "a/" * 4000,
    "/id/%00%ff%fe", "/id/treaty/%E2%80%AE%3Cscript%3E", "/id/treaty/x%0d%0aSet-Cookie:%20a=b",
    "/def.exe", "/def/9.9.9", "/shapes.unknown", "/id/", "/doc/",
])
def test_odd_paths_are_refused_cleanly(small_client, path):
    response = small_client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code in (404, 406)
    assert "Set-Cookie" not in response.headers


# --- Ontology and shapes ------------------------------------------------------------------------

@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_ontology_is_served_at_its_namespace(small_client, small_app, media_type):
    extension, _ = RDF_FORMATS[media_type]
    ontology = small_app.extensions["pactgraph"].ontology
    for response in (small_client.get("/def", headers={"Accept": media_type}),
                     small_client.get("/def" + extension)):
        assert response.status_code == 200 and response.mimetype == media_type
        assert_same_graph(parse_body(small_client, response.data, media_type), ontology,
                          f"/def as {media_type}")


def test_ontology_page_has_an_anchor_for_every_term(small_client, small_app):
    ontology = small_app.extensions["pactgraph"].ontology
    page = small_client.get("/def", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and "Accept" in page.vary
    anchors = AnchorCollector.of(page.get_data(as_text=True))
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme)
    terms = {s for kind in kinds for s in ontology.subjects(RDF.type, kind)}
    terms |= set(ontology.subjects(SKOS.inScheme, None))
    ours = {str(t)[len(str(PG)):] for t in terms if str(t).startswith(str(PG))}
    assert {"Treaty", "party", "InForce", "LegalStatusScheme"} <= ours
    assert ours <= anchors


def test_ontology_version_iri_serves_the_ontology(small_client, small_app):
    ontology = small_app.extensions["pactgraph"].ontology
    version = ontology.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI)
    response = small_client.get("/" + str(version).split("/pactgraph/", 1)[1],
                                headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert isomorphic(Graph().parse(data=response.data, format="turtle"), ontology)


def test_shapes_are_served(small_client, small_app):
    shapes = small_app.extensions["pactgraph"].shapes
    response = small_client.get("/shapes.ttl")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert isomorphic(Graph().parse(data=response.data, format="turtle"), shapes)
    assert small_client.get("/shapes", headers={"Accept": BROWSER_ACCEPT}).mimetype == "text/html"


# --- HTML pages -----------------------------------------------------------------------------------

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


SEARCH_SCRIPT = "/static/search.js"


class TidyChecker(HTMLParser):
    """Checks what a browser would otherwise forgive: nesting, a viewport, no outside requests."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.viewport = False
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") == "viewport":
            self.viewport = True
        # A JSON-LD data block (schema.org for search engines) is data, never executed. The one
        # script a page may carry is the search box's (issue 17: matches as the reader types, on
        # every page), deferred and from this server; the page works without it.
        search_box = tag == "script" and attributes.get("src") == SEARCH_SCRIPT \
            and "defer" in attributes
        data_block = tag == "script" and attributes.get("type") == "application/ld+json"
        if tag == "script" and not search_box and not data_block:
            self.problems.append("a <script> element")
        for name in ("src", "srcset"):
            if attributes.get(name) and not search_box:
                self.problems.append(f"<{tag} {name}={attributes[name]}> loads a resource")
        if tag == "link" and attributes.get("rel") == "stylesheet" and \
                urlsplit(attributes.get("href", "")).netloc:
            self.problems.append(f"an outside stylesheet {attributes['href']}")
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()

    @classmethod
    def problems_of(cls, html: str) -> list[str]:
        checker = cls()
        checker.feed(html)
        checker.close()
        if not checker.doctype:
            checker.problems.append("no <!doctype html>")
        if not checker.viewport:
            checker.problems.append("no viewport meta")
        if checker.open:
            checker.problems.append(f"unclosed {checker.open}")
        return checker.problems


class AnchorCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)

    @classmethod
    def of(cls, html: str) -> set[str]:
        collector = cls()
        collector.feed(html)
        return collector.ids


@pytest.mark.parametrize("path", [
    "/", f"/doc/{rest_of(NATO)}", "/doc/state/USA", "/def", "/shapes", "/dataset", "/download/",
    "/id/treaty/no-such-treaty"])
def test_html_pages_are_tidy(client, path):
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.mimetype == "text/html"
    assert TidyChecker.problems_of(response.get_data(as_text=True)) == []


def test_landing_page_lists_the_treaties_and_links_everything(client, published_graph):
    page = client.get("/", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    assert "Russia" in page and "DPRK" in page
    treaties = set(published_graph.subjects(RDF.type, PG.MutualDefenseTreaty))
    assert treaties
    for treaty in treaties:
        assert f'href="http://localhost/{str(treaty)[len("https://w3id.org/pactgraph/"):]}"' in page
    for href in ('href="http://localhost/sparql"', 'href="/def"', 'href="/download/"',
                 'href="/dataset"', 'href="/shapes"', 'href="/.well-known/void"'):
        assert href in page


def test_pages_link_to_the_running_server_and_rdf_keeps_canonical_iris(small_site):
    client = small_site(base_url="https://pactgraph.example.org").test_client()
    page = client.get(f"/doc/{rest_of(TREATY)}", headers={"Accept": BROWSER_ACCEPT})
    body = page.get_data(as_text=True)
    assert 'href="https://pactgraph.example.org/id/state/USA"' in body
    assert 'href="https://pactgraph.example.org/def#InForce"' in body
    assert 'href="https://w3id.org/pactgraph/' not in body
    state = client.get("/doc/state/AUS", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    assert 'href="http://www.wikidata.org/entity/Q408" class="external"' in state
    assert 'href="https://w3id.org/pactgraph/' not in state
    turtle = Graph().parse(data=client.get(f"/doc/{rest_of(TREATY)}.ttl").data, format="turtle")
    assert (TREATY, PG.party, ID["state/USA"]) in turtle


def test_markup_in_a_literal_is_shown_as_text(small_site, small_app, tmp_path: Path):
    extra = tmp_path / "xss.ttl"
    extra.write_text(
        '@prefix pg: <https://w3id.org/pactgraph/def#> .\n'
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        '<https://w3id.org/pactgraph/id/region/xss-test> a pg:Region ;\n'
        '    rdfs:label "<script>alert(1)</script>"@en ;\n'
        '    pg:description "An <b>unclosed & unescaped</b> description"@en .\n',
        encoding="utf-8")
    data_paths = [*small_app.config["PACTGRAPH"]["data_paths"], str(extra)]
    client = small_site(data_paths=data_paths).test_client()
    page = client.get("/doc/region/xss-test", headers={"Accept": BROWSER_ACCEPT})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>" not in body and "<b>" not in body
    assert TidyChecker.problems_of(body) == []


# --- Over real HTTP -------------------------------------------------------------------------------

def test_dereferencing_over_http(live_server):
    host = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        connection.request("GET", f"/id/{rest_of(TREATY)}", headers={"Accept": "text/turtle"})
        redirect = connection.getresponse()
        redirect.read()
        assert redirect.status == 303
        assert "Accept" in redirect.getheader("Vary")
        location = redirect.getheader("Location")
        connection.request("GET", urlsplit(location).path, headers={"Accept": "text/turtle"})
        document = connection.getresponse()
        body = document.read()
        assert document.status == 200
        assert document.getheader("Content-Type").startswith("text/turtle")
        assert (TREATY, RDF.type, PG.MutualDefenseTreaty) in Graph().parse(data=body,
                                                                           format="turtle")
    finally:
        connection.close()


STABLE_PATHS = ("/shapes", "/shapes.jsonld", "/shapes.ttl", "/shapes.rdf", "/def", "/def.jsonld",
                "/def.nt", "/def.rdf", "/dataset.rdf", f"/doc/{rest_of(NATO)}.rdf",
                "/download/pactgraph.rdf")


def test_ontology_and_shapes_are_the_same_bytes_in_every_process(small_app):
    """Each gunicorn worker loads the ontology and the shapes itself, and their blank nodes get
    new labels in every process: the bytes (and so the ETags) must not depend on them, or a
    browser revalidating against another worker would download the page again."""
    import hashlib
    import subprocess
    import sys

    settings = {"data_paths": small_app.config["PACTGRAPH"]["data_paths"]}
    script = ("import hashlib, json; from pactgraph.web.app import create_app; "
              f"client = create_app({settings!r}).test_client(); "
              f"print(json.dumps([hashlib.sha256(client.get(p).data).hexdigest() "
              f"for p in {STABLE_PATHS!r}]))")
    client = small_app.test_client()
    here = [hashlib.sha256(client.get(path).data).hexdigest() for path in STABLE_PATHS]
    for seed in ("1", "2"):  # hash seeds change set order; blank-node labels change anyway
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True, timeout=300, env={**os.environ,
                                                             "PYTHONHASHSEED": seed})
        assert json.loads(other.stdout.strip().splitlines()[-1]) == here
