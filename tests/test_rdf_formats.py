"""Any RDF in: the loader reads Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML, keeps named
graphs, puts a triples file into a graph the user names, and says file:line on a syntax error.

The fixtures (tests/fixtures/formats/sample.*) hold the same four triples in each format; what the
loader reads is compared with what pyoxigraph, an independent parser, reads from sample.nq. Data
files are parsed by Oxigraph where it can, and by rdflib otherwise (``by_oxigraph``); each test of
what a file holds is run both ways.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID
from servers import pactgraph_command

from pactgraph.engine.store import graph_iri
from pactgraph.errors import RdfParseError
from pactgraph.knowledge.rdf_files import RdfFile, format_of, rdf_files, read
from pactgraph.knowledge.sources import SourceGraphs
from pactgraph.namespaces import SD

FORMATS = Path(__file__).parent / "fixtures" / "formats"
NAMED = "http://example.org/graph/a"
TRIPLES_FORMATS = ("ttl", "nt", "rdf")
QUADS_FORMATS = ("nq", "trig", "jsonld")


def oxigraph_quads() -> dict[str | None, Graph]:
    """sample.nq as pyoxigraph reads it, by graph (None: the default graph), as rdflib graphs."""
    graphs: dict[str | None, Graph] = {}
    for quad in ox.parse(path=str(FORMATS / "sample.nq"), format=ox.RdfFormat.N_QUADS):
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        line = f"{quad.subject} {quad.predicate} {quad.object} .\n"
        graphs.setdefault(name, Graph()).parse(data=line, format="nt")
    return graphs


def union(graphs) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    return merged


BOTH_PARSERS = pytest.mark.parametrize("by_oxigraph", (False, True), ids=("rdflib", "oxigraph"))


@BOTH_PARSERS
@pytest.mark.parametrize("extension", TRIPLES_FORMATS)
def test_a_triples_file_holds_the_triples_in_the_default_graph(extension, by_oxigraph):
    expected = union(oxigraph_quads().values())
    [source] = rdf_files([FORMATS / f"sample.{extension}"])
    read_graphs = read(source, by_oxigraph)
    assert list(read_graphs) == [None]
    assert len(expected) == 4 and isomorphic(read_graphs[None], expected)


@BOTH_PARSERS
@pytest.mark.parametrize("extension", QUADS_FORMATS)
def test_a_quads_file_keeps_its_named_graphs(extension, by_oxigraph):
    expected = oxigraph_quads()
    assert set(expected) == {None, NAMED}
    [source] = rdf_files([FORMATS / f"sample.{extension}"])
    read_graphs = read(source, by_oxigraph)
    assert set(read_graphs) == {None, NAMED}
    for name, graph in expected.items():
        assert isomorphic(read_graphs[name], graph), name


@BOTH_PARSERS
@pytest.mark.parametrize("extension", TRIPLES_FORMATS)
def test_a_triples_file_goes_into_the_graph_the_user_names(extension, by_oxigraph):
    loaded = SourceGraphs.load([], graphs=[(NAMED, str(FORMATS / f"sample.{extension}"))],
                               data=by_oxigraph)
    assert list(loaded.named) == [NAMED] and len(loaded.named[NAMED]) == 4
    assert len(loaded.default_graph()) == 0


@BOTH_PARSERS
def test_a_quads_file_given_a_graph_keeps_its_own_and_names_the_rest(by_oxigraph):
    other = "http://example.org/graph/b"
    loaded = SourceGraphs.load([], graphs=[(other, str(FORMATS / "sample.trig"))],
                               data=by_oxigraph)
    assert {name: len(graph) for name, graph in loaded.named.items()} == {NAMED: 2, other: 2}


def test_a_folder_is_read_file_by_file_by_extension(tmp_path):
    for extension in ("ttl", "nq", "jsonld"):
        (tmp_path / f"sample.{extension}").write_bytes((FORMATS / f"sample.{extension}")
                                                      .read_bytes())
    (tmp_path / "notes.txt").write_text("not RDF, and not read")
    loaded = SourceGraphs.load([tmp_path])
    assert sorted(path.suffix for path in loaded.files) == [".jsonld", ".nq", ".ttl"]
    assert len(loaded.graph) == 4 and len(loaded.named[NAMED]) == 2


def test_the_format_can_be_named_for_a_file_whose_extension_does_not_say(tmp_path):
    data = tmp_path / "export.txt"
    data.write_bytes((FORMATS / "sample.nq").read_bytes())
    with pytest.raises(RdfParseError, match=r"export.txt: cannot parse RDF: cannot tell its "
                                            r"format from its extension.*--data-format"):
        rdf_files([data])
    [source] = rdf_files([data], data_format="nq")
    assert set(read(source)) == {None, NAMED}
    assert format_of(FORMATS / "sample.ttl", "nt") == "application/n-triples"
    with pytest.raises(RdfParseError, match="unknown RDF format 'csv'; pactgraph reads ttl"):
        rdf_files([data], data_format="csv")


BROKEN = {  # extension: (text whose error is on line 3, the format's name in the message)
    "ttl": ('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n',
            "Turtle"),
    "nt": ("<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n\n"
           "<http://a.example/s> <http://a.example/p> .\n", "N-Triples"),
    "nq": ("<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n# a comment\n"
           "<http://a.example/s> <http://a.example/p> <http://a.example/o> <g> <h> .\n",
           "N-Quads"),
    "trig": ("@prefix ex: <http://example.org/> .\nex:g {\n  ex:a ex:b }\n", "TriG"),
    "jsonld": ('{\n  "@id": "http://example.org/a",\n  "http://example.org/b": [1,, 2]\n}\n',
               "JSON-LD"),
    "rdf": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
            'syntax-ns#">\n  <rdf:Description rdf:about="http://example.org/a"></rdf:RDF>\n',
            "RDF/XML"),
}


@BOTH_PARSERS
@pytest.mark.parametrize("extension", sorted(BROKEN))
def test_a_syntax_error_names_the_file_the_line_and_the_format(tmp_path, extension, by_oxigraph):
    text, name = BROKEN[extension]
    broken = tmp_path / f"broken.{extension}"
    broken.write_text(text)
    with pytest.raises(RdfParseError) as raised:
        read(RdfFile(broken, format_of(broken)), by_oxigraph)
    assert str(raised.value).startswith(f"{broken}:3: cannot parse {name}: ")
    assert raised.value.line == 3


def test_a_graph_name_must_be_an_absolute_iri():
    with pytest.raises(RdfParseError, match="the graph name 'data1' is not an absolute IRI"):
        SourceGraphs.load([], graphs=[("data1", str(FORMATS / "sample.nt"))])


# --- The command line ----------------------------------------------------------------------------

def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([*pactgraph_command(), *arguments], capture_output=True, text=True,
                          timeout=300)


def test_validate_reads_every_format_and_says_where_a_file_is_broken(tmp_path):
    valid = run("validate", *(str(FORMATS / f"sample.{e}") for e in (*TRIPLES_FORMATS,
                                                                      *QUADS_FORMATS)))
    assert valid.returncode == 0, valid.stderr
    broken = tmp_path / "broken.nq"
    broken.write_text(BROKEN["nq"][0])
    refused = run("validate", str(FORMATS / "sample.ttl"), str(broken))
    assert refused.returncode == 2
    assert f"{broken}:3: cannot parse N-Quads" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_validate_takes_a_format_and_a_graph(tmp_path):
    data = tmp_path / "export.data"
    data.write_bytes((FORMATS / "sample.trig").read_bytes())
    unnamed = run("validate", str(data))
    assert unnamed.returncode == 2 and "--data-format" in unnamed.stderr
    named = run("validate", str(data), "--format", "trig", "--graph", "http://example.org/b",
                str(FORMATS / "sample.nt"))
    assert named.returncode == 0, named.stderr


# --- Served: named graphs in the store, in SPARQL and in VoID ------------------------------------

@pytest.fixture(scope="module")
def graphs_client(small_site, small_app):
    site = small_app.config["PACTGRAPH"]["data_paths"]
    app = small_site(data_paths=[*site, str(FORMATS / "sample.trig")],
                     data_graphs=[["http://example.org/graph/b", str(FORMATS / "sample.nt")]])
    return app.test_client()


def select(client, query: str) -> list[dict]:
    response = client.get("/sparql", query_string={"query": query, "format": "json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data)["results"]["bindings"]


def test_named_graphs_are_queryable_by_name(graphs_client):
    rows = select(graphs_client, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                 "FILTER STRSTARTS(STR(?g), 'http://example.org/') } GROUP BY ?g")
    assert {row["g"]["value"]: int(row["n"]["value"]) for row in rows} == {
        NAMED: 2, "http://example.org/graph/b": 4}
    # the trig file's triples in no graph of its own join the data graph
    data = select(graphs_client, f"SELECT ?t WHERE {{ GRAPH <{graph_iri('data')}> {{ "
                                 "<http://example.org/doc/1> <http://purl.org/dc/terms/title> ?t"
                                 " } }")
    assert [row["t"]["value"] for row in data] == ["Eins"]
    named = graphs_client.get("/sparql", query_string={
        "query": "SELECT ?t { <http://example.org/doc/2> <http://purl.org/dc/terms/title> ?t }",
        "default-graph-uri": NAMED, "format": "json"})
    assert [b["t"]["value"] for b in json.loads(named.data)["results"]["bindings"]] == ["Two"]


def test_void_lists_each_named_graph_as_a_subset(graphs_client):
    response = graphs_client.get("/dataset", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    subsets = {str(void.value(node, SD.name)): void.value(node, VOID.triples)
               for node in void.objects(None, VOID.subset) if void.value(node, SD.name)}
    counted = select(graphs_client, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                    "GROUP BY ?g")
    in_store = {row["g"]["value"]: Literal(int(row["n"]["value"])) for row in counted
                if not row["g"]["value"].endswith(("/graph/data", "/graph/ontology"))}
    # the files' own graphs and the graphs the server derives (obligations, entailed); the data
    # and the ontology are the dataset itself and its vocabulary, described as such
    assert subsets == in_store
    assert {NAMED: Literal(2), "http://example.org/graph/b": Literal(4)}.items() <= subsets.items()


def test_the_settings_page_shows_named_graph_files_without_the_servers_folders(graphs_client):
    settings = {row["name"]: row["value"] for row in
                json.loads(graphs_client.get("/-/settings.json").data)}
    assert settings["data_graphs"] == [["http://example.org/graph/b",
                                        "tests/fixtures/formats/sample.nt"]]
    assert settings["data_format"] is None


# --- Data files parsed by Oxigraph ---------------------------------------------------------------

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.ttl")), ids=lambda path: path.name)
def test_oxigraph_reads_every_bundled_data_file_as_rdflib_does(path):
    source = RdfFile(path, format_of(path))
    by_rdflib, by_oxigraph = read(source), read(source, by_oxigraph=True)
    assert list(by_oxigraph) == list(by_rdflib) == [None]
    assert len(by_oxigraph[None]) == len(by_rdflib[None]) > 0
    assert isomorphic(by_oxigraph[None], by_rdflib[None])


def test_a_blank_node_label_names_a_node_of_its_own_file_only(tmp_path):
    # Oxigraph keeps a document's blank-node labels; rdflib's graphs must not merge two files'.
    for name in ("a", "b"):
        (tmp_path / f"{name}.ttl").write_text(
            f"<http://example.org/{name}> <http://example.org/p> _:x .\n"
            "_:x <http://example.org/q> 1 .\n")
    loaded = SourceGraphs.load([tmp_path], data=True)
    objects = set(loaded.graph.objects(None, URIRef("http://example.org/p")))
    assert len(objects) == 2
    assert all(len(list(loaded.graph.triples((node, None, None)))) == 1 for node in objects)


def test_what_oxigraph_refuses_is_read_by_rdflib_as_before(tmp_path, caplog):
    # An IRI with a space: Oxigraph refuses it, rdflib reads it (and logs a warning), so a data
    # file reads as it did before Oxigraph parsed data files (the store's own check refuses it
    # later, naming it).
    lenient = tmp_path / "lenient.ttl"
    lenient.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/a b> .\n")
    with pytest.raises(SyntaxError):
        list(ox.parse(path=str(lenient), format=ox.RdfFormat.TURTLE))
    graphs = read(RdfFile(lenient, "text/turtle"), by_oxigraph=True)
    assert set(graphs[None].objects()) == {URIRef("http://example.org/a b")}
    assert "does not look like a valid URI" in caplog.text
