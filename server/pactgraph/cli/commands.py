"""The commands that validate, serve, export and synthesise: each parses nothing itself (the
parser is cli/__init__.py) and calls one library function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pactgraph import formats
from pactgraph import settings as settings_table
from pactgraph.errors import DataNotConforming, SettingError
from pactgraph.knowledge.sources import Knowledge


def command_validate(args: argparse.Namespace) -> int:
    args.data = args.paths
    if args.graphs and not args.paths:  # only the named graphs' files, not the bundled data too
        args.data = []
    knowledge = Knowledge.from_settings(settings_from(args))
    report = knowledge.validate()
    print(report.text())
    return 0 if report.conforms else 1


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the options of serve, query and export override."""
    overrides: dict[str, Any] = {}
    if getattr(args, "data", None) is not None and (args.data or getattr(args, "graphs", None)):
        overrides["data_paths"] = args.data
    if getattr(args, "graphs", None):
        overrides["data_graphs"] = [list(pair) for pair in args.graphs]
    if getattr(args, "data_format", None):
        overrides["data_format"] = args.data_format
    if getattr(args, "shapes", None):
        overrides["shapes_paths"] = args.shapes
    if getattr(args, "base_url", None):
        overrides["base_url"] = args.base_url
    for name in SERVE_SETTINGS:
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    if overrides.get("engine_url") and _no_data_named(args):
        overrides["data_from_engine"] = True  # the store's data, not the bundled files
    if overrides.get("data_from_engine") and not _no_data_named(args):
        raise SettingError("--data-from-engine reads the data from the store at --engine-url: "
                           "give no --data or --graph with it")
    return settings_table.resolve(overrides)


def _no_data_named(args: argparse.Namespace) -> bool:
    return getattr(args, "data", None) is None and not getattr(args, "graphs", None)


# Settings of the table that `pactgraph serve` takes as options (--query-time-limit-ms...), with
# the table's help text; the limits of a public endpoint are set where it is started.
SERVE_SETTINGS: tuple[str, ...] = (
    "query_time_limit_ms", "max_result_rows", "max_result_bytes", "max_query_length",
    "query_workers", "query_queue_time_limit_ms", "query_per_client_limit", "trusted_proxies",
    "query_memory_limit_mb", "max_request_bytes",
    "cache_max_entries", "cache_max_bytes", "cache_max_age_seconds", "store_dir", "engine_url",
    "data_from_engine", "engine_graphs")


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {text!r}")
    return value


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    for name in SERVE_SETTINGS:
        default = settings_table.DEFAULTS[name]
        if isinstance(default, bool):
            parser.add_argument("--" + name.replace("_", "-"), action="store_const", const=True,
                                dest=name, help=settings_table.HELP[name].replace("%", "%%"))
            continue
        kind = _whole_number if isinstance(default, int) else str
        shown = f" (default: {default})" if default not in (None, []) else ""
        many = {"nargs": "+", "metavar": "IRI" if name.endswith("graphs") else "ADDR"} \
            if isinstance(default, list) else {
            "metavar": ("URL" if name.endswith("_url") else "DIR") if kind is str else "N"}
        parser.add_argument("--" + name.replace("_", "-"), type=kind, dest=name, **many,
                            help=settings_table.HELP[name].replace("%", "%%") + shown)


def _publication(args: argparse.Namespace):
    """What the server would publish: export sees exactly that, validated the same way."""
    from pactgraph.build.publication import build_publication
    return build_publication(settings_from(args))


def refuse_nonconforming(error: DataNotConforming) -> int:
    print(error.report.text(), file=sys.stderr)
    print("pactgraph: the data does not conform to the shapes; fix it (see `pactgraph validate`)",
          file=sys.stderr)
    return 1


def command_serve(args: argparse.Namespace) -> int:
    from pactgraph.web.server import ServerOptions, serve
    options = ServerOptions(host=args.host, port=args.port, workers=args.workers,
                            threads=args.threads, access_log=args.access_log)
    try:
        serve(settings_from(args), options)  # returns once granian is stopped
    except DataNotConforming as error:
        return refuse_nonconforming(error)
    return 0


def command_publish(args: argparse.Namespace) -> int:
    """Validate (refusing data that does not conform), then load every graph into a store."""
    from pactgraph.build import prebuilt
    from pactgraph.build.publication import prepare_store
    from pactgraph.engine.publish import publish
    settings = settings_from(args)
    only = None
    try:
        if settings["data_from_engine"]:  # the data is in the store: write what is made of it
            from pactgraph.build.from_engine import MADE_HERE, prepare_from_engine
            prepared, only = prepare_from_engine(settings, check=False), MADE_HERE
        else:
            prepared = prepare_store(settings)
    except DataNotConforming as error:
        return refuse_nonconforming(error)
    for sent in publish(prepared.folder / prebuilt.QUADS, args.to, only):
        print(f"{sent.graph}: {sent.triples} triples (HTTP {sent.status})", file=sys.stderr)
    return 0


EXPORT_FORMATS = ("ttl", "jsonld", "nt", "rdf")


def command_export(args: argparse.Namespace) -> int:
    from pactgraph.build.downloads import dump_body
    try:
        published = _publication(args)
    except DataNotConforming as error:
        return refuse_nonconforming(error)
    media_type = formats.media_type_for(args.format)
    # The same bytes as /download/pactgraph.{ext}, written when the store was built.
    body = dump_body(published, f"pactgraph.{formats.EXTENSION[media_type].lstrip('.')}")
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




def command_release(args: argparse.Namespace) -> int:
    from pactgraph.build.release import build_release
    defaults = settings_table.DEFAULTS
    paths = {"ontology": args.ontology or defaults["ontology_paths"],
             "data": args.data or defaults["data_paths"],
             "shapes": args.shapes or defaults["shapes_paths"]}
    previous = Path(args.previous) if args.previous else None
    try:
        folder = build_release(args.version, paths, Path(args.output), previous)
    except DataNotConforming as error:
        return refuse_nonconforming(error)
    print(f"wrote the release {args.version} to {folder}", file=sys.stderr)
    return 0
