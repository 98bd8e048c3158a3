"""GimletClient over httpx.MockTransport: what goes on the wire, and how each failure is classified."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from gimlet_ci._client import GimletClient, build_client
from gimlet_ci._converter import artifact_body, to_wire
from gimlet_ci._models import Artifact, ReleaseRequest, Version
from gimlet_ci._retry import Deadline, RetryPolicy
from gimlet_ci.exceptions import GimletAPIError, ServerUnreachable, Unauthorized

ARTIFACT = Artifact(version=Version(repository_name="acme/shop", sha="a" * 40, message="ünïcode & <tags>"))
STORED = {**to_wire(ARTIFACT), "id": "acme/shop-1", "created": 2_000_000_000}


def client(handler: Callable[[httpx.Request], httpx.Response]) -> GimletClient:
    return build_client(
        server="https://gimlet.example.com",
        token="tok",
        deadline=Deadline(60.0),
        user_agent="gimlet-ci/test",
        retry=RetryPolicy(base=0.0, factor=1.0, cap=0.0, attempts=3),
        transport=httpx.MockTransport(handler),
    )


def text_plain(status: int, body: object | str) -> httpx.Response:
    content = body if isinstance(body, str) else json.dumps(body)
    return httpx.Response(status, content=content.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})


def test_post_sends_the_dry_run_bytes_with_bearer_auth_and_reads_text_plain_json() -> None:
    """The POST body is byte for byte what --dry-run prints; Gimlet's text/plain JSON answer is read."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return text_plain(201, STORED)

    stored = client(handler).post_artifact(ARTIFACT)

    [request] = seen
    assert ("POST", "/api/artifact", artifact_body(ARTIFACT)) == (request.method, request.url.path, request.content)
    assert ("Bearer tok", "application/json", "gimlet-ci/test") == (
        request.headers["Authorization"],
        request.headers["Content-Type"],
        request.headers["User-Agent"],
    )
    assert "acme/shop-1" == stored.id


def test_release_body_and_answer_without_type() -> None:
    """The release request carries env, app and artifactId; an old server's {"id"} answer reads as a release."""
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return text_plain(201, {"id": "rel-1"})

    ticket = client(handler).make_release(ReleaseRequest(env="staging", app="shop", artifact_id="acme/shop-1"))

    assert [{"env": "staging", "app": "shop", "artifactId": "acme/shop-1", "triggeredBy": ""}] == seen
    assert ("rel-1", "release") == (ticket.id, ticket.type)


def test_track_404_with_appended_json_says_the_id_is_unknown() -> None:
    """Gimlet's `Not Found` + JSON body is a 404 that names the id; the body is never parsed."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert {"artifactId": "acme/shop-x"} == dict(request.url.params)
        return text_plain(404, 'Not Found\n{"type":"","status":"","statusDesc":"","results":[]}')

    with pytest.raises(GimletAPIError, match="does not know 'acme/shop-x'") as e:
        client(handler).track_artifact("acme/shop-x")

    assert 404 == e.value.status


def test_unknown_outcome_adopts_the_stored_artifact_instead_of_posting_again() -> None:
    """A POST whose answer never came is looked up by repository and sha; the stored one is adopted."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            msg = "read timed out"
            raise httpx.ReadTimeout(msg, request=request)
        assert {"repository": "acme/shop", "sha": "a" * 40, "limit": "10"} == dict(request.url.params)
        return text_plain(200, [STORED])

    stored = client(handler).post_artifact(ARTIFACT)

    assert ["POST /api/artifact", "GET /api/artifacts"] == calls
    assert "acme/shop-1" == stored.id


def test_unknown_outcome_with_nothing_stored_posts_again() -> None:
    """When the look-up finds nothing, the POST is sent again, once."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST" and calls.count("POST") == 1:
            msg = "server closed the connection"
            raise httpx.RemoteProtocolError(msg, request=request)
        return text_plain(201, STORED) if request.method == "POST" else text_plain(200, [])

    assert "acme/shop-1" == client(handler).post_artifact(ARTIFACT).id
    assert ["POST", "GET", "POST"] == calls


def test_failed_look_up_never_reposts_and_says_what_to_check() -> None:
    """If the look-up fails too, nothing is re-posted and the tip says to check Gimlet first."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST":
            msg = "read timed out"
            raise httpx.ReadTimeout(msg, request=request)
        return text_plain(404, "404 page not found\n")

    with pytest.raises(ServerUnreachable) as e:
        client(handler).post_artifact(ARTIFACT)

    assert 1 == calls.count("POST")
    assert e.value.tip is not None
    assert "looking it up failed too" in e.value.tip


def test_401_is_unauthorized_and_never_retried() -> None:
    """A rejected token is Unauthorized (exit 4) after one request."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return text_plain(401, "Unauthorized\n")

    with pytest.raises(Unauthorized, match="authentication failed: Gimlet answered 401"):
        client(handler).track_release("r")

    assert 1 == len(calls)


def test_reads_retry_5xx_then_succeed() -> None:
    """Tracking is a read: a 502 then a 200 is a success after one retry."""
    answers = iter(
        [
            text_plain(502, "Bad Gateway\n"),
            text_plain(200, {"type": "", "status": "new", "statusDesc": "", "results": []}),
        ]
    )

    assert "new" == client(lambda _: next(answers)).track_artifact("x").status


def test_repr_never_shows_the_token() -> None:
    """The client's repr leaves the HTTP client (and its Authorization header) out."""
    assert "tok" not in repr(client(lambda _: text_plain(200, {})))


def test_another_jobs_artifact_for_the_same_commit_is_not_adopted() -> None:
    """After an unknown outcome, an artifact of the same sha with other vars (another job) is not taken for ours."""
    calls: list[str] = []
    other = {**STORED, "id": "acme/shop-other", "vars": {"JOB": "another-job"}}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST" and calls.count("POST") == 1:
            msg = "read timed out"
            raise httpx.ReadTimeout(msg, request=request)
        return text_plain(201, STORED) if request.method == "POST" else text_plain(200, [other])

    assert "acme/shop-1" == client(handler).post_artifact(ARTIFACT).id
    assert ["POST", "GET", "POST"] == calls


def test_redirect_names_where_it_points_and_what_to_do() -> None:
    """A 301 (an http URL for an https Gimlet) is an error naming the Location, with a tip, never followed."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://gimlet.example.com/api/artifact"})

    with pytest.raises(GimletAPIError, match=r"redirecting to https://gimlet\.example\.com/api/artifact") as e:
        client(handler).post_artifact(ARTIFACT)

    assert e.value.tip is not None
    assert "GIMLET_SERVER" in e.value.tip
