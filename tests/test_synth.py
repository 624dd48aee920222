"""`pactgraph synth`: synthetic data at N times the bundled size, valid and clearly marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS

from pactgraph import settings as settings_table
from pactgraph.cli import main
from pactgraph.knowledge.sources import Knowledge
from pactgraph.knowledge.synth import SYNTHETIC_SOURCE, synthesize

BUNDLED = settings_table.DEFAULTS["data_paths"]
SYNTHETIC_PREFIX = "https://w3id.org/pactgraph/id/"


@pytest.fixture(scope="module")
def scale_two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("synth") / "scale-2"
    synthesize(BUNDLED, 2, output)
    return output


def _graph(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_scale_two_has_about_twice_the_triples(scale_two: Path) -> None:
    bundled = len(_graph(Path(BUNDLED[0])))
    total = len(_graph(scale_two))
    assert 1.8 * bundled <= total <= 2.2 * bundled


def test_synthetic_copies_are_marked_and_cite_only_the_placeholder(scale_two: Path) -> None:
    copies = _graph(scale_two / "synthetic")
    minted = {s for s in copies.subjects() if str(s).startswith(SYNTHETIC_PREFIX)
              and s != SYNTHETIC_SOURCE}
    assert minted
    assert all("/synthetic-" in str(s) for s in minted)
    assert set(copies.objects(None, DCTERMS.source)) == {SYNTHETIC_SOURCE}
    assert not list(copies.triples((None, OWL.sameAs, None)))
    labels = [str(o) for s in minted for o in copies.objects(s, RDFS.label)]
    assert labels and all(label.startswith("Synthetic copy") for label in labels)
    assert "not a source" in str(copies.value(SYNTHETIC_SOURCE, DCTERMS.title))


def test_synthetic_data_conforms_to_the_shapes(scale_two: Path) -> None:
    settings = settings_table.resolve({"data_paths": [str(scale_two)]})
    report = Knowledge.from_settings(settings).validate()
    assert report.conforms, report.text()


def test_the_bundled_treaties_are_copied_unchanged(scale_two: Path) -> None:
    for path in Path(BUNDLED[0]).glob("*.ttl"):
        assert (scale_two / "bundled" / path.name).read_bytes() == path.read_bytes()
    assert (URIRef(SYNTHETIC_PREFIX + "state/PHL"), None, None) in _graph(scale_two / "bundled")


def test_synth_refuses_to_write_into_the_data_folder(capsys: pytest.CaptureFixture) -> None:
    target = Path(BUNDLED[0]) / "synthetic-test"
    assert main(["synth", "--scale", "2", "--output", str(target)]) == 2
    assert "refusing" in capsys.readouterr().err
    assert not target.exists()
