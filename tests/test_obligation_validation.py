"""The derived obligations are validated by their own shape on every build, and after an edit
only those the edit changed (knowledge/sources.py, knowledge/incremental.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from pactgraph import settings
from pactgraph.knowledge.incremental import obligation_digests, revalidate
from pactgraph.knowledge.sources import Knowledge
from pactgraph.namespaces import PG

ROOT = Path(__file__).parent.parent
SITE = Path(__file__).parent / "fixtures" / "site"


def knowledge_of(data: Path) -> Knowledge:
    return Knowledge.load([ROOT / "ontology"], [data], [ROOT / "shapes"])


def _break_one(knowledge: Knowledge, protected: str) -> str:
    """Drop pg:endDisputed from the first obligation protecting ``protected`` (as a fault in
    the derivation would), and return its IRI."""
    graph = knowledge.derived.obligation_graph
    node = sorted(s for s in graph.subjects(PG.endDisputed, None) if f"/{protected}-" in str(s))[0]
    graph.remove((node, PG.endDisputed, None))
    return str(node)


def test_obligations_are_checked_when_the_data_has_warnings() -> None:
    """They were checked only when the data had no finding at all, so never on the bundled
    data, which has warnings."""
    knowledge = Knowledge.from_settings(settings.resolve())
    report = knowledge.validate()
    assert report.conforms and report.findings  # warnings, no violation
    broken = _break_one(knowledge, "PHL")
    assert [f for f in knowledge.validate().violations if f.focus == broken]


def test_an_edit_validates_again_only_the_obligations_it_changed(tmp_path, monkeypatch) -> None:
    """New Zealand's label is in the label of each obligation protecting it: an edit of it
    changes those, and only those are validated again, the fault in one found as a full
    validation finds it."""
    before = knowledge_of(SITE)
    report, digests = before.validate(), obligation_digests(before)
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    states = site / "states.ttl"
    states.write_text(states.read_text().replace('"New Zealand"@en', '"Aotearoa New Zealand"@en'))
    after = knowledge_of(site)
    broken = _break_one(after, "NZL")
    checked: list = []
    check = Knowledge._check_obligations

    def recording(self, nodes, *more):
        nodes = None if nodes is None else list(nodes)
        checked.append(None if nodes is None else sorted(map(str, nodes)))
        return check(self, nodes, *more)
    monkeypatch.setattr(Knowledge, "_check_obligations", recording)
    incremental, _ = revalidate(before.data.graph, report, after, None,
                                (digests, obligation_digests(after)))
    assert checked == [[broken]]  # NZL's only obligation; AUS's and USA's left alone
    full = after.validate()
    assert incremental == full and [f.focus for f in full.violations] == [broken]


def test_a_digest_changes_with_any_term_the_obligation_shape_reads() -> None:
    """The digest spells every term it reads: a named node's type, a literal's language or
    datatype, an IRI written as a literal each change it; the types kept between obligations
    are the ones read without keeping them."""
    knowledge = knowledge_of(SITE)
    graph = knowledge.derived.obligation_graph
    node = sorted(graph.subjects(PG.endDisputed, None))[0]
    types: dict = {}
    for each in sorted(set(graph.subjects(unique=True))):
        assert set(knowledge.obligation_read(each, types)) == set(knowledge.obligation_read(each))
    first = obligation_digests(knowledge)[str(node)]
    party = next(o for _, _, o in graph.triples((node, None, None))
                 if (o, RDF.type, None) in knowledge.data.graph)
    label = next(o for _, p, o in graph.triples((node, None, None)) if isinstance(o, Literal))
    digests = {first}
    knowledge.data.graph.add((party, RDF.type, PG.Region))  # what it names changes type
    digests.add(obligation_digests(knowledge)[str(node)])
    knowledge.data.graph.remove((party, RDF.type, PG.Region))
    predicate = next(p for _, p, o in graph.triples((node, None, None)) if o == label)
    for other in (Literal(str(label), lang="fr"), Literal(str(label), datatype=XSD.token),
                  URIRef(f"http://example.org/{label}".replace(" ", "_")), Literal(f"{label}^")):
        graph.set((node, predicate, other))
        digests.add(obligation_digests(knowledge)[str(node)])
    graph.set((node, predicate, label))
    assert obligation_digests(knowledge)[str(node)] == first
    assert len(digests) == 6
