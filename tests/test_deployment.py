"""The whole deployment of deploy/ on loopback: three ``pactgraph serve`` replicas sharing one
prebuilt store, behind nginx running deploy/nginx/pactgraph.conf (tests/deployment.py).

Under load, one replica is killed (its whole process tree, SIGKILL) and started again: no GET may
fail, and its readiness shows it out and back in. Every replica serves the same bytes and ETags;
nginx answers repeated questions from its cache while every replica is down, passes ETags and
304s, never caches a POST, never sends a stopped query (503) to another replica, and limits a
client with 429 and Retry-After. The tests run in file order; the last one stops the replicas.
"""

from __future__ import annotations

import itertools
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from conftest import SMALL_SITE
from deployment import answers, deployment
from test_metrics import samples, value

TREATY = "/doc/treaty/anzus-1951"
QUESTIONS = ["SELECT ?s WHERE { ?s a pg:Treaty }", "ASK { ?s pg:membershipOf ?t }",
             "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
REPEATED = [("/sparql?" + urllib.parse.urlencode({"query": query}),
             "application/sparql-results+json") for query in QUESTIONS] + [
    (TREATY, "text/html"), (TREATY, "text/turtle"), ("/dataset", "application/ld+json"),
    ("/download/pactgraph.nt", "*/*")]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LOAD_CLIENTS = 4
REQUESTS_PER_SECOND = 8  # per client: 32 in all, under nginx's 50 a second for one address


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    site = deployment(tmp_path_factory.mktemp("deployment"), 3, "--data", str(SMALL_SITE),
                      "--workers", "1", "--threads", "4", "--query-time-limit-ms", "1000")
    try:
        site.start()
        yield site
    finally:
        site.stop()


def get(url: str, accept: str = "*/*", headers: dict | None = None, data: bytes | None = None,
        timeout: float = 30) -> tuple[int, dict, bytes]:
    """Status, headers (names lower-cased) and body of a request."""
    request = urllib.request.Request(url, data=data, headers={"Accept": accept, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _lowered(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lowered(error.headers), error.read()


def _lowered(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def test_every_replica_serves_the_same_bytes_and_etags(deployed):
    for path, accept in REPEATED:
        seen = {(status, headers.get("etag"), body) for status, headers, body in (
            get(replica.url + path, accept) for replica in deployed.replicas)}
        assert len(seen) == 1, path
        status, etag, _ = seen.pop()
        assert status == 200 and etag, path


def test_the_proxy_caches_gets_and_passes_etags_and_304(deployed):
    path, accept = REPEATED[0]
    statuses = [get(deployed.url + path, accept)[1].get("x-cache-status") for _ in range(2)]
    assert statuses[-1] == "HIT"
    status, headers, body = get(deployed.url + path, accept)
    again = get(deployed.url + path, accept, {"If-None-Match": headers["etag"]})
    assert again[0] == 304 and again[2] == b""
    assert get(deployed.replicas[0].url + path, accept)[1]["etag"] == headers["etag"]


def test_the_proxy_caches_a_long_query_too(deployed):
    # A cache entry's header holds its key, the whole request target: nginx's default buffer
    # (4 KB) left the answers to long GETs uncached.
    query = QUESTIONS[0] + " # " + "x" * 6000
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    statuses = [get(deployed.url + path)[1].get("x-cache-status") for _ in range(2)]
    assert statuses == ["MISS", "HIT"]


def test_the_proxy_keeps_profiles_apart(deployed):
    """The same URL and Accept in two profiles: nginx keys its copies on Accept-Profile too, so
    a cached card is never the answer to a request for the full description, or the reverse."""
    full, card = "https://w3id.org/pactgraph/profile/full", "https://w3id.org/pactgraph/profile/card"
    for _ in range(2):
        seen = {}
        for profile in (card, full):
            status, headers, body = get(deployed.url + TREATY, "text/turtle",
                                        {"Accept-Profile": f"<{profile}>"})
            assert status == 200 and headers["content-profile"] == f"<{profile}>"
            seen[profile] = (body, headers.get("x-cache-status"))
        assert seen[card][0] != seen[full][0]
    assert {cached for _, cached in seen.values()} == {"HIT"}


def test_the_proxy_never_caches_a_post(deployed):
    form = urllib.parse.urlencode({"query": QUESTIONS[0]}).encode()
    for _ in range(2):
        status, headers, _ = get(deployed.url + "/sparql", "application/sparql-results+json",
                                 {"Content-Type": "application/x-www-form-urlencoded"}, form)
        assert status == 200
        assert headers.get("x-cache-status") in (None, "", "BYPASS")


def stopped_on_replicas(deployed) -> float:
    total = 0.0
    for replica in deployed.replicas:
        with urllib.request.urlopen(replica.url + "/metrics", timeout=30) as response:
            found = samples(response.read().decode())
        total += value(found, "pactgraph_queries_stopped_total", setting="query_time_limit_ms")
    return total


def test_a_stopped_query_is_not_sent_to_another_replica(deployed):
    before = stopped_on_replicas(deployed)
    status, _, body = get(deployed.url + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
    assert status == 503 and b"query_time_limit_ms" in body
    assert stopped_on_replicas(deployed) - before == 1


class Load:
    """Clients sending the repeated questions and pages, and a question asked once each, through
    the proxy at a steady rate; every answer is counted by status (None: no answer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: Counter = Counter()
        self.cache: Counter = Counter()
        self._stop = threading.Event()
        self._unique = itertools.count()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(index,), daemon=True)
                         for index in range(LOAD_CLIENTS)]

    def _client(self, index: int) -> None:
        for step in itertools.count():
            if self._stop.is_set():
                return
            started = time.monotonic()
            if step % 3 == 0:
                query = f"SELECT ?s WHERE {{ ?s a pg:Treaty }} LIMIT {next(self._unique) + 1}"
                path, accept = "/sparql?" + urllib.parse.urlencode({"query": query}), "text/csv"
            else:
                path, accept = REPEATED[(step + index) % len(REPEATED)]
            try:
                # Four readers, as the proxy names them (X-Forwarded-For): each within its
                # share of the query workers (web/fair_share.py).
                status, headers, _ = get(self.url + path, accept,
                                         {"X-Forwarded-For": f"192.0.2.{index + 1}"})
                cache = headers.get("x-cache-status")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status, cache = None, None
            with self._lock:
                self.statuses[status] += 1
                self.cache[cache] += 1
            time.sleep(max(0.0, 1 / REQUESTS_PER_SECOND - (time.monotonic() - started)))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def watch_readiness(url: str, seen: list, stop: threading.Event) -> None:
    while not stop.is_set():
        status = answers(url + "/healthz/ready", timeout=2)
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.05)


def test_a_replica_killed_and_restarted_under_load_fails_no_get(deployed):
    victim = deployed.replicas[1]
    readiness: list = []
    stop_watching = threading.Event()
    watcher = threading.Thread(target=watch_readiness, args=(victim.url, readiness,
                                                             stop_watching), daemon=True)
    watcher.start()
    started = time.monotonic()
    with Load(deployed.url) as load:
        time.sleep(3)
        victim.kill()
        time.sleep(2)
        victim.start()
        restart_seconds = victim.wait_ready()
        time.sleep(3)
    elapsed = time.monotonic() - started
    stop_watching.set()
    watcher.join(10)
    served = sum(load.statuses.values())
    failed = served - load.statuses[200]
    print(f"\ndeployment under load: {served} GETs through nginx in {elapsed:.1f} s "
          f"({served / elapsed:.0f}/s), failed: {failed} {dict(load.statuses)}; "
          f"proxy cache {dict(load.cache)}; replica restarted, ready after "
          f"{restart_seconds:.1f} s; its readiness went {readiness}")
    assert failed == 0, dict(load.statuses)
    assert served > 0
    assert readiness[0] == 200 and None in readiness and readiness[-1] == 200  # out, back in
    assert load.cache["HIT"] > 0


def test_a_client_over_its_rate_gets_429_with_retry_after(deployed):
    path, accept = REPEATED[0]
    results = []

    def burst() -> None:
        for _ in range(60):
            results.append(get(deployed.url + path, accept)[:2])

    threads = [threading.Thread(target=burst) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    limited = [headers for status, headers in results if status == 429]
    assert limited, Counter(status for status, _ in results)
    assert all(headers.get("retry-after") == "1" for headers in limited)
    assert {status for status, _ in results} <= {200, 429}
    time.sleep(3)  # let the client's bucket fill again


def test_the_cache_answers_repeated_questions_while_every_replica_is_down(deployed):
    for path, accept in REPEATED:  # asked before: in the cache now
        assert get(deployed.url + path, accept)[0] == 200
    for replica in deployed.replicas:
        replica.kill()
    for path, accept in REPEATED:
        status, headers, body = get(deployed.url + path, accept)
        assert status == 200 and body, path
        assert headers.get("x-cache-status") in ("HIT", "STALE"), path
    unique = "/sparql?" + urllib.parse.urlencode({"query": QUESTIONS[0] + " LIMIT 7"})
    assert get(deployed.url + unique)[0] == 502  # never asked: nobody to answer it
