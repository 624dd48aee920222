"""The bare ceiling: a WSGI callable returning one constant body, under granian (``app``).

No framework, no front: what granian itself can serve on this machine. pactgraph's repeated
questions are measured against it (issue 15: at least half of it).
"""

BODY = (b'{"head": {"vars": ["x"]}, "results": {"bindings": '
        b'[{"x": {"type": "literal", "value": "1"}}]}}')
HEADERS = [("Content-Type", "application/sparql-results+json"),
           ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
