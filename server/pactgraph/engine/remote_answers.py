"""What a remote SPARQL store answered, read back into the engine's own terms and errors.

The remote engine (engine/remote.py) asks the store for SPARQL JSON (SELECT, ASK) or N-Triples
(CONSTRUCT, DESCRIBE), reads them here into pyoxigraph terms, and writes the client's answer with
the same writers and caps as the query workers (engine/results.py), so the row and byte caps and
their signals are pactgraph's own whatever the store does.

What a store says in its own way becomes what pactgraph says (``classify``):
- a timeout of the store's own (Virtuoso: 500 "SR171: Transaction timed out" at
  ``MaxQueryExecutionTime``; a 200 marked only ``X-SQL-State: S1TAT`` when a ``timeout=`` cut it,
  partial rows) is a 503 naming ``query_time_limit_ms``, never a partial answer;
- a SELECT cut at the store's own row cap (only an ``X-SPARQL-MaxRows`` header) below what
  ``max_result_rows`` asks for is a 503 naming the store's cap: the rows we would have to send are
  not all there;
- an evaluation error (Virtuoso's 500 for ``CONTAINS()`` on a non-string, where SPARQL says the
  filter is false) or a refused query is a 400 carrying the store's message;
- an ORDER BY with ``LIMIT max_result_rows+1`` over Virtuoso's ``MaxSortedTopRows`` (default
  10000: "SR353") is a 503 naming that parameter, which must be set above ``max_result_rows``;
- anything else not 200 is a 503 saying the store failed.

Virtuoso answers an ASK sent with ``default-graph-uri`` as a SELECT of one variable,
``__ASK_RETVAL``, bound to 1 or 0: read back as the boolean.

Virtuoso's literals (``mapped``): ``xsd:boolean`` comes back as "1"/"0", read as true/false;
``xsd:duration`` comes back as a number: whole months for a year-month duration ("12" for P1Y),
seconds with a decimal point for a day-time one ("259200.0" for P3D), read back as the canonical
duration. A duration with both parts is lost by Virtuoso on load (pactgraph's data has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from pactgraph.errors import LimitExceeded, QueryEngineUnavailable, QueryError

XSD = "http://www.w3.org/2001/XMLSchema#"
BOOLEAN, DURATION = XSD + "boolean", XSD + "duration"
TIMEOUT_STATE = "S1TAT"  # Virtuoso's SQL state for an answer cut by a timeout= parameter
ROW_CAP_HEADER = "X-SPARQL-MaxRows"
ASK_VARIABLE = "__ASK_RETVAL"
_STORE_TIMEOUT = re.compile(r"SR171|Transaction timed out|timeout", re.IGNORECASE)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def virtuoso(self) -> bool:
        return self.headers.get("server", "").startswith("Virtuoso")

    def message(self) -> str:
        text = self.body.decode("utf-8", "replace").strip()
        first = text.split("\n\nSPARQL query:", 1)[0].strip()
        return first[:500] or f"HTTP {self.status}"


def classify(reply: Reply, setting: str, time_limit_ms: int) -> None:
    """Raise what ``reply`` means when it is not a complete answer (see the module docstring)."""
    if reply.headers.get("x-sql-state", "").upper() == TIMEOUT_STATE:
        raise LimitExceeded("query_time_limit_ms", "the SPARQL store stopped the query at its "
                            "own time limit and sent only part of the answer, which pactgraph "
                            "does not pass on. Make the query cheaper: add LIMIT or narrow "
                            "its patterns")
    if reply.status == 200:
        return
    message = reply.message()
    if reply.status >= 500 and _STORE_TIMEOUT.search(message):
        raise LimitExceeded("query_time_limit_ms", f"the SPARQL store stopped the query at its "
                            f"own time limit ({message}). Make the query cheaper: add LIMIT or "
                            "narrow its patterns")
    if reply.virtuoso and "SR353" in message:  # ORDER BY with LIMIT over MaxSortedTopRows
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {setting} setting) sorts at most its MaxSortedTopRows rows, "
            f"fewer than the max_result_rows + 1 this server asks for: raise Virtuoso's "
            f"[Parameters] MaxSortedTopRows above max_result_rows ({message})")
    if 400 <= reply.status < 500 or (reply.status == 500 and reply.virtuoso
                                      and _is_virtuoso_query_error(message)):
        raise QueryError(f"the SPARQL store could not evaluate the query: {message}")
    raise QueryEngineUnavailable(f"the SPARQL store (the {setting} setting) failed to answer "
                                 f"(HTTP {reply.status}): {message}")


def _is_virtuoso_query_error(message: str) -> bool:
    # Virtuoso's SQL states for a query's own fault: 37000 (syntax), 22xxx (data: a function given
    # the wrong kind of value), 42xxx (unknown names).
    return bool(re.match(r"Virtuoso (37000|22\d\d\d|42\w\w\w) ", message))


def cut_by_store(reply: Reply, rows: int, wanted: int, setting: str) -> None:
    """Raise if the store cut a SELECT at its own row cap below the ``wanted`` rows."""
    cap = reply.headers.get(ROW_CAP_HEADER.lower())
    if cap is not None and rows < wanted:
        raise QueryEngineUnavailable(
            f"the SPARQL store (the {setting} setting) cut the answer at its own row limit "
            f"({cap} rows; Virtuoso's ResultSetMaxRows), below the max_result_rows this server "
            "sends; raise the store's limit above max_result_rows, or ask for fewer rows")


# --- Terms ---------------------------------------------------------------------------------------

def _duration(value: str) -> str | None:
    """Virtuoso's number for a duration, as the canonical xsd:duration; None if not a number."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if "." not in value and "e" not in value.lower():  # whole months
        months = int(number)
        sign, months = ("-" if months < 0 else ""), abs(months)
        years, months = divmod(months, 12)
        parts = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
        return f"{sign}P{parts or '0M'}"
    sign, seconds = ("-" if number < 0 else ""), abs(number)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    time = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if rest:
        time += f"{rest.normalize():f}S"
    text = (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")
    return f"{sign}P{text or 'T0S'}"


def mapped(term, virtuoso: bool):
    """``term`` as the data holds it: Virtuoso's booleans and durations read back (see above)."""
    if not virtuoso or not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    if datatype == BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    if datatype == DURATION and not term.value.lstrip("-").startswith("P"):
        duration = _duration(term.value)
        if duration is not None:
            return ox.Literal(duration, datatype=term.datatype)
    return term


# --- Answers -------------------------------------------------------------------------------------

class Solutions:
    """A SELECT's solutions as the writers of engine/results.py read them (``variables``, and
    rows indexed by position)."""

    def __init__(self, variables: list[ox.Variable], rows: list[tuple]) -> None:
        self.variables = variables
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)


