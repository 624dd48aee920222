"""A pool whose workers cannot start says why, stops trying after a few failures, and answers 503.

Issue 11: on a truncated quads.nq every loader died while loading, the error blamed the memory
limit, gunicorn restarted its workers 68 times in 20 s, and clients waited on the bound port.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from pactgraph.engine.base import Job
from pactgraph.engine.embedded import EmbeddedEngine
from pactgraph.engine.pool import Limits, QueryExecutor
from pactgraph.engine.restarts import Restarts
from pactgraph.errors import QueryEngineUnavailable
from pactgraph.web.app import create_app
from pactgraph.web.context import executor_for, publication_of

JSON = "application/sparql-results+json"
ASK = Job("ASK { ?s ?p ?o }", media_types={"select": JSON, "ask": JSON, "graph": None})
LIMITS = Limits(time_limit_ms=5000, max_rows=100, memory_mb=1024, workers=2, queue_ms=2000)


@pytest.fixture()
def truncated_quads(tmp_path) -> Path:
    lines = "".join(f'<https://example.org/s{n}> <https://example.org/p> "o{n}" '
                    "<https://example.org/g> .\n" for n in range(50))
    path = tmp_path / "quads.nq"
    path.write_text(lines[: len(lines) // 2 + 7], encoding="utf-8")  # cut inside a line
    return path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def broken_pool(truncated_quads, monkeypatch):
    """A pool over the truncated file, counting its loader starts, on a clock the test moves."""
    executor = QueryExecutor(truncated_quads, LIMITS)
    executor.clock = FakeClock()
    executor.loader_starts = Restarts(attempts=3, window_seconds=60, clock=executor.clock)
    executor.loaders_started = 0
    start_loader = QueryExecutor._start_loader

    def counting(self, *args):
        self.loaders_started += 1
        return start_loader(self, *args)

    monkeypatch.setattr(QueryExecutor, "_start_loader", counting)
    yield executor
    executor.close()


def test_a_copy_that_cannot_be_loaded_is_named_as_the_cause(broken_pool, truncated_quads) -> None:
    with pytest.raises(QueryEngineUnavailable) as failed:
        broken_pool.run(ASK)
    message = str(failed.value)
    assert "cannot load their copy of the store" in message and str(truncated_quads) in message
    assert "Unexpected end of file" in message  # the parser's own words
    assert "memory" not in message


def test_the_pool_stops_starting_a_loader_that_keeps_failing(broken_pool) -> None:
    for _ in range(6):
        with pytest.raises(QueryEngineUnavailable):
            broken_pool.run(ASK)
    assert broken_pool.loaders_started == 3
    with pytest.raises(QueryEngineUnavailable, match="failed to start 3 times in 60 s") as refused:
        broken_pool.run(ASK)
    assert "Unexpected end of file" in str(refused.value)  # the cause, not only the refusal
    broken_pool.clock.now += 61  # a minute on, it tries once more
    with pytest.raises(QueryEngineUnavailable):
        broken_pool.run(ASK)
    assert broken_pool.loaders_started == 4


def test_a_missing_copy_is_not_blamed_on_memory(truncated_quads) -> None:
    executor = QueryExecutor(truncated_quads.with_name("missing.nq"), LIMITS)
    try:
        with pytest.raises(QueryEngineUnavailable, match="may be damaged") as failed:
            executor.run(ASK)
        assert "missing.nq" in str(failed.value) and "memory" not in str(failed.value)
    finally:
        executor.close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_is_answered_503_with_the_cause(app, broken_pool, method, monkeypatch) -> None:
    """GET takes the lean path (web/middleware/lean_sparql.py), POST the endpoint."""
    served = create_app()  # opens the store the session's app built, with its own pool
    publication = publication_of(served)
    monkeypatch.setitem(vars(publication), "engine", EmbeddedEngine(publication.store, broken_pool))
    assert executor_for(served) is broken_pool
    client = served.test_client()
    if method == "GET":
        response = client.get("/sparql", query_string={"query": ASK.query},
                              headers={"Accept": JSON})
    else:
        response = client.post("/sparql", data={"query": ASK.query}, headers={"Accept": JSON})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"  # a JSON client gets RFC 9457
    assert response.json["status"] == 503
    assert "cannot load their copy of the store" in response.json["detail"]


def test_a_server_worker_whose_pool_cannot_start_serves_anyway(broken_pool, caplog) -> None:
    """Raising as a worker starts made the server start it again, forever (68 times in 20 s under
    gunicorn; granian would do the same, or stop the server)."""
    from pactgraph.web.server import start_query_workers

    served = Flask("pactgraph-test")
    engine = SimpleNamespace(start=broken_pool.start)
    served.extensions["pactgraph"] = SimpleNamespace(engine=engine)  # where web/context looks
    with caplog.at_level(logging.ERROR, logger="pactgraph.web.server"):
        start_query_workers(served)
    assert "SPARQL queries will be answered 503" in caplog.text
    assert "cannot load their copy of the store" in caplog.text
