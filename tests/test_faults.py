"""The fault-injection suite: what a pipeline sees when Gimlet or the network misbehaves.

Each case asserts the exit code, one clear ERROR line, no traceback, the token absent from all output, and how
many artifacts the server holds afterwards (never a duplicate).
"""

from __future__ import annotations

import io
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from gimlet_ci._client import build_client
from gimlet_ci._flows import prepare, ship
from gimlet_ci._retry import Deadline, RetryPolicy, Timing
from gimlet_ci._settings import Settings
from gimlet_ci.adapters import CIContext
from gimlet_ci.cli import main
from gimlet_ci.exceptions import GimletAPIError, ServerUnreachable
from gimlet_ci.testing import GimletServer
from tests.helpers import git, make_repo

TOKEN = "fault-T0KEN-do-not-print-9931"


@attrs.frozen
class Case:
    faults: dict[str, Any]
    args: tuple[str, ...]
    code: int
    artifacts: int
    says: str


CASES = {
    "5xx burst then success": Case({"fail_first": 3, "fail_path": "/api/artifact"}, ("--wait",), 0, 1, "Shipped"),
    "5xx on tracking then success": Case(
        {"fail_first": 4, "fail_path": "/api/eventArtifactTrack"}, ("--wait",), 0, 1, "Shipped"
    ),
    "connection dropped after store": Case({"drop_after_store": 1}, ("--wait",), 0, 1, "using"),
    "two drops after store": Case({"drop_after_store": 2}, (), 0, 1, "using"),
    "401 unauthorized": Case({"force_status": 401}, (), 4, 0, "authentication failed"),
    "403 forbidden": Case({"force_status": 403}, (), 4, 0, "authentication failed"),
    "persistent 500": Case({"force_status": 500}, (), 4, 0, "500"),
    "proxy 502 on every request": Case({"force_status": 502}, (), 4, 0, "502"),
    "pre-v0.18 server (no tracking)": Case({"no_track_endpoints": True}, ("--wait",), 4, 1, "older than Gimlet v0.18"),
    "truncated tracking body": Case({"truncated_body": True}, ("--wait",), 4, 1, "eventArtifactTrack"),
    "non-JSON tracking body": Case({"non_json_body": True}, ("--wait",), 4, 1, "is not JSON (HTTP 200"),
    "processing error": Case(
        {"processing_error": "cannot load vars: clone failed"},
        ("--wait",),
        1,
        1,
        "cannot load vars",
    ),
    "failed result": Case({"fail_results": True}, ("--wait",), 1, 1, "deploy failed"),
    "reconciliation failed": Case(
        {"gitops_failure": "ReconciliationFailed"}, ("--wait",), 1, 1, "ReconciliationFailed"
    ),
    "validation failed": Case({"gitops_failure": "ValidationFailed"}, ("--wait",), 1, 1, "ValidationFailed"),
    "health check failed": Case({"gitops_failure": "HealthCheckFailed"}, ("--wait",), 1, 1, "HealthCheckFailed"),
    "image build error": Case(
        {"image_build_error": True},
        ("--deploy", "--env", "staging", "--app", "built"),
        1,
        1,
        "image build failed",
    ),
    "release answer without type": Case(
        {"release_without_type": True},
        ("--deploy", "--env", "production", "--app", "shop"),
        0,
        1,
        "Release queued",
    ),
}

