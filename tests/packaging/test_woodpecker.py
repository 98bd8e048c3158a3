"""The Woodpecker plugin: docs.md for the plugin index, settings ↔ adapter, and the shared Dockerfile's shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gimlet_ci.adapters import woodpecker
from tests.helpers import OFFICIAL_SAMPLES, packaged_inputs

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "adapters/woodpecker-plugin"
OFFICIAL_SETTINGS = {"wait", "deploy", "env", "app", "timeout", "debug"}
SAMPLES = {
    "gimlet_server": "https://gimlet.example.com",
    "gimlet_token": "t0ken",
    **OFFICIAL_SAMPLES,
    "command": "lint",
    "vars": "DIGEST=sha256:0123",
    "fields": "docs=https://docs.example.com",
    "manifests": "deploy/gimlet",
    "ca_bundle": "/etc/ssl/gimlet.pem",
    "artifact_id": "acme/app-1",
    "release_id": "rel-1",
    "rollback_to": "abc123",
    "require_manifests": "true",
    "branch": "main",
}
RAW_MAIN = "https://raw.githubusercontent.com/gimlet-ci/gimlet-ci/main/"


def _docs() -> tuple[dict[str, Any], str]:
    text = (PLUGIN / "docs.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    assert match, "docs.md starts with a --- front matter block"
    return yaml.safe_load(match.group(1)), match.group(2)


def _settings_table(body: str) -> list[str]:
    return list(_settings_defaults(body))


def _settings_defaults(body: str) -> dict[str, str]:
    section = body.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", section, re.MULTILINE)
    assert rows
    return {name: "" if default.strip() == "none" else default.strip().strip("`") for name, default in rows}


def _yaml_blocks(body: str) -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", body, re.DOTALL)]


def _dockerfile_stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in (PLUGIN / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = [line]
            stages[match.group(2)] = current
        else:
            current.append(line)
    return stages


def test_docs_front_matter_has_the_fields_the_plugin_index_reads() -> None:
    """name, description, author (singular), tags, containerImage(+Url), url and icon, URLs absolute."""
    front, _ = _docs()
    assert {
        "name",
        "description",
        "author",
        "tags",
        "containerImage",
        "containerImageUrl",
        "url",
        "icon",
    } == set(front)
    assert "authors" not in front
    assert isinstance(front["tags"], list)
    assert all(isinstance(front[key], str) and front[key] for key in ("name", "description", "author"))
    for key in ("containerImageUrl", "url", "icon"):
        assert front[key].startswith("https://"), key


@pytest.mark.parametrize("setting", sorted(SAMPLES))
def test_every_documented_setting_is_understood_by_the_woodpecker_adapter(setting: str) -> None:
    """Each settings-table row becomes PLUGIN_<NAME> and gimlet-ci's Woodpecker adapter reads it."""
    _, body = _docs()
    assert setting in _settings_table(body)
    variable = f"PLUGIN_{setting.upper()}"
    assert {variable} == {source for source, _ in woodpecker.inputs({variable: SAMPLES[setting]}).values()}


def test_settings_table_covers_the_official_settings_and_nothing_unknown() -> None:
    """The table lists the official settings plus the credentials, and no setting the tests do not check."""
    _, body = _docs()
    assert set(SAMPLES) == set(_settings_table(body))
    assert OFFICIAL_SETTINGS <= set(_settings_table(body))


def test_settings_table_is_the_settings_declared_for_woodpecker() -> None:
    """Each row is a setting declared with that Woodpecker name, with its default (none: no default)."""
    _, body = _docs()
    assert packaged_inputs("woodpecker") == _settings_defaults(body)


def test_docs_examples_show_both_credential_forms() -> None:
    """Usage examples use from_secret settings; the old secrets: form is shown for Woodpecker before 3.0, in the
    1.x map form of steps:, and no example uses pipeline:, which Woodpecker 3 rejects."""
    _, body = _docs()
    steps: list[dict[str, Any]] = []
    for block in _yaml_blocks(body):
        assert set(block) == {"steps"}
        listed = block["steps"]
        steps += listed if isinstance(listed, list) else list(listed.values())
    old_form = [step for step in steps if "secrets" in step]
    assert all(isinstance(block["steps"], dict) for block in _yaml_blocks(body) if "secrets" in json.dumps(block))
    assert "3.0 removed" in body
    steps = [step for step in steps if "gimlet-ci-woodpecker" in step["image"]]
    images = {step["image"] for step in steps}
    front, _ = _docs()
    assert {f"{front['containerImage']}:0"} == images
    from_secret = [step for step in steps if "from_secret" in json.dumps(step.get("settings", {}))]
    assert from_secret
    assert [["gimlet_server", "gimlet_token"]] == [step["secrets"] for step in old_form]
    assert all("environment" not in step and "commands" not in step for step in steps)


