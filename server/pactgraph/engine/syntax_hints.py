"""Parse errors a reader can act on, and prefixed names with a slash (``id:state/PHL``) read.

pyoxigraph's parser says where it stopped and lists every character class it would have taken
("expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' ..."), but never names the unknown
prefix or the misspelt keyword. ``explain`` rewrites such a message from the query text alone (no
parsing: this also runs where no parser may be opened): it names the undeclared prefix or the
word that is no SPARQL keyword, draws the line with a caret under it, and suggests the nearest
known prefix or keyword.

``with_slashes_escaped`` reads a local name such as ``id:state/PHL`` the way readers of our IRIs
write it: SPARQL's grammar ends a prefixed name at ``/`` (it must be written ``id:state\\/PHL``),
so the engine evaluates the escaped text when the text as written does not parse.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

KEYWORDS = (
    "BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED DISTINCT REDUCED AS GROUP BY "
    "HAVING ORDER ASC DESC LIMIT OFFSET VALUES OPTIONAL UNION MINUS GRAPH FILTER BIND UNDEF "
    "EXISTS NOT IN a true false STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL "
    "FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE "
    "STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 "
    "SHA384 SHA512 COALESCE IF STRLANG STRDT sameTerm isIRI isURI isBLANK isLITERAL isNUMERIC "
    "REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR LATERAL TRIPLE "
    "SUBJECT PREDICATE OBJECT isTRIPLE LANGDIR STRLANGDIR hasLANG hasLANGDIR").split()
_KEYWORDS_UPPER = {k.upper() for k in KEYWORDS}
_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
# Strings, IRIs and comments are skipped; what is left is read as words and prefixed names.
_TOKEN = re.compile(
    r'(?P<skip>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[?$]\w+|@[A-Za-z-]+|\^\^|_:[\w.-]*"
    r"|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)"
    r"|(?P<prefixed>(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>(?:[\w:%-]|\\.|\.(?=[\w:%-]))*))"
    r"|(?P<word>[A-Za-z_]\w*)")
_EXPECTED = re.compile(r'"([^"]+)"|\b([A-Z][A-Za-z_]+)\b')
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


@dataclass(frozen=True)
class Word:
    text: str
    start: int   # offset in the query
    line: int    # 1-based
    column: int  # 1-based


def _words(query: str) -> Iterable[tuple[str, re.Match]]:
    for match in _TOKEN.finditer(query):
        if match.lastgroup != "skip":
            yield match.lastgroup or "", match


def _at(query: str, start: int, text: str) -> Word:
    line = query.count("\n", 0, start) + 1
    return Word(text, start, line, start - (query.rfind("\n", 0, start) + 1) + 1)


def _pointer(query: str, word: Word) -> str:
    """The line that holds ``word`` with a caret line under it."""
    line = query.split("\n")[word.line - 1].rstrip("\r")
    return f"\n  {line}\n  {' ' * (word.column - 1)}{'^' * max(1, len(word.text))}"


def undeclared_prefix(query: str, known: Iterable[str]) -> Word | None:
    """The first prefixed name whose prefix is neither predeclared (``known``) nor declared."""
    declared = set(known) | {p or "" for p in _DECLARED.findall(query)}
    for kind, match in _words(query):
        if kind == "prefixed" and (match.group("prefix") or "") not in declared:
            return _at(query, match.start(), (match.group("prefix") or "") + ":")
    return None


def unknown_word(query: str, before: int) -> Word | None:
    """The last bare word before offset ``before`` that is no SPARQL keyword (then it is the
    misspelling the parser stopped after), or None."""
    found = None
    for kind, match in _words(query):
        if match.start() >= before:
            break
        if kind == "word" and match.group().upper() not in _KEYWORDS_UPPER:
            found = _at(query, match.start(), match.group())
    return found


def _offset(query: str, line: int, column: int) -> int:
    lines = query.split("\n")
    return sum(len(text) + 1 for text in lines[:line - 1]) + column - 1


def _expected(rest: str) -> str:
    """The parser's expectations without its character classes ("['%'], ['-' | '0' ..= '9']")."""
    rest = re.sub(r"\[[^\]]*\]", "", rest.removeprefix("expected one of ")
                  .removeprefix("expected "))
    kept = [quoted or word for quoted, word in _EXPECTED.findall(rest)
            if word not in ("Prefix", "unreported")]
    return " ".join(dict.fromkeys(kept))


def explain(query: str, message: str, known_prefixes: Iterable[str]) -> str:
    """pyoxigraph's syntax error ``message`` about ``query``, said so that a reader can act."""
    known = sorted(known_prefixes)
    position = _POSITION.match(message.strip())
    if position is None:
        return f"SPARQL syntax error: {message}"
    line, column, rest = int(position.group(1)), int(position.group(2)), position.group(3)
    if "Prefix not found" in rest:
        word = undeclared_prefix(query, known)
        if word is not None:
            name = word.text[:-1]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = (f"did you mean {close[0]}:?" if close else
                    f"declare it (PREFIX {name}: <...>) or use one of {', '.join(known)}")
            return (f"SPARQL syntax error at line {word.line}, column {word.column}: the prefix "
                    f"{word.text} is not declared; {hint}{_pointer(query, word)}")
    word = unknown_word(query, _offset(query, line, column) + 1)
    if word is not None:
        close = difflib.get_close_matches(word.text.upper(), sorted(_KEYWORDS_UPPER), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return (f"SPARQL syntax error at line {word.line}, column {word.column}: unexpected "
                f"word '{word.text}'{hint}{_pointer(query, word)}")
    offset = min(_offset(query, line, column), len(query))
    expected = _expected(rest)
    return (f"SPARQL syntax error at line {line}, column {column}: "
            + (f"expected one of: {expected}" if expected else "the parser stopped here")
            + _pointer(query, _at(query, offset, "")))


_SLASHED = re.compile(r"/(?=[\w%-])")


def with_slashes_escaped(query: str, known_prefixes: Iterable[str]) -> str:
    """``query`` with every prefixed name of a known prefix followed by ``/name`` (``id:state/PHL``)
    written as SPARQL allows (``id:state\\/PHL``); the query itself if it has none."""
    known = set(known_prefixes)
    pieces, last = [], 0
    for kind, match in _words(query):
        if kind != "prefixed" or (match.group("prefix") or "") not in known:
            continue
        end = match.end()
        while _SLASHED.match(query, end) is not None:
            tail = re.compile(r"[\w%-]+(?:\.[\w%-]+)*").match(query, end + 1)
            if tail is None or tail.group() == "a" or query.startswith(":", tail.end()):
                break  # '/pg:p' and '/a' are property paths, not part of this name
            pieces.append(query[last:end] + "\\/" + tail.group())
            last = end = tail.end()
    return "".join(pieces) + query[last:] if pieces else query
