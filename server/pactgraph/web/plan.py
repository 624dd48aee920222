"""The query plan: what is decided about a SPARQL query before it is evaluated, decided once.

Two paths answer queries: the lean WSGI path (web/middleware/lean_sparql.py) for a plain GET, and
the Flask endpoint (web/routes/sparql.py) for every other request and for what the lean path hands
over. Each reads its request its own way, then asks ``plan_query`` what to do with the query:

- the refusals, raised in the order the endpoint has always met them: a blank query, one longer
  than ``max_query_length``, a dataset IRI that is not absolute, SERVICE or a remote FROM
  (``check_query``, in the engine);
- the media type of each kind of result (``format`` overrides Accept);
- whether the answer may be remembered (not when it is the HTML page, which names this host, nor
  when two evaluations may differ: ``NOW()``...), its cache key and its ETag;
- the query worker's ``Job``;
- the headers of a remembered answer, and the signals of an answer cut by the row cap.

What the plan reads from the settings and the publication is gathered once per app in
``PlanFacts`` (``plan_facts``): a limit changed there changes both paths.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pactgraph import formats
from pactgraph.build.memory import CachedAnswer
from pactgraph.engine.base import KINDS, Answer, Job
from pactgraph.engine.outbound import check_query, is_absolute_iri
from pactgraph.errors import LimitExceeded, NotAcceptable, QueryError
from pactgraph.formats import offered_for
from pactgraph.web import negotiation
from pactgraph.web.caching import (
    cache_control,
    is_cacheable_query,
    make_etag,
    normalise_query,
    request_key,
)
from pactgraph.web.context import publication_of
from pactgraph.web.errors import ALLOW_ANY_ORIGIN
from pactgraph.web.headers import SECURITY_HEADERS

if TYPE_CHECKING:
    from flask import Flask

READ_ONLY = ("this endpoint is read-only: SPARQL updates are not accepted. Send a query "
             "(SELECT, ASK, CONSTRUCT or DESCRIBE) with the 'query' parameter instead.")
TRUNCATED_HEADER = "Pactgraph-Results-Truncated"
# For the HTML page the worker writes what the page is built from.
HTML_SOURCE = {"select": "application/sparql-results+json",
               "ask": "application/sparql-results+json", "graph": "text/turtle"}
_UPDATE_KEYWORD = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
                             re.IGNORECASE | re.MULTILINE)
# What Flask's after-request hooks add to every response (CORS, then the security headers: Flask
# runs hooks in reverse order of registration). A remembered answer carries them from the start,
# in that order, on both paths; the hooks then find them already set and change nothing.
_EVERY_RESPONSE = (ALLOW_ANY_ORIGIN, *SECURITY_HEADERS.items())
PLAN_FACTS = "plan facts"  # the key of the app's PlanFacts in its publication's memo


@dataclass(frozen=True)
class Operation:
    """A query request as the protocol defines it: the query text ('' when the request has none)
    and its RDF dataset, as read, not yet checked."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanFacts:
    """What the plan reads from the settings and the publication, gathered once per app."""

    max_query_length: int
    cache_max_age_seconds: int
    data_version: str              # the data part of every ETag
    graph_names: tuple[str, ...]   # the graphs a FROM clause may name
    base_url: str | None           # where this server is reached, if not the request's URL

    @classmethod
    def of(cls, settings: dict[str, Any], data_version: str,
           graph_names: tuple[str, ...]) -> PlanFacts:
        return cls(int(settings["max_query_length"]), int(settings["cache_max_age_seconds"]),
                   data_version, tuple(graph_names), settings["base_url"])


def plan_facts(app: Flask) -> PlanFacts:
    """The PlanFacts of a Flask ``app``, gathered from its publication on first use."""
    return publication_of(app).memo(PLAN_FACTS, lambda p: PlanFacts.of(
        p.settings, p.data_version, p.engine.graph_names))


def limits_url(facts: PlanFacts, url_root: str) -> str:
    """Where the limits (and the truncation signal) are documented on this server."""
    return (facts.base_url or url_root).rstrip("/") + "/-/settings.json"


@dataclass(frozen=True)
class Negotiated:
    """The media type of each kind of result for one ``format`` and Accept header (None: nothing
    acceptable for that kind), and what follows from them alone."""

    media_types: dict[str, str | None]
    page: bool                            # some kind is answered with the HTML query page
    written: dict[str, str | None]        # what the worker writes (for the page: its source)
    key_part: tuple[str, ...]             # the media types as the answer's cache key has them


