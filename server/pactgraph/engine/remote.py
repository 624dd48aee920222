"""The remote engine: client queries answered by a SPARQL 1.1 store pactgraph does not own.

``pactgraph serve --engine-url http://host:port/sparql`` puts this engine behind the seam
(engine/base.py) instead of the query pool. Everything decided before a query is evaluated stays
pactgraph's: the one query plan (web/plan.py) refuses SERVICE, a FROM naming another graph, an
over-long query, and ``run`` checks SERVICE and FROM again, then parses the query locally, so that
an update or a syntax error is refused before anything is sent. Only then is the query sent, as a
form POST (Virtuoso 7.2 never answers a direct ``application/sparql-query`` POST):

- to the one configured URL, through one urllib3 pool of kept-alive connections per server
  process; no other host or path is ever reached, and the client never names one;
- with the published graphs as the dataset (``default-graph-uri``, ``named-graph-uri``) unless
  the client named its own: Virtuoso ignores its ``DefaultGraph`` setting for protocol requests
  and would otherwise read every graph it holds, its system graphs included;
- with the prefixes the embedded engine offers (``namespaces.PREFIXES``) declared where the
  query does not declare them itself;
- a SELECT with no LIMIT of its own gets ``LIMIT max_result_rows+1``, as in the query
  workers; the read timeout is ``query_time_limit_ms``, and at most a few times
  ``max_result_bytes`` of an answer are read.

The answer is read back (engine/remote_answers.py: Virtuoso's booleans and durations mapped, its
signals turned into ours) and written by the workers' own writers, with the row and byte caps.
The server's own fixed queries (VoID counts, the obligations API), the pages and the dumps read
the local prebuilt store: of the data files that ``pactgraph publish`` loaded into the store, or,
with ``data_from_engine``, of what this store holds, read whole at start-up and checked against
it (build/from_engine.py). The HTTP client is engine/remote_http.py.
"""

from __future__ import annotations

import pyoxigraph as ox

from pactgraph.engine.answers import trailing_limit
from pactgraph.engine.base import Answer, Engine, Health, Job
from pactgraph.engine.outbound import check_query, dataset_clause_graphs
from pactgraph.engine.remote_answers import classify, cut_by_store, read_results, read_triples
from pactgraph.engine.remote_http import SETTING, StoreClient
from pactgraph.engine.results import write
from pactgraph.engine.store import QUERY_BASE, QueryResult, TripleStore
from pactgraph.engine.syntax_hints import explain
from pactgraph.errors import LimitExceeded, NotAcceptable, QueryEngineUnavailable, QueryError
from pactgraph.formats import offered_for
from pactgraph.namespaces import PREFIXES

ACCEPT = {"select": "application/sparql-results+json", "ask": "application/sparql-results+json",
          "graph": "application/n-triples"}
HEALTH_SECONDS = 2.0
READ_FACTOR = 4  # an answer is read up to this many times max_result_bytes (N-Triples or JSON)
_EMPTY = ox.Store()  # parses queries (evaluates them on nothing) to know their kind


def _kind_of(query: str) -> str:
    """'select', 'ask' or 'graph' for a query, which is parsed (on an empty store) first: an
    update or a syntax error is a QueryError here, before anything is sent."""
    try:
        result = _EMPTY.query(query, base_iri=QUERY_BASE, prefixes=PREFIXES)
    except SyntaxError as error:  # said as the embedded engine says it (engine/syntax_hints.py)
        raise QueryError(explain(query, str(error), PREFIXES)) from None
    except (ValueError, RuntimeError) as error:
        raise QueryError(f"the query cannot be evaluated: {error}") from None
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(result, ox.QuerySolutions) else "graph"


def with_prefixes(query: str) -> str:
    """``query`` with the embedded engine's default prefixes declared where it does not declare
    them (a redeclared prefix would change nothing; an undeclared one would not parse)."""
    lowered = query.lower()
    missing = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items()
               if f"{name.lower()}:" in lowered and f"prefix {name.lower()}:" not in lowered]
    return "\n".join([*missing, query]) if missing else query


