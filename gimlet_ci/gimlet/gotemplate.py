"""The subset of Go's ``text/template`` that Gimlet's ``Manifest.ResolveVars`` needs, with its error
texts.

Gimlet renders manifests with ``template.New("").Option("missingkey=error")`` plus the sprig
functions and ``sanitizeDNSName``. Supported here: ``{{ .NAME }}``, pipelines ``{{ .NAME | fn arg
}}``, function calls ``{{ fn arg .NAME }}``, string (``"..."``, raw backquoted), integer and boolean
literals, ``{{- -}}`` trimming and ``{{/* comments */}}``; the functions ``sanitizeDNSName``,
``lower``, ``upper``, ``trunc``, ``replace``, ``default``, ``quote``, ``squote``, ``trim``,
``trimPrefix``, ``trimSuffix``. Anything else (``if``, ``range``, variables, parentheses, other
functions) raises `TemplateError` saying it is unsupported, rather than rendering wrongly.

A reference to a missing key fails with Go's text: ``template: :L:C: executing "" at <.X>: map has
no entry for key "X"`` (L is 1-based, C a 0-based byte column). Gimlet templates the manifest
marshalled to YAML, so its line numbers count YAML lines; here they count lines of the string being
rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "FUNCTIONS",
    "TemplateError",
    "referenced_names",
    "render",
    "resolve_manifest",
    "sanitize_dns_name",
    "template_vars",
]

_GO_SPACE = " \t\r\n"


class TemplateError(Exception):
    """Raised when a template cannot be parsed or executed; the message is Go's where known."""


def sanitize_dns_name(value: str) -> str:
    """Gimlet's ``sanitizeDNSName`` (``pkg/dx/manifest.go``): an RFC 1123 label from any text.

    Lower-cases, turns every run of characters outside ``[0-9a-z]`` into one ``-``, cuts to 53
    bytes, then removes one trailing and one leading ``-``.
    """
    text = re.sub("[^0-9a-z]+", "-", value.lower())
    text = text.encode()[:53].decode(errors="ignore")
    return text.removesuffix("-").removeprefix("-")


