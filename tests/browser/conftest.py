"""Fixtures for the end-to-end tests: a real HTTP server on a loopback socket, headless Chromium.

The server runs the session's app (and variants) under werkzeug in a thread, behind a wrapper
that adds the strict Content-Security-Policy the pages must live with (``default-src 'self'``, no
inline script, no inline style but the one stylesheet the editor's results table injects, admitted
by its hash) to every response, beside the app's own policy. A browser enforces every policy it is
sent, so the pages are held to the strict one whatever the app's hardening layer chooses, and the
tests fail on any violation the browser reports (tests/browser/test_strict_policy.py proves that
the wrapper holds a page to it even when the app's own policy would let it through).

Chromium is Debian's (/usr/bin/chromium, installed by tools/install-test-deps.sh), driven by
Playwright's Python package; Playwright's own browser download is never used.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from pactgraph.web.routes.sparql_pages import YASR_COLUMN_STYLE_HASH

STRICT_CSP = ("default-src 'self'; script-src 'self'; "
              f"style-src 'self' {YASR_COLUMN_STYLE_HASH}; img-src 'self' data:; "
              "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
              "frame-ancestors 'none'; form-action 'self'")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Records what the page reports: CSP violations and uncaught errors.
WATCH_SCRIPT = """
window.__problems = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__problems.push('CSP ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
window.addEventListener('error', function (e) { window.__problems.push('error ' + e.message); });
"""


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: run tools/install-test-deps.sh (the README's test "
                "command does)")


def with_csp(app: Callable) -> Callable:
    """The WSGI app ``app`` with STRICT_CSP added to every response, as a policy of its own: the
    browser enforces it and the app's policy both, so neither can loosen the other."""
    def wsgi(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Content-Security-Policy", STRICT_CSP)],
                                  exc_info)
        return app(environ, start)
    return wsgi


@dataclass
class ThreadedServer:
    url: str
    server: object = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def serve_in_thread(app: Callable) -> ThreadedServer:
    # One long-lived serving thread, not a thread per request: the query executor's workers are
    # tied to the thread that starts them (PR_SET_PDEATHSIG fires when that *thread* exits), so a
    # per-request thread would take its workers down with it when the request ends.
    server = make_server("127.0.0.1", 0, with_csp(app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return ThreadedServer(f"http://127.0.0.1:{server.server_port}", server, thread)


@pytest.fixture(scope="session")
def site(app: Flask) -> Iterator[ThreadedServer]:
    """The bundled data, served over a real socket."""
    server = serve_in_thread(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One browser page with its network log and the problems the page reported."""

    page: object
    requests: list[str]
    console_errors: list[str]

    def problems(self) -> list[str]:
        return list(self.page.evaluate("window.__problems || []")) + self.console_errors

    def outside_requests(self, origin: str) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(origin + "/") and not url.startswith("data:")]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


@pytest.fixture()
def open_page(browser) -> Iterator[Callable[..., Visit]]:
    """``open_page(viewport=DESKTOP, javascript=True)``: a fresh page in a fresh context."""
    contexts = []

    def open_(viewport: dict | None = None, javascript: bool = True) -> Visit:
        context = browser.new_context(viewport=viewport or DESKTOP, java_script_enabled=javascript,
                                      service_workers="block")
        contexts.append(context)
        context.add_init_script(WATCH_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(20_000)
        visit = Visit(page, [], [])
        page.on("request", lambda request: visit.requests.append(request.url))
        page.on("console", lambda message: visit.console_errors.append(message.text)
                if message.type == "error" else None)
        return visit

    yield open_
    for context in contexts:
        context.close()
