"""`pactgraph serve | query | export`: results parsed back, exit codes, no stack traces.

``query`` reads the fixture site (tests/fixtures/site, given with --data); ``export`` without
options writes the bundled data, compared with what the session's app serves.
"""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from servers import free_port

from pactgraph import cli
from pactgraph import settings as settings_table
from pactgraph.build import prebuilt
from pactgraph.cli import main
from pactgraph.settings import DEFAULTS
from pactgraph.web import server as serve

SMALL_SITE = Path(__file__).parent / "fixtures" / "site"
TREATY = "https://w3id.org/pactgraph/id/treaty/anzus-1951"
INVOCATION = URIRef("https://w3id.org/pactgraph/id/invocation/anzus-article-iv-2001")
COUNT = f"SELECT (COUNT(?m) AS ?members) WHERE {{ ?m pg:membershipOf <{TREATY}> }}"
INVOKED = (f"SELECT ?invocation ?date WHERE {{ ?invocation pg:invokedClause <{TREATY}/article-iv> ;"
           " pg:invocationDate ?date }")


def query(*argv: str) -> list[str]:
    """``pactgraph query`` + ``argv`` on the fixture site."""
    return ["query", *argv, "--data", str(SMALL_SITE)]

SHAPE_NEEDS_A_START = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix pg: <https://w3id.org/pactgraph/def#> .
<urn:test:MembershipShape> a sh:NodeShape ;
    sh:targetClass pg:Membership ;
    sh:property [ sh:path pg:memberFrom ; sh:minCount 1 ;
                  sh:message "A membership needs its start date (pg:memberFrom)." ] .