def test_docs_examples_use_only_documented_settings_and_every_command_example() -> None:
    """Every setting the examples pass is in the table; there are examples for ship, lint and rollback."""
    _, body = _docs()
    table = set(_settings_table(body))
    commands = set()
    for block in _yaml_blocks(body):
        listed = block["steps"]
        for step in listed if isinstance(listed, list) else listed.values():
            if "gimlet-ci-woodpecker" in step["image"]:
                assert set(step.get("settings", {})) <= table
                commands.add(step.get("settings", {}).get("command", "ship"))
    assert {"ship", "lint", "rollback"} <= commands


def test_icon_is_a_png_in_this_repository() -> None:
    """The front matter's icon is the raw URL of a PNG committed here (raw.githubusercontent serves .png as
    image/png, which the index embeds; it serves .svg as text/plain)."""
    front, _ = _docs()
    assert front["icon"].startswith(RAW_MAIN)
    icon = ROOT / front["icon"].removeprefix(RAW_MAIN)
    data = icon.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (128, 128)


def test_plugin_index_entry_passes_the_checks_the_index_runs() -> None:
    """plugins-index-entry.json is the entry for woodpecker-ci/woodpecker's docs/plugins/woodpecker-plugins/
    plugins.json, and docs.md passes what the index's build does with it (src/index.ts, src/markdown.ts): the header
    is the text between the first two `---` (non-greedy) and parses as YAML with a name; the body without the header
    and HTML comments is not empty; the docs URL is the raw URL of this docs.md."""
    entry = json.loads((PLUGIN / "plugins-index-entry.json").read_text(encoding="utf-8"))
    assert {"name", "docs", "verified"} == set(entry)
    assert entry["verified"] is False
    assert entry["docs"] == RAW_MAIN + "adapters/woodpecker-plugin/docs.md"
    text = (PLUGIN / "docs.md").read_text(encoding="utf-8")
    header = re.match(r"^---([\s|\S]*?)---", text)
    assert header
    front = yaml.safe_load(header.group(1))
    assert entry["name"] == front["name"]
    content = re.sub(r"^ *?---[^]*?---*".replace("[^]", "[\\s\\S]"), "", text, count=1)
    assert re.sub(r"<!--(.*?)-->", "", content).strip()


def test_pipeline_examples_are_plugin_steps_in_both_modes() -> None:
    """examples/woodpecker: our step is a pure plugin step (settings only) with from_secret credentials, both modes."""
    modes = set()
    for path in sorted((ROOT / "examples/woodpecker").glob("*.yaml")):
        pipeline = yaml.safe_load(path.read_text(encoding="utf-8"))
        ours = [step for step in pipeline["steps"] if "gimlet-ci-woodpecker" in step["image"]]
        assert 1 == len(ours), path.name
        step = ours[0]
        assert "commands" not in step
        assert "environment" not in step
        assert {"from_secret": "gimlet_server"} == step["settings"]["gimlet_server"]
        assert {"from_secret": "gimlet_token"} == step["settings"]["gimlet_token"]
        modes.add("on-demand" if step["settings"].get("deploy") else "automated")
    assert {"automated", "on-demand"} == modes


def test_dockerfile_builds_a_wheel_and_installs_only_that_in_pinned_slim_images() -> None:
    """Every FROM is a pinned slim Python; the runtime installs the built wheel without a pip cache."""
    stages = _dockerfile_stages()
    bases = [lines[0].split()[1] for lines in stages.values() if lines[0].split()[1] not in stages]
    assert bases
    assert all(re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base) for base in bases)
    assert any("pip wheel" in line and "--wheel-dir /dist" in line for line in stages["build"])
    installs = [line for line in stages["runtime"] if "pip install" in line]
    assert 1 == len(installs)
    assert "--no-cache-dir" in installs[0]
    assert "/tmp/dist/gimlet_ci-*.whl" in installs[0]


