"""The composite GitHub action: official inputs, all mapped to INPUT_* and understood, pinned and hardened."""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gimlet_ci.adapters import github
from tests.helpers import OFFICIAL_SAMPLES, packaged_inputs

ROOT = Path(__file__).resolve().parents[2]
ACTION_FILE = ROOT / "adapters/github-action/action.yml"
CONSTRAINTS_FILE = ROOT / "adapters/github-action/constraints.txt"
ZIPAPP = ROOT / "adapters/github-action/dist/gimlet-ci.pyz"
REGENERATE = "adapters/github-action/build-pyz adapters/github-action/dist/gimlet-ci.pyz"
OFFICIAL_INPUTS = {
    "wait": "false",
    "deploy": "false",
    "env": "",
    "app": "",
    "timeout": "10m",
    "debug": "false",
    "fields": "",
    "branchHead": "",
}
SAMPLES = {
    **OFFICIAL_SAMPLES,
    "fields": "docs=https://docs.example.com",
    "branchhead": "0123456789abcdef0123456789abcdef01234567",
    "command": "lint",
    "vars": "DIGEST=sha256:0123",
    "manifests": "deploy/gimlet",
    "ca-bundle": "/etc/ssl/gimlet.pem",
    "artifact-id": "acme/app-1",
    "release-id": "rel-1",
    "rollback-to": "abc123",
    "require-manifests": "true",
    "branch": "main",
}
PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _tool(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.skip(f"{name} is not installed next to {sys.executable}")
    return path


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return loaded


def _ship_step(action: dict[str, Any]) -> dict[str, Any]:
    return next(step for step in action["runs"]["steps"] if step.get("id") == "ship")


def test_action_keeps_the_official_input_ids_and_defaults(action: dict[str, Any]) -> None:
    """Existing workflows keep working: the official ids with the official defaults, nothing required."""
    actual = {name: spec.get("default") for name, spec in action["inputs"].items() if name in OFFICIAL_INPUTS}
    assert OFFICIAL_INPUTS == actual
    assert all(not spec.get("required", False) for spec in action["inputs"].values())
    assert all(spec.get("description") for spec in action["inputs"].values())


def test_action_inputs_are_the_settings_declared_for_it(action: dict[str, Any]) -> None:
    """Each input but branchHead (the PR head SHA, part of the context) is a setting declared with that GitHub name
    and default; no declared one is missing."""
    actual = {name: spec.get("default") for name, spec in action["inputs"].items() if name != "branchHead"}
    assert packaged_inputs("github") == actual


def test_every_input_is_passed_as_its_input_variable(action: dict[str, Any]) -> None:
    """Composite actions get no INPUT_* of their own: the ship step maps each input to INPUT_<ID>, one to one."""
    expected = {f"INPUT_{name.upper().replace('-', '_')}": f"${{{{ inputs.{name} }}}}" for name in action["inputs"]}
    env = _ship_step(action)["env"]
    assert expected == {name: value for name, value in env.items() if name.startswith("INPUT_")}
    assert {"PYTHON"} == {name for name in env if not name.startswith("INPUT_")}


def _action_variables() -> list[str]:
    action = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return [name for name in _ship_step(action)["env"] if name.startswith("INPUT_")]


@pytest.mark.parametrize("variable", _action_variables())
def test_every_input_variable_is_understood_by_the_github_adapter(variable: str) -> None:
    """Each INPUT_* the action passes changes what gimlet-ci does: a setting, or the PR head SHA (branchHead)."""
    value = SAMPLES[variable.removeprefix("INPUT_").lower().replace("_", "-")]
    if variable == "INPUT_BRANCHHEAD":
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REF": "refs/pull/7/merge",
            "GITHUB_SHA": "f" * 40,
            "GITHUB_REPOSITORY": "acme/my-app",
            "GITHUB_SERVER_URL": "https://github.com",
            variable: value,
        }

        def no_payload(path: str) -> bytes:
            raise OSError(path)

        assert value == github.context(env, no_payload).sha
    else:
        sources = {source for source, _ in github.inputs({variable: value}).values()}
        assert {variable} == sources


