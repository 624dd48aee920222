"""The ``pactgraph`` command: its parser and ``main``. The commands are thin wrappers around
library functions (cli/commands.py, cli/query.py); a ``PactgraphError`` becomes a message on stderr
and a non-zero exit, so no stack trace reaches the user for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import sys

from pactgraph import formats
from pactgraph import settings as settings_table
from pactgraph.cli.commands import (
    EXPORT_FORMATS,
    add_setting_options,
    command_export,
    command_publish,
    command_release,
    command_serve,
    command_synth,
    command_validate,
)
from pactgraph.cli.query import QUERY_FORMATS, command_query
from pactgraph.errors import PactgraphError


def _add_data_options(parser: argparse.ArgumentParser, data: bool = True,
                      format_alias: bool = False) -> None:
    if data:
        parser.add_argument("--data", nargs="+", metavar="PATH",
                            help="data files or folders (default: the bundled data/): Turtle, "
                                 "N-Triples, N-Quads, TriG, JSON-LD or RDF/XML, by extension")
    parser.add_argument("--graph", nargs=2, action="append", metavar=("IRI", "PATH"),
                        dest="graphs", help=settings_table.HELP["data_graphs"]
                        + " Give it once per graph.")
    flags = ("--data-format", "--format") if format_alias else ("--data-format",)
    parser.add_argument(*flags, dest="data_format", choices=formats.READABLE_NAMES,
                        help=settings_table.HELP["data_format"])
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
                          help="data files or folders (default: the bundled data/): Turtle, "
                               "N-Triples, N-Quads, TriG, JSON-LD or RDF/XML, by extension")
    _add_data_options(validate, data=False, format_alias=True)
    validate.set_defaults(handler=command_validate)

    serve = commands.add_parser(
        "serve", help="serve the linked data and the SPARQL endpoint (granian)",
        description="Load and validate the data once, then serve it with granian (worker "
                    "processes; slow and idle connections hold no thread). Refuses to start, "
                    "printing the SHACL report, if the data does not conform to the shapes.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: "
                       "127.0.0.1; use 0.0.0.0 to listen on every interface)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--base-url", help=settings_table.HELP["base_url"])
    from pactgraph.web.server import ServerOptions

    defaults = ServerOptions()
    serve.add_argument("--workers", type=int, default=defaults.workers,
                       help=f"worker processes (default: {defaults.workers})")
    serve.add_argument("--threads", type=int, default=defaults.threads,
                       help=f"threads per worker that run requests; connections hold none "
                            f"(default: {defaults.threads})")
    serve.add_argument("--access-log", action="store_true", help="log every request to stdout")
    _add_data_options(serve, format_alias=True)
    add_setting_options(serve)
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

    publish = commands.add_parser(
        "publish", help="load the validated data into a SPARQL store (Graph Store Protocol)",
        description="Validate, then PUT each published named graph (ontology, data...) as "
                    "N-Triples to a Graph Store Protocol endpoint (?graph=IRI), replacing what "
                    "the store held under those names; then `pactgraph serve --engine-url` "
                    "can answer queries from that store. Refuses data that does not conform.")
    publish.add_argument("--to", required=True, metavar="URL",
                         help="the store's Graph Store Protocol URL, e.g. "
                              "http://localhost:7878/store (Oxigraph) or "
                              "http://localhost:8890/sparql-graph-crud (Virtuoso)")
    publish.add_argument("--engine-url", metavar="URL",
                         help="with no --data: read the data from this SPARQL endpoint of the "
                              "same store (validated as files are) and write only what "
                              "pactgraph makes of it: the ontology and the derived obligations "
                              "and entailments, which `pactgraph serve --engine-url` needs there")
    publish.add_argument("--engine-graphs", nargs="+", metavar="IRI",
                         help=settings_table.HELP["engine_graphs"])
    _add_data_options(publish)
    publish.set_defaults(handler=command_publish)

    release = commands.add_parser(
        "release", help="build releases/VERSION/: dumps, tables, checksums, changelog",
        description="Validate the files and write a citable release folder: every dump, the CSV "
                    "tables, the ontology at its version IRI, VoID/DCAT of the version, a "
                    "changelog since --previous (triples added and removed per commitment, in "
                    "RDF and in words), the input files and SHA256SUMS. Never writes over a "
                    "release.")
    release.add_argument("version", help="the version, e.g. 0.2.0")
    release.add_argument("--previous", metavar="DIR",
                         help="the previous release's folder, for the changelog")
    release.add_argument("--output", default="releases", metavar="DIR",
                         help="folder of the releases (default: releases)")
    release.add_argument("--ontology", nargs="+", metavar="PATH",
                         help="ontology files or folders (default: the bundled ontology/)")
    release.add_argument("--data", nargs="+", metavar="PATH",
                         help="data files or folders (default: the bundled data/)")
    release.add_argument("--shapes", nargs="+", metavar="PATH",
                         help="shapes files or folders (default: the bundled shapes/)")
    release.set_defaults(handler=command_release)

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
