"""A loopback Gimlet-compatible server (``gimlet-ci dev-server``) for pipelines and tests.

It reproduces what a client of Gimlet's CI endpoints can observe (``docs/gimlet-wire.md`` §11): the
routes, auth, status codes and bodies (``text/plain`` JSON, ``http.Error`` errors, the 404-plus-JSON
quirk), the artifact echo in Go key order with ``omitempty``, deploy policies and templates, and the
event and gitops-status lifecycle over time. It does not clone, render Helm charts or push: every
deploy is a fresh fake gitops commit.

Time model: an event is ``new`` for ``processing_delay`` seconds, then processed (its results
computed with the faults in force at that moment). Each gitops commit is ``NotReconciled`` from
then, ``Progressing`` after half of ``reconcile_delay`` and terminal after all of it. Fault knobs
live in a mutable `Faults` object that tests may change while the server runs.

The server binds loopback addresses only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import math
import re
import secrets
import socket
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, TextIO

import attrs

from gimlet_ci._devserver_args import GITOPS_FAILURES, add_arguments
from gimlet_ci._devserver_ws import Push, is_commit_events_path, upgrade
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import Decoder, GoPanic, RawSyntaxError, encode, go_float, go_string, parse, plain
from gimlet_ci.gimlet.gotemplate import TemplateError, resolve_manifest, template_vars
from gimlet_ci.gimlet.reading import Reading, read_body
from gimlet_ci.gimlet.worker import IMAGE_BUILD_STRATEGIES, extract_image_strategy, prep_preview

__all__ = [
    "GITOPS_FAILURES",
    "DevServer",
    "Faults",
    "add_arguments",
    "go_json",
    "run",
]

"""Terminal Flux statuses the ``gitops_failure`` knob accepts, with the description each gets."""

_SUCCEEDED_DESC = "Reconciliation finished in 1.2s, next run in 1m0s"
_PROGRESSING_DESC = "Reconciliation in progress"
_NO_CHANGES = "No changes made to the gitops state. Maybe this is the current version already?"
_USER = "dev-server"
"""The login of the token's user: it triggers releases and rollbacks (automated deploys are ``policy``)."""


# -------------------------------------------------------------------------------------------------
# Go's encoding/json, over plain dicts


def _go_encode(value: Any, out: list[str], *, keep_order: bool) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(go_float(float(value)) if abs(value) >= 2**53 else str(value))
    elif isinstance(value, float):
        out.append(go_float(value) if math.isfinite(value) else "null")
    elif isinstance(value, str):
        out.append(go_string(value))
    elif isinstance(value, _Struct):
        out.append("{")
        for index, (key, item) in enumerate(value.fields):
            if index:
                out.append(",")
            out.append(go_string(key) + ":")
            _go_encode(item, out, keep_order=keep_order)
        out.append("}")
    elif isinstance(value, Mapping):
        out.append("{")
        keys = list(value) if keep_order else sorted(value, key=str)
        for index, key in enumerate(keys):
            if index:
                out.append(",")
            out.append(go_string(str(key)) + ":")
            _go_encode(value[key], out, keep_order=keep_order)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _go_encode(item, out, keep_order=keep_order)
        out.append("]")
    else:
        out.append(go_string(str(value)))


@attrs.frozen
class _Struct:
    """A Go struct value: its fields in declaration order (omitempty already applied)."""

    fields: tuple[tuple[str, Any], ...]


def go_json(value: Any, *, keep_order: bool = False) -> bytes:
    """Encode *value* compactly as Go's ``encoding/json``: sorted map keys, ``\\u003c`` escapes.

    With *keep_order*, dicts keep their key order (they stand for structs already in Go order).
    """
    out: list[str] = []
    _go_encode(value, out, keep_order=keep_order)
    return "".join(out).encode()


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _struct(*fields: tuple[str, Any, bool | str]) -> _Struct:
    """A struct from ``(key, value, omitempty)``; omitempty drops "", 0, False, None, {}, []."""
    kept = []
    for key, value, omitempty in fields:
        if omitempty == "nil" and value is None:  # a pointer: only nil is empty
            continue
        if omitempty is True and (value is None or value is False or value in ("", 0, {}, [])):
            continue
        kept.append((key, value))
    return _Struct(tuple(kept))


# -------------------------------------------------------------------------------------------------
# State


