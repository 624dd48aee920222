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
    sharing_clauses,
)
from pactgraph.namespaces import PREFIXES
from pactgraph.settings import resolve

SITE = Path(__file__).parent / "fixtures" / "site"
ID = "https://w3id.org/pactgraph/id/"
LOGGER = "pactgraph.build"


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, dict]:
    """The fixture site with a copy of ANZUS (the same three parties), built once."""
    data = tmp_path / "data"
    shutil.copytree(SITE, data)
    original = (SITE / "anzus-1951.ttl").read_text(encoding="utf-8")
    (data / "copy.ttl").write_text(original.replace("anzus", "anzuscopy"), encoding="utf-8")
    settings = resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})
    prepare_store(settings)
    return data, settings


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


@pytest.mark.parametrize(("file", "old", "new", "again"), [
    # the copy's clause relabelled: its obligations' labels change, ANZUS's do not
    ("copy.ttl", r'"ANZUS Treaty, Article IV"@en', '"ANZUS copy, Article IV"@en', 1),
    # a member of the copy bound from another day: its obligations' IRIs change
    ("copy.ttl", r'pg:memberFrom "1952-04-29"', 'pg:memberFrom "1953-01-01"', 1),
    # a state both name: both derived again
    ("states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en', 2),
], ids=["clause-label", "member-day", "shared-state"])
def test_an_edit_derives_again_only_what_it_touched_and_builds_what_a_full_build_does(
        site, tmp_path, caplog, file, old, new, again):
    data, settings = site
    folder = built_after(settings, data / file, old, new, caplog)
    assert f"derived again the obligations of {again} of 2 commitments" in caplog.text
    assert "as a change of" in caplog.text and "in full" not in caplog.text
    full = full_build(settings, tmp_path / "full")
    assert_same_folder(folder, full)
    assert_same_record(folder, full)


def test_a_commitment_added_and_taken_away_leaves_the_record_of_a_full_build(site, tmp_path,
                                                                            caplog):
    data, settings = site
    copy = (data / "copy.ttl").read_text(encoding="utf-8")
    (data / "third.ttl").write_text(copy.replace("anzuscopy", "anzusthird"), encoding="utf-8")
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
    folder = built_after(settings, data / "copy.ttl", r'"ANZUS Treaty, Article IV"@en',
                         '"ANZUS copy, Article IV"@en', caplog)
    assert "deriving every obligation" in caplog.text
    full = full_build(settings, tmp_path / "full")
    assert_same_folder(folder, full)
    assert_same_record(folder, full)


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
<{EX}c> pg:party <{EX}x> ; eli:has_part <{EX}l> ."""


def test_an_edit_affects_the_commitments_with_a_read_it_matches() -> None:
    """Matched by predicate and bound end: a triple pointing at a state that each commitment
    read something of (its continuator) changes none of them. Commitments sharing a clause are
    derived again together: obligation IRIs under one clause are numbered together."""
    graph = Graph().parse(data=TWO_SHARE_A_CLAUSE, format="turtle")
    a, b, c, x, k = (URIRef(EX + name) for name in "abcxk")
    party, continued = URIRef(PREFIXES["pg"] + "party"), URIRef(PREFIXES["pg"] + "continuedBy")
    reads = {str(n): [key("s", n, party), key("s", x, continued)] for n in (a, b, c)}

    def edit(*triples: tuple) -> tuple[Graph, Graph]:
        after = Graph()
        for triple in triples:
            after.add(triple)
        return Graph(), after
    assert affected(reads, edit((URIRef(EX + "new"), party, x)), graph) == set()
    assert affected(reads, edit((a, party, URIRef(EX + "y"))), graph) == {a, b}
    assert affected(reads, edit((x, continued, URIRef(EX + "y"))), graph) == {a, b, c}
    assert affected({**reads, str(c): [ANYTHING]}, edit(), graph) == {c}
    assert sharing_clauses({c}, graph) == {c}
    # a commitment the edit made is derived, with no read recorded
    graph.add((URIRef(EX + "d"), party, x))
    assert affected(reads, edit((URIRef(EX + "d"), party, x)), graph) == {URIRef(EX + "d")}
