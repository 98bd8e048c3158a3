"""The CLI end to end against the local Gimlet-compatible server: what a pipeline sees."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci.cli import main
from gimlet_ci.testing import GimletServer
from tests.helpers import HOSTILE_MESSAGE, git, make_repo

TOKEN = "s3cr3t-T0KEN-value-4711"


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture(name="server")
def _server() -> Any:
    with GimletServer(token=TOKEN, processing_delay=0.02, reconcile_delay=0.04) as server:
        yield server


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def creds(server: GimletServer, **extra: str) -> dict[str, str]:
    return {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token, **extra}


def ship(repo: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    return run(["--platform", "local", "-C", str(repo), "ship", *args], env)


def test_dry_run_prints_the_exact_body_and_sends_nothing(repo: Path, server: GimletServer) -> None:
    """`ship --dry-run --output json` prints only the artifact body that would be posted; the server sees nothing."""
    code, out, err = ship(repo, creds(server), "--dry-run", "--output", "json")

    assert 0 == code
    assert 0 == server.request_count()
    body = json.loads(out)
    sha = git(repo, "rev-parse", "HEAD")
    assert {
        "repositoryName": "acme/shop",
        "sha": sha,
        "created": 1704164645,
        "branch": "main",
        "authorName": "Ada Lovelace",
        "authorEmail": "ada@example.com",
        "committerName": "Ada Lovelace",
        "committerEmail": "ada@example.com",
        "message": HOSTILE_MESSAGE,
    } == body["version"]
    assert ["production", "staging"] == [m["env"] for m in body["environments"]]
    assert "yes" == body["environments"][0]["values"]["enabled"]
    assert "{{ .SHA }}" == body["environments"][1]["values"]["image"]["tag"]
    assert {"REPO": "acme/shop", "SHA": sha, "BRANCH": "main", "EVENT": "push"}.items() <= body["vars"].items()
    assert TOKEN not in out + err


def test_ship_posts_one_artifact_and_prints_its_id(repo: Path, server: GimletServer) -> None:
    """Without --wait, ship posts once and exits 0 with the artifact id in the JSON result."""
    code, out, _ = ship(repo, creds(server), "--output", "json")

    assert 0 == code
    result = json.loads(out)
    [stored] = server.artifacts()
    assert stored["id"] == result["artifact_id"]
    assert "shipped" == result["status"]
    assert result["artifact_id"].startswith("acme/shop-")


def test_ship_wait_reports_each_reconciled_deploy(repo: Path, server: GimletServer) -> None:
    """--wait returns 0 once the deploy the policy triggered reached ReconciliationSucceeded."""
    code, out, err = ship(repo, creds(server), "--wait", "--output", "json")

    assert 0 == code, err
    result = json.loads(out)
    assert "succeeded" == result["status"]
    [deploy] = result["deploys"]
    assert ("shop", "staging", "succeeded", "ReconciliationSucceeded") == (
        deploy["app"],
        deploy["env"],
        deploy["status"],
        deploy["gitops_status"],
    )
    assert 40 == len(deploy["gitops_hash"])
    assert "shop -> staging" in err


def test_wait_with_no_policy_firing_is_done(tmp_path: Path, server: GimletServer) -> None:
    """An artifact no policy deploys is done at once, and the log says no policy fired."""
    repo = make_repo(tmp_path, branch="feature/x")
    code, _, err = ship(repo, creds(server), "--wait")

    assert 0 == code
    assert "No deploy policy fired" in err


@pytest.mark.parametrize(
    ("faults", "expected_text"),
    [
        pytest.param(
            {"gitops_failure": "ReconciliationFailed"},
            "ReconciliationFailed",
            id="reconcile-failed",
        ),
        pytest.param({"fail_results": True}, "deploy failed", id="result-failure"),
        pytest.param(
            {"processing_error": "cannot load vars boom"},
            "cannot load vars boom",
            id="processing-error",
        ),
    ],
)
def test_gimlet_failures_exit_1(repo: Path, server: GimletServer, faults: dict[str, Any], expected_text: str) -> None:
    """A failed deploy, a failed result or a processing error is exit 1 with Gimlet's reason on one line."""
    for name, value in faults.items():
        setattr(server.faults, name, value)
    code, out, err = ship(repo, creds(server), "--wait", "--output", "json")

    assert 1 == code
    error_lines = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert 1 == len(error_lines)
    assert expected_text in error_lines[0]
    assert "failed" == json.loads(out)["status"]
    assert "Traceback" not in err


