"""The YAML loader reads manifests as Gimlet's yaml.v3 does, with lines for every key."""

from __future__ import annotations

import math

import pytest

from gimlet_ci.exceptions import ManifestError
from gimlet_ci.gimlet.yamlv3 import load_documents, resolve_scalar


def _value(text: str) -> object:
    """Load ``v: <text>`` and return the value."""
    (document,) = load_documents(f"v: {text}\n", filename="t.yaml")
    return document.data["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # booleans: only the YAML 1.2 core forms
        pytest.param("true", True, id="true"),
        pytest.param("True", True, id="True"),
        pytest.param("TRUE", True, id="TRUE"),
        pytest.param("false", False, id="false"),
        pytest.param("FALSE", False, id="FALSE"),
        pytest.param("yes", "yes", id="yes-is-string"),
        pytest.param("no", "no", id="no-is-string"),
        pytest.param("on", "on", id="on-is-string"),
        pytest.param("Off", "Off", id="Off-is-string"),
        pytest.param("y", "y", id="y-is-string"),
        pytest.param("tRUE", "tRUE", id="mixed-case-true-is-string"),
        # null
        pytest.param("~", None, id="tilde"),
        pytest.param("null", None, id="null"),
        pytest.param("NULL", None, id="NULL"),
        pytest.param("", None, id="empty"),
        pytest.param("nULL", "nULL", id="mixed-case-null-is-string"),
        # strings YAML 1.1 would convert
        pytest.param("2024-01-02", "2024-01-02", id="date-is-string"),
        pytest.param("2024-01-02T10:00:00Z", "2024-01-02T10:00:00Z", id="timestamp-is-string"),
        pytest.param("1:20", "1:20", id="sexagesimal-is-string"),
        pytest.param("190:20:30", "190:20:30", id="sexagesimal-long-is-string"),
        # integers: strconv.ParseInt(s without "_", 0, 64)
        pytest.param("42", 42, id="decimal"),
        pytest.param("-42", -42, id="negative"),
        pytest.param("+42", 42, id="plus-sign"),
        pytest.param("0", 0, id="zero"),
        pytest.param("0755", 493, id="legacy-octal"),
        pytest.param("0o755", 493, id="octal-0o"),
        pytest.param("-0o17", -15, id="negative-octal"),
        pytest.param("0x1F", 31, id="hex"),
        pytest.param("0x_1F", 31, id="hex-underscore"),
        pytest.param("0b101", 5, id="binary"),
        pytest.param("1_000", 1000, id="underscores"),
        pytest.param("9223372036854775807", 2**63 - 1, id="int64-max"),
        pytest.param("18446744073709551615", 2**64 - 1, id="uint64-max"),
        pytest.param("18446744073709551616", 1.8446744073709552e19, id="beyond-uint64-is-float"),
        pytest.param("08", 8.0, id="bad-octal-is-float"),
        pytest.param("0xZZ", "0xZZ", id="bad-hex-is-string"),
        pytest.param("_1", "_1", id="leading-underscore-is-string"),
        # floats
        pytest.param("1.5", 1.5, id="float"),
        pytest.param("1.", 1.0, id="float-trailing-dot"),
        pytest.param(".5", 0.5, id="float-leading-dot"),
        pytest.param("-.5", -0.5, id="float-negative-leading-dot"),
        pytest.param("1e3", 1000.0, id="exponent"),
        pytest.param("1_0.5", 10.5, id="float-underscore"),
        pytest.param(".5_0", ".5_0", id="dot-float-underscore-is-string"),
        pytest.param("1e999", "1e999", id="overflow-is-string"),
        pytest.param(".inf", math.inf, id="inf"),
        pytest.param("-.Inf", -math.inf, id="minus-inf"),
        pytest.param("+.INF", math.inf, id="plus-inf"),
        pytest.param("inf", "inf", id="bare-inf-is-string"),
        pytest.param("0.41.0", "0.41.0", id="version-is-string"),
        pytest.param("1.0", 1.0, id="one-point-zero-is-float"),
        # quoting and explicit tags
        pytest.param("'0755'", "0755", id="single-quoted"),
        pytest.param('"true"', "true", id="double-quoted"),
        pytest.param("!!str 42", "42", id="str-tag"),
        pytest.param("!!int 42", 42, id="int-tag"),
        pytest.param("!!float 1", 1.0, id="float-tag"),
        pytest.param("!custom thing", "thing", id="unknown-tag-is-text"),
        pytest.param("-x", "-x", id="dash-word-is-string"),
        pytest.param(".", ".", id="dot-is-string"),
    ],
)
def test_scalar_resolution(text: str, expected: object) -> None:
    """Plain scalars resolve as yaml.v3 resolves them into interface{}."""
    actual = _value(text)
    assert type(expected) is type(actual)
    assert expected == actual


