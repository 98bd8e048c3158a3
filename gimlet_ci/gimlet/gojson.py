"""Go's ``encoding/json``, as Gimlet's server applies it to what it receives, and as it answers.

Decoding is schema-driven: a body is parsed once into a raw tree that keeps what Go's decoder sees and Python's
``json`` would lose (key order, repeated keys, the text of every number), then decoded into a Go type described by
the small type language below (`String`, `Int64`, `Bool`, `Any`, `Ptr`, `Slice`, `Map`, `Struct`, `Custom`).
The rules are Go's:

- one JSON value is read; bytes after it are ignored (``json.Decoder.Decode``); a syntax error decodes nothing;
- object keys match struct fields exactly, else case-insensitively (ASCII letters, plus the long s U+017F for ``s``
  and the Kelvin sign U+212A for ``k``), the first such field in declaration order; keys matching no field are dropped;
- a plain type mismatch leaves the target as it was (a pointer is allocated first, so ``"deploy": "x"`` leaves an
  empty struct) and is recorded; decoding goes on;
- an error from a custom unmarshaler aborts the whole decode: what was decoded up to there stays, nothing after;
- a repeated key decodes into what the first one left (structs and maps merge, slices decode element by element
  into the existing elements);
- numbers in ``interface{}`` are float64 (``1e400`` is a type error); integers must fit int64 and have no fraction
  or exponent.

Decoded values are plain Python: a struct is a dict holding every field (zero values included) in declaration
order, a nil pointer, map, slice or interface is None. `encode` writes them back the way ``json.Marshal`` does
(struct order, omitempty, sorted map keys, ``\\u003c`` escapes, Go's float format).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import attrs

__all__ = [
    "Any_",
    "Bool",
    "Custom",
    "DecodeAbort",
    "DecodeIssue",
    "Decoder",
    "Field",
    "GoPanic",
    "Int64",
    "JNumber",
    "JObject",
    "Map",
    "Ptr",
    "RawSyntaxError",
    "Slice",
    "String",
    "Struct",
    "encode",
    "fold_equal",
    "go_float",
    "go_string",
    "parse",
    "plain",
    "zero",
]

KeyPath = tuple[str | int, ...]


# --- the raw tree -------------------------------------------------------------------------------


class JObject(list[tuple[str, Any]]):
    """A JSON object as Go's decoder sees it: its members in document order, repeated keys kept."""

    __slots__ = ()


@attrs.frozen
class JNumber:
    """A JSON number, as its text: Go decides per target type how to read it."""

    text: str


class RawSyntaxError(ValueError):
    """The body is not one JSON value (Go's ``Decode`` returns a syntax error and decodes nothing)."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_WHITESPACE = " \t\r\n"


def _fix(text: str) -> str:
    # Go turns an escaped lone surrogate into U+FFFD; Python keeps it.
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def _fix_tree(value: Any) -> Any:
    """`_fix` every string of a raw tree (only called when the body has a surrogate escape at all)."""
    if isinstance(value, str):
        return _fix(value)
    if isinstance(value, JObject):
        return JObject((_fix(key), _fix_tree(item)) for key, item in value)
    if isinstance(value, list):
        return [_fix_tree(item) for item in value]
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> JObject:
    return JObject(pairs)


def _per_byte(error: UnicodeError) -> tuple[str, int]:
    # Go's decoder replaces each byte of an invalid UTF-8 sequence with U+FFFD; Python's "replace" one per sequence.
    assert isinstance(error, UnicodeDecodeError)  # noqa: S101 - registered for decoding only
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("gimlet_ci.go_utf8", _per_byte)


def _no_constant(name: str) -> Any:
    msg = f"invalid character {name[0]!r} looking for beginning of value"
    raise RawSyntaxError(msg)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs,
    parse_float=JNumber,
    parse_int=JNumber,
    parse_constant=_no_constant,
)


def parse(body: bytes | str, *, whole: bool = False) -> Any:
    """The first JSON value of *body* as a raw tree (`JObject`, list, str, `JNumber`, bool, None).

    Invalid UTF-8 is read as U+FFFD, as Go does; trailing bytes are ignored as ``json.Decoder`` ignores them, or,
    with *whole*, are an error as for ``json.Unmarshal``. Raises `RawSyntaxError`.
    """
    text = body.decode("utf-8", errors="gimlet_ci.go_utf8") if isinstance(body, bytes) else body
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if start == len(text):
        msg = "EOF"
        raise RawSyntaxError(msg)
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as e:
        raise RawSyntaxError(e.msg) from e
    except RecursionError as e:
        msg = "exceeded max depth"
        raise RawSyntaxError(msg) from e
    if whole and text[end:].strip(_WHITESPACE):
        msg = f"invalid character {text[end:].lstrip(_WHITESPACE)[0]!r} after top-level value"
        raise RawSyntaxError(msg)
    return _fix_tree(value) if "\\u" in text and _SURROGATE_ESCAPE.search(text) else value


def dynamic_type(value: Any) -> str:
    """The Go type an ``interface{}`` holding a decoded JSON value has, as a panic message names it."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float | int):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    return "map[string]interface {}"


