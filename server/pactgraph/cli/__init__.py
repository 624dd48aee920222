"""The ``pactgraph`` command: thin wrappers around library functions.

Each subcommand parses its options, calls into the library and turns a ``PactgraphError`` into a
message on stderr and a non-zero exit; no stack trace reaches the user for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pactgraph import settings as settings_table
from pactgraph.errors import DataNotConforming, NotAcceptable, PactgraphError
from pactgraph.knowledge.sources import Knowledge
from pactgraph.web import negotiation


def command_validate(args: argparse.Namespace) -> int:
    overrides = {"data_paths": args.paths} if args.paths else {}
    if args.shapes:
        overrides["shapes_paths"] = args.shapes
    knowledge = Knowledge.from_settings(settings_table.resolve(overrides))
    report = knowledge.validate()
    print(report.text())
    return 0 if report.conforms else 1


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the options of serve, query and export override."""
    overrides: dict[str, Any] = {}
    if getattr(args, "data", None):
        overrides["data_paths"] = args.data
    if getattr(args, "shapes", None):
        overrides["shapes_paths"] = args.shapes
    if getattr(args, "base_url", None):
        overrides["base_url"] = args.base_url
    for name in SERVE_SETTINGS:
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    return settings_table.resolve(overrides)


# Settings of the table that `pactgraph serve` takes as options (--query-time-limit-ms...), with
# the table's help text; the limits of a public endpoint are set where it is started.
SERVE_SETTINGS: tuple[str, ...] = (
    "query_time_limit_ms", "max_result_rows", "max_query_length", "query_workers",
    "query_queue_time_limit_ms", "query_memory_limit_mb", "max_request_bytes",
    "cache_max_entries", "cache_max_bytes", "cache_max_age_seconds", "store_dir")


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {text!r}")
    return value


def _add_setting_options(parser: argparse.ArgumentParser) -> None:
    for name in SERVE_SETTINGS:
        default = settings_table.DEFAULTS[name]
        kind = _whole_number if isinstance(default, int) else str
        shown = f" (default: {default})" if default is not None else ""
        parser.add_argument("--" + name.replace("_", "-"), type=kind, dest=name,
                            metavar="DIR" if kind is str else "N",
                            help=settings_table.HELP[name].replace("%", "%%") + shown)


def _published(args: argparse.Namespace):
    """What the server would publish: query and export see exactly that, validated the same way."""
    from pactgraph.web.app import build_published
    return build_published(_settings(args))


def _unvalidated_store(args: argparse.Namespace):
    """The store the server would build, without validation: one can query data one is fixing."""
    from pactgraph.engine.store import TripleStore
    return TripleStore.from_knowledge(Knowledge.from_settings(_settings(args)))


def _refuse_nonconforming(error: DataNotConforming) -> int:
    print(error.report.text(), file=sys.stderr)
    print("pactgraph: the data does not conform to the shapes; fix it (see `pactgraph validate`)",
          file=sys.stderr)
    return 1


def command_serve(args: argparse.Namespace) -> int:
    from pactgraph.web.server import ServerOptions, serve
    options = ServerOptions(host=args.host, port=args.port, workers=args.workers,
                            threads=args.threads, access_log=args.access_log)
    try:
        serve(_settings(args), options)  # returns only if gunicorn does
    except DataNotConforming as error:
        return _refuse_nonconforming(error)
    return 0


QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "ttl", "jsonld", "nt", "rdf", "nq", "trig")


def command_query(args: argparse.Namespace) -> int:
    from pactgraph.engine.answers import answer
    from pactgraph.engine.pool import KINDS
    from pactgraph.engine.store import check_query, offered_for
    from pactgraph.web.routes.sparql import compact_iri
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
    from pactgraph.engine.store import offered_for
    from pactgraph.web.routes.sparql import choose_media_type
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


EXPORT_FORMATS = ("ttl", "jsonld", "nt", "rdf")


