"""Blueprint: search for a state or a commitment by any of its names, typos forgiven.

- ``/search?q=``: the results as a page (works without JavaScript; the search box on every page
  submits here);
- ``/api/search?q=&kind=&limit=``: the same results as JSON, which static/search.js asks as the
  reader types (documented in /openapi.json).

The index is built with the prebuilt store (build/search_index.py) and ranked by pages/search.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from pactgraph.build import search_index
from pactgraph.pages.search import KINDS, Hit, SearchIndex
from pactgraph.web.context import iri_map, memo

blueprint = Blueprint("search", __name__)

MAX_LIMIT = 50
MAX_QUERY = 200  # characters: names are shorter, and ranking costs grow with the query


def index() -> SearchIndex:
    return memo("search index", lambda p: SearchIndex(search_index.read(p.folder)))


def _arguments() -> tuple[str, str | None, int]:
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        abort(400, f"the search text is {len(text)} characters long; at most {MAX_QUERY} "
                   "are searched")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, f"kind {kind!r} is not one of: {', '.join(KINDS)}")
    limit_text = request.args.get("limit", "10")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        abort(400, f"limit {limit_text!r} is not a whole number from 1 to {MAX_LIMIT}")
    return text, kind, int(limit_text)


def _as_json(hit: Hit) -> dict[str, Any]:
    return {"iri": hit.iri, "url": iri_map().url_for(hit.iri), "kind": hit.kind,
            "label": hit.label, "matched": hit.matched, "matchedAs": hit.what,
            "score": hit.score}


@blueprint.get("/api/search")
def search_json() -> Response:
    text, kind, limit = _arguments()
    hits = index().find(text, limit, kind)
    return jsonify({"query": text, "results": [_as_json(hit) for hit in hits]})


@blueprint.get("/search")
def search_page() -> str:
    text, kind, limit = _arguments()
    hits = index().find(text, max(limit, 20), kind) if text.strip() else []
    return render_template("search.html", text=text, kind=kind, kinds=KINDS,
                           hits=[_as_json(hit) for hit in hits])
