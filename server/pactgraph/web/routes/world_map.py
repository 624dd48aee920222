"""Blueprint: ``/explore/map?state=PHL``, a world map coloured by who must help the chosen state
if it is attacked (pages/world_map.py); the list beside it works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from pactgraph.namespaces import PG
from pactgraph.pages.world_map import map_view
from pactgraph.web.context import publication
from pactgraph.web.routes.explore import labeller, who_must_help_rows_about

blueprint = Blueprint("world_map", __name__)
DEFAULT_STATE = "PHL"
OBLIGATIONS_API = "/api/obligations"  # the obligations issue's API; the map asks it for dates


@blueprint.get("/explore/map")
def map_page() -> str:
    graph = publication().graph
    code = request.args.get("state", DEFAULT_STATE).strip().upper()[:3]
    states = [s for s in graph.subjects(PG.iso3166Alpha3, None)
              if str(graph.value(s, PG.iso3166Alpha3)) == code]
    if not states:
        abort(404, f"no state in the data has the ISO 3166-1 code {code!r}; the states are "
                   "listed at /states/")
    view = map_view(graph, states[0], labeller(), who_must_help_rows_about(str(states[0])))
    # Dates are offered only where the obligations API is served (static/map-dates.js).
    dated = any(rule.rule == OBLIGATIONS_API for rule in current_app.url_map.iter_rules())
    return render_template("world_map.html", view=view, api=OBLIGATIONS_API if dated else "")
