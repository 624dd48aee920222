"""The example questions (``queries/*.rq``): read once, shown in the editor, served as files.

Each file opens with header lines ``# id: …``, ``# title: …`` and ``# question: …`` and uses our
prefixes without declaring them (the endpoint declares them). Code and pages find a question by its
id, never by its file name, so a file can be renamed without emptying a page; the file name is only
its URL (``/queries/{name}.rq``). ``load_examples`` checks the headers and that every id in
``ASKED_FOR`` is carried by a file, so a broken set fails the start of the app, not a page.
``Example.standalone`` adds the PREFIX lines a query uses, so the served file runs at any SPARQL
endpoint that holds the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pactgraph.errors import ExampleQuestionError
from pactgraph.namespaces import PREFIXES
from pactgraph.settings import bundled

# The questions whose answers the pages show, by id; the loader fails if a file is missing for one.
WHO_MUST_HELP = "who-must-help"  # a state's page: who must help it if it is attacked
ASKED_FOR: tuple[str, ...] = (WHO_MUST_HELP,)

# What a "Run it" link's query may take, URL-encoded: a request target is refused past 8,190 bytes
# (web/buffering_front.py, as nginx's default buffers), and the link adds the host and path.
LINK_BUDGET = 7000

_NAME = re.compile(r"^[0-9a-z][0-9a-z-]*$")  # a file name that is also a clean URL segment
_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # kebab-case
_HEADER = re.compile(r"^# (id|title|question): (.*)$")


def queries_folder() -> Path:
    """``queries/`` beside ``server/`` in the checkout, or under PACTGRAPH_HOME (like the data)."""
    return Path(bundled("queries"))


@dataclass(frozen=True)
class Example:
    id: str         # the stable name code and pages ask for, e.g. "who-must-help"
    name: str       # the file's stem, e.g. "01-who-must-help": its URL, free to change
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

    @property
    def runnable(self) -> str:
        """The text a "Run it" link carries: ``standalone``, or without its comment lines when
        the link would be longer than ``LINK_BUDGET`` (question 1 by page, 8,311 bytes with
        them, was refused 414 by the server itself)."""
        if len(quote(self.standalone, safe="")) <= LINK_BUDGET:
            return self.standalone
        return "\n".join(line for line in self.standalone.splitlines()
                         if not line.lstrip().startswith("#")) + "\n"

    def _body(self) -> str:
        """The query without comment lines and without IRIs in angle brackets."""
        body = "\n".join(line for line in self.text.splitlines() if not line.startswith("#"))
        return re.sub(r"<[^>\s]*>", "", body)


@dataclass(frozen=True)
class Examples:
    """The example questions in file-name order (the editor's tabs), each found by its id."""

    all: tuple[Example, ...] = ()

    def __iter__(self) -> Iterator[Example]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def by_id(self, example_id: str) -> Example:
        for example in self.all:
            if example.id == example_id:
                return example
        carried = ", ".join(sorted(e.id for e in self.all)) or "none"
        raise ExampleQuestionError(f"no example question carries '# id: {example_id}' "
                                   f"(ids found: {carried})")


def read_header(text: str, where: str) -> dict[str, str]:
    """The ``# id:``, ``# title:`` and ``# question:`` lines of the comment block a query opens
    with, as {key: value}; a key given twice is an error naming ``where`` (the file)."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line.rstrip())
        if match is None:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key in header:
            raise ExampleQuestionError(f"{where}: '# {key}:' is given twice")
        header[key] = value
    return header


def read_example(path: Path) -> Example:
    """One ``.rq`` file, its header checked: an error names the file and says what to write."""
    if not _NAME.match(path.stem):
        raise ExampleQuestionError(f"{path}: a query file's name is its URL; use lower-case "
                                   "letters, digits and hyphens, e.g. 01-who-must-help.rq")
    text = path.read_text(encoding="utf-8")
    header = read_header(text, str(path))
    example_id = header.get("id", "")
    if not example_id:
        raise ExampleQuestionError(f"{path}: no '# id:' line; open the file with a stable id, "
                                   "e.g. '# id: who-must-help', before '# title:'")
    if not _ID.match(example_id):
        raise ExampleQuestionError(f"{path}: id {example_id!r} is not kebab-case (lower-case "
                                   "words joined by hyphens, e.g. who-must-help)")
    return Example(example_id, path.stem, header.get("title") or path.stem,
                   header.get("question", ""), text)


def load_examples(folder: Path | str | None = None) -> Examples:
    """Every ``*.rq`` file of ``folder`` (default: ``queries_folder()``), checked as a set: ids
    unique, and every id in ``ASKED_FOR`` present. Raises ``ExampleQuestionError`` otherwise."""
    folder = Path(folder) if folder else queries_folder()
    if not folder.is_dir():
        raise ExampleQuestionError(f"{folder}: no such folder of example questions (*.rq); "
                                   "set 'queries_path' to the folder that holds them")
    examples = tuple(read_example(path) for path in sorted(folder.glob("*.rq")))
    first_with: dict[str, Example] = {}
    for example in examples:
        if example.id in first_with:
            raise ExampleQuestionError(
                f"{folder}: id {example.id!r} is carried by both {first_with[example.id].name}.rq "
                f"and {example.name}.rq; each question needs its own id")
        first_with[example.id] = example
    for example_id in ASKED_FOR:
        if example_id not in first_with:
            raise ExampleQuestionError(f"{folder}: the pages ask for the example question "
                                       f"'{example_id}', but no .rq file there carries "
                                       f"'# id: {example_id}'")
    return Examples(examples)
