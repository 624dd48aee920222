"""Blueprint: the SPARQL 1.1 Protocol at ``/sparql`` (queries only; the store is read-only).

Request path: read the operation from the request (web/sparql_request.py), plan it (web/plan.py:
refusals, media types, caching, the worker's job and the headers, exactly as the lean path plans
it), answer from the answer cache or evaluate in a query worker, and respond. A GET without a
query describes the service (web/routes/sparql_pages.py). Every refusal is an exception from
``errors``; ``web_errors`` turns it into a status code.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from pactgraph import formats
from pactgraph.build.memory import CachedAnswer
from pactgraph.engine.base import Answer
from pactgraph.errors import QueryError
from pactgraph.web.caching import (
    not_modified,
    not_modified_response,
)
from pactgraph.web.context import publication
from pactgraph.web.fair_share import run_query
from pactgraph.web.middleware.front_cache import mark_reusable
from pactgraph.web.middleware.lean_sparql import take_handed_over
from pactgraph.web.plan import QueryPlan, plan_facts, plan_query
from pactgraph.web.routes.sparql_pages import describe_service, query_page
from pactgraph.web.sparql_request import read_format, read_operation

blueprint = Blueprint("sparql", __name__)


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    facts = plan_facts(current_app)
    format_name = read_format()
    operation = read_operation(facts.max_query_length)
    if operation is None:
        return describe_service(format_name)
    plan = plan_query(operation, format_name, request.headers.get("Accept"), facts,
                      request.url_root)
    # A remembered answer costs no evaluation; a new one is evaluated under every limit, and
    # remembered only if complete (not cut by the row cap).
    answers = publication().answers
    if plan.remember:
        hit = answers.get(plan.key)
        if hit is not None:
            return _remembered(hit, plan)
    answer = evaluate(plan)
    if plan.media_types[answer.kind] == formats.HTML:
        response = query_page(operation.query, answer)
    else:
        response = Response(answer.body, content_type=formats.content_type(answer.media_type))
    response.vary.add("Accept")
    if answer.truncated:
        for name, value in plan.truncation_headers():
            response.headers.add(name, value)
    elif plan.remember:
        stored = plan.remembered(answer)
        answers.put(plan.key, stored)
        return _remembered(stored, plan)
    return response


def evaluate(plan: QueryPlan) -> Answer:
    """The answer to the plan's job from a query worker, within the configured limits (or the
    outcome the lean path already had for it)."""
    job = plan.job
    try:
        return (take_handed_over(request.environ, job)
                or run_query(current_app, request.environ, job))
    except QueryError as error:
        raise plan.explained(error) from None


def _remembered(answer: CachedAnswer, plan: QueryPlan) -> Response:
    """A remembered answer, or 304 if the client's copy (If-None-Match) is this one.

    The same request again may then be answered by the front cache, without reaching Flask.
    """
    max_age = plan.facts.cache_max_age_seconds
    if not_modified(request, answer.etag):
        return not_modified_response(answer.etag, max_age)
    mark_reusable(request.environ)
    return Response(answer.body, headers=plan.answer_headers(answer))
