"""GimletClient over httpx.MockTransport: what goes on the wire, and how each failure is classified."""

from __future__ import annotations

import json
from collections.abc import Callable

import attrs
import httpx
import pytest
from structlog.testing import capture_logs

from gimlet_ci._client import IDEMPOTENCY_KEY, LOOKUP_PAGE, GimletClient, build_client, connect
from gimlet_ci._converter import artifact_body, to_wire
from gimlet_ci._models import Artifact, ReleaseRequest, Version
from gimlet_ci._retry import Deadline, RetryPolicy, Timing
from gimlet_ci._settings import Settings
from gimlet_ci._version import __version__
from gimlet_ci.exceptions import ConfigError, GimletAPIError, MissingSettingsError, ServerUnreachable, Unauthorized

ARTIFACT = Artifact(version=Version(repository_name="acme/shop", sha="a" * 40, message="ünïcode & <tags>"))
ARTIFACT_ID = "acme/shop-0b7f4ec4-3a5e-4d0f-9c55-61c2f6a1d7e2"
RELEASE_ID = "6f1d8a52-9b7e-4c3a-8e2d-0c4b5a6d7e8f"
STORED = {**to_wire(ARTIFACT), "id": ARTIFACT_ID, "created": 2_000_000_000}


def stored_as_sent(request: httpx.Request, artifact_id: str = ARTIFACT_ID) -> dict[str, object]:
    """What Gimlet stores for a POST: the body as sent (its context, idempotency key included), an id, a time."""
    return {**json.loads(request.content), "id": artifact_id, "created": 2_000_000_000}


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
    key = json.loads(request.content)["context"][IDEMPOTENCY_KEY]
    keyed = attrs.evolve(ARTIFACT, context={IDEMPOTENCY_KEY: key})
    assert ("POST", "/api/artifact", artifact_body(keyed)) == (request.method, request.url.path, request.content)
    assert ("Bearer tok", "application/json", "gimlet-ci/test") == (
        request.headers["Authorization"],
        request.headers["Content-Type"],
        request.headers["User-Agent"],
    )
    assert ARTIFACT_ID == stored.id


def test_each_post_carries_its_own_key_and_retries_keep_it() -> None:
    """Every ship gets a fresh uuid key in `context`; a re-sent POST of the same ship carries the same key."""
    keys: list[str] = []
    answers = iter([text_plain(503, "busy\n"), None, None])

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(json.loads(request.content)["context"][IDEMPOTENCY_KEY])
        return next(answers) or text_plain(201, stored_as_sent(request))

    own = client(handler)
    own.post_artifact(ARTIFACT)
    own.post_artifact(ARTIFACT)

    assert 3 == len(keys)
    assert keys[0] == keys[1] != keys[2]
    assert all(36 == len(key) for key in keys)


def test_release_body_and_answer_without_type() -> None:
    """The release request carries env, app and artifactId; an old server's {"id"} answer reads as a release."""
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return text_plain(201, {"id": RELEASE_ID})

    ticket = client(handler).make_release(ReleaseRequest(env="staging", app="shop", artifact_id=ARTIFACT_ID))

    assert [{"env": "staging", "app": "shop", "artifactId": ARTIFACT_ID, "triggeredBy": ""}] == seen
    assert (RELEASE_ID, "release") == (ticket.id, ticket.type)


def test_track_404_with_appended_json_says_the_id_is_unknown() -> None:
    """Gimlet's `Not Found` + JSON body is a 404 that names the id; the body is never parsed."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert {"artifactId": "acme/shop-x"} == dict(request.url.params)
        return text_plain(404, 'Not Found\n{"type":"","status":"","statusDesc":"","results":[]}')

    with pytest.raises(GimletAPIError, match="does not know 'acme/shop-x'") as e:
        client(handler).track_artifact("acme/shop-x")

    assert 404 == e.value.status


def test_unknown_outcome_adopts_the_stored_artifact_instead_of_posting_again() -> None:
    """A POST whose answer never came is looked up by repository, sha and its key; the stored one is adopted."""
    calls: list[str] = []
    posted: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            posted.append(request)
            msg = "read timed out"
            raise httpx.ReadTimeout(msg, request=request)
        assert {"repository": "acme/shop", "sha": "a" * 40, "limit": str(LOOKUP_PAGE)} == dict(request.url.params)
        return text_plain(200, [stored_as_sent(posted[0])])

    stored = client(handler).post_artifact(ARTIFACT)

    assert ["POST /api/artifact", "GET /api/artifacts"] == calls
    assert ARTIFACT_ID == stored.id


def test_unknown_outcome_with_nothing_stored_posts_again() -> None:
    """When the look-up finds nothing, the POST is sent again, once."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST" and calls.count("POST") == 1:
            msg = "server closed the connection"
            raise httpx.RemoteProtocolError(msg, request=request)
        return text_plain(201, stored_as_sent(request)) if request.method == "POST" else text_plain(200, [])

    assert ARTIFACT_ID == client(handler).post_artifact(ARTIFACT).id
    assert ["POST", "GET", "POST"] == calls


