"""The paged form of question 1 (queries/01c-who-must-help-by-page.rq) can never drift from it.

Question 1 sorts every pair of parties of every pact before its first row; its paged form works on
one page of attacked states at a time. Taken together, the pages must give exactly question 1's rows
(each as often), in question 1's order, on the bundled data and on synthetic data at twice its size
(where every state is party to two copies of each of its pacts), and where a membership has
neither an end date nor a status, a case question 1 decides in its own way.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph import settings
from pactgraph.build.examples import load_examples
from pactgraph.engine.store import TripleStore, graph_iri
from pactgraph.knowledge.sources import Knowledge, SourceGraphs
from pactgraph.knowledge.synth import synthesize
from pactgraph.namespaces import PG

QUERIES = Path(__file__).parents[1] / "queries"
ID = "https://w3id.org/pactgraph/id/"
FIRST_PAGE = "LIMIT 1 OFFSET 0"  # as the file is written: one state, the first


def rows(store: TripleStore, text: str) -> list[tuple]:
    result = store.query(text)
    names = [v.value for v in result.value.variables]
    return [tuple(None if row[n] is None else str(row[n]) for n in names) for row in result.value]


def page(size: int, offset: int) -> str:
    """The paged question asking for ``size`` states from ``offset``, changed in all three places
    the file chooses its page."""
    text = load_examples(QUERIES).by_id("who-must-help-by-page").text
    assert text.count(FIRST_PAGE) == 3, "the paged question chooses its page in three places"
    return text.replace(FIRST_PAGE, f"LIMIT {size} OFFSET {offset}")


def states(store: TripleStore) -> int:
    return store.count("?state a pg:State", "?state")


def assert_pages_give_question_1(store: TripleStore, size: int) -> None:
    whole = rows(store, load_examples(QUERIES).by_id("who-must-help").text)
    assert whole, "question 1 has rows to compare"
    paged = []
    for offset in range(0, states(store) + size, size):
        paged += rows(store, page(size, offset))
    assert Counter(paged) == Counter(whole)
    # attackedLabel, rank, helperLabel: the order question 1 sorts by (ties have no order)
    def keys(found):
        return [(r[1], r[9], r[3]) for r in found]
    assert keys(paged) == keys(whole)


@pytest.fixture(scope="module")
def bundled() -> TripleStore:
    return TripleStore.from_knowledge(Knowledge.from_settings(settings.resolve()))


def ontology_and(data) -> TripleStore:
    """The ontology and ``data`` as published, without the derived graphs neither question
    reads."""
    ontology = SourceGraphs.load(settings.resolve()["ontology_paths"]).graph
    return TripleStore({graph_iri("ontology"): ontology, graph_iri("data"): data})


@pytest.mark.parametrize("size", [1, 10])
def test_the_pages_together_are_question_1_on_the_bundled_data(bundled: TripleStore,
                                                               size: int) -> None:
    assert_pages_give_question_1(bundled, size)


def test_the_first_page_is_question_1_for_the_first_state_only(bundled: TripleStore) -> None:
    first = rows(bundled, page(1, 0))
    assert first and len({r[0] for r in first}) == 1
    whole = rows(bundled, load_examples(QUERIES).by_id("who-must-help").text)
    assert Counter(first) == Counter(r for r in whole if r[0] == first[0][0])


def test_the_pages_together_are_question_1_at_twice_the_data(tmp_path: Path) -> None:
    resolved = settings.resolve()
    synthesize(resolved["data_paths"], 2, tmp_path / "scale-2")
    assert_pages_give_question_1(ontology_and(SourceGraphs.load([tmp_path / "scale-2"]).graph), 25)


def test_a_membership_with_neither_end_nor_status_is_decided_as_question_1_does(
        bundled: TripleStore) -> None:
    data = SourceGraphs.load(settings.resolve()["data_paths"]).graph
    current = sorted(m for m in data.subjects(PG.participationStatus, PG.ActiveMember)
                     if (m, PG.memberUntil, None) not in data
                     and (data.value(m, PG.membershipOf), PG.legalStatus, PG.InForce) in data)
    assert current, "the bundled data has a current membership of a pact in force"
    data.remove((current[0], PG.participationStatus, None))
    edited = ontology_and(data)
    question_1 = load_examples(QUERIES).by_id("who-must-help").text
    assert Counter(rows(edited, question_1)) != Counter(rows(bundled, question_1))  # it matters
    assert_pages_give_question_1(edited, 10)


def test_a_state_both_party_to_a_pact_and_concerned_by_it_gets_its_rows_once() -> None:
    """The shapes allow it (a second reader's case): question 1 groups each pact's parties and
    concerned states, so the paged form must not give the pact's rows once per role."""
    data = SourceGraphs.load(settings.resolve()["data_paths"]).graph
    data.add((URIRef(ID + "treaty/us-philippines-mdt-1951"), PG.concerns,
              URIRef(ID + "state/PHL")))
    assert_pages_give_question_1(ontology_and(data), 10)


def test_a_state_typed_in_two_graphs_has_one_place_in_the_list() -> None:
    """A state's type in a second named graph (a TriG file, the data_graphs setting) lists it
    twice in Oxigraph's union of the graphs: the paged form, and the list a state's page finds
    its place in (web/routes/explore.py), must still hold it once."""
    from pactgraph.web.routes.explore import _page_offsets

    resolved = settings.resolve()
    extra = Graph()
    extra.add((URIRef(ID + "state/PHL"), RDF.type, PG.State))
    store = TripleStore({graph_iri("ontology"): SourceGraphs.load(resolved["ontology_paths"]).graph,
                         graph_iri("data"): SourceGraphs.load(resolved["data_paths"]).graph,
                         "https://example.org/more": extra})
    assert_pages_give_question_1(store, 10)
    offsets = _page_offsets(store)
    assert offsets[ID + "state/PHL"] and all(len(places) == 1 for places in offsets.values())
