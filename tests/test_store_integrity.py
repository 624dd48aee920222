"""A damaged prebuilt store is caught on open: built again where it can be, refused where not.

The store here is built from a handful of triples (``prebuilt.prepare`` with a stand-in for the
parse-and-validate step), so each test builds in milliseconds; ``builds`` counts how often the
stand-in was called, which is how often a store was built.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from pactgraph.build import downloads, manifest, prebuilt
from pactgraph.errors import StoreDamaged
from pactgraph.knowledge.sources import Knowledge, SourceGraphs

EX = "https://example.org/"
VERSION = "0123456789abcdef-test-version"


def tiny_knowledge() -> Knowledge:
    ontology, data = Graph(), Graph()
    ontology.add((URIRef(EX + "Pact"), RDF.type, OWL.Class))
    ontology.add((URIRef(EX + "Pact"), RDFS.label, Literal("Pact", lang="en")))
    for n in range(3):
        data.add((URIRef(f"{EX}pact/{n}"), RDF.type, URIRef(EX + "Pact")))
        data.add((URIRef(f"{EX}pact/{n}"), RDFS.label, Literal(f"Pact {n}")))
    return Knowledge(SourceGraphs(ontology), SourceGraphs(data), SourceGraphs())


QUADS_BUILT = 8  # the two ontology triples and six data triples, each in its named graph


@pytest.fixture()
def builds() -> list[int]:
    return []


@pytest.fixture()
def open_store(tmp_path, builds):
    """Open (building first if needed) the store of ``tiny_knowledge`` in ``tmp_path``."""
    def validated_knowledge() -> tuple[Knowledge, str]:
        builds.append(1)
        return tiny_knowledge(), "Conforms."

    return lambda: prebuilt.prepare(tmp_path / "store", VERSION, validated_knowledge)


@pytest.fixture()
def read_only(monkeypatch):
    """The store folder counts as not writable (CI runs as root, where chmod stops nothing)."""
    monkeypatch.setattr(prebuilt, "is_writable", lambda folder: False)


def test_a_whole_store_is_opened_without_building_it_again(open_store, builds) -> None:
    folder = open_store()
    recorded = manifest.load(folder)
    assert {prebuilt.QUADS, prebuilt.CONFORMS, "dumps/pactgraph.ttl"} <= set(recorded.files)
    assert any(name.startswith(f"{prebuilt.ENGINE}/") for name in recorded.files)
    assert recorded.counts == {"quads": QUADS_BUILT, "triples": QUADS_BUILT}
    assert open_store() == folder and builds == [1]


def _truncate(folder: Path) -> None:
    quads = folder / prebuilt.QUADS
    quads.write_bytes(quads.read_bytes()[: quads.stat().st_size // 2])


def _empty(folder: Path) -> None:
    (folder / prebuilt.QUADS).write_bytes(b"")


def _change_a_dump(folder: Path) -> None:  # the same size, one IRI renamed
    dump = folder / prebuilt.DUMPS / "pactgraph.nt"
    dump.write_bytes(dump.read_bytes().replace(b"/pact/1>", b"/pact/7>"))


def _cut_a_dump_short(folder: Path) -> None:
    dump = folder / prebuilt.DUMPS / "pactgraph.ttl"
    dump.write_bytes(dump.read_bytes()[:-10])


def _remove_a_dump(folder: Path) -> None:
    (folder / prebuilt.DUMPS / "ontology.ttl").unlink()


def _remove_the_manifest(folder: Path) -> None:
    (folder / manifest.MANIFEST).unlink()


def _miscount(folder: Path) -> None:  # files intact, but the store holds other quads than built
    document = json.loads((folder / manifest.MANIFEST).read_text())
    document["counts"]["quads"] += 1
    (folder / manifest.MANIFEST).write_text(json.dumps(document))


DAMAGES = {
    "truncated quads.nq": (_truncate, r"quads\.nq is [\d,]+ bytes, but was built with [\d,]+ "
                                      r"\(truncated\?\)"),
    "empty quads.nq": (_empty, r"quads\.nq is 0 bytes, but was built with [\d,]+ \(it is empty\)"),
    "a dump cut short": (_cut_a_dump_short, r"dumps/pactgraph\.ttl is [\d,]+ bytes, but was "
                                            r"built with [\d,]+ \(truncated\?\)"),
    "a missing dump": (_remove_a_dump, r"dumps/ontology\.ttl is missing"),
    "no manifest": (_remove_the_manifest, r"manifest\.json is missing"),
    "a store of other quads": (_miscount, r"oxigraph/ holds 8 quads, but was built with 9"),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_store_is_built_again_where_it_can_be_written(open_store, builds, caplog,
                                                                damage) -> None:
    damage_folder, problem = damage
    folder = open_store()
    whole = {name: (folder / name).read_bytes() for name in (prebuilt.QUADS, "dumps/pactgraph.nt")}
    damage_folder(folder)
    assert prebuilt.damage(folder) is not None
    with caplog.at_level(logging.WARNING, logger=prebuilt.__name__):
        assert open_store() == folder
    assert builds == [1, 1]
    [warning] = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert str(folder) in warning.getMessage()
    assert re.search(problem, warning.getMessage())
    assert prebuilt.damage(folder) is None
    assert all((folder / name).read_bytes() == body for name, body in whole.items())
    assert not [path for path in folder.parent.iterdir() if path != folder]  # nothing left over


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_store_that_cannot_be_written_is_refused(open_store, builds, read_only,
                                                           damage) -> None:
    damage_folder, problem = damage
    folder = open_store()
    damage_folder(folder)
    with pytest.raises(StoreDamaged, match=problem) as refused:
        open_store()
    assert str(folder) in str(refused.value) and "store_dir" in str(refused.value)
    assert builds == [1]  # not validated again, nothing built


def test_a_store_another_process_built_again_meanwhile_is_kept(open_store, monkeypatch) -> None:
    folder = open_store()
    _truncate(folder)
    build, theirs = prebuilt._build, {}

    def build_while_another_process_replaces_it(knowledge, report_text, building,
                                                keep=None, change=None) -> None:
        build(knowledge, report_text, building, keep, change)
        other = shutil.copytree(building, folder.parent / "built-by-another-process")
        theirs["inode"] = (other / prebuilt.QUADS).stat().st_ino
        shutil.rmtree(folder)
        other.rename(folder)

    monkeypatch.setattr(prebuilt, "_build", build_while_another_process_replaces_it)
    assert open_store() == folder
    assert (folder / prebuilt.QUADS).stat().st_ino == theirs["inode"]
    assert prebuilt.damage(folder) is None
    assert [path.name for path in folder.parent.iterdir()] == [folder.name]


def test_a_dump_changed_at_the_same_size_is_served_as_built(open_store, builds, caplog) -> None:
    """Dumps are hashed when first served, not on every open (build/downloads.py)."""
    folder = open_store()
    dump = folder / prebuilt.DUMPS / "pactgraph.nt"
    built = dump.read_bytes()
    _change_a_dump(folder)
    assert dump.read_bytes() != built
    with caplog.at_level(logging.WARNING, logger=downloads.__name__):
        served = downloads.kept_bytes(folder, "pactgraph.nt", lambda: built)
    assert served == built and dump.read_bytes() == built  # served, and the file, as built
    assert f"{dump} has changed since it was built" in caplog.text
    assert prebuilt.damage(folder) is None and builds == [1]