def test_deadline_while_waiting_exits_3(repo: Path) -> None:
    """When the one deadline passes while waiting, the exit code is 3 and the last status is named."""
    with GimletServer(token=TOKEN, processing_delay=60) as server:
        code, out, err = ship(repo, creds(server), "--wait", "--timeout", "1s", "--output", "json")

    assert 3 == code
    assert "deadline passed" in err
    assert "timeout" == json.loads(out)["status"]
    assert json.loads(out)["artifact_id"]


def test_missing_server_and_token_are_named_together(repo: Path) -> None:
    """Both missing credentials are listed in one error, exit 2, before anything is sent."""
    code, _, err = ship(repo, {})

    assert 2 == code
    assert "GIMLET_SERVER, GIMLET_TOKEN" in err


def test_wrong_token_is_an_authentication_error(repo: Path, server: GimletServer) -> None:
    """A rejected token is exit 4 with a message that says authentication failed, and never shows the token."""
    code, out, err = ship(repo, {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": "wrong-token-123"})

    assert 4 == code
    assert "authentication failed" in err
    assert "wrong-token-123" not in out + err


def test_bad_boolean_names_the_variable(repo: Path, server: GimletServer) -> None:
    """GIMLET_WAIT=maybe is a configuration error that names the variable and the value."""
    code, _, err = ship(repo, creds(server, GIMLET_WAIT="maybe"))

    assert 2 == code
    assert "GIMLET_WAIT='maybe' is not a boolean" in err
    assert 0 == server.request_count()


def test_every_bad_value_is_named_in_one_error_line(repo: Path, server: GimletServer) -> None:
    """Two bad values, one run: one ERROR line names both, with the option and the variable they came from."""
    code, _, err = ship(repo, creds(server, GIMLET_DEPLOY="sure"), "--timeout", "soon")

    assert 2 == code
    [error] = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert (
        "ERROR 2 bad settings: GIMLET_DEPLOY='sure' is not a boolean; --timeout='soon' is not a positive duration"
        == error
    )
    assert 0 == server.request_count()


def test_no_push_and_gimlet_push_off_are_accepted(repo: Path, server: GimletServer) -> None:
    """`--no-push` and GIMLET_PUSH=off are accepted settings: the wait polls, and ends as it would otherwise."""
    code, out, err = ship(repo, creds(server, GIMLET_PUSH="off"), "--wait", "--no-push", "--output", "json")

    assert (0, "succeeded") == (code, json.loads(out)["status"]), err


def test_on_demand_release_tracks_to_the_end(repo: Path, server: GimletServer) -> None:
    """--deploy --env --app ships, makes the release and tracks it until reconciled."""
    code, out, err = ship(repo, creds(server), "--deploy", "--env", "production", "--app", "shop", "--output", "json")

    assert 0 == code, err
    result = json.loads(out)
    assert result["release_id"]
    assert [("shop", "production", "succeeded")] == [(d["app"], d["env"], d["status"]) for d in result["deploys"]]


def test_on_demand_release_matching_nothing_is_refused_before_sending(repo: Path, server: GimletServer) -> None:
    """An on-demand deploy to an app no manifest has is exit 2 before anything is sent, naming what exists."""
    code, _, err = ship(repo, creds(server), "--deploy", "--env", "production", "--app", "nope")

    assert 2 == code
    assert (
        "ERROR on-demand deploy to env 'production' and app 'nope': no manifest matches (the manifests are"
        " shop -> production, shop -> staging); nothing was sent"
    ) in err
    assert 0 == server.request_count()


def test_on_demand_waits_for_the_automated_deploys_first(tmp_path: Path, server: GimletServer) -> None:
    """In on-demand mode the automated deploys the artifact triggers are awaited and judged before the release: a
    failed one fails the run (exit 1) and no release is made."""
    staging = "app: shop\nenv: staging\nnamespace: default\ndeploy:\n  branch: main\n  event: push\n"
    production = "app: shop\nenv: production\nnamespace: default\n"
    repo = make_repo(tmp_path, manifests={"staging.yaml": staging, "production.yaml": production})
    server.faults.gitops_failure = "ReconciliationFailed"
    code, _, err = ship(repo, creds(server), "--deploy", "--env", "production", "--app", "shop")

    assert 1 == code, err
    assert "ReconciliationFailed" in err
    assert 0 == server.request_count("POST", "/api/releases")


def test_deploy_without_env_is_a_configuration_error(repo: Path, server: GimletServer) -> None:
    """GIMLET_DEPLOY=true without an environment is exit 2 before anything is sent."""
    code, _, err = ship(repo, creds(server, GIMLET_DEPLOY="true"))

    assert 2 == code
    assert "GIMLET_DEPLOY is on but no environment is set" in err
    assert 0 == server.request_count()


def test_deploy_and_rollback_commands(repo: Path, server: GimletServer) -> None:
    """`deploy` releases a shipped artifact; `rollback --wait` rolls back to its gitops commit."""
    env = creds(server)
    _, out, _ = ship(repo, env, "--output", "json")
    artifact_id = json.loads(out)["artifact_id"]

    code, out, err = run(["deploy", "--artifact", artifact_id, "--env", "production", "--output", "json"], env)
    assert 0 == code, err
    deployed = json.loads(out)
    gitops_hash = deployed["deploys"][0]["gitops_hash"]

    code, out, err = run(
        [
            "rollback",
            "--env",
            "production",
            "--app",
            "shop",
            "--to",
            gitops_hash,
            "--wait",
            "--output",
            "json",
        ],
        env,
    )
    assert 0 == code, err
    assert json.loads(out)["release_id"]


def test_track_once_and_unknown_id(repo: Path, server: GimletServer) -> None:
    """`track ID` reads the status once; an unknown id is exit 4 saying Gimlet does not know it."""
    env = creds(server)
    _, out, _ = ship(repo, env, "--output", "json")
    artifact_id = json.loads(out)["artifact_id"]

    code, out, _ = run(["track", artifact_id, "--wait", "--output", "json"], env)
    assert 0 == code
    assert "succeeded" == json.loads(out)["status"]

    code, _, err = run(["track", "acme/shop-nope"], env)
    assert 4 == code
    assert "does not know 'acme/shop-nope'" in err


@pytest.mark.parametrize("log_args", [[], ["-vv"], ["--log-format", "json", "-vv"]])
def test_token_never_printed(repo: Path, server: GimletServer, log_args: list[str]) -> None:
    """The token appears nowhere in stdout or stderr, at any verbosity, in console or JSON logs, dry run included."""
    env = creds(server)
    outputs = []
    for extra in (["--wait"], ["--dry-run"], ["--deploy", "--env", "production", "--app", "shop"]):
        code, out, err = run([*log_args, "--platform", "local", "-C", str(repo), "ship", *extra], env)
        assert 0 == code, err
        outputs.append(out + err)
    assert all(TOKEN not in text for text in outputs)


def test_context_json_has_every_documented_key(repo: Path) -> None:
    """`context --output json` prints the interface's keys, null where absent."""
    code, out, _ = run(["--platform", "local", "-C", str(repo), "context", "--output", "json"], {})

    assert 0 == code
    data = json.loads(out)
    assert [
        "platform",
        "repository",
        "owner",
        "sha",
        "branch",
        "event",
        "event_name",
        "tag",
        "source_branch",
        "target_branch",
        "pr_number",
        "url",
        "ci_url",
        "actor",
        "job",
    ] == list(data)
    assert ("local", "acme/shop", "main", "push") == (
        data["platform"],
        data["repository"],
        data["branch"],
        data["event"],
    )


def test_usage_errors_are_one_line_exit_2() -> None:
    """An unknown option is exit 2 with one ERROR line and no traceback."""
    code, _, err = run(["ship", "--frobnicate"], {})

    assert 2 == code
    assert err.startswith("ERROR unrecognized arguments: --frobnicate")


def test_ship_refuses_what_gimlet_would_crash_on_and_sends_nothing(tmp_path: Path, server: GimletServer) -> None:
    """An invalid branch glob would crash Gimlet's server: ship says where and why, exits 2 and posts nothing."""
    broken = "app: shop\nenv: staging\ndeploy:\n  branch: 'release/[v1'\n  event: push\n"
    repo = make_repo(tmp_path, manifests={"staging.yaml": broken})
    code, _, err = ship(repo, creds(server))

    assert 2 == code
    assert 0 == server.request_count()
    lines = err.splitlines()
    assert lines[0].startswith(
        ".gimlet/staging.yaml:4: deploy.branch: 'release/[v1' is not a glob Gimlet can compile"
    ), err
    assert "ERROR Gimlet would crash on, or misread, these manifests (1 problem above); nothing was sent" in lines
    assert "Traceback" not in err


def test_commit_message_is_sent_without_trailing_newlines(tmp_path: Path) -> None:
    """The message is sent as the official plugins sent it (`$(git log -1 --pretty=%B)`): no trailing newlines, so
    end-anchored commitMessagePatterns keep matching after the switch."""
    repo = make_repo(tmp_path, message="Fix it [DEPLOY: api]\n\n")
    code, out, _ = ship(repo, {}, "--dry-run")

    assert 0 == code
    assert "Fix it [DEPLOY: api]" == json.loads(out)["version"]["message"]


def test_ship_reports_manifest_problems_that_would_make_gimlet_fail(tmp_path: Path) -> None:
    """Before sending, ship warns about a policy that can never fire and a variable nobody provides."""
    broken = "app: shop\nenv: staging\ndeploy:\n  branch: main\nvalues:\n  tag: '{{ .NOPE }}'\n"
    repo = make_repo(tmp_path, manifests={"staging.yaml": broken})
    code, _, err = ship(repo, {}, "--dry-run")

    assert 0 == code
    warnings = [line for line in err.splitlines() if line.startswith("WARNING .gimlet/staging.yaml")]
    assert any(":4: deploy.branch" in line for line in warnings), err
    assert any("NOPE" in line for line in warnings), err


def test_failure_after_shipping_keeps_the_artifact_id_in_the_result(repo: Path, server: GimletServer) -> None:
    """When tracking fails after the POST, --output json still has the artifact id, the status and the reason."""
    server.faults.fail_first = 1000
    server.faults.fail_path = "/api/eventArtifactTrack"
    code, out, err = ship(repo, creds(server), "--wait", "--output", "json")

    assert 4 == code, err
    result = json.loads(out)
    assert server.artifacts()[0]["id"] == result["artifact_id"]
    assert "error" == result["status"]
    assert "500" in result["message"]


def test_job_level_deploy_flag_does_not_break_track(repo: Path, server: GimletServer) -> None:
    """GIMLET_DEPLOY=true set for the whole job applies to ship only; track still works."""
    env = creds(server)
    _, out, _ = ship(repo, env, "--output", "json")
    artifact_id = json.loads(out)["artifact_id"]

    code, _, err = run(["track", artifact_id], {**env, "GIMLET_DEPLOY": "true"})

    assert 0 == code, err


def test_rollback_reads_env_and_app_from_variables(repo: Path, server: GimletServer) -> None:
    """rollback takes GIMLET_ENV/GIMLET_APP like every setting; without them it says what is missing (exit 2)."""
    env = creds(server)
    _, out, _ = ship(repo, env, "--deploy", "--env", "production", "--app", "shop", "--output", "json")
    gitops_hash = json.loads(out)["deploys"][0]["gitops_hash"]

    code, _, err = run(["rollback", "--to", gitops_hash], {**env, "GIMLET_ENV": "production", "GIMLET_APP": "shop"})
    assert 0 == code, err

    code, _, err = run(["rollback", "--to", gitops_hash], env)
    assert 2 == code
    assert "rollback needs an environment and an app" in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"GIMLET_TOKEN": "abc\ndef-secret"}, "GIMLET_TOKEN holds characters", id="newline-in-token"),
        pytest.param({"GIMLET_TOKEN": "tökén-secret"}, "GIMLET_TOKEN holds characters", id="non-ascii-token"),
        pytest.param(
            {"GIMLET_SERVER": "https://admin:hunter2@g.example"}, "contains a user name or password", id="userinfo"
        ),
    ],
)
def test_bad_credentials_are_refused_without_showing_them(repo: Path, env: dict[str, str], expected: str) -> None:
    """A token with spaces or non-ASCII, or a password in the server URL, is exit 2 and the value is not shown."""
    full = {"GIMLET_SERVER": "https://g.example", "GIMLET_TOKEN": "tok", **env}
    code, out, err = ship(repo, full)

    assert 2 == code
    assert expected in err
    assert "secret" not in out + err
    assert "hunter2" not in out + err


