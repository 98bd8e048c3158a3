"""Golden refusals: each kind of manifest Gimlet would crash on, decode with an error or misread, and the exact
lines `ship` prints for it (file, line, key, value, what Gimlet does, how to write it) before exiting 2 with nothing
sent. The cases and lines are data: tests/fixtures/refusals/cases.json."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci.cli import main
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "refusals" / "cases.json").read_text(encoding="utf-8")
)


def _run(repo: Path, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["-C", str(repo), "--platform", "local", *argv], env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["id"])
def test_ship_refuses_with_the_golden_lines(case: dict[str, Any], tmp_path: Path) -> None:
    """`ship` prints the golden lines, exits 2 and sends nothing, not even with a server configured."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": case["manifest"]})
    with GimletServer(token="t0ken-of-the-refusals") as server:
        env = {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}
        code, out, err = _run(repo, "ship", env=env)
        assert 0 == server.request_count()
    assert (case["exit"], "") == (code, out)
    assert case["lines"] == [line for line in err.splitlines() if not line.startswith("TIP ")]


@pytest.mark.parametrize("case", [c for c in CASES if c["id"] != "repeated-key"], ids=lambda case: case["id"])
def test_lint_reports_each_refusal_as_an_error(case: dict[str, Any], tmp_path: Path) -> None:
    """`lint` reports every refusal as an error at the same line and key, and exits 1."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": case["manifest"]})
    code, out, _ = _run(repo, "lint", "--output", "json")
    problems = json.loads(out)["problems"]
    expected = {line.split(": ", 2)[0] + ": " + line.split(": ", 2)[1] for line in case["lines"][:-1]}
    errors = {f"{p['file']}:{p['line']}: {p['key'] or '-'}" for p in problems if p["severity"] == "error"}
    assert 1 == code
    assert expected <= errors


@pytest.mark.parametrize("case", [c for c in CASES if c["id"] != "repeated-key"], ids=lambda case: case["id"])
def test_explain_shows_the_verdict_rejected(case: dict[str, Any], tmp_path: Path) -> None:
    """Plain `explain` rejects the manifest `ship` refuses, lists the same lines, and exits 1."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": case["manifest"]})
    code, out, _ = _run(repo, "explain", "--output", "json")
    result = json.loads(out)
    assert (1, True) == (code, result["rejected"])
    assert "rejected" in [entry["verdict"] for entry in result["manifests"]]
    listed = [problem for entry in result["manifests"] for problem in entry["problems"]] + result["problems"]
    assert case["lines"][:-1] == listed


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param("app: shop\nenv: staging\ndeploy:\n  branch: main\n  event: Push\n", id="event-Push-is-push"),
        pytest.param(
            "app: shop\nenv: staging\npreview: true\ndeploy:\n  branch: 'release/[v1'\n  event: push\n",
            id="preview-replaces-its-deploy-before-any-glob",
        ),
        pytest.param(
            "app: shop\nenv: staging\ndeploy:\n  tag: 'v['\n  event: push\n",
            id="tag-glob-never-compiled-without-event-tag",
        ),
        pytest.param(
            "app: shop\nenv: staging\ncleanup:\n  app: shop\n  event: branchDeleted\n  branch: '!main{'\n",
            id="negated-cleanup-matches-only-its-own-text",
        ),
        pytest.param(
            "app: shop\nenv: staging\nvalues:\n  image:\n    repository: nginx\n    tag: 1.0\n",
            id="tag-number-without-a-build-is-only-a-value",
        ),
    ],
)
def test_what_gimlet_handles_is_not_refused(manifest: str, tmp_path: Path) -> None:
    """Manifests whose oddities Gimlet never trips over are shipped: no refusal for a glob Gimlet never compiles, a
    push spelled Push, or a value Gimlet only passes on."""
    repo = make_repo(tmp_path, manifests={"staging.yaml": manifest})
    code, out, err = _run(repo, "ship", "--dry-run")
    assert 0 == code, err
    assert json.loads(out)["environments"]
