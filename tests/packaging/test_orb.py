"""The CircleCI orb: packs like `circleci orb pack`, passes the schema and orb-tools' review rules, stays drop-in."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from gimlet_ci.adapters import circleci
from tests.helpers import packaged_inputs

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "adapters/circleci-orb/src"
OFFICIAL_PARAMETERS = {
    "debug": "false",
    "wait": "false",
    "deploy": "false",
    "timeout": "10m",
    "env": "",
    "app": "",
}
COMPATIBILITY_NAMES = {"gimlet-artifact-push", "gimlet-artifact-create"}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _load_packer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("orbpack", Path(__file__).with_name("orbpack.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


orbpack = _load_packer()


@pytest.fixture(scope="module")
def orb() -> dict[str, Any]:
    return orbpack.pack(SRC)  # type: ignore[no-any-return]


def _components(orb: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(section, name, body) for section in orbpack.SECTIONS for name, body in orb.get(section, {}).items()]


def _pyproject_version() -> str:
    match = re.search(
        r'^__version__ = "([^"]+)"', (ROOT / "gimlet_ci" / "_version.py").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert match
    return match.group(1)


def test_orb_script_is_an_exact_copy_of_the_circleci_entrypoint() -> None:
    """src/scripts/ship.sh is byte for byte entrypoints/circleci.sh (includes resolve relative to src/)."""
    expected = (ROOT / "entrypoints/circleci.sh").read_bytes()
    assert expected == (SRC / "scripts/ship.sh").read_bytes()


def test_packer_inlines_scripts_in_commands_only_and_escapes_heredocs(tmp_path: Path) -> None:
    """include() is resolved in commands/jobs/executors, inside longer strings too, with << escaped; not in examples."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/a.sh").write_text("cat <<EOF\nhi\nEOF\n", encoding="utf-8")
    (tmp_path / "@orb.yml").write_text("version: 2.1\ndescription: test orb\n", encoding="utf-8")
    for section in ("commands", "examples"):
        (tmp_path / section).mkdir()
        (tmp_path / section / "run_it.yml").write_text(
            "description: d\nsteps:\n  - run:\n      name: n\n      command: 'x; << include(scripts/a.sh) >>'\n",
            encoding="utf-8",
        )

    packed = orbpack.pack(tmp_path)

    assert "x; cat \\<<EOF\nhi\nEOF\n" == packed["commands"]["run_it"]["steps"][0]["run"]["command"]
    assert "x; << include(scripts/a.sh) >>" == packed["examples"]["run_it"]["steps"][0]["run"]["command"]


def test_packed_orb_inlines_the_ship_script(orb: dict[str, Any]) -> None:
    """Every command but install runs the shim's text (escaped as the CLI escapes it) in a run step."""
    script = (SRC / "scripts/ship.sh").read_text(encoding="utf-8").replace("<<", "\\<<")
    for name in SHIM_COMMANDS:
        assert script == orb["commands"][name]["steps"][0]["run"]["command"]


def test_packed_orb_passes_the_circleci_schema(tmp_path: Path) -> None:
    """check-jsonschema's vendored CircleCI schema accepts the packed orb."""
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip(f"check-jsonschema is not installed next to {sys.executable}")
    packed = tmp_path / "orb.yml"
    packed.write_text(orbpack.dump(orbpack.pack(SRC)), encoding="utf-8")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.circle-ci", packed],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["commands", "jobs"])
@pytest.mark.parametrize("name", ["gimlet-artifact-create", "ship"])
def test_parameters_keep_the_official_names_types_and_defaults(orb: dict[str, Any], kind: str, name: str) -> None:
    """Existing configs pass quoted "true": every official parameter is a string with the official default."""
    if kind == "jobs":
        name = {"gimlet-artifact-create": "gimlet-artifact-push", "ship": "ship"}[name]
    parameters = orb[kind][name]["parameters"]
    actual = {key: spec["default"] for key, spec in parameters.items() if key in OFFICIAL_PARAMETERS}
    assert OFFICIAL_PARAMETERS == actual
    assert {"string"} == {parameters[key]["type"] for key in OFFICIAL_PARAMETERS}


