"""`gimlet-ci explain`: what Gimlet's server does with each manifest of this checkout's artifact, and why."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci.cli import main
from tests.helpers import make_repo

SHOP = Path(__file__).parents[1] / "fixtures" / "repos" / "shop" / ".gimlet"


@pytest.fixture(name="shop")
def _shop(tmp_path: Path) -> Path:
    files = {path.name: path.read_text() for path in SHOP.iterdir() if path.is_file()}
    return make_repo(tmp_path, manifests=files, message="Bump")


def explain(repo: Path, *args: str) -> tuple[int, Any, str]:
    """Run ``explain --output json`` on *repo* (local platform) and return the exit code, the JSON and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["-C", str(repo), "--platform", "local", "explain", "--output", "json", *args], {}, stdout=out, stderr=err
    )
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def explain_text(repo: Path, *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["-C", str(repo), "--platform", "local", "explain", *args], {}, stdout=out, stderr=err)
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--branch", "main"],
            ["skips", "skips", "fires", "fires", "skips"],
            id="push-main",
        ),
        pytest.param(
            ["--branch", "feature/a/b"],
            ["fires", "skips", "skips", "skips", "skips"],
            id="push-feature-branch-fires-preview",
        ),
        pytest.param(
            ["--tag", "v1.2.0"],
            ["skips", "fires", "skips", "skips", "fires"],
            id="tag-fires-despite-negated-glob",
        ),
        pytest.param(
            ["--branch", "main", "--event", "pr"],
            ["skips", "skips", "skips", "skips", "skips"],
            id="pr-from-main",
        ),
    ],
)
def test_which_manifests_fire(shop: Path, args: list[str], expected: list[str]) -> None:
    """Each manifest is judged by Gimlet's deploy policy rules, in the order the artifact carries them."""
    code, result, _ = explain(shop, *args)
    assert 0 == code
    assert [
        ".gimlet/preview.yml",
        ".gimlet/production.yaml",
        ".gimlet/staging.yaml",
        ".gimlet/workers.yaml",
        ".gimlet/workers_tags.yaml",
    ] == [entry["file"] for entry in result["manifests"]]
    assert expected == [entry["verdict"] for entry in result["manifests"]]
    assert [verdict == "fires" for verdict in expected] == [entry["fires"] for entry in result["manifests"]]
    assert result["rejected"] is False


def test_text_output(shop: Path) -> None:
    """One line per manifest with a mark, the file, app -> env and the reason; quirks follow."""
    code, text = explain_text(shop, "--tag", "v1.2.0")
    lines = text.splitlines()
    assert 0 == code
    assert lines[0].startswith("✘ skips     .gimlet/preview.yml  shop-preview -> staging: ")
    assert lines[1].startswith("✔ fires     .gimlet/production.yaml  shop -> production: ")
    assert "v1.2.0" in lines[1]
    assert lines[-2].startswith("✔ fires     .gimlet/workers_tags.yaml  shop-worker -> production: ")
    assert lines[-1].startswith("    quirk: Gimlet does not negate tag globs")


def test_json_shape(shop: Path) -> None:
    """JSON has the artifact's verdict and one entry per manifest with file, app, env, verdict, fires, reason."""
    _, result, _ = explain(shop, "--branch", "main")
    entry = result["manifests"][2]
    assert ["rejected", "why", "problems", "manifests"] == list(result)
    assert {"file": ".gimlet/staging.yaml", "app": "shop", "env": "staging", "verdict": "fires", "fires": True} == {
        key: entry[key] for key in ("file", "app", "env", "verdict", "fires")
    }
    assert "main" in entry["reason"]


def test_reason_names_the_rule(shop: Path) -> None:
    """A manifest that does not fire says which rule stopped it."""
    _, result, _ = explain(shop, "--branch", "dev")
    staging = result["manifests"][2]
    assert "skips" == staging["verdict"]
    assert "branch 'dev' does not match deploy.branch 'main'" == staging["reason"]


def test_message_option_decides_commit_message_patterns(tmp_path: Path) -> None:
    """--message replaces the commit message, and the policy's patterns are matched against it."""
    manifest = (
        "app: api\nenv: staging\nnamespace: default\n"
        "deploy:\n  branch: main\n  event: push\n  commitMessagePatterns: ['*[DEPLOY: api]*']\n"
    )
    repo = make_repo(tmp_path, manifests={"api.yaml": manifest}, message="Bump")
    assert ["skips"] == [m["verdict"] for m in explain(repo)[1]["manifests"]]
    assert ["fires"] == [m["verdict"] for m in explain(repo, "--message", "fix [DEPLOY: api]")[1]["manifests"]]


def test_rejected_manifest_names_file_line_and_fix(tmp_path: Path) -> None:
    """A manifest Gimlet would misread is rejected with the problem's line, and explain exits 1."""
    manifest = (
        "app: api\nenv: staging\ndeploy:\n  branch: main\n  event: push\n  commitMessagePatterns: '[DEPLOY: api]*'\n"
    )
    repo = make_repo(tmp_path, manifests={"api.yaml": manifest}, message="Bump")
    code, result, _ = explain(repo)
    assert 1 == code
    assert result["rejected"] is True
    entry = result["manifests"][0]
    assert "rejected" == entry["verdict"]
    assert ["decode-error"] == entry["causes"]
    expected = (
        '.gimlet/api.yaml:6: deploy.commitMessagePatterns: "[DEPLOY: api]*" is a string, and Gimlet reads only a'
        " list here: it drops the field, so the policy fires with no message filter; write commitMessagePatterns:"
        ' ["[DEPLOY: api]*"]'
    )
    assert [expected] == entry["problems"]


def test_no_manifests(tmp_path: Path) -> None:
    """Nothing to explain says so."""
    repo = make_repo(tmp_path, manifests={"vars": "A=1\n"}, message="Bump")
    code, text = explain_text(repo)
    assert (0, "No manifests to explain\n") == (code, text)