def type_assert(value: Any, python_type: type, want: str, path: KeyPath = ()) -> Any:
    """Go's unchecked ``value.(T)`` on an ``interface{}``: *value*, or a `GoPanic` saying what it held (and where,
    when *path* is given) when it is not a *want* (nil never is)."""
    if value is None or not isinstance(value, python_type) or (python_type is float and isinstance(value, bool)):
        panic = GoPanic(f"interface conversion: interface {{}} is {dynamic_type(value)}, not {want}")
        panic.path = path
        raise panic
    return value


def raw_kind(raw: Any) -> str:
    """Go's name for a raw value's JSON type, as in ``cannot unmarshal <kind> into …``."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "bool"
    if isinstance(raw, JNumber):
        return "number"
    if isinstance(raw, str):
        return "string"
    if isinstance(raw, JObject):
        return "object"
    return "array"


# --- field-name folding -----------------------------------------------------------------------

_SPECIAL_FOLDS = {"\u017f": "s", "\u212a": "k"}


def fold_equal(key: str, name: str) -> bool:
    """True when Go's key matching takes *key* for the ASCII field name *name* (case-insensitively)."""
    if len(key) != len(name):
        return False
    for char, field_char in zip(key, name, strict=True):
        if char == field_char:
            continue
        folded = _SPECIAL_FOLDS.get(char, char)
        if not (folded.isascii() and folded.lower() == field_char.lower()):
            return False
    return True


# --- the type language ------------------------------------------------------------------------


class GoType:
    """A Go type the decoder can fill."""

    go_name = "?"


@attrs.frozen
class _Scalar(GoType):
    go_name: str


String = _Scalar("string")
Int64 = _Scalar("int64")
Bool = _Scalar("bool")
Any_ = _Scalar("interface {}")


@attrs.frozen
class Ptr(GoType):
    """``*T``."""

    elem: GoType

    @property
    def go_name(self) -> str:  # type: ignore[override]
        return f"*{self.elem.go_name}"


@attrs.frozen
class Slice(GoType):
    """``[]T``."""

    elem: GoType

    @property
    def go_name(self) -> str:  # type: ignore[override]
        return f"[]{self.elem.go_name}"


@attrs.frozen
class Map(GoType):
    """``map[string]T``."""

    elem: GoType

    @property
    def go_name(self) -> str:  # type: ignore[override]
        return f"map[string]{self.elem.go_name}"


@attrs.frozen
class Field:
    """One struct field: its JSON name, type, and whether it is ``omitempty``."""

    name: str
    type: GoType
    omitempty: bool = False


@attrs.frozen(eq=False)
class Struct(GoType):
    """A Go struct type; values are dicts keyed by `Field.name`, in this order."""

    go_name: str
    fields: tuple[Field, ...]

    def field_for(self, key: str) -> Field | None:
        """The field a JSON key lands on: the exact name, else the first case-insensitive match."""
        for field in self.fields:
            if field.name == key:
                return field
        for field in self.fields:
            if fold_equal(key, field.name):
                return field
        return None