# -- branch and missing manifests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["--branch", "release/1"], {}, id="option"),
        pytest.param([], {"GIMLET_BRANCH": "release/1"}, id="variable"),
        pytest.param([], {"PLUGIN_BRANCH": "release/1", "CI": "woodpecker"}, id="woodpecker-setting"),
    ],
)
def test_the_branch_setting_overrides_the_detected_branch(
    repo: Path, server: GimletServer, args: list[str], env: dict[str, str]
) -> None:
    """`ship --branch`, GIMLET_BRANCH or a platform input set the branch of the artifact and its BRANCH variable."""
    platform = "woodpecker" if "CI" in env else "local"
    code, out, err = run(
        ["--platform", platform, "-C", str(repo), "ship", "--dry-run", "--output", "json", *args],
        creds(server, **env),
    )

    assert 0 == code, err
    body = json.loads(out)
    assert ("release/1", "release/1") == (body["version"]["branch"], body["vars"]["BRANCH"])


def test_a_detached_head_warns_that_branch_policies_will_not_fire(repo: Path, server: GimletServer) -> None:
    """A detached HEAD with no branch from the CI ships without a branch, and one warning names the setting."""
    git(repo, "checkout", "-q", "--detach")
    code, out, err = ship(repo, creds(server), "--dry-run", "--output", "json")

    assert 0 == code, err
    assert "branch" not in json.loads(out)["version"]
    sha = git(repo, "rev-parse", "HEAD")[:12]
    assert (
        f"WARNING No branch for commit {sha} (a detached HEAD, and the CI names none): branch deploy policies will not "
        "fire; set the branch with --branch / GIMLET_BRANCH"
    ) in err.splitlines()