SHIM_COMMANDS = {
    "ship": "ship",
    "gimlet-artifact-create": "ship",
    "release": "deploy",
    "track": "track",
    "rollback": "rollback",
    "lint": "lint",
    "explain": "explain",
}
"""The orb's commands that run the shim, and the gimlet-ci command each runs (``release`` is ``deploy``: CircleCI
has a built-in ``deploy`` step, which an orb's own job could not tell from the command)."""
CREDENTIAL_DEFAULTS = {"server_env_var_name": "GIMLET_SERVER", "token_env_var_name": "GIMLET_TOKEN"}


def _shim_commands(orb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in orb["commands"].items() if name in SHIM_COMMANDS}


def test_orb_commands_are_the_shim_ones_and_install(orb: dict[str, Any]) -> None:
    """Every command but install runs the shim; there is one per gimlet-ci command a pipeline runs."""
    assert {*SHIM_COMMANDS, "install"} == set(orb["commands"])
    assert {"ship", "deploy", "track", "rollback", "lint", "explain"} == set(SHIM_COMMANDS.values())


def test_parameters_are_the_settings_declared_for_the_orb(orb: dict[str, Any]) -> None:
    """The commands' parameters together are the settings declared with a CircleCI name (but `command`, which each
    command fixes), each with its declared default everywhere (the env_var_name ones: the variable they replace)."""
    declared = {**packaged_inputs("circleci"), **CREDENTIAL_DEFAULTS}
    declared.pop("command")
    found: dict[str, set[str]] = {}
    for body in _shim_commands(orb).values():
        for key, spec in body["parameters"].items():
            found.setdefault(key, set()).add(spec["default"])
    assert {key: {default} for key, default in declared.items()} == found
    assert {"env_var_name"} == {
        spec["type"]
        for body in _shim_commands(orb).values()
        for key, spec in body["parameters"].items()
        if key in CREDENTIAL_DEFAULTS
    }


def test_official_job_is_executor_checkout_and_the_official_command(orb: dict[str, Any]) -> None:
    """gimlet-artifact-push: the orb's executor, checkout, then gimlet-artifact-create with every parameter passed on."""
    job = orb["jobs"]["gimlet-artifact-push"]
    assert "default" == job["executor"]["name"]
    assert "checkout" == job["steps"][0]
    passed = job["steps"][1]["gimlet-artifact-create"]
    assert {key: f"<< parameters.{key} >>" for key in OFFICIAL_PARAMETERS} == passed


@pytest.mark.parametrize("name", sorted(SHIM_COMMANDS))
def test_run_step_passes_every_parameter_as_param_and_the_adapter_reads_each(orb: dict[str, Any], name: str) -> None:
    """Each command's run step maps each parameter to PARAM_<NAME> and fixes PARAM_COMMAND; gimlet-ci's CircleCI
    adapter reads every one (an env_var_name one through the variable it names)."""
    command = orb["commands"][name]
    run = command["steps"][0]["run"]
    expected = {f"PARAM_{key.upper()}": f"<< parameters.{key} >>" for key in command["parameters"]}
    if name not in ("ship", "gimlet-artifact-create"):
        expected["PARAM_COMMAND"] = SHIM_COMMANDS[name]
    assert expected == run["environment"]
    for variable, value in run["environment"].items():
        key = variable.removeprefix("PARAM_").lower()
        if key in CREDENTIAL_DEFAULTS:
            env = {variable: "MY_GIMLET", "MY_GIMLET": "https://gimlet.example.com"}
            assert {"MY_GIMLET"} == {source for source, _ in circleci.inputs(env).values()}
            continue
        sample = SAMPLES.get(key, value)
        assert {variable} == {source for source, _ in circleci.inputs({variable: sample}).values()}, variable


SAMPLES = {
    "wait": "1",
    "deploy": "0",
    "env": "staging",
    "app": "my-app",
    "timeout": "5m",
    "debug": "true",
    "fields": "docs=https://docs.example.com",
    "vars": "DIGEST=sha256:0123",
    "manifests": "deploy/gimlet",
    "ca_bundle": "/etc/ssl/gimlet.pem",
    "artifact_id": "acme/app-1",
    "release_id": "rel-1",
    "rollback_to": "abc123",
    "require_manifests": "1",
    "branch": "main",
}