def _go_quote(value: str, quote: str = '"') -> str:
    escapes = {"\\": "\\\\", quote: "\\" + quote, "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in value:
        if char in escapes:
            out.append(escapes[char])
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")  # noqa: PLR2004
        else:
            out.append(char)
    return quote + "".join(out) + quote


def _go_string(value: Any) -> str:
    """``fmt.Sprint`` for the values a template can hold."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_go_string(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value is False or value in ("", 0) or (isinstance(value, Mapping) and not value)


def _want_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"wrong type for value; expected int; got {_go_type(value)}"
        raise _CallError(name, msg)
    return value


def _want_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        msg = f"wrong type for value; expected string; got {_go_type(value)}"
        raise _CallError(name, msg)
    return value


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    return "interface {}" if value is None else "map[string]string"


class _CallError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _trunc(count: Any, text: Any) -> str:
    length, value = _want_int("trunc", count), _want_str("trunc", text)
    if length < 0 and len(value) + length > 0:
        return value[len(value) + length :]
    if length >= 0 and len(value) > length:
        return value[:length]
    return value


def _default(default: Any, *given: Any) -> Any:
    if not given or _empty(given[0]):
        return default
    return given[0]


def _fixed(name: str, arity: int, func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if len(args) != arity:
            msg = f"wrong number of args for {name}: want {arity} got {len(args)}"
            raise _ArityError(msg)
        return func(*args)

    return call


class _ArityError(Exception):
    pass


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "sanitizeDNSName": _fixed("sanitizeDNSName", 1, lambda v: sanitize_dns_name(_want_str("sanitizeDNSName", v))),
    "lower": _fixed("lower", 1, lambda v: _want_str("lower", v).lower()),
    "upper": _fixed("upper", 1, lambda v: _want_str("upper", v).upper()),
    "trim": _fixed("trim", 1, lambda v: _want_str("trim", v).strip(_GO_SPACE)),
    "trunc": _fixed("trunc", 2, _trunc),
    "replace": _fixed(
        "replace",
        3,
        lambda old, new, src: _want_str("replace", src).replace(_want_str("replace", old), _want_str("replace", new)),
    ),
    "trimPrefix": _fixed(
        "trimPrefix",
        2,
        lambda prefix, s: _want_str("trimPrefix", s).removeprefix(_want_str("trimPrefix", prefix)),
    ),
    "trimSuffix": _fixed(
        "trimSuffix",
        2,
        lambda suffix, s: _want_str("trimSuffix", s).removesuffix(_want_str("trimSuffix", suffix)),
    ),
    "default": _default,
    "quote": lambda *v: " ".join(_go_quote(_go_string(x)) for x in v if x is not None),
    "squote": lambda *v: " ".join("'" + _go_string(x) + "'" for x in v if x is not None),
}
"""The template functions this subset knows, by their Go names."""

_UNSUPPORTED_KEYWORDS = frozenset(
    {
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "break",
        "continue",
        "nil",
    }
)


@attrs.frozen
class _Token:
    kind: str  # field, string, number, bool, ident, pipe, dot
    value: Any
    pos: int


@attrs.frozen
class _Action:
    start: int  # position of "{{" (for parse errors)
    commands: tuple[tuple[_Token, ...], ...]


_Piece = str | _Action


def _line_of(text: str, pos: int) -> int:
    return 1 + text.count("\n", 0, pos)


def _parse_error(text: str, pos: int, message: str) -> TemplateError:
    return TemplateError(f"template: :{_line_of(text, pos)}: {message}")


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_RAW = re.compile(r"`[^`]*`")
_NUMBER = re.compile(r"[-+]?\d+(?![\w.])")
_FIELD = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _unquote(literal: str) -> str:
    out: list[str] = []
    body = literal[1:-1]
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b"}
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code in simple:
            out.append(simple[code])
            i += 2
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
        else:
            msg = f"invalid syntax in {literal}"
            raise ValueError(msg)
    return "".join(out)


def _lex_action(text: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    pos = start
    while pos < end:
        char = text[pos]
        if char in _GO_SPACE:
            pos += 1
            continue
        if char == "|":
            tokens.append(_Token("pipe", "|", pos))
            pos += 1
            continue
        if char == '"' and (m := _STRING.match(text, pos, end)):
            try:
                tokens.append(_Token("string", _unquote(m.group()), pos))
            except (ValueError, IndexError) as e:
                raise _parse_error(text, pos, f"invalid syntax: {m.group()}") from e
            pos = m.end()
            continue
        if char == "`" and (m := _RAW.match(text, pos, end)):
            tokens.append(_Token("string", m.group()[1:-1], pos))
            pos = m.end()
            continue
        if m := _NUMBER.match(text, pos, end):
            tokens.append(_Token("number", int(m.group()), pos))
            pos = m.end()
            continue
        if m := _FIELD.match(text, pos, end):
            if text.startswith(".", m.end()):
                raise _unsupported(text, pos, f"field chain {text[pos:end].split(maxsplit=1)[0]!r}")
            tokens.append(_Token("field", m.group()[1:], pos))
            pos = m.end()
            continue
        if char == "." and (pos + 1 == end or text[pos + 1] in _GO_SPACE + "|"):
            tokens.append(_Token("dot", ".", pos))
            pos += 1
            continue
        if m := _IDENT.match(text, pos, end):
            word = m.group()
            if word in {"true", "false"}:
                tokens.append(_Token("bool", word == "true", pos))
            elif word in _UNSUPPORTED_KEYWORDS:
                raise _unsupported(text, pos, f"'{word}'")
            else:
                tokens.append(_Token("ident", word, pos))
            pos = m.end()
            continue
        if char in "$()=:'":
            raise _unsupported(text, pos, f"{text[pos:end].strip()!r}")
        raise _parse_error(text, pos, f"unexpected {char!r} in command")
    return tokens


def _unsupported(text: str, pos: int, what: str) -> TemplateError:
    return TemplateError(
        f"unsupported template construct {what} at line {_line_of(text, pos)}:"
        " gimlet-ci's template subset"
        " handles {{ .NAME }}, pipelines and the functions " + ", ".join(sorted(FUNCTIONS))
    )


def _parse(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    pos = 0
    trim_next = False
    while True:
        open_at = text.find("{{", pos)
        literal = text[pos:] if open_at < 0 else text[pos:open_at]
        if trim_next:
            literal = literal.lstrip(_GO_SPACE)
        if open_at < 0:
            pieces.append(literal)
            return pieces
        inner_start = open_at + 2
        if text.startswith("- ", inner_start) or (
            text.startswith("-", inner_start) and text[inner_start + 1 : inner_start + 2] in ("\t", "\r", "\n")
        ):
            literal = literal.rstrip(_GO_SPACE)
            inner_start += 2
        pieces.append(literal)
        if text.startswith("/*", inner_start):
            close_comment = text.find("*/", inner_start)
            if close_comment < 0:
                raise _parse_error(text, open_at, "unclosed comment")
            close = text.find("}}", close_comment)
            if close < 0:
                raise _parse_error(text, open_at, "unclosed action")
            trim_next = text[close_comment + 2 : close].strip(_GO_SPACE) == "-"
            pos = close + 2
            continue
        close = _find_close(text, inner_start)
        if close < 0:
            raise _parse_error(text, open_at, "unclosed action")
        inner_end = close
        trim_next = False
        if close - 2 >= inner_start and text[close - 1] == "-" and text[close - 2] in _GO_SPACE:
            inner_end = close - 2
            trim_next = True
        tokens = _lex_action(text, inner_start, inner_end)
        commands: list[tuple[_Token, ...]] = []
        current: list[_Token] = []
        for token in tokens:
            if token.kind == "pipe":
                if not current:
                    raise _parse_error(text, token.pos, "missing command")
                commands.append(tuple(current))
                current = []
            else:
                current.append(token)
        if not current:
            message = "missing value for command" if not commands else "missing command"
            raise _parse_error(text, open_at, message)
        commands.append(tuple(current))
        for index, command in enumerate(commands):
            head = command[0]
            if head.kind == "ident" and head.value not in FUNCTIONS:
                raise _unsupported(text, head.pos, f"function {head.value!r}")
            if head.kind != "ident" and len(command) > 1:
                raise _parse_error(text, command[1].pos, f"can't give argument to non-function {head.value}")
            if index > 0 and head.kind != "ident":
                raise _parse_error(text, head.pos, f"non executable command in pipeline stage {index + 1}")
        pieces.append(_Action(open_at, tuple(commands)))
        pos = close + 2


def _find_close(text: str, start: int) -> int:
    """Index of the ``}}`` closing an action, skipping string literals."""
    pos = start
    while pos < len(text):
        char = text[pos]
        if char == '"':
            m = _STRING.match(text, pos)
            pos = m.end() if m else pos + 1
            continue
        if char == "`":
            m = _RAW.match(text, pos)
            pos = m.end() if m else pos + 1
            continue
        if text.startswith("}}", pos):
            return pos
        pos += 1
    return -1


def _error_location(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    column = len(text[line_start:pos].encode())
    return f":{_line_of(text, pos)}:{column}"


def _exec_error(text: str, token: _Token, context: str, message: str) -> TemplateError:
    return TemplateError(f'template: {_error_location(text, token.pos)}: executing "" at <{context}>: {message}')


def _evaluate(text: str, token: _Token, variables: Mapping[str, str]) -> Any:
    if token.kind == "field":
        if token.value not in variables:
            raise _exec_error(text, token, f".{token.value}", f'map has no entry for key "{token.value}"')
        return variables[token.value]
    if token.kind == "dot":
        return dict(variables)
    return token.value


def _execute(text: str, action: _Action, variables: Mapping[str, str]) -> str:
    value: Any = None
    for index, command in enumerate(action.commands):
        head = command[0]
        if head.kind != "ident":
            value = _evaluate(text, head, variables)
            continue
        args = [_evaluate(text, token, variables) for token in command[1:]]
        if index > 0:
            args.append(value)
        try:
            value = FUNCTIONS[head.value](*args)
        except _ArityError as e:
            raise _exec_error(text, head, head.value, str(e)) from e
        except _CallError as e:
            raise _exec_error(text, head, head.value, f"error calling {e.name}: {e}") from e
    return _go_string(value)


def render(text: str, variables: Mapping[str, str]) -> str:
    """Render *text* as Gimlet does (``missingkey=error``); `TemplateError` carries Go's message."""
    if "{{" not in text:
        return text
    return "".join(piece if isinstance(piece, str) else _execute(text, piece, variables) for piece in _parse(text))


