"""The entry shims run as each CI runs them, and behave exactly like a direct ``python -m gimlet_ci`` call.

Each shim gets the environment its packaging really produces: ``INPUT_*`` built from ``action.yml``'s step ``env:``,
``PARAM_*`` from the orb command's ``environment:``, ``PLUGIN_*`` from Woodpecker ``settings:`` by Woodpecker's key
rule. The direct call gets the same CI variables, command-line options instead of the platform inputs, and
``GIMLET_*`` credentials. Both ship to a local `GimletServer`; the stored artifacts (minus ``id``, ``created`` and the idempotency key),
the exit codes and the platform outputs must match.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from gimlet_ci._client import IDEMPOTENCY_KEY
from gimlet_ci.testing import GimletServer
from tests.zipapp import base_python

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINTS = ROOT / "entrypoints"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
SHA = "3f1c0a4e5b6d7c8e9f0a1b2c3d4e5f60718293a4"
TOKEN = "shim-test-token-7b1d"

MANIFEST = """\
app: my-app
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
    repository: ghcr.io/acme/my-app
    tag: "{{ .SHA }}"
"""
ON_DEMAND_MANIFEST = """\
app: my-app
env: production
namespace: default
chart:
  name: onechart
  repository: https://chart.onechart.dev
  version: 0.41.0
"""

WAIT = {"wait": True}
DEPLOY = {"wait": True, "deploy": True, "env": "production", "app": "my-app"}
DRY_RUN = {"dry_run": True}

# --------------------------------------------------------------------------------------------------------------
# Platform environments, built from the packaging files.


def _github_ci_env(files: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/my-app",
        "GITHUB_REPOSITORY_OWNER": "acme",
        "GITHUB_SHA": SHA,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_ACTOR": "alice",
        "GITHUB_JOB": "deploy",
        "GITHUB_OUTPUT": str(files / "github_output"),
        "GITHUB_STEP_SUMMARY": str(files / "step_summary"),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(files / "runner-temp"),
    }


def _action_inputs(values: Mapping[str, str]) -> dict[str, str]:
    """The ``INPUT_*`` variables of the ship step, as the runner evaluates ``action.yml`` with these inputs."""
    action = yaml.safe_load((ROOT / "adapters/github-action/action.yml").read_text(encoding="utf-8"))
    given = {name.lower(): value for name, value in values.items()}
    resolved = {
        name.lower(): given.get(name.lower(), spec.get("default", "")) for name, spec in action["inputs"].items()
    }
    ship = next(step for step in action["runs"]["steps"] if step.get("id") == "ship")
    expression = re.compile(r"^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$")
    env = {}
    for name, value in ship["env"].items():
        if not name.startswith("INPUT_"):
            continue
        match = expression.match(value)
        assert match, f"{name} is not a plain ${{{{ inputs.x }}}} expression"
        env[name] = resolved[match.group(1).lower()]
    return env


def _action_python(tmp_path: Path) -> dict[str, str]:
    """The ship step's PYTHON, as the composite gets it: step 1 (the finder shim) runs, then the step's expression.

    The runner's PATH has a Python 3.10+ outside this venv as ``python3``. Each step gets its own
    ``$GITHUB_OUTPUT``; ``PYTHON`` is ``steps.runner-python.outputs.python || steps.setup-python.outputs.python-path``,
    and setup-python (which these tests cannot run) is skipped because step 1 found a Python.
    """
    action = yaml.safe_load((ROOT / "adapters/github-action/action.yml").read_text(encoding="utf-8"))
    ship = next(step for step in action["runs"]["steps"] if step.get("id") == "ship")
    expected = "${{ steps.runner-python.outputs.python || steps.setup-python.outputs.python-path }}"
    assert expected == ship["env"]["PYTHON"]
    found, outputs = _finder(tmp_path, [_python_dir(tmp_path / "runner-bin")])
    assert 0 == found.returncode, found.stderr
    assert outputs.get("python"), "step 1 found no Python: the action would run setup-python"
    return {"PYTHON": outputs["python"], "GITHUB_ACTION_PATH": str(ROOT / "adapters" / "github-action")}


def _finder(tmp_path: Path, path_dirs: list[Path]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run step 1 of the action (the Python finder) with exactly this PATH; its result and its step outputs."""
    output = tmp_path / "finder-output"
    output.write_text("", encoding="utf-8")
    env = {"PATH": ":".join(str(d) for d in path_dirs), "HOME": str(tmp_path), "GITHUB_OUTPUT": str(output)}
    result = _run(["/bin/bash", str(ENTRYPOINTS / "github-action-python.sh")], env, tmp_path)
    return result, parse_github_output(output.read_text(encoding="utf-8"))


