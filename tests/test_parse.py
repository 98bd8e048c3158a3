"""Parsing what users type: booleans, Go durations, NAME=VALUE pairs and the official `fields` input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gimlet_ci._parse import parse_bool, parse_duration, parse_fields, parse_pair
from gimlet_ci.exceptions import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(t, True) for t in ("true", "TRUE", "True", "1", "yes", "on", " On ")],
        *[(t, False) for t in ("false", "FALSE", "0", "no", "off", "", "  ")],
    ],
)
def test_booleans_every_ci_writes(text: str, expected: bool) -> None:
    """true/1/yes/on and false/0/no/off/empty are read in any case."""
    assert expected == parse_bool(text, name="GIMLET_WAIT")


@pytest.mark.parametrize("text", ["maybe", "tru", "2", "y", "enabled"])
def test_unknown_boolean_is_an_error_naming_the_variable(text: str) -> None:
    """Anything else is a configuration error naming the variable, never a silent false."""
    with pytest.raises(ConfigError, match=f"INPUT_WAIT={text!r} is not a boolean"):
        parse_bool(text, name="INPUT_WAIT")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("2m30s", 150),
        ("1h0m0s", 3600),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    """Go-style durations parse to seconds."""
    assert seconds == pytest.approx(parse_duration(text, name="--timeout"))


@pytest.mark.parametrize("text", ["10", "", "10 m", "-5m", "0s", "m", "5x", "1h-3m"])
def test_bad_durations(text: str) -> None:
    """A bare number, a negative or zero value, or a unit Go does not know is an error naming the option."""
    with pytest.raises(ConfigError, match="--timeout"):
        parse_duration(text, name="--timeout")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("\u0663\u0660s", "is not a positive duration", id="arabic-indic-digits"),
        pytest.param("\uff19\uff10s", "is not a positive duration", id="fullwidth-digits"),
        pytest.param("9" * 400 + "s", "is longer than a duration can be", id="400-digits-overflow-to-infinity"),
        pytest.param("3000000h", "is longer than a duration can be", id="beyond-go-max-duration"),
    ],
)
def test_durations_go_refuses(text: str, says: str) -> None:
    """Only ASCII digits, as Go's time.ParseDuration; a value beyond Go's int64 nanoseconds (an overflow to infinity
    included) is one clear error, the value cut short in it."""
    with pytest.raises(ConfigError, match="--timeout") as e:
        parse_duration(text, name="--timeout")
    assert says in e.value.message
    assert len(e.value.message) < 120


@given(st.text())
def test_duration_parser_never_crashes(text: str) -> None:
    """Any text is either a positive duration or a ConfigError."""
    with contextlib.suppress(ConfigError):
        assert parse_duration(text, name="x") > 0


def test_pairs_split_at_the_first_equals_and_keep_commas() -> None:
    """`--var K=a,b=c` keeps the value verbatim (the 1.0 CLI split on commas; we do not)."""
    assert ("K", "a,b=c") == parse_pair("K=a,b=c", name="--var")


def test_fields_accept_semicolons_and_newlines_and_keep_query_strings() -> None:
    """The official `fields` input, fixed: `;` or newline separated, values may contain `=` and spaces."""
    expected = (("docs", "https://x.example/?a=1&b=2"), ("Run log", "https://ci.example/1 2"))
    assert expected == parse_fields("docs=https://x.example/?a=1&b=2;\nRun log=https://ci.example/1 2\n", name="f")


def test_field_without_equals_is_an_error() -> None:
    """A field that is not NAME=URL names the input."""
    with pytest.raises(ConfigError, match="INPUT_FIELDS 'nourl' is not KEY=VALUE"):
        parse_fields("nourl", name="INPUT_FIELDS")
