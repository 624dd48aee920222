"""The outbound-request policy: nothing a client sends makes this server fetch anything.

Refused before any evaluation: a query that may name SERVICE under any reading of its text
(engine/federation.py), and FROM / FROM NAMED naming a graph this store does not hold. (The
protocol's default-graph-uri and named-graph-uri only select graphs by name: an unknown one is an
empty graph, as the protocol tests expect; neither engine path fetches them.) The query workers
also run without a network (engine/sandbox.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

import pyoxigraph as ox

from pactgraph.engine.federation import FEDERATION_REFUSED, mentions_service
from pactgraph.errors import UnsupportedOperation
from pactgraph.namespaces import PREFIXES


def is_absolute_iri(text: str) -> bool:
    """Whether the engine accepts ``text`` as an absolute IRI (for dataset parameters)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


_FROM_WORD = re.compile("from", re.IGNORECASE)


def refuse_federation(query: str) -> None:
    """Refuse a query that may name SERVICE under any reading of its text (engine/federation.py)."""
    if mentions_service(query):
        raise UnsupportedOperation(FEDERATION_REFUSED)


_KEYWORD_BOUNDARY = r"(?<![\w?$:<.-])"
_DATASET_CLAUSE = re.compile(_KEYWORD_BOUNDARY + r"FROM\s+(NAMED\s+)?", re.IGNORECASE)
_PREFIX_DECLARATION = re.compile(_KEYWORD_BOUNDARY + r"PREFIX\s+([\w.-]*):\s*<([^<>\s]*)>",
                                 re.IGNORECASE)
_BASE_DECLARATION = re.compile(_KEYWORD_BOUNDARY + r"BASE\s*<([^<>\s]*)>", re.IGNORECASE)
_MASKED = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*|<[^<>"{}|^`\\\s]*>')


def _mask_strings_and_comments(query: str) -> str:
    """``query`` with string literals and comments blanked out (same length), IRIs kept."""
    def blank(match: re.Match) -> str:
        text = match.group(0)
        return text if text.startswith("<") else " " * len(text)
    return _MASKED.sub(blank, query)


def dataset_clause_graphs(query: str) -> list[str]:
    """The graph IRIs named by the query's FROM and FROM NAMED clauses, resolved; a name that
    cannot be resolved (an unknown prefix) is returned as written, so it is refused."""
    if not _FROM_WORD.search(query):  # no dataset clause: spare the masking below
        return []
    masked = _mask_strings_and_comments(query)
    prefixes = dict(PREFIXES)
    prefixes.update({m.group(1): m.group(2) for m in _PREFIX_DECLARATION.finditer(masked)})
    base_match = _BASE_DECLARATION.search(masked)
    base = base_match.group(1) if base_match else None
    graphs = []
    for match in _DATASET_CLAUSE.finditer(masked):
        name = re.match(r"<[^>]*>|[^\s{}]+", masked[match.end():])
        token = name.group(0) if name else ""
        if token.startswith("<"):
            iri = token[1:-1]
            if base and not is_absolute_iri(iri):
                iri = urljoin(base, iri)
        elif ":" in token and token.split(":", 1)[0] in prefixes:
            prefix, local = token.split(":", 1)
            iri = prefixes[prefix] + local
        else:
            iri = token
        graphs.append(iri)
    return graphs


def refuse_remote_graphs(query: str, local_graphs: Iterable[str]) -> None:
    """FROM and FROM NAMED may only name graphs this store holds: nothing is ever fetched.

    pyoxigraph only selects a graph by name for FROM (the tests check with a listener that it
    connects nowhere), but other engines fetch, and a client naming a remote graph expects its
    triples; refusing says plainly that this endpoint never fetches.
    """
    local = set(local_graphs)
    for iri in dataset_clause_graphs(query):
        if iri not in local:
            raise UnsupportedOperation(
                f"FROM <{iri}> names a graph this endpoint does not hold, and it never "
                "fetches remote graphs. It holds "
                + ", ".join(f"<{g}>" for g in sorted(local)))


def check_query(text: str, graph_names: Iterable[str]) -> None:
    """The refusals made before any evaluation: federation and remote graphs in FROM clauses.
    (The protocol's default-graph-uri and named-graph-uri only select graphs by name: an unknown
    one is an empty graph, as the protocol tests expect; neither engine path fetches them.)"""
    refuse_federation(text)
    refuse_remote_graphs(text, graph_names)
