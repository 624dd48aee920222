"""The dumps of everything published, written from the store (build/store_dumps.py, and
build/jsonld_writer.py for JSON-LD).

That each dump of the fixture site parses (with rdflib, another library) to the published graph
is checked in tests/test_dumps.py; here, what the writers themselves promise: the same bytes
for the same triples whatever order they were stored in, every triple read back by Oxigraph's
parsers and by pyld, a JSON-LD term used only where it reads back the same, Turtle laid out
for people without touching a literal, and a dump that is lost written again with the bytes it
was built with.
"""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic
from test_dumps import jsonld_graph

from pactgraph.build import downloads, prebuilt
from pactgraph.build.jsonld_writer import jsonld_bytes
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


XSD = "http://www.w3.org/2001/XMLSchema#"
# A context of build_context's kinds of terms: English text, IRIs, names in the vocabulary, a
# datatype, and a term that coerces nothing.
CONTEXT = {"@version": 1.1, "@vocab": EX, "ex": EX, "xsd": XSD,
           "label": {"@id": f"{EX}label", "@language": "en"},
           "next": {"@id": f"{EX}next", "@type": "@id"},
           "kind": {"@id": f"{EX}kind", "@type": "@vocab"},
           "on": {"@id": f"{EX}on", "@type": f"{XSD}date"},
           "note": {"@id": f"{EX}note"}}


def _compaction_cases() -> list[ox.Triple]:
    """Values the terms above fit, and values they must not take (they would come back as
    other triples): French text, another datatype, a literal where an IRI is expected..."""
    subject, blank = ox.NamedNode(f"{EX}s00"), ox.BlankNode("b1")

    def literal(value: str, datatype: str) -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    values = [("label", ox.Literal("Bonjour", language="fr")), ("label", ox.Literal("bare")),
              ("on", literal("2024-06-19", "date")), ("on", literal("2024", "gYear")),
              ("kind", ox.NamedNode(f"{EX}Red")), ("kind", ox.NamedNode("http://other.org/Red")),
              ("count", literal("7", "integer")), ("flag", literal("true", "boolean")),
              ("ratio", literal("1.5", "double")), ("note", ox.Literal("plain")),
              ("note", blank), ("next", ox.Literal("not an IRI")), ("label", ox.NamedNode(EX))]
    return [ox.Triple(subject, ox.NamedNode(EX + key), value) for key, value in values] + [
        ox.Triple(blank, ox.NamedNode(f"{EX}label"), ox.Literal("blank", language="en"))]


def _graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


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
    triples = _triples() + _compaction_cases()
    for media_type in FORMATS:
        first = published_bytes(_store(triples), media_type, CONTEXT)
        second = published_bytes(_store(list(reversed(triples)), graphs=3), media_type, CONTEXT)
        assert first == second, media_type


def test_each_format_holds_every_distinct_triple_once() -> None:
    """Read back by Oxigraph's parsers, and the JSON-LD by pyld too (another processor)."""
    triples = _triples() + _compaction_cases()
    store = _store(triples)
    for media_type, rdf_format in FORMATS.items():
        body = published_bytes(store, media_type, CONTEXT)
        parsed = list(ox.parse(body, format=rdf_format))
        assert len(parsed) == len(triples), media_type
        assert isomorphic(_graph(parsed), _graph(triples)), media_type
    document = json.loads(published_bytes(store, "application/ld+json", CONTEXT))
    assert isomorphic(jsonld_graph(document), _graph(triples))


def test_json_ld_uses_a_term_only_where_it_reads_back_the_same() -> None:
    document = json.loads(published_bytes(_store(_compaction_cases()), "application/ld+json",
                                          CONTEXT))
    assert document["@context"] == CONTEXT
    node = next(node for node in document["@graph"] if node["@id"] == "ex:s00")
    assert node["on"] == "2024-06-19" and node["ex:on"] == {"@value": "2024", "@type": "xsd:gYear"}
    assert node["kind"] == ["Red", "http://other.org/Red"]  # read back against @vocab alike
    assert node["ex:label"] == ["bare", {"@id": "http://example.org/"},
                                {"@language": "fr", "@value": "Bonjour"}]
    assert node["count"] == 7 and node["flag"] is True
    assert node["ratio"] == {"@value": "1.5", "@type": "xsd:double"}
    assert node["ex:next"] == "not an IRI" and node["note"] == ["plain", {"@id": "_:b1"}]


def test_json_ld_writes_a_number_natively_only_in_its_canonical_form() -> None:
    """The store keeps numbers by value ("007" is stored as "7"), but the writer does not rely
    on it: JSON-LD reads 7 back as "7", so "007" keeps its full form."""
    subject, count = ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}count")
    triples = [ox.Triple(subject, count, ox.Literal(value, datatype=ox.NamedNode(XSD + kind)))
               for value, kind in (("007", "integer"), ("8", "integer"), ("1", "boolean"))]
    document = json.loads(jsonld_bytes(triples, CONTEXT))
    [node] = document["@graph"]
    assert node["count"] == [8, {"@type": "xsd:boolean", "@value": "1"},
                             {"@type": "xsd:integer", "@value": "007"}]
    assert isomorphic(jsonld_graph(document), _graph(triples))


def test_turtle_is_laid_out_for_people_and_keeps_every_literal() -> None:
    body = published_bytes(_store(_triples()), "text/turtle", CONTEXT)
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
