"""The dev server reads what it receives as Gimlet's server does: the conformance vectors, case-folded keys, crashes,
image builds, releases after automated deploys, rollbacks and the artifact listing's rules."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gimlet_ci.gimlet.reading import read_body
from gimlet_ci.testing import GimletServer

TOKEN = "t0ken-for-the-dev-server"
VECTORS = [
    json.loads(line)
    for line in (Path(__file__).parent / "fixtures" / "conformance" / "gimlet-policy-vectors.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]
ENVIRONMENTS = sorted({m["env"] for case in VECTORS for m in case["expected"]["manifests"]} | {"staging", "production"})
SHA = "9f1c2e0d9f1c2e0d9f1c2e0d9f1c2e0d9f1c2e0d"


@pytest.fixture(name="server", scope="module")
def _server() -> Iterator[GimletServer]:
    with GimletServer(token=TOKEN, processing_delay=0.0, reconcile_delay=0.02, environments=ENVIRONMENTS) as server:
        yield server


@pytest.fixture(name="client")
def _client(server: GimletServer) -> Iterator[httpx.Client]:
    server.reset()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as client:
        yield client


def _processed(client: httpx.Client, path: str, params: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(path, params=params).json()
        if body["status"] != "new":
            return body
        time.sleep(0.005)
    pytest.fail("the event stayed new")


def _artifact(client: httpx.Client, artifact_id: str) -> dict[str, Any]:
    return _processed(client, "/api/eventArtifactTrack", {"artifactId": artifact_id})


def _release(client: httpx.Client, event_id: str) -> dict[str, Any]:
    return _processed(client, "/api/eventReleaseTrack", {"id": event_id})


@pytest.mark.parametrize("case", VECTORS, ids=lambda case: f"{case['id']}-{case['topic']}")
def test_vectors_through_the_dev_server(client: httpx.Client, server: GimletServer, case: dict[str, Any]) -> None:
    """Each vector's body is stored as Gimlet stored it (or refused with an empty 500 where Gimlet's decoder
    panics); a body Gimlet's worker would crash on ends in error saying so; otherwise every firing manifest, and
    only those, gets a deploy result."""
    gimlet = case["gimlet"]
    response = client.post("/api/artifact", content=case["body"].encode("utf-8"))
    if "decodePanic" in gimlet:
        assert (500, b"", []) == (response.status_code, response.content, server.artifacts())
        return
    assert 201 == response.status_code
    echoed = response.json()
    assert {**gimlet["stored"], "id": echoed["id"], "created": echoed["created"]} == echoed
    assert [echoed] == server.artifacts()
    body = _artifact(client, echoed["id"])
    crashes = "workerPanic" in gimlet or any("panic" in trigger for trigger in gimlet["triggers"])
    if crashes:
        assert "error" == body["status"]
        assert body["statusDesc"].startswith("Gimlet's server would crash on this artifact (a panic in ")
        assert [] == body["results"]
        return
    assert "processed" == body["status"]
    assert [t["env"] for t in gimlet["triggers"] if t.get("fires")] == [r.get("env", "") for r in body["results"]]


def test_case_folded_keys_deploy_as_on_gimlet(client: httpx.Client) -> None:
    """`Deploy:` with `Branch:` and `EVENT:` is honoured, as Go's decoder matches keys case-insensitively."""
    manifest = {"app": "shop", "env": "staging", "Deploy": {"Branch": "main", "EVENT": "push"}}
    artifact = {"version": {"repositoryName": "acme/shop", "sha": SHA, "branch": "main"}, "environments": [manifest]}
    echoed = client.post("/api/artifact", json=artifact).json()
    assert {"branch": "main", "event": "push"} == echoed["environments"][0]["deploy"]
    assert [("shop", "staging", "success")] == [
        (r["app"], r["env"], r["status"]) for r in _artifact(client, echoed["id"])["results"]
    ]


