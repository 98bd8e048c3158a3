"""No false green: an in-cluster image build an artifact's policy starts is followed to its deploy's reconciliation."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci._follow import pick_artifact_event
from gimlet_ci.cli import main
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

TOKEN = "follow-T0KEN-never-shown-7777"

BUILDS = """\
app: web
env: staging
namespace: default
deploy:
  branch: main
  event: push
chart:
  name: onechart
values:
  image:
    repository: registry.example.com/web
    tag: "{{ .SHA }}"
    strategy: buildpacks
"""

PLAIN = """\
app: shop
env: staging
namespace: default
deploy:
  branch: main
  event: push
chart:
  name: onechart
values:
  image:
    repository: registry.example.com/shop
    tag: "{{ .SHA }}"
"""


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, manifests={"web.yaml": BUILDS, "shop.yaml": PLAIN})


def _run(
    server: GimletServer, repo: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--platform", "local", "-C", str(repo), *args, "--timeout", "20s", "--output", "json"],
        {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN, **(env or {})},
        stdout=out,
        stderr=err,
    )
    text = err.getvalue()
    assert TOKEN not in text + out.getvalue()
    return code, json.loads(out.getvalue() or "{}"), text


@pytest.mark.parametrize("push", ["on", "off"])
def test_a_policy_image_build_is_followed_to_its_deploy(repo: Path, push: str) -> None:
    """ship --wait follows the build an artifact starts to the deploy it triggers, reconciled; channel or not."""
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1) as server:
        code, result, text = _run(server, repo, "ship", "--wait", env={"GIMLET_PUSH": push})

    assert 0 == code, text
    deploys = {d["app"]: d for d in result["deploys"]}
    assert "succeeded" == deploys["web"]["status"]
    assert "ReconciliationSucceeded" == deploys["web"]["gitops_status"]
    assert deploys["web"]["gitops_hash"]
    assert "succeeded" == deploys["shop"]["status"]
    assert "in-cluster image build for web -> staging" in text


def test_a_failed_image_build_fails_the_run(repo: Path) -> None:
    """An image build that ends in error is a failed deploy: exit 1, naming the app."""
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1, image_build_error=True) as server:
        code, result, text = _run(server, repo, "ship", "--wait")

    assert 1 == code, text
    assert "web -> staging" in text
    assert "image build failed" in text
    assert "failed" == result["status"]


@pytest.mark.parametrize("knob", ["no_commit_events", "ws_disabled_and_no_commit_events"])
def test_a_gimlet_that_cannot_say_which_build_never_passes(repo: Path, knob: str) -> None:
    """Without the commit-events route (Gimlet < v0.26) the run says it cannot follow the build, for which app and
    env, and exits 4 rather than 0."""
    faults = {"no_commit_events": True} | ({"ws_disabled": True} if knob.startswith("ws") else {})
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1, **faults) as server:
        code, result, text = _run(server, repo, "ship", "--wait")

    assert 4 == code, text
    assert "Gimlet started an in-cluster image build for web -> staging that cannot be followed" in text
    assert "succeeded" != result["status"]


def test_track_follows_the_build_of_an_artifact_it_did_not_ship(repo: Path) -> None:
    """track ARTIFACT_ID --wait finds the artifact's commit and follows its image build the same way."""
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1) as server:
        code, shipped, text = _run(server, repo, "ship")
        assert 0 == code, text
        code, result, text = _run(server, repo, "track", shipped["artifact_id"], "--wait")

    assert 0 == code, text
    assert {"shop": "succeeded", "web": "succeeded"} == {d["app"]: d["status"] for d in result["deploys"]}


def test_an_on_demand_release_of_a_building_app_is_followed_through_the_build(tmp_path: Path) -> None:
    """A release of an app whose manifest builds in-cluster is tracked through the build to its deploy, as before."""
    on_demand = BUILDS.replace("env: staging", "env: production").replace(
        "deploy:\n  branch: main\n  event: push\n", ""
    )
    repo = make_repo(tmp_path, manifests={"web.yaml": on_demand})
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1) as server:
        code, shipped, text = _run(server, repo, "ship")
        assert 0 == code, text
        server.faults.no_commit_events = True  # a release names its build itself: no commit events needed
        code, result, text = _run(
            server, repo, "deploy", "--artifact", shipped["artifact_id"], "--env", "production", "--app", "web"
        )

    assert 0 == code, text
    assert ["succeeded"] == [d["status"] for d in result["deploys"]]


def _event(event_id: str, created: int, results: list[dict[str, str]], sha: str = "s" * 40) -> dict[str, Any]:
    return {
        "id": event_id,
        "created": created,
        "type": "artifact",
        "sha": sha,
        "status": "processed",
        "results": results,
    }


def test_our_artifact_event_is_the_one_whose_commits_are_ours() -> None:
    """Of two artifact events of one commit, the one whose gitops refs equal our hashes is ours, whatever the time."""
    ours = _event("a", 100, [{"app": "shop", "env": "staging", "gitopsRef": "h1"}, {"app": "web", "env": "staging"}])
    theirs = _event("b", 100, [{"app": "shop", "env": "staging", "gitopsRef": "h2"}, {"app": "web", "env": "staging"}])
    targets = {("shop", "staging"), ("web", "staging")}

    picked = pick_artifact_event([theirs, ours], sha="s" * 40, created=100, hashes={"h1"}, targets=targets)

    assert picked is ours


def test_then_the_same_apps_then_the_closest_in_time() -> None:
    """Without hashes to compare, the event with our (app, env) set wins, then the one created closest to ours."""
    other_apps = _event("x", 100, [{"app": "api", "env": "staging"}])
    later = _event("later", 105, [{"app": "web", "env": "staging"}])
    close = _event("close", 101, [{"app": "web", "env": "staging"}])
    older = _event("older", 90, [{"app": "web", "env": "staging"}])
    targets = {("web", "staging")}

    picked = pick_artifact_event(
        [later, other_apps, close, older], sha="s" * 40, created=100, hashes=set(), targets=targets
    )

    assert picked is close
    assert pick_artifact_event([older], sha="s" * 40, created=100, hashes=set(), targets=targets) is None
    assert pick_artifact_event([close], sha="t" * 40, created=100, hashes=set(), targets=targets) is None