def test_nan() -> None:
    """`.nan` is a float NaN, as in yaml.v3."""
    value = resolve_scalar(".NaN")
    assert isinstance(value, float)
    assert math.isnan(value)


def test_wrong_explicit_tag() -> None:
    """An explicit !!int on a non-integer is an error naming the line."""
    with pytest.raises(ManifestError) as info:
        load_documents("a: 1\nb: !!int abc\n", filename="t.yaml")
    assert 2 == info.value.line
    assert "cannot decode the value as !!int" in str(info.value)


def test_lines_of_keys() -> None:
    """Every key and list item has its 1-based line; unknown paths fall back to the nearest."""
    text = "app: shop\ndeploy:\n  branch: main\n  event: push\nlist:\n  - a\n  - b: c\n"
    (document,) = load_documents(text, filename="t.yaml")
    assert 1 == document.line
    assert 3 == document.line_of(("deploy", "branch"))
    assert 4 == document.line_of(("deploy", "event"))
    assert 7 == document.line_of(("list", 1, "b"))
    assert 2 == document.line_of(("deploy", "nope"))
    assert 1 == document.line_of(())


def test_documents_and_start_lines() -> None:
    """Every document is returned with its start line; an empty stream has none."""
    text = "# comment\napp: a\n---\napp: b\n---\n---\n\n- x\n"
    documents = load_documents(text, filename="t.yaml")
    assert [{"app": "a"}, {"app": "b"}, None, ["x"]] == [d.data for d in documents]
    assert [2, 4, 6, 8] == [d.line for d in documents]
    assert [] == load_documents("", filename="t.yaml")
    assert [] == load_documents("# only a comment\n", filename="t.yaml")


def test_invalid_yaml_names_file_and_line() -> None:
    """A syntax error raises ManifestError with the file, the line and YAML's own problem text."""
    with pytest.raises(ManifestError) as info:
        load_documents("app: shop\nvalues:\n  a: [1, 2\n", filename=".gimlet/x.yaml")
    assert ".gimlet/x.yaml" == info.value.file
    assert info.value.line is not None
    assert "not valid YAML" in str(info.value)
    assert str(info.value).startswith(f".gimlet/x.yaml:{info.value.line}: ")


def test_tab_indentation_error() -> None:
    """A tab used for indentation is reported at its line."""
    with pytest.raises(ManifestError) as info:
        load_documents("app: shop\nvalues:\n\ta: 1\n", filename="t.yaml")
    assert 3 == info.value.line


def test_duplicate_key() -> None:
    """A key repeated in one mapping is an error, as in yaml.v3, naming both lines."""
    with pytest.raises(ManifestError) as info:
        load_documents("app: a\nenv: x\napp: b\n", filename="t.yaml")
    assert 3 == info.value.line
    assert "mapping key 'app' already defined at line 1" in str(info.value)


def test_anchors_and_merge_keys() -> None:
    """Aliases repeat their anchor's value and `<<` merges, explicit keys winning."""
    text = "base: &base {a: 1, b: 2}\nchild:\n  <<: *base\n  b: 3\nsame: *base\n"
    (document,) = load_documents(text, filename="t.yaml")
    assert {"a": 1, "b": 3} == document.data["child"]
    assert {"a": 1, "b": 2} == document.data["same"]


def test_merge_list_first_wins() -> None:
    """With a list of merge sources, earlier mappings win, as in YAML's merge spec."""
    text = "x: &x {a: 1}\ny: &y {a: 2, b: 2}\nz:\n  <<: [*x, *y]\n"
    (document,) = load_documents(text, filename="t.yaml")
    assert {"a": 1, "b": 2} == document.data["z"]


def test_nonstring_keys_are_text_and_recorded() -> None:
    """Keys that are not strings in YAML become their source text and are listed for lint."""
    text = "values:\n  1: one\n  true: yes\n  '2': two\n  0x10: hex\n"
    (document,) = load_documents(text, filename="t.yaml")
    assert {"1": "one", "true": "yes", "2": "two", "0x10": "hex"} == document.data["values"]
    assert (("values", "1"), ("values", "true"), ("values", "0x10")) == document.nonstring_keys


def test_byte_order_mark_and_unicode() -> None:
    """Unicode text loads unchanged."""
    (document,) = load_documents("app: café\nenv: 'ü'\n", filename="t.yaml")
    assert {"app": "café", "env": "ü"} == document.data


def test_recursive_alias() -> None:
    """An alias inside its own anchor is an error, not an endless structure."""
    with pytest.raises(ManifestError, match="remove the recursion"):
        load_documents("a: &x\n  b: *x\n", filename="t.yaml")