def test_abort_loses_later_manifests_and_vars(client: httpx.Client) -> None:
    """A non-string deploy.event stops Gimlet's decoding: the manifest is kept with event push, later manifests and
    vars are lost, and the server still answers 201."""
    first = {"app": "a", "env": "staging", "deploy": {"branch": "main", "event": 1}, "namespace": "lost"}
    second = {"app": "b", "env": "staging", "deploy": {"branch": "main", "event": "push"}}
    body = {
        "version": {"repositoryName": "acme/shop", "branch": "main"},
        "environments": [first, second],
        "vars": {"A": "1"},
    }
    response = client.post("/api/artifact", json=body)
    assert 201 == response.status_code
    stored = response.json()
    kept = {
        "app": "a",
        "env": "staging",
        "namespace": "",
        "deploy": {"branch": "main", "event": "push"},
        "chart": {"name": ""},
    }
    assert [kept] == stored["environments"]
    assert "vars" not in stored


def test_release_after_the_automated_deploy_makes_a_commit(client: httpx.Client) -> None:
    """Gimlet's release.json names who triggered a deploy: policy for the automated one, the token's user for a
    release. So releasing the artifact an automated deploy just deployed commits again, and only a second release
    by the same user finds no changes."""
    manifest = {
        "app": "shop",
        "env": "staging",
        "namespace": "default",
        "deploy": {"branch": "main", "event": "push"},
        "chart": {"name": "onechart"},
    }
    artifact = {"version": {"repositoryName": "acme/shop", "sha": SHA, "branch": "main"}, "environments": [manifest]}
    artifact_id = client.post("/api/artifact", json=artifact).json()["id"]
    assert ["success"] == [r["status"] for r in _artifact(client, artifact_id)["results"]]
    request = {"env": "staging", "app": "shop", "artifactId": artifact_id}
    first = _release(client, client.post("/api/releases", json=request).json()["id"])
    assert [("success", True)] == [(r["status"], bool(r.get("hash"))) for r in first["results"]]
    second = _release(client, client.post("/api/releases", json=request).json()["id"])
    assert [("failure", "No changes made to the gitops state. Maybe this is the current version already?")] == [
        (r["status"], r["statusDesc"]) for r in second["results"]
    ]


def test_release_of_a_preview_with_a_broken_ingress_is_an_empty_500(client: httpx.Client) -> None:
    """POST /api/releases runs PrepPreview on every manifest: a non-map ingress panics and the recoverer answers 500
    with an empty body."""
    preview = {"app": "web", "env": "staging", "preview": True, "values": {"ingress": None}}
    body = {"version": {"repositoryName": "acme/shop", "sha": SHA}, "environments": [preview]}
    artifact_id = client.post("/api/artifact", json=body).json()["id"]
    response = client.post("/api/releases", json={"env": "staging", "artifactId": artifact_id})
    assert (500, b"") == (response.status_code, response.content)


@pytest.mark.parametrize(
    ("params", "count"),
    [
        pytest.param({}, 10, id="no-limit-no-offset-is-10"),
        pytest.param({"limit": "0"}, 10, id="limit-0-is-10"),
        pytest.param({"offset": "2"}, 0, id="offset-without-limit-is-empty"),
        pytest.param({"limit": "3", "offset": "10"}, 2, id="limit-and-offset"),
        # SQLite, Gimlet's default database: a negative LIMIT has no upper bound, a negative OFFSET is 0.
        pytest.param({"limit": "-1"}, 12, id="negative-limit-is-all"),
        pytest.param({"limit": "5", "offset": "-3"}, 5, id="negative-offset-is-0"),
        pytest.param({"limit": "-1", "offset": "10"}, 2, id="negative-limit-with-offset"),
        pytest.param({"event": "Tag"}, 10, id="unknown-event-means-push"),
        pytest.param({"event": "tag"}, 0, id="tag-event"),
    ],
)
def test_list_artifacts_follows_gimlet(client: httpx.Client, params: dict[str, str], count: int) -> None:
    """`/api/artifacts` keeps Gimlet's limit, offset and event rules."""
    for _ in range(12):
        client.post("/api/artifact", json={"version": {"repositoryName": "acme/shop", "sha": SHA}})
    assert count == len(client.get("/api/artifacts", params=params).json())


