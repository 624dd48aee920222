"""rdflib-endpoint over the files named in $BENCH_RDF_FILES (os.pathsep-separated), for uvicorn.

The same setup as ``rdflib-endpoint serve`` (a union-default Dataset in rdflib's memory store), but
run by uvicorn directly so that its access log can be turned off like pactgraph's.
"""

import os

from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

graph = Dataset(default_union=True)
for path in os.environ["BENCH_RDF_FILES"].split(os.pathsep):
    graph.parse(path)

app = SparqlEndpoint(graph=graph, cors_enabled=False)
