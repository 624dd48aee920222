"""Whole graphs read from the remote store at start-up, through its one query URL, never cut short.

With ``data_from_engine`` the server builds its pages, dumps and VoID from what the store at
``engine_url`` holds (build/from_engine.py), so it must read whole graphs from a store that may
cut any answer: Virtuoso cuts a SELECT at ``ResultSetMaxRows`` with only a header, and a CONSTRUCT
or a Graph Store Protocol GET there silently (5,000 of 10,413 triples, with a 200, in a trial of
7.2.5). So a graph is read here by SELECT, page after page, through the same URL and client as the
queries (engine/remote_http.py; the Graph Store Protocol URL is neither configured nor reached):

- first ``SELECT (COUNT(*) AS ?n)`` of the graph: how many triples it holds;
- then ``SELECT ?s ?p ?o WHERE { GRAPH <g> { ?s ?p ?o } } OFFSET k LIMIT n``, where each page
  starts where the rows received so far end, so a store that sends fewer rows than asked (its own
  row cap, said or not) only makes more pages; a page that is too long to read in the byte budget
  is asked again at half the rows;
- the triples received are counted again at the end: fewer distinct triples than the store
  counted (pages that overlapped because the store changed their order, or a graph changed while
  read) is an error, never a smaller graph.

Each page must come within ``query_time_limit_ms``; a store that does not, or cannot be reached,
is an error naming that setting or ``engine_url``. Virtuoso's booleans and durations are read
back as published (engine/remote_answers.py). Blank nodes keep the labels the store gives them,
which Oxigraph and Virtuoso keep from one query to the next (pactgraph's own graphs have none).
"""

from __future__ import annotations

import pyoxigraph as ox

from pactgraph.engine.remote_answers import classify, read_results
from pactgraph.engine.remote_http import SELECT_ACCEPT, SETTING, StoreClient
from pactgraph.errors import LimitExceeded, QueryEngineUnavailable

PAGE_BUDGET_BYTES = 64 * 1024 * 1024  # one page of SPARQL JSON, read whole


def _select(client: StoreClient, query: str, budget: int = PAGE_BUDGET_BYTES):
    """The rows of ``query`` (None when the answer is longer than ``budget``)."""
    try:
        reply, complete = client.post([("query", query)], SELECT_ACCEPT, budget)
    except LimitExceeded as error:
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {SETTING} setting) did not send the published graphs at "
            f"start-up: {error.detail}. Each page of that read may take query_time_limit_ms "
            f"({client.time_limit_ms} ms); raise it, or start again when the store is less busy"
        ) from None
    if not complete:
        return None
    classify(reply, SETTING, client.time_limit_ms)
    kind, solutions = read_results(reply.body, reply.virtuoso)
    if kind != "select":
        raise QueryEngineUnavailable(f"the SPARQL store (the {SETTING} setting) answered a "
                                     f"SELECT with a {kind}")
    return solutions.rows


def count_triples(client: StoreClient, graph: str) -> int:
    rows = _select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    try:
        return int(rows[0][0].value)
    except (TypeError, IndexError, AttributeError, ValueError):
        raise QueryEngineUnavailable(f"the SPARQL store (the {SETTING} setting) did not count "
                                     f"the triples of <{graph}>") from None


def read_graph(client: StoreClient, graph: str, page_rows: int) -> set[ox.Triple]:
    """Every triple of the store's named graph ``graph`` (see the module docstring)."""
    expected = count_triples(client, graph)
    triples: set[ox.Triple] = set()
    received = 0
    while received < expected:
        rows = _select(client, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
                               f"OFFSET {received} LIMIT {page_rows}")
        if rows is None:  # longer than the budget: smaller pages
            if page_rows == 1:
                raise QueryEngineUnavailable(f"a triple of <{graph}> in the SPARQL store is "
                                             f"longer than {PAGE_BUDGET_BYTES} bytes")
            page_rows = max(1, page_rows // 2)
            continue
        if not rows:
            break
        triples.update(ox.Triple(*row) for row in rows)
        received += len(rows)
    if len(triples) != expected:
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {SETTING} setting) counts {expected} triples in <{graph}> "
            f"but sent {len(triples)} distinct ones in pages of at most {page_rows} rows: it "
            "changed while it was read, or pages overlapped. Start again; the graph is never "
            "served in part")
    return triples


def read_graphs(client: StoreClient, graphs: list[str],
                page_rows: int) -> dict[str, set[ox.Triple]]:
    """``read_graph`` for each of ``graphs``, by name."""
    return {graph: read_graph(client, graph, page_rows) for graph in graphs}