def test_no_expression_is_pasted_into_a_script(action: dict[str, Any]) -> None:
    """`run:` holds no ${{ }} (script injection); values travel through env:."""
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert scripts
    assert [] == [script for script in scripts if "${{" in script]


def test_run_steps_call_existing_entrypoints_through_the_action_path(
    action: dict[str, Any],
) -> None:
    """Scripts are found via $GITHUB_ACTION_PATH (translated in container jobs), and they exist."""
    runs = [step for step in action["runs"]["steps"] if "run" in step]
    for step in runs:
        assert "bash" == step["shell"]
        match = re.fullmatch(r'bash "\$GITHUB_ACTION_PATH/\.\./\.\./(entrypoints/[\w.-]+\.sh)"', step["run"])
        assert match, step["run"]
        assert (ROOT / match.group(1)).is_file()


def test_outputs_come_from_the_ship_step(action: dict[str, Any]) -> None:
    """artifact-id, release-id, status, url and deploys are the ship step's outputs, with descriptions."""
    names = ("artifact-id", "release-id", "status", "url", "deploys")
    expected = {name: f"${{{{ steps.ship.outputs.{name} }}}}" for name in names}
    assert expected == {name: spec["value"] for name, spec in action["outputs"].items()}
    assert all(spec["description"] for spec in action["outputs"].values())


def test_the_runners_python_runs_the_zipapp_and_setup_python_is_only_the_fallback(action: dict[str, Any]) -> None:
    """Step 1 looks for the runner's Python 3.10+; setup-python runs only when it found none; ship gets either one."""
    find, setup, ship = action["runs"]["steps"]
    assert "runner-python" == find["id"]
    assert find["run"].endswith('/entrypoints/github-action-python.sh"')
    assert setup["uses"].startswith("actions/setup-python@")
    assert "steps.runner-python.outputs.python == ''" == setup["if"]
    assert "false" == setup["with"]["update-environment"]
    assert (
        "${{ steps.runner-python.outputs.python || steps.setup-python.outputs.python-path }}" == ship["env"]["PYTHON"]
    )


