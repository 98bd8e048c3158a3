"""GimletClient's read calls and ``post_artifact(body=)`` over httpx.MockTransport: what goes on the wire."""

from __future__ import annotations

import httpx
import pytest

from gimlet_ci._client import IDEMPOTENCY_KEY
from gimlet_ci._models import Release, Version
from gimlet_ci.exceptions import BadResponse
from tests.test_client import ARTIFACT, ARTIFACT_ID, STORED, client, text_plain


def test_post_artifact_sends_the_given_body_byte_for_byte() -> None:
    """`push` posts the file as it is (key order, spacing and keys Gimlet drops included), with only the run's
    idempotency key appended as one more `"context"` member (which Go merges into the file's own context)."""
    body = b'{"comment": "kept", "version": {"sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "repositoryName": "acme/shop"}}'
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return text_plain(201, STORED)

    assert ARTIFACT_ID == client(handler).post_artifact(ARTIFACT, body=body, key="k-1").id
    assert [body[:-1] + b',"context":{"' + IDEMPOTENCY_KEY.encode() + b'": "k-1"}}'] == seen


def test_list_artifacts_sends_each_filter_by_gimlets_name() -> None:
    """Every keyword filter goes out under Gimlet's query parameter name."""
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return text_plain(200, [STORED])

    found = client(handler).list_artifacts(
        repository="acme/shop",
        branch="main",
        event="tag",
        source_branch="feature",
        sha="a" * 40,
        since="2026-01-01T00:00:00Z",
        until="2026-02-01T00:00:00Z",
        limit=5,
        offset=5,
    )

    assert [ARTIFACT_ID] == [a.id for a in found]
    assert {
        "repository": "acme/shop",
        "sha": "a" * 40,
        "limit": "5",
        "offset": "5",
        "branch": "main",
        "event": "tag",
        "sourceBranch": "feature",
        "since": "2026-01-01T00:00:00Z",
        "until": "2026-02-01T00:00:00Z",
    } == dict(seen[0].params)


def test_list_releases_and_status_read_gimlets_release_objects() -> None:
    """Releases and status are read into `Release` objects; the parameters are Gimlet's names."""
    release = {
        "app": "shop",
        "env": "staging",
        "artifactId": "acme/shop-1",
        "triggeredBy": "policy",
        "version": {"repositoryName": "acme/shop", "sha": "a" * 40},
        "gitopsRef": "f" * 40,
        "gitopsRepo": "gitops-apps",
        "gitopsCommitStatus": "ReconciliationSucceeded",
        "gitopsCommitStatusDesc": "",
        "created": 1_700_000_000,
        "rolledBack": True,
    }
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path == "/api/status":
            return text_plain(200, {"shop": release, "web": None})
        return text_plain(200, [release])

    gimlet = client(handler)
    [listed] = gimlet.list_releases(
        "staging", app="shop", limit=-1, since="2026-01-01T00:00:00Z", git_repo="acme/shop", reverse=True
    )
    status = gimlet.release_status("staging", app="shop")

    expected = Release(
        app="shop",
        env="staging",
        artifact_id="acme/shop-1",
        triggered_by="policy",
        version=Version(repository_name="acme/shop", sha="a" * 40),
        gitops_ref="f" * 40,
        gitops_repo="gitops-apps",
        gitops_commit_status="ReconciliationSucceeded",
        created=1_700_000_000,
        rolled_back=True,
    )
    assert expected == listed
    assert {"shop": expected, "web": None} == status
    assert {
        "env": "staging",
        "app": "shop",
        "since": "2026-01-01T00:00:00Z",
        "git-repo": "acme/shop",
        "limit": "-1",
        "reverse": "true",
    } == dict(seen[0].params)
    assert {"env": "staging", "app": "shop"} == dict(seen[1].params)


def test_a_release_list_that_is_not_an_array_is_a_bad_response() -> None:
    """An answer of another shape is a BadResponse."""
    with pytest.raises(BadResponse, match="release list is not a JSON array"):
        client(lambda _: text_plain(200, {"a": 1})).list_releases("staging")


def test_track_answer_is_the_bytes_gimlet_wrote() -> None:
    """`track_answer` returns the body's bytes, Go's escapes included."""
    body = '{"type":"release","status":"processed","statusDesc":"","results":[{"app":"shop","hash":"\\u0026"}]}'
    answer = client(lambda _: text_plain(200, body)).track_answer(release_id="r-1")
    assert body.encode() == answer
