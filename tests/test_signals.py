"""Cancellation: a CI's SIGINT, SIGTERM or SIGHUP ends the run at once and keeps what it achieved.

Each test runs ``python -m gimlet_ci`` as a real process against the local server, waits for the log line that says
the id is known, sends the signal, and reads the exit code, the JSON result and the platform's output files.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci.testing import GimletServer
from tests.helpers import git, github_push_env, make_repo

TOKEN = "s3cr3t-T0KEN-value-4711"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class _Process:
    """A running gimlet-ci whose stderr lines are read as they come."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gimlet_ci", *argv],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                self.proc.kill()
                self.finish(signal.SIGKILL)
                pytest.fail(f"no line with {text!r} came; seen: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line

    def finish(self, signum: int) -> tuple[int, float, str, list[str]]:
        """Send *signum*; the exit code, the seconds until the process ended, stdout and the remaining stderr."""
        started = time.monotonic()
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("the process did not end within 10s of the signal")
        elapsed = time.monotonic() - started
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        self._reader.join(5)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, elapsed, out, self.seen


def _base_env(tmp_path: Path, server: GimletServer) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(tmp_path),
        "GIMLET_SERVER": server.url,
        "GIMLET_TOKEN": server.token,
    }


def _github_env(tmp_path: Path, repo: Path, server: GimletServer) -> dict[str, str]:
    (tmp_path / "output").write_text("")
    (tmp_path / "summary.md").write_text("")
    return {
        **_base_env(tmp_path, server),
        **github_push_env(repo, output=tmp_path / "output", summary=tmp_path / "summary.md"),
    }


def _outputs(path: Path) -> dict[str, str]:
    """``name<<delimiter`` blocks of a ``$GITHUB_OUTPUT`` file."""
    values: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        values[name] = "\n".join(iter(lambda: next(lines), delimiter))
    return values


@pytest.mark.parametrize(
    ("signum", "code"),
    [
        pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
        pytest.param(signal.SIGINT, 130, id="SIGINT"),
        pytest.param(signal.SIGHUP, 129, id="SIGHUP"),
    ],
)
def test_a_signal_while_waiting_keeps_the_shipped_artifact_id(tmp_path: Path, signum: int, code: int) -> None:
    """A signal during `ship --wait` on GitHub ends the run within a second with 128+signal; the JSON result, the
    `artifact-id` and `status` outputs and the step summary hold the shipped artifact and say `cancelled`; one
    line says how to resume; the server stored exactly one artifact and nothing was posted after the signal."""
    repo = make_repo(tmp_path)
    with GimletServer(token=TOKEN, processing_delay=60) as server:
        env = _github_env(tmp_path, repo, server)
        process = _Process(["--platform", "github", "-C", str(repo), "ship", "--wait", "--output", "json"], env, repo)
        shipped = process.wait_for("Shipped artifact")
        process.wait_for("the artifact is new")
        posts = server.request_count("POST")
        exit_code, elapsed, out, err = process.finish(signum)
        [stored] = server.artifacts()
        assert posts == server.request_count("POST")

    assert code == exit_code, err
    assert elapsed < 1.0
    artifact_id = stored["id"]
    assert shipped.endswith(artifact_id)
    result: dict[str, Any] = json.loads(out)
    assert (artifact_id, "cancelled") == (result["artifact_id"], result["status"])
    name = signal.Signals(signum).name
    assert f"ERROR cancelled by {name}" in err
    resume = f"resume with: gimlet-ci track {artifact_id} --wait"
    assert [resume] == [line for line in err if line.startswith("resume")]
    assert f"::warning title=gimlet-ci::cancelled by {name}; {resume}" in err
    outputs = _outputs(tmp_path / "output")
    assert (artifact_id, "cancelled") == (outputs["artifact-id"], outputs["status"])
    summary = (tmp_path / "summary.md").read_text()
    assert "| Status | cancelled |" in summary
    assert artifact_id.replace("-", "\\-") in summary or artifact_id in summary


def test_a_signal_during_an_on_demand_release_resumes_the_release(tmp_path: Path) -> None:
    """On CircleCI, SIGTERM while an on-demand release is being tracked exports both ids through `$BASH_ENV`, and
    the resume line tracks the release."""
    repo = make_repo(tmp_path)
    bash_env = tmp_path / "bash_env"
    bash_env.write_text("")
    with GimletServer(token=TOKEN, processing_delay=0.02, reconcile_delay=60) as server:
        env = {
            **_base_env(tmp_path, server),
            "CIRCLECI": "true",
            "CIRCLE_PROJECT_USERNAME": "acme",
            "CIRCLE_PROJECT_REPONAME": "shop",
            "CIRCLE_REPOSITORY_URL": "git@github.com:acme/shop.git",
            "CIRCLE_SHA1": git(repo, "rev-parse", "HEAD"),
            "CIRCLE_BRANCH": "feature/x",
            "BASH_ENV": str(bash_env),
            "PARAM_DEPLOY": "1",
            "PARAM_ENV": "production",
        }
        process = _Process(["--platform", "circleci", "-C", str(repo), "ship"], env, repo)
        queued = process.wait_for("Release queued")
        exit_code, elapsed, _, err = process.finish(signal.SIGTERM)
        [stored] = server.artifacts()
        releases = server.request_count("POST", "/api/releases")

    assert 143 == exit_code, err
    assert elapsed < 1.0
    assert 1 == releases
    release_id = queued.split("id ", 1)[1].split(" ", 1)[0]
    exported = bash_env.read_text()
    assert f"export GIMLET_ARTIFACT_ID={stored['id']}\n" in exported
    assert f"export GIMLET_RELEASE_ID={release_id}\n" in exported
    assert [f"resume with: gimlet-ci track --release {release_id} --wait"] == [
        line for line in err if line.startswith("resume")
    ]