BUILT = """\
app: built
env: staging
chart: {name: onechart}
values:
  image: {strategy: dockerfile, repository: r, tag: "{{ .SHA }}"}
"""


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    from tests.helpers import PRODUCTION, STAGING  # noqa: PLC0415

    return make_repo(
        tmp_path,
        manifests={"staging.yaml": STAGING, "production.yaml": PRODUCTION, "built.yaml": BUILT},
    )


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_clear_line(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    assert TOKEN not in out + err
    if code:
        errors = [line for line in err.splitlines() if line.startswith("ERROR")]
        assert 1 == len(errors), err


@pytest.mark.parametrize("name", list(CASES))
def test_fault_matrix(name: str, repo: Path) -> None:
    """Each fault gives its exit code, one clear line, no traceback, no token, and no duplicate artifact."""
    case = CASES[name]
    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02, **case.faults) as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
        code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--timeout", "20s", *case.args], env)
        stored = len(server.artifacts())

    assert (case.code, case.artifacts) == (code, stored), err
    assert case.says in err
    assert_one_clear_line(code, out, err)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_is_exit_4_after_retries(repo: Path) -> None:
    """Nobody listening: every attempt is retried, then exit 4 saying it cannot connect."""
    env = {"GIMLET_SERVER": f"http://127.0.0.1:{free_port()}", "GIMLET_TOKEN": TOKEN}
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship"], env)

    assert 4 == code
    assert "cannot connect to http://127.0.0.1:" in err
    assert 5 == err.count("retrying")
    assert_one_clear_line(code, out, err)


class FakeTiming:
    """A clock that only moves when the code sleeps: retries and polls take no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def timing(self) -> Timing:
        return Timing(clock=lambda: self.now, sleep=self.sleep, wall=lambda: 1e9 + self.now)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def prepared_for(repo: Path) -> Any:
    ctx = CIContext(platform="local", repository="acme/shop", sha=git(repo, "rev-parse", "HEAD"), branch="main")
    return prepare(ctx, Settings(), checkout=repo)


def test_deadline_during_retries_reports_the_server_error(repo: Path) -> None:
    """A server that keeps failing while the deadline runs out: its error (exit 4), with a tip naming the deadline."""
    fake = FakeTiming()
    with GimletServer(token=TOKEN, force_status=503) as server:
        client = build_client(
            server=server.url,
            token=TOKEN,
            deadline=Deadline(20.0, fake.timing()),
            user_agent="t",
            retry=RetryPolicy(base=2.0, factor=2.0, cap=30.0, attempts=50),
        )
        with client.http, pytest.raises(GimletAPIError, match="Gimlet answered 503") as e:
            ship(prepared_for(repo), Settings(), client=client)
        stored = len(server.artifacts())

    assert 4 == e.value.exit_code
    assert e.value.tip is not None
    assert "retries stopped early: the 20s deadline" in e.value.tip
    assert 0 == stored
    assert sum(fake.slept) <= 20.0
    assert len(fake.slept) >= 2


def test_slow_responses_past_the_http_timeout(repo: Path) -> None:
    """A server slower than the per-request timeout: the POST's outcome is unknown, the artifact found and adopted."""
    with GimletServer(token=TOKEN, latency=0.3) as server:
        client = build_client(server=server.url, token=TOKEN, deadline=Deadline(30.0), user_agent="t")
        client.request_timeout = 0.1
        with client.http, pytest.raises(ServerUnreachable, match=r"timed out after 0\.1s"):
            ship(prepared_for(repo), Settings(), client=client)
        stored = len(server.artifacts())

    # The POST was stored, but every look-up timed out too: nothing was re-posted blindly.
    assert 1 == stored


def test_retry_log_lines_name_attempt_reason_and_wait(repo: Path) -> None:
    """Each retry is one log line with the attempt, the reason and the wait."""
    with GimletServer(token=TOKEN, fail_first=2, fail_path="/api/artifact") as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
        code, _, err = run(["--log-format", "json", "--platform", "local", "-C", str(repo), "ship"], env)

    retries = [json.loads(line) for line in err.splitlines() if '"gimlet_ci.retry"' in line]
    assert 0 == code
    assert [(1, "HTTP 500"), (2, "HTTP 500")] == [(r["attempt"], r["reason"]) for r in retries]
    assert all("wait" in r for r in retries)


Check = Callable[[], None]


