"""A port of ``github.com/gobwas/glob`` v0.2.3, compiled without separators, as Gimlet uses it.

Gimlet matches deploy policies with ``glob.MustCompile(pattern)``: no separators, so ``*`` (and
``**``) match any text including ``/``; ``?`` matches one character; ``[abc]``, ``[!abc]``,
``[a-z]``, ``[!a-z]`` match one character; ``{a,b}`` are alternatives (nestable, each may hold
wildcards); ``\\`` escapes the next character.

The lexer and parser follow gobwas' own (``lexer/lexer.go``, ``syntax/ast/parser.go``) so that the
odd corners agree: a class holds either one range or a set of characters, never both (``[a-z0-9]``
is an error); ``!`` is only special right after ``[``; ``,`` and ``}`` are plain text outside
``{...}``; ``]`` is plain text outside a class; a trailing ``\\`` is dropped. The compiled pattern
is an anchored Python regular expression.

One deliberate difference: gobwas silently accepts an unclosed ``{`` (``{a,b`` behaves like
``{a,b}``). Gimlet therefore accepts it too, so `compile_glob` takes ``strict``: the default
(``True``) rejects an unclosed ``{`` as a user's mistake, ``strict=False`` reproduces gobwas (the
policy engine uses that).
"""

from __future__ import annotations

import functools
import re

import attrs

__all__ = ["Glob", "compile_glob"]

_BREAK_TEXT = frozenset("?*[{")
_BREAK_TERMS = frozenset("?*[{},")


@attrs.frozen
class Glob:
    """A compiled gobwas glob."""

    pattern: str
    """The source pattern."""
    regex: re.Pattern[str] = attrs.field(repr=False)
    """The equivalent anchored regular expression."""

    def match(self, text: str) -> bool:
        """Return whether *text* matches the whole pattern."""
        return self.regex.fullmatch(text) is not None


class _Lexer:
    """gobwas' lexer: a list of ``(kind, data)`` tokens, or a ValueError with gobwas' message."""

    def __init__(self, source: str) -> None:
        # gobwas' lexer uses rune 0 as its end-of-input marker, so a NUL ends the pattern.
        self.data = source.split("\x00", 1)[0]
        self.pos = 0
        self.terms_level = 0
        self.tokens: list[tuple[str, str]] = []

    def run(self) -> list[tuple[str, str]]:
        while True:
            if self.pos >= len(self.data):
                self.tokens.append(("eof", ""))
                return self.tokens
            self._fetch_item()

    def _fetch_item(self) -> None:
        char = self.data[self.pos]
        in_terms = self.terms_level > 0
        if char == "{":
            self.pos += 1
            self.terms_level += 1
            self.tokens.append(("terms_open", char))
        elif char == "," and in_terms:
            self.pos += 1
            self.tokens.append(("separator", char))
        elif char == "}" and in_terms:
            self.pos += 1
            self.terms_level -= 1
            self.tokens.append(("terms_close", char))
        elif char == "[":
            self.pos += 1
            self.tokens.append(("range_open", char))
            self._fetch_range()
        elif char == "?":
            self.pos += 1
            self.tokens.append(("single", char))
        elif char == "*":
            if self.data.startswith("**", self.pos):
                self.pos += 2
                self.tokens.append(("super", "**"))
            else:
                self.pos += 1
                self.tokens.append(("any", char))
        else:
            self._fetch_text(_BREAK_TERMS if in_terms else _BREAK_TEXT)

    def _fetch_range(self) -> None:
        want_hi = want_close = seen_not = False
        while True:
            if self.pos >= len(self.data):
                msg = "unexpected end of input"
                raise ValueError(msg)
            char = self.data[self.pos]
            self.pos += 1
            if want_close:
                if char != "]":
                    msg = "expected close range character"
                    raise ValueError(msg)
                self.tokens.append(("range_close", char))
                return
            if want_hi:
                self.tokens.append(("range_hi", char))
                want_close = True
                continue
            if not seen_not and char == "!":
                self.tokens.append(("not", char))
                seen_not = True
                continue
            if self.data.startswith("-", self.pos):
                self.pos += 1
                self.tokens.append(("range_lo", char))
                self.tokens.append(("range_between", "-"))
                want_hi = True
                continue
            self.pos -= 1
            self._fetch_text(frozenset("]"))
            want_close = True

    def _fetch_text(self, breakers: frozenset[str]) -> None:
        data: list[str] = []
        escaped = False
        while self.pos < len(self.data):
            char = self.data[self.pos]
            self.pos += 1
            if not escaped:
                if char == "\\":
                    escaped = True
                    continue
                if char in breakers:
                    self.pos -= 1
                    break
            escaped = False
            data.append(char)
        if data:
            self.tokens.append(("text", "".join(data)))


