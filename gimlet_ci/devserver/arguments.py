"""The ``dev-server`` command's options: the server's own, then one per field of `Faults`, built from the field.

Apart from the server, so that building the CLI parser stays cheap. A knob's option is ``--`` plus its name with
dashes; its help is its docstring; a ``bool`` knob is a flag, an ``int`` one takes ``N``, a ``float`` one a delay in
seconds or as a Go duration, a ``str`` one ``TEXT``, unless the field's metadata names the value (``metavar``) or
the allowed values (``choices``). The push channel's knobs (``ws_*``) get a group of their own.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from gimlet_ci._parse import parse_duration
from gimlet_ci.devserver.faults import Faults
from gimlet_ci.exceptions import ConfigError

__all__ = ["add_arguments", "fault_knobs", "knob_docs"]

_GO_DURATION = re.compile(r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_MAX_PORT = 65535


def _delay(option: str) -> Callable[[str], float]:
    """A parser for *option*: zero or more seconds (``1.5``) or a Go duration (``500ms``, ``0s``)."""

    def parse(value: str) -> float:
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            if _GO_DURATION.fullmatch(text) is None:
                seconds = math.nan
            else:
                try:
                    seconds = parse_duration(text, name=option)
                except ConfigError:  # a well-formed duration that is not positive: zero
                    seconds = 0.0
        if not math.isfinite(seconds) or seconds < 0:
            msg = f"{option} {value!r} is not a delay"
            raise ConfigError(msg, tip=f"give {option} seconds (1.5) or a Go duration (500ms, 2s); 0 means none")
        return seconds

    return parse


def _signed(option: str) -> Callable[[str], float]:
    """A parser for *option*: a finite number of seconds, negative allowed (``-120``)."""

    def parse(value: str) -> float:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds):
            msg = f"{option} {value!r} is not a number of seconds"
            raise ConfigError(msg, tip=f"give {option} seconds, e.g. -120 for a clock two minutes behind")
        return seconds

    return parse


def _port(value: str) -> int:
    """``--port``: 0-65535, where 0 picks a free port."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) > _MAX_PORT:
        msg = f"--port {value!r} is not a port number"
        raise ConfigError(msg, tip="use --port 1-65535, or 0 to pick a free one")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``dev-server`` options to *parser*."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=9000, help="port (default 9000, Gimlet's; 0 picks a free one)")
    parser.add_argument("--token", default=None, help="the API token to accept (default: a random one, printed)")
    parser.add_argument(
        "--processing-delay", type=_delay("--processing-delay"), default=1.0, metavar="SECONDS",
        help="how long events stay 'new' (seconds or Go duration; default 1s)",
    )  # fmt: skip
    parser.add_argument(
        "--reconcile-delay", type=_delay("--reconcile-delay"), default=2.0, metavar="SECONDS",
        help="how long a gitops commit takes to reconcile (default 2s)",
    )  # fmt: skip
    parser.add_argument(
        "--environments", default="staging,production",
        help="comma-separated environments the server knows (default staging,production)",
    )  # fmt: skip
    groups = {
        False: parser.add_argument_group("fault knobs"),
        True: parser.add_argument_group("push channel (/ws/) knobs"),
    }
    for field, help_text in _knobs():
        flag = "--" + field.name.replace("_", "-")
        groups[field.name.startswith("ws_")].add_argument(
            flag, dest=field.name, default=field.default, help=help_text, **_kind(field, flag)
        )


def fault_knobs(args: argparse.Namespace) -> dict[str, Any]:
    """The fault knobs' values among parsed ``dev-server`` options, as keyword arguments for the server."""
    return {field.name: getattr(args, field.name) for field in attrs.fields(Faults)}


def _knobs() -> Iterator[tuple[attrs.Attribute[Any], str]]:
    """Each field of `Faults` with its docstring as help text (``%`` escaped for argparse, reST quotes dropped)."""
    docs = knob_docs()
    for field in attrs.fields(attrs.resolve_types(Faults)):
        yield field, docs[field.name].replace("``", "").replace("%", "%%")


def _kind(field: attrs.Attribute[Any], flag: str) -> dict[str, Any]:
    """How argparse reads *field*'s option: a flag, or a value of the field's type."""
    choices: Mapping[str, str] | None = field.metadata.get("choices")
    metavar: str | None = field.metadata.get("metavar")
    kind: object = field.type  # resolved by `attrs.resolve_types`
    if kind is bool:
        if field.default is not False:  # pragma: no cover - a knob is off unless asked for
            msg = f"the {field.name} knob must default to False to be a flag"
            raise TypeError(msg)
        return {"action": "store_true"}
    if choices is not None:
        return {"choices": sorted(choices)}
    if kind is float and field.metadata.get("signed"):
        return {"type": _signed(flag), "metavar": metavar or "SECONDS"}
    if kind is float:
        return {"type": _delay(flag), "metavar": metavar or "SECONDS"}
    if kind in (int, int | None):
        return {"type": int, "metavar": metavar or "N"}
    return {"metavar": metavar or "TEXT"}


def knob_docs() -> dict[str, str]:
    """The docstring of each `Faults` field (the string right after it), whitespace folded.

    Read from the source, so that they need not be written twice; the generated reference shows the same text.
    """
    import ast  # noqa: PLC0415 - only when the parser is built
    import inspect  # noqa: PLC0415
    import textwrap  # noqa: PLC0415

    tree = ast.parse(textwrap.dedent(inspect.getsource(Faults)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in zip(body, [*body[1:], None], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs
