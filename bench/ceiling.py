"""The ceiling: Flask answering every path with one constant JSON body, served as pactgraph is:
granian, the buffering front, ``pactgraph serve``'s threads per worker (``front``).

Nothing a web application can do is faster on this stack, so pactgraph's requests/s divided by this
one's says how much of the stack's capacity the application itself costs.
"""

from flask import Flask, Response

from pactgraph.web.buffering_front import BufferingFront
from pactgraph.web.server import ServerOptions

BODY = (b'{"head": {"vars": ["x"]}, "results": {"bindings": '
        b'[{"x": {"type": "literal", "value": "1"}}]}}')

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def constant(path: str) -> Response:
    return Response(BODY, content_type="application/sparql-results+json")


front = BufferingFront(app, ServerOptions().threads, max_body_bytes=1 << 20)