def referenced_names(text: str) -> set[str]:
    """The variable names ``{{ .NAME }}`` references in *text*, for lint; unparsable actions are
    scanned loosely."""
    try:
        pieces = _parse(text)
    except TemplateError:
        names: set[str] = set()
        start = text.find("{{")
        while start >= 0:
            close = _find_close(text, start + 2)
            action = text[start + 2 : close if close >= 0 else len(text)]
            action = _RAW.sub("", _STRING.sub("", action))
            names.update(re.findall(r"(?<![\w.$])\.([A-Za-z_][A-Za-z0-9_]*)", action))
            start = text.find("{{", close) if close >= 0 else -1
        return names
    return {
        token.value
        for piece in pieces
        if isinstance(piece, _Action)
        for command in piece.commands
        for token in command
        if token.kind == "field"
    }


def _resolve(value: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, Mapping):
        return {(render(k, variables) if isinstance(k, str) else k): _resolve(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(item, variables) for item in value]
    return value


def resolve_manifest(manifest: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, Any]:
    """Render every string (keys too) of *manifest* with *variables*, as ``ResolveVars`` does.

    ``cleanup`` is left as it is: Gimlet resolves it separately, with ``BRANCH`` only.
    """
    resolved: dict[str, Any] = {}
    for key, value in manifest.items():
        resolved[key] = value if key == "cleanup" else _resolve(value, variables)
    return resolved


def template_vars(artifact: Mapping[str, Any], *, app: str | None = None) -> dict[str, str]:
    """The variables Gimlet renders an artifact's manifests with.

    ``context`` < the string values of every ``items[]`` map < ``vars`` < ``APP`` (when *app* is
    given); then every value is itself rendered against that map, as Gimlet's first ``ResolveVars``
    phase does (a missing key raises `TemplateError`). Gitops env-level ``.gimlet/vars`` are not
    known here.
    """
    merged: dict[str, str] = {}
    context = artifact.get("context")
    if isinstance(context, Mapping):
        merged.update({str(k): _go_string(v) for k, v in context.items()})
    items = artifact.get("items")
    if isinstance(items, list | tuple):
        for item in items:
            if isinstance(item, Mapping):
                merged.update({str(k): v for k, v in item.items() if isinstance(v, str)})
    variables = artifact.get("vars")
    if isinstance(variables, Mapping):
        merged.update({str(k): _go_string(v) for k, v in variables.items()})
    if app is not None:
        merged["APP"] = app
    return {key: render(value, merged) for key, value in merged.items()}
