"""What the dev server sends, shaped as Gimlet's Go server shapes it.

Requests and responses are plain values (`Request`, `Response`); `http_error` is Go's ``http.Error`` (``text/plain``,
``nosniff``, the message plus a newline). Bodies are Gimlet's Go types, written as `gimlet_ci.gimlet.gojson` types and
encoded by its `encode` (struct field order, ``omitempty``, Go's escapes): the track endpoints' ``ReleaseStatus``
(``type``, ``status``, ``statusDesc`` and ``results`` always present), the commit events' ``api.CommitEvent`` and
the push channel's messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import attrs

from gimlet_ci.devserver.state import Event, Release, Result, State
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import Bool, Field, Int64, Map, Ptr, Slice, String, Struct, encode, zero

__all__ = [
    "Request",
    "Response",
    "commit_event_message",
    "commit_events_body",
    "empty",
    "gitops_commit_message",
    "http_error",
    "not_found_quirk",
    "releases_body",
    "status_body",
    "track_body",
]


@attrs.frozen
class Request:
    """One HTTP request, as the handlers see it."""

    method: str
    path: str
    """Percent-decoded, without the query."""
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen
class Response:
    """One answer, and how the transport delivers it."""

    status: int
    body: bytes
    content_type: str | None = "text/plain; charset=utf-8"
    nosniff: bool = False
    drop: bool = False
    """Close the connection without answering."""
    truncate: bool = False
    """Announce the whole body, send half of it, close the connection."""
    headers: tuple[tuple[str, str], ...] = ()
    """More headers (``Retry-After``)."""
    pad: int = 0
    """Bytes of white space sent after the body (announced in ``Content-Length``)."""
    gzip: bool = False
    """The body (with its padding) goes out gzip-encoded."""
    drip: float = 0.0
    """Seconds between two bytes of the body."""
    drip_headers: bool = False
    """Drip the status line and headers too."""


def http_error(status: int, message: str | None = None) -> Response:
    """Go's ``http.Error``: text/plain, nosniff, the message (default: the status text) plus a newline."""
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = ""
    return Response(status, (message + "\n").encode(), nosniff=True)


def empty(status: int) -> Response:
    """A status with no body and no Content-Type (a 405, the router's answer to a panic)."""
    return Response(status, b"", content_type=None)


def _strings(name: str, keys: Iterable[str], *, omitempty: tuple[str, ...] = ()) -> Struct:
    return Struct(name, tuple(Field(key, String, omitempty=key in omitempty) for key in keys))


# -- the track endpoints --------------------------------------------------------------------------------------------

_TRACK_KEYS = (
    "app",
    "hash",
    "status",
    "gitopsCommitStatus",
    "gitopsCommitStatusDesc",
    "env",
    "statusDesc",
    "triggeredDeployRequestID",
)
TRACK_RESULT = _strings("dx.Result", _TRACK_KEYS, omitempty=_TRACK_KEYS)
RELEASE_STATUS = Struct(
    "dx.ReleaseStatus",
    (
        Field("type", String),
        Field("status", String),
        Field("statusDesc", String),
        Field("results", Slice(TRACK_RESULT)),
    ),
)
_PENDING = {**zero(TRACK_RESULT), "status": "pending"}


def _track_result(result: Result, now: float, reconcile: float) -> dict[str, Any]:
    gitops_status = gitops_desc = ""
    if result.hash:
        gitops_status, gitops_desc = result.gitops(now - result.committed_at, reconcile)
    return {
        "app": result.app,
        "hash": result.hash,
        "status": result.status if not result.triggered else "",
        "gitopsCommitStatus": gitops_status,
        "gitopsCommitStatusDesc": gitops_desc,
        "env": result.env,
        "statusDesc": result.status_desc,
        "triggeredDeployRequestID": result.triggered,
    }


def track_body(event: Event, *, kind: str, now: float, reconcile: float) -> bytes:
    """The ``ReleaseStatus`` of *event* at *now*; *kind* is its ``type`` ("" on artifact tracking)."""
    if event.done:
        results = [_track_result(r, now, reconcile) for r in event.results]
    elif event.type == "imageBuild":
        results = [_PENDING]  # the build runs: Gimlet shows one pending result
    else:
        results = []
    if event.done and event.type == "imageBuild" and event.status == "error":
        results = [_PENDING]  # a failed build keeps its pending result
    status = event.status if event.done else "new"
    return encode(RELEASE_STATUS, {"type": kind, "status": status, "statusDesc": event.status_desc, "results": results})


