"""The GitLab CI/CD components in templates/: GitLab's CI schema accepts each header and each interpolated job, the
inputs are gimlet-ci's settings with their defaults, and a rendered job's script, run as GitLab runs it, ships to a
local Gimlet and writes the dotenv and Code Quality reports it declares."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from gimlet_ci._settings import SETTINGS
from gimlet_ci.testing import GimletServer
from tests.entrypoints.test_pipeline_shims import BROKEN, FAST, _gitlab_env, _parse_dotenv_report, _web_checkout
from tests.entrypoints.test_shims import SYSTEM_PATH, TOKEN, _base_env, _run, _write_wrapper

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").glob("*.yml"))
COMMANDS = {"ship", "deploy", "track", "rollback", "lint", "explain"}
OWN_VARIABLES = {"GIMLET_COMMAND", "GIMLET_DOTENV"}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glcomponent", Path(__file__).with_name("glcomponent.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


glcomponent = _load()
BY_VARIABLE = {
    **{d.variable: d for d in SETTINGS},
    **{name: d for d in SETTINGS for name in d.input_names("gitlab")},  # the ids, under names a dotenv report won't set
}


def _check(tmp_path: Path, documents: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip(f"check-jsonschema is not installed next to {sys.executable}")
    paths = []
    for name, document in documents.items():
        path = tmp_path / f"{name}.yml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.gitlab-ci", *paths], capture_output=True, text=True, check=False
    )


def test_there_is_a_component_per_command() -> None:
    """ship, deploy, track, rollback, lint and explain, each usable as include: component: …/<name>@<version>."""
    assert COMMANDS == {path.stem for path in TEMPLATES}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_gitlab_ci_schema_accepts_the_header_and_the_interpolated_jobs(tmp_path: Path, path: Path) -> None:
    """GitLab's own CI schema (vendored in check-jsonschema) accepts spec: and the jobs with the defaults."""
    header, _ = glcomponent.split(path)
    result = _check(tmp_path, {"spec": header, "jobs": glcomponent.render(path)})
    assert 0 == result.returncode, result.stdout + result.stderr


def test_the_schema_check_is_not_vacuous(tmp_path: Path) -> None:
    """A misspelt report type and an unknown spec key are rejected by the same check."""
    jobs = glcomponent.render(ROOT / "templates/ship.yml")
    jobs["gimlet-ship"]["artifacts"]["reports"] = {"dotenvv": "gimlet.env"}
    assert 0 != _check(tmp_path, {"jobs": jobs}).returncode
    assert 0 != _check(tmp_path, {"spec": {"spec": {"inputz": {}}}}).returncode


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_inputs_are_settings_with_their_defaults_and_all_used(path: Path) -> None:
    """Each job variable is GIMLET_<setting> (or the setting's GitLab input name) fed by one input whose default is the setting's; every input is used;
    GIMLET_COMMAND is the component's command; a job writing GIMLET_DOTENV declares that file as its dotenv report."""
    header, _ = glcomponent.split(path)
    inputs = header["spec"]["inputs"]
    (job,) = glcomponent.render(path).values()
    assert glcomponent.used_inputs(path) == set(inputs)
    assert path.stem == job["variables"]["GIMLET_COMMAND"]
    raw_job = next(iter(yaml.safe_load(glcomponent.split(path)[1]).values()))
    for variable, value in raw_job["variables"].items():
        if variable in OWN_VARIABLES:
            continue
        assert variable in BY_VARIABLE, variable
        match = re.fullmatch(r"\$\[\[ inputs\.([\w-]+) \]\]", value)
        assert match, variable
        default = inputs[match.group(1)]["default"]
        written = ("true" if default else "false") if isinstance(default, bool) else default
        assert BY_VARIABLE[variable].written_default == written, variable
    if "GIMLET_DOTENV" in job["variables"]:
        assert job["variables"]["GIMLET_DOTENV"] == job["artifacts"]["reports"]["dotenv"]
        assert "always" == job["artifacts"]["when"]


def _script_env(job: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in job["variables"].items()}


