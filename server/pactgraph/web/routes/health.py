"""``/healthz`` and ``/metrics``: how this server process is, for load balancers and Prometheus.

- ``/healthz/live``: the process answers HTTP (nothing else is looked at; restart it if not);
- ``/healthz/ready`` (and ``/healthz``, its older name): the store is open and the engine can
  answer queries (query workers up, or the remote store reachable), and whether the query
  workers are cut off from the network (engine/sandbox.py); 503 when not ready, so that a
  balancer takes the replica out until it is;
- ``/metrics``: the counters of web/metrics.py, in Prometheus's text format.

Never cached: each says how things are now. Their OpenAPI operations are ``OPENAPI_PATHS``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from pactgraph.web import metrics
from pactgraph.web.context import publication

blueprint = Blueprint("health", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/healthz/live")
def live() -> Response:
    return _no_store(jsonify({"status": "live"}))


@blueprint.get("/healthz")
@blueprint.get("/healthz/ready")
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
    return _no_store(response)


@blueprint.get("/metrics")
def prometheus_metrics() -> Response:
    return _no_store(Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE))


HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "query_workers", "warnings"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not ready"]},
        "query_workers": {"type": "object", "properties": {
            "running": {"type": "integer"}, "configured": {"type": "integer"},
            "network": {"type": "string", "enum": ["none", "reachable"]},
            "isolation": {"type": ["string", "null"]}}},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_READY = {"get": {
    "summary": "Readiness: the store is open and the engine can answer queries; whether the "
               "query workers are cut off from the network",
    "responses": {
        "200": _json("Ready (never cached); `warnings` says if the query workers can reach the "
                     "network.", HEALTH_SCHEMA),
        "503": _json("Not ready: no query worker is running, or the remote store does not "
                     "answer. A balancer should send requests elsewhere.", HEALTH_SCHEMA)}}}

OPENAPI_PATHS = {
    "/healthz": _READY,
    "/healthz/ready": _READY,
    "/healthz/live": {"get": {
        "summary": "Liveness: the process answers HTTP",
        "responses": {"200": _json("Live (never cached).", {
            "type": "object", "required": ["status"],
            "properties": {"status": {"const": "live"}}})}}},
    "/metrics": {"get": {
        "summary": "Counters in the Prometheus text format, summed over the server's processes: "
                   "requests by route and status, query time, queries stopped at a limit "
                   "(killed query workers, waits for a worker), answer cache hits",
        "responses": {"200": {"description": "Prometheus text exposition format 0.0.4.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
}