class RemoteEngine(Engine):
    def __init__(self, url: str, store: TripleStore, settings: dict) -> None:
        self.client = StoreClient(url, settings)  # raises SettingError for a URL it cannot use
        self.url = url
        self.store = store  # the local prebuilt store: the server's own counts
        self.graph_names = store.graph_names
        self.time_limit_ms = int(settings["query_time_limit_ms"])
        self.max_rows = int(settings["max_result_rows"])
        self.max_bytes = int(settings["max_result_bytes"])

    # -- the seam

    def run(self, job: Job) -> Answer:
        check_query(job.query, self.graph_names)
        kind = _kind_of(job.query)
        media_type = job.media_types.get(kind)
        if media_type is None:
            raise NotAcceptable([*offered_for(kind), "text/html"])
        query = job.query
        if kind == "select" and trailing_limit(query) is None:  # Virtuoso refuses ASK ... LIMIT
            limited = f"{query}\nLIMIT {self.max_rows + 1}"
            try:
                if _kind_of(limited) == kind:
                    query = limited
            except QueryError:
                pass  # a trailing VALUES or a LIMIT of its own: sent as written
        reply, complete = self.client.post(self._fields(with_prefixes(query), job), ACCEPT[kind],
                                     READ_FACTOR * self.max_bytes + 65536)
        classify(reply, SETTING, self.time_limit_ms)
        if kind == "graph":
            value = read_triples(reply.body, reply.virtuoso, complete)
            cap = self.client.row_cap(self.max_rows + 1)
            if cap is not None and len(value) >= cap:
                raise QueryEngineUnavailable(
                    f"the SPARQL store (the {SETTING} setting) cuts every answer at {cap} rows "
                    "(Virtuoso's ResultSetMaxRows), and this one may have been cut there without "
                    "a word; raise the store's limit above max_result_rows")
        else:
            if not complete:
                raise LimitExceeded("max_result_bytes", f"the SPARQL store's answer is longer "
                                    f"than {READ_FACTOR} x {self.max_bytes} bytes; ask for "
                                    "fewer or shorter values")
            kind, value = read_results(reply.body, reply.virtuoso)
            if kind == "select":
                cut_by_store(reply, len(value.rows), self.max_rows + 1, SETTING)
        written = write(QueryResult(kind, value), media_type, self.max_rows, job.link,
                        self.max_bytes)
        return Answer(kind, media_type, written.body, written.rows, written.truncated)

    def _fields(self, query: str, job: Job) -> list[tuple[str, str]]:
        fields = [("query", query)]
        if job.default_graphs or job.named_graphs:
            fields += [("default-graph-uri", iri) for iri in job.default_graphs]
            named = job.named_graphs or self.graph_names  # as pyoxigraph: all of ours
            fields += [("named-graph-uri", iri) for iri in named]
        elif not dataset_clause_graphs(job.query):
            fields += [("default-graph-uri", iri) for iri in self.graph_names]
            fields += [("named-graph-uri", iri) for iri in self.graph_names]
        return fields

    def count(self, pattern: str, variables: str, graph_name: str | None = None) -> int:
        return self.store.count(pattern, variables, graph_name)

    def select(self, query: str) -> list[dict[str, str]]:
        # The server's own questions (the obligations API, the pages) read the local prebuilt
        # store of the same data, as count() and the pages do (README: the remote store).
        return self.store.rows(query)

    def start(self) -> None:
        self.client.start()

    def close(self) -> None:
        self.client.close()

    def health(self) -> Health:
        """Ready when the store answers ``ASK {}`` within 2 s."""
        try:
            reply, _ = self.client.post([("query", "ASK {}")], ACCEPT["ask"], 65536, HEALTH_SECONDS)
            classify(reply, SETTING, self.time_limit_ms)
            running = 1
        except (QueryEngineUnavailable, LimitExceeded, QueryError):
            running = 0
        return Health(running=running, configured=1, network_isolated=False,
                      isolation=f"a remote SPARQL store evaluates queries ({self.url}); SERVICE "
                                "is refused by reading the query text")