def read_results(body: bytes, virtuoso: bool) -> tuple[str, object]:
    """A SPARQL JSON answer as ('ask', bool) or ('select', Solutions)."""
    try:
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as error:
        raise QueryEngineUnavailable(f"the SPARQL store answered what is not SPARQL JSON: "
                                     f"{error}") from None
    if isinstance(result, ox.QueryBoolean):
        return "ask", bool(result)
    variables = list(result.variables)
    if virtuoso and [variable.value for variable in variables] == [ASK_VARIABLE]:
        # Virtuoso answers an ASK sent with default-graph-uri as a SELECT of one integer.
        values = [solution[0] for solution in result]
        return "ask", bool(values) and values[0] is not None and values[0].value not in ("0", "")
    rows = [tuple(mapped(solution[index], virtuoso) for index in range(len(variables)))
            for solution in result]
    return "select", Solutions(variables, rows)


def read_triples(body: bytes, virtuoso: bool, complete: bool) -> list[ox.Triple]:
    """An N-Triples answer as triples; when the store's answer was not read to its end
    (``complete`` false), the last, possibly partial, line is left out."""
    if not complete:
        body = body[:body.rfind(b"\n") + 1]
    try:
        quads = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        return [ox.Triple(mapped(quad.subject, virtuoso), quad.predicate,
                          mapped(quad.object, virtuoso)) for quad in quads]
    except (SyntaxError, ValueError) as error:
        raise QueryEngineUnavailable(f"the SPARQL store answered what is not N-Triples: "
                                     f"{error}") from None