def _python_dir(directory: Path) -> Path:
    """A PATH directory whose ``python3`` is a Python 3.10+ outside this venv (the runner's own Python)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "python3").symlink_to(base_python())
    return directory


def _circleci_ci_env(files: Path) -> dict[str, str]:
    return {
        "CI": "true",
        "CIRCLECI": "true",
        "CIRCLE_PROJECT_USERNAME": "acme",
        "CIRCLE_PROJECT_REPONAME": "my-app",
        "CIRCLE_REPOSITORY_URL": "git@github.com:acme/my-app.git",
        "CIRCLE_SHA1": SHA,
        "CIRCLE_BRANCH": "main",
        "CIRCLE_BUILD_NUM": "77",
        "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/my-app/77",
        "CIRCLE_USERNAME": "alice",
        "CIRCLE_JOB": "Deploy / Staging",
        "BASH_ENV": str(files / "bash_env"),
    }


def _orb_params(values: Mapping[str, str]) -> dict[str, str]:
    """The ``PARAM_*`` variables of the orb's run step, with ``<< parameters.x >>`` filled in (defaults otherwise)."""
    command = yaml.safe_load((ROOT / "adapters/circleci-orb/src/commands/ship.yml").read_text(encoding="utf-8"))
    resolved = {name: values.get(name, spec.get("default", "")) for name, spec in command["parameters"].items()}
    run = command["steps"][0]["run"]
    expression = re.compile(r"^<<\s*parameters\.(\w+)\s*>>$")
    env = {}
    for name, value in run["environment"].items():
        match = expression.match(value)
        assert match, f"{name} is not a plain << parameters.x >> reference"
        env[name] = str(resolved[match.group(1)])
    return env


def _woodpecker_ci_env(files: Path) -> dict[str, str]:
    del files
    return {
        "CI": "woodpecker",
        "CI_SYSTEM_NAME": "woodpecker",
        "CI_SYSTEM_VERSION": "3.5.0",
        "CI_REPO": "acme/my-app",
        "CI_REPO_OWNER": "acme",
        "CI_REPO_NAME": "my-app",
        "CI_REPO_URL": "https://github.com/acme/my-app",
        "CI_COMMIT_SHA": SHA,
        "CI_COMMIT_BRANCH": "main",
        "CI_COMMIT_REF": "refs/heads/main",
        "CI_COMMIT_AUTHOR": "alice",
        "CI_PIPELINE_EVENT": "push",
        "CI_PIPELINE_NUMBER": "12",
        "CI_PIPELINE_URL": "https://ci.example.com/repos/1/pipeline/12",
        "CI_PIPELINE_FORGE_URL": f"https://github.com/acme/my-app/commit/{SHA}",
    }


def _woodpecker_settings(settings: Mapping[str, Any]) -> dict[str, str]:
    """``settings:`` → ``PLUGIN_*`` by Woodpecker's rule: upper-case, ``.``/``-`` → ``_``, booleans ``true``/``false``."""
    env = {}
    for key, value in settings.items():
        name = "PLUGIN_" + re.sub(r"[.-]", "_", key).upper()
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


# --------------------------------------------------------------------------------------------------------------
# Running things.


