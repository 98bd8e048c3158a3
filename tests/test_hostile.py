"""Hostile repositories and hostile environments (issue 11): what a pipeline sees when the checkout, the CI's
variables or the server's text attack it.

Each case asserts the exit code, one clear ERROR line (or none), no traceback, and that the token is absent from
every output (stdout, stderr, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, ``$BASH_ENV``) in every encoding: raw,
JSON-escaped, Markdown-escaped, HTML-escaped, URL-encoded and base64.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from gimlet_ci.cli import main
from gimlet_ci.testing import GimletServer
from tests.helpers import STAGING, git, github_push_env, make_repo

TOKEN = 'h0stile"T0ken\\<&>|*_`[x](y)!~#$:.+-%41'
"""A token with every character an escaping step changes: `"` and `\\` (JSON), `<&>` (HTML), Markdown's specials,
``%`` (URL encoding)."""

_MD = str.maketrans({c: "\\" + c for c in "\\`*_[]()!|~#$:.+-"})


def token_forms(token: str = TOKEN) -> dict[str, str]:
    """The token in every encoding an output may hold it in."""
    return {
        "raw": token,
        "json": json.dumps(token)[1:-1],
        "json-ascii": json.dumps(token, ensure_ascii=True)[1:-1],
        "html": html.escape(token),
        "html-noquote": html.escape(token, quote=False),
        "markdown": html.escape(token, quote=False).translate(_MD),
        "url": quote(token, safe=""),
        "base64": base64.b64encode(token.encode()).decode(),
    }


def assert_no_token(*texts: str) -> None:
    for text in texts:
        for name, form in token_forms().items():
            assert form not in text, f"the token ({name}) leaked"


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def without_masks(err: str) -> str:
    """stderr without GitHub's ``::add-mask::`` lines (which must carry the token: they hide it)."""
    return "\n".join(line for line in err.splitlines() if not line.startswith("::add-mask::"))


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ERROR")]


def assert_clean(code: int, out: str, err: str, *, expect_error: bool) -> None:
    """No traceback, the token nowhere, and one ERROR line when the command failed."""
    assert "Traceback" not in out + err
    assert_no_token(out, without_masks(err))
    assert len(errors(err)) == (1 if expect_error else 0), err


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, manifests={"staging.yaml": STAGING})


