"""Issue 12 through the shims, as each CI runs them: vars, the url and deploys outputs, every command, annotations,
the GitLab dotenv report and Code Quality report. Each packaging's recorded env (``action.yml``'s step ``env:``, the
orb commands' ``environment:``, Woodpecker ``settings:``) is built from the packaging files, the shim ships to a
local `GimletServer`, and what it writes (GITHUB_OUTPUT, the step summary, annotations, BASH_ENV, the dotenv
report, the Code Quality JSON) is parsed back and compared with what the server stored."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from gimlet_ci.testing import GimletServer
from tests.entrypoints.test_shims import (
    ENTRYPOINTS,
    ROOT,
    SYSTEM_PATH,
    TOKEN,
    _action_inputs,
    _action_python,
    _base_env,
    _checkout,
    _circleci_ci_env,
    _github_ci_env,
    _reset,
    _run,
    _woodpecker_ci_env,
    _woodpecker_settings,
    _write_wrapper,
    parse_bash_env,
    parse_github_output,
)

WEB = """\
app: web
env: staging
namespace: default
deploy:
  branch: main
  event: push
chart:
  name: onechart
  repository: https://chart.onechart.dev
  version: 0.41.0
values:
  image:
    repository: ghcr.io/acme/web
    tag: "{{ .DIGEST }}"
  ingress:
    host: "web-{{ .BRANCH }}.staging.example.com"
"""
BROKEN = """\
app: api
env: staging
namespace: default
deploy:
  branch: main
  event: pushh
"""
FAST = {"processing_delay": 0.01, "reconcile_delay": 0.02}


def _files(tmp_path: Path) -> Path:
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    return files


_PYTHONS: dict[Path, dict[str, str]] = {}


def _github(tmp_path: Path, checkout: Path, server: GimletServer, inputs: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """Run the action's ship step with *inputs*; its result and the parsed GITHUB_OUTPUT."""
    if tmp_path not in _PYTHONS:
        _PYTHONS[tmp_path] = _action_python(tmp_path)
    ci_env = {**_github_ci_env(_files(tmp_path)), **_PYTHONS[tmp_path]}
    output = Path(ci_env["GITHUB_OUTPUT"])
    _reset(output, Path(ci_env["GITHUB_STEP_SUMMARY"]))
    credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
    result = _run(
        ["bash", str(ENTRYPOINTS / "github-action.sh")],
        {**_base_env(tmp_path), **ci_env, **credentials, **_action_inputs(inputs)},
        checkout,
    )
    return result, parse_github_output(output.read_text(encoding="utf-8"))


def _web_checkout(tmp_path: Path) -> Path:
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet" / "web.yaml").write_text(WEB, encoding="utf-8")
    return checkout


def test_github_vars_reach_the_manifests_and_the_url_and_deploys_outputs_say_where(tmp_path: Path) -> None:
    """vars: DIGEST from the build step renders the image tag; url is the templated ingress host of the deploy;
    deploys is the JSON list with a url per deploy; the step summary shows the address."""
    checkout = _web_checkout(tmp_path)
    with GimletServer(token=TOKEN, **FAST) as server:
        result, outputs = _github(tmp_path, checkout, server, {"wait": "true", "vars": "DIGEST=sha256:0123abcd"})
        (artifact,) = server.artifacts()

    assert 0 == result.returncode, result.stderr
    assert "sha256:0123abcd" == artifact["vars"]["DIGEST"]
    assert "https://web-main.staging.example.com" == outputs["url"]
    deploys = {d["app"]: d for d in json.loads(outputs["deploys"])}
    assert "https://web-main.staging.example.com" == deploys["web"]["url"]
    assert deploys["my-app"]["url"] is None
    assert {"succeeded"} == {d["status"] for d in deploys.values()}
    summary = (_files(tmp_path) / "step_summary").read_text(encoding="utf-8")
    assert "https\\://web\\-main\\.staging\\.example\\.com" in summary


def test_github_url_is_empty_when_no_manifest_names_a_host(tmp_path: Path) -> None:
    """Without an ingress host the url output is empty (and still written)."""
    checkout = _checkout(tmp_path)
    with GimletServer(token=TOKEN, **FAST) as server:
        result, outputs = _github(tmp_path, checkout, server, {"wait": "true"})
    assert 0 == result.returncode, result.stderr
    assert "" == outputs["url"]
    assert [None] == [d["url"] for d in json.loads(outputs["deploys"])]


