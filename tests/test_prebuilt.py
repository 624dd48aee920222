"""The prebuilt store: files are parsed and validated once per version, later starts only open it,
and the graph pages are built from reads the same triples rdflib would have parsed.

Stores are built from copies of the fixture site (tests/fixtures/site), in folders of the test."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from pactgraph.build import manifest, prebuilt
from pactgraph.build.downloads import DUMP_FILES
from pactgraph.build.publication import build_publication, graphs_overlap
from pactgraph.engine.graph_view import graph_over, subject_predicates_outside
from pactgraph.engine.store import TripleStore, load_in_memory
from pactgraph.errors import DataNotConforming, StoreDamaged
from pactgraph.knowledge import sources
from pactgraph.knowledge.sources import Knowledge, SourceGraphs
from pactgraph.namespaces import DATASET_IRI
from pactgraph.pages import dataset
from pactgraph.pages.our_iris import INDEXES, ResourceIndex, resource_index_of
from pactgraph.settings import resolve
from pactgraph.web.app import create_app

EX = "https://example.org/"


@pytest.fixture()
def data(small_app, tmp_path: Path) -> Path:
    """A copy of the fixture site's data that a test may change."""
    copy = tmp_path / "data"
    shutil.copytree(small_app.config["PACTGRAPH"]["data_paths"][0], copy)
    return copy


@pytest.fixture()
def counted(monkeypatch) -> dict[str, list]:
    """Counts validations and the folders whose Turtle files are parsed with rdflib."""
    calls: dict[str, list] = {"validate": [], "parsed": []}
    validate, load = Knowledge.validate, SourceGraphs.load.__func__

    def counting_validate(self, *arguments):
        calls["validate"].append(1)
        return validate(self, *arguments)

    def counting_load(cls, paths, *options, **named_options):
        calls["parsed"].extend(str(path) for path in paths)
        return load(cls, paths, *options, **named_options)

    monkeypatch.setattr(Knowledge, "validate", counting_validate)
    monkeypatch.setattr(SourceGraphs, "load", classmethod(counting_load))
    return calls


def test_the_same_files_are_parsed_and_validated_once(tmp_path, data, counted) -> None:
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    first = build_publication(settings)
    assert len(counted["validate"]) == 1 and str(data) in counted["parsed"]
    counted["parsed"].clear()
    second = build_publication(settings)
    assert len(counted["validate"]) == 1
    assert str(data) not in counted["parsed"]  # only the small ontology and shapes are parsed
    assert first.folder == second.folder and prebuilt.is_ready(second.folder)
    assert first.data_version == second.data_version
    assert second.store.size() == first.store.size() == len(Knowledge.from_settings(
        settings).published())


def test_a_changed_file_is_validated_and_built_again(tmp_path, data, counted) -> None:
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    first = build_publication(settings)
    with (data / "states.ttl").open("a", encoding="utf-8") as file:
        file.write(f"\n<{EX}new-state> <http://www.w3.org/2000/01/rdf-schema#comment> \"x\" .\n")
    second = build_publication(settings)
    assert len(counted["validate"]) == 2
    assert second.data_version != first.data_version and second.folder != first.folder
    assert second.store.size() == first.store.size() + 1


def test_data_that_does_not_conform_is_refused_on_every_start(tmp_path, data, counted) -> None:
    with (data / "anzus-1951.ttl").open("a", encoding="utf-8") as file:  # a second, bad date
        file.write('\n<https://w3id.org/pactgraph/id/treaty/anzus-1951> '
                   '<http://data.europa.eu/eli/ontology#date_document> "soon" .\n')
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    for _ in range(2):
        with pytest.raises(DataNotConforming):
            build_publication(settings)
    assert len(counted["validate"]) == 2
    assert not list((tmp_path / "store").glob("*"))  # no folder, not even a half-built one


def test_a_folder_that_is_not_a_whole_store_is_built_again(tmp_path, data, counted) -> None:
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    folder = build_publication(settings).folder
    (folder / prebuilt.CONFORMS).unlink()
    rebuilt = build_publication(settings)
    assert len(counted["validate"]) == 2
    assert rebuilt.folder == folder and prebuilt.is_ready(folder)