def test_failed_look_up_never_reposts_and_says_what_to_check() -> None:
    """If the look-up fails too, nothing is re-posted and the tip names the key to look for."""
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
    assert "looking the artifact up failed too" in e.value.tip
    assert f"look for {IDEMPOTENCY_KEY}=" in e.value.tip


def test_look_up_pages_through_a_busy_commit_until_it_finds_the_key() -> None:
    """With many other artifacts of the commit stored since, the look-up reads page after page (limit and offset)
    and adopts only the one with this ship's key, whatever their times."""
    offsets: list[str] = []
    posted: list[httpx.Request] = []
    others = [{**STORED, "id": f"acme/shop-00000000-0000-4000-8000-{n:012d}", "created": 1} for n in range(45)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posted.append(request)
            return text_plain(502, "Bad Gateway\n")
        offset = int(request.url.params.get("offset", "0"))
        offsets.append(str(offset))
        listing = [*others, stored_as_sent(posted[0])]
        return text_plain(200, listing[offset : offset + int(request.url.params["limit"])])

    assert ARTIFACT_ID == client(handler).post_artifact(ARTIFACT).id
    assert ["0", "20", "40"] == offsets
    assert 1 == len(posted)


def test_an_adopted_or_posted_id_must_be_gimlets() -> None:
    """An artifact id that is not `<repository>-<uuid>` (here with a newline and a workflow command) is exit 4."""

    def handler(request: httpx.Request) -> httpx.Response:
        return text_plain(201, stored_as_sent(request, "acme/shop-1\n::set-output name=x::y"))

    with pytest.raises(GimletAPIError, match="an artifact id that Gimlet does not make") as e:
        client(handler).post_artifact(ARTIFACT)

    assert 4 == e.value.exit_code
    assert "\n" not in e.value.message


@pytest.mark.parametrize("ticket", ["rel-1", "6F1D8A52-9B7E-4C3A-8E2D-0C4B5A6D7E8F", ""])
def test_release_ids_must_be_uuids(ticket: str) -> None:
    """A release or rollback id that is not a lowercase uuid is a bad answer (exit 4), never printed raw."""
    with pytest.raises(GimletAPIError, match="release answer has an id that Gimlet does not make"):
        client(lambda _: text_plain(201, {"id": ticket})).make_release(ReleaseRequest(env="s", artifact_id="a"))


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


def test_another_ships_artifact_for_the_same_commit_is_not_adopted() -> None:
    """After an unknown outcome, an artifact of the same sha with the same content but another ship's key (another
    `--manifests`, a re-run) is not taken for ours: the POST is sent again."""
    calls: list[str] = []
    other = {**STORED, "id": "acme/shop-00000000-0000-4000-8000-000000000001", "context": {IDEMPOTENCY_KEY: "x"}}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST" and calls.count("POST") == 1:
            return text_plain(502, "Bad Gateway\n")
        return text_plain(201, stored_as_sent(request)) if request.method == "POST" else text_plain(200, [other])

    assert ARTIFACT_ID == client(handler).post_artifact(ARTIFACT).id
    assert ["POST", "GET", "POST"] == calls


def test_redirect_names_where_it_points_and_what_to_do() -> None:
    """A 301 (an http URL for an https Gimlet) is an error naming the Location, with a tip, never followed."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://gimlet.example.com/api/artifact"})

    with pytest.raises(GimletAPIError, match=r"redirecting to https://gimlet\.example\.com/api/artifact") as e:
        client(handler).post_artifact(ARTIFACT)

    assert e.value.tip is not None
    assert "GIMLET_SERVER" in e.value.tip


@pytest.mark.parametrize(
    ("status", "calls"),
    [
        pytest.param(500, ["POST"] * 3, id="gimlet-500-before-storing"),
        pytest.param(503, ["POST"] * 3, id="503"),
        pytest.param(400, ["POST"], id="400-final"),
        pytest.param(502, ["POST", "GET"], id="proxy-502-is-looked-up"),
    ],
)
def test_artifact_post_is_sent_again_only_when_nothing_can_be_stored(status: int, calls: list[str]) -> None:
    """POST /api/artifact: 500 and 503 are sent again; a 400 is final; a proxy's 502 is looked up before anything."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return text_plain(status, "nope\n") if request.method == "POST" else text_plain(500, "down\n")

    with pytest.raises(GimletAPIError, match=f"Gimlet answered {status}"):
        client(handler).post_artifact(ARTIFACT)

    assert calls == seen[: len(calls)]
    assert seen.count("POST") == calls.count("POST")


@pytest.mark.parametrize(
    ("status", "posts"),
    [pytest.param(500, 1, id="500-may-be-queued"), pytest.param(503, 3, id="503-sent-again")],
)
def test_release_post_is_sent_again_only_when_it_cannot_be_queued(status: int, posts: int) -> None:
    """A release is never sent twice after Gimlet's 500 (it may be queued); a 503 is sent again."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return text_plain(status, "nope\n")

    with pytest.raises(GimletAPIError):
        client(handler).make_release(ReleaseRequest(env="staging", artifact_id="a"))

    assert posts == len(seen)


def test_release_with_no_answer_is_reported_never_sent_again() -> None:
    """A release whose answer never came says it may be queued; nothing is sent again."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        msg = "read timed out"
        raise httpx.ReadTimeout(msg, request=request)

    with pytest.raises(
        ServerUnreachable, match=r"no answer from https://gimlet\.example\.com to POST /api/rollback"
    ) as e:
        client(handler).rollback(env="staging", app="shop", sha="b" * 40)

    assert ["POST"] == seen
    assert e.value.tip is not None
    assert "the rollback may have been queued anyway" in e.value.tip


def test_transport_errors_keep_their_cause() -> None:
    """After the last attempt the error names the server and keeps the httpx error as its cause."""

    def handler(request: httpx.Request) -> httpx.Response:
        msg = "connection refused"
        raise httpx.ConnectError(msg, request=request)

    with pytest.raises(ServerUnreachable, match=r"cannot connect to https://gimlet\.example\.com") as e:
        client(handler).track_artifact("x")

    assert isinstance(e.value.__cause__, httpx.ConnectError)


def test_a_header_error_never_keeps_its_cause() -> None:
    """httpx's error for a bad header value quotes the headers, the token among them: it is dropped."""

    def handler(request: httpx.Request) -> httpx.Response:
        msg = "Illegal header value b'Bearer tok\\n'"
        raise httpx.LocalProtocolError(msg, request=request)

    with pytest.raises(ConfigError, match="a header value is not valid HTTP") as e:
        client(handler).track_artifact("x")

    assert (None, True) == (e.value.__cause__, e.value.__suppress_context__)


def test_client_is_a_context_manager_that_closes_its_connections() -> None:
    """`with client:` hands the client back and closes the HTTP client at the end."""
    with client(lambda _: text_plain(200, {})) as own:
        assert not own.http.is_closed

    assert own.http.is_closed


def test_connect_checks_server_and_token_together() -> None:
    """`connect` names every missing credential in one error, before any client exists."""
    with pytest.raises(MissingSettingsError) as e, connect(Settings()):
        pass

    assert ("GIMLET_SERVER", "GIMLET_TOKEN") == e.value.names


@pytest.mark.parametrize(
    ("settings", "events"),
    [
        pytest.param(Settings(server="https://g.example", token="t"), [], id="https"),
        pytest.param(Settings(server="http://127.0.0.1:9000", token="t"), [], id="loopback-http"),
        pytest.param(Settings(server="http://g.example", token="t"), ["gimlet_ci.plain_http"], id="plain-http"),
        pytest.param(Settings(server="http://localhost:9000", token="t"), [], id="localhost-http"),
        pytest.param(Settings(server="http://[::1]:9000", token="t"), [], id="ipv6-loopback-http"),
        pytest.param(
            Settings(server="http://127.evil.example", token="t"), ["gimlet_ci.plain_http"], id="127-host-name"
        ),
        pytest.param(
            Settings(server="http://127.0.0.1.nip.io", token="t"), ["gimlet_ci.plain_http"], id="127-ip-like-name"
        ),
        pytest.param(
            Settings(server="https://g.example", token="t", insecure=True), ["gimlet_ci.insecure"], id="tls-off"
        ),
    ],
)
def test_connect_warns_when_the_token_is_exposed(settings: Settings, events: list[str]) -> None:
    """Plain http to another machine and TLS verification off are warned about; the deadline is the timeout."""
    with capture_logs() as logs, connect(settings) as own:
        assert settings.timeout == own.deadline.seconds
        assert f"gimlet-ci/{__version__}" == own.http.headers["User-Agent"]

    assert events == [entry["event"] for entry in logs if entry["log_level"] == "warning"]
    assert own.http.is_closed


def test_a_release_cut_by_the_deadline_is_never_sent_again_and_says_so() -> None:
    """The deadline cuts a release POST: it is reported as possibly queued (check Gimlet), never re-sent, and the tip
    does not advise a longer timeout."""
    seen: list[str] = []
    now = [0.0]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        now[0] = 6.0  # the request took all the time the deadline left
        msg = "read timed out"
        raise httpx.ReadTimeout(msg, request=request)

    own = client(handler)
    own.deadline = Deadline(5.0, Timing(clock=lambda: now[0]))
    with pytest.raises(GimletAPIError, match="no answer from https://gimlet") as e:
        own.make_release(ReleaseRequest(env="staging", artifact_id=ARTIFACT_ID))

    assert ["POST"] == seen
    assert e.value.tip is not None
    assert "the release may have been queued anyway" in e.value.tip
    assert "raise --timeout" not in e.value.tip


def test_a_pushed_file_is_sent_as_it_is_plus_the_key_which_gimlet_merges_into_its_context() -> None:
    """`push FILE` sends the file's bytes with one `"context"` member appended; Go's decoder (the dev server's model
    of it) merges that into the file's own context, so the stored artifact keeps every entry and gains the key."""
    from gimlet_ci._converter import from_wire  # noqa: PLC0415
    from gimlet_ci.testing import GimletServer  # noqa: PLC0415

    body = b'{"version": {"repositoryName": "acme/shop", "sha": "abc"}, "context": {"A": "1"}, "vars": {"X": "y"}}\n'
    artifact = from_wire(json.loads(body), Artifact, what="file")
    with GimletServer(token="t") as server:
        own = build_client(server=server.url, token="t", deadline=Deadline(30.0), user_agent="t")
        with own.http:
            stored = own.post_artifact(artifact, body=body, key="0b7f4ec4-3a5e-4d0f-9c55-61c2f6a1d7e2")
        [kept] = server.artifacts()

    assert {"A": "1", IDEMPOTENCY_KEY: "0b7f4ec4-3a5e-4d0f-9c55-61c2f6a1d7e2"} == kept["context"] == stored.context
    assert {"X": "y"} == kept["vars"]


def test_unknown_outcome_of_an_artifact_without_sha_is_looked_up_not_posted_twice() -> None:
    """A pushed file may have no sha (or no repository): after an unknown outcome the artifact is still looked up by
    its key, with the filters it has, and adopted, never posted a second time."""
    calls: list[str] = []
    posted: list[httpx.Request] = []
    no_sha = attrs.evolve(ARTIFACT, version=attrs.evolve(ARTIFACT.version, sha=""))

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST":
            posted.append(request)
            msg = "server closed the connection"
            raise httpx.RemoteProtocolError(msg, request=request)
        assert {"repository": "acme/shop", "limit": str(LOOKUP_PAGE)} == dict(request.url.params)
        return text_plain(200, [stored_as_sent(posted[0])])

    assert ARTIFACT_ID == client(handler).post_artifact(no_sha).id
    assert ["POST", "GET"] == calls


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("<html>Created</html>", id="not-json"),
        pytest.param(json.dumps({**STORED, "id": "not-an-id"}), id="bad-id"),
        pytest.param(json.dumps({**STORED, "id": ""}), id="no-id"),
    ],
)
def test_an_unusable_answer_to_a_stored_post_names_the_key_to_look_for(answer: str) -> None:
    """Gimlet answered 201 (it stored the artifact) but the answer cannot be used: exit 4, and the tip says the
    artifact may be stored and names this run's key, so that running again does not post a second one."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return text_plain(201, answer)

    with pytest.raises(GimletAPIError) as e:
        client(handler).post_artifact(ARTIFACT)

    key = json.loads(seen[0].content)["context"][IDEMPOTENCY_KEY]
    assert (4, 1) == (e.value.exit_code, len(seen))
    assert e.value.tip is not None
    assert f"look for {IDEMPOTENCY_KEY}={key}" in e.value.tip


def test_a_cancel_while_the_artifact_post_is_out_resumes_with_a_look_for_its_key() -> None:
    """SIGTERM while the POST is on its way: Gimlet may have stored it, so the resume line lists the commit's
    artifacts and names the key to look for, instead of leaving a re-run to ship a second one."""
    from gimlet_ci.exceptions import Cancelled  # noqa: PLC0415

    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(json.loads(request.content)["context"][IDEMPOTENCY_KEY])
        raise Cancelled("SIGTERM", exit_code=143)

    with pytest.raises(Cancelled) as caught:
        client(handler).post_artifact(ARTIFACT)

    [key] = keys
    repository, sha = ARTIFACT.version.repository_name, ARTIFACT.version.sha
    assert (
        f"gimlet-ci artifacts --repo {repository} --sha {sha} --output json  # the artifact may have been stored:"
        f" if one has {IDEMPOTENCY_KEY}={key} in its context, track it instead of shipping again"
    ) == caught.value.resume