def test_github_deploy_track_and_rollback_commands_chain_on_the_outputs(tmp_path: Path) -> None:
    """ship, then command deploy with artifact-id, track with release-id, and rollback to the gitops hash, each a
    step of the action fed the previous step's outputs."""
    checkout = _checkout(tmp_path)
    with GimletServer(token=TOKEN, **FAST) as server:
        shipped, ship_out = _github(tmp_path, checkout, server, {})
        deployed, deploy_out = _github(
            tmp_path,
            checkout,
            server,
            {"command": "deploy", "artifact-id": ship_out["artifact-id"], "env": "production", "app": "my-app"},
        )
        tracked, track_out = _github(
            tmp_path, checkout, server, {"command": "track", "release-id": deploy_out["release-id"]}
        )
        gitops_hash = json.loads(deploy_out["deploys"])[0]["gitops_hash"]
        rolled, rollback_out = _github(
            tmp_path,
            checkout,
            server,
            {"command": "rollback", "env": "production", "app": "my-app", "rollback-to": gitops_hash, "wait": "1"},
        )

    assert [0, 0, 0, 0] == [r.returncode for r in (shipped, deployed, tracked, rolled)], deployed.stderr + rolled.stderr
    assert ship_out["artifact-id"] == deploy_out["artifact-id"]
    assert "succeeded" == deploy_out["status"]
    assert deploy_out["release-id"] == track_out["release-id"]
    assert "succeeded" == track_out["status"]
    assert rollback_out["release-id"]
    assert "succeeded" == rollback_out["status"]


def test_github_deploy_command_without_an_artifact_names_the_input(tmp_path: Path) -> None:
    """command deploy with no artifact-id: exit 2, one line naming the action's input, nothing sent."""
    checkout = _checkout(tmp_path)
    with GimletServer(token=TOKEN) as server:
        result, _ = _github(tmp_path, checkout, server, {"command": "deploy", "env": "production"})
        count = server.request_count()
    assert 2 == result.returncode
    assert "ERROR the deploy command needs the `artifact-id` input, which is empty" in result.stderr
    assert 0 == count


def _annotations(stderr: str) -> list[tuple[str, dict[str, str], str]]:
    """``::error k=v,…::message`` lines, properties and message unescaped as the runner does."""

    def unescape(text: str) -> str:
        return (
            text.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        )

    found = []
    for line in stderr.splitlines():
        match = re.match(r"^::(error|warning) ([^:]*)::(.*)$", line)
        if match:
            properties = dict(item.split("=", 1) for item in match.group(2).split(","))
            found.append((match.group(1), {k: unescape(v) for k, v in properties.items()}, unescape(match.group(3))))
    return found


def test_github_lint_command_annotates_the_manifest_lines(tmp_path: Path) -> None:
    """command lint: each problem is an annotation on its file and line, exit 1 on an error, nothing sent."""
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet" / "api.yaml").write_text(BROKEN, encoding="utf-8")
    with GimletServer(token=TOKEN) as server:
        result, _ = _github(tmp_path, checkout, server, {"command": "lint"})
        count = server.request_count()

    assert 1 == result.returncode
    assert 0 == count
    annotations = _annotations(result.stderr)
    errors = [(props["file"], props["line"], props["title"]) for kind, props, _ in annotations if "file" in props]
    assert (".gimlet/api.yaml", "6", "gimlet-ci: deploy.event") in errors
    for line in result.stdout.splitlines():  # every text problem has its annotation
        where = line.split(": ", 1)[0]
        assert any(f"{p.get('file')}:{p.get('line')}" == where for _, p, _ in annotations), line


def test_github_ship_refusal_annotates_the_manifest_line(tmp_path: Path) -> None:
    """ship refuses a manifest Gimlet would misread: the refusal is an ::error annotation on its line."""
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet" / "api.yaml").write_text(BROKEN, encoding="utf-8")
    with GimletServer(token=TOKEN) as server:
        result, _ = _github(tmp_path, checkout, server, {})
        stored = server.artifacts()
    assert 2 == result.returncode
    assert [] == stored
    errors = [props for kind, props, _ in _annotations(result.stderr) if kind == "error"]
    assert [(".gimlet/api.yaml", "6")] == [(props["file"], props["line"]) for props in errors if "file" in props]
    assert [{"title": "gimlet-ci"}] == [props for props in errors if "file" not in props]  # the exit-2 failure's own


