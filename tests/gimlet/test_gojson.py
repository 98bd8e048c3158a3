"""Go's encoding/json, as Gimlet's server applies it: each rule the model of Gimlet's decoding relies on."""

from __future__ import annotations

from typing import Any

import pytest

from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import (
    DecodeAbort,
    Decoder,
    JObject,
    Ptr,
    RawSyntaxError,
    encode,
    fold_equal,
    go_float,
    parse,
    plain,
)
from gimlet_ci.gimlet.reading import read_body


def _manifest(body: str) -> tuple[Any, list[str]]:
    decoder = Decoder()
    value, _ = decoder.decode(Ptr(dx.MANIFEST), parse(body))
    return value, [issue.kind for issue in decoder.issues]


def _stored(body: str) -> Any:
    reading = read_body(body)
    assert reading.stored is not None
    return plain(dx.ARTIFACT, reading.stored)


@pytest.mark.parametrize(
    ("key", "name", "folds"),
    [
        ("Deploy", "deploy", True),
        ("DEPLOY", "deploy", True),
        ("deploy", "deploy", True),
        ("name\u017fpace", "namespace", True),  # the long s folds to s
        ("\u212aind", "kind", True),  # the Kelvin sign folds to k
        ("deplöy", "deploy", False),
        ("deploy_", "deploy", False),
        ("İd", "id", False),
    ],
)
def test_key_folding(key: str, name: str, folds: bool) -> None:
    """Keys match field names as Go's decoder folds them: ASCII case, the long s and the Kelvin sign, nothing else."""
    assert folds == fold_equal(key, name)


def test_exact_match_wins_and_later_keys_win() -> None:
    """A key in another case lands on the field; when the field appears twice, the later value wins."""
    value, issues = _manifest('{"APP": "first", "app": "second", "Env": "x"}')
    assert ("second", "x", []) == (value["app"], value["env"], issues)


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        pytest.param('{"app": null}', "app", "", id="string-null-is-a-no-op"),
        pytest.param('{"preview": null}', "preview", None, id="pointer-null-is-nil"),
        pytest.param('{"deploy": null}', "deploy", None, id="struct-pointer-null-is-nil"),
        pytest.param('{"values": null}', "values", None, id="map-null-is-nil"),
        pytest.param('{"dependencies": null}', "dependencies", None, id="slice-null-is-nil"),
        pytest.param(
            '{"deploy": {"event": null}}',
            "deploy",
            {"tag": "", "branch": "", "event": None, "commitMessagePatterns": None},
            id="event-null-leaves-no-event",
        ),
    ],
)
def test_null_per_kind(body: str, field: str, expected: Any) -> None:
    """null sets pointers, maps and slices to nil and leaves other fields as they were, with no error."""
    value, issues = _manifest(body)
    assert (expected, []) == (value[field], issues)


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        pytest.param('{"app": 123}', "app", "", id="number-into-string"),
        pytest.param('{"preview": "yes"}', "preview", False, id="string-into-bool-pointer-allocates"),
        pytest.param(
            '{"deploy": "main"}',
            "deploy",
            {"tag": "", "branch": "", "event": None, "commitMessagePatterns": None},
            id="string-into-struct-pointer-allocates",
        ),
        pytest.param('{"values": [1]}', "values", None, id="array-into-map"),
    ],
)
def test_type_mismatch_keeps_the_zero_value(body: str, field: str, expected: Any) -> None:
    """A plain mismatch leaves the (allocated) zero value and is recorded, and decoding goes on."""
    value, issues = _manifest(body + "")
    assert (expected, ["type"]) == (value[field], issues)


def test_mismatch_inside_a_list_keeps_the_element() -> None:
    """`[1, "x*"]` becomes `["", "x*"]`: the element stays, with its zero value."""
    value, _ = _manifest('{"deploy": {"commitMessagePatterns": [1, "x*"]}}')
    assert ["", "x*"] == value["deploy"]["commitMessagePatterns"]


def test_abort_keeps_what_came_before() -> None:
    """A non-string event aborts: the pointer is allocated as push, later keys and manifests are lost."""
    body = (
        '{"environments": [{"app": "a", "deploy": {"branch": "main", "event": 1}, "env": "lost"},'
        ' {"app": "b"}], "vars": {"A": "1"}}'
    )
    stored = _stored(body)
    assert [
        {"app": "a", "env": "", "namespace": "", "deploy": {"branch": "main", "event": "push"}, "chart": {"name": ""}}
    ] == stored["environments"]
    assert "vars" not in stored