def test_without_a_writable_store_dir_the_store_lasts_for_the_process(tmp_path, data) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder would go")
    published = build_publication(resolve({"data_paths": [str(data)],
                                         "store_dir": str(blocker / "store")}))
    assert prebuilt.is_ready(published.folder) and blocker not in published.folder.parents
    assert bool(published.store.query("ASK { ?s ?p ?o }").value)


def test_dumps_are_written_at_build_and_served_as_those_bytes(tmp_path, data) -> None:
    app = create_app({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    folder = app.extensions["pactgraph"].folder
    client = app.test_client()
    for name in DUMP_FILES:
        assert client.get(f"/download/{name}").data == (folder / prebuilt.DUMPS / name).read_bytes()


def test_the_query_workers_answer_from_the_prebuilt_store(tmp_path, data) -> None:
    from pactgraph.web.context import executor_for

    app = create_app({"data_paths": [str(data)], "store_dir": str(tmp_path / "store"),
                      "query_workers": 1})
    try:
        response = app.test_client().get(
            "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"})
        count = int(response.json["results"]["bindings"][0]["n"]["value"])
        assert count == app.extensions["pactgraph"].store.size()
    finally:
        executor_for(app).close()


# --- The test run's own stores -------------------------------------------------------------------

def test_the_run_builds_its_stores_in_a_folder_of_its_own(app, store_dir) -> None:
    """conftest's ``store_dir``: the session's apps, and the commands the tests start, build their
    stores in a temporary folder of the run, not in the user's cache (issue 12)."""
    user_cache = Path.home() / ".cache"
    assert not store_dir.is_relative_to(user_cache)
    assert app.extensions["pactgraph"].folder.parent == store_dir
    assert prebuilt.default_store_dir() == store_dir
    where = subprocess.run(
        [sys.executable, "-c",
         "from pactgraph.build.prebuilt import default_store_dir; print(default_store_dir())"],
        capture_output=True, text=True, check=True, timeout=60)
    assert Path(where.stdout.strip()) == store_dir
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        assert not Path(os.environ[name]).is_relative_to(Path.home())


def _count_by_sparql(app) -> int:
    response = app.test_client().get(
        "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    return int(response.json["results"]["bindings"][0]["n"]["value"])


def test_an_emptied_copy_for_the_query_workers_is_caught_and_built_again(tmp_path, counted,
                                                                         caplog) -> None:
    """Issue 11: an empty quads.nq started, and SPARQL counted 0 triples while pages showed
    2,673."""
    from pactgraph.web.context import executor_for

    settings = {"store_dir": str(tmp_path / "store"), "query_workers": 1}
    folder = create_app(settings).extensions["pactgraph"].folder
    (folder / prebuilt.QUADS).write_bytes(b"")
    with caplog.at_level("WARNING", logger=prebuilt.__name__):
        app = create_app(settings)
    assert len(counted["validate"]) == 2
    assert any("quads.nq is 0 bytes" in record.getMessage() for record in caplog.records)
    try:
        assert _count_by_sparql(app) == app.extensions["pactgraph"].store.size() > 2000
    finally:
        executor_for(app).close()


def test_a_damaged_store_that_cannot_be_built_again_stops_the_start(tmp_path, counted,
                                                                    monkeypatch) -> None:
    settings = {"store_dir": str(tmp_path / "store")}
    folder = create_app(settings).extensions["pactgraph"].folder
    quads = folder / prebuilt.QUADS
    quads.write_bytes(quads.read_bytes()[:-100])
    monkeypatch.setattr(prebuilt, "is_writable", lambda folder: False)  # as a read-only mount
    with pytest.raises(StoreDamaged, match=r"quads\.nq is [\d,]+ bytes, but was built with"):
        create_app(settings)
    assert len(counted["validate"]) == 1


# --- The rdflib view of the store ----------------------------------------------------------------

def _view_of(graphs: dict[str, Graph]) -> Graph:
    store = TripleStore(graphs)
    return graph_over(store)


def test_the_view_holds_exactly_the_parsed_triples(small_app) -> None:
    published = small_app.extensions["pactgraph"]
    knowledge = Knowledge.from_settings(published.settings)
    parsed = knowledge.published()
    assert isomorphic(Graph() + published.graph, parsed)
    assert len(published.graph) == len(parsed)


def test_the_view_gives_back_the_terms_rdflib_parses() -> None:
    graph = Graph()
    subject = URIRef(EX + "s")
    graph.add((subject, URIRef(EX + "plain"), Literal("x")))
    graph.add((subject, URIRef(EX + "tagged"), Literal("x", lang="fr")))
    graph.add((subject, URIRef(EX + "typed"), Literal("1949-04-04", datatype=XSD.date)))
    graph.add((subject, URIRef(EX + "node"), BNode("b1")))
    view = _view_of({EX + "g": graph})
    assert isomorphic(Graph() + view, graph)  # blank nodes are renamed when the store loads
    assert view.value(subject, URIRef(EX + "plain")) == Literal("x")  # not "x"^^xsd:string
    assert (subject, URIRef(EX + "plain"), Literal("x")) in view
    assert (Literal("x"), None, None) not in view  # a pattern nothing can match


def test_the_view_is_the_union_with_each_triple_once() -> None:
    shared = (URIRef(EX + "s"), URIRef(EX + "p"), Literal("both"))
    first, second = Graph(), Graph()
    first.add(shared)
    second.add(shared)
    second.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("second only")))
    view = _view_of({EX + "first": first, EX + "second": second})
    assert sorted(view.objects(URIRef(EX + "s"), URIRef(EX + "p"))) == [
        Literal("both"), Literal("second only")]
    assert len(view) == 2


