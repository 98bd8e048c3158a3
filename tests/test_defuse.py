"""`gimlet_ci._defuse` (no CI command or terminal escape in a printed line) and the scrubber's encodings of a secret
(`gimlet_ci._secrets`)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gimlet_ci._defuse import defuse, defuse_json, defuse_lines, escape_data, escape_property, strip_controls
from gimlet_ci._models import DeployOutcome, Outcome
from gimlet_ci._secrets import REDACTED, in_json_body, scrub

LINE_COMMAND = re.compile(r"^\s*(::|---|\+\+\+|~~~|\^\^\^)")
ANYWHERE_COMMAND = re.compile(r"##(vso|teamcity)?\[|section_(start|end):|travis_(fold|time):", re.IGNORECASE)
MARKERS = st.sampled_from(
    ["::", "::error::", "##vso[", "##VSO[", "##[", "##teamcity[", "section_start:", "travis_fold:", "---", "+++",
     "~~~", "^^^", "\n", "\r", "\u2028", "\x85", "\x1b[", "\x1b]", "\x9b", "#", ":", " ", "\t"]
)  # fmt: skip
HOSTILE = st.lists(st.one_of(MARKERS, st.text(max_size=3)), max_size=12).map("".join)


def inert(line: str) -> bool:
    return not (LINE_COMMAND.match(line) or ANYWHERE_COMMAND.search(line) or "\x1b" in line or "\x9b" in line)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ok\n::error::x", "ok ::error::x"),
        ("  ::add-mask::x", "  : :add-mask::x"),
        ("see ##vso[task.setvariable variable=A]1", "see # #vso[task.setvariable variable=A]1"),
        ("###VSO[x", "## #VSO[x"),
        ("##[group]g", "# #[group]g"),
        ("x ##teamcity[message]", "x # #teamcity[message]"),
        ("--- :pipeline: group", "- -- :pipeline: group"),
        ("a section_start:1:s", "a section_start :1:s"),
        ("travis_fold:start:x", "travis_fold :start:x"),
        ("\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07", "red link"),
        ("a\x00b\x9b2Jc\x7f", "abc"),
    ],
)
def test_defuse_examples(text: str, shown: str) -> None:
    """Each marker is broken by one space, control characters and escapes go, line breaks become spaces."""
    assert shown == defuse(text)


@given(HOSTILE)
def test_a_defused_line_is_one_inert_line(text: str) -> None:
    """Whatever the text, `defuse` gives one line in which no CI agent reads a command and no terminal an escape."""
    line = defuse(text)
    assert "\n" not in line
    assert "\r" not in line
    assert inert(line)


@given(HOSTILE)
def test_defused_lines_are_each_inert(text: str) -> None:
    """`defuse_lines` keeps the lines apart and defuses each."""
    assert all(inert(line) for line in defuse_lines(text).split("\n"))


@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), HOSTILE), st.lists))
def test_defused_json_reads_back_as_the_same_data(value: object) -> None:
    """`defuse_json` of ``json.dumps`` output (ASCII or not, indented or not) decodes to the same value and has
    no command in any line."""
    for text in (json.dumps({"v": value}), json.dumps({"v": value}, ensure_ascii=False, indent=2)):
        defused = defuse_json(text)
        assert {"v": value} == json.loads(defused)
        assert all(inert(line) for line in defused.split("\n"))


def test_colour_is_kept_only_when_enabled() -> None:
    """With *color*, SGR sequences stay; cursor moves, clears and OSC never do."""
    text = "\x1b[1;31mbold red\x1b[0m\x1b[2J\x1b[H\x1b]0;title\x07"
    assert "bold red" == strip_controls(text)
    assert "\x1b[1;31mbold red\x1b[0m" == strip_controls(text, color=True)


def test_workflow_command_escaping() -> None:
    """Message and property escaping as ``@actions/core`` does it."""
    assert "50%25%0Adone%0D" == escape_data("50%\ndone\r")
    assert "a%3Ab%2Cc" == escape_property("a:b,c")


TOKEN = 'tok"en\\with+/=all*the_[specials]-12345'


@pytest.mark.parametrize("prefix", [b"", b"u", b"us", b"user:"])
def test_scrub_catches_the_token_in_base64_at_any_alignment(prefix: bytes) -> None:
    """A base64 dump of a header (``Basic user:token``) loses the token whatever bytes come before it."""
    encoded = base64.b64encode(prefix + TOKEN.encode() + b" trailer").decode()
    scrubbed = scrub(f"Authorization: Basic {encoded}", [TOKEN])
    assert REDACTED in scrubbed


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        json.dumps(TOKEN)[1:-1],
        "tok&quot;en\\with+/=all*the_[specials]-12345",
        "tok%22en%5Cwith%2B%2F%3Dall%2Athe_%5Bspecials%5D-12345",
        'tok"en\\\\with\\+/=all\\*the\\_\\[specials\\]\\-12345',
    ],
    ids=["raw", "json", "html", "url", "markdown"],
)
def test_scrub_catches_every_escaped_form(form: str) -> None:
    """Text that escaped the token before it was scrubbed loses it all the same."""
    assert f"say {REDACTED} end" == scrub(f"say {form} end", [TOKEN])


def test_the_token_check_reads_decoded_strings() -> None:
    """A body that JSON-escapes the token's ``"`` and ``\\`` still carries it."""
    body = json.dumps({"values": {"k": f"Bearer {TOKEN}"}}).encode()
    assert in_json_body(body, TOKEN)
    assert not in_json_body(b'{"values": {}}', TOKEN)


def test_an_outcome_is_scrubbed_field_by_field() -> None:
    """`Outcome.scrubbed` scrubs every text it holds, deploys included, before any output escapes it."""
    outcome = Outcome(
        status="failed",
        message=f"echo {TOKEN}",
        deploys=(DeployOutcome(app="a", env="e", status="failed", message=f"m {TOKEN}"),),
    )
    scrubbed = outcome.scrubbed(lambda text: scrub(text, [TOKEN]))
    assert f"echo {REDACTED}" == scrubbed.message
    assert f"m {REDACTED}" == scrubbed.deploys[0].message
    assert TOKEN not in repr(scrubbed)


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": {"message": "%s"}, "version": {"sha": "abc"}}',  # a repeated key: Go merges, json.loads drops
        b'{"context": {"K": "%s"}} trailing text',  # Go's stream decoder reads the first value only
    ],
    ids=["repeated-key", "first-value"],
)
def test_the_token_check_reads_the_body_as_go_does(body: bytes) -> None:
    """The token, written with escapes that hide it from a byte search, is found where Gimlet's decoder would keep
    it: in an earlier member of a repeated key, and in the first JSON value of a body with text after it."""
    hidden = "".join(f"\\u{ord(c):04x}" for c in TOKEN).encode()
    assert in_json_body(body.replace(b"%s", hidden), TOKEN)
