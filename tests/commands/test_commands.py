"""The commands as functions: what they return for each ending, and that they print nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from gimlet_ci._models import Outcome
from gimlet_ci._secrets import TOKEN_VARIABLES
from gimlet_ci._settings import BY_NAME
from gimlet_ci.adapters import adapter_by_name
from gimlet_ci.commands import context
from gimlet_ci.commands.manifests import explain, lint
from gimlet_ci.commands.ship import DryRun, ship
from gimlet_ci.commands.tracking import deploy, rollback, track
from gimlet_ci.exceptions import ConfigError, GimletAPIError, MissingSettingsError
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

LOCAL = adapter_by_name("local")


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def _no_stdin() -> bytes:
    raise AssertionError


def test_a_dry_run_returns_the_body_and_prints_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ship` in a dry run returns the exact body and a dry-run outcome; it only logs, and writes to no stream."""
    with capture_logs() as logs:
        result = ship({}, LOCAL, str(repo), options={"dry_run": True})

    assert isinstance(result, DryRun)
    assert "acme/shop" == json.loads(result.body)["version"]["repositoryName"]
    assert ("dry-run", "acme/shop") == (result.outcome.status, result.outcome.repository)
    assert ("", "") == capsys.readouterr()
    assert ["gimlet_ci.artifact_built"] == [entry["event"] for entry in logs]


def test_ship_without_credentials_names_both_with_the_platforms_tip(repo: Path) -> None:
    """Missing server and token are one error, with the adapter's advice on where secrets live."""
    with pytest.raises(MissingSettingsError) as e:
        ship({}, adapter_by_name("github"), str(repo), options={})

    assert ("GIMLET_SERVER", "GIMLET_TOKEN") == e.value.names
    assert adapter_by_name("github").MISSING_SECRETS_TIP == e.value.tip


def test_a_failed_post_carries_the_outcome_so_far(repo: Path) -> None:
    """When the server refuses the artifact, the error carries an outcome with status error and the commit."""
    with GimletServer(fail_first=1000, fail_path="/api/artifact") as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token, "GIMLET_TIMEOUT": "5s"}
        with pytest.raises(GimletAPIError) as e:
            ship(env, LOCAL, str(repo), options={})

    assert e.value.outcome is not None
    assert ("error", None, "acme/shop") == (
        e.value.outcome.status,
        e.value.outcome.artifact_id,
        e.value.outcome.repository,
    )
    assert e.value.message == e.value.outcome.message


def test_ship_track_deploy_end_with_outcomes(repo: Path) -> None:
    """A shipped artifact can be tracked and released: each command returns its Outcome."""
    with GimletServer(processing_delay=0.01, reconcile_delay=0.02) as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        shipped = ship(env, LOCAL, str(repo), options={})
        assert isinstance(shipped, Outcome)
        tracked = track(env, LOCAL, options={"wait": True}, artifact_id=shipped.artifact_id, release_id=None)
        released = deploy(
            env, LOCAL, options={"env": "production", "app": "shop"}, artifact_id=shipped.artifact_id or ""
        )

    assert ("shipped", "succeeded", "succeeded") == (shipped.status, tracked.status, released.status)
    assert released.release_id


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: track({}, LOCAL, options={}, artifact_id=None, release_id=None),
            "track needs an ARTIFACT_ID or --release ID",
            id="track",
        ),
        pytest.param(
            lambda: deploy({}, LOCAL, options={}, artifact_id="a"), "deploy needs an environment", id="deploy"
        ),
        pytest.param(
            lambda: rollback({}, LOCAL, options={"env": "staging"}, sha="b" * 40),
            "rollback needs an environment and an app",
            id="rollback",
        ),
    ],
)
def test_commands_refuse_what_they_cannot_do_before_sending(call: object, message: str) -> None:
    """track, deploy and rollback say what is missing before any client exists."""
    assert callable(call)
    with pytest.raises(ConfigError, match=message):
        call()


def test_context_returns_its_warnings_rather_than_printing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GitHub run whose event payload is missing has a warning in its context; nothing is printed."""
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(tmp_path / "missing.json"),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "acme/shop",
    }
    ctx = context(env, adapter_by_name("github"), str(tmp_path))

    assert ("acme/shop", "main") == (ctx.repository, ctx.branch)
    assert ctx.warnings
    assert ("", "") == capsys.readouterr()


def test_lint_reads_the_folder_the_variable_names(repo: Path) -> None:
    """`lint` takes the manifests folder from the option, else GIMLET_MANIFESTS; problems name it as written."""
    (repo / "other").mkdir()
    (repo / "other" / "bad.yaml").write_text("app: [\n", encoding="utf-8")

    problems = lint({"GIMLET_MANIFESTS": "other"}, str(repo))

    assert ["other/bad.yaml"] == [problem.file for problem in problems]
    assert [] == [
        problem
        for problem in lint({"GIMLET_MANIFESTS": "other"}, str(repo), manifests=".gimlet")
        if problem.severity == "error"
    ]


def test_explain_applies_the_overrides_to_the_body_ship_would_post(repo: Path) -> None:
    """The tag option makes it a tag event, on which staging (push to main only) skips; on main it fires."""
    on_tag = explain({}, LOCAL, str(repo), options={"tag": "v1.0.0"}, read_stdin=_no_stdin)
    on_main = explain({}, LOCAL, str(repo), options={}, read_stdin=_no_stdin)

    verdicts = {entry["env"]: entry["verdict"] for entry in on_tag["manifests"]}
    assert "skips" == verdicts["staging"]
    assert "fires" == {entry["env"]: entry["verdict"] for entry in on_main["manifests"]}["staging"]


def test_explain_reads_an_artifact_from_stdin() -> None:
    """`--artifact -` takes the body from the injected stdin reader."""
    body = json.dumps({"version": {"repositoryName": "a/b", "sha": "c" * 40, "branch": "main"}, "environments": []})

    result = explain({}, LOCAL, ".", options={"artifact": "-"}, read_stdin=body.encode)

    assert ([], False) == (result["manifests"], result["rejected"])


def test_the_token_variables_are_the_token_settings_sources() -> None:
    """What the CLI scrubs from the start is where the token setting is read: its variable and platform inputs."""
    token = BY_NAME["token"]
    declared = (token.variable, *(name for inputs in token.inputs for name in inputs.names))

    assert declared == TOKEN_VARIABLES


def test_a_dry_run_loads_no_http_client(repo: Path) -> None:
    """`ship --dry-run` builds and prints without importing httpx (the action's dry-run start stays cheap)."""
    script = (
        "import io, sys; from gimlet_ci.cli import main; "
        f"code = main(['--platform', 'local', '-C', {str(repo)!r}, 'ship', '--dry-run'], {{}}, stdout=io.StringIO()); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'httpcore', 'httpx_ws')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env={})

    assert "0 []" == done.stdout.strip().splitlines()[-1]
