"""Downloads, the JSON-LD @context, the VoID/DCAT dataset description and the settings page.

All on the fixture site (tests/fixtures/site), whose dataset.ttl describes it as data/dataset.ttl
describes the published data; the examples that data/dataset.ttl names are checked on the bundled
data (``test_the_bundled_examples_dereference``).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID

from pactgraph.namespaces import DATASET_IRI, ELI, PG, PROV, SCHEMA, SKOS, WD
from pactgraph.settings import DEFAULTS, PATHS, SETTINGS, public_value

DATASET = URIRef(DATASET_IRI)
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")

FULL_DUMPS = {
    "pactgraph.ttl": ("text/turtle", "turtle"),
    "pactgraph.jsonld": ("application/ld+json", None),
    "pactgraph.nt": ("application/n-triples", "nt"),
    "pactgraph.rdf": ("application/rdf+xml", "xml"),
}


def refuse_every_fetch(url: str, options=None):
    raise AssertionError(f"reading the JSON-LD dump tried to fetch {url}")


def jsonld_graph(document, loader=refuse_every_fetch) -> Graph:
    """JSON-LD to a Graph with pyld, an independent processor."""
    expanded = jsonld.expand(document, {"documentLoader": loader})
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")


def assert_same_graph(actual: Graph, expected: Graph, what: str) -> None:
    if not isomorphic(actual, expected):
        _, missing, extra = graph_diff(expected, actual)
        pytest.fail(f"{what}: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}")


def parse(body: bytes, media_type: str, parser: str | None) -> Graph:
    if parser is None:
        return jsonld_graph(json.loads(body))
    return Graph().parse(data=body, format=parser)


# --- Dumps ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(FULL_DUMPS))
def test_full_dump_is_the_published_graph(small_client, small_graph, name):
    media_type, parser = FULL_DUMPS[name]
    response = small_client.get(f"/download/{name}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert_same_graph(parse(response.data, media_type, parser), small_graph, name)


@pytest.mark.parametrize("name, part", [("ontology.ttl", "ontology"), ("shapes.ttl", "shapes")])
def test_ontology_and_shapes_dumps(small_client, small_app, name, part):
    expected = getattr(small_app.extensions["pactgraph"], part)
    response = small_client.get(f"/download/{name}")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert_same_graph(Graph().parse(data=response.data, format="turtle"), expected, name)


@pytest.mark.parametrize("name", [*FULL_DUMPS, "ontology.ttl", "shapes.ttl"])
def test_dumps_have_a_strong_etag_and_answer_304(small_client, name):
    first = small_client.get(f"/download/{name}")
    etag, weak = first.get_etag()
    assert etag and not weak
    second = small_client.get(f"/download/{name}")
    assert second.data == first.data and second.get_etag() == (etag, False)
    unchanged = small_client.get(f"/download/{name}", headers={"If-None-Match": f'"{etag}"'})
    assert unchanged.status_code == 304 and unchanged.data == b""
    stale = small_client.get(f"/download/{name}", headers={"If-None-Match": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_etags_differ_between_dumps(small_client):
    etags = {small_client.get(f"/download/{name}").get_etag()[0] for name in FULL_DUMPS}
    assert len(etags) == len(FULL_DUMPS)


def test_unknown_download_is_404(small_client):
    for name in ("pactgraph.exe", "..%2fpyproject.toml", "ontology.nt"):
        assert small_client.get(f"/download/{name}").status_code == 404


def test_jsonld_dump_embeds_our_context_with_readable_keys(small_client):
    document = json.loads(small_client.get("/download/pactgraph.jsonld").data)
    context = document["@context"]
    assert isinstance(context, dict)  # embedded: readable with no fetch at all
    assert context["label"]["@id"] == "http://www.w3.org/2000/01/rdf-schema#label"
    assert context["party"] == {"@id": str(PG.party), "@type": "@id"}
    assert context["signed"]["@id"] == str(ELI.date_document)
    treaty = next(node for node in document["@graph"]
                  if node["@id"].endswith("/id/treaty/anzus-1951"))
    assert treaty["label"].startswith("Security Treaty between Australia")
    assert treaty["signed"] == "1951-09-01"
    assert treaty["legalStatus"] == "InForce"


# --- The published @context -----------------------------------------------------------------------

def test_context_is_served_and_covers_every_property_of_ours(small_client, small_app):
    response = small_client.get("/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    context = json.loads(response.data)["@context"]
    assert context["@version"] == 1.1
    ontology = small_app.extensions["pactgraph"].ontology
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            assert context[str(prop)[len(str(PG)):]]["@id"] == str(prop)


def test_context_url_expands_a_compact_document(small_client):
    def serve_context(url, options=None):
        assert urlsplit(url).path == "/context.jsonld", url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": json.loads(small_client.get("/context.jsonld").data)}

    document = {"@context": "http://localhost/context.jsonld",
                "@id": "https://w3id.org/pactgraph/id/treaty/x", "signed": "2024-06-19",
                "legalStatus": "InForce", "label": "X"}
    graph = jsonld_graph(document, serve_context)
    treaty = URIRef("https://w3id.org/pactgraph/id/treaty/x")
    assert (treaty, PG.legalStatus, PG.InForce) in graph
    assert (treaty, ELI.date_document, Literal("2024-06-19", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#date"))) in graph


# --- VoID and DCAT --------------------------------------------------------------------------------

@pytest.fixture()
def dataset_graph(small_client) -> Graph:
    response = small_client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Accept" in response.vary
    return Graph().parse(data=response.data, format="turtle")


def test_well_known_void_redirects_to_the_dataset(small_client):
    response = small_client.get("/.well-known/void")
    assert response.status_code == 303
    assert urlsplit(response.location).path == "/dataset"


def test_dataset_statistics_are_computed(dataset_graph, small_graph):
    assert dataset_graph.value(DATASET, VOID.triples).toPython() == len(small_graph)
    links = dataset_graph.value(predicate=VOID.linkPredicate, object=OWL.sameAs)
    assert (links, RDF.type, VOID.Linkset) in dataset_graph
    to_wikidata = [o for o in small_graph.objects(None, OWL.sameAs)
                   if str(o).startswith(str(WD))]
    assert to_wikidata
    assert dataset_graph.value(links, VOID.triples).toPython() == len(to_wikidata)


def test_dataset_describes_itself(dataset_graph, small_graph):
    g = dataset_graph
    assert (DATASET, RDF.type, VOID.Dataset) in g and (DATASET, RDF.type, DCAT.Dataset) in g
    assert g.value(DATASET, DCTERMS.title) and g.value(DATASET, DCTERMS.description)
    assert (DATASET, DCTERMS.license, CC_BY) in g
    assert g.value(DATASET, OWL.versionInfo) or g.value(DATASET, DCAT.version)
    assert (DATASET, VOID.uriSpace, Literal("https://w3id.org/pactgraph/id/")) in g
    assert (DATASET, VOID.sparqlEndpoint, URIRef("http://localhost/sparql")) in g
    for vocabulary in (PG, ELI, SCHEMA, PROV, SKOS, DCTERMS):
        assert (DATASET, VOID.vocabulary, URIRef(str(vocabulary))) in g
    examples = list(g.objects(DATASET, VOID.exampleResource))
    assert any((e, RDF.type, PG.MutualDefenseTreaty) in small_graph for e in examples)


def test_every_dump_is_a_distribution_that_downloads(small_client, dataset_graph):
    g = dataset_graph
    dumps = set(g.objects(DATASET, VOID.dataDump))
    names = {str(d).rsplit("/", 1)[1] for d in dumps}
    assert names == {*FULL_DUMPS, "ontology.ttl", "shapes.ttl"}
    distributions = list(g.objects(DATASET, DCAT.distribution))
    urls = {g.value(d, DCAT.downloadURL) for d in distributions}
    assert dumps <= urls  # and the CSV tables, which are distributions but not RDF dumps
    assert all(str(url).endswith(".csv") for url in urls - dumps)
    for distribution in distributions:
        url = g.value(distribution, DCAT.downloadURL)
        response = small_client.get(urlsplit(str(url)).path)
        assert response.status_code == 200
        media_type = str(g.value(distribution, DCAT.mediaType)).rsplit("/", 2)[-2:]
        assert "/".join(media_type) == response.mimetype
        assert g.value(distribution, DCAT.byteSize).toPython() == len(response.data)


def test_example_resources_dereference(small_client, dataset_graph):
    examples = list(dataset_graph.objects(DATASET, VOID.exampleResource))
    assert examples
    for example in examples:
        path = urlsplit(str(example)).path.removeprefix("/pactgraph")
        assert small_client.get(path, headers={"Accept": "text/turtle"}).status_code == 303


def test_the_bundled_examples_dereference(client):
    """The resources data/dataset.ttl gives as examples exist in the published data."""
    described = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    examples = list(described.objects(DATASET, VOID.exampleResource))
    assert len(examples) >= 3
    for example in examples:
        path = urlsplit(str(example)).path.removeprefix("/pactgraph")
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 303


@pytest.mark.parametrize("extension, media_type", [
    (".jsonld", "application/ld+json"), (".nt", "application/n-triples"),
    (".rdf", "application/rdf+xml")])
def test_dataset_formats_agree(small_client, dataset_graph, extension, media_type):
    response = small_client.get("/dataset" + extension)
    assert response.mimetype == media_type
    if media_type == "application/ld+json":
        def serve_context(url, options=None):
            assert urlsplit(url).path == "/context.jsonld", url
            return {"contentType": "application/ld+json", "contextUrl": None,
                    "documentUrl": url, "document": json.loads(small_client.get(url).data)}
        graph = jsonld_graph(json.loads(response.data), serve_context)
    else:
        graph = Graph().parse(data=response.data, format={".nt": "nt", ".rdf": "xml"}[extension])
    assert_same_graph(graph, dataset_graph, "/dataset" + extension)


def test_dataset_page_for_browsers(small_client):
    response = small_client.get("/dataset", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "CC BY 4.0" in response.get_data(as_text=True) or \
        str(CC_BY) in response.get_data(as_text=True)


# --- Settings -------------------------------------------------------------------------------------

def test_settings_page_lists_the_settings_table(small_client, small_app):
    rows = json.loads(small_client.get("/-/settings.json").data)
    assert [row["name"] for row in rows] == [setting.name for setting in SETTINGS]
    for row in rows:
        assert row["help"]
        if row["name"] not in PATHS:
            configured = small_app.config["PACTGRAPH"][row["name"]]
            assert row["value"] == json.loads(json.dumps(configured, default=str))


def test_settings_page_publishes_no_absolute_path(client, app):
    """Issue 11, item 9: it published the server's folders (/home/..., /srv/...)."""
    values = {row["name"]: row["value"] for row in client.get("/-/settings.json").get_json()}
    assert (values["ontology_paths"], values["data_paths"], values["shapes_paths"]) == (
        ["ontology"], ["data"], ["shapes"])  # the bundled folders, relative to the project
    strings = [value for values_of in values.values()
               for value in (values_of if isinstance(values_of, list) else [values_of])
               if isinstance(value, str)]
    assert not [value for value in strings if Path(value).is_absolute()]


def test_a_path_outside_the_project_is_published_as_its_name_only(tmp_path):
    outside = tmp_path / "private" / "treaties"
    inside = Path(DEFAULTS["data_paths"][0]) / "sub"
    assert public_value("data_paths", [str(outside), str(inside)]) == ["treaties", "data/sub"]
    assert public_value("store_dir", str(outside)) == "treaties"
    assert public_value("store_dir", None) is None
    assert public_value("base_iri", "https://w3id.org/pactgraph/") == "https://w3id.org/pactgraph/"


# --- Over real HTTP -------------------------------------------------------------------------------

def test_dump_over_http_with_conditional_get(live_server, small_graph):
    url = live_server.url + "/download/pactgraph.nt"
    with urllib.request.urlopen(url, timeout=60) as response:
        etag = response.headers["ETag"]
        body = response.read()
        assert response.headers["Content-Type"].startswith("application/n-triples")
    assert isomorphic(Graph().parse(data=body, format="nt"), small_graph)
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(request, timeout=60)
    not_modified.value.close()
    assert not_modified.value.code == 304