# --------------------------------------------------------------------------------------------------------------
# CircleCI: the orb's commands, each run step's environment from the orb source.


def _orb_env(command: str, values: dict[str, str]) -> dict[str, str]:
    spec = yaml.safe_load((ROOT / f"adapters/circleci-orb/src/commands/{command}.yml").read_text(encoding="utf-8"))
    resolved = {name: values.get(name, p.get("default", "")) for name, p in spec["parameters"].items()}
    env = {}
    for name, value in spec["steps"][0]["run"]["environment"].items():
        match = re.match(r"^<<\s*parameters\.(\w+)\s*>>$", str(value))
        env[name] = str(resolved[match.group(1)]) if match else str(value)
    return env


def test_orb_ship_then_release_in_one_job_with_other_credential_names(tmp_path: Path) -> None:
    """ship (vars, credentials from variables named by env_var_name parameters) exports GIMLET_ARTIFACT_ID and
    GIMLET_URL; the release command in a later step of the job reads the artifact from them and exports the release."""
    checkout = _web_checkout(tmp_path)
    ci_env = _circleci_ci_env(_files(tmp_path))
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}"}
    bash_env = Path(ci_env["BASH_ENV"])
    script = str(ROOT / "adapters/circleci-orb/src/scripts/ship.sh")
    names = {"server_env_var_name": "PROD_GIMLET_URL", "token_env_var_name": "PROD_GIMLET_KEY"}

    with GimletServer(token=TOKEN, **FAST) as server:
        credentials = {"PROD_GIMLET_URL": server.url, "PROD_GIMLET_KEY": server.token}
        _reset(bash_env)
        shipped = _run(
            ["/bin/bash", "-eo", "pipefail", script],
            {**base, **ci_env, **credentials, **_orb_env("ship", {**names, "wait": "1", "vars": "DIGEST=sha256:9"})},
            checkout,
        )
        after_ship = parse_bash_env(bash_env.read_text(encoding="utf-8"))
        released = _run(
            ["/bin/bash", "-eo", "pipefail", script],
            {**base, **ci_env, **credentials, **after_ship, **_orb_env("release", {**names, "env": "production"})},
            checkout,
        )
        exports = parse_bash_env(bash_env.read_text(encoding="utf-8"))
        (artifact,) = server.artifacts()

    assert (0, 0) == (shipped.returncode, released.returncode), shipped.stderr + released.stderr
    assert artifact["id"] == after_ship["GIMLET_ARTIFACT_ID"]
    assert "sha256:9" == artifact["vars"]["DIGEST"]
    assert "https://web-main.staging.example.com" == after_ship["GIMLET_URL"]
    assert exports["GIMLET_RELEASE_ID"]
    assert TOKEN not in shipped.stdout + shipped.stderr + released.stdout + released.stderr


def test_orb_lint_command_fails_on_a_broken_manifest(tmp_path: Path) -> None:
    """The orb's lint command (PARAM_COMMAND=lint) prints FILE:LINE: KEY lines and fails, with no credentials."""
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet" / "api.yaml").write_text(BROKEN, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}"}
    result = _run(
        ["/bin/bash", "-eo", "pipefail", str(ROOT / "adapters/circleci-orb/src/scripts/ship.sh")],
        {**base, **_circleci_ci_env(_files(tmp_path)), **_orb_env("lint", {})},
        checkout,
    )
    assert 1 == result.returncode
    assert ".gimlet/api.yaml:6: deploy.event: error:" in result.stdout


# --------------------------------------------------------------------------------------------------------------
# Woodpecker: settings → PLUGIN_*.


