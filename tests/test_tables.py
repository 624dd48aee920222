"""The CSV tables (/download/tables/): each validates against its Frictionless Table Schema with the
``frictionless`` library, says what the graph says, and is linked from the downloads page, the
landing page and the dataset description (DCAT distributions conforming to their schema).

Served from the fixture site; expectations are computed from the served graph, never counted by
hand.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from frictionless import Package, Resource, Schema
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from pactgraph.build import manifest, tables
from pactgraph.build.release import released_files, released_versions
from pactgraph.namespaces import DATASET_IRI, PG

DATASET = URIRef(DATASET_IRI)


def fetch(client, name: str) -> bytes:
    response = client.get(f"/download/tables/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


@pytest.fixture(scope="module")
def served(small_app, tmp_path_factory):
    """Every file of /download/tables/, written to a folder as a client would save them."""
    client = small_app.test_client()
    folder = tmp_path_factory.mktemp("tables")
    package = json.loads(fetch(client, tables.DATAPACKAGE))
    (folder / tables.DATAPACKAGE).write_bytes(fetch(client, tables.DATAPACKAGE))
    for resource in package["resources"]:
        for name in (resource["path"], resource["schema"]):
            (folder / name).write_bytes(fetch(client, name))
    return folder


def read_table(folder, table: tables.Table) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / table.filename).read_text("utf-8"))))


def schema_of(folder, table: tables.Table) -> Schema:
    return Schema.from_descriptor(json.loads((folder / table.schema_filename).read_text()))


@pytest.mark.parametrize("table", tables.TABLES, ids=lambda table: table.name)
def test_each_table_validates_against_its_schema(served, table):
    schema = schema_of(served, table)
    # in its package, where its foreign keys can be checked
    report = Package(str(served / tables.DATAPACKAGE)).get_resource(table.name).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [field.name for field in schema.fields] == [c.name for c in table.columns]


def test_the_package_validates_with_its_foreign_keys(served):
    package = Package(str(served / tables.DATAPACKAGE))
    report = package.validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "type", "note"])
    assert package.version and package.licenses[0]["path"] == \
        "https://creativecommons.org/licenses/by/4.0/"


def test_a_table_that_breaks_its_schema_is_caught(served, tmp_path):
    """The schema has teeth: a date out of pattern, a row without an IRI, a repeated IRI."""
    table = tables.BY_FILENAME["commitments.csv"]
    rows = read_table(served, table)
    assert rows, "the fixture site has a commitment"
    broken = [dict(rows[0], iri=rows[0]["iri"] + "-copy", signed="1 September 1951"),
              dict(rows[0], iri=""), rows[0]]
    path = tmp_path / table.filename
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, [c.name for c in table.columns])
        writer.writeheader()
        writer.writerows([rows[0], *broken])
    schema = schema_of(served, table)
    report = Resource(path=table.filename, basepath=str(tmp_path), schema=schema).validate()
    errors = {(error.type, getattr(error, "row_number", None))
              for error in report.tasks[0].errors}
    assert {("constraint-error", 3), ("constraint-error", 4), ("primary-key", 5)} <= errors
    assert min(row for _, row in errors) == 3  # the table's own row is valid


def test_the_rows_say_what_the_graph_says(served, small_graph: Graph):
    commitments = {row["iri"]: row for row in read_table(served, tables.BY_FILENAME[
        "commitments.csv"])}
    treaties = {str(t) for t in small_graph.subjects(RDF.type, PG.MutualDefenseTreaty)}
    assert treaties and treaties <= set(commitments)
    for iri in treaties:
        parties = {str(p) for p in small_graph.objects(URIRef(iri), PG.party)}
        assert set(commitments[iri]["parties"].split(tables.SEPARATOR)) == parties
        sources = {str(s) for s in small_graph.objects(URIRef(iri), DCTERMS.source)}
        assert set(commitments[iri]["sources"].split(tables.SEPARATOR)) == sources
    memberships = read_table(served, tables.BY_FILENAME["memberships.csv"])
    expected = {(str(m), str(small_graph.value(m, PG.member)))
                for m in small_graph.subjects(RDF.type, PG.Membership)}
    assert {(row["iri"], row["member"]) for row in memberships} == expected
    invocations = read_table(served, tables.BY_FILENAME["invocations.csv"])
    dates = {(str(i), str(small_graph.value(i, PG.invocationDate)))
             for i in small_graph.subjects(RDF.type, PG.Invocation)}
    assert {(row["iri"], row["date"]) for row in invocations} == dates
    clauses = read_table(served, tables.BY_FILENAME["clauses.csv"])
    labels = {(str(c), str(small_graph.value(c, RDFS.label)))
              for c in small_graph.subjects(RDF.type, PG.ObligationClause)}
    assert {(row["iri"], row["label"]) for row in clauses} == labels


def test_the_same_data_gives_the_same_bytes(small_app, small_site):
    """A table is a file people cite: another app on the same data writes the same bytes."""
    other = small_site().test_client()
    for table in tables.TABLES:
        assert fetch(other, table.filename) == fetch(small_app.test_client(), table.filename)


def test_the_tables_are_made_once_with_the_prebuilt_store(small_app, small_site, monkeypatch):
    """Written into the store's folder when it is built (and recorded in its manifest), then
    served from there: a server on the same files makes none of them again."""
    folder = small_app.extensions["pactgraph"].folder
    recorded = manifest.load(folder).files
    for name in (*tables.BY_FILENAME, tables.DATAPACKAGE):
        assert f"dumps/tables/{name}" in recorded, name

    def refused(*_):
        raise AssertionError("a table was made again instead of read from the store")
    monkeypatch.setattr(tables, "csv_bytes", refused)
    monkeypatch.setattr(tables, "datapackage_bytes", refused)
    client = small_site().test_client()
    for table in tables.TABLES:
        assert fetch(client, table.filename) == (
            folder / "dumps" / "tables" / table.filename).read_bytes()


def test_the_tables_are_linked_from_the_pages_and_the_description(small_client):
    landing = small_client.get("/").get_data(as_text=True)
    assert "/download/tables/datapackage.json" in landing
    downloads = small_client.get("/download/").get_data(as_text=True)
    for table in tables.TABLES:
        assert f"/download/tables/{table.filename}" in downloads
    description = Graph().parse(data=small_client.get(
        "/dataset", headers={"Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
    csv_distributions = {str(description.value(node, DCAT.downloadURL)).rsplit("/", 1)[-1]:
                         str(description.value(node, DCTERMS.conformsTo)).rsplit("/", 1)[-1]
                         for node in description.objects(DATASET, DCAT.distribution)
                         if str(description.value(node, DCAT.mediaType)).endswith("text/csv")}
    assert csv_distributions == {t.filename: t.schema_filename for t in tables.TABLES}
    dumps = {str(url) for url in description.objects(DATASET, VOID.dataDump)}
    assert not any(url.endswith(".csv") for url in dumps)  # VoID data dumps are RDF


def test_an_unknown_table_is_a_clear_404(small_client):
    response = small_client.get("/download/tables/obligations.csv")
    assert response.status_code == 404 and "commitments.csv" in response.get_data(as_text=True)


RELEASES = Path(__file__).parents[1] / "releases"


@pytest.mark.parametrize("version", released_versions(RELEASES))
def test_each_release_holds_the_tables_with_their_schemas_and_checksums(version):
    """Every table, its schema and the Data Package are in the release, listed in its SHA256SUMS,
    and validate with the package's foreign keys; the package carries the release's version."""
    folder = RELEASES / version
    listed = released_files(folder)
    names = [*tables.BY_FILENAME, tables.DATAPACKAGE]
    assert {f"tables/{name}" for name in names} <= set(listed)
    package = Package(str(folder / "tables" / tables.DATAPACKAGE))
    assert package.version == version
    for table in tables.TABLES:
        report = package.get_resource(table.name).validate()
        assert report.valid, (table.name, report.flatten(["rowNumber", "fieldName", "note"]))
