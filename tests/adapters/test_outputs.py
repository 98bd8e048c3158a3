"""Platform outputs: GitHub output file, step summary, annotations, masks; CircleCI BASH_ENV."""

from __future__ import annotations

import html
import itertools
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gimlet_ci._defuse import strip_controls
from gimlet_ci._models import DeployOutcome, Outcome
from gimlet_ci.adapters import circleci, github

ENV = {"GITHUB_OUTPUT": "/out", "GITHUB_STEP_SUMMARY": "/summary"}


def parse_github_output(text: str) -> dict[str, str]:
    """The runner's rules: blank lines skipped; `=` before `<<` means name=value; else a heredoc whose
    closing delimiter is an entire line."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            values[line[:eq]] = line[eq + 1 :]
            continue
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        body: list[str] = []
        while True:
            if i >= len(lines):
                msg = f"Invalid value. Matching delimiter not found '{delimiter}'"
                raise ValueError(msg)
            current = lines[i]
            i += 1
            if current == delimiter:
                break
            body.append(current)
        values[name] = "\n".join(body)
    return values


def _counter():
    counter = itertools.count()
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def test_github_output_file_round_trips() -> None:
    """artifact-id, release-id and status are appended in heredoc form the runner reads back."""
    outcome = Outcome(artifact_id="art-1", release_id="rel-2", status="succeeded")
    files = dict(github.outputs(ENV, outcome, make_uuid=_counter()).files)
    assert files["/out"].startswith("artifact-id<<ghadelimiter_00000000-0000-4000-8000-000000000000\nart-1\n")
    assert {
        "artifact-id": "art-1",
        "release-id": "rel-2",
        "status": "succeeded",
        "url": "",
        "deploys": "[]",
    } == parse_github_output(files["/out"])


@given(st.text(), st.text())
def test_github_output_any_value_round_trips(artifact_id: str, release_id: str) -> None:
    """Whatever the server returns as ids, the written outputs parse back to exactly those values."""
    outcome = Outcome(artifact_id=artifact_id, release_id=release_id, status="failed")
    text = dict(github.outputs({"GITHUB_OUTPUT": "/o"}, outcome).files)["/o"]
    expected = {"artifact-id": artifact_id, "release-id": release_id, "status": "failed", "url": "", "deploys": "[]"}
    assert {k: v.replace("\r\n", "\n") for k, v in expected.items()} == {
        k: v.replace("\r\n", "\n") for k, v in parse_github_output(text).items()
    }


def test_github_absent_files_are_skipped() -> None:
    """Without GITHUB_OUTPUT or GITHUB_STEP_SUMMARY nothing is written."""
    assert () == github.outputs({}, Outcome(artifact_id="a")).files


def test_github_step_summary_table_escapes_server_text() -> None:
    """The summary has one row per deploy and server text cannot break the table."""
    outcome = Outcome(
        artifact_id="art-1",
        status="failed",
        repository="acme/web",
        sha="abc123",
        deploys=(
            DeployOutcome(app="web", env="prod", status="succeeded", gitops_hash="f00"),
            DeployOutcome(app="api|x", env="st\nage", status="failed", message="boom"),
        ),
    )
    summary = dict(github.outputs(ENV, outcome).files)["/summary"]
    assert "| web | prod | succeeded | `f00` |" in summary
    assert "| api\\|x | st age | failed | — |" in summary
    assert "| Repository | acme/web |" in summary
    assert "| Commit | `abc123` |" in summary


_MARKUP = set("\\`*_[]()!|~#$:.+-<>")
"""Characters that may only appear backslash-escaped in summary text (``<`` and ``>`` never: entities)."""


def _read_markdown_text(line: str) -> str:
    """The text CommonMark shows for *line*, failing on any character that could start markup."""
    shown: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] in _MARKUP - set("<>"):
            shown.append(line[i + 1])
            i += 2
        elif char == "&":
            end = line.index(";", i)
            entity = line[i : end + 1]
            assert entity in {"&amp;", "&lt;", "&gt;"}, entity
            shown.append(html.unescape(entity))
            i = end + 1
        else:
            assert char not in _MARKUP, f"unescaped {char!r} in {line!r}"
            assert char not in "\r\n"
            shown.append(char)
            i += 1
    return "".join(shown)


def _summary_message_line(message: str) -> str:
    outcome = Outcome(artifact_id="art-1", status="failed", message=message)
    lines = dict(github.outputs(ENV, outcome).files)["/summary"].split("\n")
    return lines[lines.index("| Commit | — |") + 2]


def test_github_step_summary_neutralises_html_and_links() -> None:
    """Server text cannot inject HTML, images or links into the step summary: it shows literally."""
    message = '<img src=x onerror="alert(1)"> [docs](https://evil.example) ![px](https://evil.example/p.png) `x`'
    outcome = Outcome(
        artifact_id="acme/web-1",
        status="failed",
        message=message,
        deploys=(DeployOutcome(app="<b>web</b>", env="[prod](https://x)", status="failed", gitops_hash="<i>h</i>"),),
    )
    summary = dict(github.outputs(ENV, outcome).files)["/summary"]
    assert (
        '&lt;img src=x onerror="alert\\(1\\)"&gt; \\[docs\\]\\(https\\://evil\\.example\\) '
        "\\!\\[px\\]\\(https\\://evil\\.example/p\\.png\\) \\`x\\`"
    ) == _summary_message_line(message)
    assert "| &lt;b&gt;web&lt;/b&gt; | \\[prod\\]\\(https\\://x\\) | failed | &lt;i&gt;h&lt;/i&gt; |" in summary
    assert "| Artifact | `acme/web-1` |" in summary
    markdown = pytest.importorskip("markdown")
    rendered = markdown.markdown(summary, extensions=["tables"])
    for tag in ("<img", "<a ", "<b>", "<i>", "<code>x"):
        assert tag not in rendered


@given(st.text(min_size=1))
def test_github_step_summary_shows_any_server_text_literally(message: str) -> None:
    """Any server message appears in the summary as exactly its text on one line, with no live markup and without
    control characters or terminal escapes."""
    expected = " ".join(strip_controls(message).split()) or "—"
    assert expected == _read_markdown_text(_summary_message_line(message))


@pytest.mark.parametrize("status", ["failed", "timeout", "error"])
def test_github_error_annotation_on_failure(status: str) -> None:
    """A failed outcome becomes an ::error:: line with %, CR and LF escaped."""
    outcome = Outcome(status=status, message="50% done\n::set-env name=X::y\r")  # type: ignore[arg-type]
    lines = github.outputs({}, outcome).log_lines
    assert ("::error title=gimlet-ci::50%25 done%0A::set-env name=X::y%0D",) == lines


def test_github_no_annotation_on_success() -> None:
    """Successful outcomes produce no annotation."""
    assert () == github.outputs({}, Outcome(status="succeeded")).log_lines


@given(st.text(), st.lists(st.text(), max_size=3))
def test_github_server_text_cannot_start_a_workflow_command(message: str, deploy_messages: list[str]) -> None:
    """No output line can begin with `::` unless it is our own ::error command."""
    outcome = Outcome(
        status="error",
        message=message or None,
        deploys=tuple(DeployOutcome(status="failed", message=m) for m in deploy_messages),
    )
    for line in github.outputs({}, outcome).log_lines:
        assert (False, False) == (
            "\n" in line,
            "\r" in line,
        )  # the runner splits lines on CR and LF only
        assert line.startswith("::error title=gimlet-ci::")


def test_github_masks_each_secret_line() -> None:
    """Every non-empty line of every secret gets its own ::add-mask:: line, escaped."""
    assert (
        "::add-mask::tok-1",
        "::add-mask::-----BEGIN KEY-----",
        "::add-mask::abc%25def",
    ) == github.startup_lines({}, ["tok-1", "", "-----BEGIN KEY-----\nabc%def\n"])


def test_circleci_bash_env_is_sourced_by_bash(tmp_path: Path) -> None:
    """The exports written to BASH_ENV give later steps the exact ids, whatever characters they hold."""
    bash_env = tmp_path / "bash_env"
    artifact_id = "art-1 $(touch pwned) 'quoted' \"dq\" `x`"
    outputs = circleci.outputs({"BASH_ENV": str(bash_env)}, Outcome(artifact_id=artifact_id, release_id="rel-9"))
    for path, text in outputs.files:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)
    result = subprocess.run(
        [
            "bash",
            "-c",
            f'source "{bash_env}"; printf "%s\\n%s" "$GIMLET_ARTIFACT_ID" "$GIMLET_RELEASE_ID"',
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert f"{artifact_id}\nrel-9" == result.stdout
    assert not (tmp_path / "pwned").exists()


def test_circleci_no_bash_env_no_file() -> None:
    """Without BASH_ENV, or with no ids, nothing is written."""
    assert () == circleci.outputs({}, Outcome(artifact_id="a")).files
    assert () == circleci.outputs({"BASH_ENV": "/b"}, Outcome()).files