def test_woodpecker_vars_and_command_settings(tmp_path: Path) -> None:
    """vars (a YAML block: one per line) reach the artifact; command: lint runs lint with no credentials."""
    checkout = _web_checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}", **_woodpecker_ci_env(tmp_path)}
    shim = ["/bin/sh", str(ENTRYPOINTS / "woodpecker-plugin.sh")]
    with GimletServer(token=TOKEN, **FAST) as server:
        settings = {"gimlet_server": server.url, "gimlet_token": server.token, "vars": "DIGEST=sha256:1\nBUILD=12\n"}
        shipped = _run(shim, {**base, **_woodpecker_settings(settings)}, checkout)
        (artifact,) = server.artifacts()
    lint_settings = {"command": "lint", "vars": "DIGEST=sha256:1"}
    linted = _run(shim, {**base, **_woodpecker_settings(lint_settings)}, checkout)
    unknown = _run(shim, {**base, **_woodpecker_settings({"command": "lint"})}, checkout)

    assert 0 == shipped.returncode, shipped.stderr
    assert ("sha256:1", "12") == (artifact["vars"]["DIGEST"], artifact["vars"]["BUILD"])
    assert (0, "") == (linted.returncode, linted.stdout.strip()), linted.stdout + linted.stderr
    assert 1 == unknown.returncode
    assert ".gimlet/web.yaml:14: values.image.tag: error:" in unknown.stdout


# --------------------------------------------------------------------------------------------------------------
# GitLab: the CLI as the component runs it (pip-installed gimlet-ci; settings as GIMLET_* job variables).


def _gitlab_env(files: Path) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI": "true",
        "CI_PROJECT_PATH": "acme/my-app",
        "CI_PROJECT_NAMESPACE": "acme",
        "CI_PROJECT_URL": "https://gitlab.com/acme/my-app",
        "CI_COMMIT_SHA": "3f1c0a4e5b6d7c8e9f0a1b2c3d4e5f60718293a4",
        "CI_COMMIT_BRANCH": "main",
        "CI_COMMIT_REF_NAME": "main",
        "CI_PIPELINE_SOURCE": "push",
        "CI_PIPELINE_ID": "77",
        "CI_PIPELINE_URL": "https://gitlab.com/acme/my-app/-/pipelines/77",
        "CI_JOB_NAME": "deploy-staging",
        "GITLAB_USER_LOGIN": "alice",
        "GIMLET_DOTENV": str(files / "gimlet.env"),
    }