def _fake_python(tmp_path: Path, *, venv_works: bool) -> tuple[Path, Path]:
    """A python3 whose `-m venv DIR` makes DIR/bin/python (logging its pip arguments) and DIR/bin/gimlet-ci."""
    log = tmp_path / "pip-args"
    inner = f'#!/bin/sh\necho "$@" > "{log}"\n'
    tool = "#!/bin/sh\necho gimlet-ci 9.9.9\n"
    fake = tmp_path / "python3"
    body = (
        '#!/bin/sh\nset -e\n[ "$1 $2" = "-m venv" ] || exit 3\n'
        + ("exit 1\n" if not venv_works else "")
        + f'mkdir -p "$3/bin"\nprintf %s \'{inner}\' > "$3/bin/python"\nprintf %s \'{tool}\' > "$3/bin/gimlet-ci"\n'
        + 'chmod +x "$3/bin/python" "$3/bin/gimlet-ci"\n'
    )
    fake.write_text(body, encoding="utf-8")
    fake.chmod(0o755)
    return fake, log


def test_install_command_installs_the_orb_version_and_puts_it_on_path(tmp_path: Path) -> None:
    """install.sh makes a virtual environment of its own (pip --user fails on PEP 668 system Pythons), pip installs
    gimlet-ci==<version> there, adds its bin to PATH in BASH_ENV, then runs the installed gimlet-ci."""
    fake, log = _fake_python(tmp_path, venv_works=True)
    home = tmp_path / "home"
    home.mkdir()
    bash_env = tmp_path / "bash_env"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PARAM_PYTHON": str(fake),
        "PARAM_VERSION": "0.1.0",
        "BASH_ENV": str(bash_env),
    }
    result = subprocess.run(
        ["/bin/bash", str(SRC / "scripts/install.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert 0 == result.returncode, result.stderr
    assert "-m pip install --disable-pip-version-check --no-input gimlet-ci==0.1.0" == log.read_text().strip()
    venv_bin = home / ".gimlet-ci" / "venv" / "bin"
    assert f'export PATH="{venv_bin}:$PATH"' == bash_env.read_text(encoding="utf-8").strip()
    assert "gimlet-ci 9.9.9" in result.stdout
    install = orbpack.pack(SRC)["commands"]["install"]
    assert _pyproject_version() == install["parameters"]["version"]["default"]


def test_install_command_without_venv_is_one_error_line(tmp_path: Path) -> None:
    """A Python without its venv module: one ERROR line naming the interpreter, a TIP in the orb's words, exit 2."""
    fake, _ = _fake_python(tmp_path, venv_works=False)
    bash_env = tmp_path / "bash_env"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PARAM_PYTHON": str(fake), "BASH_ENV": str(bash_env)}
    result = subprocess.run(
        ["/bin/bash", str(SRC / "scripts/install.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert 2 == result.returncode
    errors = [line for line in result.stderr.splitlines() if line.startswith(("ERROR", "TIP"))]
    assert [
        f"ERROR the install command could not make a virtual environment with '{fake}' (python3 -m venv)",
        "TIP use an image with Python 3.10 or newer and its venv module (cimg/python), or set the orb parameter python",
    ] == errors
    assert not bash_env.exists()


def test_executor_takes_a_resource_class_and_every_job_passes_it_on(orb: dict[str, Any]) -> None:
    """The executor has a resource_class parameter (CircleCI's default, medium); each job passes its own on."""
    executor = orb["executors"]["default"]
    assert "medium" == executor["parameters"]["resource_class"]["default"]
    assert "<< parameters.resource_class >>" == executor["resource_class"]
    for name, job in orb["jobs"].items():
        assert "<< parameters.resource_class >>" == job["executor"]["resource_class"], name
        assert "small" in job["parameters"]["resource_class"]["enum"], name


def test_orb_follows_the_review_rules(orb: dict[str, Any]) -> None:
    """orb-tools review: URLs, descriptions everywhere, named run steps, scripts included, snake_case, no $ defaults."""
    assert orb["display"]["source_url"].startswith("https://")  # RC001, RC006
    assert orb["display"]["home_url"].startswith("https://")
    assert len(orb["description"]) >= 64  # RC005
    assert orb.get("examples")  # RC003
    for section, name, body in _components(orb):
        assert body.get("description"), f"{section}.{name}"  # RC002
        for parameter, spec in body.get("parameters", {}).items():
            assert spec.get("description"), f"{section}.{name}.{parameter}"
            assert not str(spec.get("default", "")).startswith("$"), f"{section}.{name}.{parameter}"  # RC012
        if name not in COMPATIBILITY_NAMES:
            assert SNAKE_CASE.match(name), f"{section}.{name}"  # RC010
        for step in body.get("steps", []):
            if isinstance(step, dict) and "run" in step:
                assert step["run"].get("name"), f"{section}.{name}"  # RC008
                scripts = {path.read_text(encoding="utf-8") for path in (SRC / "scripts").glob("*.sh")}
                assert step["run"]["command"] in scripts  # RC009


def test_examples_are_complete_configs_on_the_current_major(orb: dict[str, Any]) -> None:
    """Each example is a full 2.1 config using this orb at the current major, with known jobs and parameters."""
    major = _pyproject_version().split(".")[0]
    modes = set()
    for name, example in orb["examples"].items():
        assert name != "example"  # RC004
        usage = example["usage"]
        assert 2.1 == usage["version"]
        assert {"gimlet": f"gimlet-ci/gimlet@{major}"} == usage["orbs"]  # RC011
        for workflow in usage["workflows"].values():
            for entry in workflow["jobs"]:
                if isinstance(entry, dict) and next(iter(entry)).startswith("gimlet/"):
                    job, params = next(iter(entry.items()))
                    known = set(orb["jobs"][job.removeprefix("gimlet/")]["parameters"])
                    given = set(params) - {"name", "requires", "context", "filters"}
                    assert given <= known, name
                    modes.add("on-demand" if params.get("deploy") == "true" else "automated")
    assert {"automated", "on-demand"} == modes


def test_executor_image_tag_is_the_project_version(orb: dict[str, Any]) -> None:
    """The executor defaults to the image built from this version (bumped with pyproject.toml)."""
    version = _pyproject_version()
    assert version == orb["executors"]["default"]["parameters"]["tag"]["default"]
    assert version == orb["jobs"]["ship"]["parameters"]["tag"]["default"]


@pytest.mark.parametrize("path", sorted((ROOT / "examples/circleci").glob("*.yml")), ids=lambda path: path.name)
def test_pipeline_examples_use_known_orb_jobs_and_parameters(orb: dict[str, Any], path: Path) -> None:
    """examples/circleci configs call only jobs and parameters the orb defines."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    calls = [
        next(iter(entry.items()))
        for workflow in config["workflows"].values()
        for entry in workflow["jobs"]
        if isinstance(entry, dict) and next(iter(entry)).startswith("gimlet/")
    ]
    assert calls
    for job, params in calls:
        known = set(orb["jobs"][job.removeprefix("gimlet/")]["parameters"])
        assert set(params) - {"name", "requires", "context", "filters"} <= known


@pytest.mark.parametrize("name", ["lint", "explain"])
def test_manifest_commands_take_the_pipelines_vars(orb: dict[str, Any], name: str) -> None:
    """lint and explain take `vars` as ship does: without it, a manifest using `{{ .DIGEST }}` from the pipeline fails
    the orb's lint step (an unknown variable) although ship renders it; the lint job passes it on."""
    command = orb["commands"][name]
    assert "" == command["parameters"]["vars"]["default"]
    assert "<< parameters.vars >>" == command["steps"][0]["run"]["environment"]["PARAM_VARS"]
    if name == "lint":
        job = orb["jobs"]["lint"]
        assert "" == job["parameters"]["vars"]["default"]
        assert "<< parameters.vars >>" == job["steps"][1]["lint"]["vars"]
