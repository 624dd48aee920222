"""The browser fixture holds pages to the strict Content-Security-Policy, whatever the app sends.

A page of a small Flask app of our own, whose own policy lets an inline script and an inline style
through, is served by the fixture's wrapper: the browser must block both and report it, as it would
for a page of ours that the app's hardening layer were ever to loosen.
"""

from __future__ import annotations

from flask import Flask

from .conftest import serve_in_thread

LAX_POLICY = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'"
PAGE = ("<!doctype html><html lang='en'><head><title>lax</title>"
        "<style>body { color: rgb(255, 0, 0) }</style></head>"
        "<body><p>inline</p><script>window.__ran = true</script></body></html>")


def lax_app() -> Flask:
    app = Flask("lax")

    @app.get("/")
    def page():
        return PAGE, 200, {"Content-Security-Policy": LAX_POLICY}

    return app


def test_the_strict_policy_holds_where_the_apps_own_would_not(open_page):
    server = serve_in_thread(lax_app())
    try:
        visit = open_page()
        visit.page.goto(server.url + "/")
        visit.page.wait_for_load_state("load")
        assert visit.page.evaluate("window.__ran === undefined")
        color = visit.page.evaluate("getComputedStyle(document.body).color")
        assert color != "rgb(255, 0, 0)"
        problems = visit.problems()
        assert any(problem.startswith("CSP script-src") for problem in problems), problems
        assert any(problem.startswith("CSP style-src") for problem in problems), problems
    finally:
        server.stop()
