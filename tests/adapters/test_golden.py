"""Golden fixtures: whole CI environments of real runs, each with the context gimlet-ci must derive.

``tests/fixtures/env/<platform>/<scenario>.env`` holds one ``KEY=VALUE`` per line (a value in double quotes is a
JSON string, for multi-line values; ``#`` starts a comment line). ``<scenario>.json`` holds:

- ``description``: the run it reflects (event, platform version);
- ``context``: the expected ``CIContext.as_json()``;
- ``event_file`` (GitHub): a file of ``tests/fixtures/events/`` served at ``GITHUB_EVENT_PATH``, or ``null`` for a
  file that cannot be read;
- optional ``vars`` (a subset of the template vars to pin), ``vars_absent`` (names that must not be template
  vars), ``commit`` (expected ``CommitInfo`` fields, or ``null``) and ``warnings`` (substrings, one per warning).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gimlet_ci.adapters import ADAPTERS, CommitInfo, adapter_by_name

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load_env(path: Path) -> dict[str, str]:
    """Read a dotenv-ish fixture file."""
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        if len(value) > 1 and value.startswith('"') and value.endswith('"'):
            value = json.loads(value)
        env[name] = value
    return env


def _scenarios() -> list[object]:
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem}") for path in sorted((FIXTURES / "env").glob("*/*.env"))
    ]


def _reader(env: dict[str, str], event_file: str | None):
    def read_file(path: str) -> bytes:
        if event_file is None or path != env.get("GITHUB_EVENT_PATH"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return (FIXTURES / "events" / event_file).read_bytes()

    return read_file


@pytest.mark.parametrize("env_path", _scenarios())
def test_golden(env_path: Path) -> None:
    """Each recorded environment yields exactly the expected context, vars, commit data and warnings."""
    env = load_env(env_path)
    expected = json.loads(env_path.with_suffix(".json").read_text(encoding="utf-8"))
    adapter = adapter_by_name(env_path.parent.name)

    assert adapter.detect(env)
    ctx = adapter.context(env, _reader(env, expected.get("event_file")))

    assert expected["context"] == ctx.as_json()
    for name, value in expected.get("vars", {}).items():
        assert (name, value) == (name, ctx.vars.get(name))
    absent = [name for name in expected.get("vars_absent", []) if name in ctx.vars]
    assert [] == absent
    if "commit" in expected:
        actual_commit = None if ctx.commit is None else ctx.commit.as_dict()
        expected_commit = expected["commit"]
        if expected_commit is not None:
            expected_commit = {
                **dict.fromkeys((ctx.commit or CommitInfo()).as_dict()),
                **expected_commit,
            }
        assert expected_commit == actual_commit
    expected_warnings = expected.get("warnings", [])
    assert len(expected_warnings) == len(ctx.warnings)
    for needle, warning in zip(expected_warnings, ctx.warnings, strict=True):
        assert needle in warning


def test_every_platform_has_push_tag_and_pr_fixtures() -> None:
    """Every adapter except local has at least a push, a tag and a PR scenario."""
    missing = []
    for name in ADAPTERS:
        if name == "local":
            continue
        events = set()
        for path in (FIXTURES / "env" / name).glob("*.json"):
            events.add(json.loads(path.read_text(encoding="utf-8"))["context"]["event"])
        missing += [f"{name}:{event}" for event in ("push", "tag", "pr") if event not in events]
    assert [] == missing