def test_a_missing_manifests_folder_ships_an_artifact_without_manifests(repo: Path, server: GimletServer) -> None:
    """As the official plugins did: no `.gimlet/` ships an artifact with no manifests, with a warning."""
    for path in (repo / ".gimlet").iterdir():
        path.unlink()
    (repo / ".gimlet").rmdir()
    code, _, err = ship(repo, creds(server), "--wait")

    assert 0 == code, err
    [stored] = server.artifacts()
    assert not stored.get("environments")
    assert (
        "WARNING No manifests folder .gimlet: shipping an artifact without manifests, so no deploy policy can fire "
        "(set --require-manifests / GIMLET_REQUIRE_MANIFESTS to make this an error)"
    ) in err.splitlines()


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["--require-manifests"], {}, id="option"),
        pytest.param([], {"GIMLET_REQUIRE_MANIFESTS": "true"}, id="variable"),
    ],
)
def test_require_manifests_keeps_a_missing_folder_an_error(
    tmp_path: Path, server: GimletServer, args: list[str], env: dict[str, str]
) -> None:
    """With `--require-manifests` a missing folder is exit 2 and nothing is sent."""
    repo = make_repo(tmp_path)
    git(repo, "rm", "-q", "-r", ".gimlet")
    code, _, err = ship(repo, creds(server, **env), *args)

    assert 2 == code
    assert 0 == server.request_count()
    assert "no such manifest directory" in err