def test_plugin_target_runs_the_shim_as_a_non_root_exec_form_entrypoint() -> None:
    """woodpecker-plugin: the copied entrypoints/woodpecker-plugin.sh is the exec-form ENTRYPOINT, user not root."""
    stage = _dockerfile_stages()["woodpecker-plugin"]
    copy = next(line for line in stage if line.startswith("COPY"))
    source, target = copy.split()[-2:]
    assert "entrypoints/woodpecker-plugin.sh" == source
    assert f'ENTRYPOINT ["{target}"]' in stage
    users = [line.split()[1] for line in stage if line.startswith("USER")]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_executor_target_has_no_entrypoint_and_is_not_root() -> None:
    """orb-executor: no ENTRYPOINT (CircleCI runs its own shell), a non-root user, and the release builds both targets."""
    stages = _dockerfile_stages()
    executor = stages["orb-executor"]
    assert not [line for line in executor + stages["runtime"] if line.startswith("ENTRYPOINT")]
    assert [line for line in executor if line.startswith("USER")][-1].split()[1].split(":")[0] not in ("root", "0")
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    targets = {entry["target"] for entry in release["jobs"]["images"]["strategy"]["matrix"]["include"]}
    assert {"woodpecker-plugin", "orb-executor"} == targets
    build = next(step for step in release["jobs"]["images"]["steps"] if "build-push-action" in step.get("uses", ""))
    assert "linux/amd64,linux/arm64" == build["with"]["platforms"]
    assert "adapters/woodpecker-plugin/Dockerfile" == build["with"]["file"]


def _git_trust() -> tuple[dict[str, str], list[str]]:
    """The runtime stage's GIT_CONFIG_* variables, and the comment lines right above the ENV that sets them."""
    lines = (PLUGIN / "Dockerfile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ENV GIT_CONFIG_COUNT="))
    comment: list[str] = []
    for line in reversed(lines[:start]):
        if not line.startswith("#"):
            break
        comment.insert(0, line.lstrip("# "))
    stage = next(line for line in _dockerfile_stages()["runtime"] if line.startswith("ENV GIT_CONFIG_COUNT="))
    variables = dict(item.split("=", 1) for item in stage.split()[1:])
    return {k: v for k, v in variables.items() if k.startswith("GIT_CONFIG_")}, comment


def test_git_trusts_the_workspace_by_a_documented_decision() -> None:
    """safe.directory=* is the one git setting, and the comment above it says why and why it is not narrower."""
    variables, comment = _git_trust()
    assert {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"} == variables
    text = " ".join(comment)
    assert text.startswith("Decision:")
    for reason in ("/woodpecker", "another user", "2.39", "2.46", "orb-executor"):
        assert reason in text


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown a repository")
def test_git_trust_lets_another_user_read_the_workspace(tmp_path: Path) -> None:
    """With the image's GIT_CONFIG_* variables, git reads a repository another user owns (without them it refuses)."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "woodpecker" / "src"
    repo.mkdir(parents=True)
    env = {"HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x"}
    env |= {"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@x"}
    subprocess.run([git, "init", "-q"], cwd=repo, env=env, check=True)
    subprocess.run([git, "commit", "-q", "--allow-empty", "-m", "built"], cwd=repo, env=env, check=True)
    for path in [tmp_path / "woodpecker", *(tmp_path / "woodpecker").rglob("*")]:
        os.chown(path, 10002, 10002)
    log = [git, "log", "-1", "--format=%s"]
    refused = subprocess.run(log, cwd=repo, env=env, capture_output=True, text=True, check=False)
    trusted = subprocess.run(log, cwd=repo, env=env | _git_trust()[0], capture_output=True, text=True, check=False)
    assert "dubious ownership" in refused.stderr
    assert (0, "built\n") == (trusted.returncode, trusted.stdout)


def test_hadolint_passes_the_dockerfile() -> None:
    """hadolint reports nothing for the shared Dockerfile."""
    tool = Path(sys.executable).parent / "hadolint"
    if not tool.exists():
        pytest.skip(f"hadolint is not installed next to {sys.executable}")
    result = subprocess.run([tool, PLUGIN / "Dockerfile"], capture_output=True, text=True, check=False)
    assert 0 == result.returncode, result.stdout + result.stderr


def test_dockerignore_lets_in_every_file_the_dockerfile_copies() -> None:
    """Each COPY source from the build context (repository root) is re-included by .dockerignore's allow-list."""
    allowed = {
        line.removeprefix("!").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    sources = [
        part.rstrip("/")
        for lines in _dockerfile_stages().values()
        for line in lines
        if line.startswith("COPY") and "--from=" not in line
        for part in line.split()[1:-1]
        if not part.startswith("--")
    ]
    assert sources
    assert [] == [source for source in sources if source.split("/")[0] not in allowed]
    assert all((ROOT / source).exists() or source == "README.md" for source in sources)