def _write_wrapper(directory: Path) -> None:
    """A ``gimlet-ci`` executable in *directory* that runs this interpreter's ``gimlet_ci``."""
    directory.mkdir(parents=True, exist_ok=True)
    wrapper = directory / "gimlet-ci"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gimlet_ci "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _base_env(home: Path) -> dict[str, str]:
    return {"PATH": SYSTEM_PATH, "HOME": str(home), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def _checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    (checkout / ".gimlet").mkdir(parents=True)
    (checkout / ".gimlet" / "staging.yaml").write_text(MANIFEST, encoding="utf-8")
    (checkout / ".gimlet" / "production.yaml").write_text(ON_DEMAND_MANIFEST, encoding="utf-8")
    return checkout


def _run(argv: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted by the callers
        argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _direct_argv(platform: str, mode: Mapping[str, object]) -> list[str]:
    argv = [sys.executable, "-m", "gimlet_ci", "--platform", platform, "ship"]
    if mode.get("wait"):
        argv.append("--wait")
    if mode.get("deploy"):
        argv += ["--deploy", "--env", str(mode["env"]), "--app", str(mode["app"])]
    if mode.get("dry_run"):
        argv.append("--dry-run")
    return argv


def _reset(*paths: Path) -> None:
    for path in paths:
        path.write_text("", encoding="utf-8")


def _comparable(artifact: Mapping[str, Any]) -> dict[str, Any]:
    """The artifact without what differs per ship: its id, its time, and the ship's idempotency key (one of each per
    run, whatever posted it)."""
    context = {k: v for k, v in artifact.get("context", {}).items() if k != IDEMPOTENCY_KEY}
    return {key: value for key, value in {**artifact, "context": context}.items() if key not in ("id", "created")}


def parse_github_output(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` read by the runner's rules: ``name=value``, or ``name<<DELIM`` … a line ``DELIM``."""
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    outputs: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip():
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            outputs[line[:equals]] = line[equals + 1 :]
            continue
        assert heredoc > 0, f"invalid GITHUB_OUTPUT line {line!r}"
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        value: list[str] = []
        while True:
            assert index < len(lines), f"Matching delimiter not found {delimiter!r}"
            current = lines[index]
            index += 1
            if current == delimiter:
                break
            value.append(current)
        outputs[name] = "\n".join(value)
    return outputs


def parse_bash_env(text: str) -> dict[str, str]:
    """``export NAME=VALUE`` lines of ``$BASH_ENV``, values unquoted as bash would."""
    exports = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = value.strip("'")
    return exports


# --------------------------------------------------------------------------------------------------------------
# GitHub Actions.


@pytest.mark.parametrize(
    ("inputs", "mode"),
    [
        pytest.param({"wait": "true"}, WAIT, id="automated-wait"),
        pytest.param({"WAIT": "true"}, WAIT, id="official-upper-case-input"),
        pytest.param({"deploy": "true", "env": "production", "app": "my-app"}, DEPLOY, id="on-demand"),
    ],
)
def test_github_shim_ships_what_a_direct_call_ships(
    tmp_path: Path, inputs: dict[str, str], mode: dict[str, object]
) -> None:
    """The action's steps (find Python, run the zipapp), fed action.yml's env, ship what a direct call of the checkout ships."""
    checkout = _checkout(tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    ci_env = {**_github_ci_env(files), **_action_python(tmp_path)}
    output, summary = Path(ci_env["GITHUB_OUTPUT"]), Path(ci_env["GITHUB_STEP_SUMMARY"])

    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        _reset(output, summary)
        shim = _run(
            ["bash", str(ENTRYPOINTS / "github-action.sh")],
            {**_base_env(tmp_path), **ci_env, **credentials, **_action_inputs(inputs)},
            checkout,
        )
        shim_outputs = parse_github_output(output.read_text(encoding="utf-8"))
        _reset(output, summary)
        direct = _run(_direct_argv("github", mode), {**_base_env(tmp_path), **ci_env, **credentials}, checkout)
        direct_outputs = parse_github_output(output.read_text(encoding="utf-8"))
        shim_artifact, direct_artifact = server.artifacts()

    assert (0, 0) == (shim.returncode, direct.returncode), shim.stderr + direct.stderr
    assert _comparable(direct_artifact) == _comparable(shim_artifact)
    assert shim_artifact["id"] == shim_outputs["artifact-id"]
    assert direct_artifact["id"] == direct_outputs["artifact-id"]
    assert direct_outputs["status"] == shim_outputs["status"]
    assert bool(direct_outputs.get("release-id")) == bool(shim_outputs.get("release-id"))
    assert bool(mode.get("deploy")) == bool(shim_outputs.get("release-id"))
    assert TOKEN not in shim.stdout + shim.stderr.replace(f"::add-mask::{TOKEN}", "")


def test_github_shim_dry_run_prints_the_body_and_sends_nothing(tmp_path: Path) -> None:
    """debug: "true" (the official dry-run input) makes the zipapp print the artifact JSON on stdout and post nothing."""
    checkout = _checkout(tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    ci_env = {**_github_ci_env(files), **_action_python(tmp_path)}
    _reset(Path(ci_env["GITHUB_OUTPUT"]), Path(ci_env["GITHUB_STEP_SUMMARY"]))

    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        shim = _run(
            ["bash", str(ENTRYPOINTS / "github-action.sh")],
            {**_base_env(tmp_path), **ci_env, **credentials, **_action_inputs({"debug": "true"})},
            checkout,
        )
        direct = _run(
            _direct_argv("github", DRY_RUN),
            {**_base_env(tmp_path), **ci_env, **credentials},
            checkout,
        )
        stored = server.artifacts()

    assert (0, 0) == (shim.returncode, direct.returncode), shim.stderr + direct.stderr
    assert [] == stored
    assert json.loads(direct.stdout) == json.loads(shim.stdout)
    assert "acme/my-app" == json.loads(shim.stdout)["version"]["repositoryName"]


def test_github_shim_names_the_input_of_a_bad_value(tmp_path: Path) -> None:
    """A bad boolean input fails with exit 2 and a message naming INPUT_WAIT, before anything is sent."""
    checkout = _checkout(tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    ci_env = {**_github_ci_env(files), **_action_python(tmp_path)}
    _reset(Path(ci_env["GITHUB_OUTPUT"]), Path(ci_env["GITHUB_STEP_SUMMARY"]))

    with GimletServer(token=TOKEN) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        shim = _run(
            ["bash", str(ENTRYPOINTS / "github-action.sh")],
            {**_base_env(tmp_path), **ci_env, **credentials, **_action_inputs({"wait": "maybe"})},
            checkout,
        )
        stored = server.artifacts()

    assert 2 == shim.returncode
    assert "INPUT_WAIT" in shim.stderr
    assert [] == stored


def _fake_python(directory: Path, name: str, script: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    (directory / name).chmod(0o755)


def test_github_python_finder_takes_the_runners_python3(tmp_path: Path) -> None:
    """With a Python 3.10+ as python3 on PATH, step 1 outputs it and setup-python is skipped."""
    result, outputs = _finder(tmp_path, [_python_dir(tmp_path / "bin")])

    assert 0 == result.returncode, result.stderr
    assert str(tmp_path / "bin" / "python3") == outputs["python"]
    assert f"gimlet-ci runs with the runner's {outputs['python']}" in result.stdout


def test_github_python_finder_skips_an_old_python3_for_a_new_python(tmp_path: Path) -> None:
    """A python3 older than 3.10 is passed over; a Python 3.10+ named python is taken instead."""
    bin_dir = tmp_path / "bin"
    # The real interpreter running the finder's own probe, but reporting version 3.9.
    _fake_python(
        bin_dir,
        "python3",
        f'exec "{base_python()}" -I -c "import sys; sys.version_info = (3, 9, 18); exec(sys.argv[1])" "$3"',
    )
    (bin_dir / "python").symlink_to(base_python())

    result, outputs = _finder(tmp_path, [bin_dir])

    assert 0 == result.returncode, result.stderr
    assert str(bin_dir / "python") == outputs["python"]


def test_github_python_finder_leaves_it_to_setup_python_when_there_is_none(tmp_path: Path) -> None:
    """No usable Python (python3 is a stub that fails, as the Windows store alias does): no output, a clear line."""
    bin_dir = tmp_path / "bin"
    _fake_python(bin_dir, "python3", 'echo "Python was not found; run without arguments to install" >&2; exit 9009')

    result, outputs = _finder(tmp_path, [bin_dir])

    assert 0 == result.returncode, result.stderr
    assert {} == outputs
    assert "No Python 3.10 or newer on this runner's PATH: actions/setup-python provides one" in result.stdout


# --------------------------------------------------------------------------------------------------------------
# CircleCI.


@pytest.mark.parametrize(
    ("params", "mode"),
    [
        pytest.param({"wait": "true"}, WAIT, id="automated-wait"),
        pytest.param({"wait": "1"}, WAIT, id="boolean-as-1"),
        pytest.param({"deploy": "true", "env": "production", "app": "my-app"}, DEPLOY, id="on-demand"),
    ],
)
def test_circleci_shim_ships_what_a_direct_call_ships(
    tmp_path: Path, params: dict[str, str], mode: dict[str, object]
) -> None:
    """The orb's script, fed the run step's PARAM_* env, ships the same artifact and BASH_ENV exports as a direct call."""
    checkout = _checkout(tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    ci_env = _circleci_ci_env(files)
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}"}
    bash_env = Path(ci_env["BASH_ENV"])

    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        _reset(bash_env)
        shim = _run(
            [
                "/bin/bash",
                "-eo",
                "pipefail",
                str(ROOT / "adapters/circleci-orb/src/scripts/ship.sh"),
            ],
            {**base, **ci_env, **credentials, **_orb_params(params)},
            checkout,
        )
        shim_exports = parse_bash_env(bash_env.read_text(encoding="utf-8"))
        _reset(bash_env)
        direct = _run(_direct_argv("circleci", mode), {**base, **ci_env, **credentials}, checkout)
        direct_exports = parse_bash_env(bash_env.read_text(encoding="utf-8"))
        shim_artifact, direct_artifact = server.artifacts()

    assert (0, 0) == (shim.returncode, direct.returncode), shim.stderr + direct.stderr
    assert _comparable(direct_artifact) == _comparable(shim_artifact)
    assert shim_artifact["id"] == shim_exports["GIMLET_ARTIFACT_ID"]
    assert direct_artifact["id"] == direct_exports["GIMLET_ARTIFACT_ID"]
    assert sorted(direct_exports) == sorted(shim_exports)


# --------------------------------------------------------------------------------------------------------------
# Woodpecker.


@pytest.mark.parametrize(
    ("settings", "secrets_form", "mode"),
    [
        pytest.param({"wait": True}, "from_secret", WAIT, id="from-secret-wait"),
        pytest.param({"wait": True}, "secrets", WAIT, id="old-secrets-form"),
        pytest.param(
            {"deploy": True, "env": "production", "app": "my-app"},
            "from_secret",
            DEPLOY,
            id="on-demand",
        ),
        pytest.param({"debug": True}, "from_secret", DRY_RUN, id="debug"),
    ],
)
def test_woodpecker_shim_ships_what_a_direct_call_ships(
    tmp_path: Path, settings: dict[str, Any], secrets_form: str, mode: dict[str, object]
) -> None:
    """The plugin entrypoint, fed PLUGIN_* settings and either credential form, ships what a direct call ships."""
    checkout = _checkout(tmp_path)
    ci_env = _woodpecker_ci_env(tmp_path)
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    base = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}"}

    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        if secrets_form == "from_secret":
            plugin_env = _woodpecker_settings({**settings, "gimlet_server": server.url, "gimlet_token": server.token})
        else:
            plugin_env = {**_woodpecker_settings(settings), **credentials}
        shim = _run(
            ["/bin/sh", str(ENTRYPOINTS / "woodpecker-plugin.sh")],
            {**base, **ci_env, **plugin_env},
            checkout,
        )
        direct = _run(_direct_argv("woodpecker", mode), {**base, **ci_env, **credentials}, checkout)
        stored = server.artifacts()

    assert (0, 0) == (shim.returncode, direct.returncode), shim.stderr + direct.stderr
    if mode.get("dry_run"):
        assert [] == stored
        assert json.loads(direct.stdout) == json.loads(shim.stdout)
    else:
        shim_artifact, direct_artifact = stored
        assert _comparable(direct_artifact) == _comparable(shim_artifact)


def test_every_shim_is_strict_and_execs_gimlet_ci_step_for_its_platform() -> None:
    """Each shim sets strict mode and hands over with exec to gimlet-ci --platform <its platform> step (which runs
    the command the platform's `command` input names, ship by default)."""
    expected = {
        "github-action.sh": "github",
        "circleci.sh": "circleci",
        "woodpecker-plugin.sh": "woodpecker",
    }
    found = {}
    for name in expected:
        lines = [line for line in (ENTRYPOINTS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        assert any(line.startswith("set -eu") for line in lines), name
        last = lines[-1]
        assert last.startswith("exec "), name
        assert "gimlet-ci" in last, name
        found[name] = last.split("--platform ")[1].split()[0]
        assert last.endswith(' step "$@"'), name
    assert expected == found
