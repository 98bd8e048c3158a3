"""Declared versus read: every input an adapter reads is declared by its packaging, and every input a packaging
declares is read by its adapter (issue 12: `manifests`, `ca_bundle`, `fields` and `dry_run` were read but never
declared, so nobody could find them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gimlet_ci._settings import SETTINGS
from gimlet_ci.adapters import circleci, github, woodpecker

ROOT = Path(__file__).resolve().parents[2]
PACKAGINGS = ("github", "circleci", "woodpecker")
CONTEXT_INPUTS = {"github": {"INPUT_BRANCHHEAD"}}
"""Inputs that are part of the CI context, not settings (the PR head SHA the official action takes)."""


def _action_variables() -> set[str]:
    action = yaml.safe_load((ROOT / "adapters/github-action/action.yml").read_text(encoding="utf-8"))
    ship = next(step for step in action["runs"]["steps"] if step.get("id") == "ship")
    return {name for name in ship["env"] if name.startswith("INPUT_")}


def _orb_variables() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "adapters/circleci-orb/src/commands").glob("*.yml"):
        command: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in command["steps"]:
            run = step.get("run", {}) if isinstance(step, dict) else {}
            if "include(scripts/ship.sh)" in run.get("command", ""):
                found |= set(run["environment"])
    return found


def _plugin_variables() -> set[str]:
    text = (ROOT / "adapters/woodpecker-plugin/docs.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {f"PLUGIN_{name.upper()}" for name in re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)}


DECLARED = {"github": _action_variables, "circleci": _orb_variables, "woodpecker": _plugin_variables}
ADAPTERS = {"github": github, "circleci": circleci, "woodpecker": woodpecker}


PREFIX = {"github": "INPUT_", "circleci": "PARAM_", "woodpecker": "PLUGIN_"}


def _read(platform: str) -> dict[str, str]:
    """{the variable a packaging passes for it: setting} for every setting *platform*'s adapter reads: the one of its
    input names that the packaged name gives (``debug`` → ``INPUT_DEBUG``, ``ca-bundle`` → ``INPUT_CA_BUNDLE``), or
    the variable that names the variable to read (CircleCI's env_var_name parameters)."""
    read = {}
    for declaration in SETTINGS:
        for inputs in declaration.inputs:
            if inputs.platform != platform:
                continue
            if inputs.named_by:
                read[inputs.named_by] = declaration.name
            elif inputs.packaged is not None:
                variable = PREFIX[platform] + inputs.packaged.upper().replace("-", "_")
                assert variable in inputs.names, f"{declaration.name}: {variable} is not one of {inputs.names}"
                read[variable] = declaration.name
            else:
                read[inputs.names[0]] = declaration.name
    return read


@pytest.mark.parametrize("platform", PACKAGINGS)
def test_every_input_the_adapter_reads_is_declared_by_the_packaging(platform: str) -> None:
    """A setting the adapter reads from this platform's inputs is declared (packaged) and passed by the packaging."""
    read = _read(platform)
    declared = DECLARED[platform]()
    assert [] == sorted(variable for variable in read if variable not in declared)
    unnamed = [d.name for d in SETTINGS for i in d.inputs if i.platform == platform and i.packaged is None]
    assert [] == unnamed


@pytest.mark.parametrize("platform", PACKAGINGS)
def test_every_input_the_packaging_declares_is_read_by_the_adapter(platform: str) -> None:
    """Each variable the packaging passes reaches a setting through the adapter's inputs() (or is context)."""
    read = _read(platform)
    for variable in sorted(DECLARED[platform]() - CONTEXT_INPUTS.get(platform, set())):
        assert variable in read, f"{variable} is declared but no setting reads it"
        env = {variable: "SOME_VAR", "SOME_VAR": "x"} if variable.endswith("_ENV_VAR_NAME") else {variable: "x"}
        assert read[variable] in ADAPTERS[platform].inputs(env), variable


def test_the_check_fails_for_an_undeclared_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above is not vacuous: a setting read as INPUT_NEW_THING that action.yml does not pass is caught."""
    import attrs  # noqa: PLC0415

    from gimlet_ci import _settings  # noqa: PLC0415

    extra = attrs.evolve(SETTINGS[0], name="new_thing", inputs=(_settings.Inputs("github", ("INPUT_NEW_THING",)),))
    monkeypatch.setattr(f"{__name__}.SETTINGS", (*SETTINGS, extra))
    with pytest.raises(AssertionError):
        test_every_input_the_adapter_reads_is_declared_by_the_packaging("github")
