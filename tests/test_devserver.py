"""The local Gimlet-compatible server: wire details, lifecycle and fault knobs, as Gimlet's CI endpoints behave."""

from __future__ import annotations

import argparse
import inspect
import io
import json
import re
import socket
import time
from typing import TYPE_CHECKING, Any

import attrs
import httpx
import pytest

from gimlet_ci.devserver.arguments import add_arguments, knob_docs
from gimlet_ci.devserver.command import run
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.testing import Faults, GimletServer
from gimlet_ci.testing import gimlet_server as _gimlet_server  # noqa: F401 - the public fixture

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TOKEN = "test-token"
SHA = "9f1c2e0d9f1c2e0d9f1c2e0d9f1c2e0d9f1c2e0d"


def _manifest(env: str = "staging", app: str = "shop", **extra: Any) -> dict[str, Any]:
    return {
        "app": app,
        "env": env,
        "namespace": "default",
        "deploy": {"branch": "main", "event": "push"},
        "chart": {"name": "onechart"},
        "values": {"image": {"repository": "registry/shop", "tag": "{{ .SHA }}"}},
        **extra,
    }


def _artifact(*manifests: dict[str, Any], branch: str = "main", sha: str = SHA) -> dict[str, Any]:
    return {
        "version": {"repositoryName": "acme/shop", "sha": sha, "branch": branch, "message": "Bump"},
        "context": {"SHA": sha, "BRANCH": branch},
        "environments": list(manifests) if manifests else [_manifest()],
        "vars": {"SHA": sha, "BRANCH": branch},
    }


