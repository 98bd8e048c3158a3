"""A port of ``joho/godotenv`` v1.5's parser, for `.gimlet/vars`.

The Action and the orb read `.gimlet/vars` with ``godotenv.Read`` and merge it into the artifact's
``vars`` last; we parse it the same way:

- ``KEY=VALUE`` or ``KEY: VALUE``, an optional ``export`` prefix, ``#`` comment lines, blank lines;
- key names of letters, digits, ``_`` and ``.``;
- unquoted values are trimmed and end at the line's last `` #`` (an inline comment);
- single-quoted values are literal and may span lines;
- double-quoted values may span lines; ``\\n`` and ``\\r`` become newline and carriage return,
  any other ``\\X`` becomes ``X``;
- unquoted and double-quoted values expand ``$VAR`` and ``${VAR}`` (names of ``A-Z``, ``0-9``,
  ``_``) from keys defined earlier in the file, then from *environ*, else to the empty string;
  ``\\$`` keeps a literal ``$``.

Where godotenv silently accepts a last line without ``=`` (as an empty key), we report it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gimlet_ci.exceptions import ManifestError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["parse_dotenv"]

_SPACE = frozenset("\t\v\f\r \x85\xa0")
_EXPAND = re.compile(r"(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_UNESCAPE = re.compile(r"\\([^$])", re.DOTALL)


def _expand(value: str, known: Mapping[str, str], environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if match.group(1) == "\\":
            return whole[1:]
        name = match.group(4)
        if name:
            if name in known:
                return known[name]
            return environ.get(name, "")
        return whole

    return _EXPAND.sub(replace, value)


def _expand_escapes(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(0)[1]
        if char == "n":
            return "\n"
        if char == "r":
            return "\r"
        return match.group(0)

    return _UNESCAPE.sub(r"\1", _ESCAPE.sub(replace, value))


class _Parser:
    def __init__(self, text: str, filename: str, environ: Mapping[str, str]) -> None:
        self.text = text.replace("\r\n", "\n")
        self.filename = filename
        self.environ = environ
        self.pos = 0
        self.values: dict[str, str] = {}

    def fail(self, pos: int, message: str) -> ManifestError:
        return ManifestError(message, file=self.filename, line=self.text.count("\n", 0, pos) + 1)

    def skip_to_statement(self) -> bool:
        text = self.text
        while True:
            while self.pos < len(text) and (text[self.pos] in _SPACE or text[self.pos] == "\n"):
                self.pos += 1
            if self.pos >= len(text):
                return False
            if text[self.pos] != "#":
                return True
            newline = text.find("\n", self.pos)
            if newline < 0:
                return False
            self.pos = newline

    def key(self) -> str:
        text = self.text
        start = self.pos
        while self.pos < len(text) and text[self.pos] in _SPACE:
            self.pos += 1
        if text.startswith("export", self.pos) and text[self.pos + 6 : self.pos + 7] in _SPACE | {""}:
            after = self.pos + 6
            if after < len(text) and text[after] in _SPACE:
                self.pos = after
                while self.pos < len(text) and text[self.pos] in _SPACE:
                    self.pos += 1
        key_start = self.pos
        while self.pos < len(text):
            char = text[self.pos]
            if char in {"=", ":"}:
                key = text[key_start : self.pos].rstrip()
                self.pos += 1
                while self.pos < len(text) and text[self.pos] in _SPACE:
                    self.pos += 1
                if not key:
                    raise self.fail(start, f"no variable name before {char!r}; write KEY=VALUE")
                return key
            if not (char in _SPACE or char in {"_", "."} or char.isalpha() or char.isnumeric()):
                # Errors never show the line: the file may not be what it seems (a secret), only its position.
                msg = (
                    f"unexpected character {char!r} in a variable name (column {self.pos - start + 1});"
                    " write KEY=VALUE (names use letters, digits, _ and .)"
                )
                raise self.fail(self.pos, msg)
            self.pos += 1
        raise self.fail(start, "the last line is not KEY=VALUE; add '=' and a value")

    def value(self) -> str:
        text = self.text
        quote = text[self.pos : self.pos + 1]
        if quote not in {'"', "'"}:
            end = text.find("\n", self.pos)
            if end < 0:
                end = len(text)
            line = text[self.pos : end]
            self.pos = end
            cut = len(line)
            for i in range(len(line) - 1, 0, -1):
                if line[i] == "#" and line[i - 1] in _SPACE:
                    cut = i
                    break
            return _expand(line[:cut].strip("".join(_SPACE)), self.values, self.environ)
        start = self.pos
        for i in range(start + 1, len(text)):
            if text[i] == quote and text[i - 1] != "\\":
                raw = text[start : i + 1].strip(quote)
                self.pos = i + 1
                if quote == '"':
                    return _expand(_expand_escapes(raw), self.values, self.environ)
                return raw
        raise self.fail(start, f"unterminated quoted value; close the {quote} quote")

    def run(self) -> dict[str, str]:
        while self.skip_to_statement():
            key = self.key()
            self.values[key] = self.value()
        return self.values


def parse_dotenv(text: str, *, filename: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Parse a dotenv file as ``godotenv.Read`` does; raise `ManifestError` naming file and line.

    *environ* is the fallback for ``$VAR`` expansion of names not defined earlier in the file
    (godotenv reads the process environment there); without it they expand to the empty string.
    """
    return _Parser(text, filename, environ or {}).run()
