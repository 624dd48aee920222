"""``/metrics`` (web/metrics.py): Prometheus's text format, read back with prometheus_client's own
parser and checked by Prometheus's ``promtool check metrics``; counts summed over the granian
workers of a real server (the multiprocess mode); and ``/healthz/live`` and ``/healthz/ready``.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pactgraph.web import metrics
from pactgraph.web.metrics import routed_segments

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition: (name, labels) -> value."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return samples(response.get_data(as_text=True))


def test_requests_queries_and_cache_hits_are_counted(small_app):
    client = small_app.test_client()
    before = scrape(client)
    query = QUERY + f" # {id(before)}"  # a query this test asks first
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "text/csv"}).status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)
    requests = "pactgraph_http_requests_total"
    assert value(after, requests, route="sparql", method="GET", status="200") - value(
        before, requests, route="sparql", method="GET", status="200") == 3
    assert value(after, requests, route="other", method="GET", status="404") - value(
        before, requests, route="other", method="GET", status="404") == 1
    # Evaluated once; the two repeats are answered from memory.
    answered = "pactgraph_query_seconds_count"
    assert value(after, answered, outcome="answered") - value(
        before, answered, outcome="answered") == 1
    hits = "pactgraph_cache_lookups_total"
    assert value(after, hits, result="hit") - value(before, hits, result="hit") >= 2


def test_a_query_stopped_at_a_limit_is_counted(small_site, full_pool):
    from pactgraph.web.context import publication_of
    app = small_site(query_time_limit_ms=200)
    client = app.test_client()
    try:
        before = scrape(client)
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        assert client.get("/sparql", query_string={"query": runaway}).status_code == 503
        after = scrape(client)
        stopped = "pactgraph_queries_stopped_total"
        assert value(after, stopped, setting="query_time_limit_ms") - value(
            before, stopped, setting="query_time_limit_ms") == 1
    finally:
        full_pool(publication_of(app).engine.pool)
        publication_of(app).engine.close()


def test_routes_are_the_first_fixed_segments_of_the_url_rules():
    assert routed_segments(["/sparql", "/doc/<path:rest>", "/<path:rest>", "/", "/-/settings.json"]
                           ) == {"sparql", "doc", "-"}


def test_promtool_accepts_the_exposition_of_a_real_server(live_server):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: run tools/install-test-deps.sh"
    for _ in range(2):
        urllib.request.urlopen(live_server.url + "/sparql?query=ASK%7B%7D", timeout=30).read()
    with urllib.request.urlopen(live_server.url + "/metrics", timeout=30) as response:
        text = response.read()
    checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    assert b"pactgraph_http_requests_total" in text


def test_counts_are_summed_over_the_server_processes(live_server):
    """With two granian workers, each request is counted by the worker that answered it; any
    worker's /metrics must show the sum (a new connection per request spreads them)."""
    def count() -> float:
        with urllib.request.urlopen(live_server.url + "/metrics", timeout=30) as response:
            found = samples(response.read().decode())
        return value(found, "pactgraph_http_requests_total", route="healthz", method="GET",
                     status="200")

    before = count()
    for _ in range(20):
        urllib.request.urlopen(live_server.url + "/healthz/live", timeout=30).read()
    assert [count() - before for _ in range(4)] == [20] * 4


@pytest.mark.parametrize("path", ["/healthz/live", "/healthz/ready", "/healthz"])
def test_health_endpoints(small_client, path):
    response = small_client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["status"] == ("live" if path.endswith("live") else "ready")


def test_health_and_metrics_are_in_openapi(small_client):
    paths = small_client.get("/openapi.json").get_json()["paths"]
    for path in ("/healthz", "/healthz/live", "/healthz/ready", "/metrics"):
        assert "200" in paths[path]["get"]["responses"]
    assert "503" in paths["/healthz/ready"]["get"]["responses"]


def test_the_meters_are_made_once_when_the_first_requests_come_at_once(monkeypatch):
    """A new worker's first requests arrive on several threads at once: each must find the same
    meters, made once (a second registration raised, and those requests were answered 500)."""
    import prometheus_client

    made: list[str] = []

    def slow_meter(name, *args, **kwargs):  # a wide window for a second thread to come in
        made.append(name)
        time.sleep(0.05)
        return name

    monkeypatch.setattr(prometheus_client, "Counter", slow_meter)
    monkeypatch.setattr(prometheus_client, "Histogram", slow_meter)
    monkeypatch.setattr(metrics, "_made", [])  # a process that has made none yet
    start = threading.Barrier(8)
    found: list[metrics.Meters] = []

    def first_request() -> None:
        start.wait()
        found.append(metrics.meters())

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made) == sorted(["pactgraph_http_requests", "pactgraph_query_seconds",
                                   "pactgraph_queries_stopped", "pactgraph_cache_lookups"])
    assert len(found) == 8 and all(meters is found[0] for meters in found)