@pytest.fixture(name="client")
def _client(gimlet_server: GimletServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gimlet_server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as client:
        yield client


def _ship(client: httpx.Client, artifact: dict[str, Any] | None = None) -> str:
    response = client.post("/api/artifact", json=artifact or _artifact())
    assert 201 == response.status_code
    artifact_id: str = response.json()["id"]
    return artifact_id


def _poll(
    client: httpx.Client, path: str, params: dict[str, str], until: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Poll a track endpoint until *until* holds; return every body seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        body = client.get(path, params=params).json()
        seen.append(body)
        if until(body):
            return seen
        time.sleep(0.01)
    pytest.fail(f"condition not reached; last body {seen[-1]}")


def _artifact_done(client: httpx.Client, artifact_id: str) -> dict[str, Any]:
    return _poll(
        client,
        "/api/eventArtifactTrack",
        {"artifactId": artifact_id},
        lambda b: (
            b["status"] != "new"
            and all(r.get("gitopsCommitStatus") != "NotReconciled" for r in b["results"])
            and all(r.get("gitopsCommitStatus") != "Progressing" for r in b["results"])
        ),
    )[-1]


def _release_done(client: httpx.Client, event_id: str) -> dict[str, Any]:
    return _poll(client, "/api/eventReleaseTrack", {"id": event_id}, lambda b: b["status"] != "new")[-1]


# -- endpoints and wire details ---------------------------------------------------------------------


def test_health(gimlet_server: GimletServer) -> None:
    """GET /health answers 200 with an empty body and no auth."""
    response = httpx.get(gimlet_server.url + "/health")
    assert (200, b"", None) == (
        response.status_code,
        response.content,
        response.headers.get("content-type"),
    )


def test_artifact_echo_in_go_order(client: httpx.Client) -> None:
    """POST /api/artifact answers 201 text/plain with the Go re-encoding: order, omitempty, unknown keys gone."""
    request = {
        "extra": "dropped",
        "vars": {"b": "2", "a": "1 <&>"},
        "environments": [
            {
                "unknown": 1,
                "preview": False,
                "env": "staging",
                "app": "shop",
                "deploy": {"event": "push"},
            }
        ],
        "version": {
            "url": "u",
            "event": "push",
            "sha": "abc",
            "repositoryName": "acme/shop",
            "nope": 1,
        },
        "id": "client-id",
        "created": 5,
    }
    response = client.post("/api/artifact", json=request)
    assert 201 == response.status_code
    assert "text/plain; charset=utf-8" == response.headers["content-type"]
    body = response.text
    match = re.fullmatch(r'\{"id":"(acme/shop-[0-9a-f-]{36})","created":(\d+),(.*)\}', body)
    assert match is not None
    assert abs(int(match.group(2)) - time.time()) < 5
    expected_rest = (
        '"version":{"repositoryName":"acme/shop","sha":"abc","url":"u"},'
        '"environments":[{"app":"shop","env":"staging","preview":false,"namespace":"",'
        '"deploy":{"event":"push"},"chart":{"name":""}}],'
        '"vars":{"a":"1 \\u003c\\u0026\\u003e","b":"2"}'
    )
    assert expected_rest == match.group(3)


def test_empty_body_is_stored(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """An empty body is no error: the server stores an empty artifact with id '-<uuid>'."""
    response = client.post("/api/artifact", content=b"")
    assert 201 == response.status_code
    assert re.fullmatch(r"-[0-9a-f-]{36}", response.json()["id"])
    assert 1 == len(gimlet_server.artifacts())


def test_fresh_id_per_post(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """Posting the same artifact twice stores two artifacts with different ids."""
    first, second = _ship(client), _ship(client)
    assert first != second
    assert [first, second] == [a["id"] for a in gimlet_server.artifacts()]


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        pytest.param({"Authorization": f"Bearer {TOKEN}"}, {}, 200, id="bearer"),
        pytest.param({"Authorization": f"BEARER {TOKEN}"}, {}, 200, id="upper-bearer"),
        pytest.param({"Authorization": f"bearer {TOKEN}"}, {}, 401, id="lower-bearer-fails"),
        pytest.param({}, {"access_token": TOKEN}, 200, id="query"),
        pytest.param({"Authorization": "Bearer wrong"}, {}, 401, id="wrong-token"),
        pytest.param({}, {}, 401, id="none"),
        pytest.param({"Authorization": "Basic dXNlcjpwdw=="}, {"access_token": TOKEN}, 200, id="basic-then-query"),
        pytest.param({"Authorization": "Bearer wrong"}, {"access_token": TOKEN}, 401, id="header-token-wins"),
        pytest.param({"Authorization": TOKEN}, {}, 401, id="bare-token-header"),
    ],
)
def test_auth(gimlet_server: GimletServer, headers: dict[str, str], params: dict[str, str], status: int) -> None:
    """A 'Bearer'/'BEARER' header's token, else access_token, authenticates; else 401 Unauthorized."""
    response = httpx.get(gimlet_server.url + "/api/artifacts", headers=headers, params=params)
    assert status == response.status_code
    if status == 401:
        assert b"Unauthorized\n" == response.content
        assert "nosniff" == response.headers["x-content-type-options"]


def test_unknown_route(client: httpx.Client) -> None:
    """An unknown path answers Go's 404 page not found."""
    response = client.get("/api/nothing")
    assert (404, b"404 page not found\n") == (response.status_code, response.content)


@pytest.mark.parametrize("path", ["/api/eventArtifactTrack", "/api/eventReleaseTrack"])
def test_track_missing_parameter(client: httpx.Client, path: str) -> None:
    """A track request without its parameter answers 400 with Gimlet's 'id' text."""
    response = client.get(path)
    assert (400, b"Bad Request: id parameter is mandatory\n") == (
        response.status_code,
        response.content,
    )


@pytest.mark.parametrize(
    ("path", "param"), [("/api/eventArtifactTrack", "artifactId"), ("/api/eventReleaseTrack", "id")]
)
def test_track_unknown_id_quirk(client: httpx.Client, path: str, param: str) -> None:
    """An unknown id answers 404 'Not Found' followed by the empty status JSON."""
    response = client.get(path, params={param: "acme/shop-nope"})
    expected = b'Not Found\n{"type":"","status":"","statusDesc":"","results":[]}'
    assert (404, expected) == (response.status_code, response.content)
    assert "nosniff" == response.headers["x-content-type-options"]


def test_keep_alive(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """Several requests on one httpx client reuse the connection."""
    for _ in range(3):
        assert 200 == client.get("/api/artifacts").status_code
    assert 3 == gimlet_server.request_count("GET", "/api/artifacts")


# -- processing --------------------------------------------------------------------------------------


def test_artifact_lifecycle() -> None:
    """An artifact goes new, then processed with a commit stepping NotReconciled, Progressing, Succeeded."""
    # Delays long enough that a loaded machine still sees every step between two polls.
    with (
        GimletServer(token=TOKEN, processing_delay=0.3, reconcile_delay=0.8) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as client,
    ):
        artifact_id = _ship(client)
        seen = _poll(
            client,
            "/api/eventArtifactTrack",
            {"artifactId": artifact_id},
            lambda b: any(r.get("gitopsCommitStatus") == "ReconciliationSucceeded" for r in b["results"]),
        )
    assert {"type": "", "status": "new", "statusDesc": "", "results": []} == seen[0]
    statuses = [b["results"][0]["gitopsCommitStatus"] for b in seen if b["results"]]
    assert ["NotReconciled", "Progressing", "ReconciliationSucceeded"] == list(dict.fromkeys(statuses))
    result = seen[-1]["results"][0]
    assert ["app", "hash", "status", "gitopsCommitStatus", "gitopsCommitStatusDesc", "env"] == list(result)
    assert ("shop", "staging", "success") == (result["app"], result["env"], result["status"])
    assert re.fullmatch("[0-9a-f]{40}", result["hash"])


def test_policy_not_firing_gives_no_result(client: httpx.Client) -> None:
    """A manifest whose policy does not fire produces no result at all."""
    artifact_id = _ship(client, _artifact(branch="dev"))
    assert {"type": "", "status": "processed", "statusDesc": "", "results": []} == _artifact_done(client, artifact_id)


def test_unknown_environment(client: httpx.Client) -> None:
    """A firing manifest for an unknown env fails with 'could not load environment'."""
    artifact_id = _ship(client, _artifact(_manifest(env="qa")))
    expected = [
        {
            "app": "shop",
            "status": "failure",
            "env": "qa",
            "statusDesc": "could not load environment: qa",
        }
    ]
    assert expected == _artifact_done(client, artifact_id)["results"]


def test_template_error_fails_result(client: httpx.Client) -> None:
    """A manifest referencing a missing variable fails with Go's template error."""
    manifest = _manifest(values={"image": {"tag": "{{ .MISSING }}"}})
    artifact_id = _ship(client, _artifact(manifest))
    result = _artifact_done(client, artifact_id)["results"][0]
    assert "failure" == result["status"]
    assert 'map has no entry for key "MISSING"' in result["statusDesc"]


def test_preview_app_is_resolved(client: httpx.Client) -> None:
    """A preview manifest deploys feature branches as <app>-<sanitized branch>."""
    artifact_id = _ship(client, _artifact(_manifest(preview=True), branch="feature/New"))
    assert "shop-feature-new" == _artifact_done(client, artifact_id)["results"][0]["app"]


def test_image_build_artifact_result(client: httpx.Client) -> None:
    """An image-build manifest gives a success result with no hash."""
    manifest = _manifest(values={"image": {"strategy": "buildpacks"}})
    artifact_id = _ship(client, _artifact(manifest))
    assert [{"app": "shop", "status": "success", "env": "staging"}] == _artifact_done(client, artifact_id)["results"]


# -- releases and rollbacks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        pytest.param(b"not json", 400, "Bad Request\n", id="not-json"),
        pytest.param(b'{"artifactId":"x"}', 400, "Bad Request: env parameter is mandatory\n", id="no-env"),
        pytest.param(
            b'{"env":"staging"}',
            400,
            "Bad Request: artifact parameter is mandatory\n",
            id="no-artifact",
        ),
        pytest.param(
            b'{"env":"staging","artifactId":"acme/x"}',
            404,
            "Not Found - cannot find artifact with id acme/x\n",
            id="unknown-artifact",
        ),
    ],
)
def test_release_validation(client: httpx.Client, body: bytes, status: int, text: str) -> None:
    """POST /api/releases validates in Gimlet's order with its texts."""
    response = client.post("/api/releases", content=body)
    assert (status, text) == (response.status_code, response.text)


def test_release_checks_templates_of_every_env(client: httpx.Client) -> None:
    """A broken template in another env's manifest makes release make answer 400."""
    broken = _manifest(env="production", values={"x": "{{ .NOPE }}"})
    artifact_id = _ship(client, _artifact(_manifest(), broken))
    response = client.post("/api/releases", json={"env": "staging", "artifactId": artifact_id})
    assert 400 == response.status_code
    assert 'map has no entry for key "NOPE"' in response.text


def test_release_lifecycle_and_noop(client: httpx.Client) -> None:
    """A release deploys the env's manifest; releasing the same artifact again is a no-op failure."""
    artifact_id = _ship(client, _artifact(_manifest(env="production", deploy=None)))
    response = client.post("/api/releases", json={"env": "production", "artifactId": artifact_id, "triggeredBy": ""})
    assert 201 == response.status_code
    answer = response.json()
    assert ["id", "type"] == list(answer)
    assert "release" == answer["type"]
    body = _release_done(client, answer["id"])
    assert ("release", "processed") == (body["type"], body["status"])
    assert [("shop", "production", "success")] == [(r["app"], r["env"], r["status"]) for r in body["results"]]
    again = client.post("/api/releases", json={"env": "production", "artifactId": artifact_id}).json()
    result = _release_done(client, again["id"])["results"][0]
    expected = "No changes made to the gitops state. Maybe this is the current version already?"
    assert ("failure", expected) == (result["status"], result["statusDesc"])


def test_release_matching_nothing(client: httpx.Client) -> None:
    """A release whose env/app filter matches no manifest is processed with empty results."""
    artifact_id = _ship(client)
    event_id = client.post("/api/releases", json={"env": "staging", "app": "other", "artifactId": artifact_id}).json()[
        "id"
    ]
    assert {
        "type": "release",
        "status": "processed",
        "statusDesc": "",
        "results": [],
    } == _release_done(client, event_id)


def test_release_unknown_env(client: httpx.Client) -> None:
    """A release to an env the server does not know ends in error 'no such env'."""
    artifact_id = _ship(client, _artifact(_manifest(env="qa")))
    event_id = client.post("/api/releases", json={"env": "qa", "artifactId": artifact_id}).json()["id"]
    body = _release_done(client, event_id)
    assert ("error", "no such env: qa") == (body["status"], body["statusDesc"])


def test_image_build_release(client: httpx.Client) -> None:
    """An image-build release is tracked as imageBuild (one pending result while it builds), then points to the
    follow-up release."""
    manifest = _manifest(deploy=None, values={"image": {"strategy": "dockerfile"}})
    artifact_id = _ship(client, _artifact(manifest))
    answer = client.post("/api/releases", json={"env": "staging", "app": "shop", "artifactId": artifact_id}).json()
    assert "imageBuild" == answer["type"]
    first = client.get("/api/eventReleaseTrack", params={"id": answer["id"]}).json()
    assert ("imageBuild", "new", [{"status": "pending"}]) == (first["type"], first["status"], first["results"])
    body = _release_done(client, answer["id"])
    assert "success" == body["status"]
    follow_up = body["results"][0]["triggeredDeployRequestID"]
    assert [{"triggeredDeployRequestID": follow_up}] == body["results"]
    release = _release_done(client, follow_up)
    assert ("release", "success") == (release["type"], release["results"][0]["status"])


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        ({"app": "a", "sha": "s"}, "env"),
        ({"env": "staging", "sha": "s"}, "app"),
        ({"env": "staging", "app": "a"}, "sha"),
    ],
)
def test_rollback_parameters(client: httpx.Client, params: dict[str, str], missing: str) -> None:
    """Each missing rollback parameter answers 400 naming it."""
    response = client.post("/api/rollback", params=params)
    assert (400, f"Bad Request: {missing} parameter is mandatory\n") == (
        response.status_code,
        response.text,
    )


