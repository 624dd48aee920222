"""Is there a SERVICE in this query? A lexer that follows the SPARQL grammar, and refuses in doubt.

Oxigraph evaluates ``SERVICE`` by fetching the remote endpoint, and pyoxigraph has no switch to turn
that off, so a query that names SERVICE would let any client make this server request a URL of
their choice (SSRF). This module decides, before evaluation, whether a query may contain the
keyword. It is the first of two fences: query workers also run without a network
(``engine/sandbox.py``), so a spelling that slipped past this check would still fail in the kernel.

The check lexes the query by the SPARQL 1.1 grammar's own terminals (section 19.8): comments end at
either line ending (``#x0D`` or ``#x0A``), strings in all four quotings with their escapes, IRIs,
prefixed names, variables, blank-node labels. Outside those, the letters ``service`` anywhere in a
run of name characters count: pyoxigraph's parser matches keywords with no word boundary, so
``1SERVICE``, ``trueSERVICE``, ``"x"SERVICE`` and ``SERVICEex:x`` all parse as the keyword. Where a
reading is ambiguous the check follows every reading:

- ``<`` begins an IRI or is the less-than operator; when the IRI's text could matter read as code
  (it holds ``)``, ``'`` or ``#``), both readings are lexed;
- a string or long string with no end, or a name the lexer cannot place, is read on as code;
- ``\\u`` escapes are not decoded by pyoxigraph outside strings, but SPARQL 1.1 says they are
  decoded before parsing: the decoded text is checked too.

A ``service`` directly after ``-`` is not the keyword (no token ends in ``-`` before a keyword:
names and language tags that end in ``-`` take the letters after it), so the service description
vocabulary ``<http://www.w3.org/ns/sparql-service-description#>`` is not refused.

Nearly every query lacks the letters at all and costs one lower-casing and a substring search
(pyoxigraph matches keywords in ASCII case only, as ``str.lower`` folds them).
"""

from __future__ import annotations

import re

FEDERATION_REFUSED = ("federated queries (SERVICE) are not evaluated by this endpoint; query the "
                      "remote endpoint directly. (A query is refused if any reading of its text "
                      "has the letters 'service' where a keyword could stand: rename a variable "
                      "or prefix that holds them.)")

_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
                  "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
                  "\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"

_LONG_STRINGS = (r'"""(?:(?:"|"")?(?:[^"\\]|\\[tbnrf\\"\']))*"""'
                 r"|'''(?:(?:'|'')?(?:[^'\\]|\\[tbnrf\\\"']))*'''")
_SHORT_STRINGS = (r'"(?:[^"\\\n\r]|\\[tbnrf\\"\'])*"'
                  r"|'(?:[^'\\\n\r]|\\[tbnrf\\\"'])*'")
_VARNAME_CHARS = _PN_CHARS_U + r"0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PREFIX = rf"(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?"
_LOCAL = (rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*"
          rf"(?:[{_PN_CHARS}:]|{_PLX}))?")
# One token at a time, in the order the grammar's terminals are tried; every character is matched
# by some alternative (the last takes one character: a quote with no end, a '<' that begins no IRI).
_TOKEN = re.compile(
    r"(?P<skip>[ \t\r\n]+|#[^\r\n]*"
    r"|[^\"'<#?$_:@\\%" + _PN_CHARS + r"]+)"  # white space, comments, operators and brackets
    rf"|(?P<string>{_LONG_STRINGS}|{_SHORT_STRINGS})"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    rf"|(?P<variable>[?$][{_PN_CHARS_U}0-9][{_VARNAME_CHARS}]*)"
    rf"|(?P<blank>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
    rf"|(?P<prefixed>(?P<prefix>{_PREFIX}):(?P<local>{_LOCAL})?)"
    rf"|(?P<name>[{_PN_CHARS}]+)"
    r"|(?P<char>.)", re.DOTALL)

# ASCII case only, as pyoxigraph matches keywords (and as ``str.lower`` in ``head_end`` folds):
# Python's Unicode folding would read 'ſ' (U+017F) as 's', a spelling pyoxigraph refuses anyway.
_KEYWORD_IN_NAME = re.compile(r"(?<!-)service", re.IGNORECASE | re.ASCII)
# In a local name the first run of name characters is one token; what follows a '.', ':' or an
# escape is checked as if it could begin a token of its own.
_LOCAL_TAIL = re.compile(r"[.:%\\].*service", re.IGNORECASE | re.DOTALL | re.ASCII)
_CODE_IN_IRI = re.compile(r"[)'#]")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


# A whole line at the start of a query after which every reading stands at the next line's start,
# in code: a blank line, a comment, or a PREFIX or BASE whose IRI, read as code from its '<', holds
# no quote, bracket or '<' (only a '#' may begin a comment, to the end of the line). Such lines
# without the letters are skipped (``head_end``): a query's prologue was most of what was lexed.
_PLAIN_HEAD_LINE = re.compile(
    r"[ \t]*(?:#[^\r\n]*|(?:PREFIX[ \t]+[A-Za-z0-9_.\-]*:|BASE)[ \t]*"
    r"<[^<>\"'(){}|^`\\\x00-\x20]*>[ \t]*)?(?:\r\n|\n|\r)", re.IGNORECASE)


def mentions_service(query: str) -> bool:
    """Whether ``query`` may contain the SERVICE keyword under any reading of its text."""
    if _may_meet_service(query):
        return True
    if "\\u" in query or "\\U" in query:
        decoded = _ESCAPE.sub(_decode_escape, query)
        return decoded != query and _may_meet_service(decoded)
    return False


def _may_meet_service(text: str) -> bool:
    """Whether ``text`` holds the letters and a reading of it meets them as the keyword (the
    text lower-cased once: its last ``service`` is where every reading may stop)."""
    last = text.lower().rfind("service")
    return last >= 0 and _lexes_to_service(text, head_end(text), last)


def head_end(text: str) -> int:
    """Where the plain lines at the start of ``text`` end: the lexer may start there."""
    at = 0
    while (line := _PLAIN_HEAD_LINE.match(text, at)) and "service" not in line.group().lower():
        at = line.end()
    return at


def _decode_escape(match: re.Match) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def _lexes_to_service(text: str, start: int, last: int) -> bool:
    """Lex ``text`` from ``start`` (a line's start, in code) along every reading; True if any
    reading meets the keyword.
    A reading stops past ``last``, where the last ``service`` of the lower-cased text begins: no
    later token can hold the letters (a query's prologue often names them, in the service
    description's prefix, and its body was lexed for nothing: a quarter of the web process's
    time for the bench's join query). Lower-casing never shortens a text (it may lengthen one:
    'İ' becomes two characters), so ``last`` is never before the letters in ``text``."""
    pending: list[int] = [start]
    lexed: set[int] = set()  # where tokens began: a reading that gets there goes on as before
    while pending:
        for token in _TOKEN.finditer(text, pending.pop()):
            if token.start() in lexed or token.start() > last:
                break
            lexed.add(token.start())
            kind = token.lastgroup
            if kind == "name":
                if _KEYWORD_IN_NAME.search(token.group()):
                    return True
            elif kind == "prefixed":
                if _KEYWORD_IN_NAME.search(token.group("prefix")) or \
                        _LOCAL_TAIL.search(token.group("local") or ""):
                    return True
            elif kind == "iri" and _CODE_IN_IRI.search(text, token.start() + 1, token.end() - 1):
                pending.append(token.start() + 1)  # also read '<' as less-than, and on as code
    return False
