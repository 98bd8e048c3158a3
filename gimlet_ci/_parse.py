"""Parsers for the values users type: booleans, Go-style durations, NAME=VALUE pairs."""

from __future__ import annotations

import re

from gimlet_ci.exceptions import ConfigError

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})

_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
"""ASCII digits only, as Go's ``time.ParseDuration`` (``\\d`` would take Arabic-Indic or full-width digits)."""
_MAX_DURATION = (2**63 - 1) / 1e9
"""Go's longest duration (int64 nanoseconds, about 292 years); ``ParseDuration`` refuses longer ones."""
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_bool(value: str, *, name: str) -> bool:
    """Read a boolean the way every CI writes one; anything unknown is an error naming *name*."""
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    msg = f"{name}={value!r} is not a boolean"
    raise ConfigError(msg, tip="use true/false (also 1/0, yes/no, on/off)")


def parse_duration(value: str, *, name: str) -> float:
    """Parse a Go duration (`90s`, `10m`, `1h30m`, `1.5h`) into seconds; it must be positive."""
    text = value.strip()
    pos = 0
    total = 0.0
    if text:
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                break
            total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            pos = match.end()
    if not text or pos != len(text) or total <= 0:
        msg = f"{name}={_shown(value)} is not a positive duration"
        raise ConfigError(msg, tip="write it Go-style, for example 90s, 10m or 1h30m")
    if total > _MAX_DURATION:  # infinity included: a 400-digit number
        msg = f"{name}={_shown(value)} is longer than a duration can be (about 292 years)"
        raise ConfigError(msg, tip="write it Go-style, for example 90s, 10m or 1h30m")
    return total


def _shown(value: str, limit: int = 40) -> str:
    """*value* as an error line shows it: quoted, and cut in the middle when longer than *limit*."""
    if len(value) <= limit:
        return repr(value)
    return repr(f"{value[: limit // 2]}…{value[-limit // 2 :]}")


def parse_pair(value: str, *, name: str) -> tuple[str, str]:
    """Split `KEY=VALUE` at the first `=`; the value is kept verbatim (commas included)."""
    key, sep, rest = value.partition("=")
    key = key.strip()
    if not sep or not key:
        msg = f"{name} {value!r} is not KEY=VALUE"
        raise ConfigError(msg, tip=f"write {name} as NAME=VALUE")
    return key, rest


def parse_fields(value: str, *, name: str) -> tuple[tuple[str, str], ...]:
    """Parse the official `fields` input: `name=url` pairs separated by `;` or newlines."""
    pairs: list[tuple[str, str]] = []
    for raw in re.split(r"[;\n]", value):
        item = raw.strip()
        if item:
            pairs.append(parse_pair(item, name=name))
    return tuple(pairs)


_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_vars(value: str, *, name: str) -> tuple[tuple[str, str], ...]:
    """Parse template variables from a pipeline (``GIMLET_VARS``, the ``vars`` input, parameter or setting):
    ``KEY=VALUE`` pairs, one per line, or separated by ``;`` when the text is one line. Each pair is split at its
    first ``=``; the value is kept verbatim (``=``, ``:`` and, in the multi-line form, ``;`` included), blank lines
    are skipped, and the key must be a template name (``{{ .KEY }}``: letters, digits, ``_``)."""
    # Line breaks only (str.splitlines also splits at form feeds, U+2028 and other characters a value may hold).
    lines = re.split(r"\r\n|\r|\n", value) if "\n" in value or "\r" in value else value.split(";")
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        key, sep, rest = raw.strip().partition("=")
        key = key.strip()
        if not sep or not key:
            # The text is not shown: a value may be a secret, and without `=` there is no telling which part is.
            msg = f"{name}: entry {number} is not KEY=VALUE"
            raise ConfigError(msg, tip="write one KEY=VALUE per line, or KEY=VALUE;KEY2=VALUE2 on one line")
        if not _VAR_NAME.fullmatch(key):
            msg = f"{name}: {key!r} is not a template variable name"
            raise ConfigError(msg, tip="use letters, digits and _ (it is written {{ .NAME }} in the manifests)")
        pairs.append((key, rest))
    return tuple(pairs)