def fault_table() -> str:
    """The fault matrix as a Markdown table with the time each case took to exit (`python -m tests.test_faults`)."""
    import tempfile  # noqa: PLC0415
    import time  # noqa: PLC0415

    from gimlet_ci._retry import set_testing  # noqa: PLC0415
    from tests.helpers import PRODUCTION, STAGING  # noqa: PLC0415

    set_testing(False)  # real retry and poll intervals: the times a pipeline would see
    rows = ["| case | exit code | artifacts stored | time to exit |", "| --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(
            Path(tmp), manifests={"staging.yaml": STAGING, "production.yaml": PRODUCTION, "built.yaml": BUILT}
        )
        for name, case in CASES.items():
            with GimletServer(token=TOKEN, processing_delay=0.5, reconcile_delay=1.0, **case.faults) as server:
                env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
                started = time.monotonic()
                code, _, _ = run(
                    ["-q", "--platform", "local", "-C", str(repo), "ship", "--timeout", "60s", *case.args], env
                )
                took = time.monotonic() - started
                rows.append(f"| {name} | {code} | {len(server.artifacts())} | {took:.1f} s |")
        started = time.monotonic()
        env = {"GIMLET_SERVER": f"http://127.0.0.1:{free_port()}", "GIMLET_TOKEN": TOKEN}
        code, _, _ = run(["-q", "--platform", "local", "-C", str(repo), "ship", "--timeout", "60s"], env)
        rows.append(f"| server down | {code} | 0 | {time.monotonic() - started:.1f} s |")
        with GimletServer(token=TOKEN, processing_delay=30.0) as server:
            env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
            started = time.monotonic()
            code, _, _ = run(["-q", "--platform", "local", "-C", str(repo), "ship", "--wait", "--timeout", "3s"], env)
            rows.append(
                f"| deadline while waiting (3s) | {code} | {len(server.artifacts())} | {time.monotonic() - started:.1f} s |"
            )
    return "\n".join(rows)


# --- hostile repositories and environments (issue 11; owner: the input-hardening work) -------------------------
# Kept in one block, apart from the network rows above, so that the two sets of rows merge without conflicts.


def _github(repo: Path, tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": git(repo, "rev-parse", "HEAD"),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
        **extra,
    }


def _write(name: str, text: str) -> Callable[[Path, Path], dict[str, str]]:
    def setup(repo: Path, tmp: Path) -> dict[str, str]:
        (repo / ".gimlet" / name).write_text(text)
        return {}

    return setup


def _link_out(repo: Path, tmp: Path) -> dict[str, str]:
    (tmp / "credentials").write_text("https://user:gho_outside@github.com\n")
    (repo / ".gimlet" / "creds.yaml").symlink_to(tmp / "credentials")
    return {}


def _event(kind: str) -> Callable[[Path, Path], dict[str, str]]:
    def setup(repo: Path, tmp: Path) -> dict[str, str]:
        path = "/dev/zero"
        if kind == "fifo":
            path = str(tmp / "event.fifo")
            os.mkfifo(path)
        return _github(repo, tmp, GITHUB_EVENT_PATH=path)

    return setup


def _output_fifo(repo: Path, tmp: Path) -> dict[str, str]:
    os.mkfifo(tmp / "output.fifo")
    return _github(repo, tmp, GITHUB_OUTPUT=str(tmp / "output.fifo"))


def _crafted_glob(repo: Path, tmp: Path) -> dict[str, str]:
    pattern = "{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}"
    (repo / ".gimlet" / "staging.yaml").write_text(
        f"app: shop\nenv: staging\nnamespace: default\ndeploy: {{branch: '{pattern}', event: push}}\n"
    )
    return _github(repo, tmp, GITHUB_REF="refs/heads/" + "b" * 2000)


def _plain(repo: Path, tmp: Path) -> dict[str, str]:
    return {}


_BOMB = "app: a\nenv: staging\nv:\n  a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"  {chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(6)
)
_DEEP = "app: a\nenv: staging\nv:\n" + "".join("  " * i + "k:\n" for i in range(1, 999))