Unmarshal = Callable[["Decoder", Any, Any, KeyPath], Any]
"""A custom ``UnmarshalJSON``: (decoder, raw value, current value, path) -> new value. It may raise
`DecodeAbort` (an error return) or `GoPanic`."""
Marshal = Callable[[Any], str]


@attrs.frozen(eq=False)
class Custom(GoType):
    """A type with its own ``UnmarshalJSON``/``MarshalJSON`` (Gimlet's enums, ``Dependency``)."""

    go_name: str
    unmarshal: Unmarshal
    marshal: Marshal
    zero_factory: Callable[[], Any]
    is_empty: Callable[[Any], bool] = lambda _value: False


def zero(go_type: GoType) -> Any:
    """The zero value of *go_type*: a struct is a dict of its fields' zero values."""
    if go_type is String:
        return ""
    if go_type is Int64:
        return 0
    if go_type is Bool:
        return False
    if isinstance(go_type, Struct):
        return {field.name: zero(field.type) for field in go_type.fields}
    if isinstance(go_type, Custom):
        return go_type.zero_factory()
    return None


def _allocated(go_type: GoType, current: Any, raw: Any) -> Any:
    """What a slot holds once Go's ``indirect`` ran: a nil pointer is allocated before anything is decoded into
    it, so that an abort inside leaves it allocated."""
    if isinstance(go_type, Ptr) and current is None and raw is not None:
        return zero(go_type.elem)
    return current


# --- decoding ---------------------------------------------------------------------------------


@attrs.frozen
class DecodeIssue:
    """Something Go's decoder reported: a type mismatch, an unmarshaler's error or a panic."""

    path: KeyPath
    """Where, as keys and indexes of the body as written."""
    kind: str
    """``type`` (a mismatch, decoding went on), ``abort`` (an unmarshaler error stopped decoding) or
    ``panic``."""
    got: str
    """The JSON kind found (``string``, ``number``…), or for ``abort``/``panic`` Go's message."""
    want: str
    """The Go type expected (``string``, ``[]string``…)."""
    raw: Any = attrs.field(default=None, eq=False, repr=False)
    """The raw value found, for messages."""

    def go_message(self) -> str:
        """The error text as Go words it (approximately; only its presence matters to Gimlet)."""
        if self.kind == "type":
            where = ".".join(str(part) for part in self.path if isinstance(part, str))
            return f"json: cannot unmarshal {self.got} into Go value of type {self.want} ({where})"
        return self.got


class DecodeAbort(Exception):
    """A custom unmarshaler returned an error: Go's ``Decode`` stops there."""

    def __init__(self, issue: DecodeIssue) -> None:
        super().__init__(issue.got)
        self.issue = issue
        self.partial: list[Any] | None = None


class GoPanic(Exception):
    """Go code panicked (an unchecked type assertion, a nil dereference, slice bounds…)."""

    path: KeyPath = ()
    """Where in the body, when known (the field an unchecked type assertion looked at)."""


