"""The SPARQL 1.1 Protocol tests of tests/test_sparql_protocol.py, run again with the remote
engine (engine/remote.py) in front of each real store the test run starts (Oxigraph's server and
Virtuoso: tests/stores.py): the same requests must get the same answers whichever engine
evaluates them. For this module the stores hold the fixture site, as the embedded app of those
tests does (``pactgraph publish`` replaces the graphs: ``stores.holding``).
"""

from __future__ import annotations

import pytest
from conftest import SMALL_SITE, small_site_app
from rdflib import Graph
from stores import holding
from test_sparql_protocol import *  # noqa: F403  (the tests themselves, collected here again)

from pactgraph.web.app import create_app


@pytest.fixture(scope="module")
def site_stores(remote_stores):
    return holding(remote_stores, str(SMALL_SITE))


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def small_app(request, site_stores):
    app = create_app({"data_paths": [str(SMALL_SITE)],
                      "engine_url": site_stores[request.param].query_url,
                      "query_time_limit_ms": 60_000})
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def small_graph() -> Graph:
    graph = Graph()
    graph += small_site_app().extensions["pactgraph"].graph
    return graph