def test_the_manifest_says_whether_the_graphs_share_a_triple(small_app, tmp_path) -> None:
    """What the view over a prebuilt store is told, instead of asking the store (an ASK for each
    pair of graphs, which reads them all when none is shared): the same answer as asking."""
    published = small_app.extensions["pactgraph"]
    asked = graph_over(published.store).store._graphs_overlap()
    assert graphs_overlap(published.folder) is asked
    for quads, triples, shared in ((10, 10, False), (10, 9, True)):
        manifest.save(tmp_path, manifest.Manifest({}, {"quads": quads, "triples": triples}))
        assert graphs_overlap(tmp_path) is shared
    manifest.save(tmp_path, manifest.Manifest({}, {"quads": 10}))
    assert graphs_overlap(tmp_path) is None  # not known: the view asks


def test_a_view_told_the_graphs_share_nothing_asks_the_store_nothing() -> None:
    graph = Graph()
    graph.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("o")))
    store = TripleStore({EX + "g": graph})
    store.query = None  # asked, it would fail: reads go through quads_for_pattern only
    view = graph_over(store, overlap=False)
    assert list(view.objects(URIRef(EX + "s"), URIRef(EX + "p"))) == [Literal("o")]


def test_the_query_workers_copy_holds_the_on_disk_stores_quads(tmp_path, data) -> None:
    """The copy is read leniently (engine/store.py), the on-disk store strictly, from the same
    lines: the copy must hold what the store holds."""
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    folder = build_publication(settings).folder
    copy = load_in_memory(folder / prebuilt.QUADS)
    on_disk = TripleStore.open(folder / prebuilt.ENGINE).engine
    assert len(copy) == len(on_disk) > 1_000
    # Compared quad by quad: a load names blank nodes anew, and the published store has none.
    assert not any(isinstance(term, ox.BlankNode) for quad in copy for term in quad)
    assert set(copy) == set(on_disk)


def test_the_copy_is_not_read_past_a_syntax_error(tmp_path) -> None:
    quads = tmp_path / "quads.nq"
    quads.write_bytes(b'<https://example.org/s> <https://example.org/p> "cut sho')
    with pytest.raises(SyntaxError):
        load_in_memory(quads)


def _same_index(one: ResourceIndex, other: ResourceIndex) -> bool:
    return (one.known, one.subjects, one.derived) == (other.known, other.subjects, other.derived)