def not_found_quirk() -> Response:
    """A track endpoint's unknown id: Gimlet writes the 404 and then, a ``return`` missing, the empty status."""
    body = encode(RELEASE_STATUS, {"type": "", "status": "", "statusDesc": "", "results": []})
    return Response(404, b"Not Found\n" + body, nosniff=True)


# -- commit events (the route and the push channel) -----------------------------------------------------------------

_IMAGE_BUILD_KEYS = (
    "env",
    "app",
    "sha",
    "triggeredBy",
    "artifactID",
    "image",
    "tag",
    "sourcePath",
    "context",
    "dockerfile",
    "strategy",
    "registry",
)
_ROLLBACK_KEYS = ("env", "app", "targetSHA", "triggeredBy")
_RESULT_KEYS = (
    "app",
    "env",
    "status",
    "statusDesc",
    "gitopsRef",
    "triggeredImageBuildId",
    "triggeredDeployRequestId",
    "triggeredBy",
)
COMMIT_EVENT_RESULT = _strings(
    "api.CommitEventResult",
    _RESULT_KEYS,
    omitempty=("app", "env", "gitopsRef", "triggeredImageBuildId", "triggeredDeployRequestId"),
)
"""The keys of ``api.CommitEventResult`` the dev server fills (``gitopsRepo`` and ``log`` stay empty, omitted)."""
COMMIT_EVENT = Struct(
    "api.CommitEvent",
    (
        Field("id", String, omitempty=True),
        Field("created", Int64, omitempty=True),
        Field("type", String, omitempty=True),
        Field("sha", String, omitempty=True),
        Field("releaseRequest", Ptr(dx.RELEASE_REQUEST), omitempty=True),
        Field("imageBuildRequest", Ptr(_strings("dx.ImageBuildRequest", _IMAGE_BUILD_KEYS)), omitempty=True),
        Field("rollbackRequest", Ptr(_strings("dx.RollbackRequest", _ROLLBACK_KEYS)), omitempty=True),
        Field("status", String),
        Field("statusDesc", String),
        Field("results", Slice(COMMIT_EVENT_RESULT), omitempty=True),
    ),
)
_GITOPS_KEYS = ("sha", "status", "statusDesc", "created", "env")
GITOPS_COMMIT = Struct(
    "streaming.GitopsCommit",
    tuple(Field(key, Int64 if key == "created" else String, omitempty=True) for key in _GITOPS_KEYS),
)
_COMMIT_EVENT_UPDATE = Struct(
    "streaming.CommitEventUpdate", (Field("commitEvent", COMMIT_EVENT), Field("event", String))
)
_GITOPS_COMMIT_UPDATE = Struct(
    "streaming.GitopsCommitUpdate", (Field("gitopsCommit", GITOPS_COMMIT), Field("event", String))
)


def _request(event: Event) -> dict[str, Any]:
    """The one request object of a commit event, by its type (``releaseRequest``, ...)."""
    request = event.request

    def text(key: str, fallback: str = "") -> str:
        return str(request.get(key, fallback))

    if event.type == "release":
        return {"releaseRequest": {key: text(key) for key in ("env", "app", "artifactId", "triggeredBy")}}
    if event.type == "imageBuild":
        fallback = text("artifactId")
        build = {key: text(key, fallback if key == "artifactID" else "") for key in _IMAGE_BUILD_KEYS}
        return {"imageBuildRequest": build}
    if event.type == "rollback":
        return {"rollbackRequest": {key: text(key) for key in _ROLLBACK_KEYS}}
    return {}


def _commit_result(event: Event, result: Result | None) -> dict[str, Any]:
    """``api.CommitEventResult``: app and env come from the result's manifest (none for a rollback's results)."""
    value: dict[str, Any] = zero(COMMIT_EVENT_RESULT)
    if event.type == "imageBuild":
        # Gimlet keeps the build's one result `pending` and adds the deploy it triggered.
        value["status"] = "pending"
        value["triggeredDeployRequestId"] = result.triggered if result is not None else ""
        return value
    assert result is not None  # noqa: S101 - only image builds show a result before they are done
    manifest = event.type != "rollback"
    value.update(
        app=result.app if manifest else "",
        env=result.env if manifest else "",
        status=result.status,
        statusDesc=result.status_desc,
        gitopsRef=result.hash,
        triggeredImageBuildId=result.image_build,
        triggeredBy="policy" if event.type == "artifact" else str(event.request.get("triggeredBy", "")),
    )
    return value


