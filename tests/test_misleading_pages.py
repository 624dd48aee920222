"""Pages that misled a first-time reader (issue 17), each with the check that would have caught it.

These are about the published facts, so they read the bundled data (the ``client`` fixture) and
take what to expect from the graph, not from the test."""

from __future__ import annotations

import lxml.html
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from pactgraph.namespaces import ELI, ID, PG

PHL = ID["state/PHL"]
TWN = ID["state/TWN"]


def page(client, iri: URIRef) -> lxml.html.HtmlElement:
    response = client.get("/doc/" + str(iri)[len(str(ID)):])
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(element) -> str:
    return " ".join(element.text_content().split())


def label(graph, node) -> str:
    return str(graph.value(node, RDFS.label))


def row_for(document, heading_id: str, first_cell: str) -> list[str]:
    """The cells of the row that starts with ``first_cell`` in the table after ``heading_id``."""
    table = document.xpath(f"//h2[@id='{heading_id}']/following::table[1]")[0]
    for row in table.xpath(".//tbody/tr"):
        cells = [text(cell) for cell in row.xpath("./td|./th")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row for {first_cell!r}")


def test_a_declined_invocation_does_not_say_invoked_by(client, published_graph):
    declined = list(published_graph.subjects(PG.invocationKind, PG.DeclinedToInvoke))
    assert declined
    for invocation in declined:
        facts = {text(dt): text(dt.getnext()) for dt in page(client, invocation).xpath("//dt")}
        assert "Invoked by" not in facts
        invoker = published_graph.value(invocation, PG.invokingParty)
        assert facts["Declined to invoke"] == label(published_graph, invoker)


def test_dates_a_state_does_not_own_say_whose_they_are(client, published_graph):
    """Taiwan was a party to the US-ROC treaty with no membership of its own in the data: its row
    shows the treaty's dates, and says so, and that the end is one reading of several."""
    treaty = ID["treaty/us-roc-mdt-1954"]
    assert not [m for m in published_graph.subjects(PG.member, TWN)
                if published_graph.value(m, PG.membershipOf) == treaty]
    assert published_graph.value(treaty, ELI.date_no_longer_in_force) is None
    cells = row_for(page(client, TWN), "commitments", label(published_graph, treaty))
    in_force = published_graph.value(treaty, ELI.first_date_entry_in_force)
    start = f"{in_force} (treaty in force)" if in_force else \
        f"{published_graph.value(treaty, ELI.date_document)} (treaty signed)"
    assert cells[2] == start
    assert "one reading, sources differ" in cells[3]


def test_a_defense_clause_missing_from_the_data_is_not_called_absent(client, published_graph):
    unpublished = [c for c in published_graph.subjects(PG.hasMutualDefenseObligation,
                                                       Literal(True))
                   if not any((p, RDF.type, PG.ObligationClause) in published_graph
                              for p in published_graph.objects(c, ELI.has_part))]
    assert unpublished
    for commitment in unpublished:
        for state in published_graph.objects(commitment, PG.party):
            cells = row_for(page(client, state), "commitments", label(published_graph, commitment))
            assert cells[-1] == "defense clause not in the data"


def test_declarations_are_dated_on_the_timeline_and_the_landing_page(client, published_graph):
    timeline = lxml.html.fromstring(client.get("/explore/timeline").get_data(as_text=True))
    landing = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    declarations = list(published_graph.subjects(RDF.type, PG.Declaration))
    assert declarations
    for declaration in declarations:
        issued = str(published_graph.value(declaration, DCTERMS.date))
        events = [text(li) for li in timeline.xpath("//li[contains(@class, 'event')]")]
        assert any(e.startswith(f"{issued} issued {label(published_graph, declaration)}")
                   for e in events), events
        row = [text(td) for td in landing.xpath(
            f"//tr[td/a[normalize-space()='{label(published_graph, declaration)}']]/td")]
        assert row[2] == f"{issued} (issued)"  # Title, Status, Signed, Kind


def test_a_state_whose_name_takes_the_article_gets_it(client, published_graph):
    heading = text(page(client, PHL).xpath("//h2[@id='who-must-help']")[0])
    assert heading.startswith(f"If the {label(published_graph, PHL)} is attacked")
    japan = text(page(client, ID["state/JPN"]).xpath("//h2[@id='who-must-help']")[0])
    assert japan.startswith("If Japan is attacked")


def test_the_parties_count_leaves_out_protected_states(client, published_graph):
    protecting = set(published_graph.subjects(PG.concerns, None))
    assert protecting
    for commitment in protecting:
        parties = set(published_graph.objects(commitment, PG.party)) | {
            published_graph.value(m, PG.member)
            for m in published_graph.subjects(PG.membershipOf, commitment)}
        protected = set(published_graph.objects(commitment, PG.concerns)) - parties
        heading = text(page(client, commitment).xpath("//h2[@id='parties']")[0])
        expected = f"Parties ({len(parties)}" + (
            f"; {len(protected)} protected, not a party)" if protected else ")")
        assert heading == expected