def test_the_resource_index_is_kept_in_the_folder_for_the_next_process(small_app, tmp_path,
                                                                       monkeypatch) -> None:
    published = small_app.extensions["pactgraph"]
    store, base = published.store, published.settings["base_iri"]
    found = ResourceIndex.of_store(store, base)
    assert found.derived and found.subjects
    (tmp_path / INDEXES).mkdir()
    (tmp_path / INDEXES / ".resources.by-a-killed-process").write_bytes(b'{"subjects": [')
    assert _same_index(resource_index_of(store, base, tmp_path), found)
    kept = list((tmp_path / INDEXES).iterdir())
    assert [path.suffix for path in kept] == [".json"]  # no part left behind, ours or another's
    monkeypatch.setattr(ResourceIndex, "of_store",
                        classmethod(lambda cls, *args: pytest.fail("found again, not read")))
    assert _same_index(resource_index_of(store, base, tmp_path), found)
    with pytest.raises(pytest.fail.Exception):  # another base IRI: another file
        resource_index_of(store, "https://example.org/", tmp_path)


def test_the_dataset_statistics_are_kept_in_the_folder_for_the_next_process(small_app, tmp_path,
                                                                          monkeypatch) -> None:
    store = small_app.extensions["pactgraph"].store
    found = dataset.compute_statistics(store)
    assert found.treaties and found.named_graphs
    assert dataset.statistics_of(store, tmp_path, store.sizes) == found
    (kept,) = (tmp_path / INDEXES).iterdir()
    assert kept.name.startswith("statistics-") and kept.suffix == ".json"
    monkeypatch.setattr(dataset, "compute_statistics",
                        lambda *args: pytest.fail("counted again, not read"))
    assert dataset.statistics_of(store, tmp_path, lambda: pytest.fail("sizes asked")) == found


def test_the_statistics_find_the_descriptions_parts_a_pass_over_the_graph_finds(app) -> None:
    """In SPARQL on the store, where the pass over the graph's subjects took 30 s at 80 times."""
    published = app.extensions["pactgraph"]
    parts = dataset.compute_statistics(published.store).parts
    passed_over = sorted({subject for subject in published.graph.subjects()
                          if str(subject).startswith(DATASET_IRI + "#")})
    assert parts and parts == tuple(passed_over)


def test_a_kept_index_that_cannot_be_read_or_written_is_found_again(small_app, tmp_path) -> None:
    published = small_app.extensions["pactgraph"]
    store, base = published.store, published.settings["base_iri"]
    found = ResourceIndex.of_store(store, base)
    resource_index_of(store, base, tmp_path)
    (kept,) = (tmp_path / INDEXES).iterdir()
    kept.write_text('{"subjects": ["https://w3id.org/pactgraph/id/trunc')  # cut short
    assert _same_index(resource_index_of(store, base, tmp_path), found)
    assert json.loads(kept.read_text())["subjects"] == list(found.subjects)  # written again
    unwritable = tmp_path / "elsewhere"
    unwritable.mkdir()
    (unwritable / INDEXES).write_text("a file where the folder would be")
    assert _same_index(resource_index_of(store, base, unwritable), found)


def test_links_into_a_node_can_be_read_leaving_one_graph_out() -> None:
    """What a page reads of the links into a node, without the derived obligations' graph: what
    the other graphs hold, each pair once, including a triple the left-out graph repeats."""
    target, left_out, kept = URIRef(EX + "target"), Graph(), Graph()
    left_out.add((URIRef(EX + "derived"), URIRef(EX + "p"), target))
    left_out.add((URIRef(EX + "both"), URIRef(EX + "p"), target))
    kept.add((URIRef(EX + "both"), URIRef(EX + "p"), target))
    kept.add((URIRef(EX + "data"), URIRef(EX + "q"), target))
    view = _view_of({EX + "left-out": left_out, EX + "kept": kept})
    assert sorted(subject_predicates_outside(view, target, EX + "left-out")) == [
        (URIRef(EX + "both"), URIRef(EX + "p")), (URIRef(EX + "data"), URIRef(EX + "q"))]
    assert len(list(subject_predicates_outside(view, target, EX + "none"))) == 3
    plain = Graph() + view  # not a view of the store: every link, for the caller to filter
    assert len(list(subject_predicates_outside(plain, target, EX + "left-out"))) == 3


def test_the_view_is_read_only() -> None:
    view = _view_of({EX + "g": Graph()})
    with pytest.raises(TypeError, match="read-only"):
        view.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("o")))


