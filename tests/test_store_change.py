"""A build after an edit writes the store, its N-Quads copy and the dumps as a change to the last
folder's (issue 15, build/store_change.py and build/dump_blocks.py): what it writes is what a
full build of the same files writes, quad for quad and byte for byte, through edits that change,
add and remove subjects; and what it cannot change alike is written in full."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from pactgraph.build import dump_blocks, prebuilt, store_change, versions
from pactgraph.build.downloads import DUMPS
from pactgraph.build.publication import prepare_store
from pactgraph.settings import resolve

SITE = Path(__file__).parent / "fixtures" / "site"
LOGGER = "pactgraph.build.store_change"
ELSEWHERE = '\n<https://example.org/elsewhere> rdfs:label "Elsewhere"@en .\n'


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, dict]:
    data = tmp_path / "data"
    shutil.copytree(SITE, data)
    return data, resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, flags=re.DOTALL)
    assert changed != text, old
    path.write_text(changed, encoding="utf-8")


def full_build(settings: dict, where: Path) -> Path:
    """The folder a build with no earlier folder writes from the same files."""
    shutil.rmtree(where, ignore_errors=True)
    return prepare_store({**settings, "store_dir": str(where)}).folder


def relabelled(data: Path, settings: dict, caplog) -> Path:
    """The folder built after New Zealand's label is edited, its log kept in ``caplog``."""
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    with caplog.at_level(logging.INFO, logger="pactgraph.build"):
        return prepare_store(settings).folder


def as_if_built(folder: Path) -> None:
    """Record ``folder``'s files as they are now in its manifest: whole, as if built so (else
    the next build finds it damaged and validates in full, and nothing is changed)."""
    counts = prebuilt.manifest.load(folder).counts
    prebuilt.manifest.save(folder, prebuilt.manifest.take(folder, counts, prebuilt.UNRECORDED))


def assert_same_folder(changed: Path, full: Path) -> None:
    """The same quads, N-Quads lines, dumps, record of blocks and counts."""
    stores = [set(ox.Store.read_only(str(folder / prebuilt.ENGINE))) for folder in (changed, full)]
    assert stores[0] == stores[1]
    lines = [sorted((folder / prebuilt.QUADS).read_bytes().splitlines())
             for folder in (changed, full)]
    assert lines[0] == lines[1]
    for name in store_change.published_dumps():
        assert (changed / DUMPS / name).read_bytes() == (full / DUMPS / name).read_bytes(), name
    for record in sorted((full / dump_blocks.BLOCKS).iterdir()):
        assert (changed / dump_blocks.BLOCKS / record.name).read_bytes() == record.read_bytes()
    for table in sorted((full / DUMPS / "tables").iterdir()):
        assert (changed / DUMPS / "tables" / table.name).read_bytes() == table.read_bytes()
    counts = [prebuilt.manifest.load(folder).counts for folder in (changed, full)]
    assert counts[0] == counts[1]
    assert (changed / "search.json").read_bytes() == (full / "search.json").read_bytes()


def test_edits_are_written_as_a_change_with_a_full_builds_store_and_dumps(site, tmp_path,
                                                                         caplog):
    data, settings = site
    prepare_store(settings)
    # A label: the state, and every derived obligation whose label names it, change.
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    with caplog.at_level(logging.INFO, logger="pactgraph.build"):
        second = prepare_store(settings).folder
    assert "as a change of" in caplog.text and "in full" not in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))
    # A subject that was not there, placed among the others; then taken out again.
    (data / "states.ttl").write_text((data / "states.ttl").read_text(encoding="utf-8")
                                     + ELSEWHERE, encoding="utf-8")
    third = prepare_store(settings).folder
    assert "https://example.org/elsewhere" in (third / DUMPS / "pactgraph.nt").read_text()
    assert_same_folder(third, full_build(settings, tmp_path / "full"))
    edit(data / "states.ttl", re.escape(ELSEWHERE), "\n")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        fourth = prepare_store(settings).folder
    assert "as a change of" in caplog.text
    assert "https://example.org/elsewhere" not in (fourth / DUMPS / "pactgraph.nt").read_text()
    assert_same_folder(fourth, full_build(settings, tmp_path / "full"))
    # A cell of the clauses table (one file edited at a time: else no build to follow).
    edit(data / "anzus-1951.ttl", r'eli:number "IV"', 'eli:number "4"')
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pactgraph.build"):
        fifth = prepare_store(settings).folder
    assert "as a change of" in caplog.text and "in full" not in caplog.text
    assert ',4,' in (fifth / DUMPS / "tables" / "clauses.csv").read_text(encoding="utf-8")
    assert_same_folder(fifth, full_build(settings, tmp_path / "full"))


def test_a_blank_node_in_the_change_is_written_in_full(site, tmp_path, caplog):
    data, settings = site
    prepare_store(settings)
    edit(data / "states.ttl", r'"New Zealand"@en', '"New Zealand"@en ; rdfs:seeAlso [ '
         'rdfs:label "a note"@en ]')
    with caplog.at_level(logging.INFO, logger=LOGGER):
        second = prepare_store(settings).folder
    assert "as a change of" not in caplog.text
    assert len(set(ox.Store.read_only(str(second / prebuilt.ENGINE)))) == len(
        set(ox.Store.read_only(str(full_build(settings, tmp_path / "full") / prebuilt.ENGINE))))


