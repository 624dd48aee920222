"""A build after an edit derives again only the obligations of the commitments the edit touched
(knowledge/derivation_reads.py, build/revalidation.py), and its folder is what a full build of
the same files writes: the store quad for quad, the dumps byte for byte, and the record the next
build reads (every obligation's digest, what each commitment's derivation read)."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from test_store_change import as_if_built, assert_same_folder, full_build

from pactgraph.build.basis import BASIS, DERIVATION, OBLIGATIONS
from pactgraph.build.publication import prepare_store
from pactgraph.knowledge.derivation_reads import (
    ANYTHING,
    Recording,
    affected,
    key,
    numbered_together,
)
from pactgraph.namespaces import PREFIXES
from pactgraph.settings import resolve

SITE = Path(__file__).parent / "fixtures" / "site"
ID = "https://w3id.org/pactgraph/id/"
LOGGER = "pactgraph.build"


def built_site(tmp_path: Path, files: dict[str, str], shapes: Path | None = None
               ) -> tuple[Path, dict]:
    """The fixture site with ``files`` added, built once (with other ``shapes``, if given)."""
    data = tmp_path / "data"
    shutil.copytree(SITE, data)
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    overrides = {"data_paths": [str(data)], "store_dir": str(tmp_path / "store")}
    settings = resolve({**overrides, **({"shapes_paths": [str(shapes)]} if shapes else {})})
    prepare_store(settings)
    return data, settings


ANZUS = (SITE / "anzus-1951.ttl").read_text(encoding="utf-8")


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, dict]:
    """The fixture site with a copy of ANZUS (the same three parties), built once."""
    return built_site(tmp_path, {"copy.ttl": ANZUS.replace("anzus", "anzuscopy")})


def built_after(settings: dict, path: Path, old: str, new: str, caplog) -> Path:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, count=1)
    assert changed != text, old
    path.write_text(changed, encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        return prepare_store(settings).folder


def assert_same_record(changed: Path, full: Path) -> None:
    for name in (OBLIGATIONS, DERIVATION):
        kept = [json.loads((folder / BASIS / name).read_text(encoding="utf-8"))
                for folder in (changed, full)]
        assert kept[0] == kept[1], name


def assert_as_a_full_build(folder: Path, settings: dict, tmp_path: Path) -> Path:
    """``folder``, built after an edit, is what a full build of the same files writes, and
    records what it records; the full build's folder."""
    full = full_build(settings, tmp_path / "full")
    assert_same_folder(folder, full)
    assert_same_record(folder, full)
    return full


CLAUSE_RENAMED = (r'"ANZUS Treaty, Article IV"@en', '"ANZUS copy, Article IV"@en')


@pytest.mark.parametrize(("file", "old", "new", "again"), [
    # the copy's clause relabelled: its obligations' labels change, ANZUS's do not, and no
    # commitment is derived again for a label (build/relabelling.py)
    ("copy.ttl", *CLAUSE_RENAMED, "0 of 2 commitments (and 3 labels of 1 more)"),
    # a member of the copy bound from another day: its obligations' IRIs change
    ("copy.ttl", r'pg:memberFrom "1952-04-29"', 'pg:memberFrom "1953-01-01"',
     "1 of 2 commitments (and 0 labels of 0 more)"),
    # a state both name, renamed: the labels of the obligations that protect it
    ("states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en',
     "0 of 2 commitments (and 2 labels of 2 more)"),
    # a state both name, described further: no obligation reads that
    ("states.ttl", r'"New Zealand"@en ;', '"New Zealand"@en ; rdfs:comment "A state."@en ;',
     "0 of 2 commitments (and 0 labels of 0 more)"),
    # ... or typed further: every obligation that names it reads its types
    ("states.ttl", r'state:NZL a pg:State ;', 'state:NZL a pg:State , pg:Signatory ;',
     "2 of 2 commitments (and 0 labels of 0 more)"),
], ids=["clause-label", "member-day", "shared-state", "state-comment", "state-type"])
def test_an_edit_derives_again_only_what_it_touched_and_builds_what_a_full_build_does(
        site, tmp_path, caplog, file, old, new, again):
    data, settings = site
    folder = built_after(settings, data / file, old, new, caplog)
    assert f"derived again the obligations of {again}" in caplog.text
    assert "as a change of" in caplog.text and "in full" not in caplog.text
    assert_as_a_full_build(folder, settings, tmp_path)