def _run_script(job: dict[str, Any], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The job's script as GitLab's shell runs it: each line in order, the first failing one ends the job."""
    script = "set -eo pipefail\n" + "\n".join(job["script"]) + "\n"
    return _run(["/bin/bash", "-c", script], env, cwd)


def test_rendered_ship_and_deploy_jobs_chain_through_the_dotenv_report(tmp_path: Path) -> None:
    """ship (wait, vars) writes gimlet.env with the artifact and the url; the deploy job, given those variables as
    GitLab passes a dotenv report to a job that needs it, releases the artifact and reports the release."""
    checkout = _web_checkout(tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    env = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}", **_gitlab_env(files)}
    del env["GIMLET_DOTENV"]
    (ship,) = glcomponent.render(ROOT / "templates/ship.yml", {"wait": True, "vars": "DIGEST=sha256:42"}).values()
    (deploy,) = glcomponent.render(ROOT / "templates/deploy.yml", {"env": "staging", "app": "web"}).values()
    with GimletServer(token=TOKEN, **FAST) as server:
        credentials = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        shipped = _run_script(ship, {**env, **_script_env(ship), **credentials}, checkout)
        report = _parse_dotenv_report((checkout / "gimlet.env").read_text(encoding="utf-8"))
        (checkout / "gimlet.env").unlink()
        # Variables from a dotenv report outrank the job's own variables (GitLab's precedence).
        deployed = _run_script(deploy, {**env, **_script_env(deploy), **report, **credentials}, checkout)
        second = _parse_dotenv_report((checkout / "gimlet.env").read_text(encoding="utf-8"))
        (artifact,) = server.artifacts()

    assert (0, 0) == (shipped.returncode, deployed.returncode), shipped.stderr + deployed.stderr
    assert "sha256:42" == artifact["vars"]["DIGEST"]
    assert artifact["id"] == report["GIMLET_ARTIFACT_ID"] == second["GIMLET_ARTIFACT_ID"]
    assert "https://web-main.staging.example.com" == report["GIMLET_URL"] == second["GIMLET_URL"]
    assert second["GIMLET_RELEASE_ID"]
    assert "succeeded" == second["GIMLET_STATUS"]


def test_rendered_lint_job_writes_the_code_quality_report_and_fails(tmp_path: Path) -> None:
    """The lint job writes gl-code-quality-report.json (its declared report) and fails on an error."""
    checkout = _web_checkout(tmp_path)
    (checkout / ".gimlet" / "api.yaml").write_text(BROKEN, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    _write_wrapper(bin_dir)
    env = {**_base_env(tmp_path), "PATH": f"{bin_dir}:{SYSTEM_PATH}", **_gitlab_env(tmp_path)}
    (lint,) = glcomponent.render(ROOT / "templates/lint.yml", {"vars": "DIGEST=x"}).values()
    result = _run_script(lint, {**env, **_script_env(lint)}, checkout)

    assert 1 == result.returncode
    report = json.loads((checkout / lint["artifacts"]["reports"]["codequality"]).read_text(encoding="utf-8"))
    assert [(".gimlet/api.yaml", 6)] == [
        (issue["location"]["path"], issue["location"]["lines"]["begin"])
        for issue in report
        if issue["severity"] == "major"
    ]
    assert ".gimlet/api.yaml:6: deploy.event: error:" in result.stdout


def test_the_renderer_refuses_what_gitlab_refuses() -> None:
    """Unknown inputs and wrongly typed values fail the include, as on GitLab."""
    with pytest.raises(glcomponent.ComponentError, match="unknown inputs"):
        glcomponent.render(ROOT / "templates/ship.yml", {"wiat": True})
    with pytest.raises(glcomponent.ComponentError, match="is not a boolean"):
        glcomponent.render(ROOT / "templates/ship.yml", {"wait": "yes"})


@pytest.mark.parametrize("path", sorted((ROOT / "examples/gitlab").glob("*.yml")), ids=lambda p: p.name)
def test_gitlab_examples_include_the_components_and_deploy_in_environments(path: Path) -> None:
    """Each example includes components that exist, with inputs they declare; every job a shipping or deploying
    component makes runs in an environment whose url is the dotenv report's GIMLET_URL, in a resource group."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    deploying = []
    for entry in config["include"]:
        match = re.fullmatch(r"\$CI_SERVER_FQDN/gimlet-ci/gimlet-ci/(\w+)@[\d.]+", entry["component"])
        assert match, entry
        component = ROOT / "templates" / f"{match.group(1)}.yml"
        (name,) = glcomponent.render(component, entry.get("inputs", {}))
        if match.group(1) in ("ship", "deploy", "rollback"):
            deploying.append(name)
    assert deploying
    for name in deploying:
        job = config[name]
        assert "$GIMLET_URL" == job["environment"]["url"], name
        assert job["environment"]["name"] == job["resource_group"], name
