"""The ``pactgraph`` command: thin wrappers around library functions.

Each subcommand parses its options, calls into the library and turns a ``PactgraphError`` into a
message on stderr and a non-zero exit; no stack trace reaches the user for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import sys

from . import settings as settings_table
from .errors import PactgraphError
from .knowledge import Knowledge


def command_validate(args: argparse.Namespace) -> int:
    overrides = {"data_paths": args.paths} if args.paths else {}
    if args.shapes:
        overrides["shapes_paths"] = args.shapes
    knowledge = Knowledge.from_settings(settings_table.resolve(overrides))
    report = knowledge.validate()
    print(report.text())
    return 0 if report.conforms else 1


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