def test_rollback(client: httpx.Client) -> None:
    """A rollback answers {id} and gets one result per commit it reverts: after two deploys, rolling back to the
    first reverts one commit; rolling back again changes nothing and has no result."""
    first = _artifact_done(client, _ship(client))["results"][0]["hash"]
    _artifact_done(client, _ship(client))
    response = client.post("/api/rollback", params={"env": "staging", "app": "shop", "sha": first})
    assert 201 == response.status_code
    answer = response.json()
    assert ["id"] == list(answer)
    body = _release_done(client, answer["id"])
    assert "rollback" == body["type"]
    assert [("shop", "staging", "success")] == [(r["app"], r["env"], r["status"]) for r in body["results"]]
    again = client.post("/api/rollback", params={"env": "staging", "app": "shop", "sha": first}).json()
    nothing = _release_done(client, again["id"])
    assert ("processed", []) == (nothing["status"], nothing["results"])


def test_rollback_to_an_unknown_sha_reverts_the_whole_history(client: httpx.Client) -> None:
    """An unknown target is never found, so every commit of the app is reverted, newest first."""
    _artifact_done(client, _ship(client))
    _artifact_done(client, _ship(client))
    answer = client.post("/api/rollback", params={"env": "staging", "app": "shop", "sha": "0" * 40}).json()
    assert 2 == len(_release_done(client, answer["id"])["results"])