def test_a_commitment_added_and_taken_away_leaves_the_record_of_a_full_build(site, tmp_path,
                                                                            caplog):
    data, settings = site
    (data / "third.ttl").write_text(ANZUS.replace("anzus", "anzusthird"), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        added = prepare_store(settings).folder
    assert "derived again the obligations of 1 of 2 commitments" in caplog.text
    assert_same_record(added, full_build(settings, tmp_path / "full"))
    (data / "third.ttl").write_text("", encoding="utf-8")  # unlinked, the first folder is used
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        removed = prepare_store(settings).folder
    assert "derived again the obligations of 1 of 3 commitments" in caplog.text
    assert_same_record(removed, full_build(settings, tmp_path / "full"))
    kept = json.loads((removed / BASIS / DERIVATION).read_text(encoding="utf-8"))
    assert not any("anzusthird" in commitment for commitment in kept["reads"])


def test_a_folder_without_a_record_of_its_derivation_derives_everything(site, tmp_path,
                                                                        caplog):
    data, settings = site
    for record in Path(settings["store_dir"]).glob(f"*/{BASIS}/{DERIVATION}"):
        record.unlink()
        as_if_built(record.parent.parent)
    folder = built_after(settings, data / "copy.ttl", *CLAUSE_RENAMED, caplog)
    assert "deriving every obligation" in caplog.text
    assert_as_a_full_build(folder, settings, tmp_path)


EX = "http://example.org/"


def test_a_derivation_notes_each_pattern_by_its_bound_end_and_anything_for_none() -> None:
    graph = Graph().parse(data=f"<{EX}c> <{EX}p> <{EX}o> .", format="turtle")
    recording = Recording(graph)
    c, p, o = (URIRef(EX + name) for name in "cpo")
    assert recording.value(c, p) == o
    assert list(recording.subjects(p, o)) == [c]
    assert (c, p, o) in recording
    assert recording.into == {key("s", c, p), key("o", o, p)}
    recording.value(None, p)  # any subject's: any edit may change it
    assert ANYTHING in recording.into


TWO_SHARE_A_CLAUSE = f"""@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix pg: <https://w3id.org/pactgraph/def#> .
<{EX}a> pg:party <{EX}x> ; eli:has_part <{EX}k> .
<{EX}b> pg:party <{EX}x> ; eli:has_part <{EX}k> .
<{EX}c> pg:party <{EX}x> ; eli:has_part <{EX}l> .
<{EX}d> pg:party <{EX}x> ; eli:has_part <{EX}m> ."""


def test_an_edit_affects_the_commitments_with_a_read_it_matches() -> None:
    """Matched by predicate and bound end: a triple pointing at a state that each commitment
    read something of (its continuator) changes none of them. Commitments whose obligation IRIs
    are numbered together (sharing a clause today, or bases when last derived) go together."""
    graph = Graph().parse(data=TWO_SHARE_A_CLAUSE, format="turtle")
    a, b, c, d, x = (URIRef(EX + name) for name in "abcdx")
    party, continued = URIRef(PREFIXES["pg"] + "party"), URIRef(PREFIXES["pg"] + "continuedBy")
    reads = {str(n): [key("s", n, party), key("s", x, continued)] for n in (a, b, c, d)}
    made = {str(c): [f"{EX}l/obligation/X-1"], str(d): [f"{EX}l/obligation/X-1-2"]}

    def edit(*triples: tuple) -> tuple[Graph, Graph]:
        after = Graph()
        for triple in triples:
            after.add(triple)
        return Graph(), after
    assert affected(reads, made, edit((URIRef(EX + "new"), party, x)), graph) == set()
    assert affected(reads, made, edit((a, party, URIRef(EX + "y"))), graph) == {a, b}
    assert affected(reads, made, edit((x, continued, URIRef(EX + "y"))), graph) == {a, b, c, d}
    assert affected({**reads, str(c): [ANYTHING]}, made, edit(), graph) == {c, d}
    # a triple about an obligation derives its commitment (and those numbered with it) again
    about = (URIRef(f"{EX}l/obligation/X-1-2"), party, x)
    assert affected(reads, made, edit(about), graph) == {c, d}
    assert numbered_together({a}, {}, graph) == {a, b}
    # a commitment the edit made is derived, with no read recorded
    new = URIRef(EX + "new")
    graph.add((new, party, x))
    assert affected(reads, made, edit((new, party, x)), graph) == {new}


# A second reader's cases (each a way the folder after an edit differed from a full build's)
K = "https://w3id.org/pactgraph/id/treaty/anzus-1951/article-iv"
PARTY_SHAPES = Path(__file__).parent / "fixtures" / "derivation" / "party-shapes.ttl"
LAND = """@prefix pg: <https://w3id.org/pactgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/pactgraph/id/state/example-land> a pg:StateWithLimitedRecognition ;
    rdfs:label "Example Land (fixture)"@en ;
    pg:note "Recognised by Australia only (fixture); others regard it as part of a state."@en ;
    dcterms:source <http://fredsakademiet.dk/ordbog/aord/a78.htm> .
"""
NOT_BINDING = """@prefix pg: <https://w3id.org/pactgraph/def#> .
<https://w3id.org/pactgraph/id/treaty/other-2000> a pg:Treaty ;
    pg:hasMutualDefenseObligation false ;
    pg:party <https://w3id.org/pactgraph/id/state/AUS> .
"""
SHARED = ANZUS.replace("anzus", "anzuscopy").replace(
    "eli:has_part anzuscopy:article-iv ;", f"eli:has_part anzuscopy:article-iv , <{K}> ;")


@pytest.mark.parametrize(("files", "shapes", "edit"), [
    # a clause two treaties shared is no longer shared: the other's obligations are renumbered
    ({"copy.ttl": SHARED}, PARTY_SHAPES,
     ("anzus-1951.ttl", r"    eli:has_part anzus:article-iv ;\n", "")),
    # a data triple about a derived obligation: its quads are written again, all of them
    ({}, None, ("states.ttl", r"\Z", f"\n<{K}/obligation/NZL-1952-04-29> a "
                                     "<http://www.w3.org/ns/prov#Entity> .\n")),
    # a state typed with a subclass of pg:State only (the search index found it by the
    # entailed triples, which after an edit are the changed subjects' only)
    ({"land.ttl": LAND}, None,
     ("anzus-1951.ttl", r'"ANZUS Treaty, Article IV"@en', '"ANZUS, Article IV"@en')),
    # a commitment with no obligation stops being one
    ({"other.ttl": NOT_BINDING}, PARTY_SHAPES, ("other.ttl", r" ;\n    pg:party <[^>]*> \.", " .")),
    # the class every obligation is typed with, described in the data (each digest reads it)
    ({}, None, ("states.ttl", r"\Z", "\n<https://w3id.org/pactgraph/def#DefenseObligation> a "
                                     "<http://www.w3.org/2002/07/owl#Class> .\n")),
    # data that makes every obligation a kind of commitment: no obligation is derived again,
    # and the search index (of curated things only) is the full build's
    ({}, None, ("states.ttl", r"\Z", "\n<https://w3id.org/pactgraph/def#DefenseObligation> "
                                     "<http://www.w3.org/2000/01/rdf-schema#subClassOf> "
                                     "<https://w3id.org/pactgraph/def#Commitment> .\n")),
    # a triple held by two files leaves the first: its finding points at the second now
    ({"anzus-1951.ttl": ANZUS.replace('    eli:number "IV" ;\n', ""),
      "0-dup.ttl": f"<{K}> <https://w3id.org/pactgraph/def#trigger> "
                   "<https://w3id.org/pactgraph/def#ArmedAttack> .\n"}, None,
     ("0-dup.ttl", r".*", "# nothing\n")),
], ids=["clause-no-longer-shared", "triple-about-an-obligation", "subclass-typed-state",
        "no-longer-a-commitment", "obligation-class-described", "obligation-a-commitment",
        "duplicate-leaves-a-file"])
def test_an_edit_builds_what_a_full_build_does(tmp_path, caplog, files, shapes, edit) -> None:
    data, settings = built_site(tmp_path, files, shapes)
    name, old, new = edit
    folder = built_after(settings, data / name, old, new, caplog)
    assert "derived again the obligations of" in caplog.text
    full = assert_as_a_full_build(folder, settings, tmp_path)
    assert (folder / BASIS / "report.json").read_bytes() == \
        (full / BASIS / "report.json").read_bytes()


def test_a_renamed_clause_keeps_the_day_its_obligations_were_labelled_with(tmp_path, caplog):
    """A second reader's: a membership's day with a time zone, which rdflib's date literal drops
    from its text and an obligation's label keeps. Relabelling read the day from the literal.
    (The bundled shapes refuse such a day in an obligation's IRI, so without that pattern.)"""
    bundled = (Path(__file__).parents[1] / "shapes" / "pactgraph-shapes.ttl").read_text("utf-8")
    lines = bundled.splitlines(keepends=True)
    kept = [line for line in lines if "/obligation/([A-Z]{3}" not in line]
    assert len(kept) == len(lines) - 1
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("".join(kept), encoding="utf-8")
    zoned = ANZUS.replace("anzus", "anzuscopy").replace(
        'pg:memberFrom "1952-04-29"^^xsd:date', 'pg:memberFrom "1952-04-29+00:00"^^xsd:date')
    data, settings = built_site(tmp_path, {"copy.ttl": zoned}, shapes)
    folder = built_after(settings, data / "copy.ttl", *CLAUSE_RENAMED, caplog)
    assert "derived again the obligations of 0 of 2 commitments (and 3 labels" in caplog.text
    assert_as_a_full_build(folder, settings, tmp_path)
