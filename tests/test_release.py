"""Releases: ``pactgraph release`` builds a folder whose bytes depend only on its source, with a
changelog per commitment in RDF and in words; the committed releases are whole and rebuild to the
same bytes; the server serves every release and every ontology version at stable URLs.

The changelog and serving tests use releases of the fixture site built here; the committed
releases (releases/) are checked against their own SHA256SUMS and rebuilt from their source/.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS

from pactgraph.build.release import (
    CHECKSUMS,
    KINDS,
    SOURCE,
    build_release,
    checksums,
    released_files,
    released_versions,
)
from pactgraph.errors import PactgraphError
from pactgraph.namespaces import DATASET_IRI, ONTOLOGY_IRI, PROV
from pactgraph.pages.dataset import HAS_VERSION

ROOT = Path(__file__).parents[1]
RELEASES = ROOT / "releases"
SITE = Path(__file__).parent / "fixtures" / "site"
TREATY = URIRef("https://w3id.org/pactgraph/id/treaty/anzus-1951")
OLD_NAME = Literal("Security Treaty between Australia, New Zealand and the United States of "
                   "America", lang="en")
NEW_NAME = Literal("Security Treaty (ANZUS)", lang="en")


def site_paths(data: Path) -> dict[str, list[str]]:
    return {"ontology": [str(ROOT / "ontology")], "data": [str(data)],
            "shapes": [str(ROOT / "shapes")]}


@pytest.fixture(scope="module")
def fixture_releases(tmp_path_factory) -> Path:
    """0.1.0 of the fixture site, and 0.2.0 with the treaty renamed."""
    output = tmp_path_factory.mktemp("releases")
    build_release("0.1.0", site_paths(SITE), output)
    renamed = tmp_path_factory.mktemp("site") / "site"
    shutil.copytree(SITE, renamed)
    treaty = renamed / "anzus-1951.ttl"
    treaty.write_text(treaty.read_text().replace(f'"{OLD_NAME}"@en', f'"{NEW_NAME}"@en'))
    build_release("0.2.0", site_paths(renamed), output, previous=output / "0.1.0")
    return output


def test_the_changelog_says_what_changed_per_commitment(fixture_releases):
    # read with pyoxigraph, a parser independent of the rdflib that wrote it
    graphs: dict[str, set] = {}
    for quad in ox.parse(path=str(fixture_releases / "0.2.0" / "changes.nq"),
                         format=ox.RdfFormat.N_QUADS):
        name = getattr(quad.graph_name, "value", "")
        graphs.setdefault(name, set()).add((quad.subject.value, quad.predicate.value,
                                            quad.object.value, getattr(quad.object, "language",
                                                                       None)))
    base = "https://w3id.org/pactgraph/releases/0.2.0/changes"
    assert graphs[f"{base}/added/anzus-1951"] == {
        (str(TREATY), str(RDFS.label), str(NEW_NAME), "en")}
    assert graphs[f"{base}/removed/anzus-1951"] == {
        (str(TREATY), str(RDFS.label), str(OLD_NAME), "en")}
    words = (fixture_releases / "0.2.0" / "CHANGES.md").read_text()
    assert "1 triple(s) added, 1 removed." in words
    assert f'- removed: {NEW_NAME} (`{TREATY}`) rdfs:label "{OLD_NAME}"' in words


def test_a_release_is_stamped_and_points_at_the_one_before(fixture_releases):
    ontology = Graph().parse(fixture_releases / "0.2.0" / "ontology.ttl")
    def_iri = URIRef(ONTOLOGY_IRI)
    assert ontology.value(def_iri, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.2.0")
    assert ontology.value(def_iri, OWL.priorVersion) == URIRef(ONTOLOGY_IRI + "/0.1.0")
    void = Graph().parse(fixture_releases / "0.2.0" / "void.ttl")
    release = URIRef("https://w3id.org/pactgraph/releases/0.2.0")
    assert void.value(release, PROV.wasRevisionOf) == URIRef(
        "https://w3id.org/pactgraph/releases/0.1.0")
    downloads = {str(url) for url in void.objects(None, URIRef(
        "http://www.w3.org/ns/dcat#downloadURL"))}
    assert downloads and all(url.startswith(str(release) + "/") for url in downloads)
    assert {url.removeprefix(str(release) + "/") for url in downloads} <= set(
        released_files(fixture_releases / "0.2.0"))


def test_a_release_is_never_written_over(fixture_releases):
    before = (fixture_releases / "0.1.0" / CHECKSUMS).read_bytes()
    with pytest.raises(PactgraphError, match="never written over"):
        build_release("0.1.0", site_paths(SITE), fixture_releases)
    assert (fixture_releases / "0.1.0" / CHECKSUMS).read_bytes() == before


@pytest.mark.parametrize("version", released_versions(RELEASES))
def test_each_committed_release_is_whole(version):
    folder = RELEASES / version
    assert (folder / CHECKSUMS).read_text() == checksums(folder)
    for name, digest in released_files(folder).items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_a_committed_release_rebuilds_to_the_same_bytes(tmp_path):
    """Its bytes never change: rebuilt from its own source, the latest release (with its
    changelog against the one before) has the same checksums. A change to what the builder writes
    fails here: make a new release then, never rewrite a committed one."""
    versions = released_versions(RELEASES)
    assert versions[:3] == ["0.1.0", "0.2.0", "0.3.0"]
    latest, previous = versions[-1], versions[-2]
    source = RELEASES / latest / SOURCE
    paths = {kind: [str(source / kind)] for kind in KINDS}
    rebuilt = build_release(latest, paths, tmp_path, previous=RELEASES / previous)
    assert (rebuilt / CHECKSUMS).read_text() == (RELEASES / latest / CHECKSUMS).read_text()


def test_citation_and_zenodo_name_the_latest_release():
    citation = (ROOT / "CITATION.cff").read_text()
    latest = released_versions(RELEASES)[-1]
    assert re.search(rf'^version: "{re.escape(latest)}"$', citation, re.MULTILINE)
    assert f"https://w3id.org/pactgraph/releases/{latest}" in citation
    dataset = Graph().parse(ROOT / "data" / "dataset.ttl")
    assert str(dataset.value(URIRef(DATASET_IRI), OWL.versionInfo)) == latest
    # DCAT's own version property says the same (it said 0.1.0 after 0.3.0 was released)
    assert [str(v) for v in dataset.objects(URIRef(DATASET_IRI), URIRef(
        "http://www.w3.org/ns/dcat#version"))] in ([], [latest])
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())  # the DOI-ready record
    assert zenodo["version"] == latest and zenodo["license"] == "CC-BY-4.0"
    assert {"identifier": f"https://w3id.org/pactgraph/releases/{latest}",
            "relation": "isIdenticalTo", "resource_type": "dataset"} in \
        zenodo["related_identifiers"]


# --- Served ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def releases_client(small_site, fixture_releases):
    return small_site(releases_path=str(fixture_releases)).test_client()


def test_every_release_file_is_served_at_its_stable_url(releases_client, fixture_releases):
    for version in ("0.1.0", "0.2.0"):
        for name, digest in released_files(fixture_releases / version).items():
            response = releases_client.get(f"/releases/{version}/{name}")
            assert response.status_code == 200, name
            assert hashlib.sha256(response.data).hexdigest() == digest
    assert releases_client.get("/releases/0.2.0").status_code == 303
    listing = releases_client.get("/releases/").get_data(as_text=True)
    assert "/releases/0.2.0/CHANGES.md" in listing
    for path in ("/releases/0.2.0/../../pyproject.toml", "/releases/0.2.0/source",
                 "/releases/9.9.9/SHA256SUMS", "/releases/0.2.0/nothing.ttl"):
        assert releases_client.get(path).status_code == 404, path


def test_every_ontology_version_resolves(releases_client):
    for version in ("0.1.0", "0.2.0"):
        response = releases_client.get(f"/def/{version}", headers={"Accept": "text/turtle"})
        assert response.status_code == 200, version
        ontology = Graph().parse(data=response.get_data(as_text=True), format="turtle")
        assert ontology.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI) == URIRef(
            f"{ONTOLOGY_IRI}/{version}")
    assert releases_client.get("/def/9.9.9").status_code == 404


def test_the_description_lists_the_versions(releases_client):
    void = Graph().parse(data=releases_client.get(
        "/dataset", headers={"Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
    versions = sorted(str(v) for v in void.objects(URIRef(DATASET_IRI), HAS_VERSION))
    assert [urlsplit(v).path.rsplit("/", 1)[-1] for v in versions] == ["0.1.0", "0.2.0"]
    assert void.value(URIRef(versions[1]), PROV.wasRevisionOf) == URIRef(versions[0])



def test_the_description_links_each_changelog_in_rdf_and_in_words(releases_client,
                                                                   fixture_releases):
    void = Graph().parse(data=releases_client.get(
        "/dataset", headers={"Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
    for version in ("0.1.0", "0.2.0"):
        release = URIRef(f"https://w3id.org/pactgraph/releases/{version}")
        linked = {urlsplit(str(url)).path.rsplit("/", 1)[-1]: url
                  for url in void.objects(release, RDFS.seeAlso)}
        changelogs = {"changes.nq", "CHANGES.md"} & set(released_files(
            fixture_releases / version))
        assert changelogs == ({"changes.nq", "CHANGES.md"} if version == "0.2.0" else set())
        assert changelogs <= set(linked)
        for name in changelogs:
            assert void.value(linked[name], DCTERMS.format) is not None
            response = releases_client.get(urlsplit(str(linked[name])).path)
            assert response.status_code == 200 and response.data == (
                fixture_releases / version / name).read_bytes()
