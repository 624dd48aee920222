"""``/healthz``: whether this server process can answer queries, and whether its query workers are
cut off from the network (engine/sandbox.py). Never cached: it says how things are now."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from pactgraph.engine.pool import executor_for
from pactgraph.engine.sandbox import ISOLATED

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    executor = executor_for(current_app)
    executor.start()
    workers = len(executor.pids())
    ready = workers > 0
    warnings = []
    if executor.isolation != ISOLATED:
        warnings.append(f"query workers can reach the network ({executor.isolation}): SERVICE "
                        "is refused by reading the query text only")
    body = {
        "status": "ready" if ready else "not ready",
        "query_workers": {"running": workers, "configured": executor.limits.workers,
                          "network": "none" if executor.isolation == ISOLATED else "reachable",
                          "isolation": executor.isolation},
        "warnings": warnings,
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
