"""Publishing an edit of the data files validates again only what the edit can affect (issue 15,
build/revalidation.py): the build after an edit finds the last build's basis, its report equals a
full validation's, a violation the edit causes in another file is refused all the same, and a
basis that cannot be trusted means a full validation."""

from __future__ import annotations

import gzip
import logging
import re
import shutil
from pathlib import Path

import pytest

from pactgraph.build import basis, manifest, prebuilt, versions
from pactgraph.build.publication import prepare_store
from pactgraph.errors import DataNotConforming
from pactgraph.knowledge.sources import Knowledge
from pactgraph.settings import resolve

SITE = Path(__file__).parent / "fixtures" / "site"


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, dict]:
    """A copy of the fixture site and settings that build it in a store folder of the test."""
    data = tmp_path / "data"
    shutil.copytree(SITE, data)
    return data, resolve({"data_paths": [str(data)], "store_dir": str(tmp_path / "store")})


@pytest.fixture()
def focus(monkeypatch) -> list:
    """The focus nodes of each validation (None: a full one)."""
    calls, validate = [], Knowledge.validate

    def recording(self, focus_nodes=None, *more):
        nodes = None if focus_nodes is None else list(focus_nodes)
        calls.append(nodes)
        return validate(self, nodes, *more)

    monkeypatch.setattr(Knowledge, "validate", recording)
    return calls


def edit(path: Path, old: str, new: str, flags: int = 0) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, flags=flags)
    assert changed != text, old
    path.write_text(changed, encoding="utf-8")


def test_an_edit_is_validated_from_the_last_build_with_a_full_validations_report(site, focus,
                                                                                caplog):
    data, settings = site
    first = prepare_store(settings)
    assert focus == [None]  # nothing built before: a full validation
    assert (first.folder / basis.BASIS / "basis.json").is_file()
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    with caplog.at_level(logging.INFO, logger="pactgraph.build.revalidation"):
        second = prepare_store(settings)
    assert second.folder != first.folder
    nodes = focus[1]
    subjects = set(Knowledge.from_settings(settings).data.graph.subjects())
    assert nodes is not None and nodes, "validated in full"
    assert subjects - set(nodes), "every node was validated again"
    assert "states.ttl" in caplog.text
    full = Knowledge.from_settings(settings).validate()
    assert (second.folder / "conforms").read_text(encoding="utf-8") == full.text() + "\n"


def test_a_violation_an_edit_causes_in_another_file_is_still_refused(site, focus):
    data, settings = site
    prepare_store(settings)
    # states.ttl loses New Zealand; anzus-1951.ttl, unchanged, still names it as a party.
    edit(data / "states.ttl", r"state:NZL a pg:State ;.*?\n\n", "", re.DOTALL)
    with pytest.raises(DataNotConforming) as refused:
        prepare_store(settings)
    assert focus[-1] is not None  # found by validating only what the edit can affect
    report = refused.value.report
    assert report == Knowledge.from_settings(settings).validate()
    assert any(finding.file.endswith("anzus-1951.ttl") for finding in report.violations)


def test_other_data_or_other_shapes_are_validated_in_full(site, focus, tmp_path):
    data, settings = site
    prepare_store(settings)
    # Other data in the same store folder: no file in common with the last build.
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(data / "states.ttl", other / "only-states.ttl")
    prepare_store(resolve({"data_paths": [str(other)], "store_dir": settings["store_dir"]}))
    # Other shapes: the rules of the old report are not today's.
    shapes = tmp_path / "shapes"
    shutil.copytree(Path(settings["shapes_paths"][0]), shapes)
    (shapes / "extra.ttl").write_text("# no shapes, but another file\n", encoding="utf-8")
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    prepare_store({**settings, "shapes_paths": [str(shapes)]})
    assert focus == [None, None, None]


def test_a_damaged_basis_means_a_full_validation(site, focus, caplog):
    data, settings = site
    first = prepare_store(settings)
    for copy in (first.folder / basis.BASIS / "files").iterdir():
        copy.write_bytes(b"x" * copy.stat().st_size)  # the same size: the folder looks whole
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    with caplog.at_level(logging.WARNING, logger="pactgraph.build.revalidation"):
        prepare_store(settings)
    assert focus == [None, None]
    assert "cannot be used" in caplog.text


def test_a_new_build_code_on_the_same_data_validates_nothing(site, focus, monkeypatch):
    """Another version of the code that writes the store and dumps builds a new folder, but the
    report, made by code that did not change, is the last one's."""
    _, settings = site
    first = prepare_store(settings)
    monkeypatch.setattr(versions, "VALIDATION_INPUTS", (*versions.VALIDATION_INPUTS, "dumps v2"))
    second = prepare_store(settings)
    assert second.folder != first.folder and focus == [None]
    assert (second.folder / "conforms").read_bytes() == (first.folder / "conforms").read_bytes()


def test_unchanged_files_copies_are_linked_from_the_last_build_when_intact(site):
    """The copies of the files an edit left alone are the last build's, linked (compressing
    them again cost 3.4 s of an edit at 80x the data); a copy that is not what its name says
    is made again, not linked."""
    data, settings = site
    first = prepare_store(settings).folder
    copies = sorted((first / basis.BASIS / "files").iterdir())
    damaged = copies[0]
    damaged.write_bytes(gzip.compress(b"not the file it names"))
    counts = manifest.load(first).counts  # the folder whole by its manifest all the same
    manifest.save(first, manifest.take(first, counts, prebuilt.UNRECORDED))
    edit(data / "states.ttl", r'"New Zealand"@en', '"Aotearoa New Zealand"@en')
    second = prepare_store(settings).folder
    for copy in copies:
        kept = second / basis.BASIS / "files" / copy.name
        if not kept.exists():  # the edited file's copy: a new name
            continue
        assert kept.samefile(copy) == (copy != damaged), copy.name
        assert gzip.decompress(kept.read_bytes()) != b"not the file it names"
