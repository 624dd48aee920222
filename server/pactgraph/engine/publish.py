"""``pactgraph publish``: load the validated graphs into a remote store (Graph Store Protocol).

Each published named graph (``{base}graph/ontology``, ``{base}graph/data``...) is sent whole with
``PUT {url}?graph={its IRI}`` as N-Triples, replacing what the store held under that name, so a
second publish of the same files leaves the store as the first did. The quads come from the
prebuilt store the command line prepared, which exists only for files that passed the shapes:
data that does not conform is refused before anything is sent. With ``--engine-url`` and no data
files, the data is read from the store itself (build/from_engine.py) and only the graphs pactgraph
makes of it are sent (the ontology, the derived obligations and entailments), so that
``pactgraph serve --engine-url`` finds them there as it derives them. Oxigraph's server
takes them at ``/store``; Virtuoso at ``/sparql-graph-crud`` (anonymous writes there need the
``SPARQL_UPDATE`` role granted to the ``SPARQL`` user; see README "When one machine is not
enough").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from pactgraph.errors import QueryEngineUnavailable
from pactgraph.namespaces import PREFIXES

SECONDS = 120  # one graph's upload; 188k triples took about 10 s into Virtuoso on this machine


@dataclass(frozen=True)
class Sent:
    graph: str
    triples: int
    status: int


def graphs_of(quads_path: Path) -> dict[str, list[ox.Triple]]:
    """The triples of each named graph in an N-Quads file."""
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(quads_path), format=ox.RdfFormat.N_QUADS):
        graphs[quad.graph_name.value].append(quad.triple)
    return graphs


def publish(quads_path: Path, url: str, only: Iterable[str] | None = None) -> list[Sent]:
    """PUT each graph of ``quads_path`` (or only those named ``only``) to the Graph Store
    Protocol endpoint ``url``."""
    import urllib3

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueryEngineUnavailable(f"--to must be the http(s) URL of a Graph Store Protocol "
                                     f"endpoint, not {url!r}")
    pool = urllib3.connection_from_url(url, retries=False,
                                       timeout=urllib3.Timeout(connect=5, read=SECONDS))
    sent = []
    joiner = "&" if parts.query else "?"
    graphs = graphs_of(quads_path)
    for graph in sorted(graphs) if only is None else only:
        triples = graphs.get(graph, [])
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES, prefixes=PREFIXES) or b""
        target = f"{parts.path or '/'}{'?' + parts.query if parts.query else ''}"
        target += joiner + urlencode({"graph": graph})
        try:
            response = pool.urlopen("PUT", target, body=body,
                                    headers={"Content-Type": "application/n-triples"})
        except urllib3.exceptions.HTTPError as error:
            raise QueryEngineUnavailable(f"the store at {url} cannot be reached: {error}") \
                from None
        if response.status not in (200, 201, 204):
            text = response.data.decode("utf-8", "replace").strip()[:300]
            raise QueryEngineUnavailable(f"the store at {url} refused graph {graph} "
                                         f"(HTTP {response.status}): {text}")
        sent.append(Sent(graph, len(triples), response.status))
    pool.close()
    return sent
