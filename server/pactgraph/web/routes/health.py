"""``/healthz``: whether this server process can answer queries, and whether its query workers are
cut off from the network (engine/sandbox.py). Never cached: it says how things are now."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from pactgraph.web.context import publication

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    health = publication().engine.health()
    ready = health.running > 0
    warnings = []
    if not health.network_isolated:
        warnings.append(f"query workers can reach the network ({health.isolation}): SERVICE "
                        "is refused by reading the query text only")
    body = {
        "status": "ready" if ready else "not ready",
        "query_workers": {"running": health.running, "configured": health.configured,
                          "network": "none" if health.network_isolated else "reachable",
                          "isolation": health.isolation},
        "warnings": warnings,
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