# -- listing -----------------------------------------------------------------------------------------


def test_list_artifacts_filters(client: httpx.Client) -> None:
    """GET /api/artifacts filters by repository, branch and repeated sha, newest first."""
    first = _ship(client, _artifact(sha="a" * 40))
    second = _ship(client, _artifact(sha="b" * 40))
    _ship(client, _artifact(sha="c" * 40, branch="dev"))
    listed = client.get("/api/artifacts", params=[("sha", "a" * 40), ("sha", "b" * 40), ("branch", "main")]).json()
    assert [second, first] == [a["id"] for a in listed]
    assert [] == client.get("/api/artifacts", params={"repository": "other/repo"}).json()
    assert 1 == len(client.get("/api/artifacts", params={"limit": "1"}).json())


def test_list_artifacts_default_limit(client: httpx.Client) -> None:
    """Without limit or offset the list holds at most 10 artifacts."""
    for _ in range(12):
        _ship(client)
    assert 10 == len(client.get("/api/artifacts").json())


def test_list_artifacts_bad_limit(client: httpx.Client) -> None:
    """A bad integer answers 400 with Go's parse error."""
    response = client.get("/api/artifacts", params={"limit": "x"})
    assert (400, 'Bad Request - strconv.Atoi: parsing "x": invalid syntax\n') == (
        response.status_code,
        response.text,
    )


