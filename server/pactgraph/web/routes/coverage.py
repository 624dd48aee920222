"""Blueprint: ``/coverage``, what the dataset covers and what it leaves out, and why.

The page is computed once per app from the published graph (pages/coverage.py): the commitments
by area and status, how many invocations are recorded, and the commitments known but not
published, from the curated list in data/coverage.ttl.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from pactgraph.pages.coverage import UNASSIGNED, coverage
from pactgraph.web.context import memo

blueprint = Blueprint("coverage", __name__)


@blueprint.get("/coverage")
def coverage_page() -> str:
    view = memo("coverage", lambda p: coverage(p.graph))
    return render_template("coverage.html", coverage=view, unassigned=UNASSIGNED)