@attrs.define
class Faults:
    """Fault knobs; change them at any time, the server reads them on every request."""

    fail_first: int = 0
    """Answer this many (matching) requests with 500 ``Internal Server Error``; counts down."""
    fail_path: str | None = None
    """Only requests to this path count for ``fail_first`` (default: every ``/api/`` request)."""
    drop_after_store: int = 0
    """Store this many ``POST /api/artifact`` bodies, then close the connection unanswered."""
    latency: float = 0.0
    """Seconds to wait before every response."""
    force_status: int | None = None
    """Answer every ``/api/`` request with this status (401, 403, 500...), ``http.Error`` style."""
    truncated_body: bool = False
    """Track endpoints announce the whole body, send half of it, then close the connection."""
    non_json_body: bool = False
    """Track endpoints answer 200 with an HTML page instead of JSON."""
    processing_error: str | None = None
    """Artifact and release events end in ``error`` with this ``statusDesc``."""
    fail_results: bool = False
    """Deploy results get status ``failure`` (a failed git push) instead of a gitops commit."""
    gitops_failure: str | None = None
    """Terminal gitops status instead of success: ``ReconciliationFailed``, ``ValidationFailed`` or
    ``HealthCheckFailed``."""
    health_check_recovers: bool = False
    """Gitops commits go ``HealthCheckFailed`` first, then ``ReconciliationSucceeded`` one reconcile
    later."""
    image_build_error: bool = False
    """Image builds end with status ``error``, ``image build failed``."""
    no_track_endpoints: bool = False
    """Behave like a pre-v0.18 server: the track endpoints answer ``404 page not found``."""
    release_without_type: bool = False
    """``POST /api/releases`` answers ``{"id"}`` only, as servers before September 2023 did."""
    no_commit_events: bool = False
    """Behave like a server before v0.26: ``GET /api/repo/{owner}/{name}/commits/{sha}/events`` answers 404."""
    ws_disabled: bool = False
    """No push channel: ``GET /ws/`` answers ``404 page not found``, as an old Gimlet or a blocking proxy would."""
    ws_drop_after: int = 0
    """Drop every push-channel socket (no close frame) once it has been sent this many messages."""
    ws_delay: float = 0.0
    """Seconds between a broadcast and its delivery on the push channel."""
    ws_ignore_pings: bool = False
    """Never answer a client's ping, so its ping deadline passes."""
    ws_ping_period: float = 36.0
    """Seconds between the server's pings (Gimlet: 36 s)."""
    ws_pong_wait: float = 60.0
    """Seconds a client has to answer with a pong before the server drops it (Gimlet: 60 s)."""


@attrs.define
class _Result:
    app: str = ""
    env: str = ""
    status: str = "success"
    status_desc: str = ""
    hash: str = ""
    committed_at: float = 0.0
    gitops_failure: str | None = None
    recovers: bool = False
    triggered: str = ""
    image_build: str = ""
    """The image build an artifact's policy started (Gimlet's ``triggeredImageBuildRequestID``): shown only by the
    commit-events route and the push channel, never by the track endpoints."""

    def wire(self, now: float, reconcile: float) -> _Struct:
        gitops_status = gitops_desc = ""
        if self.hash:
            gitops_status, gitops_desc = self._gitops(now - self.committed_at, reconcile)
        return _struct(
            ("app", self.app, True),
            ("hash", self.hash, True),
            ("status", self.status if not self.triggered else "", True),
            ("gitopsCommitStatus", gitops_status, True),
            ("gitopsCommitStatusDesc", gitops_desc, True),
            ("env", self.env, True),
            ("statusDesc", self.status_desc, True),
            ("triggeredDeployRequestID", self.triggered, True),
        )

    def _gitops(self, age: float, reconcile: float) -> tuple[str, str]:
        if age < reconcile / 2:
            return "NotReconciled", ""
        if age < reconcile:
            return "Progressing", _PROGRESSING_DESC
        if self.recovers and age < 2 * reconcile:
            return "HealthCheckFailed", GITOPS_FAILURES["HealthCheckFailed"]
        if self.gitops_failure:
            return self.gitops_failure, GITOPS_FAILURES.get(self.gitops_failure, self.gitops_failure)
        return "ReconciliationSucceeded", _SUCCEEDED_DESC


@attrs.define
class _Event:
    id: str
    type: str  # artifact, release, rollback, imageBuild
    process_at: float
    artifact_id: str = ""
    request: dict[str, Any] = attrs.Factory(dict)
    status: str = "new"
    status_desc: str = ""
    results: list[_Result] = attrs.Factory(list)
    done: bool = False
    created: int = attrs.Factory(lambda: int(time.time()))


@attrs.define
class _Commit:
    """One gitops commit of an app: what its ``release.json`` says."""

    hash: str
    artifact_id: str
    triggered_by: str
    is_revert: bool = False
    reverted: bool = False


def _fresh_hash() -> str:
    return secrets.token_hex(20)


