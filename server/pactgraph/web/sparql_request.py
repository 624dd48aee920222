"""Reading a SPARQL 1.1 Protocol request in Flask: the query operation it carries, and its format.

A query comes as the ``query`` parameter of a GET or of a form POST, or as the body of an
``application/sparql-query`` POST; its dataset as ``default-graph-uri`` and ``named-graph-uri``
parameters. Updates, in either form, are refused here: an update never becomes an operation. What
is read is checked by the plan (web/plan.py), not here; only the reading of a body stops at the
length limit, so that an over-long body is never read whole.
"""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from pactgraph.errors import LimitExceeded, QueryError, UnsupportedOperation
from pactgraph.web.plan import READ_ONLY, Operation

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
# Parameters that make a GET a query request; `format` alone still asks for the description.
PROTOCOL_PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "update",
                       "using-graph-uri", "using-named-graph-uri")


def read_format() -> str | None:
    """The ``format`` parameter, from the URL or, in a form POST, from the form."""
    format_name = request.args.get("format")
    if not format_name and request.method == "POST" and request.mimetype == FORM:
        format_name = request.form.get("format")
    return format_name


def read_operation(max_query_length: int) -> Operation | None:
    """The query operation the request carries, or None for a plain GET (describe the service)."""
    if request.method in ("GET", "HEAD"):
        parameters = request.args
        _refuse_updates(parameters)
        if not any(name in parameters for name in PROTOCOL_PARAMETERS):
            return None
        query = _single_query(parameters)
    elif request.mimetype == FORM:
        # werkzeug caps each form field (max_form_memory_size) and answers 413 beyond it.
        parameters = MultiDict([*request.args.items(multi=True), *request.form.items(multi=True)])
        _refuse_updates(parameters)
        query = _single_query(parameters)
    elif request.mimetype == QUERY_BODY:
        parameters = request.args
        if "query" in parameters:
            raise QueryError("a query posted as application/sparql-query is the request body; "
                             "remove the 'query' URL parameter")
        query = _query_body(max_query_length)
    elif request.mimetype == UPDATE_BODY:
        raise UnsupportedOperation(READ_ONLY)
    else:
        given = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"cannot read a SPARQL request from {given}; POST either {FORM} (with a 'query' "
            f"parameter) or {QUERY_BODY} (the query as the body)")
    return Operation(query or "", tuple(parameters.getlist("default-graph-uri")),
                     tuple(parameters.getlist("named-graph-uri")))


def _single_query(parameters: MultiDict) -> str | None:
    queries = parameters.getlist("query")
    if len(queries) > 1:
        raise QueryError(f"the request has {len(queries)} 'query' parameters; send exactly one")
    return queries[0] if queries else None


def _refuse_updates(parameters: MultiDict) -> None:
    if "update" in parameters:
        raise UnsupportedOperation(READ_ONLY)


def _query_body(max_query_length: int) -> str:
    """The body of an application/sparql-query POST, read no further than the length limit."""
    limit_bytes = 4 * max_query_length  # a character is at most four bytes of UTF-8
    if request.content_length is not None and request.content_length > limit_bytes:
        raise LimitExceeded("max_query_length",
                            f"the request body is {request.content_length} bytes long; queries "
                            f"of at most {max_query_length} characters are accepted")
    body = request.stream.read(limit_bytes + 1)
    if len(body) > limit_bytes:
        raise LimitExceeded("max_query_length", "the request body is longer than any "
                            f"query of at most {max_query_length} characters")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QueryError(f"the query is not valid UTF-8 text ({error.reason} at byte "
                         f"{error.start})") from None