@pytest.mark.parametrize(
    ("platform", "variable", "line"),
    [
        pytest.param(
            "github",
            "INPUT_WIAT",
            "WARNING the input `wiat` (INPUT_WIAT) is not one of gimlet-ci's and does nothing; did you mean `wait`?",
            id="github",
        ),
        pytest.param(
            "woodpecker",
            "PLUGIN_WIAT",
            "WARNING the setting `wiat` (PLUGIN_WIAT) is not one of gimlet-ci's and does nothing; did you mean `wait`?",
            id="woodpecker",
        ),
        pytest.param(
            "local",
            "GIMLET_WIAT",
            "WARNING GIMLET_WIAT is not a gimlet-ci setting and does nothing; did you mean GIMLET_WAIT?",
            id="cli",
        ),
    ],
)
def test_a_misspelt_setting_is_warned_before_shipping(
    repo: Path, server: GimletServer, platform: str, variable: str, line: str
) -> None:
    """`wiat` for `wait` no longer ships silently without waiting: the run says which name it did not know."""
    code, _, err = run(["--platform", platform, "-C", str(repo), "ship"], creds(server, **{variable: "true"}))

    assert 0 == code, err
    assert line in err.splitlines()


def test_a_configuration_error_on_github_is_reported_like_every_failure(repo: Path, tmp_path: Path) -> None:
    """Exit 2 on GitHub writes the `::error::` annotation, `status=error` and a step summary, as exit 1 and 4 do;
    stdout stays empty with --output json (nothing was sent, so there is no result)."""
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GIMLET_TOKEN": TOKEN,
        "INPUT_WAIT": "sure",
    }
    code, out, err = run(["--platform", "github", "-C", str(repo), "ship", "--output", "json"], env)

    assert 2 == code
    assert "" == out
    message = "INPUT_WAIT='sure' is not a boolean (TIP use true/false (also 1/0, yes/no, on/off))"
    assert f"::error title=gimlet-ci::{message}" in err.splitlines()
    assert "status<<" in output.read_text()
    assert "\nerror\n" in output.read_text()
    assert "| Status | error |" in summary.read_text()
    assert TOKEN not in output.read_text() + summary.read_text()
    assert [f"::add-mask::{TOKEN}"] == [line for line in err.splitlines() if TOKEN in line]