def test_the_deploy_path_installs_nothing(action: dict[str, Any]) -> None:
    """No cache, venv or pip: the shims only find a Python and exec the committed zipapp with it, isolated."""
    assert [] == [step["uses"] for step in action["runs"]["steps"] if "actions/cache" in step.get("uses", "")]
    scripts = {  # the commands, without comments
        name: "\n".join(
            line
            for line in (ROOT / "entrypoints" / name).read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        for name in ("github-action-python.sh", "github-action.sh")
    }
    assert [] == [name for name, text in scripts.items() if re.search(r"\b(pip|venv|ensurepip)\b", text)]
    assert (
        'exec "$PYTHON" -I -X utf8 "$GITHUB_ACTION_PATH/dist/gimlet-ci.pyz" --platform github step "$@"'
        in (scripts["github-action.sh"])
    )
    assert (ROOT / "adapters/github-action/dist/gimlet-ci.pyz").is_file()


def _constraints() -> dict[str, str]:
    """constraints.txt as {normalized name: pinned version}; every line a comment or an exact `name==version`."""
    pins: dict[str, str] = {}
    for line in CONSTRAINTS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert ("==", None) == (specifier.operator, requirement.marker), line
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{name} is pinned twice"
        pins[name] = specifier.version
    return pins


def _runtime_requirements() -> list[Requirement]:
    """pyproject.toml's [project] dependencies (read without tomllib, which Python 3.10 lacks)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
    assert block
    return [Requirement(item) for item in re.findall(r'"([^"]+)"', block.group(1))]


def test_constraints_pin_every_runtime_dependency_within_pyproject_ranges() -> None:
    """Each dependency of pyproject.toml is pinned in constraints.txt, at a version its range admits."""
    pins = _constraints()
    requirements = _runtime_requirements()
    assert requirements
    missing = [str(r) for r in requirements if canonicalize_name(r.name) not in pins]
    assert [] == missing
    outside = [
        f"{r.name}=={pins[canonicalize_name(r.name)]} is outside {r.specifier}"
        for r in requirements
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert [] == outside


def _bundled_metadata() -> dict[str, tuple[str, list[str]]]:
    """Each dependency bundled in the zipapp: {normalized name: (version, Requires-Dist lines)} from its METADATA."""
    bundled: dict[str, tuple[str, list[str]]] = {}
    with zipfile.ZipFile(ZIPAPP) as archive:
        for name in archive.namelist():
            if name.count("/") == 1 and name.endswith(".dist-info/METADATA"):
                metadata = email.parser.HeaderParser().parsestr(archive.read(name).decode("utf-8"))
                requires = metadata.get_all("Requires-Dist") or []
                bundled[canonicalize_name(metadata["Name"])] = (metadata["Version"], requires)
    return bundled


def test_the_zipapp_bundles_exactly_the_pinned_versions() -> None:
    """The zipapp holds gimlet-ci and one dist-info per pin, at the pinned version (else: regenerate it)."""
    bundled = {name: version for name, (version, _) in _bundled_metadata().items()}
    version = re.search(r'^__version__ = "([^"]+)"', (ROOT / "gimlet_ci/_version.py").read_text(), re.MULTILINE)
    assert version
    assert {**_constraints(), "gimlet-ci": version.group(1)} == bundled, f"regenerate it with: {REGENERATE}"


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13", "3.14"])
@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_constraints_pin_the_whole_dependency_closure_on_every_python(python: str, platform: str) -> None:
    """What pyproject's dependencies pull in on any supported Python and OS is pinned (and bundled), and no more."""
    pins = _constraints()
    bundled = _bundled_metadata()
    environment = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "sys_platform": platform,
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[platform],
        "os_name": "nt" if platform == "win32" else "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    closure: set[str] = set()
    todo = [canonicalize_name(r.name) for r in _runtime_requirements()]
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        assert name in bundled, f"{name} is needed but not bundled; pin it, then regenerate: {REGENERATE}"
        for line in bundled[name][1]:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                todo.append(canonicalize_name(requirement.name))
                version = pins.get(canonicalize_name(requirement.name))
                assert version is not None, f"{name} needs {requirement}, which constraints.txt does not pin"
                assert requirement.specifier.contains(version, prereleases=True), f"{name} needs {requirement}"
    extra = set(pins) - closure
    if python == "3.10":  # the oldest Python needs the most (exceptiongroup): nothing pinned may be unused there
        assert set() == extra
    else:
        assert extra <= {"exceptiongroup"}


@pytest.mark.parametrize(
    "path",
    [
        ACTION_FILE,
        *sorted((ROOT / ".github/workflows").glob("*.yml")),
        *sorted((ROOT / "examples/github-actions").glob("*.yml")),
    ],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_third_party_action_is_pinned_by_commit(path: Path) -> None:
    """Every `uses:` names a full commit SHA with its release in a comment (our own action and ./ excepted)."""
    uses = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(?:-\s*)?uses:", line)]
    unpinned = [
        line
        for line in uses
        if not PINNED.match(line) and "uses: ./" not in line and "gimlet-ci/gimlet-ci/" not in line
    ]
    assert [] == unpinned


def test_examples_use_only_inputs_the_action_declares(action: dict[str, Any]) -> None:
    """The GitHub examples pass only inputs action.yml declares (any case), in both modes."""
    declared = {name.lower() for name in action["inputs"]}
    modes = set()
    for path in sorted((ROOT / "examples/github-actions").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if "adapters/github-action@" in step.get("uses", ""):
                    given = {name.lower() for name in step.get("with", {})}
                    assert given <= declared, path.name
                    command = step.get("with", {}).get("command", "ship")
                    if command not in ("lint", "explain"):
                        assert {"GIMLET_SERVER", "GIMLET_TOKEN"} <= set(step["env"])
                    modes.add("on-demand" if "deploy" in given else command if command != "ship" else "automated")
    assert {"automated", "on-demand", "lint", "rollback"} == modes


@pytest.mark.parametrize("path", sorted((ROOT / "examples/github-actions").glob("*.yml")), ids=lambda p: p.name)
def test_examples_deploy_in_an_environment_with_the_url_and_one_at_a_time(path: Path) -> None:
    """Each job that ships, deploys or rolls back runs in a GitHub environment (a ship job's url is the action's url
    output, so the pull request shows "View deployment") and in a concurrency group that queues, never cancels."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    for job in workflow["jobs"].values():
        ours = [step for step in job["steps"] if "adapters/github-action@" in step.get("uses", "")]
        commands = {step.get("with", {}).get("command", "ship") for step in ours}
        if not ours or commands <= {"lint", "explain"}:
            continue
        assert job["environment"]["name"]
        if "ship" in commands:
            (step,) = ours
            assert f"${{{{ steps.{step['id']}.outputs.url }}}}" == job["environment"]["url"]
        assert job["concurrency"]["group"]
        assert job["concurrency"]["cancel-in-progress"] is False


def test_action_passes_the_github_actions_schema() -> None:
    """check-jsonschema's vendored GitHub Actions schema accepts action.yml."""
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", ACTION_FILE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_action_and_workflows() -> None:
    """zizmor (offline) reports no finding for action.yml, our workflows and the GitHub examples."""
    result = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-progress",
            "--config",
            ROOT / ".github/zizmor.yml",
            ACTION_FILE,
            *sorted((ROOT / ".github/workflows").glob("*.yml")),
            *sorted((ROOT / "examples/github-actions").glob("*.yml")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode, result.stdout + result.stderr


def _evaluate(expression: str, context: dict[str, str]) -> bool:
    """A GitHub Actions `if:` made of context paths, '...' strings, ==, !=, &&, || and parentheses."""
    tokens = re.findall(r"'[^']*'|[A-Za-z_][\w.\[\]-]*|==|!=|&&|\|\||[()]", expression)
    python = []
    for token in tokens:
        if token in {"&&", "||"}:
            python.append({"&&": "and", "||": "or"}[token])
        elif token.startswith("'") or token in {"==", "!=", "(", ")"}:
            python.append(token)
        else:
            python.append(repr(context.get(token, "")))
    return bool(eval(" ".join(python), {"__builtins__": {}}))  # noqa: S307 - our own example's tokens, quoted


FORK_PR = {
    "github.event_name": "pull_request",
    "github.repository": "acme/shop",
    "github.event.pull_request.head.repo.full_name": "mallory/shop",
    "github.actor": "mallory",
}


@pytest.mark.parametrize(
    ("context", "runs"),
    [
        pytest.param({"github.event_name": "push", "github.repository": "acme/shop"}, True, id="push"),
        pytest.param(
            {**FORK_PR, "github.event.pull_request.head.repo.full_name": "acme/shop", "github.actor": "alice"},
            True,
            id="pull-request-from-a-branch",
        ),
        pytest.param(FORK_PR, False, id="pull-request-from-a-fork"),
        pytest.param(
            {
                **FORK_PR,
                "github.event.pull_request.head.repo.full_name": "acme/shop",
                "github.actor": "dependabot[bot]",
            },
            False,
            id="dependabot",
        ),
        pytest.param({**FORK_PR, "github.event.pull_request.head.repo.full_name": ""}, False, id="deleted-fork"),
    ],
)
@pytest.mark.parametrize("path", sorted((ROOT / "examples/github-actions").glob("*.yml")), ids=lambda p: p.name)
def test_examples_never_deploy_from_a_fork_pull_request(path: Path, context: dict[str, str], runs: bool) -> None:
    """The example's build and deploy jobs run on pushes and same-repository PRs, never where secrets are absent."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "pull_request" not in workflow[True]:
        assert {"workflow_dispatch"} == set(workflow[True])  # run by hand only: no pull request reaches it
        return
    deploying = [
        job
        for job in workflow["jobs"].values()
        if any(
            "adapters/github-action@" in step.get("uses", "")
            and step.get("with", {}).get("command", "ship") not in ("lint", "explain")
            for step in job["steps"]
        )
    ]
    assert deploying
    for job in deploying:
        assert runs is _evaluate(job["if"], context)
        needed = workflow["jobs"][job["needs"]]
        assert runs is _evaluate(needed["if"], context)
