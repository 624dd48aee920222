"""Print a manifest of what the server serves: one line per request, with a hash of its status,
headers and body. Run it before and after a refactoring and diff the two files; every line that
differs is a served byte that changed.

    .venv/bin/python tools/served_bytes.py > before.txt   # ... refactor ...
    .venv/bin/python tools/served_bytes.py > after.txt && diff before.txt after.txt

It asks the app in-process (Flask's test client, through the front cache and the lean SPARQL
path), on the bundled data, for every page, document, dump and example answer in every format,
and for a few errors. ``Date`` is left out (it changes every second), and so is ``/healthz`` (it
says how the process is now).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from urllib.parse import quote

from rdflib import URIRef

FORMATS = ("text/html", "text/turtle", "application/ld+json", "application/n-triples",
           "application/rdf+xml")
ANSWER_FORMATS = ("application/sparql-results+json", "application/sparql-results+xml",
                  "text/csv", "text/tab-separated-values", "text/turtle", "text/html")


def _create_app():
    try:
        from pactgraph.web.app import create_app
    except ImportError:  # before the package was split by role
        from pactgraph.web.app import create_app
    return create_app()


def _subjects(app) -> list[str]:
    """Every IRI of ours that the published graph describes."""
    published = app.extensions["pactgraph"]
    base = published.settings["base_iri"]
    return sorted({str(s) for s in published.graph.subjects() if isinstance(s, URIRef)
                   and str(s).startswith(base)})


def requests_to_make(app) -> list[tuple[str, str]]:
    base = app.extensions["pactgraph"].settings["base_iri"]
    pages = ["/", "/sparql", "/download/", "/context.jsonld", "/-/settings.json",
             "/.well-known/void", "/explore/network", "/explore/network.json", "/explore/timeline",
             "/queries/", "/openapi.json", "/def", "/shapes", "/dataset", "/no/such/page",
             "/id/no-such-thing", "/sparql?query=SELEC%20*", "/sparql?query=ASK%7B%7D&format=x"]
    made = [(page, accept) for page in pages for accept in ("text/html", "*/*")]
    made += [(f"{doc}{ext}", "*/*") for doc in ("/def", "/shapes", "/dataset")
             for ext in (".ttl", ".jsonld", ".nt", ".rdf")]
    for iri in _subjects(app):
        rest = iri[len(base):]
        made += [(f"/{rest}", "text/html")]
        if rest.startswith("id/"):
            made += [(f"/doc/{rest[3:]}", accept) for accept in FORMATS]
    queries = Path(__file__).resolve().parents[1] / "queries"
    for path in sorted(queries.glob("*.rq")):
        made.append((f"/queries/{path.name}", "*/*"))
        made += [(f"/sparql?query={quote(path.read_text())}", accept)
                 for accept in ANSWER_FORMATS]
    return made


def main() -> None:
    app = _create_app()
    client = app.test_client()
    downloads = client.get("/download/", headers={"Accept": "application/json"})
    lines = []
    for path, accept in requests_to_make(app) + [("/download/" + n, "*/*") for n in
                                                 _dump_names(downloads.get_data(as_text=True))]:
        for _ in range(2):  # the second answer may come from the front cache
            response = client.get(path, headers={"Accept": accept})
            headers = [(k, v) for k, v in response.headers.items() if k != "Date"]
            digest = hashlib.sha256(repr((response.status, headers)).encode()
                                    + response.get_data()).hexdigest()[:16]
            lines.append(f"{digest} {response.status_code} {accept} {path[:120]}")
    sys.stdout.write("\n".join(lines) + "\n")


def _dump_names(listing: str) -> list[str]:
    return sorted(set(re.findall(r'href="(?:/download/)?(pactgraph\.[a-z]+)"', listing)))


if __name__ == "__main__":
    main()
