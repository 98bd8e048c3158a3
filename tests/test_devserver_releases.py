"""The dev server's ``GET /api/releases`` and ``GET /api/status``, held to Gimlet's ``getReleases`` and
``getStatus`` (``pkg/dashboard/server/releases.go``) and its git helpers (``pkg/dashboard/gitops/helper.go``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gimlet_ci.testing import GimletServer
from gimlet_ci.testing import gimlet_server as _gimlet_server  # noqa: F401 - the public fixture
from tests.test_devserver import TOKEN, _artifact, _artifact_done, _manifest, _release_done, _ship


@pytest.fixture(name="client")
def _client(gimlet_server: GimletServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gimlet_server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as client:
        yield client


def _deployed(client: httpx.Client, sha: str, *apps: str) -> str:
    """Ship an artifact whose policies deploy *apps* to staging; wait until they reconciled."""
    artifact_id = _ship(client, _artifact(*[_manifest(app=app) for app in apps], sha=sha))
    _artifact_done(client, artifact_id)
    return artifact_id


def _releases(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/releases", params=params)
    assert 200 == response.status_code, response.text
    body: list[dict[str, Any]] = response.json()
    return body


@pytest.mark.parametrize(
    ("params", "answer"),
    [
        pytest.param({}, "Bad Request: env parameter is mandatory\n", id="no-env"),
        pytest.param({"env": "qa"}, "Bad Request\n", id="unknown-env"),
        pytest.param({"env": ""}, "Bad Request\n", id="empty-env"),
        pytest.param({"limit": "x"}, 'Bad Request - strconv.Atoi: parsing "x": invalid syntax\n', id="limit-first"),
        pytest.param(
            {"env": "staging", "reverse": "yes"},
            'Bad Request - strconv.ParseBool: parsing "yes": invalid syntax\n',
            id="reverse",
        ),
        pytest.param(
            {"env": "staging", "until": "2024-01-02"},
            'Bad Request - parsing time "2024-01-02" as "2006-01-02T15:04:05Z07:00": cannot parse "2024-01-02" as '
            '"2006"\n',
            id="until-checked",
        ),
    ],
)
def test_releases_bad_parameters_are_gimlets_400s(client: httpx.Client, params: dict[str, str], answer: str) -> None:
    """Gimlet checks limit, reverse, since and until before env; an unknown env is a bare 400."""
    response = client.get("/api/releases", params=params)
    assert (400, answer) == (response.status_code, response.text)


def test_releases_newest_first_with_the_release_json_fields(client: httpx.Client) -> None:
    """One release per gitops commit, newest first, each with Gimlet's keys in its struct's order."""
    first = _deployed(client, "a" * 40, "shop")
    second = _deployed(client, "b" * 40, "shop", "web")

    releases = _releases(client, env="staging")

    assert [(second, "web"), (second, "shop"), (first, "shop")] == [(r["artifactId"], r["app"]) for r in releases]
    assert [
        "app",
        "env",
        "artifactId",
        "triggeredBy",
        "version",
        "gitopsRef",
        "gitopsRepo",
        "gitopsCommitStatus",
        "gitopsCommitStatusDesc",
        "gitopsCommitCreated",
        "created",
    ] == list(releases[0])
    assert ("policy", "b" * 40, "ReconciliationSucceeded") == (
        releases[0]["triggeredBy"],
        releases[0]["version"]["sha"],
        releases[0]["gitopsCommitStatus"],
    )
    assert [] == _releases(client, env="production")


def test_releases_limit_app_repo_reverse_and_since(client: httpx.Client) -> None:
    """Gimlet's defaults and quirks: 10 by default, -1 for all, 0 or another negative for none; reverse sorts the
    limited page oldest first; since filters by commit time; until is read but never applied."""
    ids = [_deployed(client, f"{i:x}" * 40, "shop") for i in range(12)]

    assert 10 == len(_releases(client, env="staging"))
    assert 12 == len(_releases(client, env="staging", limit="-1"))
    assert [] == _releases(client, env="staging", limit="0")
    assert [] == _releases(client, env="staging", limit="-2")
    page = _releases(client, env="staging", limit="2", reverse="1")
    assert {ids[-2], ids[-1]} == {r["artifactId"] for r in page}  # the newest two, then sorted (stable within a second)
    assert page[0]["created"] <= page[1]["created"]
    assert [] == _releases(client, env="staging", app="web")
    assert [] == _releases(client, env="staging", **{"git-repo": "acme/other"})
    assert 3 == len(_releases(client, env="staging", limit="3", **{"git-repo": "acme/shop"}))
    assert [] == _releases(client, env="staging", since="2999-01-01T00:00:00Z")
    assert 10 == len(_releases(client, env="staging", until="2000-01-01T00:00:00Z"))


def test_a_rollback_marks_the_reverted_releases(client: httpx.Client) -> None:
    """Rollback commits are not listed; the commits they revert are `rolledBack`; status reads the files again."""
    first = _deployed(client, "a" * 40, "shop")
    _deployed(client, "b" * 40, "shop")
    target = _releases(client, env="staging")[1]["gitopsRef"]

    answer = client.post("/api/rollback", params={"env": "staging", "app": "shop", "sha": target}).json()
    _release_done(client, answer["id"])

    assert [True, None] == [r.get("rolledBack") for r in _releases(client, env="staging")]
    assert first == client.get("/api/status", params={"env": "staging"}).json()["shop"]["artifactId"]


def test_status_reads_each_apps_release_json(client: httpx.Client) -> None:
    """A Go map by app: the release.json as written (no ref, no time, no status), the repository set."""
    artifact_id = _deployed(client, "a" * 40, "web", "shop")

    status = client.get("/api/status", params={"env": "staging"})

    assert 200 == status.status_code
    body = status.json()
    assert ["shop", "web"] == list(body)
    assert {
        "app": "shop",
        "env": "staging",
        "artifactId": artifact_id,
        "triggeredBy": "policy",
        "gitopsRef": "",
        "gitopsRepo": "dev-server/gitops-staging-apps",
        "gitopsCommitStatus": "",
        "gitopsCommitStatusDesc": "",
    } == {key: value for key, value in body["shop"].items() if key != "version"}
    assert ["shop"] == list(client.get("/api/status", params={"env": "staging", "app": "shop"}).json())
    assert {} == client.get("/api/status", params={"env": "production"}).json()


@pytest.mark.parametrize(
    ("params", "status", "answer"),
    [
        pytest.param({}, 400, "Bad Request: env parameter is mandatory\n", id="no-env"),
        pytest.param({"env": "qa"}, 500, "Internal Server Error\n", id="unknown-env"),
        pytest.param({"env": "staging", "app": "web"}, 500, "Internal Server Error\n", id="app-without-release"),
    ],
)
def test_status_errors_are_gimlets(client: httpx.Client, params: dict[str, str], status: int, answer: str) -> None:
    """A missing env is a 400; an unknown env or an app without a release is Gimlet's bare 500."""
    response = client.get("/api/status", params=params)
    assert (status, answer) == (response.status_code, response.text)


def test_releases_route_answers_get_and_post_only(client: httpx.Client) -> None:
    """`/api/releases` answers GET and POST, anything else 405 with no body; `/api/status` GET only."""
    assert (405, b"") == (client.put("/api/releases").status_code, client.put("/api/releases").content)
    assert 405 == client.post("/api/status").status_code