def _commit_event(event: Event, state: State) -> dict[str, Any]:
    """``api.CommitEvent`` of *event* (Gimlet's ``AsCommitEvent``)."""
    results = [_commit_result(event, r) for r in event.results] if event.done else []
    if event.type == "imageBuild" and not event.done:
        results = [_commit_result(event, None)]
    value: dict[str, Any] = zero(COMMIT_EVENT)
    value.update(
        id=event.id,
        created=int(event.created),
        type=event.type,
        sha=str(state.version(event).get("sha", "")),
        status=event.status if event.done else "new",
        statusDesc=event.status_desc if event.done else "",
        results=results,
        **_request(event),
    )
    return value


def commit_events_body(events: Iterable[Event], state: State) -> bytes:
    """The commit-events route's answer: a JSON array of ``api.CommitEvent``."""
    return encode(Slice(COMMIT_EVENT), [_commit_event(e, state) for e in events])


def commit_event_message(event: Event, state: State) -> bytes:
    """The push channel's ``{"commitEvent": …, "event": "commitEvent"}`` for *event* as it is now."""
    return encode(_COMMIT_EVENT_UPDATE, {"commitEvent": _commit_event(event, state), "event": "commitEvent"})


def gitops_commit_message(sha: str, status: str, desc: str, created: int, env: str) -> bytes:
    """The push channel's ``{"gitopsCommit": …, "event": "gitopsCommit"}``."""
    commit = {"sha": sha, "status": status, "statusDesc": desc, "created": created, "env": env}
    return encode(_GITOPS_COMMIT_UPDATE, {"gitopsCommit": commit, "event": "gitopsCommit"})


# -- releases and status ---------------------------------------------------------------------------------------------

RELEASE = Struct(
    "dx.Release",
    (
        Field("app", String),
        Field("env", String),
        Field("artifactId", String),
        Field("triggeredBy", String),
        Field("version", Ptr(dx.VERSION)),
        Field("gitopsRef", String),
        Field("gitopsRepo", String),
        Field("gitopsCommitStatus", String),
        Field("gitopsCommitStatusDesc", String),
        Field("gitopsCommitCreated", Int64, omitempty=True),
        Field("created", Int64, omitempty=True),
        Field("rolledBack", Bool, omitempty=True),
    ),
)


def gitops_repo(env: str) -> str:
    """The name of an env's gitops repository on the dev server (Gimlet's ``appsRepo`` of the env)."""
    return f"dev-server/gitops-{env}-apps"


def _release_value(release: Release, *, now: float, reconcile: float, history: bool) -> dict[str, Any]:
    """``dx.Release``: the ``release.json`` fields, and for a commit of the history (``GET /api/releases``) its
    ref, time, roll-back flag and Flux status, as Gimlet's handler adds them."""
    value: dict[str, Any] = zero(RELEASE)
    value.update(
        app=release.app,
        env=release.env,
        artifactId=release.artifact_id,
        triggeredBy=release.triggered_by,
        version=release.version,
        gitopsRepo=gitops_repo(release.env),
    )
    if history:
        status, desc = release.gitops(now, reconcile)
        value.update(
            gitopsRef=release.gitops_hash,
            gitopsCommitStatus=status,
            gitopsCommitStatusDesc=desc,
            gitopsCommitCreated=release.created if status else 0,
            created=release.created,
            rolledBack=release.rolled_back,
        )
    return value


def releases_body(releases: Iterable[Release], *, now: float, reconcile: float) -> bytes:
    """``GET /api/releases``: a JSON array of ``dx.Release``."""
    values = [_release_value(r, now=now, reconcile=reconcile, history=True) for r in releases]
    return encode(Slice(RELEASE), values)


def status_body(releases: Mapping[str, Release | None]) -> bytes:
    """``GET /api/status``: a Go map of app to ``*dx.Release`` (sorted keys; null for an unreadable file)."""
    values = {
        app: None if r is None else _release_value(r, now=0.0, reconcile=0.0, history=False)
        for app, r in releases.items()
    }
    return encode(Map(Ptr(RELEASE)), values)