"""
MEMBERSHIP_WITHOUT_START = """
@prefix pg: <https://w3id.org/pactgraph/def#> .
<https://w3id.org/pactgraph/id/treaty/t/member/XXX> a pg:Membership .
"""


def test_query_prints_a_table_by_default(capsys):
    assert main(query(COUNT)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["members"]
    assert lines[2].split() == ["3"]
    assert lines[-1] == "(1 row)"


def test_query_table_compacts_our_iris_and_shows_values(capsys):
    query = "SELECT ?class WHERE { VALUES ?class { pg:Membership } }"
    assert main(["query", query, "--data", str(SMALL_SITE)]) == 0
    assert "pg:Membership" in capsys.readouterr().out.splitlines()[2]


def test_query_csv(capsys):
    assert main(query(INVOKED, "--format", "csv")) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["invocation", "date"], [str(INVOCATION), "2001-09-14"]]


def test_query_json(capsys):
    assert main(query(COUNT, "--format", "json")) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["results"]["bindings"][0]["members"]["value"] == "3"


def test_query_ask(capsys):
    assert main(query(f"ASK {{ ?i pg:invokedClause <{TREATY}/article-iv> }}")) == 0
    assert capsys.readouterr().out.strip() == "true"


def test_query_construct_is_turtle_by_default(capsys):
    """The data graph's triples (the build's entailments live in a graph of their own)."""
    data = "https://w3id.org/pactgraph/graph/data"
    assert main(query(f"CONSTRUCT {{ <{INVOCATION}> ?p ?o }} "
                      f"WHERE {{ GRAPH <{data}> {{ <{INVOCATION}> ?p ?o }} }}")) == 0
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    expected = Graph().parse(SMALL_SITE / "anzus-1951.ttl", format="turtle")
    subset = Graph()
    for triple in expected.triples((INVOCATION, None, None)):
        subset.add(triple)
    assert isomorphic(graph, subset)


@pytest.mark.parametrize(("argv", "message"), [
    (query("SELECT * WHERE { ?s"), "line 1, column"),
    (query(COUNT, "--format", "ttl"), "text/csv"),
    (query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"), "SERVICE"),
])
def test_query_mistakes_are_messages_not_tracebacks(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_query_reads_the_given_data(capsys, tmp_path):
    data = tmp_path / "one.ttl"
    data.write_text(MEMBERSHIP_WITHOUT_START)
    assert main(["query", "SELECT (COUNT(?m) AS ?n) WHERE { ?m a pg:Membership }",
                 "--data", str(data)]) == 0
    assert capsys.readouterr().out.splitlines()[2].strip() == "1"


def test_export_turtle_is_the_published_graph(capsys, published_graph):
    assert main(["export", "--format", "ttl"]) == 0
    exported = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert isomorphic(exported, published_graph)


def test_export_jsonld_to_a_file_matches_the_download(capsys, tmp_path, client, parse_rdf,
                                                      published_graph):
    target = tmp_path / "pactgraph.jsonld"
    assert main(["export", "--format", "jsonld", "--output", str(target)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert target.read_bytes() == client.get("/download/pactgraph.jsonld").data
    assert isomorphic(parse_rdf(target.read_bytes(), "application/ld+json"), published_graph)


def test_serve_refuses_data_that_does_not_conform(capsys, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(serve.Server, "serve", lambda self, **options: started.append(self))
    shapes, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes.write_text(SHAPE_NEEDS_A_START)
    data.write_text(MEMBERSHIP_WITHOUT_START)
    assert main(["serve", "--data", str(data), "--shapes", str(shapes), "--port",
                 str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "Violation" in err and "pg:memberFrom" in err and "does not conform" in err
    assert started == []


def test_serve_passes_its_options_to_granian(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(serve.Server, "serve",
                        lambda self, **options: started.append((self, options)))
    data = tmp_path / "data.ttl"
    data.write_text(MEMBERSHIP_WITHOUT_START)
    shapes = tmp_path / "no-shapes.ttl"
    shapes.write_text("")
    assert main(["serve", "--data", str(data), "--shapes", str(shapes), "--port", str(free_port()),
                 "--base-url", "https://example.org/pg", "--workers", "3",
                 "--threads", "5"]) == 0
    [(server, options)] = started
    assert (server.bind_addr, server.workers) == ("127.0.0.1", 3)
    assert server.interface == "rsgi"  # the buffering front (web/buffering_front.py)
    assert server.http1_settings.header_read_timeout == serve.HEADER_READ_TIMEOUT_MS
    loader = options["target_loader"]
    assert loader.func is serve.worker_app
    config, threads, prepared = loader.args
    assert threads == 5
    assert config["base_url"] == "https://example.org/pg"
    assert config["data_paths"] == [str(data)]
    assert prebuilt.is_ready(prepared.folder)  # built (validated) once, by the parent


def test_serve_on_a_port_in_use_says_so(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1 port {port}" in err and "Traceback" not in err


def test_serve_defaults():
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.base_url, args.data) == ("127.0.0.1", 8000, None, None)
    assert args.workers >= 2


def settings_served_by(argv: list[str], tmp_path: Path, monkeypatch) -> dict:
    """The settings that ``pactgraph serve`` + ``argv`` would hand to each granian worker's app (on
    a file of data and no shapes: quick to build)."""
    started = []
    monkeypatch.setattr(serve.Server, "serve", lambda self, **options: started.append(options))
    data, shapes = tmp_path / "data.ttl", tmp_path / "no-shapes.ttl"
    data.write_text(MEMBERSHIP_WITHOUT_START)
    shapes.write_text("")
    assert main(["serve", "--data", str(data), "--shapes", str(shapes), "--port",
                 str(free_port()), *argv]) == 0
    [options] = started
    return settings_table.resolve(options["target_loader"].args[0])


def test_serve_takes_the_limits_of_the_settings_table_as_options(tmp_path, monkeypatch) -> None:
    store = tmp_path / "store"
    settings = settings_served_by(
        ["--query-time-limit-ms", "1500", "--max-result-rows", "50", "--cache-max-entries", "0",
         "--store-dir", str(store)], tmp_path, monkeypatch)
    assert settings["query_time_limit_ms"] == 1500 and settings["max_result_rows"] == 50
    assert settings["cache_max_entries"] == 0 and settings["store_dir"] == str(store)
    assert any(store.iterdir())  # the store was built where the option said
    untouched = settings_served_by([], tmp_path, monkeypatch)
    assert untouched["query_time_limit_ms"] == DEFAULTS["query_time_limit_ms"]
    assert untouched["store_dir"] is None


def test_serve_takes_the_fair_share_as_options(tmp_path, monkeypatch) -> None:
    settings = settings_served_by(["--query-per-client-limit", "3", "--trusted-proxies",
                                   "127.0.0.1", "10.0.0.0/8"], tmp_path, monkeypatch)
    assert settings["query_per_client_limit"] == 3
    assert settings["trusted_proxies"] == ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_limit_that_is_not_a_whole_number_is_refused(capsys, value: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["serve", "--query-workers", value])
    assert exit_.value.code == 2
    assert "whole number" in capsys.readouterr().err