def test_repeated_objects_merge_field_by_field() -> None:
    """A repeated struct key decodes into what the first left: both keys survive."""
    value, _ = _manifest('{"deploy": {"branch": "main"}, "Deploy": {"event": "tag"}}')
    assert ("main", "tag") == (value["deploy"]["branch"], value["deploy"]["event"])


def test_repeated_array_aborting_keeps_the_old_length() -> None:
    """An abort inside a repeated array leaves the slice at its old length (Go shrinks it only when done)."""
    body = (
        '{"environments": [{"app": "A"}, {"app": "B"}, {"app": "C"}],'
        ' "environments": [{"env": "x"}, {"deploy": {"event": 1}}]}'
    )
    stored = _stored(body)
    assert [("A", "x"), ("B", ""), ("C", "")] == [(m["app"], m["env"]) for m in stored["environments"]]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1722154572", True), ("-0", True), ("1.0", False), ("1e3", False), ("9223372036854775808", False)],
)
def test_int64(text: str, ok: bool) -> None:
    """version.created takes only an integer literal that fits int64."""
    reading = read_body('{"version": {"created": ' + text + "}}")
    assert ok == (not reading.issues)


def test_numbers_in_values_are_float64() -> None:
    """Numbers in values come back as Go prints float64; 1e400 is an error and becomes null."""
    stored = _stored('{"environments": [{"values": {"a": 1.0, "b": 12345678901234567890, "c": 1e400, "d": -0}}]}')
    assert {"a": 1, "b": 12345678901234567000, "c": None, "d": 0} == stored["environments"][0]["values"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (12345678901234567890.0, "12345678901234567000"),
        (-0.0, "-0"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (123456.789, "123456.789"),
    ],
)
def test_go_float(value: float, text: str) -> None:
    """float64 is written as Go's encoder writes it: shortest digits, exponent outside [1e-6, 1e21)."""
    assert text == go_float(value)


def test_only_the_first_value_is_read() -> None:
    """json.Decoder reads one value: bytes after it are ignored, without an error."""
    reading = read_body('{"version": {"sha": "abc"}} trailing {garbage')
    assert (False, "abc") == (reading.decode_error, reading.stored["version"]["sha"] if reading.stored else None)


def test_syntax_error_stores_an_empty_artifact() -> None:
    """A body that is not JSON decodes nothing: Gimlet stores an empty artifact."""
    reading = read_body("{not json")
    assert reading.syntax_error is not None
    assert b'{"version":{}}' == encode(dx.ARTIFACT, reading.stored)


def test_strings_as_go_reads_them() -> None:
    """Escaped lone surrogates, anywhere, and each invalid UTF-8 byte become U+FFFD; escaped keys match fields."""
    assert ["\ufffd", JObject([("a\ufffd", ["\ufffd"])])] == parse('["\\ud800", {"a\\udc00": ["\\udfff"]}]')
    assert "\ufffd\ufffd" == parse(b'"\xe2\x82"')
    value, _ = _manifest('{"dep\\u006coy": {"branch": "main"}}')
    assert "main" == value["deploy"]["branch"]


def test_nan_is_a_syntax_error() -> None:
    """NaN and Infinity are not JSON for Go."""
    with pytest.raises(RawSyntaxError):
        parse('{"a": NaN}')


def test_dependency_unmarshaler() -> None:
    """A non-object dependency is empty; a missing kind aborts after the name was set; a terraform spec is kept."""
    value, issues = _manifest('{"dependencies": ["x"]}')
    assert ([{"name": "", "kind": "", "spec": None}], []) == (value["dependencies"], issues)
    decoder = Decoder()
    with pytest.raises(DecodeAbort):
        decoder.value(dx.DEPENDENCY, {"name": "", "kind": "", "spec": None}, parse('{"name": "db"}'), ())
    dependency = '{"name": "db", "kind": "terraform", "spec": {"module": {"url": "u"}, "values": {"a": "1"}}}'
    stored = _stored('{"environments": [{"dependencies": [' + dependency + "]}]}")
    spec = {"module": {"url": "u"}, "values": {"a": "1"}, "secret": ""}
    assert {"name": "db", "kind": "terraform", "spec": spec} == stored["environments"][0]["dependencies"][0]
