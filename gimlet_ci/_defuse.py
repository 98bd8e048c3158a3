"""Text from outside (manifests, git, the server, the environment) made safe to print on any CI's log.

A CI agent reads the job's log as a command channel: GitHub's runner acts on a line that starts with ``::`` (and on
``##[`` anywhere, its older syntax), the Azure agent on ``##vso[`` and ``##[`` anywhere in a line, TeamCity on
``##teamcity[``, GitLab on ``section_start:``/``section_end:`` markers, Travis on ``travis_fold:``/``travis_time:``,
Buildkite on a line that starts with ``---``, ``+++``, ``~~~`` or ``^^^``. A terminal acts on ANSI escapes. So every
line built from outside text goes through `defuse` (one line) or `defuse_lines` (text of many lines) before it is
printed, whatever platform was detected: a ``--platform local`` run on Azure is still read by the Azure agent.

Defusing keeps the text readable and changes as little as it can: a space breaks each marker (``: :error``,
``# #vso[``, ``section_start :``), control characters and escape sequences are removed, and line breaks inside one
line become spaces. `defuse_json` does the same for JSON text without changing the data it carries (``#`` becomes
``\\u0023``).

The escaping of values inside GitHub workflow commands (`escape_data`, `escape_property`) lives here too, so that
every command line we print ourselves (``::error file=…,line=…::…``, ``::add-mask::``) is built one way.
"""

from __future__ import annotations

import re

__all__ = [
    "ANSI_SGR",
    "color_enabled",
    "defuse",
    "defuse_json",
    "defuse_lines",
    "escape_data",
    "escape_property",
    "one_line",
    "strip_controls",
]

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                    # CSI: colours, cursor moves, erase line
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?         # OSC: titles, hyperlinks
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?              # DCS, SOS, PM, APC strings
  | \x1b[ -/]*[0-~]?                           # any other escape
  | \x9b[0-?]*[ -/]*[@-~]                      # the 8-bit CSI
    """,
    re.VERBOSE,
)
ANSI_SGR = re.compile(r"\x1b\[[0-9;:]*m")
"""Select Graphic Rendition (colour, bold): the only escape kept when colour is enabled."""
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 (but tab and line feed) and C1 control characters, DEL included."""
_CONTROLS_BUT_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SGR_PLACEHOLDER = "\ue000"
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029]")
"""What ``json.dumps(..., ensure_ascii=False)`` leaves raw that a terminal or log reader may act on: DEL, the C1
controls (``\\x9b`` is an 8-bit CSI, ``\\x85`` a line break) and the Unicode line and paragraph separators."""

_ANYWHERE = re.compile(r"##(?=(?:vso|teamcity)?\[)|(section_(?:start|end)):|(travis_(?:fold|time)):", re.IGNORECASE)
"""Markers an agent acts on anywhere in a line: ``##vso[``, ``##[``, ``##teamcity[``, GitLab's section markers and
Travis' fold and time markers."""
_LINE_START = re.compile(r"^(\s*)(::|---|\+\+\+|~~~|\^\^\^)")
"""Markers an agent acts on at the start of a line (after white space, which GitHub's runner strips)."""


def color_enabled(env: object) -> bool:
    """Whether ANSI colour passes through: ``FORCE_COLOR`` is set to anything but ``0``/``false`` (the common
    convention), and ``NO_COLOR`` is not set. *env* is the environment mapping."""
    get = getattr(env, "get", None)
    if get is None:
        return False
    if get("NO_COLOR"):
        return False
    value = str(get("FORCE_COLOR") or "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def strip_controls(text: str, *, color: bool = False, keep_cr: bool = False) -> str:
    """*text* without escape sequences and control characters (tab and line feed stay, and carriage return with
    *keep_cr*); with *color*, colour sequences (SGR) stay."""
    kept: list[str] = []
    if color:

        def keep(match: re.Match[str]) -> str:
            kept.append(match.group(0))
            return _SGR_PLACEHOLDER

        text = ANSI_SGR.sub(keep, text.replace(_SGR_PLACEHOLDER, ""))
    text = (_CONTROLS_BUT_CR if keep_cr else _CONTROLS).sub("", _ESCAPE_SEQUENCE.sub("", text))
    if kept:
        parts = text.split(_SGR_PLACEHOLDER)
        text = parts[0] + "".join(code + part for code, part in zip(kept, parts[1:], strict=False))
    return text


def _break_markers(line: str) -> str:
    def anywhere(match: re.Match[str]) -> str:
        word = match.group(1) or match.group(2)
        return "# #" if word is None else f"{word} :"

    line = _ANYWHERE.sub(anywhere, line)
    match = _LINE_START.match(line)
    if match is not None:
        marker = match.group(2)
        line = f"{match.group(1)}{marker[0]} {marker[1:]}{line[match.end() :]}"
    return line


def one_line(text: str) -> str:
    """*text* with every line break (``\\r``, ``\\n``, ``\\u2028`` and the others) made a space: a value that must
    stay inside the one line it is printed in (``FILE:LINE: KEY: message``)."""
    return _LINE_BREAKS.sub(" ", text)


def defuse(text: str, *, color: bool = False) -> str:
    """One printable line from *text*: line breaks become spaces, control characters and escape sequences go (but
    colour with *color*), and no CI agent can read a command in it."""
    return _break_markers(strip_controls(_LINE_BREAKS.sub(" ", text), color=color))


def defuse_lines(text: str, *, color: bool = False) -> str:
    """Text of several lines with each line `defuse`d (``\\r\\n`` and lone ``\\r`` end a line too)."""
    return "\n".join(defuse(line, color=color) for line in _LINE_BREAKS.split(text))


def defuse_json(text: str) -> str:
    """JSON text (one value, as ``json.dumps`` writes it) that no agent reads a command in, carrying the same data.

    ``json.dumps`` already escapes control characters and line breaks, and no JSON line starts with a marker; what is
    left are markers inside strings, which become escapes JSON readers decode back (``##vso[`` → ``#\\u0023vso[``,
    ``section_start:`` → ``section_start\\u003a``)."""

    def anywhere(match: re.Match[str]) -> str:
        word = match.group(1) or match.group(2)
        return "#\\u0023" if word is None else f"{word}\\u003a"

    text = _ANYWHERE.sub(anywhere, text)
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


def escape_data(text: str) -> str:
    """A GitHub workflow command's message, escaped as ``@actions/core`` does it (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A GitHub workflow command's property value (``file=``, ``title=``): `escape_data` plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
