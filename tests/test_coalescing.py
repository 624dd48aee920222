"""One evaluation for many identical requests (issue 15): identical queries in flight share one
evaluation and its outcome (web/coalescing.py). A fake engine behind the engine seam
(engine/base.py) counts the evaluations and holds each until the test lets it land.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from pactgraph.engine.base import Answer, Engine, Health, Job
from pactgraph.errors import LimitExceeded
from pactgraph.web.context import publication_of
from pactgraph.web.fair_share import coalescer_for

SRJ = "application/sparql-results+json"
N = 16


class GatedEngine(Engine):
    """Counts the jobs it is asked to run, by query text, and answers each once ``gate`` opens:
    with ``outcomes[query]`` popped (an exception to raise), else a fixed answer."""

    def __init__(self, graph_names: tuple[str, ...]) -> None:
        self.graph_names = graph_names
        self.runs: Counter[str] = Counter()
        self.gate = threading.Event()
        self.outcomes: dict[str, list[BaseException]] = {}
        self._lock = threading.Lock()

    def run(self, job: Job) -> Answer:
        with self._lock:
            self.runs[job.query] += 1
            failures = self.outcomes.get(job.query) or []
            failure = failures.pop(0) if failures else None
        assert self.gate.wait(30), "the test never opened the gate"
        if failure is not None:
            raise failure
        body = b'{"head":{"vars":[]},"boolean":true}'
        return Answer("ask", SRJ, body, 1, False)

    def count(self, pattern, variables, graph_name=None) -> int:
        return 0

    def select(self, query: str) -> list[dict[str, str]]:
        return []

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def health(self) -> Health:
        return Health(1, 1, True, "fake")


@pytest.fixture(scope="module")
def coalescing_app(small_site) -> Flask:
    return small_site(query_per_client_limit=1)


@pytest.fixture()
def gated(coalescing_app) -> tuple[Flask, GatedEngine]:
    """An app on the fixture site whose publication holds a new GatedEngine (set before the app
    answers its first request, so that nothing reaches the real one)."""
    app = coalescing_app
    publication = publication_of(app)
    engine = GatedEngine(publication.store.graph_names)
    publication.__dict__["engine"] = engine  # the cached_property's slot
    yield app, engine
    engine.gate.set()


def ask(app: Flask, query: str, address: str, post: bool = False):
    """One request from client ``address``: a plain GET (the lean path) or a POST (the
    endpoint)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if post:
        return client.post("/sparql", data={"query": query}, headers={"Accept": SRJ})
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def concurrently(app: Flask, query: str, count: int, before_landing) -> list:
    """``count`` requests for ``query`` at once from ``count`` clients, half by GET and half by
    POST; the gate opens once ``before_landing()`` holds."""
    engine = publication_of(app).engine
    with ThreadPoolExecutor(count) as threads:
        futures = [threads.submit(ask, app, query, f"192.0.2.{i + 1}", i % 2 == 1)
                   for i in range(count)]
        wait_until(before_landing)
        engine.gate.set()
        return [future.result(timeout=60) for future in futures]


def test_n_identical_concurrent_requests_cost_one_evaluation(gated):
    app, engine = gated
    query = "ASK { ?s ?p ?o }"
    coalescer = coalescer_for(app)
    responses = concurrently(app, query, N, lambda: coalescer.followers() == N - 1)
    assert engine.runs[query] == 1
    assert [r.status_code for r in responses] == [200] * N
    assert {r.get_data() for r in responses} == {b'{"head":{"vars":[]},"boolean":true}'}
    assert coalescer.in_flight() == 0


def test_a_shared_failure_reaches_every_follower_and_poisons_no_later_request(gated):
    app, engine = gated
    query = "ASK { ?s ?p 1 }"
    engine.outcomes[query] = [LimitExceeded("query_time_limit_ms", "stopped")]
    coalescer = coalescer_for(app)
    responses = concurrently(app, query, N, lambda: coalescer.followers() == N - 1)
    assert engine.runs[query] == 1
    assert [r.status_code for r in responses] == [503] * N
    assert all("query_time_limit_ms" in r.get_data(as_text=True) for r in responses)
    # The failure is not remembered: the same query again is evaluated anew, and answered.
    again = ask(app, query, "192.0.2.200")
    assert again.status_code == 200
    assert engine.runs[query] == 2


def test_queries_whose_evaluations_may_differ_are_never_shared(gated):
    app, engine = gated
    query = "ASK { FILTER(RAND() < 2) }"
    responses = concurrently(app, query, 2, lambda: engine.runs[query] == 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert coalescer_for(app).followers() == 0


def test_a_follower_takes_no_share_and_the_leaders_429_is_its_own(gated):
    """Client A has its one uncached query running; it may still join B's evaluation of another
    query. A's own next query is 429, and that refusal is shared with nobody."""
    app, engine = gated
    a, b = "192.0.2.10", "192.0.2.20"
    mine, shared = "ASK { ?s ?p 2 }", "ASK { ?s ?p 3 }"
    coalescer = coalescer_for(app)
    with ThreadPoolExecutor(3) as threads:
        held = threads.submit(ask, app, mine, a)
        wait_until(lambda: engine.runs[mine] == 1)
        led = threads.submit(ask, app, shared, b)
        wait_until(lambda: engine.runs[shared] == 1)
        joined = threads.submit(ask, app, shared, a)
        wait_until(lambda: coalescer.followers() == 1)
        refused = ask(app, "ASK { ?s ?p 4 }", a)
        engine.gate.set()
        statuses = [f.result(timeout=60).status_code for f in (held, led, joined)]
    assert refused.status_code == 429
    assert statuses == [200, 200, 200]
    assert engine.runs == Counter({mine: 1, shared: 1})