def github_env(repo: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    return github_push_env(repo, output=output, summary=summary, GITHUB_REPOSITORY_OWNER="acme", **extra)


# --- secrets: scrubbed before every escaping step ---------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_server_echoing_the_token_leaks_it_into_no_output(repo: Path, tmp_path: Path, output: str) -> None:
    """A server error that echoes ``Authorization: Bearer <token>``: the token is in no output file, stream or
    encoding, although the step summary escapes Markdown and HTML and the JSON result escapes quotes."""
    echo = f"upstream said: Authorization: Bearer {TOKEN} (rejected)"
    with GimletServer(token=TOKEN, processing_error=echo, processing_delay=0.01) as server:
        env = github_env(repo, tmp_path, GIMLET_SERVER=server.url, GIMLET_TOKEN=TOKEN)
        code, out, err = run(["-C", str(repo), "ship", "--wait", "--timeout", "20s", "--output", output], env)

    summary = (tmp_path / "step_summary").read_text()
    assert 1 == code, err
    assert "upstream said" in summary  # the server's text is shown ...
    assert "[redacted]" in summary.replace("\\[redacted\\]", "[redacted]")  # ... with the token scrubbed out
    assert_clean(code, out, err, expect_error=True)
    assert_no_token(summary, (tmp_path / "github_output").read_text())


def test_circleci_bash_env_never_holds_the_token(repo: Path, tmp_path: Path) -> None:
    """CircleCI's ``$BASH_ENV`` (shell-quoted exports) gets no token either."""
    bash_env = tmp_path / "bash_env"
    echo = f"Bearer {TOKEN}"
    with GimletServer(token=TOKEN, processing_error=echo, processing_delay=0.01) as server:
        env = {
            "CIRCLECI": "true",
            "CIRCLE_PROJECT_USERNAME": "acme",
            "CIRCLE_PROJECT_REPONAME": "shop",
            "CIRCLE_SHA1": git(repo, "rev-parse", "HEAD"),
            "CIRCLE_BRANCH": "main",
            "BASH_ENV": str(bash_env),
            "GIMLET_SERVER": server.url,
            "GIMLET_TOKEN": TOKEN,
        }
        code, out, err = run(["-C", str(repo), "ship", "--wait", "--timeout", "20s"], env)

    assert 1 == code, err
    assert "GIMLET_ARTIFACT_ID" in bash_env.read_text()
    assert_clean(code, out, err, expect_error=True)
    assert_no_token(bash_env.read_text())


def test_a_token_with_quotes_and_backslashes_in_a_manifest_is_refused(repo: Path) -> None:
    """The token check reads the decoded strings, so JSON's escaping of ``"`` and ``\\`` hides nothing."""
    (repo / ".gimlet" / "oops.yaml").write_text(
        f"app: x\nenv: staging\nvalues:\n  password: {json.dumps(TOKEN)}\n", encoding="utf-8"
    )
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 2 == code
    assert "the artifact would carry the Gimlet token" in err
    assert_clean(code, out, err, expect_error=True)


def test_an_url_encoded_token_in_a_link_is_refused(repo: Path) -> None:
    """A token URL-encoded into a ``--field`` link is caught as well."""
    field = f"docs=https://docs.example/?t={quote(TOKEN, safe='')}"
    code, out, err = run(
        ["--platform", "local", "-C", str(repo), "ship", "--dry-run", "--field", field], {"GIMLET_TOKEN": TOKEN}
    )

    assert 2 == code
    assert_clean(code, out, err, expect_error=True)


def test_drone_netrc_credentials_never_reach_the_artifact(repo: Path) -> None:
    """Drone hands every step the forge's OAuth token as ``DRONE_NETRC_USERNAME``: not in context nor vars."""
    env = {
        "DRONE": "true",
        "DRONE_REPO": "acme/shop",
        "DRONE_COMMIT_SHA": git(repo, "rev-parse", "HEAD"),
        "DRONE_BRANCH": "main",
        "DRONE_NETRC_MACHINE": "github.com",
        "DRONE_NETRC_USERNAME": "gho_forge0auth0token0value",
        "DRONE_NETRC_PASSWORD": "x-oauth-basic",
        "DRONE_DEPLOY_PASS": "hunter2hunter2",
        "DRONE_SLACK_WEBHOOK": "https://hooks.slack.example/T0/B0/secret",
        "GIMLET_TOKEN": TOKEN,
    }
    code, out, err = run(["-C", str(repo), "ship", "--dry-run"], env)

    assert 0 == code, err
    body = json.loads(out)
    for forbidden in ("gho_forge0auth0token0value", "x-oauth-basic", "hunter2hunter2", "hooks.slack.example"):
        assert forbidden not in out
    assert not [name for name in {**body["context"], **body["vars"]} if "NETRC" in name]
    assert "main" == body["vars"]["BRANCH"]


# --- hostile environments: files by type and size ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory"])
def test_an_event_file_that_is_not_a_regular_file_is_skipped_with_a_warning(
    repo: Path, tmp_path: Path, kind: str
) -> None:
    """``GITHUB_EVENT_PATH=/dev/zero`` is no MemoryError, a FIFO does not block: a warning, then the variables."""
    path = {"dev-zero": "/dev/zero", "fifo": str(tmp_path / "event.fifo"), "directory": str(tmp_path)}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    env = github_env(repo, tmp_path, GITHUB_EVENT_PATH=path, GIMLET_TOKEN=TOKEN)
    started = time.monotonic()
    code, out, err = run(["-C", str(repo), "ship", "--dry-run"], env)

    assert 0 == code, err
    assert time.monotonic() - started < 10
    assert f"WARNING cannot read the event file {path} (" in err
    assert "not a regular file); using variables only" in err
    assert_clean(code, out, err, expect_error=False)


def test_an_oversized_event_file_is_skipped(repo: Path, tmp_path: Path) -> None:
    """An event file beyond GitHub's 25 MB payload cap is not read into memory."""
    big = tmp_path / "event.json"
    with big.open("wb") as f:
        f.truncate(26 * 1024 * 1024)  # sparse: no disk used
    env = github_env(repo, tmp_path, GITHUB_EVENT_PATH=str(big), GIMLET_TOKEN=TOKEN)
    code, out, err = run(["-C", str(repo), "ship", "--dry-run"], env)

    assert 0 == code, err
    assert "(larger than 25 MiB); using variables only" in err
    assert_clean(code, out, err, expect_error=False)


@pytest.mark.parametrize("reader", [False, True], ids=["nobody-reads", "a-reader-that-never-reads"])
def test_a_fifo_as_github_output_does_not_block_the_exit(repo: Path, tmp_path: Path, reader: bool) -> None:
    """``$GITHUB_OUTPUT`` as a FIFO (read or not) is skipped with a warning; the summary is still written."""
    fifo = tmp_path / "output.fifo"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK) if reader else None
    try:
        with GimletServer(token=TOKEN) as server:
            env = github_env(repo, tmp_path, GIMLET_SERVER=server.url, GIMLET_TOKEN=TOKEN, GITHUB_OUTPUT=str(fifo))
            started = time.monotonic()
            code, out, err = run(["-C", str(repo), "ship", "--timeout", "10s"], env)
            took = time.monotonic() - started
    finally:
        if held is not None:
            os.close(held)

    assert 0 == code, err
    assert took < 10
    assert f"WARNING could not write {fifo}: a FIFO, not a regular file; skipped" in err
    assert "| Status | shipped |" in (tmp_path / "step_summary").read_text()
    assert_clean(code, out, err, expect_error=False)