@attrs.frozen
class HostileCase:
    setup: Callable[[Path, Path], dict[str, str]]
    args: tuple[str, ...]
    code: int
    artifacts: int
    says: str
    faults: dict[str, Any] = attrs.field(factory=dict)


HOSTILE_CASES = {
    "YAML alias bomb (273 bytes)": HostileCase(_write("bomb.yaml", _BOMB), (), 2, 0, "aliases expand to more than"),
    "YAML nested 998 deep": HostileCase(_write("deep.yaml", _DEEP), (), 2, 0, "nested more than 100 levels deep"),
    ".gimlet file linking outside": HostileCase(_link_out, (), 2, 0, "outside the checkout"),
    "GITHUB_EVENT_PATH=/dev/zero": HostileCase(_event("zero"), (), 0, 1, "a character device, not a regular file"),
    "GITHUB_EVENT_PATH is a FIFO": HostileCase(_event("fifo"), (), 0, 1, "a FIFO, not a regular file"),
    "GITHUB_OUTPUT is a FIFO": HostileCase(_output_fifo, (), 0, 1, "a FIFO, not a regular file; skipped"),
    "crafted glob, 2,000-char branch": HostileCase(_crafted_glob, (), 2, 0, "was cut short"),
    "--timeout of 400 digits": HostileCase(_plain, ("--timeout", "9" * 400 + "s"), 2, 0, "longer than a duration"),
    "server echoes the token": HostileCase(
        _github, ("--wait",), 1, 1, "[redacted]", {"processing_error": f"echo: Authorization: Bearer {TOKEN}"}
    ),
}


def _run_hostile(case: HostileCase, repo: Path, tmp: Path, *, timeout: str) -> tuple[int, str, str, int, float]:
    import time  # noqa: PLC0415

    extra = case.setup(repo, tmp)
    with GimletServer(token=TOKEN, processing_delay=0.01, **case.faults) as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN, **extra}
        platform = () if "GITHUB_ACTIONS" in env else ("--platform", "local")
        started = time.monotonic()
        code, out, err = run([*platform, "-C", str(repo), "ship", "--timeout", timeout, *case.args], env)
        took = time.monotonic() - started
        stored = len(server.artifacts())
    files = "".join(p.read_text() for p in tmp.iterdir() if p.is_file() and p.name in ("output", "summary"))
    return code, out, err + files, stored, took


@pytest.mark.parametrize("name", list(HOSTILE_CASES))
def test_hostile_matrix(name: str, repo: Path, tmp_path: Path) -> None:
    """Each hostile repository or environment gives its exit code and one clear line, fast, no traceback, no
    token in any output or output file, and the number of artifacts stored."""
    case = HOSTILE_CASES[name]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    code, out, err, stored, took = _run_hostile(case, repo, scratch, timeout="20s")

    assert (case.code, case.artifacts) == (code, stored), err
    assert case.says in err
    assert took < 10
    # GitHub's `::add-mask::` lines carry the token on purpose: they hide it.
    assert_one_clear_line(code, out, "\n".join(line for line in err.splitlines() if not line.startswith("::add-")))


def hostile_rows() -> list[str]:
    """The hostile rows of the fault matrix, with the time each took to exit."""
    import tempfile  # noqa: PLC0415

    from tests.helpers import PRODUCTION, STAGING  # noqa: PLC0415

    rows = []
    for name, case in HOSTILE_CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            repo = make_repo(Path(tmp), manifests={"staging.yaml": STAGING, "production.yaml": PRODUCTION})
            scratch = Path(tmp) / "scratch"
            scratch.mkdir()
            code, _, _, stored, took = _run_hostile(case, repo, scratch, timeout="60s")
        rows.append(f"| {name} | {code} | {stored} | {took:.1f} s |")
    return rows


# --- end of the hostile block -------------------------------------------------------------------------------


if __name__ == "__main__":
    print("\n".join([fault_table(), *hostile_rows()]))