@attrs.define
class Decoder:
    """One ``Decode`` call: fills values and collects the issues."""

    issues: list[DecodeIssue] = attrs.field(factory=list)

    def mismatch(self, path: KeyPath, raw: Any, go_type: GoType) -> None:
        """Record a plain type mismatch (Go's ``saveError``)."""
        self.issues.append(DecodeIssue(path=path, kind="type", got=raw_kind(raw), want=go_type.go_name, raw=raw))

    def value(self, go_type: GoType, current: Any, raw: Any, path: KeyPath) -> Any:
        """Decode *raw* into a value of *go_type* that currently holds *current*; return the new value.

        Containers are filled in place where they already exist, so that an abort leaves what Go leaves.
        """
        if raw is None:
            if isinstance(go_type, Ptr | Slice | Map) or go_type is Any_:
                return None
            if isinstance(go_type, Custom):
                return go_type.unmarshal(self, raw, current, path)
            return current
        if isinstance(go_type, Ptr):
            target = current if current is not None else zero(go_type.elem)
            return self.value(go_type.elem, target, raw, path)
        if isinstance(go_type, Custom):
            return go_type.unmarshal(self, raw, current, path)
        if go_type is String:
            if isinstance(raw, str):
                return raw
        elif go_type is Bool:
            if isinstance(raw, bool):
                return raw
        elif go_type is Int64:
            if isinstance(raw, JNumber):
                number = _go_int(raw.text)
                if number is not None:
                    return number
        elif go_type is Any_:
            return self.interface(raw, path)
        elif isinstance(go_type, Struct):
            if isinstance(raw, JObject):
                self.struct(go_type, current, raw, path)
                return current
        elif isinstance(go_type, Slice):
            if isinstance(raw, list) and not isinstance(raw, JObject):
                return self.slice(go_type, current, raw, path)
        elif isinstance(go_type, Map) and isinstance(raw, JObject):
            return self.map(go_type, current, raw, path)
        self.mismatch(path, raw, go_type)
        return current

    def struct(self, go_type: Struct, target: dict[str, Any], raw: JObject, path: KeyPath) -> None:
        """Decode the members of *raw* into the struct value *target*, in document order."""
        for key, item in raw:
            field = go_type.field_for(key)
            if field is None:
                continue
            target[field.name] = _allocated(field.type, target[field.name], item)
            try:
                target[field.name] = self.value(field.type, target[field.name], item, (*path, key))
            except DecodeAbort as abort:
                if abort.partial is not None:  # a slice rebuilt below this field: keep what it decoded
                    target[field.name] = abort.partial
                    abort.partial = None
                raise

    def slice(self, go_type: Slice, current: list[Any] | None, raw: list[Any], path: KeyPath) -> list[Any]:
        """Decode an array element by element into the existing elements, then cut to the array's length.

        On an abort the elements decoded so far, the failing one included, travel up as the partial slice.
        """
        old = current or []
        out: list[Any] = []
        try:
            for index, item in enumerate(raw):
                out.append(_allocated(go_type.elem, old[index] if index < len(old) else zero(go_type.elem), item))
                out[index] = self.value(go_type.elem, out[index], item, (*path, index))
        except DecodeAbort as abort:
            if abort.partial is None:
                abort.partial = out + old[len(out) :]  # Go shrinks the slice only when the array is done
            raise
        return out

    def map(self, go_type: Map, current: dict[str, Any] | None, raw: JObject, path: KeyPath) -> dict[str, Any]:
        """Decode into a map: each element from its zero value, assigned after it decoded."""
        target = current if current is not None else {}
        for key, item in raw:
            target[key] = self.value(go_type.elem, zero(go_type.elem), item, (*path, key))
        return target

    def interface(self, raw: Any, path: KeyPath) -> Any:
        """A raw value as ``interface{}``: maps, slices, float64, string, bool, nil."""
        if isinstance(raw, JObject):
            return {key: self.interface(item, (*path, key)) for key, item in raw}
        if isinstance(raw, list):
            return [self.interface(item, (*path, index)) for index, item in enumerate(raw)]
        if isinstance(raw, JNumber):
            number = float(raw.text)
            if math.isinf(number):
                self.issues.append(
                    DecodeIssue(path=path, kind="type", got=f"number {raw.text}", want="float64", raw=raw)
                )
                return None
            return number
        return raw

    def decode(self, go_type: GoType, raw: Any) -> tuple[Any, DecodeIssue | None]:
        """Decode a whole body into a fresh value; return it with the abort, if one stopped decoding.

        `GoPanic` propagates.
        """
        value = zero(go_type)
        if isinstance(go_type, Struct) and isinstance(raw, JObject):
            try:
                self.struct(go_type, value, raw, ())
            except DecodeAbort as abort:
                self.issues.append(abort.issue)
                return value, abort.issue
            return value, None
        try:
            value = self.value(go_type, value, raw, ())
        except DecodeAbort as abort:
            self.issues.append(abort.issue)
            return value, abort.issue
        return value, None


_GO_INT = re.compile(r"-?(0|[1-9][0-9]*)")


def _go_int(text: str) -> int | None:
    if not _GO_INT.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


# --- encoding ---------------------------------------------------------------------------------