def test_a_device_as_github_output_is_skipped(repo: Path, tmp_path: Path) -> None:
    """``$GITHUB_OUTPUT=/dev/full`` (a device) is skipped with a warning instead of failing the write."""
    with GimletServer(token=TOKEN) as server:
        env = github_env(repo, tmp_path, GIMLET_SERVER=server.url, GIMLET_TOKEN=TOKEN, GITHUB_OUTPUT="/dev/full")
        code, out, err = run(["-C", str(repo), "ship", "--timeout", "10s"], env)

    assert_clean(code, out, err, expect_error=False)
    assert 0 == code, err
    assert "WARNING could not write /dev/full: a character device, not a regular file; skipped" in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(("--timeout", "9" * 400 + "s"), "is longer than a duration can be", id="400-digit-timeout"),
        pytest.param(("--timeout", "\u0663\u0660s"), "is not a positive duration", id="unicode-digit-timeout"),
        pytest.param(("--ca-bundle", "a" * 5000), "is not a readable file (file name too long)", id="long-ca-path"),
        pytest.param(("--ca-bundle", "/dev/zero"), "(a character device, not a regular file)", id="ca-is-a-device"),
    ],
)
def test_bad_option_values_are_one_clear_line(repo: Path, args: tuple[str, ...], says: str) -> None:
    """Each is exit 2 with one short ERROR line naming the option, not exit 70."""
    env = {"GIMLET_SERVER": "https://gimlet.example", "GIMLET_TOKEN": TOKEN}
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", *args], env)

    assert 2 == code, err
    (line,) = errors(err)
    assert says in line
    assert args[0] in line
    assert len(line) < 200
    assert_clean(code, out, err, expect_error=True)


# --- hostile repositories: bounded YAML, nothing from outside the checkout -------------------------------------

