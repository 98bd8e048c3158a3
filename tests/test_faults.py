"""The fault-injection suite: what a pipeline sees when Gimlet or the network misbehaves.

Each case asserts the exit code, one clear ERROR line, no traceback, the token absent from all output (in every
encoding), and how many artifacts the server holds afterwards (never a duplicate). Cases that need real time (a
server that drips or never answers) run ``gimlet-ci`` as a subprocess with a short ``--timeout``.
"""

from __future__ import annotations

import base64
import email.utils
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from structlog.testing import capture_logs

from gimlet_ci._client import IDEMPOTENCY_KEY, build_client
from gimlet_ci._flows import prepare, ship
from gimlet_ci._retry import Deadline, RetryPolicy, Timing
from gimlet_ci._settings import Settings
from gimlet_ci.adapters import CIContext
from gimlet_ci.cli import main
from gimlet_ci.exceptions import GimletAPIError, ServerUnreachable
from gimlet_ci.testing import GimletServer
from tests.helpers import git, github_push_env, make_repo

if TYPE_CHECKING:
    from typing_extensions import Self

TOKEN = "fault-T0KEN-do-not-print-9931"
MiB = 2**20


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
    "proxy 502 without storing, then stored": Case(
        {"fail_first": 1, "fail_path": "/api/artifact", "fail_status": 502}, (), 0, 1, "Shipped"
    ),
    "stored, then a proxy's 502": Case({"drop_after_store": 1, "after_store_status": 502}, (), 0, 1, "using"),
    "stored, then dropped; 45 newer artifacts of the commit": Case(
        {"drop_after_store": 1, "busy_commit": 45}, (), 0, 46, "using"
    ),
    "stored, then dropped; server clock 10 min behind": Case(
        {"drop_after_store": 1, "clock_skew": -600.0}, (), 0, 1, "using"
    ),
    "stored, then dropped; server clock 10 min ahead": Case(
        {"drop_after_store": 1, "clock_skew": 600.0}, (), 0, 1, "using"
    ),
    "proxy echoes the request headers (token) in a 502": Case({"echo_headers": True}, (), 4, 0, "502"),
    "huge tracking body (64 MiB)": Case({"huge_body": 64 * MiB}, ("--wait",), 4, 1, "the 32 MiB limit of an answer"),
    "gzip bomb on tracking (256 MiB)": Case(
        {"gzip_bomb": 256 * MiB}, ("--wait",), 4, 1, "the 32 MiB limit of an answer"
    ),
    "429 with Retry-After, then stored": Case(
        {"fail_first": 2, "fail_path": "/api/artifact", "fail_status": 429, "retry_after": "1"}, (), 0, 1, "Shipped"
    ),
    "503 with Retry-After past the deadline": Case(
        {"fail_first": 9, "fail_path": "/api/artifact", "fail_status": 503, "retry_after": "3600"},
        (),
        4,
        0,
        "Retry-After",
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


ENCODINGS = (
    TOKEN,
    json.dumps(TOKEN)[1:-1],
    urllib.parse.quote(TOKEN, safe=""),
    base64.b64encode(TOKEN.encode()).decode(),
    TOKEN.replace("-", "\\-"),  # Markdown-escaped
)


def assert_no_token(*texts: str) -> None:
    for text in texts:
        for form in ENCODINGS:
            assert form not in text


def assert_one_clear_line(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    assert_no_token(out, err)
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
    """A server slower than the per-request timeout: the POST's outcome is unknown and every look-up gets no answer
    either; after three requests in a row with no answer the server is reported as not answering, nothing re-posted,
    and the tip names the key to look for."""
    with GimletServer(token=TOKEN, latency=0.3) as server:
        client = build_client(server=server.url, token=TOKEN, deadline=Deadline(30.0), user_agent="t")
        client.request_timeout = 0.1
        with client.http, pytest.raises(ServerUnreachable, match=r"3 requests in a row got none within 0\.1s") as e:
            ship(prepared_for(repo), Settings(), client=client)
        posts = server.request_count("POST", "/api/artifact")

    assert 1 == posts  # never re-posted (the server stores it once its latency has passed)
    assert 4 == e.value.exit_code
    assert e.value.tip is not None
    assert "accepts connections but does not answer" in e.value.tip
    assert f"look for {IDEMPOTENCY_KEY}=" in e.value.tip


def test_retry_log_lines_name_attempt_reason_and_wait(repo: Path) -> None:
    """Each retry is one log line with the attempt, the reason and the wait."""
    with GimletServer(token=TOKEN, fail_first=2, fail_path="/api/artifact") as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
        code, _, err = run(["--log-format", "json", "--platform", "local", "-C", str(repo), "ship"], env)

    retries = [json.loads(line) for line in err.splitlines() if '"gimlet_ci.retry"' in line]
    assert 0 == code
    assert [(1, "HTTP 500"), (2, "HTTP 500")] == [(r["attempt"], r["reason"]) for r in retries]
    assert all("wait" in r for r in retries)


ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@attrs.frozen
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    files: tuple[str, ...] = ()


def ship_process(server: str, repo: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """``gimlet-ci ship`` as a real process (real time, real sockets) against *server*."""
    full = {
        "PATH": SYSTEM_PATH,
        "HOME": str(repo.parent),
        "PYTHONPATH": str(ROOT),
        "GIMLET_SERVER": server,
        "GIMLET_TOKEN": TOKEN,
        **(env or {}),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "gimlet_ci", "--platform", "local", "-C", str(repo), "ship", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Ran(result.returncode, result.stdout, result.stderr, time.monotonic() - started)


class Silent:
    """A loopback socket that accepts connections, reads what is sent, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.fixture(name="silent")
def _silent() -> Iterator[Silent]:
    with Silent() as server:
        yield server


def test_a_server_that_never_answers_is_exit_4_at_the_deadline(repo: Path, silent: Silent) -> None:
    """Accepts and never answers, `--timeout 3s`: exit 4 saying it does not answer, about at the deadline."""
    ran = ship_process(silent.url, repo, "--timeout", "3s")

    assert 4 == ran.code, ran.err
    assert "no answer from http://127.0.0.1:" in ran.err
    assert "accepts connections but does not answer" in ran.err
    assert ran.seconds < 3 + 1 + 3  # the deadline, the one-second look-up grace, start-up
    assert_one_clear_line(ran.code, ran.out, ran.err)


def test_no_answer_is_warned_at_once_and_ends_after_three(repo: Path, silent: Silent) -> None:
    """With a long deadline, the first request without an answer is a WARNING at once; after three in a row the run
    ends with exit 4, long before the deadline (here with a 0.3 s request timeout instead of 30 s)."""
    client = build_client(server=silent.url, token=TOKEN, deadline=Deadline(600.0), user_agent="t")
    client.request_timeout = 0.3
    started = time.monotonic()
    with capture_logs() as logs, client.http, pytest.raises(ServerUnreachable, match="3 requests in a row") as e:
        ship(prepared_for(repo), Settings(), client=client)

    warnings = [entry for entry in logs if entry["event"] == "gimlet_ci.no_answer"]
    assert 1 == len(warnings)
    assert "0.3s" == warnings[0]["seconds"]
    assert 4 == e.value.exit_code
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("faults", "stored", "code"),
    [
        pytest.param({"drip": 0.5}, 1, 3, id="body-drip"),
        pytest.param({"drip": 0.5, "drip_headers": True}, 1, 4, id="header-drip"),
    ],
)
def test_a_dripping_server_cannot_stretch_the_deadline(
    repo: Path, faults: dict[str, Any], stored: int, code: int
) -> None:
    """Every answer dripped one byte every 0.5 s (its headers too): `--timeout 2s` ends at 2 s plus the one-second
    look-up grace, whatever the server does; the POST is never re-sent."""
    with GimletServer(token=TOKEN, **faults) as server:
        ran = ship_process(server.url, repo, "--timeout", "2s")
        count = len(server.artifacts())

    assert (code, stored) == (ran.code, count), ran.err
    assert ran.seconds < 2 + 1 + 3
    assert "deadline" in ran.err or "no answer" in ran.err
    assert "may have been stored" in ran.err
    assert_one_clear_line(ran.code, ran.out, ran.err)


def test_a_post_cut_by_the_deadline_is_looked_up_and_its_id_reported(repo: Path) -> None:
    """The artifact is stored but its answer drips past `--timeout 2s`: exit 3, the id known (JSON result), and
    the tip says to track it, not to raise the timeout (which would ship a duplicate)."""
    with GimletServer(token=TOKEN, drip=0.5, drip_path="/api/artifact") as server:
        ran = ship_process(server.url, repo, "--timeout", "2s", "--output", "json")
        [artifact] = server.artifacts()

    assert 3 == ran.code, ran.err
    assert artifact["id"] == json.loads(ran.out)["artifact_id"]
    assert f"Gimlet stored the artifact as {artifact['id']}" in ran.err
    assert f"gimlet-ci track {artifact['id']} --wait" in ran.err
    assert "raise --timeout" not in ran.err
    assert ran.seconds < 2 + 1 + 3
    assert_one_clear_line(ran.code, ran.out, ran.err)


def test_a_second_ship_of_the_commit_is_never_taken_for_the_first(tmp_path: Path) -> None:
    """Two ships of one commit with different manifests; the second POST is answered with a proxy 502 without being
    stored: the look-up finds no artifact with its key (the first ship's is another), so it posts again."""
    from tests.helpers import PRODUCTION, STAGING  # noqa: PLC0415

    repo = make_repo(tmp_path, manifests={"staging.yaml": STAGING, "production.yaml": PRODUCTION})
    (repo / "other").mkdir()
    (repo / "other" / "staging.yaml").write_text(STAGING.replace("app: shop", "app: other"))
    with GimletServer(token=TOKEN) as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN}
        first, _, _ = run(["--platform", "local", "-C", str(repo), "ship"], env)
        server.faults.fail_first, server.faults.fail_path, server.faults.fail_status = 1, "/api/artifact", 502
        code, out, err = run(
            ["--platform", "local", "-C", str(repo), "ship", "--manifests", "other", "--output", "json"], env
        )
        stored = server.artifacts()

    assert (0, 0) == (first, code), err
    assert 2 == len(stored)
    assert json.loads(out)["artifact_id"] == stored[1]["id"]
    assert ["other"] == [m["app"] for m in stored[1]["environments"]]
    assert stored[0]["context"][IDEMPOTENCY_KEY] != stored[1]["context"][IDEMPOTENCY_KEY]
    assert_one_clear_line(code, out, err)


def test_the_token_echoed_by_a_proxy_reaches_no_output_file(repo: Path, tmp_path: Path) -> None:
    """A proxy's 502 echoes `Authorization: Bearer <token>`: on GitHub, neither the log, the step outputs nor the
    step summary carry the token, in any encoding."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    with GimletServer(token=TOKEN, echo_headers=True) as server:
        env = {
            "GIMLET_SERVER": server.url,
            "GIMLET_TOKEN": TOKEN,
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_SHA": git(repo, "rev-parse", "HEAD"),
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        code, out, err = run(["--platform", "github", "-C", str(repo), "ship", "--output", "json"], env)
        stored = len(server.artifacts())

    assert (4, 0) == (code, stored), err
    assert "502" in err
    assert "Traceback" not in out + err
    masked = "\n".join(line for line in err.splitlines() if not line.startswith("::add-mask::"))  # GitHub's own
    assert_no_token(out, masked, *(path.read_text() for path in (output, summary) if path.exists()))


def test_retry_after_is_honoured_within_the_deadline(repo: Path) -> None:
    """A 503 with `Retry-After: 7` (seconds) and then one with an HTTP date 9 s after the answer's own Date: the
    waits are at least 7 s and 9 s, whatever our clock says."""
    fake = FakeTiming()
    with GimletServer(token=TOKEN, fail_first=1, fail_path="/api/artifact", fail_status=503, retry_after="7") as server:
        client = build_client(server=server.url, token=TOKEN, deadline=Deadline(60.0, fake.timing()), user_agent="t")
        with client.http:
            ship(prepared_for(repo), Settings(), client=client)
            server.faults.fail_first = 1
            server.faults.retry_after = email.utils.formatdate(time.time() + 9.4, usegmt=True)
            ship(prepared_for(repo), Settings(), client=client)

    assert 7.0 <= fake.slept[0] < 10.0
    assert 8.0 <= fake.slept[1] < 11.0
    assert 2 == len(server.artifacts())


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
        rows += _real_time_rows(repo)
    return "\n".join(rows)


def _real_time_rows(repo: Path) -> list[str]:
    """The rows that need real time and real sockets: `gimlet-ci` as a process against a dripping or silent server."""
    rows = []
    for name, faults in {
        "every answer dripped, a byte per 2 s (10s)": {"drip": 2.0},
        "headers dripped too, a byte per 2 s (10s)": {"drip": 2.0, "drip_headers": True},
        "stored, its answer dripped past the deadline (10s)": {"drip": 2.0, "drip_path": "/api/artifact"},
    }.items():
        with GimletServer(token=TOKEN, **faults) as server:
            ran = ship_process(server.url, repo, "--timeout", "10s")
            rows.append(f"| {name} | {ran.code} | {len(server.artifacts())} | {ran.seconds:.1f} s |")
    for name, args in {
        "accepts, never answers (10s)": ("--timeout", "10s"),
        "accepts, never answers (default settings)": (),
    }.items():
        with Silent() as silent:
            ran = ship_process(silent.url, repo, *args)
            rows.append(f"| {name} | {ran.code} | 0 | {ran.seconds:.1f} s |")
    return rows


# --- hostile repositories and environments (issue 11; owner: the input-hardening work) -------------------------
# Kept in one block, apart from the network rows above, so that the two sets of rows merge without conflicts.


def _github(repo: Path, tmp: Path, **extra: str) -> dict[str, str]:
    return github_push_env(repo, output=tmp / "output", summary=tmp / "summary", **extra)


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
