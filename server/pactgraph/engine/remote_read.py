"""Whole graphs read from the remote store at start-up, through its one query URL, never cut short.

With ``data_from_engine`` the server builds its pages, dumps and VoID from what the store at
``engine_url`` holds (build/from_engine.py), so it must read whole graphs from a store that may
cut any answer: Virtuoso cuts a SELECT at ``ResultSetMaxRows`` with only a header, and a CONSTRUCT
or a Graph Store Protocol GET there silently (5,000 of 10,413 triples, with a 200, in a trial of
7.2.5). So a graph is read here by SELECT, page after page, through the same URL and client as the
queries (engine/remote_http.py; the Graph Store Protocol URL is neither configured nor reached):

- first ``SELECT (COUNT(*) AS ?n)`` of the graph: how many triples it holds, and the store's own
  row cap (``StoreClient.row_cap``): a page is ``max_result_rows`` rows, or fewer to fit that cap;
- a graph of fewer triples than a page is read in one answer;
- a larger one in pages of subjects taken in the order of their IRIs: ``SELECT ?s ?p ?o``
  ``FILTER (isIRI(?s) && STR(?s) > "the last subject read") ORDER BY STR(?s) LIMIT n``, the
  triples of a page's last subject, which may go on past it, read on their own
  (``FILTER (?s = <it>)``), and then those of blank-node subjects in one answer. Not OFFSET:
  without ORDER BY, Virtuoso gave the pages of a graph just published again in another order
  (7,671 distinct of 10,413 triples), and with ORDER BY each page would sort every row before
  it as well, past Virtuoso's ``MaxSortedTopRows`` on a large graph. An answer that may have
  been cut (as many rows as asked for) where a whole one is needed is an error naming the
  store's row limit;
- the triples received are counted at the end: fewer distinct triples than the store counted
  (the graph changed while read) is an error, never a smaller graph.

Each page must come within ``query_time_limit_ms``; a store that does not, or cannot be reached,
is an error naming that setting or ``engine_url``. Virtuoso's booleans and durations are read
back as published (engine/remote_answers.py). Blank nodes keep the labels the store gives them,
which Oxigraph and Virtuoso keep from one query to the next (pactgraph's own graphs have none).
"""

from __future__ import annotations

import json

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
            f"the SPARQL store (the {SETTING} setting) did not send a page of a graph in "
            f"time: {error.detail}. Each page may take query_time_limit_ms "
            f"({client.time_limit_ms} ms); raise it, or try again when the store is less busy"
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
    cap = client.row_cap(page_rows + 1)
    page = min(page_rows, cap) if cap else page_rows
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    if expected < page:  # one answer holds it all
        triples = _whole(client, f"SELECT ?s ?p ?o WHERE {{ {where} }}", page, graph)
    else:
        triples = _by_subject(client, where, page, graph)
    if len(triples) != expected:
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {SETTING} setting) counts {expected} triples in <{graph}> "
            f"but sent {len(triples)}: it changed while it was read. Start again; the graph is "
            "never served in part")
    return triples


def _whole(client: StoreClient, query: str, page: int, graph: str) -> set[ox.Triple]:
    """The triples a SELECT of ?s ?p ?o answers, which must be fewer than ``page``: an answer of
    ``page`` rows or more may have been cut by the store."""
    rows = _select(client, f"{query} LIMIT {page}")
    if rows is None or len(rows) >= page:
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {SETTING} setting) has more triples of <{graph}> to send "
            f"in one answer than it sends at once ({page} rows, {PAGE_BUDGET_BYTES} bytes: "
            "one subject's, or those of blank nodes): raise its row limit (Virtuoso's "
            "ResultSetMaxRows) and max_result_rows")
    return {ox.Triple(*row) for row in rows}


def _by_subject(client: StoreClient, where: str, page: int, graph: str) -> set[ox.Triple]:
    """The triples of ``where``, in pages of subjects taken in the order of their IRIs, each page
    after the last subject of the one before (no OFFSET: see the module docstring); then those
    whose subject is a blank node, in one answer."""
    triples: set[ox.Triple] = set()
    after = ""
    while True:
        rows = _select(client, f"SELECT ?s ?p ?o WHERE {{ {where} FILTER (isIRI(?s) && "
                               f"STR(?s) > {_string(after)}) }} ORDER BY STR(?s) LIMIT {page}")
        if rows is None:
            raise QueryEngineUnavailable(f"a page of {page} triples of <{graph}> in the SPARQL "
                                         f"store is longer than {PAGE_BUDGET_BYTES} bytes")
        if len(rows) < page:  # the last page
            triples.update(ox.Triple(*row) for row in rows)
            break
        last = rows[-1][0]  # its triples may go on past the page: read them on their own
        triples.update(ox.Triple(*row) for row in rows if row[0] != last)
        subject = f"SELECT ?s ?p ?o WHERE {{ {where} FILTER (?s = <{last.value}>) }}"
        triples |= _whole(client, subject, page, graph)
        after = last.value
    blank = f"SELECT ?s ?p ?o WHERE {{ {where} FILTER (isBlank(?s)) }}"
    return triples | _whole(client, blank, page, graph)


def _string(text: str) -> str:
    """``text`` as a SPARQL string literal (JSON's escapes are SPARQL's)."""
    return json.dumps(text, ensure_ascii=False)


def read_graphs(client: StoreClient, graphs: list[str],
                page_rows: int) -> dict[str, set[ox.Triple]]:
    """``read_graph`` for each of ``graphs``, by name."""
    return {graph: read_graph(client, graph, page_rows) for graph in graphs}
