"""``pactgraph query``: a SPARQL query over the local files, printed as a table or in a format.

The query is the user's own, on their machine: no row cap and no time limit, but the same refusals
as the endpoint (SERVICE, remote FROM graphs), and the data is not validated first, so data being
fixed can be queried.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pactgraph.cli.commands import settings_from
from pactgraph.errors import NotAcceptable
from pactgraph.knowledge.sources import Knowledge


def _unvalidated_store(args: argparse.Namespace):
    """The store the server would build, without validation: one can query data one is fixing."""
    from pactgraph.engine.store import TripleStore
    return TripleStore.from_knowledge(Knowledge.from_settings(settings_from(args)))


QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "ttl", "jsonld", "nt", "rdf", "nq", "trig")


def command_query(args: argparse.Namespace) -> int:
    from pactgraph.engine.answers import answer
    from pactgraph.engine.base import KINDS
    from pactgraph.engine.outbound import check_query
    from pactgraph.formats import offered_for
    from pactgraph.namespaces import compact_iri
    store = _unvalidated_store(args)
    check_query(args.query, store.graph_names)
    names = {kind: args.format or ("ttl" if kind == "graph" else "table") for kind in KINDS}
    # A local query is the user's own: no row cap (the server's max_result_rows does not apply).
    answered = answer(store.engine, args.query,
                      {kind: _query_media_type(names[kind], kind) for kind in KINDS}, None)
    if answered.written is None:
        raise NotAcceptable(list(offered_for(answered.kind)))
    if names[answered.kind] == "table":
        print(results_table(json.loads(answered.written.body), compact_iri))
    else:
        sys.stdout.buffer.write(answered.written.body)
        sys.stdout.flush()
    return 0


def _query_media_type(name: str, kind: str) -> str | None:
    """What ``pactgraph query --format name`` writes a result of ``kind`` in; None if nothing."""
    from pactgraph.formats import offered_for
    from pactgraph.web.negotiation import choose_media_type
    if name == "table" and kind != "graph":
        return "application/sparql-results+json"  # the table is built from SPARQL JSON
    try:
        return choose_media_type(name, None, offered_for(kind))
    except NotAcceptable:
        return None


def results_table(document: dict[str, Any], compact=str) -> str:
    """SPARQL JSON results as an aligned text table (or "true"/"false" for ASK)."""
    if "boolean" in document:
        return "true" if document["boolean"] else "false"
    variables = document["head"]["vars"]
    rows = [[_cell_text(binding.get(variable), compact) for variable in variables]
            for binding in document["results"]["bindings"]]
    widths = [max([len(variable), *(len(row[i]) for row in rows)])
              for i, variable in enumerate(variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)


def _cell_text(term: dict | None, compact) -> str:
    from pactgraph.pages.result_cells import term_text
    return "" if term is None else term_text(term, compact)