def _parse_dotenv_report(text: str) -> dict[str, str]:
    """GitLab's dotenv report reader: KEY=VALUE per line, the value to the end of the line; later keys win."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        assert match, f"GitLab rejects the dotenv line {line!r}"
        found[match.group(1)] = match.group(2)
    return found


def test_gitlab_dotenv_report_carries_ids_and_url_to_later_jobs(tmp_path: Path) -> None:
    """ship writes GIMLET_ARTIFACT_ID, GIMLET_RELEASE_ID, GIMLET_URL and GIMLET_STATUS; a later deploy job that gets
    them as variables releases that artifact (GIMLET_COMMAND=deploy), and its report has the release."""
    checkout = _web_checkout(tmp_path)
    files = _files(tmp_path)
    env = {**_base_env(tmp_path), **_gitlab_env(files)}
    cli = [sys.executable, "-m", "gimlet_ci", "step"]
    with GimletServer(token=TOKEN, **FAST) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        shipped = _run(cli, {**env, **credentials, "GIMLET_WAIT": "true", "GIMLET_VARS": "DIGEST=sha256:7"}, checkout)
        report = _parse_dotenv_report((files / "gimlet.env").read_text(encoding="utf-8"))
        (files / "gimlet.env").write_text("", encoding="utf-8")
        deployed = _run(
            cli, {**env, **credentials, **report, "GIMLET_COMMAND": "deploy", "GIMLET_ENV": "staging"}, checkout
        )
        second = _parse_dotenv_report((files / "gimlet.env").read_text(encoding="utf-8"))
        (artifact,) = server.artifacts()

    assert (0, 0) == (shipped.returncode, deployed.returncode), shipped.stderr + deployed.stderr
    assert artifact["id"] == report["GIMLET_ARTIFACT_ID"] == second["GIMLET_ARTIFACT_ID"]
    assert ("", "succeeded") == (report["GIMLET_RELEASE_ID"], report["GIMLET_STATUS"])
    assert "https://web-main.staging.example.com" == report["GIMLET_URL"] == second["GIMLET_URL"]
    assert second["GIMLET_RELEASE_ID"]


def test_gitlab_lint_writes_a_code_quality_report(tmp_path: Path) -> None:
    """lint --output codequality: a JSON list GitLab's Code Quality widget reads, one issue per problem with
    a path, a line, a severity and a stable fingerprint."""
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet" / "api.yaml").write_text(BROKEN, encoding="utf-8")
    env = {**_base_env(tmp_path), **_gitlab_env(_files(tmp_path))}
    argv = [sys.executable, "-m", "gimlet_ci", "lint", "--output", "codequality"]
    first, again = _run(argv, env, checkout), _run(argv, env, checkout)
    text = _run([sys.executable, "-m", "gimlet_ci", "lint"], env, checkout)

    assert (1, 1) == (first.returncode, again.returncode)
    issues = json.loads(first.stdout)
    assert len(text.stdout.splitlines()) == len(issues)
    by_place = {(i["location"]["path"], i["location"]["lines"]["begin"]): i for i in issues}
    issue = by_place[(".gimlet/api.yaml", 6)]
    assert "major" == issue["severity"]
    assert issue["description"].startswith("deploy.event: ")
    assert {"description", "check_name", "fingerprint", "severity", "location"} == set(issue)
    assert [i["fingerprint"] for i in issues] == [i["fingerprint"] for i in json.loads(again.stdout)]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {"major", "minor"} >= {i["severity"] for i in issues}


def test_github_other_inputs_reach_the_artifact_and_explain_runs(tmp_path: Path) -> None:
    """manifests, branch, fields, vars and debug through action.yml shape the dry-run body; require-manifests fails on
    a missing folder; command explain prints Gimlet's verdict for the manifests folder the input names."""
    checkout = _checkout(tmp_path)
    (checkout / ".gimlet").rename(checkout / "deploy")
    with GimletServer(token=TOKEN) as server:
        inputs = {
            "debug": "true",
            "manifests": "deploy",
            "branch": "release-1",
            "fields": "docs=https://docs.example.com",
            "vars": "A=1;B=2",
        }
        dry, _ = _github(tmp_path, checkout, server, inputs)
        missing, missing_out = _github(tmp_path, checkout, server, {"require-manifests": "true"})
        explained, _ = _github(tmp_path, checkout, server, {"command": "explain", "manifests": "deploy"})
        count = server.request_count()

    assert 0 == dry.returncode, dry.stderr
    body = json.loads(dry.stdout)
    assert "release-1" == body["version"]["branch"]
    assert {"name": "docs", "url": "https://docs.example.com"} in body["items"]
    assert ("1", "2") == (body["vars"]["A"], body["vars"]["B"])
    assert {"my-app"} == {m["app"] for m in body["environments"]}
    assert 2 == missing.returncode
    assert "error" == missing_out["status"]
    assert 0 == explained.returncode, explained.stderr
    assert "deploy/staging.yaml" in explained.stdout
    assert 0 == count


def test_woodpecker_deploy_and_track_commands_take_the_ids_as_settings(tmp_path: Path) -> None:
    """command: deploy with artifact_id releases it (from_secret credentials) and tracks it to the end; command: track
    with artifact_id reads the artifact; without artifact_id the step names the setting and sends nothing."""
    checkout = _checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}", **_woodpecker_ci_env(tmp_path)}
    shim = ["/bin/sh", str(ENTRYPOINTS / "woodpecker-plugin.sh")]
    with GimletServer(token=TOKEN, **FAST) as server:
        credentials = {"gimlet_server": server.url, "gimlet_token": server.token}
        shipped = _run(shim, {**base, **_woodpecker_settings(credentials)}, checkout)
        (artifact,) = server.artifacts()
        deploy = {**credentials, "command": "deploy", "artifact_id": artifact["id"], "env": "production"}
        deployed = _run(shim, {**base, **_woodpecker_settings(deploy)}, checkout)
        releases = server.request_count("POST", "/api/releases")
        track = {**credentials, "command": "track", "artifact_id": artifact["id"], "wait": True}
        tracked = _run(shim, {**base, **_woodpecker_settings(track)}, checkout)
        before = server.request_count()
        lacking = _run(shim, {**base, **_woodpecker_settings({**deploy, "artifact_id": ""})}, checkout)
        after = server.request_count()

    assert (0, 0, 0) == (shipped.returncode, deployed.returncode, tracked.returncode), deployed.stderr + tracked.stderr
    assert 1 == releases
    assert 2 == lacking.returncode
    assert "ERROR the deploy command needs the `artifact_id` setting, which is empty" in lacking.stderr
    assert before == after
