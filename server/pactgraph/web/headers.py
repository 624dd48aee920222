"""Response headers that protect readers of our HTML, and the request-size limit: one table.

``SECURITY_HEADERS`` is sent with every response (harmless on non-HTML ones, and it keeps a JSON
or Turtle body from being sniffed as HTML). ``CONTENT_SECURITY_POLICY`` goes on HTML responses:
our own scripts, styles, images and fonts only (no inline scripts, no external hosts), no framing,
no plugins, forms posting only to us.

Per-blueprint override hook: a blueprint whose pages need more (say a vendored widget that sets
inline styles) calls, at import time,

    security.relax_csp("explore", "style-src", "'unsafe-inline'")

which adds the sources to that directive for responses of views of the blueprint named
``explore`` only; everything else keeps the strict policy. Each relaxation should carry a
comment saying why.
"""

from __future__ import annotations

from flask import Flask, Response, request

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers older than CSP frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
}

CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

_RELAXED: dict[str, dict[str, tuple[str, ...]]] = {}


def relax_csp(blueprint: str, directive: str, *sources: str) -> None:
    """Add ``sources`` to ``directive`` of the policy, for views of ``blueprint`` only."""
    extra = _RELAXED.setdefault(blueprint, {})
    extra[directive] = (*extra.get(directive, ()), *sources)


def content_security_policy(blueprint: str | None) -> str:
    extra = _RELAXED.get(blueprint or "", {})
    directives = {name: (*sources, *extra.get(name, ()))
                  for name, sources in CONTENT_SECURITY_POLICY.items()}
    for name, sources in extra.items():
        directives.setdefault(name, sources)
    return "; ".join(f"{name} {' '.join(dict.fromkeys(sources))}"
                     for name, sources in directives.items())


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = content_security_policy(
            request.blueprint)
    return response


def install(app: Flask) -> None:
    """The request-size limit (setting ``max_request_bytes``) and the headers above."""
    max_bytes = int(app.config["PACTGRAPH"]["max_request_bytes"])
    app.config["MAX_CONTENT_LENGTH"] = max_bytes
    # werkzeug's per-field form limit (500 kB by default) follows the same setting.
    app.config["MAX_FORM_MEMORY_SIZE"] = max_bytes
    app.after_request(add_security_headers)