# -- fault knobs -------------------------------------------------------------------------------------


def test_fail_first(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """fail_first answers N matching requests with 500, then behaves."""
    gimlet_server.faults.fail_first = 2
    gimlet_server.faults.fail_path = "/api/artifact"
    assert 200 == client.get("/api/artifacts").status_code
    statuses = [client.post("/api/artifact", json=_artifact()).status_code for _ in range(3)]
    assert [500, 500, 201] == statuses
    assert 1 == len(gimlet_server.artifacts())


def test_fail_first_body(gimlet_server: GimletServer, client: httpx.Client) -> None:
    """A failed request carries Go's http.Error 500 text."""
    gimlet_server.faults.fail_first = 1
    response = client.get("/api/artifacts")
    assert (500, b"Internal Server Error\n") == (response.status_code, response.content)


def test_drop_after_store(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """drop_after_store stores the artifact, then closes the connection without answering."""
    gimlet_server.faults.drop_after_store = 1
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/api/artifact", json=_artifact())
    assert 1 == len(gimlet_server.artifacts())
    assert 201 == client.post("/api/artifact", json=_artifact()).status_code


def test_latency(gimlet_server: GimletServer) -> None:
    """latency delays responses beyond a short client timeout."""
    gimlet_server.faults.latency = 0.2
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(gimlet_server.url + "/health", timeout=0.05)


@pytest.mark.parametrize(("code", "text"), [(401, "Unauthorized\n"), (403, "Forbidden\n"), (502, "Bad Gateway\n")])
def test_force_status(client: httpx.Client, gimlet_server: GimletServer, code: int, text: str) -> None:
    """force_status answers every /api request with that status."""
    gimlet_server.faults.force_status = code
    response = client.post("/api/artifact", json=_artifact())
    assert (code, text) == (response.status_code, response.text)
    assert [] == gimlet_server.artifacts()


def test_truncated_body(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """truncated_body cuts the track response short."""
    artifact_id = _ship(client)
    gimlet_server.faults.truncated_body = True
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/api/eventArtifactTrack", params={"artifactId": artifact_id})


def test_non_json_body(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """non_json_body answers track requests with 200 and HTML."""
    artifact_id = _ship(client)
    gimlet_server.faults.non_json_body = True
    response = client.get("/api/eventArtifactTrack", params={"artifactId": artifact_id})
    assert 200 == response.status_code
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_processing_error(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """processing_error makes the event end in error with that description."""
    gimlet_server.faults.processing_error = "cannot load vars authentication required"
    body = _artifact_done(client, _ship(client))
    assert ("error", "cannot load vars authentication required", []) == (
        body["status"],
        body["statusDesc"],
        body["results"],
    )


def test_fail_results(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """fail_results turns deploys into failure results without a hash."""
    gimlet_server.faults.fail_results = True
    result = _artifact_done(client, _ship(client))["results"][0]
    assert ("failure", None) == (result["status"], result.get("hash"))


@pytest.mark.parametrize("status", ["ReconciliationFailed", "ValidationFailed", "HealthCheckFailed"])
def test_gitops_failure(client: httpx.Client, gimlet_server: GimletServer, status: str) -> None:
    """gitops_failure ends each commit in that Flux status."""
    gimlet_server.faults.gitops_failure = status
    artifact_id = _ship(client)
    _poll(
        client,
        "/api/eventArtifactTrack",
        {"artifactId": artifact_id},
        lambda b: bool(b["results"]) and b["results"][0].get("gitopsCommitStatus") == status,
    )


def test_health_check_recovers(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """health_check_recovers shows HealthCheckFailed before ReconciliationSucceeded."""
    gimlet_server.faults.health_check_recovers = True
    artifact_id = _ship(client)
    seen = _poll(
        client,
        "/api/eventArtifactTrack",
        {"artifactId": artifact_id},
        lambda b: bool(b["results"]) and b["results"][0].get("gitopsCommitStatus") == "ReconciliationSucceeded",
    )
    statuses = list(dict.fromkeys(b["results"][0]["gitopsCommitStatus"] for b in seen if b["results"]))
    assert ["HealthCheckFailed", "ReconciliationSucceeded"] == statuses[-2:]


def test_image_build_error(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """image_build_error ends image builds in error; the pending result stays, as on Gimlet."""
    gimlet_server.faults.image_build_error = True
    manifest = _manifest(deploy=None, values={"image": {"strategy": "buildpacks"}})
    artifact_id = _ship(client, _artifact(manifest))
    request = {"env": "staging", "app": "shop", "artifactId": artifact_id}
    event_id = client.post("/api/releases", json=request).json()["id"]
    body = _release_done(client, event_id)
    assert ("imageBuild", "error", "image build failed", [{"status": "pending"}]) == (
        body["type"],
        body["status"],
        body["statusDesc"],
        body["results"],
    )


def test_release_without_app_never_builds(client: httpx.Client) -> None:
    """Gimlet compares the request's app with the manifest's exactly: a release without app is a plain release that
    deploys the manifest as it is."""
    manifest = _manifest(deploy=None, values={"image": {"strategy": "dockerfile"}})
    artifact_id = _ship(client, _artifact(manifest))
    answer = client.post("/api/releases", json={"env": "staging", "artifactId": artifact_id}).json()
    assert "release" == answer["type"]
    body = _release_done(client, answer["id"])
    assert [("shop", "staging", "success")] == [(r["app"], r["env"], r["status"]) for r in body["results"]]


def test_no_track_endpoints(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """no_track_endpoints makes both track routes 404 like a pre-v0.18 server."""
    artifact_id = _ship(client)
    gimlet_server.faults.no_track_endpoints = True
    response = client.get("/api/eventArtifactTrack", params={"artifactId": artifact_id})
    assert (404, b"404 page not found\n") == (response.status_code, response.content)
    assert 404 == client.get("/api/eventReleaseTrack", params={"id": "x"}).status_code


def test_release_without_type(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """release_without_type answers release make with {id} only."""
    gimlet_server.faults.release_without_type = True
    artifact_id = _ship(client)
    assert ["id"] == list(client.post("/api/releases", json={"env": "staging", "artifactId": artifact_id}).json())


def test_faults_at_construction_and_reset() -> None:
    """Faults can be set when constructing; reset() clears them with the stored state."""
    with GimletServer(force_status=403) as server:
        assert 403 == httpx.get(server.url + "/api/artifacts").status_code
        server.reset()
        assert 401 == httpx.get(server.url + "/api/artifacts").status_code
        assert 1 == server.request_count()


def test_unknown_fault_knob() -> None:
    """A misspelt fault knob is refused, naming it."""
    with pytest.raises(TypeError, match="fial_first"):
        GimletServer(fial_first=1)


def test_request_count(client: httpx.Client, gimlet_server: GimletServer) -> None:
    """request_count counts per method and path, without the query string."""
    artifact_id = _ship(client)
    for _ in range(2):
        client.get("/api/eventArtifactTrack", params={"artifactId": artifact_id})
    assert 2 == gimlet_server.request_count("GET", "/api/eventArtifactTrack")
    assert 1 == gimlet_server.request_count("POST")
    assert 3 == gimlet_server.request_count()


# -- binding and CLI ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.1", "example.org"])  # noqa: S104
def test_refuses_non_loopback(host: str) -> None:
    """The server never binds a non-loopback address."""
    with pytest.raises(ConfigError, match="loopback"):
        GimletServer(host=host)


def test_cli_refuses_non_loopback() -> None:
    """dev-server --host 0.0.0.0 fails before serving."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--host", "0.0.0.0", "--port", "0"])  # noqa: S104
    with pytest.raises(ConfigError):
        run(args, out=io.StringIO())


def test_every_fault_knob_is_an_option_with_its_docstring_as_help() -> None:
    """Each field of Faults is a dev-server option named after it, defaulting to the field's default, its help the
    field's docstring; parsing no option gives a server with the default knobs."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = {action.dest: action for action in parser._actions}
    docs = knob_docs()

    for field in attrs.fields(Faults):
        option = options[field.name]
        assert ["--" + field.name.replace("_", "-")] == option.option_strings
        assert field.default == option.default
        assert docs[field.name].replace("``", "") == option.help
    assert Faults() == Faults(**{f.name: getattr(parser.parse_args([]), f.name) for f in attrs.fields(Faults)})


def test_the_server_takes_every_fault_knob_as_a_keyword_argument() -> None:
    """GimletServer's signature names every fault knob, keyword-only, with the field's default."""
    parameters = inspect.signature(GimletServer).parameters
    for field in attrs.fields(Faults):
        assert (inspect.Parameter.KEYWORD_ONLY, field.default) == (
            parameters[field.name].kind,
            parameters[field.name].default,
        )
    server = GimletServer(ws_delay=0.5, gitops_failure="ValidationFailed")
    assert (0.5, "ValidationFailed") == (server.faults.ws_delay, server.faults.gitops_failure)


def test_cli_options() -> None:
    """The dev-server options parse delays (seconds or Go durations) and fault knobs."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            "--processing-delay",
            "500ms",
            "--reconcile-delay",
            "1.5",
            "--gitops-failure",
            "HealthCheckFailed",
            "--fail-first",
            "2",
        ]
    )
    expected = (0.5, 1.5, "HealthCheckFailed", 2, 9000, "127.0.0.1")
    assert expected == (
        args.processing_delay,
        args.reconcile_delay,
        args.gitops_failure,
        args.fail_first,
        args.port,
        args.host,
    )


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "http", "\uff18\uff10"])
def test_cli_port_out_of_range(port: str) -> None:
    """A --port outside 0-65535 is a usage error naming --port."""
    with pytest.raises(ConfigError, match=r"^--port '.*' is not a port number$"):
        _parse("--port", port)


def test_cli_port_out_of_range_exit_code() -> None:
    """`gimlet-ci dev-server --port 70000` exits 2 with one ERROR line naming --port, not an internal error."""
    from gimlet_ci.cli import main  # noqa: PLC0415

    out, err = io.StringIO(), io.StringIO()
    code = main(["dev-server", "--port", "70000"], {}, stdout=out, stderr=err)
    assert 2 == code
    assert "--port '70000' is not a port number" in err.getvalue()
    assert "internal error" not in err.getvalue()


def test_run_port_overflow_is_config_error() -> None:
    """run() turns the socket module's OverflowError for a too-large port into a ConfigError naming --port."""
    args = _parse("--port", "0")
    args.port = 70000
    with pytest.raises(ConfigError, match="--port 70000"):
        run(args, out=io.StringIO())


@pytest.mark.parametrize("option", ["--processing-delay", "--reconcile-delay", "--latency"])
@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-inf", "Infinity", "1e400", "-1", "-1s", "1x", ""])
def test_cli_bad_delay_names_option(option: str, value: str) -> None:
    """A delay that is not a finite number of seconds >= 0 is a usage error naming the option."""
    with pytest.raises(ConfigError, match=f"^{option} '.*' is not a delay$"):
        _parse(f"{option}={value}")


@pytest.mark.parametrize("option", ["--processing-delay", "--reconcile-delay", "--latency"])
@pytest.mark.parametrize("value", ["0", "0.0", "0s", "0ms", "0h0m", ".0s"])
def test_cli_zero_delay(option: str, value: str) -> None:
    """Zero delays are accepted, in seconds or as a Go duration."""
    args = _parse(option, value)
    assert 0.0 == getattr(args, option.removeprefix("--").replace("-", "_"))


@pytest.mark.parametrize("knob", ["processing_delay", "reconcile_delay", "latency"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_server_rejects_bad_delays(knob: str, value: float) -> None:
    """The server refuses delays that are not finite and >= 0 (events would never be processed)."""
    options: dict[str, Any] = {knob: value}
    with pytest.raises(ValueError, match=knob):
        GimletServer(**options)


def _raw_request(server: GimletServer, head: str, body: bytes = b"") -> bytes:
    """Send one hand-written HTTP/1.1 request and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "lengths",
    [["abc"], ["-1"], ["+5"], ["5 5"], ["0x5"], ["5", "6"]],
    ids=["letters", "negative", "plus", "two-numbers", "hex", "conflicting"],
)
def test_malformed_content_length_is_400(
    gimlet_server: GimletServer, capfd: pytest.CaptureFixture[str], lengths: list[str]
) -> None:
    """A malformed Content-Length gets Go's 400 and a closed connection, no traceback, nothing stored."""
    headers = "".join(f"Content-Length: {length}\n" for length in lengths)
    head = f"POST /api/artifact HTTP/1.1\nHost: x\nAuthorization: Bearer {TOKEN}\n{headers}\n"
    answer = _raw_request(gimlet_server, head, b"{}{}{}")
    status, _, rest = answer.partition(b"\r\n")
    response_head, _, body = rest.partition(b"\r\n\r\n")
    assert b"HTTP/1.1 400 Bad Request" == status
    assert b"connection: close" in response_head.lower()
    assert b"400 Bad Request" == body
    assert [] == gimlet_server.artifacts()
    assert 200 == httpx.get(gimlet_server.url + "/health").status_code
    assert "Traceback" not in capfd.readouterr().err


def test_malformed_chunked_body_is_cut_short(gimlet_server: GimletServer, capfd: pytest.CaptureFixture[str]) -> None:
    """A chunked body with a bad chunk size reaches Gimlet cut short: an empty artifact is stored, 201."""
    head = f"POST /api/artifact HTTP/1.1\nHost: x\nAuthorization: Bearer {TOKEN}\nTransfer-Encoding: chunked\n\n"
    answer = _raw_request(gimlet_server, head, b"zz\r\n{}\r\n")
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n")
    assert b"\r\nconnection: close\r\n" in answer.lower()
    assert re.fullmatch(r"-[0-9a-f-]{36}", gimlet_server.artifacts()[0]["id"])
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_artifact_with_nan_is_stored_empty(client: httpx.Client, gimlet_server: GimletServer, constant: str) -> None:
    """NaN/Infinity are invalid JSON for Go: the decode fails and Gimlet stores an empty artifact (201)."""
    body = f'{{"version":{{"repositoryName":"acme/shop","sha":"{SHA}"}},"vars":{{"x":{constant}}}}}'
    response = client.post("/api/artifact", content=body.encode())
    assert 201 == response.status_code
    stored = gimlet_server.artifacts()
    assert [{"id": response.json()["id"], "created": stored[0]["created"], "version": {}}] == stored
    assert response.json()["id"].startswith("-")


def test_release_with_nan_is_bad_request(client: httpx.Client) -> None:
    """A release request carrying NaN does not decode in Go: 400 Bad Request, no event."""
    artifact_id = _ship(client)
    body = f'{{"env":"staging","artifactId":"{artifact_id}","extra":NaN}}'
    response = client.post("/api/releases", content=body.encode())
    assert (400, b"Bad Request\n") == (response.status_code, response.content)


def test_artifact_with_bad_unicode_is_stored_with_replacement_characters(
    client: httpx.Client, gimlet_server: GimletServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """Lone surrogates and invalid UTF-8 become U+FFFD, as Go decodes them; the artifact is stored and echoed."""
    body = b'{"version":{"repositoryName":"\\ud800shop","message":"caf\xe9"}}'
    response = client.post("/api/artifact", content=body)
    assert 201 == response.status_code
    assert {"repositoryName": "\ufffdshop", "message": "caf\ufffd"} == response.json()["version"]
    assert response.json()["id"].startswith("\ufffdshop-")
    assert "Traceback" not in capfd.readouterr().err
