"""Gimlet's CI endpoints on the dev server: each request to a `Response`, with the fault knobs applied.

The routes, their methods, validation order and messages are Gimlet's: ``POST /api/artifact`` stores whatever
decodes (a fresh id every time, no duplicate detection) and echoes it; the track endpoints answer the 404-plus-JSON
quirk for an unknown id; ``POST /api/releases`` checks, in Gimlet's order, the body, ``env``, ``artifactId``, the
artifact and every manifest's templates before it stores a ``release`` or an ``imageBuild``; ``POST /api/rollback``
needs its three query parameters; ``GET /api/artifacts`` filters and pages as Gimlet's SQL does; ``GET /api/releases``
walks the env's gitops history and ``GET /api/status`` reads its ``release.json`` files, as Gimlet's git helpers do.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import time
from collections.abc import Callable

import attrs

from gimlet_ci.devserver.state import USER, Release, State, string
from gimlet_ci.devserver.wire import (
    Request,
    Response,
    commit_events_body,
    empty,
    http_error,
    not_found_quirk,
    releases_body,
    status_body,
    track_body,
)
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import Decoder, GoPanic, RawSyntaxError, Slice, encode, encode_any, parse, plain
from gimlet_ci.gimlet.gotemplate import TemplateError, resolve_manifest, template_vars
from gimlet_ci.gimlet.reading import read_body
from gimlet_ci.gimlet.worker import IMAGE_BUILD_STRATEGIES, extract_image_strategy, prep_preview

__all__ = ["ROUTES", "authorized", "handle"]

Handler = Callable[[State, Request, float], Response]

_NOT_FOUND = "404 page not found"


def handle(state: State, request: Request) -> Response:
    """Answer one request (the caller does not hold the lock): count it, wait the latency, dispatch, then shape the
    answer as the delivery knobs say (drip, padding, gzip)."""
    with state.lock:
        state.counts[(request.method, request.path)] += 1
        faults = state.config.faults
    if faults.latency > 0:
        time.sleep(faults.latency)
    with state.lock:
        response = _dispatch(state, request)
    if not request.path.startswith("/api/") or response.drop:
        return response
    if request.method == "GET" and response.status == 200:  # noqa: PLR2004
        response = attrs.evolve(response, pad=faults.huge_body or faults.gzip_bomb, gzip=faults.gzip_bomb > 0)
    if faults.drip > 0 and faults.drip_path in (None, request.path):
        response = attrs.evolve(response, drip=faults.drip, drip_headers=faults.drip_headers)
    return response


def _echo(request: Request) -> Response:
    """A proxy's debug page: 502, and the request's headers, ``Authorization`` first, on the first line."""
    headers = sorted(request.headers.items(), key=lambda item: item[0].lower() != "authorization")
    echoed = "; ".join(f"{name}: {value}" for name, value in headers)
    return Response(502, f"upstream failed for request with {echoed}\n<html>Bad Gateway</html>\n".encode())


def authorized(state: State, request: Request) -> bool:
    """Gimlet's order: a ``Bearer``/``BEARER`` header, else ``access_token=`` (the first that has a token)."""
    header = request.headers.get("Authorization", "")
    token = next((header[len(p) :] for p in ("Bearer ", "BEARER ") if header.startswith(p)), "")
    if not token:
        token = request.query.get("access_token", [""])[0]
    return bool(token) and secrets.compare_digest(token.encode(), state.config.token.encode())


def _dispatch(state: State, request: Request) -> Response:
    faults = state.config.faults
    is_api = request.path.startswith("/api/")
    if faults.echo_headers and is_api:
        return _echo(request)
    if faults.fail_first > 0 and (request.path == faults.fail_path if faults.fail_path is not None else is_api):
        faults.fail_first -= 1
        failure = http_error(faults.fail_status)
        if faults.retry_after is not None and faults.fail_status in (429, 503):
            failure = attrs.evolve(failure, headers=(("Retry-After", faults.retry_after),))
        return failure
    if request.path == "/health":
        return empty(200 if request.method == "GET" else 405)
    commit_events = _is_commit_events_path(request.path)
    methods = {"GET": _commit_events} if commit_events else _HANDLERS.get(request.path)
    if methods is None or (faults.no_track_endpoints and request.path in _TRACK):
        return http_error(404, _NOT_FOUND)
    handler = methods.get(request.method)
    if handler is None:
        return empty(405)
    if faults.force_status is not None:
        return http_error(faults.force_status)
    if not authorized(state, request):
        return http_error(401)
    now = time.monotonic()
    state.advance(now)
    return handler(state, request, now)