def _range_regex(tokens: list[tuple[str, str]], start: int) -> tuple[str, int]:
    """Parse one class after ``[`` as gobwas' ``parserRange`` does; return its regex and the next
    index."""
    negate = False
    low = high = ""
    chars = ""
    index = start
    while True:
        kind, data = tokens[index]
        index += 1
        if kind == "eof":
            msg = "unexpected end"
            raise ValueError(msg)
        if kind == "not":
            negate = True
        elif kind == "range_lo":
            low = data
        elif kind == "range_hi":
            high = data
            if high < low:
                msg = f"hi character '{high}' should be greater than lo '{low}'"
                raise ValueError(msg)
        elif kind == "text":
            chars = data
        elif kind == "range_close":
            is_range = bool(low) and bool(high)
            if bool(chars) == is_range:
                msg = "could not parse range"
                raise ValueError(msg)
            body = f"{re.escape(low)}-{re.escape(high)}" if is_range else "".join(re.escape(c) for c in chars)
            return f"[{'^' if negate else ''}{body}]", index


def _to_regex(pattern: str, *, strict: bool) -> str:
    tokens = _Lexer(pattern).run()
    # Open alternative groups: each holds its finished alternatives and the text outside it.
    stack: list[tuple[list[str], list[str]]] = []
    current: list[str] = []
    index = 0
    while True:
        kind, data = tokens[index]
        index += 1
        if kind == "eof":
            break
        if kind == "text":
            current.append(re.escape(data))
        elif kind in {"any", "super"}:
            current.append(".*")
        elif kind == "single":
            current.append(".")
        elif kind == "range_open":
            regex, index = _range_regex(tokens, index)
            current.append(regex)
        elif kind == "terms_open":
            stack.append(([], current))
            current = []
        elif kind == "separator":
            stack[-1][0].append("".join(current))
            current = []
        elif kind == "terms_close":
            alternatives, outer = stack.pop()
            alternatives.append("".join(current))
            outer.append(f"(?:{'|'.join(alternatives)})")
            current = outer
        else:  # pragma: no cover - the lexer emits no other token here
            msg = f"unexpected token: {kind}<{data!r}>"
            raise ValueError(msg)
    if stack:
        if strict:
            msg = "unclosed '{': every '{' needs a matching '}'"
            raise ValueError(msg)
        while stack:  # gobwas closes open groups at the end of the pattern
            alternatives, outer = stack.pop()
            alternatives.append("".join(current))
            outer.append(f"(?:{'|'.join(alternatives)})")
            current = outer
    return "".join(current)


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str, *, strict: bool = True) -> Glob:
    """Compile *pattern* with gobwas v0.2.3 semantics and no separators.

    Raises ValueError naming the pattern when gobwas would refuse it (an unclosed or malformed
    ``[...]``), and, with ``strict`` (the default), for an unclosed ``{`` that gobwas silently
    accepts.
    """
    try:
        regex = _to_regex(pattern, strict=strict)
    except ValueError as e:
        msg = f"invalid glob {pattern!r}: {e}"
        raise ValueError(msg) from None
    return Glob(pattern, re.compile(regex, re.DOTALL))
