"""Read `.gimlet/` manifests as Gimlet's ``gopkg.in/yaml.v3`` does, with line numbers.

PyYAML (its C parser when available) composes the node tree; scalars are then resolved here with
yaml.v3's own rules (``resolve.go``) instead of PyYAML's YAML 1.1 ones:

- only ``true``/``True``/``TRUE`` and ``false``/``False``/``FALSE`` are booleans (``yes``, ``on``
  and friends are strings);
- ``~``, ``null``/``Null``/``NULL`` and the empty scalar are null;
- integers are Go's ``strconv.ParseInt(s without "_", 0, 64)``: decimal, ``0x`` hex, ``0o`` and
  legacy ``0755`` octal, ``0b`` binary; beyond int64 ``ParseUint``; then floats matching yaml.v3's
  float regex, plus the ``.inf``/``.nan`` forms;
- timestamps (``2024-01-02``) and sexagesimal numbers (``1:20``) stay strings, as yaml.v3 gives
  them to ``interface{}`` values;
- quoted scalars and ``!!str`` are always strings; merge keys (``<<``) are applied; a repeated key
  is an error, as in yaml.v3.

Mapping keys come out as strings so manifests can be JSON-encoded; a key that is not a string in
YAML (``1:``, ``true:``) keeps its source text and is recorded in `Document.nonstring_keys` so
``lint`` can flag it.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from gimlet_ci.exceptions import ManifestError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_DEPTH", "MAX_EXPANDED", "Document", "KeyPath", "load_documents", "resolve_scalar"]

MAX_DEPTH = 100
"""Mappings and lists nested inside each other, at most, in one document. Real manifests nest a dozen levels (deep
Helm values); every reader after this one (our constructor, lint, the model of Gimlet's server) recurses per level,
and 100 keeps them all far from Python's recursion limit. yaml.v3 itself allows 10,000."""

MAX_EXPANDED = 100_000
"""Values (scalars, mappings, lists) one document may stand for once its aliases are expanded, when it uses aliases.
A 519-byte alias bomb stands for millions, which the JSON body, lint and Gimlet's server would each expand; a
manifest with aliases has a few thousand at most. A document without aliases is bounded by the file-size cap
(``gimlet_ci._files.MANIFEST_FILE_LIMIT``). yaml.v3 bounds aliasing by a ratio instead (``allowedAliasRatio``)."""

KeyPath = tuple[str | int, ...]
"""A path into a document: mapping keys (str) and sequence indexes (int)."""

_PLAIN = "!gimlet-ci/plain"
"""The tag our resolver gives every untagged plain scalar, so we resolve it ourselves."""
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_TYPES: dict[str, tuple[type, ...]] = {
    _INT: (int,),
    _FLOAT: (int, float),
    _BOOL: (bool,),
    _NULL: (type(None),),
}

_FIXED: dict[str, Any] = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
    ".inf": math.inf,
    ".Inf": math.inf,
    ".INF": math.inf,
    "+.inf": math.inf,
    "+.Inf": math.inf,
    "+.INF": math.inf,
    "-.inf": -math.inf,
    "-.Inf": -math.inf,
    "-.INF": -math.inf,
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_DIGITS = {
    16: frozenset("0123456789abcdefABCDEF"),
    10: frozenset("0123456789"),
    8: frozenset("01234567"),
    2: frozenset("01"),
}
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1

try:
    _BaseLoader: type[yaml.SafeLoader | yaml.CSafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, used only to compose nodes; plain scalars get a tag of our own."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: ARG002
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        if kind is yaml.SequenceNode:
            return _SEQ
        return _MAP


def _go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, falling back to ``ParseUint``; None when both fail."""
    body = text
    negative = False
    signed = body[:1] in {"+", "-"}
    if signed:
        negative = body[0] == "-"
        body = body[1:]
    prefix = body[:2].lower()
    if prefix == "0x":
        base, digits = 16, body[2:]
    elif prefix == "0o":
        base, digits = 8, body[2:]
    elif prefix == "0b":
        base, digits = 2, body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    else:
        base, digits = 10, body
    if not digits or not _DIGITS[base].issuperset(digits):
        return None
    value = int(digits, base)
    if negative:
        value = -value
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    if not signed and value <= _UINT64_MAX:
        return value
    return None


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None  # Go's ParseFloat fails on overflow


def resolve_scalar(text: str) -> Any:
    """Resolve an untagged plain scalar as yaml.v3 does when decoding into ``interface{}``."""
    if text in _FIXED:
        return _FIXED[text]
    first = text[0]
    if first == ".":
        if _DOT_FLOAT.fullmatch(text):
            value = _finite_float(text)
            if value is not None:
                return value
        return text
    if not (first.isascii() and (first.isdigit() or first in "+-")):
        return text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _YAML_FLOAT.fullmatch(plain):
        value = _finite_float(plain)
        if value is not None:
            return value
    return text


@attrs.frozen(kw_only=True)
class Document:
    """One YAML document: plain Python values plus the source line of every key."""

    data: Any
    """The document as dicts, lists, str, int, float, bool and None; mapping keys are always str."""
    line: int
    """1-based line where the document's content starts."""
    filename: str
    """The file the document came from, as given to `load_documents`."""
    lines: Mapping[KeyPath, int] = attrs.field(factory=dict, repr=False)
    """1-based line of each mapping key and sequence item, by path."""
    nonstring_keys: tuple[KeyPath, ...] = ()
    """Paths whose last key was not a string in YAML (``1:``, ``true:``), kept as source text."""

    def line_of(self, path: KeyPath) -> int:
        """The line of *path*, or of its nearest known ancestor, or the document's first line."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return self.line


class _Constructor:
    """Turns a composed node tree into plain values, recording lines and non-string keys."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: dict[KeyPath, int] = {}
        self.nonstring: list[KeyPath] = []
        self.done: dict[int, Any] = {}
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> ManifestError:
        return ManifestError(message, file=self.filename, line=node.start_mark.line + 1)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        key = id(node)
        if key in self.done:
            return self.done[key]
        if key in self.active:
            raise self.fail(node, "an alias refers to a node that contains it; remove the recursion")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self.active.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                value: Any = []
                for index, item in enumerate(node.value):
                    self.lines.setdefault((*path, index), item.start_mark.line + 1)
                    value.append(self.build(item, (*path, index)))
            elif isinstance(node, yaml.MappingNode):
                value = self.mapping(node, path)
            else:  # pragma: no cover - the composer makes only these three kinds
                raise self.fail(node, f"unexpected YAML node {type(node).__name__}")
        finally:
            self.active.discard(key)
        self.done[key] = value
        return value

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text: str = node.value
        tag: str = node.tag
        if tag == _PLAIN:
            return resolve_scalar(text)
        expected = _TYPES.get(tag)
        if expected is not None:
            value: Any = resolve_scalar(text)
            if type(value) not in expected:
                short = tag.rsplit(":", 1)[-1]
                msg = f"cannot decode the value as !!{short}; remove the tag or fix the value"  # never the content
                raise self.fail(node, msg)
            if tag == _FLOAT:
                return float(value)
            return value
        return text  # quoted, !!str, and tags yaml.v3 cannot resolve are kept as the text

    def key_text(self, node: yaml.Node, path: KeyPath) -> str:
        if isinstance(node, yaml.ScalarNode):
            value = self.scalar(node)
            if not isinstance(value, str):
                self.nonstring.append((*path, node.value))
            return str(node.value)
        text = str(self.build(node, path))
        self.nonstring.append((*path, text))
        return text

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE or (key_node.tag == _PLAIN and key_node.value == "<<"):
                merged.update(self.merge_sources(value_node, path))
                continue
            line = key_node.start_mark.line + 1
            name = self.key_text(key_node, path)
            if name in seen:
                msg = (
                    f"mapping key {name!r} already defined at line {seen[name]}: YAML tools keep one of the two and"
                    " Gimlet's decoder merges them field by field; remove one of them"
                )
                raise self.fail(key_node, msg)
            seen[name] = line
            self.lines.setdefault((*path, name), line)
            result[name] = self.build(value_node, (*path, name))
        if merged:
            return {**merged, **result}
        return result

    def merge_sources(self, node: yaml.Node, path: KeyPath) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(source, "a merge key (<<) needs a mapping or a list of mappings")
            merged.update(self.build(source, path))
        return merged


def _yaml_error(error: yaml.YAMLError, filename: str) -> ManifestError:
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        mark = error.problem_mark or error.context_mark
        message = "not valid YAML: " + (", ".join(parts) if parts else str(error))
        return ManifestError(message, file=filename, line=mark.line + 1 if mark else None)
    return ManifestError(f"not valid YAML: {error}", file=filename)


def _line(mark: Any) -> int | None:
    return None if mark is None else int(mark.line) + 1


def _check_bounds(text: str, filename: str) -> None:
    """Raise `ManifestError` when a document of *text* nests deeper than `MAX_DEPTH` or its aliases expand to more
    than `MAX_EXPANDED` values; one pass over the parser's events, before anything is composed."""
    open_sizes: list[list[Any]] = []  # [expanded size, anchor] of each open mapping or list
    anchors: dict[str, int] = {}
    total = 0
    aliased = False

    def add(size: int, mark: Any) -> None:
        nonlocal total
        if open_sizes:
            open_sizes[-1][0] += size
        else:
            total += size
        if aliased and total + sum(item[0] for item in open_sizes) > MAX_EXPANDED:
            msg = (
                f"its aliases expand to more than {MAX_EXPANDED:,} values (an alias bomb?); Gimlet, lint and the"
                " JSON body would each expand them: write the values out or use fewer aliases"
            )
            raise ManifestError(msg, file=filename, line=_line(mark))

    loader = _BaseLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                anchors, total, aliased = {}, 0, False
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    anchors[event.anchor] = 1
                add(1, event.start_mark)
            elif isinstance(event, yaml.AliasEvent):
                aliased = True
                add(anchors.get(event.anchor or "", 1), event.start_mark)
            elif isinstance(event, yaml.CollectionStartEvent):
                open_sizes.append([1, event.anchor])
                if len(open_sizes) > MAX_DEPTH:
                    msg = (
                        f"mappings and lists nested more than {MAX_DEPTH} levels deep; real manifests need far"
                        " fewer: flatten the values"
                    )
                    raise ManifestError(msg, file=filename, line=_line(event.start_mark))
            elif isinstance(event, yaml.CollectionEndEvent) and open_sizes:
                size, anchor = open_sizes.pop()
                if anchor:
                    anchors[anchor] = size
                add(size, event.start_mark)
    except yaml.YAMLError as e:
        raise _yaml_error(e, filename) from e
    finally:
        loader.dispose()


def load_documents(text: str, *, filename: str) -> list[Document]:
    """Parse every document of *text*; raise `ManifestError` with *filename* and line on bad YAML, on nesting deeper
    than `MAX_DEPTH` and on aliases that expand beyond `MAX_EXPANDED`.

    An empty stream gives no documents; an empty document (``---`` alone) gives ``data=None``.
    """
    _check_bounds(text, filename)
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            constructor = _Constructor(filename)
            data = constructor.build(node, ())
            documents.append(
                Document(
                    data=data,
                    line=node.start_mark.line + 1,
                    filename=filename,
                    lines=constructor.lines,
                    nonstring_keys=tuple(constructor.nonstring),
                )
            )
    except yaml.YAMLError as e:
        raise _yaml_error(e, filename) from e
    finally:
        loader.dispose()
    return documents