def _post_artifact(state: State, request: Request, now: float) -> Response:
    reading = read_body(request.body or b"")
    if reading.stored is None:
        return empty(500)  # the decoder panicked: the router's recoverer answers
    stored = state.store(reading, reading.stored, now)
    faults = state.config.faults
    for _ in range(faults.busy_commit):  # other jobs' artifacts of the commit, stored after ours
        state.store(reading, {**reading.stored, "context": None}, now)
    if faults.drop_after_store > 0:
        faults.drop_after_store -= 1
        if faults.after_store_status is not None:
            return http_error(faults.after_store_status)
        return Response(0, b"", drop=True)
    return Response(201, encode(dx.ARTIFACT, stored.value))


def _track(state: State, request: Request, now: float, *, artifact: bool) -> Response:
    """A track endpoint: ``eventArtifactTrack?artifactId=`` (*artifact*) or ``eventReleaseTrack?id=``."""
    wanted = request.query.get("artifactId" if artifact else "id", [""])[0]
    if not wanted:
        return http_error(400, "Bad Request: id parameter is mandatory")
    event = state.artifact_event(wanted) if artifact else state.events.get(wanted)
    if event is None:
        return not_found_quirk()
    faults = state.config.faults
    if faults.non_json_body:
        return Response(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n")
    kind = "" if artifact else event.type
    body = track_body(event, kind=kind, now=now, reconcile=state.config.reconcile_delay)
    return Response(200, body, truncate=faults.truncated_body)


def _post_release(state: State, request: Request, now: float) -> Response:
    try:
        raw = parse(request.body)
    except RawSyntaxError:
        return http_error(400, "Bad Request")
    decoder = Decoder()
    try:
        body, _ = decoder.decode(dx.RELEASE_REQUEST, raw)
    except GoPanic:
        return empty(500)
    if decoder.issues:
        return http_error(400, "Bad Request")
    env, app, artifact_id = body["env"], body["app"], body["artifactId"]
    if not env:
        return http_error(400, "Bad Request: env parameter is mandatory")
    if not artifact_id:
        return http_error(400, "Bad Request: artifact parameter is mandatory")
    stored = state.stored.get(artifact_id)
    if stored is None:
        return http_error(404, f"Not Found - cannot find artifact with id {artifact_id}")
    image_build = False
    for manifest_value in stored.value["environments"] or ():
        try:
            prepared = prep_preview(manifest_value)
        except GoPanic:
            return empty(500)  # a panic, caught by the router's recoverer
        manifest = plain(dx.MANIFEST, prepared)
        try:
            resolved = resolve_manifest(manifest, template_vars(stored.echo, app=string(manifest.get("app"))))
        except TemplateError as e:
            return http_error(400, str(e))
        # Gimlet compares the resolved env and app with the request's exactly: a release without app never builds.
        if string(resolved.get("env")) != env or string(resolved.get("app")) != app:
            continue
        values = resolved.get("values")
        try:
            strategy = extract_image_strategy({**prepared, "values": values if isinstance(values, dict) else None})
        except GoPanic:
            return empty(500)
        if strategy in IMAGE_BUILD_STRATEGIES:
            image_build = True
            break  # Gimlet builds for the first such manifest and looks no further
    release_request = {"env": env, "app": app, "artifactId": artifact_id, "triggeredBy": USER}
    kind = "imageBuild" if image_build else "release"
    event = state.new_event(kind, now=now, artifact_id=artifact_id, request=release_request)
    answer = {"id": event.id, "type": kind}  # a Go map: sorted keys
    if state.config.faults.release_without_type:
        del answer["type"]
    return Response(201, encode_any(answer))


def _post_rollback(state: State, request: Request, now: float) -> Response:
    params = {name: request.query.get(name, [""])[0] for name in ("env", "app", "sha")}
    for name, value in params.items():
        if not value:
            return http_error(400, f"Bad Request: {name} parameter is mandatory")
    rollback = {"env": params["env"], "app": params["app"], "targetSHA": params["sha"], "triggeredBy": USER}
    event = state.new_event("rollback", now=now, request=rollback)
    return Response(201, encode_any({"id": event.id}))


def _list_artifacts(state: State, request: Request, now: float) -> Response:  # noqa: ARG001
    query = request.query
    try:
        limit = _go_atoi(query["limit"][0]) if "limit" in query else None
        offset = _go_atoi(query["offset"][0]) if "offset" in query else 0
        since = _go_time(query["since"][0]) if "since" in query else None
        until = _go_time(query["until"][0]) if "until" in query else None
        event = _query_event(query["event"][0]) if "event" in query else None
    except ValueError as e:
        return http_error(400, f"Bad Request - {e}")
    if not limit and not offset:
        limit = 10  # Gimlet: LIMIT 10 when both are 0 (absent or explicit); offset alone gives LIMIT 0
    limit = limit or 0
    repository = query.get("repository", [""])[0]
    branches = [b for b in (query.get("branch", [""])[0], query.get("sourceBranch", [""])[0]) if b]
    shas = query.get("sha")  # every value, an empty one included, as Gimlet's `sha IN (...)`
    selected = []
    for stored in reversed(state.stored.values()):
        version = stored.echo.get("version", {})
        created = stored.echo.get("created", 0)
        if (
            (repository and version.get("repositoryName") != repository)
            or any(version.get("branch", "") != branch for branch in branches)  # sourceBranch filters branch too
            or (shas is not None and version.get("sha", "") not in shas)
            or (event is not None and version.get("event", "push") != event)
            or (since is not None and created < since)
            or (until is not None and created >= until)
        ):
            continue
        selected.append(stored)
    selected.sort(key=lambda s: s.echo.get("created", 0), reverse=True)  # stable: newest stored first within a second
    # As SQLite (Gimlet's default database) reads `LIMIT %d OFFSET %d`: no upper bound for a negative limit, a
    # negative offset counts as 0 (PostgreSQL refuses both: a 500).
    start = max(offset, 0)
    page = selected[start:] if limit < 0 else selected[start : start + limit]
    return Response(200, encode(Slice(dx.ARTIFACT), [s.value for s in page]))


_RELEASE_HISTORY_DAYS = 30
"""Gimlet's ``RELEASE_HISTORY_SINCE_DAYS`` default: how far back ``GET /api/releases`` looks without ``since``."""


def _list_releases(state: State, request: Request, now: float) -> Response:
    """``GET /api/releases``: Gimlet's ``getReleases`` over the env's gitops history, newest first."""
    query = request.query
    try:  # Gimlet's order: limit, reverse, since, until, then env
        limit = _go_atoi(query["limit"][0]) if "limit" in query else 10
        reverse = _go_parse_bool(query["reverse"][0]) if "reverse" in query else False
        since = _go_time(query["since"][0]) if "since" in query else None
        if "until" in query:
            _go_time(query["until"][0])  # read and checked, then never applied (Gimlet's `gitops.Releases`)
    except ValueError as e:
        return http_error(400, f"Bad Request - {e}")
    if "env" not in query:
        return http_error(400, "Bad Request: env parameter is mandatory")
    env = query["env"][0]
    if env not in state.config.environments:
        return http_error(400, "Bad Request")  # `no such environment`, logged only
    if since is None:
        since = int(time.time()) - _RELEASE_HISTORY_DAYS * 24 * 3600
    app, git_repo = query.get("app", [""])[0], query.get("git-repo", [""])[0]
    selected: list[Release] = []
    for release in state.releases(env, app):
        if limit != -1 and len(selected) >= limit:  # so 0 and other negative limits give []
            break
        if release.created < since:
            continue
        if git_repo and (release.version is None or release.version.get("repositoryName") != git_repo):
            continue
        selected.append(release)
    if reverse:
        selected.sort(key=lambda r: r.created)
    return Response(200, releases_body(selected, now=now, reconcile=state.config.reconcile_delay))


def _release_status(state: State, request: Request, now: float) -> Response:  # noqa: ARG001
    """``GET /api/status``: Gimlet's ``getStatus``, each app folder's ``release.json`` of the env by app name."""
    query = request.query
    if "env" not in query:
        return http_error(400, "Bad Request: env parameter is mandatory")
    env, app = query["env"][0], query.get("app", [""])[0]
    if env not in state.config.environments:
        return http_error(500)  # `no such environment`, logged only
    deployed = state.deployed(env)
    if app:
        if app not in deployed:
            return http_error(500)  # `cannot read app status`: the app has no release.json in the env
        return Response(200, status_body({app: deployed[app]}))
    return Response(200, status_body(deployed))


def _commit_events(state: State, request: Request, now: float) -> Response:  # noqa: ARG001
    """``GET /api/repo/{owner}/{name}/commits/{sha}/events``: the commit's events, newest first; ``[]`` if none."""
    faults = state.config.faults
    if faults.no_commit_events or faults.no_track_endpoints:
        return http_error(404, _NOT_FOUND)
    parts = request.path.split("/")
    repository, sha = f"{parts[3]}/{parts[4]}", parts[6]
    events = [
        e
        for e in state.events.values()
        if e.type != "rollback"
        and state.version(e).get("repositoryName", "") == repository
        and state.version(e).get("sha", "") == sha
    ]
    events.reverse()  # newest stored first within one second
    events.sort(key=lambda e: e.created, reverse=True)
    return Response(200, commit_events_body(events, state))


def _is_commit_events_path(path: str) -> bool:
    parts = path.split("/")
    return (
        len(parts) == 8  # noqa: PLR2004
        and parts[:3] == ["", "api", "repo"]
        and all(parts[3:6])
        and parts[5] == "commits"
        and bool(parts[6])
        and parts[7] == "events"
    )


_HANDLERS: dict[str, dict[str, Handler]] = {
    "/api/artifact": {"POST": _post_artifact},
    "/api/eventArtifactTrack": {"GET": functools.partial(_track, artifact=True)},
    "/api/releases": {"GET": _list_releases, "POST": _post_release},
    "/api/eventReleaseTrack": {"GET": functools.partial(_track, artifact=False)},
    "/api/rollback": {"POST": _post_rollback},
    "/api/artifacts": {"GET": _list_artifacts},
    "/api/status": {"GET": _release_status},
}
ROUTES: tuple[tuple[str, str], ...] = tuple(
    (method, path) for path, methods in _HANDLERS.items() for method in sorted(methods)
)
"""Gimlet's CI routes as (method, path) (the commit-events route, ``/ws/`` and ``/health`` apart)."""
_TRACK = frozenset({"/api/eventArtifactTrack", "/api/eventReleaseTrack"})


def _query_event(text: str) -> str:
    """``event=`` as Gimlet reads it: quoted and decoded as a JSON string, then as a ``GitEvent`` (push, tag, pr;
    any other string is push). A value that breaks the quoting raises ValueError (Gimlet answers 400)."""
    try:
        value = parse(f'"{text}"', whole=True)
    except RawSyntaxError as e:
        raise ValueError(str(e)) from e
    if not isinstance(value, str):  # pragma: no cover - a quoted text parses to a string or fails
        msg = "json: cannot unmarshal into string"
        raise ValueError(msg)  # noqa: TRY004 - Gimlet's error is a JSON error
    return value if value in dx.GIT_EVENTS else "push"


_GO_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}


def _go_parse_bool(text: str) -> bool:
    if text not in _GO_BOOLS:
        msg = f'strconv.ParseBool: parsing "{text}": invalid syntax'
        raise ValueError(msg)
    return _GO_BOOLS[text]


def _go_atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        msg = f'strconv.Atoi: parsing "{text}": invalid syntax'
        raise ValueError(msg)
    return int(text)


def _go_time(text: str) -> int:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text:
        msg = f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse "{text}" as "2006"'
        raise ValueError(msg)
    return int(parsed.timestamp())