def test_a_signal_before_the_release_resumes_with_the_deploy(tmp_path: Path) -> None:
    """SIGINT while an on-demand ship waits for processing, before the release: no release is made, and the resume
    line is the `deploy` that makes it."""
    repo = make_repo(tmp_path)
    with GimletServer(token=TOKEN, processing_delay=60) as server:
        env = {**_base_env(tmp_path, server), "GIMLET_DEPLOY": "true", "GIMLET_ENV": "production", "GIMLET_APP": "shop"}
        process = _Process(["--platform", "local", "-C", str(repo), "ship", "--output", "json"], env, repo)
        process.wait_for("Shipped artifact")
        exit_code, _, out, err = process.finish(signal.SIGINT)
        [stored] = server.artifacts()
        releases = server.request_count("POST", "/api/releases")

    assert 130 == exit_code, err
    assert 0 == releases
    assert stored["id"] == json.loads(out)["artifact_id"]
    expected = f"resume with: gimlet-ci deploy --artifact {stored['id']} --env production --app shop"
    assert [expected] == [line for line in err if line.startswith("resume")]


def test_a_signal_while_tracking_says_how_to_track_again(tmp_path: Path) -> None:
    """SIGHUP during `track ID --wait` ends it with 129, the JSON result says `cancelled`, and the resume line is the
    same `track` again."""
    repo = make_repo(tmp_path)
    with GimletServer(token=TOKEN, processing_delay=60) as server:
        env = _base_env(tmp_path, server)
        shipped = subprocess.run(  # noqa: PLW1510 - checked below
            [sys.executable, "-m", "gimlet_ci", "--platform", "local", "-C", str(repo), "ship", "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
        )
        artifact_id = json.loads(shipped.stdout)["artifact_id"]
        process = _Process(["track", artifact_id, "--wait", "--output", "json"], env, repo)
        process.wait_for("the artifact is new")
        exit_code, _, out, err = process.finish(signal.SIGHUP)

    assert (0, 129) == (shipped.returncode, exit_code), err
    assert (artifact_id, "cancelled") == (json.loads(out)["artifact_id"], json.loads(out)["status"])
    assert [f"resume with: gimlet-ci track {artifact_id} --wait"] == [line for line in err if line.startswith("resume")]


@pytest.mark.parametrize("where", ["while the error is reported", "just after the command returned"])
def test_a_signal_at_the_end_of_the_run_never_gives_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A signal that lands while an error line is being written, or after the command returned but before the outputs
    are written, ends in one line and an exit code, never a traceback; the ids known so far are kept."""
    import io  # noqa: PLC0415

    from gimlet_ci import cli  # noqa: PLC0415
    from gimlet_ci._models import Outcome  # noqa: PLC0415

    def deliver(run: Any) -> None:  # what the armed handler does when SIGTERM arrives now
        run.signals._handle(signal.SIGTERM, None)

    if where == "while the error is reported":
        report = cli._report_error

        def reporting(run: Any, *args: Any, **kwargs: Any) -> None:
            deliver(run)
            report(run, *args, **kwargs)

        monkeypatch.setattr(cli, "_report_error", reporting)
        expected = 2  # the configuration error's code: the signal waits for the error line
    else:
        guarded = cli._guarded
        calls: list[int] = []

        def returning(run: Any, call: Any) -> int:  # the command's boundary returned; the signal comes before disarm
            code = guarded(run, call)
            if not calls:
                calls.append(code)
                run.outcome = Outcome(artifact_id="acme/shop-1", status="succeeded")
                deliver(run)
            return code

        monkeypatch.setattr(cli, "_guarded", returning)
        expected = 143
    err = io.StringIO()
    command = "ship" if where == "while the error is reported" else "context"  # ship: no server set, exit 2
    code = cli.main(["-C", str(tmp_path), command], {}, stdout=io.StringIO(), stderr=err)
    assert expected == code, err.getvalue()
    assert "Traceback" not in err.getvalue()
    if expected == 143:
        assert "ERROR cancelled by SIGTERM" in err.getvalue()