def command_export(args: argparse.Namespace) -> int:
    from pactgraph.web.routes.dumps import dump_body
    try:
        published = _published(args)
    except DataNotConforming as error:
        return _refuse_nonconforming(error)
    media_type = negotiation.media_type_for(args.format)
    # The same bytes as /download/pactgraph.{ext}, written when the store was built.
    body = dump_body(published, f"pactgraph.{negotiation.EXTENSION[media_type].lstrip('.')}")
    if args.output:
        Path(args.output).write_bytes(body)
        print(f"wrote {len(published.graph)} triples to {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def command_synth(args: argparse.Namespace) -> int:
    from pactgraph.knowledge.synth import synthesize
    bundled = settings_table.DEFAULTS["data_paths"]
    report = synthesize(args.data or bundled, args.scale, Path(args.output), protected=bundled)
    print(report.text(), file=sys.stderr)
    return 0


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", metavar="PATH",
                        help="data files or folders (default: the bundled data/)")
    parser.add_argument("--shapes", nargs="+", metavar="PATH",
                        help="shapes files or folders (default: the bundled shapes/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pactgraph", description="Mutual-defense treaties as linked data.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="check the data against the SHACL shapes",
        description="Load the ontology and the data (or the given files), validate them against "
                    "the shapes and print a report; exit 1 on any violation.")
    validate.add_argument("paths", nargs="*",
                          help="data files or folders (default: the bundled data/)")
    validate.add_argument("--shapes", nargs="+", help="shapes files or folders (default: shapes/)")
    validate.set_defaults(handler=command_validate)

    serve = commands.add_parser(
        "serve", help="serve the linked data and the SPARQL endpoint (gunicorn)",
        description="Load and validate the data once, then serve it with gunicorn (threaded "
                    "workers). Refuses to start, printing the SHACL report, if the data does not "
                    "conform to the shapes.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: "
                       "127.0.0.1; use 0.0.0.0 to listen on every interface)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--base-url", help=settings_table.HELP["base_url"])
    from pactgraph.web.server import ServerOptions

    defaults = ServerOptions()
    serve.add_argument("--workers", type=int, default=defaults.workers,
                       help=f"worker processes (default: {defaults.workers})")
    serve.add_argument("--threads", type=int, default=defaults.threads,
                       help=f"threads per worker (default: {defaults.threads})")
    serve.add_argument("--access-log", action="store_true", help="log every request to stdout")
    _add_data_options(serve)
    _add_setting_options(serve)
    serve.set_defaults(handler=command_serve)

    query = commands.add_parser(
        "query", help="run a SPARQL query against the local data",
        description="Evaluate a SPARQL query over the ontology and the data as the server "
                    "would load them (without validating them, so data being fixed can be "
                    "queried) and print the result: SELECT and ASK as an aligned table by "
                    "default, CONSTRUCT and DESCRIBE as Turtle. The prefixes pg:, id:, rdfs:... "
                    "are predeclared.")
    query.add_argument("query", help="the SPARQL query text")
    query.add_argument("--format", choices=QUERY_FORMATS,
                       help="table (default for SELECT/ASK), json, xml, csv or tsv; ttl (default "
                            "for CONSTRUCT/DESCRIBE), jsonld, nt, rdf, nq or trig")
    _add_data_options(query)
    query.set_defaults(handler=command_query)

    export = commands.add_parser(
        "export", help="write a dump of the ontology and the data",
        description="Validate, then write the published graph (ontology and data) in one RDF "
                    "format: the same bytes as the server's /download/pactgraph.{ext}. Refuses "
                    "data that does not conform to the shapes, as the server does.")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="ttl",
                        help="ttl (default), jsonld, nt or rdf")
    export.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    _add_data_options(export)
    export.set_defaults(handler=command_export)

    synth = commands.add_parser(
        "synth", help="write synthetic data at N times the bundled size (for benchmarks)",
        description="Write the bundled data plus synthetic copies of its treaties (renamed "
                    "id/.../synthetic-N-... IRIs, a placeholder source, no Wikidata links) to a "
                    "folder, N times the bundled data in all. Never writes into the data folder.")
    synth.add_argument("--scale", type=int, required=True, help="N: 10, 100, 1000...")
    synth.add_argument("--output", required=True, metavar="DIR", help="folder to write")
    synth.add_argument("--data", nargs="+", metavar="PATH",
                       help="data files or folders to copy (default: the bundled data/)")
    synth.set_defaults(handler=command_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PactgraphError as error:
        print(f"pactgraph: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