ALIAS_BOMB = """\
app: shop
env: staging
values:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def _nested(depth: int, *, flow: bool) -> str:
    if flow:
        return "app: shop\nenv: staging\nvalues: " + "[" * depth + "]" * depth + "\n"
    return "app: shop\nenv: staging\nvalues:\n" + "".join("  " * i + "k:\n" for i in range(1, depth + 1))


HOSTILE_MANIFESTS = {
    "alias-bomb": (ALIAS_BOMB, "aliases expand to more than 100,000 values"),
    "nested-400-block": (_nested(400, flow=False), "nested more than 100 levels deep"),
    "nested-998-block": (_nested(998, flow=False), "nested more than 100 levels deep"),
    "nested-998-flow": (_nested(998, flow=True), "nested more than 100 levels deep"),
}


@pytest.mark.parametrize("name", list(HOSTILE_MANIFESTS))
def test_unbounded_yaml_is_a_clear_error_in_ship_and_lint(repo: Path, name: str) -> None:
    """An alias bomb or deep nesting: ``ship`` exits 2 with one line naming the file, fast; ``lint`` reports the
    same as a problem (never "No problems found")."""
    text, says = HOSTILE_MANIFESTS[name]
    (repo / ".gimlet" / "staging.yaml").write_text(text)

    started = time.monotonic()
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})
    assert time.monotonic() - started < 5
    assert 2 == code, err
    (line,) = errors(err)
    assert line.startswith("ERROR .gimlet/staging.yaml:")
    assert says in line
    assert_clean(code, out, err, expect_error=True)

    code, out, err = run(["--platform", "local", "-C", str(repo), "lint"], {})
    assert 1 == code, out + err
    assert says in out
    assert out.startswith(".gimlet/staging.yaml:")
    assert "No problems found" not in out + err
    assert "Traceback" not in out + err


def test_99_levels_of_nesting_still_ship(repo: Path) -> None:
    """The depth cap leaves room: values nested 90 levels deep ship and lint clean."""
    (repo / ".gimlet" / "staging.yaml").write_text(STAGING + "  deep: " + "[" * 90 + "]" * 90 + "\n")
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 0 == code, err
    assert 90 * "[" in out.replace(" ", "").replace("\n", "")
    assert "Traceback" not in err


def test_an_oversized_manifest_is_refused(repo: Path) -> None:
    """A manifest file larger than 1 MiB is one clear line naming it, without reading it whole."""
    (repo / ".gimlet" / "huge.yaml").write_text("app: x\nenv: y\nvalues:\n  blob: " + "x" * (1024 * 1024) + "\n")
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 2 == code
    assert "ERROR .gimlet/huge.yaml: larger than 1 MiB" in err
    assert_clean(code, out, err, expect_error=True)


SECRET_CONTENT = "machine github.com login gho_0utside0secret password x"


@pytest.mark.parametrize("name", ["creds.yaml", "vars"])
def test_a_link_out_of_the_checkout_is_refused(repo: Path, tmp_path: Path, name: str) -> None:
    """A ``.gimlet/`` file that links outside the checkout is refused in ``ship`` and ``lint``; its content is
    never printed."""
    outside = tmp_path / "netrc"
    outside.write_text(SECRET_CONTENT)
    (repo / ".gimlet" / name).symlink_to(outside)

    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})
    assert 2 == code
    (line,) = errors(err)
    assert f"ERROR .gimlet/{name}: a link to {outside}, outside the checkout" in line
    assert "gho_0utside0secret" not in out + err

    code, out, err = run(["--platform", "local", "-C", str(repo), "lint"], {})
    assert 1 == code
    assert f".gimlet/{name}: -: error: a link to {outside}, outside the checkout" in out
    assert "gho_0utside0secret" not in out + err


def test_the_manifest_directory_as_a_link_out_of_the_checkout_is_refused(tmp_path: Path) -> None:
    """``.gimlet`` itself linking outside (to a directory of credentials) is refused before anything is read."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": STAGING})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "config.yaml").write_text(f"app: x\nenv: y\nvalues: {{auth: {SECRET_CONTENT!r}}}\n")
    for entry in (repo / ".gimlet").iterdir():
        entry.unlink()
    (repo / ".gimlet").rmdir()
    (repo / ".gimlet").symlink_to(outside)

    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})
    assert 2 == code
    assert f"ERROR .gimlet: a link to {outside}, outside the checkout" in err
    assert "gho_0utside0secret" not in out + err


def test_a_link_inside_the_checkout_is_followed(repo: Path) -> None:
    """Links that stay inside the checkout keep working (a shared manifest under deploy/)."""
    (repo / "deploy").mkdir()
    (repo / "deploy" / "prod.yaml").write_text("app: shop\nenv: production\nnamespace: default\nchart: {name: x}\n")
    (repo / ".gimlet" / "production.yaml").symlink_to(repo / "deploy" / "prod.yaml")
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 0 == code, err
    assert ["production", "staging"] == [m["env"] for m in json.loads(out)["environments"]]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("vars", "export HUNTER2-SECRET-LINE\n"),
        ("vars", "A='HUNTER2-SECRET-LINE\n"),
        ("staging.yaml", 'app: "HUNTER2-SECRET-LINE\n'),
        ("staging.yaml", "app: !!int HUNTER2-SECRET-LINE\nenv: x\n"),
        ("staging.yaml", "app: x\n\tenv: HUNTER2-SECRET-LINE\n"),
    ],
)
def test_parse_errors_never_print_the_content(repo: Path, name: str, text: str) -> None:
    """A ``.gimlet/vars`` or YAML parse error names the file and line, never the line's content."""
    (repo / ".gimlet" / name).write_text(text)
    for argv in (["ship", "--dry-run"], ["lint"]):
        code, out, err = run(["--platform", "local", "-C", str(repo), *argv], {"GIMLET_TOKEN": TOKEN})
        assert code in (1, 2)
        assert f".gimlet/{name}:" in out + err
        assert "HUNTER2" not in out + err
        assert "Traceback" not in out + err