def _status_text(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


class DevServer:
    """The Gimlet-compatible server: start it, point a client at `url` with `token`, stop it."""

    def __init__(
        self,
        *,
        token: str = "test-token",  # noqa: S107 - a test double's default
        processing_delay: float = 0.05,
        reconcile_delay: float = 0.1,
        environments: Sequence[str] = ("staging", "production"),
        host: str = "127.0.0.1",
        port: int = 0,
        **faults: Any,
    ) -> None:
        _require_loopback(host)
        unknown = sorted(set(faults) - set(attrs.fields_dict(Faults)))
        if unknown:
            known = ", ".join(attrs.fields_dict(Faults))
            msg = f"unknown fault knob(s) {', '.join(unknown)}; known knobs: {known}"
            raise TypeError(msg)
        if faults.get("gitops_failure") not in (None, *GITOPS_FAILURES):
            choices = ", ".join(GITOPS_FAILURES)
            msg = f"gitops_failure={faults['gitops_failure']!r}; use one of {choices}"
            raise ValueError(msg)
        delays = {"processing_delay": processing_delay, "reconcile_delay": reconcile_delay}
        delays["latency"] = faults.get("latency", 0.0)
        for name, delay in delays.items():
            if not (math.isfinite(delay) and delay >= 0):
                msg = f"{name}={delay!r}; use a finite number of seconds, 0 or more"
                raise ValueError(msg)
        self.token = token
        self.processing_delay = processing_delay
        self.reconcile_delay = reconcile_delay
        self.environments = tuple(environments)
        self.host = host
        self.port = port
        self.faults = Faults(**faults)
        self._lock = threading.RLock()
        self._artifacts: list[dict[str, Any]] = []
        self._events: dict[str, _Event] = {}
        self._artifact_events: dict[str, str] = {}
        self._readings: dict[str, Reading] = {}
        self._deployed: dict[tuple[str, str], tuple[str, str]] = {}
        self._env_release: dict[str, tuple[str, str, str]] = {}
        self._history: dict[tuple[str, str], list[_Commit]] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.push = Push(self)
        """The push channel (``/ws/``) and the clock that broadcasts each state change at its moment."""

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (the real port once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> DevServer:
        """Bind and serve in a background thread; return self."""
        if self._httpd is not None:
            return self
        server_class = _IPv6Server if ":" in self.host else _Server
        httpd = server_class((self.host, self.port), _Handler)
        httpd.app = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="gimlet-dev-server", daemon=True)
        self._thread.start()
        self.push.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.push.stop()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DevServer:  # noqa: PYI034 - subclasses return themselves through start()
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} url={self.url!r} artifacts={len(self._artifacts)} events={len(self._events)}>"

    # -- inspection -------------------------------------------------------------------------------

    def timeline(self) -> list[tuple[float, dict[str, Any]]]:
        """Every push-channel message broadcast so far, oldest first, with the ``time.monotonic()`` it left."""
        with self._lock:
            return [(at, json.loads(go_json(message, keep_order=True))) for at, message in self.push.hub.timeline]

    def artifacts(self) -> list[dict[str, Any]]:
        """The stored artifacts, oldest first, as their echoed JSON objects."""
        with self._lock:
            return [json.loads(json.dumps(a)) for a in self._artifacts]

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived, optionally only with this method and/or path (no query)."""
        with self._lock:
            return sum(
                count
                for (m, p), count in self._counts.items()
                if (method is None or m == method.upper()) and (path is None or p == path)
            )

    def reset(self) -> None:
        """Forget artifacts, events, deploy state and request counts; reset every fault knob."""
        with self._lock:
            self._artifacts.clear()
            self._events.clear()
            self._artifact_events.clear()
            self._readings.clear()
            self._deployed.clear()
            self._env_release.clear()
            self._history.clear()
            self._counts.clear()
            self.faults = Faults()

    # -- processing -------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Process, oldest first, every event whose processing time has come (the worker)."""
        while True:
            due = [e for e in self._events.values() if not e.done and e.process_at <= now]
            if not due:
                return
            event = min(due, key=lambda e: e.process_at)
            event.done = True
            handler = {
                "artifact": self._process_artifact,
                "release": self._process_release,
                "rollback": self._process_rollback,
                "imageBuild": self._process_image_build,
            }[event.type]
            handler(event)
            self.push.processed(event)

    def _artifact(self, artifact_id: str) -> dict[str, Any] | None:
        return next((a for a in self._artifacts if a.get("id") == artifact_id), None)

    def _commit(self, event: _Event, app: str, env: str) -> _Result:
        faults = self.faults
        if faults.fail_results:
            return _Result(
                app=app,
                env=env,
                status="failure",
                status_desc="could not push to git. Check server logs",
            )
        return _Result(
            app=app,
            env=env,
            hash=_fresh_hash(),
            committed_at=event.process_at,
            gitops_failure=faults.gitops_failure,
            recovers=faults.health_check_recovers,
        )

    def _process_artifact(self, event: _Event) -> None:
        if self.faults.processing_error is not None:
            event.status, event.status_desc = "error", self.faults.processing_error
            return
        artifact = self._artifact(event.artifact_id) or {}
        reading = self._readings.get(event.artifact_id)
        if reading is None or reading.stored is None:
            event.status = "processed"
            return
        crash = _crash(reading)
        if crash is not None:
            # Gimlet's worker panics here and takes the whole server down; the event stays `new` and the crash repeats
            # after every restart. A test double cannot crash for real: it ends the event so that clients see why.
            event.status, event.status_desc = "error", crash
            return
        for trigger in reading.triggers:
            if not trigger.fires or trigger.prepared is None:
                continue
            manifest = plain(dx.MANIFEST, trigger.prepared)
            app, env = _string(manifest.get("app")), _string(manifest.get("env"))
            if env not in self.environments:
                event.results.append(
                    _Result(app=app, env=env, status="failure", status_desc=f"could not load environment: {env}")
                )
                continue
            if trigger.image_strategy in IMAGE_BUILD_STRATEGIES:
                event.results.append(self._policy_image_build(event, manifest, app, env))
                continue
            try:
                resolved = resolve_manifest(manifest, template_vars(artifact, app=app))
            except TemplateError as e:
                event.results.append(_Result(app=app, env=env, status="failure", status_desc=str(e)))
                continue
            app = _string(resolved.get("app"))
            result = self._commit(event, app, env)
            if result.hash:
                self._record_deploy(env, app, event.artifact_id, triggered_by="policy", gitops_hash=result.hash)
            event.results.append(result)
        event.status = "processed"

    def _record_deploy(self, env: str, app: str, artifact_id: str, *, triggered_by: str, gitops_hash: str) -> None:
        """A gitops commit for *app* in *env*: ``<env>/<app>/release.json`` and ``<env>/release.json`` name the app,
        the artifact and who triggered it."""
        self._deployed[(env, app)] = (artifact_id, triggered_by)
        self._env_release[env] = (app, artifact_id, triggered_by)
        self._history.setdefault((env, app), []).append(_Commit(gitops_hash, artifact_id, triggered_by))

    def _unchanged(self, env: str, app: str, artifact_id: str, triggered_by: str) -> bool:
        """True when writing this release changes no file: both release.json files would stay as they are."""
        return self._deployed.get((env, app)) == (artifact_id, triggered_by) and self._env_release.get(env) == (
            app,
            artifact_id,
            triggered_by,
        )

    def _process_release(self, event: _Event) -> None:
        if self.faults.processing_error is not None:
            event.status, event.status_desc = "error", self.faults.processing_error
            return
        request = event.request
        artifact_id = _string(request.get("artifactId"))
        artifact = self._artifact(artifact_id)
        reading = self._readings.get(artifact_id)
        if artifact is None or reading is None or reading.stored is None:
            event.status, event.status_desc = "error", "cannot find artifact with id: "
            return
        wanted_env, wanted_app = _string(request.get("env")), _string(request.get("app"))
        triggered_by = _string(request.get("triggeredBy"))
        for stored in reading.stored["environments"] or ():
            if stored is None or stored["env"] != wanted_env:
                continue
            if wanted_env not in self.environments:
                event.status, event.status_desc = "error", f"no such env: {wanted_env}"
                return
            try:
                manifest = plain(dx.MANIFEST, prep_preview(stored))
            except GoPanic as e:
                event.status, event.status_desc = "error", _CRASH.format(stage="PrepPreview", panic=e)
                return
            app = _string(manifest.get("app"))
            try:  # the worker sets APP to the request's app (empty for a release of every app)
                resolved = resolve_manifest(manifest, template_vars(artifact, app=wanted_app))
            except TemplateError as e:
                event.results.append(_Result(app=app, env=wanted_env, status="failure", status_desc=str(e)))
                continue
            app = _string(resolved.get("app"))
            if wanted_app and app != wanted_app:
                continue
            if self._unchanged(wanted_env, app, artifact_id, triggered_by):
                # release.json would be written with the same content: Gimlet finds nothing to commit.
                event.results.append(_Result(app=app, env=wanted_env, status="failure", status_desc=_NO_CHANGES))
                continue
            result = self._commit(event, app, wanted_env)
            if result.hash:
                self._record_deploy(wanted_env, app, artifact_id, triggered_by=triggered_by, gitops_hash=result.hash)
            event.results.append(result)
        event.status = "processed"

    def _process_rollback(self, event: _Event) -> None:
        env, app = _string(event.request.get("env")), _string(event.request.get("app"))
        if env not in self.environments:
            event.status, event.status_desc = "error", f"no such env: {env}"
            return
        # Gimlet reverts, newest first, every commit of the app after the target that is neither a rollback nor
        # reverted already; an unknown target reverts the whole history. One result per revert commit, maybe none.
        history = self._history.get((env, app), [])
        target = _string(event.request.get("targetSHA"))
        start = next((index + 1 for index, commit in enumerate(history) if commit.hash == target), 0)
        to_revert = [commit for commit in history[start:] if not commit.is_revert and not commit.reverted]
        results: list[_Result] = []
        for commit in reversed(to_revert):
            result = self._commit(event, app, env)
            if result.hash:
                commit.reverted = True
                history.append(_Commit(result.hash, "", "", is_revert=True))
            results.append(result)
        event.results.extend(reversed(results))  # Gimlet lists the revert commits newest first
        if to_revert:
            kept = next((c for c in reversed(history[:start]) if not c.is_revert and not c.reverted), None)
            if kept is None:
                self._deployed.pop((env, app), None)
                self._env_release.pop(env, None)
            else:
                self._deployed[(env, app)] = (kept.artifact_id, kept.triggered_by)
                self._env_release[env] = (app, kept.artifact_id, kept.triggered_by)
        event.status = "processed"

    def _process_image_build(self, event: _Event) -> None:
        if self.faults.image_build_error:
            event.status, event.status_desc = "error", "image build failed"
            return
        request = event.request
        release_request = {
            "env": request.get("env", ""),
            "app": request.get("app", ""),
            "artifactId": request.get("artifactId") or request.get("artifactID", ""),
            "triggeredBy": request.get("triggeredBy", ""),
        }
        follow_up = self._new_event("release", request=release_request, now=event.process_at)
        event.status = "success"
        event.results.append(_Result(triggered=follow_up.id))

    def _new_event(self, kind: str, *, now: float, artifact_id: str = "", request: Any = None) -> _Event:
        delay = self.processing_delay + (self.reconcile_delay if kind == "imageBuild" else 0.0)
        event = _Event(
            id=str(uuid.uuid4()),
            type=kind,
            process_at=now + delay,
            artifact_id=artifact_id,
            request=dict(request or {}),
        )
        self._events[event.id] = event
        self.push.created(event)
        return event

    def _policy_image_build(self, event: _Event, manifest: Mapping[str, Any], app: str, env: str) -> _Result:
        """An artifact's policy fired a manifest that builds in-cluster: an image-build event, as Gimlet's worker
        makes (``gitops.go``); the result is ``success`` with no hash and the build's id, which artifact tracking
        does not show."""
        values = manifest.get("values")
        image = values.get("image") if isinstance(values, Mapping) else None
        image = image if isinstance(image, Mapping) else {}
        version = (self._artifact(event.artifact_id) or {}).get("version")
        sha = _string(version.get("sha")) if isinstance(version, Mapping) else ""
        request = {
            "env": env,
            "app": app,
            "sha": sha,
            "triggeredBy": "policy",
            "artifactID": event.artifact_id,
            "image": _string(image.get("repository")),
            "tag": _string(image.get("tag")),
            "strategy": _string(image.get("strategy")),
        }
        build = self._new_event("imageBuild", now=event.process_at, artifact_id=event.artifact_id, request=request)
        return _Result(app=app, env=env, image_build=build.id)

    def _track_body(self, event: _Event, *, kind: str, now: float) -> bytes:
        if event.done:
            results = [r.wire(now, self.reconcile_delay) for r in event.results]
        elif event.type == "imageBuild":
            results = [_Struct((("status", "pending"),))]  # the build runs: Gimlet shows one pending result
        else:
            results = []
        status = event.status if event.done else "new"
        if event.done and event.type == "imageBuild" and event.status == "error":
            results = [_Struct((("status", "pending"),))]  # a failed build keeps its pending result
        return go_json(
            _struct(
                ("type", kind, False),
                ("status", status, False),
                ("statusDesc", event.status_desc, False),
                ("results", results, False),
            )
        )

    # -- request handling (called by _Handler with the lock NOT held) -----------------------------

    def handle(self, request: _Request) -> _Response:
        """Answer one request; the transport details stay in `_Handler`."""
        with self._lock:
            self._counts[(request.method, request.path)] += 1
            faults = self.faults
        if faults.latency > 0:
            time.sleep(faults.latency)
        with self._lock:
            return self._dispatch(request)

    _ROUTES: ClassVar[dict[str, str]] = {
        "/api/artifact": "POST",
        "/api/eventArtifactTrack": "GET",
        "/api/releases": "POST",
        "/api/eventReleaseTrack": "GET",
        "/api/rollback": "POST",
        "/api/artifacts": "GET",
    }
    _TRACK = frozenset({"/api/eventArtifactTrack", "/api/eventReleaseTrack"})

    def _dispatch(self, request: _Request) -> _Response:
        faults = self.faults
        is_api = request.path.startswith("/api/")
        if faults.fail_first > 0 and (request.path == faults.fail_path if faults.fail_path is not None else is_api):
            faults.fail_first -= 1
            return _error(500)
        if request.path == "/health":
            return _Response(200, b"", content_type=None) if request.method == "GET" else _Response(405, b"")
        extra = self.push.commit_events if is_commit_events_path(request.path) else None
        method = "GET" if extra is not None else self._ROUTES.get(request.path)
        if method is None or (faults.no_track_endpoints and request.path in self._TRACK):
            return _error(404, "404 page not found")
        if request.method != method:
            return _Response(405, b"", content_type=None)
        if faults.force_status is not None:
            return _error(faults.force_status)
        if not self._authorized(request):
            return _error(401)
        now = time.monotonic()
        self._advance(now)
        if extra is not None:
            return extra(request, now)
        handlers: dict[str, Callable[[_Request, float], _Response]] = {
            "/api/artifact": self._post_artifact,
            "/api/eventArtifactTrack": self._artifact_track,
            "/api/releases": self._post_release,
            "/api/eventReleaseTrack": self._release_track,
            "/api/rollback": self._post_rollback,
            "/api/artifacts": self._list_artifacts,
        }
        return handlers[request.path](request, now)

    def _authorized(self, request: _Request) -> bool:
        """Gimlet's order: a ``Bearer``/``BEARER`` header, else ``access_token=`` (the first that has a token)."""
        header = request.headers.get("Authorization", "")
        token = next((header[len(p) :] for p in ("Bearer ", "BEARER ") if header.startswith(p)), "")
        if not token:
            token = request.query.get("access_token", [""])[0]
        return bool(token) and secrets.compare_digest(token.encode(), self.token.encode())

    def _post_artifact(self, request: _Request, now: float) -> _Response:
        reading = read_body(request.body or b"")
        if reading.stored is None:
            return _Response(500, b"", content_type=None)  # the decoder panicked: the router's recoverer answers
        repository = reading.stored["version"]["repositoryName"]
        artifact_id = f"{repository}-{uuid.uuid4()}"
        stored = {**reading.stored, "id": artifact_id, "created": int(time.time())}
        reading = attrs.evolve(reading, stored=stored)
        artifact: dict[str, Any] = plain(dx.ARTIFACT, stored)
        self._artifacts.append(artifact)
        self._readings[artifact_id] = reading
        event = self._new_event("artifact", now=now, artifact_id=artifact_id)
        self._artifact_events[artifact_id] = event.id
        if self.faults.drop_after_store > 0:
            self.faults.drop_after_store -= 1
            return _Response(0, b"", drop=True)
        return _Response(201, encode(dx.ARTIFACT, stored))

    def _track_faults(self, body: bytes, status: int = 200) -> _Response:
        if self.faults.non_json_body:
            return _Response(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n")
        if self.faults.truncated_body:
            return _Response(status, body, truncate=True)
        return _Response(status, body)

    def _artifact_track(self, request: _Request, now: float) -> _Response:
        artifact_id = request.query.get("artifactId", [""])[0]
        if not artifact_id:
            return _error(400, "Bad Request: id parameter is mandatory")
        event_id = self._artifact_events.get(artifact_id)
        if event_id is None:
            return _not_found_quirk()
        return self._track_faults(self._track_body(self._events[event_id], kind="", now=now))

    def _release_track(self, request: _Request, now: float) -> _Response:
        event_id = request.query.get("id", [""])[0]
        if not event_id:
            return _error(400, "Bad Request: id parameter is mandatory")
        event = self._events.get(event_id)
        if event is None:
            return _not_found_quirk()
        return self._track_faults(self._track_body(event, kind=event.type, now=now))

    def _post_release(self, request: _Request, now: float) -> _Response:
        try:
            raw = parse(request.body)
        except RawSyntaxError:
            return _error(400, "Bad Request")
        decoder = Decoder()
        try:
            body, _ = decoder.decode(dx.RELEASE_REQUEST, raw)
        except GoPanic:
            return _Response(500, b"", content_type=None)
        if decoder.issues:
            return _error(400, "Bad Request")
        env, app, artifact_id = body["env"], body["app"], body["artifactId"]
        if not env:
            return _error(400, "Bad Request: env parameter is mandatory")
        if not artifact_id:
            return _error(400, "Bad Request: artifact parameter is mandatory")
        artifact = self._artifact(artifact_id)
        reading = self._readings.get(artifact_id)
        if artifact is None or reading is None or reading.stored is None:
            return _error(404, f"Not Found - cannot find artifact with id {artifact_id}")
        image_build = False
        for stored in reading.stored["environments"] or ():
            try:
                prepared = prep_preview(stored)
            except GoPanic:
                return _Response(500, b"", content_type=None)  # a panic, caught by the router's recoverer
            manifest = plain(dx.MANIFEST, prepared)
            try:
                resolved = resolve_manifest(manifest, template_vars(artifact, app=_string(manifest.get("app"))))
            except TemplateError as e:
                return _error(400, str(e))
            # Gimlet compares the resolved env and app with the request's exactly: a release without app never builds.
            if _string(resolved.get("env")) != env or _string(resolved.get("app")) != app:
                continue
            values = resolved.get("values")
            try:
                strategy = extract_image_strategy({**prepared, "values": values if isinstance(values, dict) else None})
            except GoPanic:
                return _Response(500, b"", content_type=None)
            if strategy in IMAGE_BUILD_STRATEGIES:
                image_build = True
                break  # Gimlet builds for the first such manifest and looks no further
        release_request = {"env": env, "app": app, "artifactId": artifact_id, "triggeredBy": _USER}
        kind = "imageBuild" if image_build else "release"
        event = self._new_event(kind, now=now, artifact_id=artifact_id, request=release_request)
        answer: dict[str, str] = {"id": event.id}
        if not self.faults.release_without_type:
            answer["type"] = kind
        return _Response(201, go_json(answer))

    def _post_rollback(self, request: _Request, now: float) -> _Response:
        params = {name: request.query.get(name, [""])[0] for name in ("env", "app", "sha")}
        for name, value in params.items():
            if not value:
                return _error(400, f"Bad Request: {name} parameter is mandatory")
        rollback = {
            "env": params["env"],
            "app": params["app"],
            "targetSHA": params["sha"],
            "triggeredBy": _USER,
        }
        event = self._new_event("rollback", now=now, request=rollback)
        return _Response(201, go_json({"id": event.id}))

    def _list_artifacts(self, request: _Request, now: float) -> _Response:  # noqa: ARG002
        query = request.query
        try:
            limit = _go_atoi(query["limit"][0]) if "limit" in query else None
            offset = _go_atoi(query["offset"][0]) if "offset" in query else 0
            since = _go_time(query["since"][0]) if "since" in query else None
            until = _go_time(query["until"][0]) if "until" in query else None
        except ValueError as e:
            return _error(400, f"Bad Request - {e}")
        if not limit and not offset:
            limit = 10  # Gimlet: LIMIT 10 when both are 0 (absent or explicit); offset alone gives LIMIT 0
        limit = limit or 0
        repository = query.get("repository", [""])[0]
        branches = [b for b in (query.get("branch", [""])[0], query.get("sourceBranch", [""])[0]) if b]
        shas = query.get("sha")  # every value, an empty one included, as Gimlet's `sha IN (...)`
        event = None
        if "event" in query:
            try:
                event = _query_event(query["event"][0])
            except ValueError as e:
                return _error(400, f"Bad Request - {e}")
        selected = []
        for artifact in reversed(self._artifacts):
            version = artifact.get("version", {})
            created = artifact.get("created", 0)
            if (
                (repository and version.get("repositoryName") != repository)
                or any(version.get("branch", "") != branch for branch in branches)  # sourceBranch filters branch too
                or (shas is not None and version.get("sha", "") not in shas)
                or (event is not None and version.get("event", "push") != event)
                or (since is not None and created < since)
                or (until is not None and created >= until)
            ):
                continue
            selected.append(artifact)
        selected.sort(key=lambda a: a.get("created", 0), reverse=True)  # stable: newest stored first within a second
        page = selected[offset : offset + limit]
        return _Response(200, go_json(page, keep_order=True))


def _query_event(text: str) -> str:
    """``event=`` as Gimlet reads it: quoted and decoded as a JSON string, then as a ``GitEvent`` (push, tag, pr;
    any other string is push). A value that breaks the quoting raises ValueError (Gimlet answers 400)."""
    try:
        value = parse(f'"{text}"', whole=True)
    except RawSyntaxError as e:
        raise ValueError(str(e)) from None
    if not isinstance(value, str):  # pragma: no cover - a quoted text parses to a string or fails
        msg = "json: cannot unmarshal into string"
        raise ValueError(msg)  # noqa: TRY004 - Gimlet's error is a JSON error
    return value if value in dx.GIT_EVENTS else "push"


_CRASH = (
    "Gimlet's server would crash on this artifact (a panic in {stage}: {panic}): on Gimlet the whole server goes"
    " down, the event stays new, and the crash repeats after every restart"
)


def _crash(reading: Reading) -> str | None:
    """Where Gimlet's worker would panic on this artifact: the first panic, in the worker's order."""
    if reading.worker_panic is not None:
        stage, _, panic = reading.worker_panic.partition(": ")
        return _CRASH.format(stage=stage, panic=panic)
    for trigger in reading.triggers:
        if trigger.panic is not None:
            return _CRASH.format(stage=trigger.stage, panic=trigger.panic)
    return None


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


def _require_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        msg = f"the dev server binds loopback addresses only, not {host!r}"
        raise ConfigError(msg, tip="use --host 127.0.0.1 (or ::1); it is a test double, never expose it")


# -------------------------------------------------------------------------------------------------
# HTTP transport


@attrs.frozen
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen
class _Response:
    status: int
    body: bytes
    content_type: str | None = "text/plain; charset=utf-8"
    nosniff: bool = False
    drop: bool = False
    truncate: bool = False


def _error(status: int, message: str | None = None) -> _Response:
    """Go's ``http.Error``: text/plain, nosniff, the message plus a newline."""
    text = _status_text(status) if message is None else message
    return _Response(status, (text + "\n").encode(), nosniff=True)


def _not_found_quirk() -> _Response:
    empty = go_json(
        _struct(
            ("type", "", False),
            ("status", "", False),
            ("statusDesc", "", False),
            ("results", [], False),
        )
    )
    return _Response(404, b"Not Found\n" + empty, nosniff=True)


_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9a-fA-F]+")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: DevServer


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: the dev server is a test double."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like Go: a status line and a Date header, no Server header."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _read_body(self) -> bytes | None:
        """The request body; None for a malformed ``Content-Length`` (Go answers 400 before any handler).

        A malformed chunked body reaches the handler cut short, as Go's body reader fails mid-way; the
        connection is closed after the answer since its framing is lost.
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_text = self.rfile.readline().split(b";")[0].strip()
                if not _HEX.fullmatch(size_text):
                    self.close_connection = True
                    return b"".join(chunks)
                size = int(size_text, 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or ()}
        if not lengths:
            return b""
        length = lengths.pop()
        if lengths or not _DIGITS.fullmatch(length):
            return None
        return self.rfile.read(int(length))

    def _bad_request(self) -> None:
        """Go's answer to a request it cannot frame: 400, ``Connection: close``, no handler, no count."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.send_response(400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"400 Bad Request")
            self.wfile.flush()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self._bad_request()
            return
        split = urllib.parse.urlsplit(self.path)
        request = _Request(
            method=self.command,
            path=urllib.parse.unquote(split.path),
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers={k: v for k, v in self.headers.items()},  # noqa: C416 - a plain dict of the headers
            body=body,
        )
        if request.path == "/ws/":
            answer = upgrade(self.server.app, self, request)
            if answer is None:
                return
            response = answer
        else:
            response = self.server.app.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in (
            ("Cache-Control", "no-cache, no-store, must-revalidate, private, max-age=0"),
            ("Expires", "Thu, 01 Jan 1970 00:00:00 UTC"),
            ("Pragma", "no-cache"),
            ("X-Accel-Expires", "0"),
        ):
            self.send_header(name, value)
        if self.close_connection:  # the request's framing was lost, or the client asked
            self.send_header("Connection", "close")
        if response.content_type is not None and (response.body or response.nosniff):
            self.send_header("Content-Type", response.content_type)
        if response.nosniff:
            self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        body = response.body
        if response.truncate:
            body = body[: len(body) // 2]
            self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.write(body)
            self.wfile.flush()
        if response.truncate:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815


# -------------------------------------------------------------------------------------------------
# CLI


def run(args: argparse.Namespace, *, out: TextIO) -> int:
    """Serve until interrupted (Ctrl-C); print the URL and token to *out* first."""
    token = args.token or secrets.token_urlsafe(24)
    environments = tuple(e.strip() for e in args.environments.split(",") if e.strip())
    server = DevServer(
        token=token,
        processing_delay=args.processing_delay,
        reconcile_delay=args.reconcile_delay,
        environments=environments,
        host=args.host,
        port=args.port,
        fail_first=args.fail_first,
        fail_path=args.fail_path,
        drop_after_store=args.drop_after_store,
        latency=args.latency,
        force_status=args.force_status,
        truncated_body=args.truncated_body,
        non_json_body=args.non_json_body,
        processing_error=args.processing_error,
        fail_results=args.fail_results,
        gitops_failure=args.gitops_failure,
        health_check_recovers=args.health_check_recovers,
        image_build_error=args.image_build_error,
        no_track_endpoints=args.no_track_endpoints,
        release_without_type=args.release_without_type,
        no_commit_events=args.no_commit_events,
        ws_disabled=args.ws_disabled,
        ws_drop_after=args.ws_drop_after,
        ws_delay=args.ws_delay,
        ws_ignore_pings=args.ws_ignore_pings,
        ws_ping_period=args.ws_ping_period,
        ws_pong_wait=args.ws_pong_wait,
    )
    try:
        server.start()
    except OverflowError as e:  # the socket module's answer to a port beyond 65535
        msg = f"--port {args.port!r} is not a port number"
        raise ConfigError(msg, tip="use --port 1-65535, or 0 to pick a free one") from e
    except OSError as e:
        msg = f"cannot listen on {args.host}:{args.port}: {e.strerror or e}"
        raise ConfigError(msg, tip="pick another --port (0 chooses a free one)") from e
    out.write(f"Gimlet dev server listening on {server.url}\n")
    out.write(f"GIMLET_SERVER={server.url}\nGIMLET_TOKEN={token}\n")
    out.write(f"environments: {', '.join(environments)}; press Ctrl-C to stop\n")
    out.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.write("stopped\n")
    finally:
        server.stop()
    return 0
