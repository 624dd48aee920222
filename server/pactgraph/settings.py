"""The one table of pactgraph's settings: name, default and help text.

The table feeds the defaults of ``create_app``, the command line's options and the
``/-/settings.json`` page, so a setting is declared here once and nowhere else. An error about a
limit names the setting that controls it (see ``errors.LimitExceeded``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .namespaces import CANONICAL_BASE


def _repository_root() -> Path:
    """The checkout this package runs from; the bundled RDF lives beside ``server/``."""
    return Path(__file__).resolve().parents[2]


def _bundled(folder: str) -> str:
    """A bundled folder, overridable by PACTGRAPH_HOME for installs outside a checkout."""
    home = Path(os.environ.get("PACTGRAPH_HOME", _repository_root()))
    return str(home / folder)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", CANONICAL_BASE,
            "Canonical base of the IRIs minted in the data; they stay the same whatever host "
            "serves them."),
    Setting("base_url", None,
            "URL this server is reached at; resource {base_iri}{rest} is served at "
            "{base_url}/{rest}. "
            "Defaults to the URL of each request."),
    Setting("ontology_paths", [_bundled("ontology")],
            "Turtle files or folders holding the ontology."),
    Setting("data_paths", [_bundled("data")],
            "Turtle files or folders holding the published data, one file per treaty."),
    Setting("shapes_paths", [_bundled("shapes")],
            "Turtle files or folders holding the SHACL shapes the data must pass."),
    Setting("query_time_limit_ms", 5000,
            "Longest time, in milliseconds, that one SPARQL query may run."),
    Setting("max_result_rows", 10000,
            "Most rows (or triples) one SPARQL result may return."),
    Setting("max_query_length", 20000,
            "Longest SPARQL query text accepted, in characters."),
)

DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}
HELP: dict[str, str] = {setting.name: setting.help for setting in SETTINGS}


def resolve(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults with ``overrides`` applied; an unknown setting name is a programming error."""
    resolved = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name not in resolved:
            known = ", ".join(sorted(resolved))
            raise KeyError(f"unknown setting {name!r}; known settings: {known}")
        resolved[name] = value
    return resolved
