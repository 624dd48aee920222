"""The Turtle, N-Triples and RDF/XML dumps, written by Oxigraph from the store.

build/store_dumps.py writes them.

That each dump of the fixture site parses (with rdflib, another library) to the published graph
is checked in tests/test_dumps.py; here, what the writer itself promises: the same bytes for the
same triples whatever order they were stored in, Turtle laid out for people without touching a
literal, and a dump that is lost written again with the bytes it was built with.
"""

from __future__ import annotations

import shutil

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from pactgraph.build import downloads, prebuilt
from pactgraph.build.store_dumps import FORMATS, published_bytes

EX = "http://example.org/"
# Literals a careless layout would break: line breaks and tabs inside, a line that would look
# like a subject, quotes, and a long string.
TRICKY = ["two\nlines", "\tstarts with a tab", "line one\n<http://example.org/x> a <y> .",
          'say "hi"', "long " * 200, "tab\tinside"]


def _triples() -> list[ox.Triple]:
    triples = []
    for n in range(12):
        subject = ox.NamedNode(f"{EX}s{n:02}")
        triples.append(ox.Triple(subject, ox.NamedNode(f"{EX}label"),
                                 ox.Literal(TRICKY[n % len(TRICKY)], language="en")))
        triples.append(ox.Triple(subject, ox.NamedNode(f"{EX}next"),
                                 ox.NamedNode(f"{EX}s{(n + 1) % 12:02}")))
        triples.append(ox.Triple(subject, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns"
                                                       "#type"), ox.NamedNode(f"{EX}Thing")))
    return triples


def _store(triples: list[ox.Triple], graphs: int = 2) -> ox.Store:
    """``triples`` spread over ``graphs`` named graphs (each triple in one or, the first ones,
    in two: a triple two graphs hold is one triple of the dump)."""
    store = ox.Store()
    for index, triple in enumerate(triples):
        store.add(ox.Quad(*triple, ox.NamedNode(f"{EX}graph/{index % graphs}")))
        if index < 5:
            store.add(ox.Quad(*triple, ox.NamedNode(f"{EX}graph/other")))
    return store


def test_the_same_triples_give_the_same_bytes_in_any_order_and_graphs() -> None:
    triples = _triples()
    for media_type in FORMATS:
        first = published_bytes(_store(triples), media_type)
        second = published_bytes(_store(list(reversed(triples)), graphs=3), media_type)
        assert first == second, media_type


def test_each_format_holds_every_distinct_triple_once() -> None:
    store = _store(_triples())
    expected = {triple for triple in _triples()}
    for media_type, rdf_format in FORMATS.items():
        parsed = list(ox.parse(published_bytes(store, media_type), format=rdf_format))
        assert sorted(map(str, parsed)) == sorted(map(str, expected)), media_type


def test_turtle_is_laid_out_for_people_and_keeps_every_literal() -> None:
    body = published_bytes(_store(_triples()), "text/turtle")
    text = body.decode("utf-8")
    assert "\t" not in text.replace("\\t", "")  # indented with spaces; a tab only as \t
    blocks = text.split("\n\n")
    assert blocks[0].startswith("@prefix")
    subjects = [block.split(" ", 1)[0] for block in blocks[1:]]
    assert subjects == sorted(subjects) and len(subjects) == 12  # one block per subject, sorted
    assert all(block.split(" ", 2)[1] == "a" for block in blocks[1:])  # its types first
    # rdflib, another parser, reads the same graph, every literal intact
    ours, theirs = Graph().parse(data=body, format="turtle"), Graph()
    theirs.parse(data=ox.serialize(_triples(), format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(ours, theirs)


def test_a_lost_dump_is_written_again_with_the_bytes_it_was_built_with(small_app) -> None:
    """build/downloads.py writes a missing dump again from the store: by the build's writer, so
    the bytes, and the sha256 the manifest recorded, are the same (else every later read
    would warn that the dump changed and write it once more)."""
    publication = small_app.extensions["pactgraph"]
    folder = publication.folder
    copy = folder.parent / f"{folder.name}-lost-dumps"
    shutil.copytree(folder, copy)
    try:
        for name in downloads.DUMP_FILES:
            built = (copy / prebuilt.DUMPS / name).read_bytes()
            (copy / prebuilt.DUMPS / name).unlink()
            assert downloads.dump_body(_in(publication, copy), name) == built, name
            assert downloads._as_built(copy, name, (copy / prebuilt.DUMPS / name).read_bytes())
    finally:
        shutil.rmtree(copy)


def _in(publication, folder):
    """``publication`` with its dumps read from ``folder``."""
    from dataclasses import replace
    return replace(publication, folder=folder, kept={})
