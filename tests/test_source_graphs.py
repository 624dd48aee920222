"""Data files parsed straight into the graph of all data (knowledge/source_graphs.py): the same
triples as read file by file, the same file named for each subject, and the data as it was before
an edit read through today's (knowledge/overlay_graph.py ``edited``)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from pactgraph.knowledge.overlay_graph import edited
from pactgraph.knowledge.rdf_files import rdf_files, read
from pactgraph.knowledge.source_graphs import SourceGraphs

EX = "http://example.org/"
FIRST = f'<{EX}a> <{EX}p> "1" .\n<{EX}shared> <{EX}p> "first" .\n'
SECOND = f'<{EX}b> <{EX}p> "2" .\n<{EX}shared> <{EX}p> "second" .\n_:x <{EX}p> "3" .\n'


def folder_of(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_data_parsed_straight_into_the_union_is_the_union_of_its_files(tmp_path) -> None:
    folder = folder_of(tmp_path, {"1.ttl": FIRST, "2.nt": SECOND, "3.ttl": SECOND})
    loaded = SourceGraphs.load([folder], data=True)
    assert loaded.files == {}  # no graph of each file kept
    by_file = [read(source, by_oxigraph=True)[None] for source in rdf_files([folder])]
    assert len(loaded.graph) == sum(map(len, by_file)) - 2  # 2.nt and 3.ttl share two triples
    assert len({t for t in loaded.graph if not isinstance(t[0], URIRef)}) == 2  # _:x twice
    assert loaded.file_defining(URIRef(EX + "a")).name == "1.ttl"
    assert loaded.file_defining(URIRef(EX + "shared")).name == "1.ttl"  # the first to describe it
    assert loaded.file_defining(URIRef(EX + "b")).name == "2.nt"
    assert loaded.file_defining(URIRef(EX + "nowhere")) is None


def test_data_that_names_a_graph_is_read_file_by_file(tmp_path) -> None:
    folder = folder_of(tmp_path, {"1.ttl": FIRST, "2.trig": f"<{EX}g> {{ {SECOND} }}"})
    loaded = SourceGraphs.load([folder], data=True)
    assert set(loaded.files) == {folder / "1.ttl", folder / "2.trig"}
    assert set(loaded.named) == {EX + "g"} and len(loaded.default_graph()) == 2
    assert loaded.file_defining(URIRef(EX + "b")).name == "2.trig"


def test_a_file_oxigraph_does_not_parse_is_read_into_a_graph_of_its_own(tmp_path) -> None:
    """RDF/XML, and Turtle with an IRI Oxigraph refuses (rdflib reads it, with a warning)."""
    folder = folder_of(tmp_path, {"1.ttl": FIRST, "3.ttl": f"<{EX}d> <{EX}p> <{EX}a b> .\n",
                                  "2.rdf": f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}c"><ex:p>4</ex:p></rdf:Description></rdf:RDF>"""})
    loaded = SourceGraphs.load([folder], data=True)
    assert (URIRef(EX + "c"), URIRef(EX + "p"), None) in loaded.graph
    assert set(loaded.graph.objects(URIRef(EX + "d"), URIRef(EX + "p"))) == {URIRef(EX + "a b")}
    assert set(loaded.files) == {folder / "2.rdf", folder / "3.ttl"}
    assert loaded.file_defining(URIRef(EX + "c")).name == "2.rdf"
    assert loaded.file_defining(URIRef(EX + "d")).name == "3.ttl"


def test_the_data_before_an_edit_is_read_through_todays() -> None:
    p = URIRef(EX + "p")
    kept, removed, added = ((URIRef(EX + n), p, URIRef(EX + "o")) for n in ("kept", "gone", "new"))
    today, then = Graph(), Graph()
    for triple in (kept, added):
        today.add(triple)
    for triple in (kept, removed):
        then.add(triple)
    before = edited(today, {added}, then)
    assert set(before) == {kept, removed} and len(before) == 2
    assert set(before.subjects(p, URIRef(EX + "o"))) == {kept[0], removed[0]}
    assert added not in before and removed in before
    assert len(today) == 2 and added in today  # today's data is left alone
