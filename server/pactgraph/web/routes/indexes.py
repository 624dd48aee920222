"""Blueprint: the states index (``/states/``) and the commitments index (``/commitments/``),
filtered and sorted by URL parameters (``q``, ``sort``, ``desc``, and ``kind`` / ``status`` for
commitments), so that they work without JavaScript; what they list is built in pages/indexes.py.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from pactgraph.pages.indexes import (
    COMMITMENT_SORTS,
    STATE_SORTS,
    commitment_rows,
    listing,
    state_rows,
)
from pactgraph.pages.labeller import Labeller
from pactgraph.web.context import iri_map, memo
from pactgraph.web.routes.explore import who_must_help_rows

blueprint = Blueprint("indexes", __name__)


def _asked() -> tuple[str, str, bool]:
    return (request.args.get("q", "")[:200], request.args.get("sort", ""),
            request.args.get("desc", "") in ("1", "true", "yes"))


@blueprint.get("/states/")
def states() -> str:
    rows = memo("states index", lambda p: state_rows(p.graph, who_must_help_rows()))
    text, sort, descending = _asked()
    shown = listing(rows, text, sort, descending, STATE_SORTS, ("name", "iso"), {})
    return render_template("states.html", listing=shown, sorts=STATE_SORTS, urls=iri_map())


@blueprint.get("/commitments/")
def commitments() -> str:
    rows = memo("commitments index",
                lambda p: commitment_rows(p.graph, Labeller(p.graph, iri_map())))
    text, sort, descending = _asked()
    filters = {name: request.args.get(name, "") for name in ("kind", "status")}
    shown = listing(rows, text, sort, descending, COMMITMENT_SORTS, ("title",), filters)
    return render_template("commitments.html", listing=shown, sorts=COMMITMENT_SORTS,
                           urls=iri_map())