def test_list_artifacts_until_is_exclusive(client: httpx.Client) -> None:
    """`until` excludes artifacts created in that very second; `since` includes them."""
    created = client.post("/api/artifact", json={"version": {"repositoryName": "acme/shop"}}).json()["created"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
    assert [] == client.get("/api/artifacts", params={"until": stamp}).json()
    assert 1 == len(client.get("/api/artifacts", params={"since": stamp}).json())


def test_reading_matches_the_model() -> None:
    """The dev server and `explain` share one model: what it stores is the model's stored artifact."""
    case = VECTORS[0]
    assert read_body(case["body"]).stored is not None


def _two_apps(client: httpx.Client) -> str:
    manifests = [
        {"app": app, "env": "staging", "namespace": "default", "chart": {"name": "onechart"}} for app in ("shop", "web")
    ]
    body = {"version": {"repositoryName": "acme/shop", "sha": SHA}, "environments": manifests}
    artifact_id: str = client.post("/api/artifact", json=body).json()["id"]
    return artifact_id


def test_release_of_another_app_in_between_changes_the_env_release_file(client: httpx.Client) -> None:
    """Every gitops commit also writes `<env>/release.json`: releasing shop, then web, then shop again by the same
    user commits each time; only a repeat with nothing in between finds no changes."""
    artifact_id = _two_apps(client)

    def release(app: str) -> str:
        request = {"env": "staging", "app": app, "artifactId": artifact_id}
        body = _release(client, client.post("/api/releases", json=request).json()["id"])
        status: str = body["results"][0]["status"]
        return status

    assert ["success", "success", "success", "failure"] == [release(app) for app in ("shop", "web", "shop", "shop")]


def test_release_make_builds_for_the_first_matching_manifest_only(client: httpx.Client) -> None:
    """Gimlet stops at the first manifest that builds in the cluster: a later manifest with a missing variable does
    not turn the request into a 400."""
    build = {"app": "shop", "env": "staging", "values": {"image": {"strategy": "dockerfile"}}}
    broken = {"app": "other", "env": "production", "values": {"tag": "{{ .MISSING }}"}}
    body = {"version": {"repositoryName": "acme/shop", "sha": SHA}, "environments": [build, broken]}
    artifact_id = client.post("/api/artifact", json=body).json()["id"]
    response = client.post("/api/releases", json={"env": "staging", "app": "shop", "artifactId": artifact_id})
    assert (201, "imageBuild") == (response.status_code, response.json()["type"])


def test_release_events_render_app_as_the_requested_app(client: httpx.Client) -> None:
    """The worker sets APP to the request's app: a release of every app renders {{ .APP }} as empty."""
    manifest = {"app": "shop", "env": "staging", "namespace": "ns-{{ .APP }}", "chart": {"name": "onechart"}}
    body = {"version": {"repositoryName": "acme/shop", "sha": SHA}, "environments": [manifest]}
    artifact_id = client.post("/api/artifact", json=body).json()["id"]
    answer = client.post("/api/releases", json={"env": "staging", "artifactId": artifact_id}).json()
    assert ["success"] == [r["status"] for r in _release(client, answer["id"])["results"]]


@pytest.mark.parametrize(
    ("params", "status", "count"),
    [
        pytest.param({"event": '"'}, 400, None, id="a-quote-breaks-the-json-string"),
        pytest.param({"event": "t\\u0061g"}, 200, 1, id="escapes-are-decoded"),
        pytest.param({"sha": ""}, 200, 1, id="empty-sha-filters-on-empty"),
        pytest.param({"branch": "main", "sourceBranch": "dev"}, 200, 0, id="source-branch-filters-the-branch-too"),
    ],
)
def test_list_artifacts_parameters(
    client: httpx.Client, params: dict[str, str], status: int, count: int | None
) -> None:
    """`/api/artifacts` reads event, sha and sourceBranch as Gimlet does."""
    client.post("/api/artifact", json={"version": {"repositoryName": "acme/shop", "sha": SHA, "branch": "main"}})
    client.post("/api/artifact", json={"version": {"repositoryName": "acme/shop", "event": "tag", "tag": "v1"}})
    response = client.get("/api/artifacts", params=params)
    assert status == response.status_code
    if count is not None:
        assert count == len(response.json())