# --- no injected commands on any CI ----------------------------------------------------------------------------

COMMAND_LINE = re.compile(r"^\s*(::|---|\+\+\+|~~~|\^\^\^)")
COMMAND_ANYWHERE = re.compile(r"##(vso|teamcity)?\[|section_(start|end):|travis_(fold|time):", re.IGNORECASE)
INJECTION = "pwned\n::error::injected\r::add-mask::x ##vso[task.setvariable variable=X]1 ##[group]g \x1b[2J\x1b]0;t\x07"


def assert_no_commands(text: str, *, own: tuple[str, ...] = ()) -> None:
    """No line of *text* is a command any CI agent acts on (our own *own* command lines aside), and no escape."""
    assert "\x1b" not in text
    assert "\r" not in text
    for line in text.split("\n"):
        if line.startswith(own):
            continue
        assert not COMMAND_LINE.match(line), line
        assert not COMMAND_ANYWHERE.search(line), line


def test_lint_and_explain_print_manifest_text_defused(repo: Path) -> None:
    """``app``, ``env`` and keys holding newlines and commands print as inert text in ``lint`` and ``explain``."""
    (repo / ".gimlet" / "evil.yaml").write_text(
        f"app: {json.dumps(INJECTION)}\nenv: {json.dumps(INJECTION)}\n{json.dumps(INJECTION)}: 1\n"
        f"deploy: {{branch: {json.dumps(INJECTION)}, event: push}}\n"
    )
    for argv in (["lint"], ["explain", "--branch", "main"], ["explain", "--branch", INJECTION]):
        code, out, err = run(["--platform", "local", "-C", str(repo), *argv], {})
        assert code in (0, 1)
        assert "Traceback" not in out + err
        assert "pwned" in out
        assert_no_commands(out)
        assert_no_commands(err)
        assert not [line for line in out.splitlines() if line.lstrip().startswith(": :error")]  # kept in its line


def test_json_output_carries_the_text_exactly_without_commands(repo: Path) -> None:
    """``--output json`` escapes the markers (``#`` as ``\\u0023``) so the data reads back exactly."""
    (repo / ".gimlet" / "evil.yaml").write_text(f"app: shop\nenv: {json.dumps(INJECTION)}\n")
    code, out, err = run(["--platform", "local", "-C", str(repo), "explain", "--output", "json"], {})

    assert code in (0, 1)
    assert "Traceback" not in err
    assert_no_commands(out)
    assert INJECTION in [entry["env"] for entry in json.loads(out)["manifests"]]


def test_server_text_reaches_the_log_defused(repo: Path, tmp_path: Path) -> None:
    """A server's statusDesc with newlines, workflow commands, ``##vso[`` and ANSI escapes: every line on stderr is
    inert, but for our own ``::add-mask::`` and ``::error title=gimlet-ci::`` lines, whose message is escaped."""
    with GimletServer(token=TOKEN, processing_error=INJECTION, processing_delay=0.01) as server:
        env = github_env(repo, tmp_path, GIMLET_SERVER=server.url, GIMLET_TOKEN=TOKEN)
        code, out, err = run(["-v", "-C", str(repo), "ship", "--wait", "--timeout", "20s"], env)
        assert_no_commands(out)
        code_json, _, err_json = run(
            ["--log-format", "json", "-C", str(repo), "ship", "--wait", "--timeout", "20s"], env
        )

    assert 1 == code == code_json, err
    assert "pwned" in err
    assert_no_commands(err, own=("::add-mask::", "::error title=gimlet-ci::"))
    assert_no_commands(err_json, own=("::add-mask::", "::error title=gimlet-ci::"))
    (annotation,) = [line for line in err.splitlines() if line.startswith("::error title=gimlet-ci::")]
    assert "%0A::error::injected" in annotation  # escaped onto our one line, where the runner reads no command
    summary = (tmp_path / "step_summary").read_text()
    assert "\x1b" not in summary


