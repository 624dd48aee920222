"""A fair share of the query workers (issue 11, item 3): one client's runaway queries never starve
another client's cheap one. Who a client is: its address, X-Forwarded-For only from a trusted proxy.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from flask import Flask

from pactgraph.errors import SettingError
from pactgraph.web.app import create_app
from pactgraph.web.context import executor_for
from pactgraph.web.fair_share import ClientLimiter, limiter_for, trusted_networks

SRJ = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RUNAWAY_ORDERED = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f ?i ?l"
GREEDY, MODEST = "192.0.2.10", "192.0.2.20"


def cheap() -> str:
    """A cheap query no cache has seen, so that it needs a query worker."""
    return f'ASK {{ FILTER("{uuid.uuid4()}" != "") }}'


def from_address(app: Flask, address: str, **headers: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return client


def get(client, query: str):
    """A plain GET: the lean path (web/middleware/lean_sparql.py)."""
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})


def post(client, query: str):
    """A form POST: the endpoint (web/routes/sparql.py)."""
    return client.post("/sparql", data={"query": query}, headers={"Accept": SRJ})


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.fixture()
def pool(app, full_pool):
    """The app's query workers, started and all idle, before and after the test."""
    executor = executor_for(app)
    executor.start()
    full_pool(executor)
    yield executor
    full_pool(executor)


def test_a_client_at_its_limit_gets_429_while_another_gets_its_answer(app, pool):
    """Before the share, the greedy client's runaways took both query workers and the modest
    client's query waited query_queue_time_limit_ms, then got 503."""
    limiter = limiter_for(app)
    assert limiter.limit == 1 < pool.limits.workers  # the defaults
    greedy = from_address(app, GREEDY)
    statuses: list[int] = []
    runaway = threading.Thread(target=lambda: statuses.append(get(greedy, RUNAWAY).status_code))
    runaway.start()
    try:
        # The runaway has a query worker. (Waiting on the pool, not on the limiter's count, so that
        # the test runs without the limiter too: there it failed, the extra queries got 503.)
        wait_until(lambda: pool.idle_workers() == pool.limits.workers - 1)
        refused = [get(greedy, RUNAWAY_ORDERED), post(greedy, RUNAWAY_ORDERED),
                   get(greedy, cheap()),
                   # a forged X-Forwarded-For from a peer that is no trusted proxy changes nothing
                   get(from_address(app, GREEDY, x_forwarded_for=MODEST), cheap())]
        modest = from_address(app, MODEST)
        served = [get(modest, cheap()), post(modest, cheap())]
    finally:
        runaway.join(60)
    for response in refused:
        assert response.status_code == 429
        assert response.headers["Retry-After"].isdigit()
        text = response.get_data(as_text=True)
        assert "'query_per_client_limit' setting" in text and GREEDY in text
        assert "Traceback" not in text
    for response in served:
        assert response.status_code == 200 and response.get_json()["boolean"] is True
    assert statuses == [503]  # the runaway itself was stopped at the time limit
    assert limiter.running(GREEDY) == 0  # every slot given back, refusals and errors included


def test_cached_answers_are_not_counted(app, pool):
    limiter = limiter_for(app)
    query = cheap()
    client = from_address(app, GREEDY)
    assert get(client, query).status_code == 200  # evaluated once, then remembered
    statuses: list[int] = []
    runaway = threading.Thread(target=lambda: statuses.append(get(client, RUNAWAY).status_code))
    runaway.start()
    try:
        wait_until(lambda: limiter.running(GREEDY) == 1)
        remembered = get(client, query)
    finally:
        runaway.join(60)
    assert remembered.status_code == 200
    assert statuses == [503]


TRUSTED = trusted_networks(["127.0.0.1", "10.0.0.0/8"])
CLIENTS = {
    # peer, X-Forwarded-For, who the client is
    "no proxy": ("192.0.2.1", None, "192.0.2.1"),
    "header from an untrusted peer is ignored": ("192.0.2.1", "198.51.100.7", "192.0.2.1"),
    "trusted proxy names the client": ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
    "the rightmost untrusted hop, not what the client wrote": (
        "127.0.0.1", "203.0.113.9, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
    "a trusted proxy without the header is the client": ("127.0.0.1", None, "127.0.0.1"),
    "garbage stops the walk at the last good hop": ("127.0.0.1", "nonsense, 10.1.2.3",
                                                    "10.1.2.3"),
    "an IPv6 client is its /64": ("127.0.0.1", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    "an IPv6 peer too": ("2001:db8::1", None, "2001:db8::/64"),
}


@pytest.mark.parametrize("name", CLIENTS)
def test_who_the_client_is(name):
    peer, forwarded, expected = CLIENTS[name]
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert ClientLimiter(1, TRUSTED).client_of(environ) == expected


def test_without_trusted_proxies_the_header_is_never_read():
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert ClientLimiter(1).client_of(environ) == "127.0.0.1"


def test_a_slot_is_given_back_when_the_query_fails():
    limiter = ClientLimiter(1)
    environ = {"REMOTE_ADDR": "192.0.2.1"}
    with pytest.raises(RuntimeError), limiter.slot(environ):
        raise RuntimeError("the query failed")
    with limiter.slot(environ) as client:
        assert limiter.running(client) == 1
    assert limiter.running("192.0.2.1") == 0


def test_a_bad_trusted_proxy_stops_the_start_naming_the_setting():
    with pytest.raises(SettingError, match="trusted_proxies.*'not-an-address'"):
        create_app({"trusted_proxies": ["127.0.0.1", "not-an-address"]})


def test_the_settings_page_lists_the_share(client):
    rows = {row["name"]: row for row in client.get("/-/settings.json").get_json()}
    assert rows["query_per_client_limit"]["value"] == 1
    assert rows["trusted_proxies"]["value"] == []
    assert "429" in rows["query_per_client_limit"]["help"]