def test_a_configuration_error_annotation_gives_the_tip_in_the_platforms_words(repo: Path, tmp_path: Path) -> None:
    """The `::error::` annotation and the step summary of an exit-2 error carry the TIP as the TIP line says it on
    GitHub (the `manifests` input), not in the CLI's words (--manifests / GIMLET_MANIFESTS)."""
    shutil.rmtree(repo / ".gimlet")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GIMLET_SERVER": "http://127.0.0.1:9",
        "GIMLET_TOKEN": TOKEN,
        "INPUT_REQUIRE_MANIFESTS": "true",
    }
    code, _, err = run(["--platform", "github", "-C", str(repo), "ship"], env)

    assert 2 == code
    tip = "create .gimlet/ with one YAML file per environment, or set the `manifests` input to their folder"
    [annotation] = [line for line in err.splitlines() if line.startswith("::error")]
    assert f"TIP {tip}" in err.splitlines()
    assert annotation.endswith(f"no such manifest directory (TIP {tip})")
    assert "GIMLET_MANIFESTS" not in annotation + summary.read_text()
    assert "set the \\`manifests\\` input to their folder" in summary.read_text()  # Markdown-escaped


def test_a_repository_with_no_commit_is_told_so(tmp_path: Path) -> None:
    """`git init` without a commit: the error says there is no commit yet, not "run inside a checkout"."""
    (tmp_path / "empty" / ".gimlet").mkdir(parents=True)
    git(tmp_path / "empty", "init", "-q")
    code, _, err = run(["--platform", "local", "-C", str(tmp_path / "empty"), "ship", "--dry-run"], {})

    assert 2 == code
    assert [
        f"ERROR the git repository at {tmp_path / 'empty'} has no commit yet",
        "TIP commit first: an artifact describes one commit",
    ] == err.splitlines()  # nothing before it: no warning about manifests or a branch of a commit that is not there


@pytest.mark.parametrize("command", ["context", "ship"])
def test_dash_c_to_a_missing_folder_is_an_error(tmp_path: Path, command: str) -> None:
    """`-C` to a folder that does not exist is exit 2 naming it, not an empty context."""
    code, out, err = run(["-C", str(tmp_path / "nope"), command], {})

    assert (2, "") == (code, out)
    assert f"ERROR -C {str(tmp_path / 'nope')!r}: no such folder" in err.splitlines()


