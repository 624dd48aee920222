"""The ceiling: Flask under gunicorn answering every path with one constant JSON body.

Nothing a web application can do is faster on this stack, so pactgraph's requests/s divided by this
one's says how much of the stack's capacity the application itself costs.
"""

from flask import Flask, Response

BODY = (b'{"head": {"vars": ["x"]}, "results": {"bindings": '
        b'[{"x": {"type": "literal", "value": "1"}}]}}')

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def constant(path: str) -> Response:
    return Response(BODY, content_type="application/sparql-results+json")
