"""A malformed query gets 400, never 503, even when every query worker is busy (issue 15): the
pool's syntax checker (engine/syntax_check.py) judges it while the workers are held by runaways.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from servers import Listener

from pactgraph.web.context import executor_for

SRJ = "application/sparql-results+json"
# Runs long in constant memory: an ORDER BY could meet the memory limit first and free the worker.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MALFORMED = ["SELECT ?s WHERE { ?s ?p }", "SELEC * { ?s ?p ?o }",
             "INSERT DATA { <http://e/s> <http://e/p> 1 }", "ASK { FILTER( }"]
QUERIES = Path(__file__).parent.parent / "queries"


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def saturated_app(small_site) -> Flask:
    """One query worker, a runaway may hold it a minute, and a query waits for it 30 s: a
    malformed query that waited for the worker would get 503, long after the test's checks."""
    app = small_site(query_workers=1, query_per_client_limit=0, query_time_limit_ms=60_000,
                     query_queue_time_limit_ms=30_000)
    yield app
    executor_for(app).close()


def test_a_malformed_query_gets_400_while_runaways_hold_every_worker(saturated_app, full_pool):
    app = saturated_app
    pool = executor_for(app)
    pool.start()
    (busy,) = full_pool(pool)  # a malformed query waits CHECK_AFTER_SECONDS, then is checked
    outcome: list[int] = []
    runaway = threading.Thread(target=lambda: outcome.append(app.test_client().get(
        "/sparql", query_string={"query": RUNAWAY}, headers={"Accept": SRJ}).status_code))
    runaway.start()
    try:
        wait_until(lambda: pool.idle_workers() == 0)
        client = app.test_client()
        for query in MALFORMED:
            for response in (client.get("/sparql", query_string={"query": query},
                                        headers={"Accept": SRJ}),
                             client.post("/sparql", data={"query": query},
                                         headers={"Accept": SRJ})):
                assert response.status_code == 400, (query, response.get_data(as_text=True))
                assert "syntax error" in response.get_data(as_text=True)
        # No worker answered them: the only one was held by the runaway all along.
        assert runaway.is_alive() and not outcome
        assert pool.idle_workers() == 0 and pool.pids() == [busy]
        assert pool.checker.checks == 2 * len(MALFORMED)
        assert "read-only" in client.post("/sparql", data={"query": MALFORMED[2]}).get_data(
            as_text=True)  # the endpoint still explains an update
    finally:
        pool.close()  # ends the runaway
        runaway.join(30)
    assert outcome == [503]


def test_the_checker_accepts_every_example_question_and_stops_what_it_cannot_judge(
        saturated_app):
    pool = executor_for(saturated_app)
    pool.start()
    try:
        checker = pool.checker
        for path in sorted(QUERIES.glob("*.rq")):
            assert checker.error_in(path.read_text()) is None, path.name
        assert "syntax error" in checker.error_in("SELECT ?s WHERE { ?s ?p }")
        # A query the checker cannot judge within CHECK_SECONDS is left to a query worker: an
        # ASK, which pyoxigraph evaluates at once, over a product of VALUES.
        values = " ".join(str(n) for n in range(400))
        slow = f"ASK {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} " \
               f"VALUES ?c {{ {values} }} FILTER(?a + ?b + ?c < 0) }}"
        first = checker.pid()
        assert checker.error_in(slow) is None
        assert checker.pid() is None  # killed; the next check forks another
        assert "syntax error" in checker.error_in("ASK {")
        assert checker.pid() not in (None, first)
    finally:
        pool.close()


def test_the_checker_reaches_no_network(saturated_app):
    """pyoxigraph opens a SERVICE connection as soon as a query is parsed: the checker must be as
    cut off as the workers (engine/sandbox.py). A loopback listener must see no connection."""
    pool = executor_for(saturated_app)
    pool.start()
    listener = Listener()
    try:
        for select in ("SELECT * { SERVICE <%s/sparql> { ?s ?p ?o } }",
                       "ASK { SERVICE <%s/sparql> { ?s ?p ?o } }"):
            assert pool.checker.error_in(select % listener.url) is None
        time.sleep(0.3)  # a connection, had one been made, is counted by now
        assert listener.connections == 0
    finally:
        listener.close()
        pool.close()