def test_json_logs_carry_the_error_and_tip_as_json(repo: Path) -> None:
    """With `--log-format json` every stderr line is JSON, the ERROR and its TIP included."""
    code, _, err = run(["--log-format", "json", "--platform", "local", "-C", str(repo), "ship"], {})

    assert 2 == code
    events = [json.loads(line) for line in err.splitlines()]
    error = events[-1]
    assert {
        "event": "gimlet_ci.error",
        "level": "error",
        "message": "missing required setting(s): GIMLET_SERVER, GIMLET_TOKEN",
        "tip": "set GIMLET_SERVER and GIMLET_TOKEN in the environment",
    }.items() <= error.items()
    assert error["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("platform", "env", "tip"),
    [
        pytest.param(
            "woodpecker",
            {"PLUGIN_WAIT": "true", "PLUGIN_TIMEOUT": "1s"},
            "TIP raise the `timeout` setting if your deploys take longer",
            id="woodpecker",
        ),
        pytest.param(
            "github",
            {"INPUT_WAIT": "true", "INPUT_TIMEOUT": "1s"},
            "TIP raise the `timeout` input if your deploys take longer",
            id="github",
        ),
        pytest.param(
            "local",
            {"GIMLET_WAIT": "true", "GIMLET_TIMEOUT": "1s"},
            "TIP raise --timeout / GIMLET_TIMEOUT if your deploys take longer",
            id="cli",
        ),
    ],
)
def test_tips_use_the_platforms_words(
    repo: Path, server: GimletServer, platform: str, env: dict[str, str], tip: str
) -> None:
    """A deadline TIP names the timeout as the user's platform spells it (a Woodpecker setting, a GitHub input)."""
    server.processing_delay = 30
    code, _, err = run(["--platform", platform, "-C", str(repo), "ship"], creds(server, **env))

    assert 3 == code, err
    assert tip in err.splitlines()


def test_ship_says_the_server_is_missing_before_building_the_artifact(repo: Path) -> None:
    """No server: the error comes first, with no "Built the artifact" line and no manifest warning before it."""
    code, _, err = ship(repo, {"GIMLET_TOKEN": TOKEN})

    assert 2 == code
    assert [
        "ERROR missing required setting(s): GIMLET_SERVER",
        "TIP set GIMLET_SERVER and GIMLET_TOKEN in the environment",
    ] == err.splitlines()


def test_https_to_a_plain_http_port_tips_about_http(repo: Path, server: GimletServer) -> None:
    """An https:// URL on a port that speaks plain http is told so, with the http:// URL to try, not a CA tip."""
    https = server.url.replace("http://", "https://")
    code, _, err = ship(repo, {"GIMLET_SERVER": https, "GIMLET_TOKEN": TOKEN})

    assert 4 == code
    lines = err.splitlines()
    assert lines[-2].startswith(f"ERROR {https} does not speak TLS: the port answers plain http")
    assert (
        f"TIP use {server.url} if that is Gimlet's plain-http port, or the address Gimlet serves https on"
        == (lines[-1])
    )
    assert "CA_BUNDLE" not in err


def test_a_server_url_with_a_path_is_told_so(repo: Path, server: GimletServer) -> None:
    """`GIMLET_SERVER=https://host/gimlet` gets a message about the path and the address to use, not a bare 404."""
    code, _, err = ship(repo, {"GIMLET_SERVER": f"{server.url}/gimlet", "GIMLET_TOKEN": TOKEN})

    assert 4 == code
    assert [
        (
            f"ERROR Gimlet answered 404 Not Found to POST /api/artifact under {server.url}/gimlet: the server URL "
            "has a path"
        ),
        f"TIP set GIMLET_SERVER to Gimlet's address alone: {server.url}",
    ] == err.splitlines()[-2:]


def test_v_and_vv_differ(repo: Path, server: GimletServer) -> None:
    """`-v` adds each line's details; `-vv` adds the debug lines too, each HTTP request among them."""
    _, _, plain = run(["--platform", "local", "-C", str(repo), "ship"], creds(server))
    _, _, v = run(["-v", "--platform", "local", "-C", str(repo), "ship"], creds(server))
    _, _, vv = run(["-vv", "--platform", "local", "-C", str(repo), "ship"], creds(server))

    assert "[gimlet_ci.artifact_shipped artifact_id=" not in plain
    assert "[gimlet_ci.artifact_shipped artifact_id=" in v
    assert "gimlet_ci.http" not in v
    assert "gimlet_ci.http method='POST' path='/api/artifact' status=201" in vv