def go_float(value: float) -> str:
    """A float64 as Go's encoder writes it: shortest digits, ``1e+21`` and ``1e-7`` outside [1e-6, 1e21)."""
    if math.isnan(value) or math.isinf(value):
        msg = f"json: unsupported value: {value}"
        raise ValueError(msg)
    absolute = abs(value)
    if absolute != 0 and (absolute < 1e-6 or absolute >= 1e21):  # noqa: PLR2004 - Go's switch to 'e' format
        mantissa, _, exponent = repr(value).partition("e")  # repr uses an exponent in this whole range
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        if exponent.startswith("-"):
            return f"{mantissa}e-{digits}"
        return f"{mantissa}e+{digits.zfill(2)}"
    from decimal import Decimal  # noqa: PLC0415 - off the cheap paths

    return format(Decimal(repr(value)).normalize(), "f")  # repr has Go's shortest digits; -0 stays -0


def go_string(value: str) -> str:
    """A string as Go's encoder quotes it (HTML-safe escapes, U+2028/2029 escaped)."""
    text = json.dumps(value, ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _empty(go_type: GoType, value: Any) -> bool:
    if isinstance(go_type, Custom):
        return go_type.is_empty(value)
    if isinstance(go_type, Struct):
        return False
    if value is None:
        return True
    if isinstance(go_type, Ptr):
        return False
    if isinstance(value, str | list | dict):
        return len(value) == 0
    if isinstance(value, bool):
        return value is False
    if isinstance(value, int | float):
        return value == 0
    return False


def _encode_any(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(go_float(float(value)) if abs(value) >= 2**53 else str(value))
    elif isinstance(value, float):
        out.append(go_float(value))
    elif isinstance(value, str):
        out.append(go_string(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value, key=str)):
            out.append("," if index else "")
            out.append(go_string(str(key)) + ":")
            _encode_any(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            out.append("," if index else "")
            _encode_any(item, out)
        out.append("]")
    else:
        out.append(go_string(str(value)))


def _encode(go_type: GoType, value: Any, out: list[str]) -> None:
    if isinstance(go_type, Custom):
        out.append(go_type.marshal(value))
    elif isinstance(go_type, Ptr):
        if value is None:
            out.append("null")
        else:
            _encode(go_type.elem, value, out)
    elif isinstance(go_type, Struct):
        out.append("{")
        first = True
        for field in go_type.fields:
            item = value[field.name]
            if field.omitempty and _empty(field.type, item):
                continue
            out.append("" if first else ",")
            first = False
            out.append(go_string(field.name) + ":")
            _encode(field.type, item, out)
        out.append("}")
    elif isinstance(go_type, Slice):
        if value is None:
            out.append("null")
            return
        out.append("[")
        for index, item in enumerate(value):
            out.append("," if index else "")
            _encode(go_type.elem, item, out)
        out.append("]")
    elif isinstance(go_type, Map):
        if value is None:
            out.append("null")
            return
        out.append("{")
        for index, key in enumerate(sorted(value)):
            out.append("," if index else "")
            out.append(go_string(key) + ":")
            _encode(go_type.elem, value[key], out)
        out.append("}")
    else:
        _encode_any(value, out)


def encode(go_type: GoType, value: Any) -> bytes:
    """*value* of *go_type* as ``json.Marshal`` writes it, compact. Raises ValueError for NaN or infinity."""
    out: list[str] = []
    _encode(go_type, value, out)
    return "".join(out).encode()


def encode_any(value: Any) -> bytes:
    """A plain value (an ``interface{}``, a Go map) as ``json.Marshal`` writes it: sorted keys."""
    out: list[str] = []
    _encode_any(value, out)
    return "".join(out).encode()


def plain(go_type: GoType, value: Any) -> Any:
    """*value* as the plain JSON structure `encode` would write (omitempty applied, Go order)."""
    return json.loads(encode(go_type, value))


def members(raw: Any, name: str) -> Sequence[Any]:
    """The values of every member of the raw object *raw* that Go would decode into the field *name*.

    (Only correct when no other field of the struct folds to the same key, which holds for Gimlet's structs.)
    """
    if not isinstance(raw, JObject):
        return ()
    return [item for key, item in raw if key == name or fold_equal(key, name)]