def test_a_dump_removed_while_serving_is_written_again_from_the_store(tmp_path,
                                                                     parse_rdf) -> None:
    """(A dump missing when the server starts is a damaged store, built again:
    tests/test_store_integrity.py.) Written again, it has the bytes the manifest recorded, so
    the next start finds the folder whole."""
    app = create_app({"store_dir": str(tmp_path / "store")})
    folder = app.extensions["pactgraph"].folder
    removed = folder / prebuilt.DUMPS / "pactgraph.nt"
    written = removed.read_bytes()
    removed.unlink()
    served = app.test_client().get("/download/pactgraph.nt").data
    assert removed.read_bytes() == served
    assert isomorphic(parse_rdf(served, "application/n-triples"),
                      parse_rdf(written, "application/n-triples"))
    assert prebuilt.damage(folder) is None


@pytest.fixture()
def collector_seen(monkeypatch) -> dict[str, list]:
    """The cycle collector as seen from inside each validation, and from inside pySHACL: whether
    it runs, and how many objects it leaves out of its passes (frozen)."""
    seen: dict[str, list] = {"validate": [], "pyshacl": []}
    validate, pyshacl_validate = Knowledge.validate, sources.pyshacl.validate

    def seeing(self, focus_nodes=None, obligations=None):
        seen["validate"].append(gc.isenabled())
        return validate(self, focus_nodes, obligations)

    def seeing_pyshacl(*args, **kwargs):
        seen["pyshacl"].append((gc.isenabled(), gc.get_freeze_count() > 0))
        return pyshacl_validate(*args, **kwargs)

    monkeypatch.setattr(Knowledge, "validate", seeing)
    monkeypatch.setattr(sources.pyshacl, "validate", seeing_pyshacl)
    return seen


def test_the_cycle_collector_is_paused_while_building_and_only_then(tmp_path, data,
                                                                     collector_seen) -> None:
    assert gc.isenabled()
    build_publication(resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "a")}))
    # paused for the build; running while pySHACL validates, over its own objects only
    assert collector_seen["validate"] == [False]
    assert set(collector_seen["pyshacl"]) == {(True, True)}
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with (data / "anzus-1951.ttl").open("a", encoding="utf-8") as file:  # a second, bad date
        file.write('\n<https://w3id.org/pactgraph/id/treaty/anzus-1951> '
                   '<http://data.europa.eu/eli/ontology#date_document> "soon" .\n')
    with pytest.raises(DataNotConforming):
        build_publication(resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "b")}))
    assert collector_seen["validate"] == [False, False]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # as it was, after a refusal too


def test_a_collector_paused_by_the_caller_stays_paused(tmp_path, data, collector_seen) -> None:
    gc.disable()
    try:
        build_publication(resolve({"data_paths": [str(data)], "store_dir": str(tmp_path)}))
        assert collector_seen["validate"] == [False] and not gc.isenabled()
    finally:
        gc.enable()


def test_a_value_kept_per_app_is_not_held_up_by_another_being_built(small_app) -> None:
    """One lock for every kept value made a request wait behind any other's first build (tens
    of seconds at 80 times the data); values built from others still build once."""
    publication = dataclasses.replace(small_app.extensions["pactgraph"], kept={})
    started, release, builds = threading.Event(), threading.Event(), []

    def slow(p):
        builds.append("slow")
        started.set()
        assert release.wait(60)
        return p.memo("inner", lambda _: "inner") + " slow"

    waiting = threading.Thread(target=publication.memo, args=("slow", slow))
    waiting.start()
    try:
        assert started.wait(60)
        fast: list[str] = []
        other = threading.Thread(daemon=True, target=lambda: fast.append(
            publication.memo("fast", lambda _: "fast")))
        other.start()
        other.join(60)  # not a speed check: with one lock for all, it waits for ever
        assert fast == ["fast"]  # built while "slow" was still building
        behind = threading.Thread(target=publication.memo, args=("slow", slow))
        behind.start()  # the same key waits for the one build
    finally:
        release.set()
        waiting.join(60)
    behind.join(60)
    assert publication.memo("slow", slow) == "inner slow" and builds == ["slow"]