@functools.lru_cache(maxsize=512)
def negotiate(format_name: str | None, accept: str | None) -> Negotiated:
    """The media types for each kind of result. The kind is known only once the query is
    evaluated, so all three are decided before.

    Memoised: clients send few distinct Accept headers, and parsing one three times was a tenth of
    a cached answer's time. The result is shared: read it, never change it.
    """
    chosen: dict[str, str | None] = {}
    accept = negotiation.with_aliases(accept, formats.ALIASES)
    for kind in KINDS:
        try:
            chosen[kind] = negotiation.choose_media_type(format_name, accept,
                                             (*offered_for(kind), formats.HTML))
        except NotAcceptable:
            chosen[kind] = None
    written = {kind: HTML_SOURCE[kind] if media == formats.HTML else media
               for kind, media in chosen.items()}
    return Negotiated(chosen, formats.HTML in chosen.values(), written,
                      tuple(f"{kind} {chosen[kind]}" for kind in KINDS))


@dataclass(frozen=True)
class QueryPlan:
    """What to do with one query; see the module's docstring. Build it with ``plan_query``."""

    operation: Operation
    negotiated: Negotiated
    key: str | None   # the answer's cache key; None when the answer may not be remembered
    facts: PlanFacts
    url_root: str     # the request's, for the link to the limits when base_url is not set

    @property
    def media_types(self) -> dict[str, str | None]:
        return self.negotiated.media_types

    @property
    def remember(self) -> bool:
        return self.key is not None

    @property
    def etag(self) -> str:
        if self.key is None:
            raise ValueError("only an answer that may be remembered has an ETag")
        return make_etag(self.facts.data_version, self.key)

    @property
    def job(self) -> Job:
        operation = self.operation
        return Job(operation.query, operation.default_graphs, operation.named_graphs,
                   self.negotiated.written, limits_url(self.facts, self.url_root))

    def remembered(self, answer: Answer) -> CachedAnswer:
        """``answer`` (complete, not cut by the row cap) as the answer cache keeps it."""
        return CachedAnswer(answer.body, formats.content_type(answer.media_type), self.etag)

    def answer_headers(self, answer: CachedAnswer) -> list[tuple[str, str]]:
        """Every header of a remembered answer, in the order both paths send them."""
        return [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body))),
                ("ETag", f'"{answer.etag}"'),
                ("Cache-Control", cache_control(self.facts.cache_max_age_seconds)),
                ("Vary", "Accept"), *_EVERY_RESPONSE]

    def truncation_headers(self) -> list[tuple[str, str]]:
        """The documented signal that the row cap cut an answer (see max_result_rows)."""
        link = limits_url(self.facts, self.url_root)
        return [(TRUNCATED_HEADER, "true"), ("Link", f'<{link}>; rel="describedby"')]

    def explained(self, error: QueryError) -> QueryError:
        """``error`` from evaluating the query, saying why when the query looks like an update
        (the parser's message would not)."""
        if _UPDATE_KEYWORD.search(self.operation.query):
            return QueryError(f"{error} (this looks like an update; {READ_ONLY})")
        return error


def plan_query(operation: Operation, format_name: str | None, accept: str | None,
               facts: PlanFacts, url_root: str) -> QueryPlan:
    """The plan for ``operation``; raises the first refusal it meets instead."""
    refuse(operation, facts)
    negotiated = negotiate(format_name, accept)
    key = None
    if not negotiated.page and is_cacheable_query(operation.query):
        key = request_key(normalise_query(operation.query), operation.default_graphs,
                          operation.named_graphs, negotiated.key_part)
    return QueryPlan(operation, negotiated, key, facts, url_root)


def refuse(operation: Operation, facts: PlanFacts) -> None:
    """Raise the first reason not to evaluate ``operation`` at all, if there is one."""
    query = operation.query
    if not query.strip():
        raise QueryError("the request has no 'query' parameter (or it is empty); send the SPARQL "
                         "query text as 'query'")
    if len(query) > facts.max_query_length:
        raise LimitExceeded("max_query_length",
                            f"the query is {len(query)} characters long; at most "
                            f"{facts.max_query_length} are accepted")
    for name, iris in (("default-graph-uri", operation.default_graphs),
                       ("named-graph-uri", operation.named_graphs)):
        for iri in iris:
            if not is_absolute_iri(iri):
                raise QueryError(f"the {name} parameter {iri!r} is not an absolute IRI")
    check_query(query, facts.graph_names)