def test_a_folder_without_a_record_of_its_blocks_is_followed_in_full(site, tmp_path, caplog):
    data, settings = site
    first = prepare_store(settings).folder
    shutil.rmtree(first / dump_blocks.BLOCKS)
    as_if_built(first)
    second = relabelled(data, settings, caplog)
    assert "no record of the dumps' blocks" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_a_quads_copy_unlike_its_store_is_written_in_full(site, tmp_path, caplog):
    """The N-Quads copy is checked against the store as it is spliced: a copy that lost the
    lines of a changed subject is not carried on."""
    data, settings = site
    first = prepare_store(settings).folder
    quads = first / prebuilt.QUADS
    kept = [line for line in quads.read_bytes().splitlines(keepends=True)
            if b"/state/NZL>" not in line.split(b" ", 1)[0]]
    quads.write_bytes(b"".join(kept))
    as_if_built(first)
    second = relabelled(data, settings, caplog)
    assert "quads of the changed subjects" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_dumps_written_by_other_code_are_written_in_full(site, tmp_path, caplog, monkeypatch):
    """Splicing today's blocks into dumps another version of the writers wrote would mix two
    layouts in one file: a folder built by other code (its rules the same: the validating
    code did not change) is followed in full."""
    data, settings = site
    prepare_store(settings)
    monkeypatch.setattr(versions, "VALIDATION_INPUTS", (*versions.VALIDATION_INPUTS, "dumps v2"))
    second = relabelled(data, settings, caplog)
    assert "written by other code or libraries" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_a_triple_moved_into_a_named_graph_is_written_in_full(site, tmp_path, caplog):
    """An edit's triples are compared without their graphs: a triple moved from the data's
    default graph into a named one changes no triple, only a quad, so no such edit is written
    as a change (a second reader's counterexample: the store kept the quad in the old graph)."""
    data, settings = site
    extra = tmp_path / "extra" / "notes.ttl"
    extra.parent.mkdir()
    prefix = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    extra.write_text(prefix + '<https://example.org/other> rdfs:label "Other"@en .\n',
                     encoding="utf-8")
    settings = {**settings, "data_graphs": [["https://example.org/graph/notes", str(extra)]]}
    # a file no edit touches, so that more files are unchanged than changed (else no basis)
    (data / "more.ttl").write_text(prefix + '<https://example.org/more> rdfs:label "More"@en .\n',
                                   encoding="utf-8")
    (data / "states.ttl").write_text((data / "states.ttl").read_text(encoding="utf-8")
                                     + ELSEWHERE, encoding="utf-8")
    prepare_store(settings)
    edit(data / "states.ttl", re.escape(ELSEWHERE), "\n")
    extra.write_text(extra.read_text(encoding="utf-8") + ELSEWHERE, encoding="utf-8")
    with caplog.at_level(logging.INFO):
        second = prepare_store(settings).folder
    assert "validated again" in caplog.text and "as a change of" not in caplog.text
    moved = ox.Quad(ox.NamedNode("https://example.org/elsewhere"),
                    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                    ox.Literal("Elsewhere", language="en"),
                    ox.NamedNode("https://example.org/graph/notes"))
    assert moved in ox.Store.read_only(str(second / prebuilt.ENGINE))
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_a_relative_iri_removed_by_an_edit_is_removed_from_the_store(site, tmp_path):
    """The last build's copy of an edited file is read with the file's own base IRI, not its
    temporary copy's: else the removed subject was looked for under another IRI and kept."""
    data, settings = site
    note = '\n<#note> rdfs:label "A note"@en .\n'
    (data / "states.ttl").write_text((data / "states.ttl").read_text(encoding="utf-8") + note,
                                     encoding="utf-8")
    prepare_store(settings)
    edit(data / "states.ttl", re.escape(note), "\n")
    second = prepare_store(settings).folder
    assert "states.ttl#note" not in (second / DUMPS / "pactgraph.nt").read_text()
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_a_dump_changed_since_it_was_built_is_not_carried_on(site, tmp_path, caplog):
    """A dump is checked only by its size when a folder is opened: one changed at the same size
    is found before it is spliced, and the dumps are written in full."""
    data, settings = site
    first = prepare_store(settings).folder
    dump = first / DUMPS / "pactgraph.nt"
    body = dump.read_bytes()
    dump.write_bytes(body.replace(b"New Zealand", b"New Zealant", 1))
    second = relabelled(data, settings, caplog)
    assert "pactgraph.nt is not as the last folder built it" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_a_fault_in_writing_the_change_costs_a_full_write_not_the_build(site, tmp_path, caplog,
                                                                       monkeypatch):
    data, settings = site
    prepare_store(settings)

    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(dump_blocks, "block", broken)
    second = relabelled(data, settings, caplog)
    assert "after a fault" in caplog.text and "RuntimeError: a fault" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))


def test_the_record_keeps_iris_that_python_would_split_as_lines(tmp_path):
    """U+2028 may stand in an IRI; ``str.splitlines`` would cut the subject there."""
    iris = ["https://example.org/a\u2028b", "https://example.org/c"]
    offsets = (dump_blocks.array("q", [0, 5]), dump_blocks.array("q", [5, 9]))
    dump_blocks.save(tmp_path, iris, {"pactgraph.nt": offsets})
    subjects, found = dump_blocks.load(tmp_path, ["pactgraph.nt"])
    assert subjects == iris and found["pactgraph.nt"] == offsets


def test_a_changed_class_writes_the_tables_in_full(site, tmp_path, caplog):
    """Which resources are a table's rows follows the class hierarchy: an edit that makes a
    changed subject a class may change the rows of resources it did not touch."""
    data, settings = site
    prepare_store(settings)
    (data / "states.ttl").write_text((data / "states.ttl").read_text(encoding="utf-8")
                                     + "\n<https://example.org/elsewhere> rdfs:subClassOf "
                                       "pg:Signatory .\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="pactgraph.build"):
        second = prepare_store(settings).folder
    assert "as a change of" in caplog.text
    assert "writing the tables in full: a changed subject is a class" in caplog.text
    assert_same_folder(second, full_build(settings, tmp_path / "full"))
