"""`.gimlet/vars` is read as joho/godotenv reads it."""

from __future__ import annotations

import pytest

from gimlet_ci.exceptions import ManifestError
from gimlet_ci.gimlet.godotenv import parse_dotenv


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("A=1\nB=two\n", {"A": "1", "B": "two"}, id="plain"),
        pytest.param("A=1", {"A": "1"}, id="no-trailing-newline"),
        pytest.param("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}, id="crlf"),
        pytest.param("\n\n# comment\n  # indented comment\nA=1\n\n", {"A": "1"}, id="comments-and-blanks"),
        pytest.param("export A=1\nexport  B=2\n", {"A": "1", "B": "2"}, id="export-prefix"),
        pytest.param("export=1\n", {"export": "1"}, id="export-as-a-name"),
        pytest.param("A: 1\n", {"A": "1"}, id="yaml-style-colon"),
        pytest.param("  A = spaced value  \n", {"A": "spaced value"}, id="spaces-trimmed"),
        pytest.param("A=\nB=2\n", {"A": "", "B": "2"}, id="empty-value"),
        pytest.param("A=x # note\n", {"A": "x"}, id="inline-comment"),
        pytest.param("A=x#not-a-comment\n", {"A": "x#not-a-comment"}, id="hash-without-space"),
        pytest.param("A=a # b # c\n", {"A": "a # b"}, id="last-inline-comment-wins"),
        pytest.param("A='lit $B \\n'\n", {"A": "lit $B \\n"}, id="single-quotes-literal"),
        pytest.param("A='it\\'s'\n", {"A": "it\\'s"}, id="single-quote-escaped-quote"),
        pytest.param('A="x\\ny"\n', {"A": "x\ny"}, id="double-quote-newline"),
        pytest.param('A="say \\"hi\\" now"\n', {"A": 'say "hi" now'}, id="double-quote-escaped-quote"),
        # godotenv trims every quote character at both ends, escaped ones included
        pytest.param('A="say \\"hi\\""\n', {"A": 'say "hi\\'}, id="godotenv-trims-escaped-end-quote"),
        pytest.param('A="back\\\\slash"\n', {"A": "back\\slash"}, id="double-quote-backslash"),
        pytest.param('A="x" # note\nB=2\n', {"A": "x", "B": "2"}, id="comment-after-quotes"),
        pytest.param('A="multi\nline"\n', {"A": "multi\nline"}, id="multiline-double"),
        pytest.param("A='multi\nline'\n", {"A": "multi\nline"}, id="multiline-single"),
        pytest.param('A=1\nB="${A}-x"\n', {"A": "1", "B": "1-x"}, id="braced-expansion"),
        pytest.param("A=1\nB=$A-x\n", {"A": "1", "B": "1-x"}, id="unquoted-expansion"),
        pytest.param('B="${NOPE}x"\n', {"B": "x"}, id="unknown-expands-empty"),
        pytest.param('A=1\nB="\\$A"\n', {"A": "1", "B": "$A"}, id="escaped-dollar"),
        pytest.param("A=1\nB='${A}'\n", {"A": "1", "B": "${A}"}, id="no-expansion-in-single"),
        pytest.param('B="$lower"\n', {"B": "$lower"}, id="lowercase-not-expanded"),
        pytest.param("A=1\nA=2\n", {"A": "2"}, id="last-wins"),
        pytest.param("my.key_1=v\n", {"my.key_1": "v"}, id="dots-and-underscores"),
        pytest.param(
            "A=https://x.example/?a=b&c=d\n",
            {"A": "https://x.example/?a=b&c=d"},
            id="equals-in-value",
        ),
    ],
)
def test_parse(text: str, expected: dict[str, str]) -> None:
    """Each godotenv form parses to the value godotenv gives."""
    assert expected == parse_dotenv(text, filename=".gimlet/vars")


def test_environ_fallback() -> None:
    """Names not defined earlier in the file expand from the given environment, file first."""
    environ = {"HOME_DIR": "/home/ci", "A": "env"}
    actual = parse_dotenv('A=file\nB="${HOME_DIR}/${A}"\n', filename="vars", environ=environ)
    assert {"A": "file", "B": "/home/ci/file"} == actual


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param("A=1\nNOT A PAIR\n", 2, "unexpected character '\\n'", id="no-equals"),
        pytest.param("A=1\nB-C=2\n", 2, "unexpected character '-'", id="bad-name"),
        pytest.param("A=1\n\nB='open\n", 3, "unterminated quoted value; close the ' quote", id="unterminated"),
        pytest.param("A=1\nLAST", 2, "the last line is not KEY=VALUE", id="last-line-without-equals"),
        pytest.param("=1\n", 1, "no variable name", id="empty-name"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, fragment: str) -> None:
    """A line that cannot be parsed raises ManifestError naming the file and the line."""
    with pytest.raises(ManifestError) as info:
        parse_dotenv(text, filename=".gimlet/vars")
    assert ".gimlet/vars" == info.value.file
    assert line == info.value.line
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "export HUNTER2-SECRET-VALUE\n",
        "A='hunter2-SECRET-VALUE\n",
        'A="hunter2-SECRET-VALUE\n',
        "A=1\nhunter2-SECRET-VALUE",
        "hunter2-SECRET-VALUE",
    ],
)
def test_errors_never_show_the_line(text: str) -> None:
    """A parse error names the file, the line and what to do, never the line's content (the file may be a secret)."""
    with pytest.raises(ManifestError) as info:
        parse_dotenv(text, filename=".gimlet/vars")
    assert "SECRET" not in str(info.value)
    assert "hunter2" not in str(info.value)
