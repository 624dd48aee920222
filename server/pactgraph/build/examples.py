"""The example questions (``queries/*.rq``): read once, shown in the editor, served as files.

Each file opens with ``# title: …`` and ``# question: …`` lines and uses our prefixes without
declaring them (the endpoint declares them). ``Example.standalone`` adds the PREFIX lines a query
uses, so the served file runs at any SPARQL endpoint that holds the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pactgraph.namespaces import PREFIXES
from pactgraph.settings import bundled

_NAME = re.compile(r"^[0-9a-z][0-9a-z-]*$")


def queries_folder() -> Path:
    """``queries/`` beside ``server/`` in the checkout, or under PACTGRAPH_HOME (like the data)."""
    return Path(bundled("queries"))


@dataclass(frozen=True)
class Example:
    name: str       # the file's stem, e.g. "01-who-must-help"
    title: str
    question: str   # the number of the fact sheet's question it answers
    text: str       # as written in the repository

    @property
    def short_name(self) -> str:
        """'1 · who must help' for a tab."""
        number, _, words = self.name.partition("-")
        return f"{number.lstrip('0') or '0'} · {words.replace('-', ' ')}"

    @property
    def standalone(self) -> str:
        """The text with PREFIX lines for every prefix it uses, after its comment lines."""
        used = [p for p in PREFIXES if re.search(rf"(?<![\w:<]){re.escape(p)}:", self._body())]
        declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+(\w*):", self.text)}
        lines = self.text.splitlines()
        head = 0
        while head < len(lines) and lines[head].startswith("#"):
            head += 1
        prefixes = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used if p not in declared]
        return "\n".join([*lines[:head], *prefixes, *lines[head:]]) + "\n"

    def _body(self) -> str:
        """The query without comment lines and without IRIs in angle brackets."""
        body = "\n".join(line for line in self.text.splitlines() if not line.startswith("#"))
        return re.sub(r"<[^>\s]*>", "", body)


def _header(lines: list[str], key: str) -> str:
    for line in lines[:5]:
        if line.startswith(f"# {key}: "):
            return line[len(f"# {key}: "):].strip()
    return ""


def load_examples(folder: Path | None = None) -> tuple[Example, ...]:
    """Every ``*.rq`` file of ``folder`` (default: ``queries_folder()``), by name."""
    folder = folder or queries_folder()
    examples = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        if not _NAME.match(path.stem):
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        examples.append(Example(path.stem, _header(lines, "title") or path.stem,
                                _header(lines, "question"), text))
    return tuple(examples)