def test_commit_message_commands_are_defused_in_verbose_logs(tmp_path: Path) -> None:
    """Git text (a commit message) shown in a verbose log line cannot start an Azure or GitHub command."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": STAGING}, message=INJECTION)
    code, out, err = run(["-vv", "--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 0 == code, err
    assert_no_commands(err)
    assert "##vso[" not in out  # the dry-run body is JSON whose markers are escaped
    assert INJECTION.replace("\r", "\n").rstrip() in json.loads(out)["version"]["message"].replace("\r", "\n")


def test_force_color_keeps_colour_only(repo: Path) -> None:
    """With FORCE_COLOR, colour sequences in printed text stay; other escapes never do."""
    (repo / ".gimlet" / "evil.yaml").write_text('app: "\\e[31mred\\e[0m \\e[2J"\nenv: x\n')
    _, plain, _ = run(["--platform", "local", "-C", str(repo), "explain"], {})
    _, coloured, _ = run(["--platform", "local", "-C", str(repo), "explain"], {"FORCE_COLOR": "1"})

    assert "\x1b" not in plain
    assert "\x1b[31mred\x1b[0m" in coloured
    assert "\x1b[2J" not in coloured


# --- glob matching is bounded -----------------------------------------------------------------------------------


def test_a_crafted_glob_is_cut_short_and_said_so(repo: Path) -> None:
    """A glob that backtracks for seconds on a long branch name: ``explain`` says matching was cut short (and
    ``ship`` refuses) instead of claiming it fires or skips."""
    pattern = "{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}"
    (repo / ".gimlet" / "staging.yaml").write_text(
        f"app: shop\nenv: staging\nnamespace: default\ndeploy: {{branch: {json.dumps(pattern)}, event: push}}\n"
    )
    started = time.monotonic()
    code, out, err = run(["--platform", "local", "-C", str(repo), "explain", "--branch", "b" * 2000], {})

    assert time.monotonic() - started < 10
    assert 1 == code, err
    assert "was cut short (too many steps): gimlet-ci cannot tell whether it fires" in out
    assert "✔ fires" not in out
    assert "✘ skips" not in out


@pytest.mark.parametrize("path", ["/dev/zero", "fifo"])
def test_push_reads_no_device_or_fifo(repo: Path, tmp_path: Path, path: str) -> None:
    """``gimlet-ci push FILE`` refuses a device or FIFO with one line instead of reading forever."""
    if path == "fifo":
        path = str(tmp_path / "body.fifo")
        os.mkfifo(path)
    env = {"GIMLET_SERVER": "http://127.0.0.1:9", "GIMLET_TOKEN": TOKEN}
    started = time.monotonic()
    code, out, err = run(["--platform", "local", "-C", str(repo), "push", path], env)

    assert 2 == code, err
    assert time.monotonic() - started < 5
    assert "not a regular file" in err
    assert_clean(code, out, err, expect_error=True)


def test_push_refuses_a_body_carrying_an_escaped_token(repo: Path, tmp_path: Path) -> None:
    """``push`` checks the decoded strings too: a token with ``"`` and ``\\`` JSON-escaped in the file is caught."""
    code, out, _ = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": "x" * 8})
    body = json.loads(out)
    body["vars"]["LEAK"] = TOKEN
    (tmp_path / "body.json").write_text(json.dumps(body))
    env = {"GIMLET_SERVER": "http://127.0.0.1:9", "GIMLET_TOKEN": TOKEN}
    code, out, err = run(["--platform", "local", "-C", str(repo), "push", str(tmp_path / "body.json")], env)

    assert 2 == code, err
    assert "the artifact file carries the Gimlet token" in err
    assert_clean(code, out, err, expect_error=True)


def test_a_fifo_or_broken_link_in_the_manifest_folder_is_skipped_with_a_warning(repo: Path) -> None:
    """A FIFO in ``.gimlet/`` is never opened (it would block) and a broken link never followed: ``ship`` warns and
    ships the other manifests, ``lint`` lists each as a warning."""
    os.mkfifo(repo / ".gimlet" / "pipe.yaml")
    (repo / ".gimlet" / "gone.yaml").symlink_to(repo / "nowhere.yaml")
    started = time.monotonic()
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 0 == code, err
    assert time.monotonic() - started < 5
    assert "WARNING .gimlet/pipe.yaml: -: warning: a FIFO, not a regular file: skipped" in err
    assert "WARNING .gimlet/gone.yaml: -: warning: a broken link, not a regular file: skipped" in err
    assert ["staging"] == [m["env"] for m in json.loads(out)["environments"]]

    code, out, err = run(["--platform", "local", "-C", str(repo), "lint"], {})
    assert 0 == code, out + err
    assert ".gimlet/pipe.yaml: -: warning: a FIFO, not a regular file: skipped (neither read nor shipped)" in out
