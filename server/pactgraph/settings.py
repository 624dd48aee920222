"""The one table of pactgraph's settings: name, default and help text.

The table feeds the defaults of ``create_app``, the command line's options and the
``/-/settings.json`` page, so a setting is declared here once and nowhere else. An error about a
limit names the setting that controls it (see ``errors.LimitExceeded``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pactgraph.namespaces import CANONICAL_BASE


def _repository_root() -> Path:
    """The checkout this package runs from; the bundled RDF lives beside ``server/``."""
    return Path(__file__).resolve().parents[2]


def bundled(folder: str) -> str:
    """A bundled folder, overridable by PACTGRAPH_HOME for installs outside a checkout."""
    home = Path(os.environ.get("PACTGRAPH_HOME", _repository_root()))
    return str(home / folder)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    path: bool = False  # a path or list of paths: published without the server's folders


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", CANONICAL_BASE,
            "Canonical base of the IRIs minted in the data; they stay the same whatever host "
            "serves them."),
    Setting("base_url", None,
            "URL this server is reached at; resource {base_iri}{rest} is served at "
            "{base_url}/{rest}. "
            "Defaults to the URL of each request."),
    Setting("ontology_paths", [bundled("ontology")],
            "RDF files or folders holding the ontology.", path=True),
    Setting("data_paths", [bundled("data")],
            "RDF files or folders holding the published data, one file per treaty. Turtle, "
            "N-Triples, N-Quads, TriG, JSON-LD and RDF/XML, by extension (.ttl .nt .nq .trig "
            ".jsonld .rdf .owl); the named graphs of N-Quads, TriG and JSON-LD files are kept.",
            path=True),
    Setting("data_graphs", [],
            "Pairs of (graph IRI, file or folder): the triples of those files are published in "
            "that named graph (those of a quads file that are in no graph of its own), so that "
            "queries can address them with GRAPH, FROM, default-graph-uri and named-graph-uri.",
            path=True),
    Setting("data_format", None,
            "Format of the data files named one by one (ttl, nt, nq, trig, jsonld, rdf), for "
            "files whose extension does not say it; by default each file's extension decides. "
            "Files found in folders are always read by their extension."),
    Setting("shapes_paths", [bundled("shapes")],
            "RDF files or folders holding the SHACL shapes the data must pass.", path=True),
    Setting("queries_path", bundled("queries"),
            "Folder holding the example questions (*.rq), each opening with '# id:', '# title:' "
            "and '# question:' lines; pages find a question by its id, and the app does not "
            "start if an id is missing or given twice.", path=True),
    Setting("releases_path", bundled("releases"),
            "Folder of the releases made by `pactgraph release` (one folder per version, each "
            "with its SHA256SUMS), served at /releases/{version}/ and, for the ontology of each, "
            "at /def/{version}.", path=True),
    Setting("query_time_limit_ms", 5000,
            "Longest time, in milliseconds, that one SPARQL query may run (evaluation and writing "
            "the result). A query stopped at the limit is answered 503 Service Unavailable."),
    Setting("max_result_rows", 10000,
            "Most rows (or triples) one SPARQL result may return. A longer result is cut to the "
            "first N and says so: the header Pactgraph-Results-Truncated: true, and in SPARQL "
            "JSON a top-level \"pactgraph\" member and head.link; never silently."),
    Setting("max_result_bytes", 16 * 1024 * 1024,
            "Most bytes one SPARQL answer may hold (16 MiB: ample for max_result_rows rows of "
            "ordinary values, a few KB each at most, and the largest answer the answer cache "
            "keeps). A longer answer is cut at a row or triple with the signals of "
            "max_result_rows, naming this setting; an answer whose first row alone is longer "
            "is answered 503 Service Unavailable. A query worker that wrote more than a quarter "
            "of this is replaced by a fresh one, which gives its memory back."),
    Setting("max_query_length", 20000,
            "Longest SPARQL query text accepted, in characters."),
    Setting("query_workers", 2,
            "Query worker processes per server process; each answers one query at a time (they "
            "share one in-memory copy of the store)."),
    Setting("pin_example_answers", True,
            "Evaluate each example question once per prebuilt store, in a process forked beside "
            "the query workers, and keep its answer in each results format in the store's "
            "folder (pinned/), from which the workers answer that question after: the same "
            "bytes, at a fraction of the time on large data. Not with engine_url."),
    Setting("query_queue_time_limit_ms", 2000,
            "Longest time, in milliseconds, that a query waits for a free query worker before it "
            "is answered 503 Service Unavailable with Retry-After."),
    Setting("query_per_client_limit", 1,
            "Most uncached queries one client may have running at once in each server process "
            "(cached answers are not counted); one more is answered 429 Too Many Requests with "
            "Retry-After. Keep it below query_workers, so that one client's runaway queries always "
            "leave a query worker to the others. 0 turns the limit off."),
    Setting("trusted_proxies", [],
            "Addresses or networks (such as 10.0.0.0/8) of the reverse proxies in front of this "
            "server. A request from one of them is counted against the client its "
            "X-Forwarded-For header names (read from the right, past every trusted proxy); from "
            "anyone else, that header is ignored and the client is the connection's address."),
    Setting("query_memory_limit_mb", 1024,
            "Address space, in MiB, that one query worker may use, the copy of the store included; "
            "a query that needs more is stopped and answered 503 Service Unavailable."),
    Setting("max_request_bytes", 1048576,
            "Largest request body accepted, in bytes (larger ones are answered 413)."),
    Setting("cache_max_entries", 2000,
            "Most SPARQL answers and whole responses to GETs each server process keeps in memory "
            "(least recently used out first); 0 turns both off."),
    Setting("cache_max_bytes", 64 * 1024 * 1024,
            "Most bytes of SPARQL answers and whole responses each server process keeps in "
            "memory; an answer larger than a quarter of this is never kept."),
    Setting("cache_max_age_seconds", 3600,
            "How long clients and shared caches may reuse an answer without asking again "
            "(Cache-Control: public, max-age); after that they revalidate with its ETag."),
    Setting("engine_url", None,
            "URL of a SPARQL 1.1 endpoint that answers client queries instead of the embedded "
            "query workers (a remote store loaded with `pactgraph publish`). The limits stay: "
            "query_time_limit_ms is the HTTP read timeout, max_result_rows and max_result_bytes "
            "cut the answer; SERVICE and updates are refused before anything is sent. Pages, "
            "dumps and VoID read the local prebuilt store: of the data files, or of the "
            "store's own data with data_from_engine."),
    Setting("data_from_engine", False,
            "Read the data from the store at engine_url at start-up instead of from data files "
            "(`pactgraph serve --engine-url URL` with no --data sets it): its graphs "
            "engine_graphs, read whole in pages that its own row cap cannot cut short, are "
            "validated against the shapes, derived from and built into the prebuilt store that "
            "pages, dumps and VoID read. The store must also hold the ontology and the derived "
            "graphs as `pactgraph publish` writes them, or the server does not start. Each page "
            "must come within query_time_limit_ms; a store down or slow is an error naming the "
            "setting."),
    Setting("engine_graphs", [],
            "With data_from_engine, the named graphs of the store that hold the data; empty: "
            "{base_iri}graph/data, where `pactgraph publish` puts it."),
    Setting("today", None,
            "The day 'today' means, as YYYY-MM-DD: the date the obligations API, the state "
            "pages and the network answer for when none is asked for. Empty: the system's date. "
            "Tests set it so that no answer depends on the calendar."),
    Setting("store_dir", None,
            "Folder where each version of the input files, once validated, is kept as a prebuilt "
            "store (with its dumps), so that a later start on the same files skips parsing and "
            "validation and opens it in a moment. Defaults to $PACTGRAPH_STORE_DIR, else "
            "~/.cache/pactgraph.", path=True),
)

DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}
HELP: dict[str, str] = {setting.name: setting.help for setting in SETTINGS}
PATHS: frozenset[str] = frozenset(setting.name for setting in SETTINGS if setting.path)


def public_value(name: str, value: Any) -> Any:
    """``value`` of setting ``name`` as ``/-/settings.json`` publishes it: a path relative to the
    project (``PACTGRAPH_HOME``, else the checkout), or only its last part if it lies elsewhere.
    The server's absolute paths tell a visitor how its machine is laid out, and nothing useful."""
    if name not in PATHS or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [[pair[0], _public_path(pair[1])] if isinstance(pair, (list, tuple))
                else _public_path(pair) for pair in value]
    return _public_path(value)


def _public_path(path: str | os.PathLike) -> str:
    home = Path(os.environ.get("PACTGRAPH_HOME", _repository_root())).resolve()
    resolved = Path(path).resolve()
    if resolved.is_relative_to(home):
        return resolved.relative_to(home).as_posix()
    return resolved.name


def resolve(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults with ``overrides`` applied; an unknown setting name is a programming error."""
    resolved = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name not in resolved:
            known = ", ".join(sorted(resolved))
            raise KeyError(f"unknown setting {name!r}; known settings: {known}")
        resolved[name] = value
    return resolved
