"""The app factory: settings -> publication -> blueprints and middleware.

Everything expensive happens in ``build_publication`` (build/publication.py), once per version of
the input files: parsing them, validating them against the shapes and building the immutable store;
a later start only opens that store. The blueprints reach the publication through web/context.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from pactgraph import settings as settings_table
from pactgraph.build.publication import Prepared, build_publication
from pactgraph.web import context
from pactgraph.web.metrics import Counting, routed_segments
from pactgraph.web.middleware.front_cache import FrontCache, mark_reusable_page


def create_app(config: dict[str, Any] | None = None, prepared: Prepared | None = None) -> Flask:
    """Build the pactgraph application. ``config`` overrides entries of the settings table;
    ``prepared`` is the prebuilt store a parent process built for it (web/server.py)."""
    settings = settings_table.resolve(config)
    app = CountedFlask("pactgraph")  # the package: templates/ and static/ live at its root
    app.config["PACTGRAPH"] = settings
    app.json.sort_keys = False
    context.attach(app, build_publication(settings, prepared))

    from pactgraph.web import errors as web_errors
    from pactgraph.web import fair_share
    from pactgraph.web.middleware.lean_sparql import QueryPath
    from pactgraph.web.routes import (
        api,
        coverage,
        discovery,
        dumps,
        explore,
        health,
        indexes,
        openapi,
        releases,
        search,
        sparql,
        tables,
        world_map,
    )
    from pactgraph.web.routes import documents as resources

    web_errors.register(app)
    fair_share.install(app, settings)  # each client's share of the query workers
    app.after_request(mark_reusable_page)  # registered last, so it runs before security and CORS
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(dumps.blueprint)
    app.register_blueprint(tables.blueprint)  # /download/tables/: CSV for people (issue 18)
    app.register_blueprint(discovery.blueprint)  # /sitemap.xml, /robots.txt (issue 18)
    app.register_blueprint(releases.blueprint)  # /releases/{version}/... (issue 18)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(coverage.blueprint)  # /coverage (issue 14)
    app.register_blueprint(health.blueprint)  # /healthz
    app.register_blueprint(search.blueprint)  # /search, /api/search (issue 17)
    app.register_blueprint(indexes.blueprint)  # /states/, /commitments/ (issue 17)
    app.register_blueprint(world_map.blueprint)  # /explore/map (issue 17)
    app.register_blueprint(api.blueprint)  # /api/obligations (issue 13)
    app.register_blueprint(openapi.blueprint)  # /openapi.json, the HTTP interface (issue 4)
    app.register_blueprint(resources.blueprint)  # last: it serves the catch-all resource paths
    # Before Flask is entered (issue 6): a plain SPARQL GET is answered by the lean path
    # (web/middleware/lean_sparql.py), and a repeated GET from memory
    # (web/middleware/front_cache.py).
    app.front_cache = FrontCache(QueryPath(app.wsgi_app, app), context.answers_of(app))
    app.wsgi_app = app.front_cache
    # Outside every WSGI layer: each request counted for /metrics, however it is answered.
    app.counting = Counting(lambda environ, start: app.wsgi_app(environ, start),
                            routed_segments(rule.rule for rule in app.url_map.iter_rules()),
                            context.answers_of(app))
    return app


Remembered = tuple[int, list[tuple[str, str]], bytes]  # a status code, headers and a body


class CountedFlask(Flask):
    """Flask, with every request counted (web/metrics.py) before it reaches ``wsgi_app``, the
    stack of WSGI layers, which stays as it was for whoever looks at it."""

    counting: Counting | None = None
    front_cache: FrontCache | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.counting is None:
            return super().__call__(environ, start_response)
        return self.counting(environ, start_response)

    def remembered(self, environ: dict[str, Any]) -> Remembered | None:
        """The response the front cache holds for ``environ`` (status code, headers, body),
        counted as ``__call__`` would count it; None if it holds none. Calling this costs no
        Flask and no thread: web/buffering_front.py asks it on its event loop."""
        if self.front_cache is None or self.counting is None:
            return None
        stored = self.front_cache.remembered(environ)
        if stored is None:
            return None
        code = stored.status.split(" ", 1)[0]
        self.counting.count(environ, code)
        body = stored.body if environ["REQUEST_METHOD"] == "GET" else b""
        return int(code), stored.headers_now(), body
