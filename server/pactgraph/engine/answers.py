"""Evaluating a query and writing its answer: pyoxigraph's writers whenever the row cap cannot bite.

pyoxigraph's writers (Rust) write SELECT results several times faster than the capped writers of
``engine/results.py`` (which build a Python object per term), but only a whole result set. So a
SELECT or ASK with no LIMIT of its own is evaluated with ``LIMIT max_rows+1`` appended: the same
solutions up to the cap, at most one more. pyoxigraph writes them, the rows are counted in the
bytes, and one row over the cap is cut from the bytes with the same signals the capped writers
give (no second evaluation). Everything else goes through ``results.write``. Not CSV:
pyoxigraph's CSV writer leaves IRIs holding commas unquoted. Nor an answer pyoxigraph wrote longer
than ``max_result_bytes``: it is evaluated again and cut (or refused) by the capped writers, which
measure each row (rare: a second evaluation for an answer that would not have been sent whole).

API: ``answer(store, query, media_types, max_rows, link, ...) -> Answered``, used by the query
workers (engine/worker.py) and ``pactgraph query``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from pactgraph.engine.cuts import ROWS, Caps, Cut
from pactgraph.engine.results import (
    RESULTS_JSON,
    RESULTS_XML,
    TSV,
    Written,
    json_written,
    write,
    xml_signals,
)
from pactgraph.engine.store import QueryResult, evaluate_on
from pactgraph.errors import QueryError

# --- The engine's writers ------------------------------------------------------------------------

ENGINE_FORMATS = {RESULTS_JSON: ox.QueryResultsFormat.JSON, RESULTS_XML: ox.QueryResultsFormat.XML,
                  TSV: ox.QueryResultsFormat.TSV}


def _engine_written(solutions, media_type: str, max_rows: int | None, link: str | None,
                    max_bytes: int | None = None) -> Written | None:
    """``solutions`` (at most ``max_rows + 1``) written by pyoxigraph, cut to ``max_rows`` if
    needed; None if pyoxigraph fails (evaluation is lazy), writes an unexpected shape, or writes
    more than ``max_bytes`` (then the capped writers cut the answer at a row, or refuse it)."""
    try:
        body = solutions.serialize(format=ENGINE_FORMATS[media_type])
    except (OSError, ValueError, SyntaxError):
        return None
    if len(body) > Caps.of(max_rows, max_bytes).row_bytes():
        return None
    cap = sys.maxsize if max_rows is None else max_rows
    if media_type == RESULTS_JSON:
        return _engine_json(body, cap, link)
    if media_type == RESULTS_XML:
        # One <result> element per solution: a "<" in text or attributes is written "&lt;".
        rows = body.count(b"<result>")
        return Written(body, rows) if rows <= cap else _cut_xml(body, cap, link)
    # A header line, then one line per solution: literals are written with "\n" escaped.
    rows = body.count(b"\n") - 1
    if rows <= cap:
        return Written(body, rows)
    end = body.rfind(b"\n", 0, len(body) - 1)
    return Written(body[:end + 1], cap, Cut(ROWS, cap))


def _engine_json(body: bytes, max_rows: int, link: str | None) -> Written | None:
    # Rows are written "{...},{...}" with no spaces, so there are at least rows - 1 "},{" (a
    # literal may hold more): counting them is cheap, parsing is done only near the cap.
    separators = body.count(b"},{")
    if separators < max_rows:
        rows = 0 if body.endswith(b'"bindings":[]}}') else separators + 1
        return Written(body, rows)
    document = json.loads(body)
    bindings = document["results"]["bindings"]
    if len(bindings) <= max_rows:
        return Written(body, len(bindings))
    rows = [json.dumps(row, ensure_ascii=False, separators=(",", ":"))
            for row in bindings[:max_rows]]
    return json_written(document["head"]["vars"], rows, link, Cut(ROWS, max_rows))


def _cut_xml(body: bytes, max_rows: int, link: str | None) -> Written | None:
    """``body`` (pyoxigraph's SPARQL XML, ``max_rows + 1`` results) without its last result,
    with the signals of ``_write_xml``."""
    head, head_end, last = body.find(b"<head"), body.find(b"</head>"), body.rfind(b"<result>")
    if not 0 < head < head_end < last:
        return None
    link_element, note = xml_signals(Cut(ROWS, max_rows), link)
    cut = (body[:head] + note.encode() + body[head:head_end] + link_element.encode()
           + body[head_end:last] + b"</results></sparql>")
    return Written(cut, max_rows, Cut(ROWS, max_rows))


# --- Answering -----------------------------------------------------------------------------------

# A trailing "LIMIT n" (or "LIMIT n OFFSET m") is the outer query's limit: a limit in a subquery
# or in a comment, string or IRI would be followed by "}", a line break, a quote or ">".
_OWN_LIMIT = re.compile(r"(?<![\w:?$.-])LIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?\s*\Z", re.IGNORECASE)


def trailing_limit(query: str) -> int | None:
    """The query's trailing LIMIT, if it surely has one (None may still have one)."""
    offset = max(0, len(query) - 100)  # the tail only: this runs on every query
    match = _OWN_LIMIT.search(query, offset)
    if match is None:
        return None
    start = match.start()
    if "#" in query[query.rfind("\n", 0, start) + 1:start]:
        return None  # the LIMIT may be inside a comment
    return int(match.group(1))


def evaluate_bounded(store: ox.Store, query: str, max_rows: int | None,
                      dataset: tuple[Iterable[str], Iterable[str]]) -> tuple[QueryResult, bool]:
    """The result of ``query``, and whether (for a SELECT) it holds at most ``max_rows + 1``
    solutions, so that writing it whole is cheap. A SELECT or ASK with no LIMIT of its own is
    evaluated with ``LIMIT max_rows+1`` appended (after a line break, which ends a trailing
    comment): the same solutions up to the cap, and the same boolean. Anything else is evaluated
    as written: CONSTRUCT and DESCRIBE (their LIMIT counts solutions, not triples), and queries
    where the appended LIMIT does not parse (their own LIMIT, a trailing VALUES, a syntax error,
    which is then reported in the user's own text)."""
    own_limit = trailing_limit(query)
    if max_rows is not None and own_limit is None:
        try:
            limited = evaluate_on(store, f"{query}\nLIMIT {max_rows + 1}", *dataset)
        except QueryError:
            limited = None
        if limited is not None and limited.kind != "graph":
            return limited, True
    bounded = max_rows is None or (own_limit is not None and own_limit <= max_rows + 1)
    return evaluate_on(store, query, *dataset), bounded


@dataclass(frozen=True)
class Answered:
    kind: str                # 'select', 'ask' or 'graph'
    media_type: str | None   # None: the caller accepts no media type for results of this kind
    written: Written | None  # None when ``media_type`` is None


def answer(store: ox.Store, query: str, media_types: Mapping[str, str | None],
           max_rows: int | None, link: str | None = None, default_graphs: Iterable[str] = (),
           named_graphs: Iterable[str] = (), max_bytes: int | None = None,
           solutions: bytes | None = None) -> Answered:
    """Evaluate ``query`` on ``store`` and write its result in ``media_types[kind]``, at most
    ``max_rows`` rows or triples and ``max_bytes`` bytes (None: no cap); for the query workers
    and ``pactgraph query``.

    ``solutions``: the query's solutions (at most ``max_rows + 1``) as SPARQL JSON, written
    instead of evaluated (engine/pinned.py, which writes each example question's answer once).

    Raises ``QueryError`` for a query that cannot be evaluated or written in that media type, and
    ``LimitExceeded`` (``max_result_bytes``) when its first row alone is longer than the cap."""
    dataset = (tuple(default_graphs), tuple(named_graphs))
    if solutions is not None:
        result, bounded = QueryResult("select", ox.parse_query_results(
            solutions, format=ox.QueryResultsFormat.JSON)), True
    else:
        result, bounded = evaluate_bounded(store, query, max_rows, dataset)
    media_type = media_types.get(result.kind)
    if media_type is None:
        return Answered(result.kind, None, None)
    if result.kind == "select" and bounded and media_type in ENGINE_FORMATS:
        written = _engine_written(result.value, media_type, max_rows, link, max_bytes)
        if written is not None:
            return Answered(result.kind, media_type, written)
        # The solutions are spent: evaluate again, so that an error says what it said before.
        result = evaluate_on(store, query, *dataset)
    cap = sys.maxsize if max_rows is None else max_rows
    return Answered(result.kind, media_type, write(result, media_type, cap, link, max_bytes))
